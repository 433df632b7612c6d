//! Text out of rich formats: HTML pages (gov.cn style), PDF text layers and DOCX files.
//! Each returns the title (when the format has one) and the text.

use std::io::Read;

use scraper::{ElementRef, Html, Node, Selector};

/// Elements whose text is never part of the article.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "nav", "header", "footer", "iframe", "svg", "form", "button",
    "select", "template",
];
/// Elements after which a line ends.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
];
/// Containers that hold the article on government sites, most specific first.
const ARTICLE_SELECTORS: &[&str] = &[
    "#UCAP-CONTENT",
    ".pages_content",
    ".TRS_Editor",
    "#zoom",
    ".article-content",
    ".article",
    "article",
    "#content",
    ".content",
    "main",
    "body",
];
/// Class or id fragments of page furniture around an article.
const FURNITURE: &[&str] = &[
    "nav",
    "footer",
    "header",
    "breadcrumb",
    "crumb",
    "menu",
    "sidebar",
    "share",
    "copyright",
];

fn selector(text: &str) -> Option<Selector> {
    Selector::parse(text).ok()
}

/// Title and text of an HTML page.
pub fn html(source: &str) -> (Option<String>, String) {
    let document = Html::parse_document(source);
    let meta_title = selector(r#"meta[name="ArticleTitle"]"#)
        .and_then(|s| document.select(&s).next())
        .and_then(|meta| meta.value().attr("content"))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let page_title = || {
        let title = selector("title").and_then(|s| document.select(&s).next())?;
        let text: String = title.text().collect::<String>().trim().to_string();
        // "标题_无锡市人民政府门户网站": the site name follows the last separator.
        let cut = text
            .rfind(['_', '|'])
            .or_else(|| text.rfind(" - "))
            .filter(|&at| at > 0);
        let title = cut.map_or(text.as_str(), |at| text[..at].trim());
        (!title.is_empty()).then(|| title.to_string())
    };
    let title = meta_title.or_else(page_title);
    let container = ARTICLE_SELECTORS
        .iter()
        .filter_map(|s| selector(s))
        .find_map(|s| {
            document
                .select(&s)
                .find(|element| element.text().any(|t| !t.trim().is_empty()))
        });
    let mut text = String::new();
    if let Some(container) = container {
        collect_text(container, &mut text);
    }
    let mut text = tidy_lines(&text);
    if let Some(title) = &title {
        // The page repeats its title as a heading at the top of the article.
        if let Some(rest) = text.strip_prefix(title.as_str()) {
            text = rest.trim_start_matches('\n').to_string();
        }
    }
    (title, text)
}

fn collect_text(element: ElementRef<'_>, out: &mut String) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(inner) => {
                let name = inner.name();
                let furniture = [inner.attr("class"), inner.attr("id")]
                    .into_iter()
                    .flatten()
                    .any(|attr| {
                        let attr = attr.to_ascii_lowercase();
                        FURNITURE.iter().any(|fragment| attr.contains(fragment))
                    });
                if SKIPPED_ELEMENTS.contains(&name) || furniture {
                    continue;
                }
                if let Some(child) = ElementRef::wrap(child) {
                    collect_text(child, out);
                }
                if BLOCK_ELEMENTS.contains(&name) {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}

/// Trim every line and drop empty ones.
fn tidy_lines(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text layer of a PDF.
pub fn pdf(bytes: &[u8]) -> Result<String, String> {
    // pdf-extract panics on some malformed files; a bad PDF must not stop the run.
    let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    match result {
        Ok(Ok(text)) if text.trim().is_empty() => {
            Err("PDF has no text layer (a scan?): run OCR on it first".to_string())
        }
        Ok(Ok(text)) => Ok(text),
        Ok(Err(error)) => Err(format!("PDF could not be read: {error}")),
        Err(_) => Err("PDF could not be read: the file is malformed".to_string()),
    }
}

/// The paragraphs of a DOCX file's main document, one a line.
/// Refuses text that expands past `max_expanded_bytes`.
pub fn docx(bytes: &[u8], max_expanded_bytes: u64) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|error| format!("not a DOCX file (not a zip archive: {error})"))?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| "not a DOCX file: it has no word/document.xml".to_string())?;
    // A zip bomb is refused by its declared size, and by what it really expands to.
    let max = max_expanded_bytes;
    if entry.size() > max {
        return Err(format!(
            "DOCX text expands to {} MB, more than the {} MB allowed",
            entry.size() >> 20,
            max >> 20
        ));
    }
    let mut xml = String::new();
    entry
        .take(max + 1)
        .read_to_string(&mut xml)
        .map_err(|error| format!("DOCX could not be read: {error}"))?;
    if xml.len() as u64 > max {
        return Err(format!(
            "DOCX text expands past the {} MB allowed",
            max >> 20
        ));
    }
    docx_paragraphs(&xml)
}

