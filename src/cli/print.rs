//! Printing for a terminal or a pipe: result lists, summaries, JSON.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::Path;

use policy_search::analysis::compare::{Change, Side};
use policy_search::index::BuildReport;
use policy_search::search::snippet::Snippet;
use policy_search::search::versions::Validity;
use policy_search::search::{CitationLink, Citations, Comparison};
use policy_search::search::{SearchResponse, Similar};
use policy_search::workbench::{Collocates, Concordance, Trends};
use policy_search::{Error, Result};

/// `value` as one line of JSON.
pub fn to_json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// Write `text` to stdout; a closed pipe (`search … | head`) is not an error.
pub fn print_out(text: &str) -> Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io(Path::new("<stdout>"), error))
        }
        _ => Ok(()),
    }
}

/// A snippet for a terminal: matches in bold red when `ansi`, else in 【】 brackets.
pub fn terminal_snippet(snippet: &Snippet, ansi: bool) -> String {
    let (open, close) = if ansi {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    snippet
        .pieces()
        .map(|(piece, matched)| {
            if matched {
                format!("{open}{piece}{close}")
            } else {
                piece.to_string()
            }
        })
        .collect()
}

/// `  · 3 versions; also matching: a, b` for a hit of a chain of versions.
fn versions_line(versions: usize, others: &[String]) -> String {
    if versions < 2 {
        return String::new();
    }
    let mut line = format!("  · {versions} versions");
    if !others.is_empty() {
        let _ = write!(line, "; also matching: {}", others.join(", "));
    }
    line
}

/// The hits of `response`, numbered from `offset + 1`, with facet counts if asked for.
pub fn print_hits(response: &SearchResponse, offset: usize) -> Result<()> {
    let ansi = std::io::stdout().is_terminal();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} for {} ({:.1} ms)",
        count(response.total, "result"),
        response.query,
        response.took_ms
    );
    if response.partial > 0 {
        let _ = writeln!(
            out,
            "then {} lacking some of the terms",
            count(response.partial, "document")
        );
    }
    for (rank, hit) in response.hits.iter().enumerate() {
        let article = hit
            .article
            .as_deref()
            .map(|a| format!("  {a}"))
            .unwrap_or_default();
        let date = hit.metadata.date.map(policy_search::document::format_day);
        let _ = writeln!(out, "\n{:>3}. {}", offset + rank + 1, hit.title);
        let _ = writeln!(
            out,
            "     {}  {}{}",
            hit.id,
            date.as_deref().unwrap_or("-"),
            article
        );
        if hit.versions > 1 || hit.validity != Validity::InForce {
            let _ = writeln!(
                out,
                "     {}{}",
                hit.validity.name(),
                versions_line(hit.versions, &hit.other_versions)
            );
        }
        if !hit.copies.is_empty() {
            let _ = writeln!(out, "     另见副本 (same text): {}", hit.copies.join(", "));
        }
        if !hit.missing.is_empty() {
            let _ = writeln!(out, "     缺少 (lacks): {}", hit.missing.join(" "));
        }
        let _ = writeln!(out, "     {}", terminal_snippet(&hit.snippet, ansi));
        if let Some(explanation) = &hit.explanation {
            print_score(&mut out, explanation, 5);
        }
        for article in hit.articles.iter().flatten() {
            let _ = writeln!(
                out,
                "     {}: {}",
                article.label,
                terminal_snippet(&article.snippet, ansi)
            );
        }
    }
    if let Some(facets) = &response.facets {
        out.push('\n');
        for (facet, counts) in facets.iter().filter(|(_, counts)| !counts.is_empty()) {
            let values: Vec<String> = counts
                .iter()
                .take(12)
                .map(|c| format!("{} {}", c.value, c.count))
                .collect();
            let _ = writeln!(out, "{facet}: {}", values.join(" · "));
        }
    }
    print_out(&out)
}

/// What the engine makes of a text, one aspect a line.
pub fn print_analysis(analysis: &policy_search::search::analyze::Analysis) -> Result<()> {
    let mut out = String::new();
    let _ = writeln!(out, "normalized: {}", analysis.normalized);
    let _ = writeln!(out, "units:      {}", analysis.units.join(" "));
    let _ = writeln!(out, "words:      {}", analysis.words.join(" / "));
    for term in &analysis.terms {
        let forms: Vec<String> = term
            .forms
            .iter()
            .map(|form| format!("{} ({})", form.text, form.kind))
            .collect();
        let quoted = if term.quoted { " (quoted)" } else { "" };
        let _ = writeln!(out, "term {}{quoted}: {}", term.term, forms.join(", "));
    }
    print_out(&out)
}

