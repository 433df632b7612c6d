//! End to end in headless Chromium, driven through ChromeDriver by fantoccini: the page as a
//! researcher uses it. Screenshots are saved under `target/browser/` to be looked at.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use policy_search::server::ServerOptions;

/// A ChromeDriver process and one headless Chromium session, driven synchronously.
struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
}

impl Browser {
    /// Start Debian's `chromedriver` and a headless `chromium` (`bash .ci/run` installs both).
    fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .expect("free port");
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs: install Debian's chromium and chromium-driver (bash .ci/run does)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = std::env::temp_dir().join(format!("policy-search-chromium-{port}"));
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                         format!("--user-data-dir={}", profile.display())]
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let client = runtime
            .block_on(
                ClientBuilder::new(HttpConnector::new())
                    .capabilities(capabilities)
                    .connect(&format!("http://127.0.0.1:{port}")),
            )
            .expect("a Chromium session");
        Browser {
            runtime,
            client: Some(client),
            driver,
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("session open")
    }

    fn goto(&self, url: &str) {
        self.runtime
            .block_on(self.client().goto(url))
            .expect("navigate");
    }

    fn url(&self) -> String {
        self.runtime
            .block_on(self.client().current_url())
            .expect("current url")
            .to_string()
    }

    /// The elements matching `css` (none is fine).
    fn find_all(&self, css: &str) -> Vec<Element> {
        self.runtime
            .block_on(self.client().find_all(Locator::Css(css)))
            .expect("find")
    }

    /// The elements matching `css`, once at least one is there (10 s at most).
    fn wait_for(&self, css: &str) -> Vec<Element> {
        self.runtime
            .block_on(
                self.client()
                    .wait()
                    .at_most(Duration::from_secs(10))
                    .for_element(Locator::Css(css)),
            )
            .unwrap_or_else(|error| panic!("no `{css}` on {}: {error}", self.url()));
        self.find_all(css)
    }

    /// Wait until the first element matching `css` reads `expected` (10 s at most): after a
    /// click that replaces the view, the old view's element may still be there, or go stale.
    fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = String::new();
        while std::time::Instant::now() < deadline {
            let read = self.runtime.block_on(async {
                let element = self.client().find(Locator::Css(css)).await?;
                element.text().await
            });
            if let Ok(text) = read {
                if text == expected {
                    return;
                }
                seen = text;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "`{css}` reads `{seen}`, not `{expected}`, on {}",
            self.url()
        );
    }

    fn type_into(&self, element: &Element, text: &str) {
        self.runtime
            .block_on(element.send_keys(text))
            .expect("type");
    }

    fn click(&self, element: &Element) {
        self.runtime.block_on(element.click()).expect("click");
    }

    fn text(&self, element: &Element) -> String {
        self.runtime.block_on(element.text()).expect("text")
    }

    /// The value of `element`'s attribute `name` (empty when it has none).
    fn attr(&self, element: &Element, name: &str) -> String {
        self.runtime
            .block_on(element.attr(name))
            .expect("attribute")
            .unwrap_or_default()
    }

    /// The number a script returns.
    fn script(&self, source: &str) -> f64 {
        self.runtime
            .block_on(self.client().execute(source, Vec::new()))
            .expect("script")
            .as_f64()
            .unwrap_or(f64::NAN)
    }

    fn screenshot(&self) -> Vec<u8> {
        self.runtime
            .block_on(self.client().screenshot())
            .expect("screenshot")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

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

    // It opens at the title; the table of contents lists its chapters with the number of
    // matches; the match bar steps through every match, the first being in 第一条.
    assert_eq!(browser.script("return window.scrollY"), 0.0);
    let chapters: Vec<String> = browser
        .wait_for(".toc li > a")
        .iter()
        .map(|e| browser.text(e))
        .collect();
    assert_eq!(chapters.len(), 9, "{chapters:?}");
    assert_eq!(chapters[0], "第一章 总则");
    let bar = browser.text(&browser.wait_for(".match-bar .position").remove(0));
    let total =
        browser.script("return document.querySelectorAll('#document-view .reading mark').length");
    assert!(bar.contains(&format!("出现 {total} 处")), "{bar} / {total}");
    browser.click(&browser.wait_for("#match-next").remove(0));
    let current = browser.wait_for("mark.current").remove(0);
    assert_eq!(browser.text(&current), "太湖");
    assert!(browser.script("return window.scrollY") > 0.0);
    let article = browser.script(
        "return document.querySelector('mark.current').closest('section').id === 'article-第一条' ? 1 : 0",
    );
    assert_eq!(article, 1.0);
    browser.click(&browser.wait_for("#match-previous").remove(0));
    let bar = browser.text(&browser.wait_for(".match-bar .position").remove(0));
    assert_eq!(bar, format!("第 {total} / {total} 处"));

    // The concordance of the results: every occurrence of 太湖 in context, each line's match
    // the term, sorted by left context on request; the export links carry the query.
    browser.goto(&format!(
        "http://{addr}/?q={}",
        crate::common::encode("太湖")
    ));
    let href = browser.attr(&browser.wait_for("#export-csv").remove(0), "href");
    assert!(
        href.starts_with("/api/export?q=") && href.contains("format=csv"),
        "{href}"
    );
    browser.click(&browser.wait_for("#kwic-link").remove(0));
    let matches = browser.wait_for("#kwic-lines td.match");
    assert_eq!(matches.len(), 50, "a full first page");
    assert!(matches.iter().all(|cell| browser.text(cell) == "太湖"));
    let status = browser.text(&browser.wait_for("#status").remove(0));
    assert!(status.contains("共出现 207 次"), "{status}");
    save("kwic.png", &browser.screenshot());
    let href = browser.attr(&browser.wait_for("#kwic-export-csv").remove(0), "href");
    assert!(
        href.starts_with("/api/kwic/export?q=") && href.contains("format=csv"),
        "{href}"
    );

    // Numbered pages: the last page is a click away, and says it is the current one.
    browser.click(
        &browser
            .wait_for(r#"#kwic-pager button[data-page="5"]"#)
            .remove(0),
    );
    browser.wait_for(r#"#kwic-pager button.current[data-page="5"]"#);
    assert!(browser.url().contains("page=5"), "{}", browser.url());
    assert_eq!(browser.wait_for("#kwic-lines td.match").len(), 207 - 4 * 50);

    // The trend chart of the query's terms: a point a year; a click on the highest point runs
    // the term's search narrowed to that year.
    browser.goto(&format!(
        "http://{addr}/?q={}&view=trends",
        crate::common::encode("太湖 人民政府")
    ));
    let points = browser.wait_for("#trends-chart circle.point");
    assert!(points.len() >= 2 * 10, "{} points", points.len());
    let height = |point: &Element| -> f64 { browser.attr(point, "cy").parse().unwrap_or(f64::MAX) };
    let highest = points
        .iter()
        .min_by(|a, b| height(a).total_cmp(&height(b)))
        .expect("a point")
        .clone();
    let year = browser.attr(&highest, "data-bucket");
    assert!(!year.is_empty(), "a year");
    save("trends.png", &browser.screenshot());
    browser.click(&highest);
    browser.wait_for(".hit h2 a");
    let url = browser.url();
    assert!(url.contains(&format!("year={year}")), "{url}");
    let status = browser.text(&browser.wait_for("#status").remove(0));
    assert!(!status.starts_with("共 0 篇"), "{status}");

    // A query the grammar refuses is explained in Chinese, with where it goes wrong.
    browser.goto(&format!(
        "http://{addr}/?q={}",
        crate::common::encode("\"太湖")
    ));
    browser.wait_for("#status.error");
    let status = browser.text(&browser.wait_for("#status").remove(0));
    assert!(status.contains("第 1 个字符处的引号没有配对"), "{status}");
    assert!(!status.chars().any(|c| c.is_ascii_alphabetic()), "{status}");

    // Two versions of one regulation are one hit; the document lists both and compares them
    // article by article.
    browser.goto(&format!(
        "http://{addr}/?q={}",
        crate::common::encode("北京市优化营商环境条例")
    ));
    let versions = browser.wait_for(".hit .versions").remove(0);
    assert!(
        browser.text(&versions).contains("共 2 个版本"),
        "{}",
        browser.text(&versions)
    );
    browser.click(&browser.wait_for(".hit h2 a").remove(0));
    let listed = browser.wait_for(".versions-list li");
    assert_eq!(listed.len(), 2);
    assert!(
        browser.text(&listed[0]).contains("已修改"),
        "{}",
        browser.text(&listed[0])
    );
    assert!(
        browser.text(&listed[1]).contains("本版"),
        "{}",
        browser.text(&listed[1])
    );
    browser.click(&browser.wait_for(".versions-list .compare-link").remove(0));
    browser.wait_for_text("#document-view h1", "新旧对照");
    let rows = browser.wait_for(".comparison tbody tr.change-修改");
    assert!(rows.len() > 10, "{} amended rows", rows.len());
    let inserted = browser.wait_for(".comparison tbody tr.change-修改 ins");
    assert!(!inserted.is_empty());
    let summary = browser.text(&browser.wait_for(".comparison-summary").remove(0));
    assert!(
        summary.contains(&format!("修改 {}", rows.len())),
        "{summary}"
    );
    // Unchanged articles are hidden until asked for.
    let unchanged = browser.find_all(".comparison tbody tr.change-未变");
    assert!(!unchanged.is_empty());
    let shown = browser.script(
        "return [...document.querySelectorAll('.comparison tr.change-未变')]\
         .filter((row) => row.getClientRects().length > 0).length;",
    );
    assert_eq!(shown, 0.0, "unchanged rows shown");
    save("compare.png", &browser.screenshot());

    // 被引用: the provincial regulation lists the city regulations citing it; following one
    // opens it, where the citation in the text links back.
    let province = "地方性法规/浙江/浙江省科学技术进步条例(2011-05-25).md";
    browser.goto(&format!(
        "http://{addr}/?doc={}",
        crate::common::encode(province)
    ));
    let citing = browser.wait_for(".citations .cited-by li a");
    let names: Vec<String> = citing.iter().map(|a| browser.text(a)).collect();
    assert_eq!(
        names,
        ["杭州市科学技术进步条例", "舟山市科技创新促进条例"],
        "{names:?}"
    );
    let counts = browser.text(&browser.wait_for("#citation-counts a").remove(0));
    assert_eq!(counts, "被引用 2 篇");
    browser.script("document.getElementById('citations').scrollIntoView(); return 0;");
    save("citations.png", &browser.screenshot());
    browser.click(&citing[0]);
    browser.wait_for_text("#document-view h1", "杭州市科学技术进步条例");
    browser.wait_for_text(".citations .cites li a", "中华人民共和国科学技术进步法");
    let back = browser.wait_for(".reading a.cite");
    let targets: Vec<String> = back.iter().map(|a| browser.text(a)).collect();
    assert!(
        targets.iter().any(|t| t == "《浙江省科学技术进步条例》"),
        "{targets:?}"
    );

    // A document with markup in it is shown as text.
    browser.goto(&format!(
        "http://{addr}/?q={}",
        crate::common::encode("<script>alert(1)</script>")
    ));
    browser.wait_for("#status");
    assert!(browser.find_all("script:not([src])").is_empty());
}
