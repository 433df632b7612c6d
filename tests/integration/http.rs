//! The HTTP service: every route, error and limit, CORS and live reload. Routes are called in
//! process (`warp::test`) where a socket adds nothing; protocol limits, live reload and a
//! graceful stop go through a real socket.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::common::{encode, http, http_get, serve_in_background, HttpResponse};
use policy_search::server::json::SearchJson as SearchResponse;
use policy_search::server::ServerOptions;
use policy_search::workbench::{concordance, ConcordanceRequest, KwicSort};
use policy_search::{Engine, SearchRequest};

const TAIHU_REGULATION: &str = "行政法规/太湖流域管理条例(2011-09-07).md";

/// The CORS origin both the in-process routes and the socket server allow.
const ORIGIN: &str = "https://research.example.org";

/// The sample index this file's tests share, built once.
fn sample_index() -> &'static std::path::Path {
    static INDEX: OnceLock<tempfile::TempDir> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let temp = crate::common::shared_scratch("http-sample-index");
            let corpus = crate::common::sample_corpus();
            policy_search::index::build_index(&[corpus], temp.path(), |p| panic!("{p}")).unwrap();
            temp
        })
        .path()
}

fn options() -> ServerOptions {
    ServerOptions {
        cors_origin: Some(ORIGIN.to_string()),
        ..ServerOptions::default()
    }
}

/// A server on a socket over the sample index, started once, allowing one CORS origin.
fn server() -> SocketAddr {
    static SERVER: OnceLock<SocketAddr> = OnceLock::new();
    *SERVER.get_or_init(|| serve_in_background(sample_index(), options()))
}

/// One request to the routes over the sample index, in process: the same routes `serve` runs,
/// without a socket.
fn api(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| Arc::new(Engine::open(sample_index()).unwrap()));
    let runtime = RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().unwrap());
    let routes = policy_search::server::routes(engine.clone(), &options());
    let mut request = warp::test::request().method(method).path(path).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = runtime.block_on(request.reply(&routes));
    let mut head = format!("HTTP/1.1 {}\r\n", response.status().as_u16());
    for (name, value) in response.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or("")));
    }
    HttpResponse {
        status: response.status().as_u16(),
        head: head.to_ascii_lowercase(),
        body: String::from_utf8_lossy(response.body()).into_owned(),
    }
}

