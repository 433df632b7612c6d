//! The JSON API on a real socket (port 0), served from an index of the sample corpus.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use common::http_get;
use policy_search::{Engine, SearchResponse};

/// Start the server once, in the background, over a sample index of its own.
fn server() -> SocketAddr {
    static SERVER: OnceLock<(tempfile::TempDir, SocketAddr)> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let temp = tempfile::tempdir().unwrap();
            let dir = temp.path().to_path_buf();
            let corpus = common::shared().join("corpus/sample");
            policy_search::indexer::build_index(&[corpus], &dir, |p| panic!("{p}")).unwrap();
            let engine = Arc::new(Engine::open(&dir).unwrap());
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    sender.send(listener.local_addr().unwrap()).unwrap();
                    policy_search::server::serve(engine, listener, std::future::pending()).await;
                });
            });
            (temp, receiver.recv().unwrap())
        })
        .1
}

fn error_code(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).expect("JSON error body");
    value["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_string()
}

#[test]
fn search_returns_ranked_hits_with_marked_snippets() {
    let (status, body) = http_get(server(), "/api/search?q=%E5%A4%AA%E6%B9%96&limit=3");
    assert_eq!(status, 200, "{body}");
    let response: SearchResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(response.query, "太湖");
    assert!(response.total >= 2);
    assert_eq!(response.hits.len(), 3);
    assert!(response
        .hits
        .iter()
        .any(|hit| hit.id == "环太湖科技创新圈.txt"));
    assert!(response
        .hits
        .iter()
        .all(|hit| hit.snippet.contains("<mark>太湖</mark>")));
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    for key in ["query", "total", "took_ms", "hits"] {
        assert!(value.get(key).is_some(), "missing {key}");
    }
    for key in [
        "id", "title", "score", "date", "category", "region", "snippet",
    ] {
        assert!(value["hits"][0].get(key).is_some(), "hit missing {key}");
    }
}

#[test]
fn document_by_percent_encoded_id() {
    let id = "地方性法规/上海/上海市优化营商环境条例(2024-09-27).md";
    let encoded: String =
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string();
    let (status, body) = http_get(server(), &format!("/api/documents/{encoded}"));
    assert_eq!(status, 200, "{body}");
    let document: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(document["id"], id);
    assert_eq!(document["title"], "上海市优化营商环境条例");
    assert_eq!(document["date"], "2024-09-27");
    assert_eq!(document["region"], "上海");
    assert!(document["body"].as_str().unwrap().contains("营商环境"));
}

#[test]
fn bad_requests_get_json_errors_with_codes() {
    let (status, body) = http_get(server(), "/api/search?q=%E5%A4%AA%E6%B9%96&limit=0");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_parameter"),
        "{body}"
    );
    let (status, body) = http_get(server(), "/api/search?q=%E5%A4%AA%E6%B9%96&limit=abc");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_parameter"),
        "{body}"
    );
    let (status, body) = http_get(server(), "/api/search");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_parameter"),
        "{body}"
    );
    let (status, body) = http_get(server(), "/api/search?q=%22%E5%A4%AA");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_query"),
        "{body}"
    );
    let (status, body) = http_get(server(), "/api/documents/no%2Fsuch%2Fdocument.md");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (404, "document_not_found"),
        "{body}"
    );
    let (status, body) = http_get(server(), "/api/nothing-here");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (404, "not_found"),
        "{body}"
    );
}

#[test]
fn health_reports_the_document_count() {
    let (status, body) = http_get(server(), "/healthz");
    assert_eq!(status, 200);
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(value["documents"], 77);
}
