//! Index the bundled corpus and search it through the library API.
//!
//! ```sh
//! cargo run --release --example index_and_search
//! ```
//!
//! The command-line program does exactly this, with flags around it: `policy-search index`
//! is [`update_index`], `policy-search search` is [`Engine::search`] and `--json` prints the
//! API's body, [`SearchJson`].

use std::path::PathBuf;

use policy_search::document::{Filter, Filters};
use policy_search::index::{update_index, IndexOptions};
use policy_search::server::json::SearchJson;
use policy_search::{Engine, SearchRequest};

fn main() -> policy_search::Result<()> {
    // 1. Index. The corpus is a folder of .txt/.md/.html/.pdf/.docx/.json/.jsonl(.gz) files; the
    //    index goes to a folder of its own. Problems (a file that cannot be read, a malformed
    //    JSON line) are reported one by one and never stop the run.
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let index = std::env::temp_dir().join("policy-search-example-index");
    let report = update_index(&[corpus], &index, &IndexOptions::default(), |problem| {
        eprintln!("{problem}");
    })?;
    println!(
        "{} documents ({} added, {} unchanged)",
        report.documents, report.added, report.unchanged
    );
    // Run it twice: the second run reads nothing, since nothing changed.

    // 2. Open the index. An Engine is cheap to share between threads (`Arc<Engine>`) and sees
    //    new commits by itself.
    let engine = Engine::open(&index)?;

    // 3. Search. `太湖` finds 环太湖 too (an unquoted term matches as a substring and by its
    //    jieba words); a quoted phrase matches exactly, even across jieba's word boundaries.
    let response = engine.search(&SearchRequest::new("太湖"))?;
    println!("\n{} documents mention 太湖, best first:", response.total);
    for hit in &response.hits {
        // A snippet is text with the byte ranges of its matches; render them as you like.
        let marked: String = hit
            .snippet
            .pieces()
            .map(|(piece, matched)| {
                if matched {
                    format!("[{piece}]")
                } else {
                    piece.to_string()
                }
            })
            .collect();
        println!("  {}  {}\n      {marked}", hit.title, hit.id);
    }

    // 4. Narrow it: filters beside the query (the same ones the CLI's flags and the API's
    //    parameters set), a date range in the query itself, facet counts.
    let mut request = SearchRequest::new("\"环太湖科技创新圈\" OR 长三角 date:2019..");
    request.filters = Filters::default().with(Filter::Year, "2021");
    request.facets = true;
    let response = engine.search(&request)?;
    println!("\n{} documents from 2021", response.total);
    if let Some(categories) = response.facets.as_ref().and_then(|f| f.get("category")) {
        for count in categories {
            println!("  {} {}", count.value, count.count);
        }
    }

    // 5. The JSON body `GET /api/search` answers with: matches marked as <mark> HTML.
    let json = SearchJson::new(response, true);
    let body =
        serde_json::to_string(&json).map_err(|e| policy_search::Error::Internal(e.to_string()))?;
    println!("\n{}…", body.chars().take(200).collect::<String>());

    // 6. One document, cut into its 条, with the query's matches located in each.
    let view = engine.document_view("行政法规/太湖流域管理条例(2011-09-07).md", Some("取水"), 0)?;
    let matched: Vec<&str> = view
        .sections
        .iter()
        .filter(|section| section.text.has_match())
        .filter_map(|section| section.label.as_deref())
        .collect();
    println!("\n{}: 取水 in {}", view.document.title, matched.join(" "));
    Ok(())
}