/// `GET path` in process; the status and the body.
fn api_get(path: &str) -> (u16, String) {
    let response = api("GET", path, &[], b"");
    (response.status, response.body)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn error_code(body: &str) -> String {
    json(body)["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_string()
}

#[test]
fn search_returns_ranked_hits_with_marked_snippets() {
    let (status, body) = api_get(&format!("/api/search?q={}&limit=3", encode("太湖")));
    assert_eq!(status, 200, "{body}");
    let response: SearchResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(response.query, "太湖");
    assert!(response.total >= 2);
    assert!(response
        .hits
        .iter()
        .any(|hit| hit.id == "环太湖科技创新圈.txt"));
    assert!(response
        .hits
        .iter()
        .all(|hit| hit.snippet.contains("<mark>太湖</mark>")));
    let value = json(&body);
    for key in ["query", "total", "took_ms", "hits"] {
        assert!(value.get(key).is_some(), "missing {key}");
    }
    for key in [
        "id",
        "title",
        "score",
        "date",
        "category",
        "region",
        "type",
        "agency",
        "doc_number",
        "snippet",
    ] {
        assert!(value["hits"][0].get(key).is_some(), "hit missing {key}");
    }
    assert!(value.get("facets").is_none(), "facets only when asked for");
}

#[test]
fn post_search_takes_the_same_fields_and_adds_facets() {
    let body = r#"{"q":"营商环境","limit":5,"region":"山东","facets":true,"sort":"date_desc","highlight":false}"#;
    let response = api(
        "POST",
        "/api/search",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(response.status, 200, "{}", response.body);
    let value = json(&response.body);
    assert!(value["total"].as_u64().unwrap() >= 2);
    let hits = value["hits"].as_array().unwrap();
    assert!(hits.iter().all(|hit| hit["region"] == "山东"));
    assert!(hits
        .iter()
        .all(|hit| !hit["snippet"].as_str().unwrap().contains("<mark>")));
    let dates: Vec<&str> = hits.iter().filter_map(|hit| hit["date"].as_str()).collect();
    assert!(dates.windows(2).all(|pair| pair[0] >= pair[1]), "{dates:?}");
    assert_eq!(value["facets"]["region"][0]["value"], "山东");
    // GET with the same parameters gives the same hits.
    let get = format!(
        "/api/search?q={}&limit=5&region={}&sort=date_desc",
        encode("营商环境"),
        encode("山东")
    );
    let (_, get_body) = api_get(&get);
    let get_ids: Vec<String> = json(&get_body)["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].to_string())
        .collect();
    let post_ids: Vec<String> = hits.iter().map(|h| h["id"].to_string()).collect();
    assert_eq!(get_ids, post_ids);
}

#[test]
fn two_versions_compared_article_by_article() {
    let old = "地方性法规/北京/北京市优化营商环境条例(2020-03-27).md";
    let new = "地方性法规/北京/北京市优化营商环境条例(2024-11-29).md";
    let (status, body) = api_get(&format!(
        "/api/documents/{}/compare/{}",
        encode(new),
        encode(old)
    ));
    assert_eq!(status, 200, "{body}");
    let comparison = json(&body);
    assert_eq!(comparison["old"]["id"], old);
    assert_eq!(comparison["new"]["id"], new);
    assert_eq!(comparison["new"]["status"], "现行有效");
    assert_eq!(comparison["old"]["status"], "已修改");
    let pairs = comparison["pairs"].as_array().unwrap();
    let summary = &comparison["summary"];
    for change in ["未变", "修改", "新增", "删除"] {
        let counted = pairs.iter().filter(|p| p["change"] == change).count();
        assert_eq!(summary[change].as_u64(), Some(counted as u64), "{change}");
    }
    let second = pairs
        .iter()
        .find(|p| p["new"]["label"] == "第二条")
        .unwrap();
    assert_eq!(second["change"], "修改");
    assert!(second["new"]["html"]
        .as_str()
        .unwrap()
        .contains("<ins>以政府职能转变为核心</ins>"));
    assert!(second["old"]["html"].as_str().unwrap().contains("<del>"));
    // The document itself lists both versions; a search shows one hit for them.
    let (_, body) = api_get(&format!("/api/documents/{}", encode(old)));
    let document = json(&body);
    assert_eq!(document["status"], "已修改");
    assert_eq!(document["versions"].as_array().unwrap().len(), 2);
    let (_, body) = api_get(&format!(
        "/api/search?q={}",
        encode("北京市优化营商环境条例")
    ));
    let hits = json(&body)["hits"].as_array().unwrap().clone();
    assert_eq!(hits[0]["id"], new);
    assert_eq!(hits[0]["versions"], 2);
    assert_eq!(hits[0]["other_versions"][0], old);
    let (_, body) = api_get(&format!(
        "/api/search?q={}&collapse=false",
        encode("北京市优化营商环境条例")
    ));
    let ids: Vec<String> = json(&body)["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&old.to_string()) && ids.contains(&new.to_string()));
    // An unknown id is a 404 naming it.
    let (status, body) = api_get(&format!(
        "/api/documents/{}/compare/{}",
        encode(old),
        encode("无此文件")
    ));
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("无此文件"), "{body}");
}

#[test]
fn document_with_its_articles_and_marked_matches() {
    let path = format!(
        "/api/documents/{}?q={}",
        encode(TAIHU_REGULATION),
        encode("取水总量控制")
    );
    let (status, body) = api_get(&path);
    assert_eq!(status, 200, "{body}");
    let document = json(&body);
    assert_eq!(document["id"], TAIHU_REGULATION);
    assert_eq!(document["title"], "太湖流域管理条例");
    assert_eq!(document["agency"], "国务院");
    assert_eq!(document["doc_number"], "国务院令第604号");
    assert_eq!(document["effective"], "2011-11-01");
    let sections = document["sections"].as_array().unwrap();
    assert!(sections.iter().filter(|s| s["label"].is_string()).count() > 50);
    let matched: Vec<&str> = sections
        .iter()
        .filter(|s| s["matched"] == true)
        .filter_map(|s| s["label"].as_str())
        .collect();
    assert!(matched.contains(&"第十八条"), "{matched:?}");
    let article = sections.iter().find(|s| s["label"] == "第十八条").unwrap();
    assert!(article["html"]
        .as_str()
        .unwrap()
        .contains("<mark>取水总量控制</mark>"));
    assert!(document["body"].as_str().unwrap().contains("第一条"));

    // The chapters are sections of their own, with a level, for a table of contents; the
    // match counts add up to the marks in the text, and the body's occurrences.
    let chapters: Vec<&str> = sections
        .iter()
        .filter(|s| s["heading"] == 2)
        .filter_map(|s| s["html"].as_str())
        .collect();
    assert_eq!(chapters.len(), 9, "{chapters:?}");
    assert_eq!(chapters[0], "第一章 总则");
    let marks: usize = sections
        .iter()
        .map(|s| s["html"].as_str().unwrap().matches("<mark>").count())
        .sum();
    let counted: u64 = sections
        .iter()
        .map(|s| s["matches"].as_u64().unwrap())
        .sum();
    assert_eq!(marks as u64, counted);
    assert_eq!(document["matches"].as_u64(), Some(counted));
    let phrase = format!(
        "/api/documents/{}?q={}",
        encode(TAIHU_REGULATION),
        encode("\"取水总量控制\"")
    );
    let (status, phrase) = api_get(&phrase);
    assert_eq!(status, 200, "{phrase}");
    let body = document["body"].as_str().unwrap();
    assert_eq!(
        json(&phrase)["matches"].as_u64(),
        Some(body.matches("取水总量控制").count() as u64)
    );
}

#[test]
fn similar_documents_stats_and_health() {
    let id = "地方性法规/北京/北京市优化营商环境条例(2020-03-27).md";
    let (status, body) = api_get(&format!("/api/documents/{}/similar?limit=3", encode(id)));
    assert_eq!(status, 200, "{body}");
    let similar = json(&body);
    assert_eq!(similar.as_array().unwrap().len(), 3);
    assert!(similar.as_array().unwrap().iter().all(|d| d["id"] != id));

    let (status, body) = api_get("/api/stats");
    assert_eq!(status, 200);
    let stats = json(&body);
    assert_eq!(stats["documents"], 77);
    assert!(stats["index_bytes"].as_u64().unwrap() > 1_000_000);
    assert!(stats["last_commit"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(stats["categories"][0]["value"], "地方性法规");
    assert_eq!(stats["categories"][0]["count"], 47);

    let (status, body) = api_get("/healthz");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["documents"], 77);
}

#[test]
fn errors_have_stable_codes_and_statuses() {
    let taihu = encode("太湖");
    for (path, status, code) in [
        (
            format!("/api/search?q={taihu}&limit=0"),
            400,
            "invalid_parameter",
        ),
        (
            format!("/api/search?q={taihu}&limit=1001"),
            400,
            "invalid_parameter",
        ),
        (
            format!("/api/search?q={taihu}&offset=100001"),
            400,
            "invalid_parameter",
        ),
        (
            format!("/api/search?q={taihu}&limit=abc"),
            400,
            "invalid_parameter",
        ),
        (
            format!("/api/search?q={taihu}&sort=random"),
            400,
            "invalid_parameter",
        ),
        (
            format!("/api/search?q={taihu}&colour=red"),
            400,
            "invalid_parameter",
        ),
        ("/api/search".to_string(), 400, "invalid_parameter"),
        (
            format!("/api/search?q={}", encode("\"太湖")),
            400,
            "invalid_query",
        ),
        (
            format!("/api/search?q={}", encode("(太湖")),
            400,
            "invalid_query",
        ),
        (
            format!("/api/search?q={}", encode(&"太".repeat(1001))),
            400,
            "invalid_query",
        ),
        (
            "/api/documents/no%2Fsuch%2Fdocument.md".to_string(),
            404,
            "document_not_found",
        ),
        (
            "/api/documents/..%2F..%2Fetc%2Fpasswd".to_string(),
            404,
            "document_not_found",
        ),
        ("/api/nothing-here".to_string(), 404, "not_found"),
    ] {
        let (got, body) = http_get(server(), &path);
        assert_eq!(
            (got, error_code(&body).as_str()),
            (status, code),
            "{path}: {body}"
        );
    }
    let response = http(server(), "DELETE", "/api/search?q=x", &[], b"");
    assert_eq!(
        (response.status, error_code(&response.body).as_str()),
        (405, "method_not_allowed")
    );
    let large = format!(r#"{{"q":"{}"}}"#, "太".repeat(30_000));
    let response = http(
        server(),
        "POST",
        "/api/search",
        &[("Content-Type", "application/json")],
        large.as_bytes(),
    );
    assert_eq!(
        (response.status, error_code(&response.body).as_str()),
        (413, "payload_too_large")
    );
    // Past the server's limits on the target and the headers, the answer is JSON too.
    let long = format!("/api/search?q={}", "a".repeat(20_000));
    let response = http(server(), "GET", &long, &[], b"");
    assert_eq!(
        (response.status, error_code(&response.body).as_str()),
        (414, "uri_too_long")
    );
    let cookie = "x".repeat(40_000);
    let response = http(
        server(),
        "GET",
        "/api/search?q=x",
        &[("Cookie", cookie.as_str())],
        b"",
    );
    assert_eq!(
        (response.status, error_code(&response.body).as_str()),
        (431, "headers_too_large")
    );
    let response = http(server(), "POST", "/api/search", &[], b"not json");
    assert_eq!(
        (response.status, error_code(&response.body).as_str()),
        (400, "invalid_parameter")
    );
}

#[test]
fn cors_allows_only_the_configured_origin() {
    let response = api("GET", "/healthz", &[("Origin", ORIGIN)], b"");
    assert!(
        response
            .head
            .contains("access-control-allow-origin: https://research.example.org"),
        "{}",
        response.head
    );
    // Without --cors no header is sent at all.
    let dir = tempfile::tempdir().unwrap();
    let corpus = crate::common::sample_file("环太湖科技创新圈.txt");
    policy_search::index::build_index(&[corpus], dir.path(), |p| panic!("{p}")).unwrap();
    let plain = serve_in_background(dir.path(), ServerOptions::default());
    let response = http(
        plain,
        "GET",
        "/healthz",
        &[("Origin", "https://elsewhere.example")],
        b"",
    );
    assert!(
        !response.head.contains("access-control-allow-origin"),
        "{}",
        response.head
    );
}

#[test]
fn the_page_is_served_with_a_strict_content_security_policy() {
    let response = api("GET", "/", &[], b"");
    assert_eq!(response.status, 200);
    assert!(response
        .head
        .contains("content-type: text/html; charset=utf-8"));
    assert!(response
        .head
        .contains("content-security-policy: default-src 'none'; script-src 'self'"));
    assert!(response.body.contains("政策文件检索") && response.body.contains("/app.js"));
    assert_eq!(api("GET", "/app.js", &[], b"").status, 200);
    assert_eq!(api("GET", "/app.css", &[], b"").status, 200);
}

#[test]
fn a_commit_by_another_process_is_searchable_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::copy(
        crate::common::sample_file("环太湖科技创新圈.txt"),
        corpus.join("seed.txt"),
    )
    .unwrap();
    let index = dir.path().join("index");
    let run_index = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_policy-search"))
            .args(["index", "--corpus"])
            .arg(&corpus)
            .arg("--index")
            .arg(&index)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run_index();
    let addr = serve_in_background(&index, ServerOptions::default());
    let query = format!("/api/search?q={}", encode("\"太湖湾科学城实施方案\""));
    assert_eq!(json(&http_get(addr, &query).1)["total"], 0);
    std::fs::write(
        corpus.join("new.txt"),
        "无锡市关于印发太湖湾科学城实施方案的通知\n各市（县）、区人民政府：",
    )
    .unwrap();
    run_index();
    let committed = Instant::now();
    loop {
        if json(&http_get(addr, &query).1)["total"] == 1 {
            break;
        }
        assert!(
            committed.elapsed() < Duration::from_secs(1),
            "new document not visible within 1 s of the commit"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn serve_starts_fast_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let corpus = crate::common::sample_file("环太湖科技创新圈.txt");
    policy_search::index::build_index(&[corpus], &dir.path().join("index"), |p| panic!("{p}"))
        .unwrap();
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_policy-search"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    assert_eq!(http_get(addr, "/healthz").0, 200);
    println!("serve ready in {:?}", started.elapsed());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn a_date_range_with_no_date_on_either_side_is_a_bad_request() {
    let (status, body) = api_get(&format!("/api/search?q={}&date=..", encode("太湖")));
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "invalid_parameter");
    let (status, body) = api_get(&format!("/api/search?q={}", encode("太湖 date:..")));
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "invalid_query");
    let response = api(
        "POST",
        "/api/search",
        &[],
        r#"{"q":"太湖","date":".."}"#.as_bytes(),
    );
    assert_eq!(response.status, 400, "{}", response.body);
}

#[test]
fn a_cors_preflight_is_answered_for_the_allowed_origin() {
    let response = api(
        "OPTIONS",
        "/api/search",
        &[
            ("Origin", ORIGIN),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    );
    assert_eq!(response.status, 204, "{}", response.head);
    for header in [
        "access-control-allow-origin: https://research.example.org",
        "access-control-allow-methods: get, post, options",
        "access-control-allow-headers: content-type",
    ] {
        assert!(
            response.head.contains(header),
            "{header}: {}",
            response.head
        );
    }
    // An origin that is not one is refused at start-up, not silently ignored.
    for origin in [
        "research.example.org",
        "https://research.example.org/",
        "https://a b",
    ] {
        let options = ServerOptions {
            cors_origin: Some(origin.to_string()),
            ..ServerOptions::default()
        };
        match options.check() {
            Err(policy_search::Error::InvalidParameter { name, .. }) => assert_eq!(name, "cors"),
            other => panic!("{origin}: {other:?}"),
        }
    }
    assert!(options().check().is_ok());
}

#[test]
fn partial_matches_say_what_they_lack_and_match_all_keeps_strict() {
    let (status, body) = api_get(&format!("/api/search?q={}", encode("电子政务 太湖")));
    assert_eq!(status, 200, "{body}");
    let answer = json(&body);
    assert_eq!(answer["total"], 0);
    assert_eq!(answer["partial"], 3);
    assert_eq!(answer["hits"][0]["title"], "太湖流域管理条例");
    assert_eq!(
        answer["hits"][0]["missing"],
        serde_json::json!(["电子政务"])
    );
    let (_, body) = api_get(&format!(
        "/api/search?q={}&match=all",
        encode("电子政务 太湖")
    ));
    let answer = json(&body);
    assert_eq!(answer["partial"], 0);
    assert_eq!(answer["hits"].as_array().unwrap().len(), 0);
    // A full match carries no `missing` field at all (bodies stay as they were).
    let (_, body) = api_get(&format!("/api/search?q={}", encode("太湖")));
    assert!(json(&body)["hits"][0].get("missing").is_none());
    let (status, body) = api_get("/api/search?q=x&match=some");
    assert_eq!(status, 400);
    assert!(body.contains("match"), "{body}");
}

#[test]
fn explain_and_analyze_show_why() {
    let (status, body) = api_get(&format!("/api/search?q={}&explain=true", encode("太湖")));
    assert_eq!(status, 200, "{body}");
    let hit = &json(&body)["hits"][0];
    let explanation = &hit["explanation"];
    let value = explanation["value"].as_f64().unwrap();
    assert!((value - hit["score"].as_f64().unwrap()).abs() < 1e-3 * value.max(1.0));
    assert!(explanation.to_string().contains("occurrences in the title"));
    let (status, body) = api_get(&format!("/api/analyze?text={}", encode("无人机 \"湖科\"")));
    assert_eq!(status, 200, "{body}");
    let analysis = json(&body);
    assert_eq!(analysis["units"][0], "无");
    let forms = analysis["terms"][0]["forms"].to_string();
    assert!(forms.contains("无人驾驶航空器"), "{forms}");
    assert_eq!(analysis["terms"][1]["quoted"], true);
    assert_eq!(analysis["terms"][1]["forms"].as_array().unwrap().len(), 1);
    let (status, body) = api_get("/api/analyze");
    assert_eq!(status, 400);
    assert!(body.contains("text"), "{body}");
}

#[test]
fn an_unknown_parameter_is_named() {
    let (status, body) = api_get("/api/search?q=太湖&foo=1");
    assert_eq!(status, 400);
    let message = json(&body)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.starts_with("unknown parameter `foo`"), "{message}");
    assert!(!message.contains("`request`"), "{message}");
}

#[test]
fn heavy_requests_past_their_slots_get_503_with_retry_after_while_light_ones_answer() {
    use policy_search::server::admission::Admission;
    let admission = Admission::new(1, std::time::Duration::ZERO);
    let options = ServerOptions {
        admission: admission.clone(),
        ..ServerOptions::default()
    };
    let engine = Arc::new(Engine::open(sample_index()).unwrap());
    let routes = policy_search::server::routes(engine, &options);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let get = |path: &str| {
        runtime.block_on(
            warp::test::request()
                .method("GET")
                .path(path)
                .reply(&routes),
        )
    };
    let heavy = format!("/api/search?q={}&limit=1000", encode("的"));
    let light = format!("/api/search?q={}", encode("太湖"));
    // Another heavy request holds the only slot.
    let slot = admission.try_heavy().unwrap();
    let response = get(&heavy);
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body = String::from_utf8_lossy(response.body()).into_owned();
    assert_eq!(error_code(&body), "overloaded");
    assert_eq!(
        get(&light).status(),
        200,
        "a top 10 does not wait for heavy slots"
    );
    let similar = format!(
        "/api/documents/{}/similar",
        encode("行政法规/太湖流域管理条例(2011-09-07).md")
    );
    assert_eq!(get(&similar).status(), 503);
    drop(slot);
    assert_eq!(get(&heavy).status(), 200);
    assert_eq!(get(&similar).status(), 200);
}

#[test]
fn a_huge_document_is_shown_in_parts_that_add_up_to_the_whole() {
    // A 6 MB text of real sentences, one 条 a line.
    let corpus = tempfile::tempdir().unwrap();
    let sentence = "第一条 为了加强太湖流域水资源保护和水污染防治，保障防汛抗旱以及生活、生产和生态用水安全。\n";
    let body = sentence.repeat(6 * 1024 * 1024 / sentence.len());
    std::fs::write(corpus.path().join("huge.txt"), format!("太湖巨篇\n{body}")).unwrap();
    let index = tempfile::tempdir().unwrap();
    policy_search::index::build_index(&[corpus.path().to_path_buf()], index.path(), |p| {
        panic!("{p}")
    })
    .unwrap();
    let engine = Arc::new(Engine::open(index.path()).unwrap());
    let view = engine.document_view("huge.txt", Some("太湖"), 0).unwrap();
    let truncated = view.truncated.expect("a marker");
    assert_eq!(truncated.total_chars, body.chars().count());
    assert!(truncated.shown_chars < truncated.total_chars);
    assert!(view.document.body.len() <= policy_search::search::MAX_VIEW_BYTES);
    assert!(view.document.body.ends_with('\n'), "cut at a line break");
    let json =
        serde_json::to_string(&policy_search::server::json::DocumentJson::from(view)).unwrap();
    assert!(
        json.len() < 4 * policy_search::search::MAX_VIEW_BYTES,
        "{} bytes",
        json.len()
    );
    assert!(json.contains("\"truncated\":{\"shown_chars\""));
    // The parts, each asked for from where the last one said the next starts, are the body.
    let mut whole = String::new();
    let mut next = Some(0);
    let mut parts = 0;
    while let Some(from) = next {
        let view = engine.document_view("huge.txt", None, from).unwrap();
        let part = view.truncated.expect("every part says which it is");
        assert_eq!(part.from_char, from);
        assert!(view.document.body.len() <= policy_search::search::MAX_VIEW_BYTES);
        whole.push_str(&view.document.body);
        next = part.next_from;
        parts += 1;
    }
    let stored = engine.document("huge.txt").unwrap().body;
    assert!(
        whole == stored,
        "the parts give {} bytes, the body has {}",
        whole.len(),
        stored.len()
    );
    assert!(parts >= 3, "{parts} parts");
    let past = engine.document_view("huge.txt", None, body.chars().count() + 5);
    assert!(
        matches!(
            &past,
            Err(policy_search::Error::InvalidParameter { name: "from", .. })
        ),
        "{:?}",
        past.err()
    );
    // A document of ordinary length has no marker.
    let engine = Engine::open(sample_index()).unwrap();
    let view = engine
        .document_view("行政法规/太湖流域管理条例(2011-09-07).md", None, 0)
        .unwrap();
    assert!(view.truncated.is_none());
}

#[test]
fn exports_download_every_hit_and_every_concordance_line() {
    let engine = Engine::open(sample_index()).unwrap();
    let total = engine.search(&SearchRequest::new("太湖")).unwrap().total;
    let response = api(
        "GET",
        &format!("/api/export?q={}&format=jsonl", encode("太湖")),
        &[],
        b"",
    );
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response.head.contains("filename=\"policy-search.jsonl\""),
        "{}",
        response.head
    );
    assert_eq!(response.body.lines().count(), total);

    // The concordance sorted by right context, every line, in the order its pages list them.
    let mut request = ConcordanceRequest::new("太湖");
    request.limit = 1000;
    request.sort = KwicSort::Right;
    let lines = concordance(&engine, &request).unwrap();
    let response = api(
        "GET",
        &format!(
            "/api/kwic/export?q={}&format=jsonl&sort=right",
            encode("太湖")
        ),
        &[],
        b"",
    );
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response
            .head
            .contains("filename=\"policy-search-kwic.jsonl\""),
        "{}",
        response.head
    );
    let exported: Vec<serde_json::Value> = response.body.lines().map(json).collect();
    assert_eq!(exported.len(), lines.total);
    for (line, row) in lines.lines.iter().zip(&exported) {
        assert_eq!(row["left"], line.left.as_str());
        assert_eq!(row["match"], line.matched.as_str());
        assert_eq!(row["right"], line.right.as_str());
        assert_eq!(row["id"], line.id.as_str());
    }
    let csv = api(
        "GET",
        &format!("/api/kwic/export?q={}", encode("太湖")),
        &[],
        b"",
    );
    let csv = csv
        .body
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark");
    assert!(csv.starts_with("left,match,right,id,title,date,article,field\r\n"));
    assert_eq!(csv.split_terminator("\r\n").count(), lines.total + 1);
    let (status, body) = api_get(&format!("/api/kwic/export?q={}&format=pdf", encode("太湖")));
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_parameter")
    );
}