fn docx_paragraphs(xml: &str) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut text = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(element)) if element.name().into_inner() == "w:t" => in_text = true,
            Ok(Event::End(element)) => match element.name().into_inner() {
                "w:t" => in_text = false,
                "w:p" => text.push('\n'),
                _ => {}
            },
            Ok(Event::Empty(element)) => match element.name().into_inner() {
                "w:tab" => text.push('\t'),
                "w:br" | "w:cr" => text.push('\n'),
                _ => {}
            },
            Ok(Event::Text(content)) if in_text => text.push_str(&content.into_inner()),
            Ok(Event::GeneralRef(reference)) if in_text => {
                let malformed = |error: String| format!("DOCX text is malformed: {error}");
                match reference
                    .resolve_char_ref()
                    .map_err(|e| malformed(e.to_string()))?
                {
                    Some(c) => text.push(c),
                    None => {
                        let name = reference.into_inner();
                        let entity = quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(format!("unknown entity &{name};")))?;
                        text.push_str(entity);
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(error) => {
                return Err(format!(
                    "DOCX XML is malformed at byte {}: {error}",
                    reader.error_position()
                ))
            }
            _ => {}
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_article_without_navigation_script_or_footer() {
        let page = r#"<html><head><meta name="ArticleTitle" content="太湖流域管理条例">
            <title>太湖流域管理条例_中国政府网</title><script>var x = "脚本";</script></head>
            <body><div class="nav">首页 &gt; 政策</div><div class="pages_content"><h1>太湖流域管理条例</h1>
            <p>第一条　为了加强太湖流域水资源保护&amp;管理。</p><p>第二条　本条例适用于太湖流域。</p></div>
            <div class="footer">版权所有</div></body></html>"#;
        let (title, text) = html(page);
        assert_eq!(title.as_deref(), Some("太湖流域管理条例"));
        assert_eq!(
            text,
            "第一条　为了加强太湖流域水资源保护&管理。\n第二条　本条例适用于太湖流域。"
        );
    }

    #[test]
    fn html_title_falls_back_to_the_title_element_without_the_site_name() {
        let (title, _) = html("<html><head><title>关于加强太湖治理的通知_无锡市人民政府</title></head><body><p>正文</p></body></html>");
        assert_eq!(title.as_deref(), Some("关于加强太湖治理的通知"));
    }

    #[test]
    fn docx_xml_paragraphs_and_entities() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:t>第一条</w:t></w:r><w:r><w:tab/><w:t>太湖&amp;流域</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">第二条 </w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(
            docx_paragraphs(xml).unwrap(),
            "第一条\t太湖&流域\n第二条 \n"
        );
    }

    #[test]
    fn not_a_docx_or_pdf_is_a_reason() {
        assert!(docx(b"PK not really", 1 << 20)
            .unwrap_err()
            .contains("not a DOCX"));
        assert!(pdf(b"%PDF-1.4 garbage").is_err());
    }
}