/// A score and its parts, indented by depth.
fn print_score(out: &mut String, detail: &policy_search::search::ScoreDetail, indent: usize) {
    let _ = writeln!(
        out,
        "{:indent$}{:.4}  {}",
        "", detail.value, detail.description
    );
    for part in &detail.details {
        print_score(out, part, indent + 2);
    }
}

/// Related documents, one a line.
pub fn print_similar(similar: &[Similar]) -> Result<()> {
    let lines: Vec<String> = similar
        .iter()
        .enumerate()
        .map(|(rank, d)| {
            format!(
                "{:>3}. {}  [{}]  {}\n",
                rank + 1,
                d.title,
                d.id,
                d.date.as_deref().unwrap_or("-")
            )
        })
        .collect();
    print_out(&lines.concat())
}

/// A document's citations for a terminal: what it cites, who cites it, what is not indexed.
pub fn print_citations(citations: &Citations) -> Result<()> {
    let mut out = String::new();
    let link = |out: &mut String, link: &CitationLink| {
        let mut place = String::new();
        if !link.articles.is_empty() {
            place += &format!("  cites {}", link.articles.join("、"));
        }
        if !link.at.is_empty() {
            place += &format!("  in {}", link.at.join("、"));
        }
        let _ = writeln!(
            out,
            "  {}  [{}]  {}  ×{}{place}",
            link.title,
            link.id,
            link.date.as_deref().unwrap_or("-"),
            link.count
        );
    };
    let _ = writeln!(out, "引用 (cites) {}", citations.cites.len());
    citations.cites.iter().for_each(|l| link(&mut out, l));
    let _ = writeln!(out, "被引用 (cited by) {}", citations.cited_by.len());
    citations.cited_by.iter().for_each(|l| link(&mut out, l));
    if !citations.not_indexed.is_empty() {
        let _ = writeln!(out, "not indexed {}", citations.not_indexed.len());
        for unresolved in &citations.not_indexed {
            let _ = writeln!(out, "  {}  ×{}", unresolved.text, unresolved.count);
        }
    }
    print_out(&out)
}

/// 新旧对照 for a terminal: a line for the two documents, the counts, then each pair that
/// changed (every pair with `all`): `- ` the older side with what it lost marked, `+ ` the
/// newer with what it gained (red and green on a terminal, [-…-] and {+…+} otherwise).
pub fn print_comparison(comparison: &Comparison, all: bool) -> Result<()> {
    let ansi = std::io::stdout().is_terminal();
    let mut out = String::new();
    let name = |v: &policy_search::search::VersionInfo| {
        format!(
            "{} ({}, {})",
            v.title,
            v.date.as_deref().unwrap_or("undated"),
            v.id
        )
    };
    let _ = writeln!(
        out,
        "旧 {}
新 {}",
        name(&comparison.old),
        name(&comparison.new)
    );
    let mut counts = [0usize; 4];
    for aligned in &comparison.aligned {
        counts[aligned.change as usize] += 1;
    }
    let _ = writeln!(
        out,
        "未变 {} · 修改 {} · 新增 {} · 删除 {}",
        counts[Change::Unchanged as usize],
        counts[Change::Changed as usize],
        counts[Change::Added as usize],
        counts[Change::Removed as usize]
    );
    let marked = |side: &Side, (open, close): (&str, &str)| {
        let mut text = String::new();
        let mut at = 0;
        for range in &side.changed {
            text.push_str(&side.text[at..range.start]);
            text.push_str(open);
            text.push_str(&side.text[range.clone()]);
            text.push_str(close);
            at = range.end;
        }
        text.push_str(&side.text[at..]);
        format!(
            "{}{text}",
            side.label
                .as_deref()
                .map(|l| format!("{l} "))
                .unwrap_or_default()
        )
    };
    let (removed, added) = if ansi {
        (("\x1b[1;31m", "\x1b[0m"), ("\x1b[1;32m", "\x1b[0m"))
    } else {
        (("[-", "-]"), ("{+", "+}"))
    };
    for aligned in &comparison.aligned {
        if aligned.change == Change::Unchanged && !all {
            continue;
        }
        let _ = writeln!(out, "\n{}", aligned.change.name());
        if let Some(old) = &aligned.old {
            let _ = writeln!(out, "- {}", marked(old, removed));
        }
        if let Some(new) = &aligned.new {
            let _ = writeln!(out, "+ {}", marked(new, added));
        }
    }
    print_out(&out)
}

