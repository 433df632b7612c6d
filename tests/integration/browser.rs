//! End to end in headless Chromium: the page as a researcher uses it. Screenshots are saved
//! under `target/browser/` to be looked at.

use crate::common::webdriver::Browser;
use policy_search::server::ServerOptions;

fn save(name: &str, png: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[test]
#[ignore = "needs Chromium and ChromeDriver: bash .ci/run installs them"]
fn search_narrow_by_facet_and_read_a_document() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = crate::common::sample_corpus();
    policy_search::index::build_index(&[corpus], dir.path(), |p| panic!("{p}")).unwrap();
    let addr = crate::common::serve_in_background(dir.path(), ServerOptions::default());
    let browser = Browser::start();

    browser.goto(&format!("http://{addr}/"));
    let input = browser.wait_for("#q").remove(0);
    browser.type_into(&input, "太湖");
    browser.click(&browser.wait_for("#search-form button").remove(0));
    let titles: Vec<String> = browser
        .wait_for(".hit h2")
        .iter()
        .map(|e| browser.text(e))
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("环太湖科创圈")),
        "{titles:?}"
    );
    let marks: Vec<String> = browser
        .wait_for(".hit .snippet mark")
        .iter()
        .map(|e| browser.text(e))
        .collect();
    assert!(marks.iter().all(|m| m == "太湖"), "{marks:?}");
    assert!(
        browser
            .url()
            .contains(&format!("q={}", crate::common::encode("太湖"))),
        "{}",
        browser.url()
    );
    save("results.png", &browser.screenshot());

    // Narrow by a facet: the URL keeps it, and every hit has it.
    let facet = browser
        .wait_for(r#"button[data-facet="category"][data-value="行政法规"]"#)
        .remove(0);
    browser.click(&facet);
    browser.wait_for(".chip");
    assert!(browser.url().contains("category="), "{}", browser.url());
    let titles: Vec<String> = browser
        .wait_for(".hit h2")
        .iter()
        .map(|e| browser.text(e))
        .collect();
    assert_eq!(titles, ["太湖流域管理条例"]);

    // Open the document: full text, metadata, the matching 条 highlighted, related documents.
    browser.click(&browser.wait_for(".hit h2 a").remove(0));
    let heading = browser.wait_for("#document-view h1").remove(0);
    assert_eq!(browser.text(&heading), "太湖流域管理条例");
    assert!(!browser
        .wait_for("#document-view section.matched mark")
        .is_empty());
    let metadata = browser.text(&browser.wait_for("#document-view dl").remove(0));
    assert!(
        metadata.contains("国务院令第604号") && metadata.contains("2011-11-01"),
        "{metadata}"
    );
    assert!(!browser.wait_for("#related li a").is_empty());
    save("document.png", &browser.screenshot());

    // A document with markup in it is shown as text.
    browser.goto(&format!(
        "http://{addr}/?q={}",
        crate::common::encode("<script>alert(1)</script>")
    ));
    browser.wait_for("#status");
    assert!(browser.find_all("script:not([src])").is_empty());
}