/// `n thing`, or `n things` but for one.
/// A concordance page: one occurrence a line, the left context right-aligned so the matches
/// stand in one column, then where it is.
pub fn print_concordance(concordance: &Concordance, offset: usize, context: usize) -> Result<()> {
    let ansi = std::io::stdout().is_terminal();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} in {}",
        count(concordance.total, "occurrence"),
        count(concordance.documents, "matching document")
    );
    for (index, line) in concordance.lines.iter().enumerate() {
        // CJK characters take two columns: pad by display width.
        let width: usize = line
            .left
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum();
        let pad = " ".repeat((2 * context).saturating_sub(width));
        let matched = if ansi {
            format!("\x1b[1;31m{}\x1b[0m", line.matched)
        } else {
            format!("[{}]", line.matched)
        };
        let place = match &line.article {
            Some(article) => format!("{} {}", line.title, article),
            None => line.title.clone(),
        };
        let _ = writeln!(
            out,
            "{:>5}  {pad}{}{matched}{}  | {place}",
            offset + index + 1,
            line.left,
            line.right
        );
    }
    print_out(&out)
}

/// Trends as a table: a row per bucket, a column per term.
pub fn print_trends(trends: &Trends) -> Result<()> {
    let mut out = String::new();
    let _ = write!(out, "{:<12}", trends.by);
    for series in &trends.series {
        let _ = write!(out, "\t{}", series.term);
    }
    let _ = writeln!(out, "\t({})", trends.measure);
    let buckets = trends.series.first().map_or(0, |s| s.points.len());
    for index in 0..buckets {
        let bucket = &trends.series[0].points[index].bucket;
        let _ = write!(out, "{bucket:<12}");
        for series in &trends.series {
            let value = series.points[index].value;
            if value.fract() == 0.0 {
                let _ = write!(out, "\t{value}");
            } else {
                let _ = write!(out, "\t{value:.3}");
            }
        }
        out.push('\n');
    }
    print_out(&out)
}

/// Collocates as a table, most associated first.
pub fn print_collocates(found: &Collocates) -> Result<()> {
    let mut out = format!(
        "{} around the query, {} in them\n{:>4}  {:<12}\t{:>6}\t{:>8}\t{:>9}\t{:>6}\n",
        count(found.sentences as usize, "sentence"),
        count(found.words as usize, "word"),
        "",
        "word",
        "count",
        "in index",
        "LL",
        "MI"
    );
    for (rank, collocate) in found.collocates.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>4}  {:<12}\t{:>6}\t{:>8}\t{:>9.1}\t{:>6.2}",
            rank + 1,
            collocate.word,
            collocate.count,
            collocate.corpus_count,
            collocate.ll,
            collocate.mi
        );
    }
    print_out(&out)
}

pub fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// One line saying what an `index` run did.
pub fn summary(report: &BuildReport) -> String {
    if report.nothing_changed {
        return format!(
            "nothing changed: {} documents in {} files are up to date ({:.2} s); --full rebuilds",
            report.documents,
            report.files,
            report.elapsed.as_secs_f64()
        );
    }
    let mut line = format!(
        "{}: {} added, {} updated, {} deleted, {} unchanged, {} skipped; read {} of {} files, \
         {:.1} MB of text in {:.1} s, {:.1} MB/s",
        count(report.documents, "document"),
        report.added,
        report.updated,
        report.deleted,
        report.unchanged,
        report.skipped(),
        report.files_read,
        report.files,
        report.text_bytes as f64 / 1e6,
        report.elapsed.as_secs_f64(),
        report.megabytes_per_second(),
    );
    if report.duplicates > 0 {
        line.push_str(&format!(
            "; {} replaced by a later document with the same id",
            report.duplicates
        ));
    }
    if report.ignored_files > 0 {
        line.push_str(&format!(
            "; {} files of other types ignored",
            report.ignored_files
        ));
    }
    line
}
