//! 新旧对照: two texts (usually two versions of one regulation) aligned article by article by
//! their content, not their numbers, each pair marked 未变 / 修改 / 新增 / 删除 with the changed
//! characters located.
//!
//! The texts are cut into units: each 条, each heading line, and each paragraph of the text
//! between (a notice without 条 is compared paragraph by paragraph). A unit's content is its
//! text without its number (`第十二条`, `第三章`), so a renumbered article that kept its words
//! is 未变. Units with equal content are matched first, in order (a Myers diff over the
//! units); the units between two such anchors are then paired by similarity (Dice over
//! character bigrams, at least [`MIN_SIMILARITY`]), keeping their order, so an article that
//! was reworded and renumbered still finds its former self. An article moved across others
//! shows as 删除 at its old place and 新增 at its new one.

use std::ops::Range;

use similar::{capture_diff_slices, Algorithm, DiffTag};

use super::structure::{heading_level, parts};

/// The least similarity for two units to be one unit amended (修改) rather than one removed
/// and another added.
pub const MIN_SIMILARITY: f32 = 0.4;

/// The least similarity for two headings: a few characters share bigrams by chance
/// (`科学技术普及` and `国际科学技术合作` are 0.5 alike).
pub const MIN_HEADING_SIMILARITY: f32 = 0.7;

/// The longest run of common characters between two changes that still reads as part of
/// one change.
const MAX_SPLINTER: usize = 2;

/// Cells of the similarity table for one stretch between anchors; a larger stretch (two texts
/// with next to nothing in common) is listed as removed and added without pairing.
const MAX_CELLS: usize = 4_000_000;

/// What happened to a unit between the two texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The same words (perhaps under another number).
    Unchanged,
    /// Amended: some characters removed or added.
    Changed,
    /// Only in the newer text.
    Added,
    /// Only in the older text.
    Removed,
}

impl Change {
    /// Its name, as in JSON and on the page: 未变, 修改, 新增, 删除.
    pub fn name(self) -> &'static str {
        match self {
            Change::Unchanged => "未变",
            Change::Changed => "修改",
            Change::Added => "新增",
            Change::Removed => "删除",
        }
    }
}

/// One unit on one side of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Its number, e.g. `第十二条` or `第三章`; none for a paragraph.
    pub label: Option<String>,
    /// Its content (the text without its number).
    pub text: String,
    /// Byte ranges of `text` that the other side does not have.
    pub changed: Vec<Range<usize>>,
}

/// A unit of the older text beside the unit of the newer one it became.
#[derive(Debug, Clone, PartialEq)]
pub struct Aligned {
    /// What happened.
    pub change: Change,
    /// In the older text (none when added).
    pub old: Option<Side>,
    /// In the newer text (none when removed).
    pub new: Option<Side>,
    /// How alike the two contents are, 0 to 1 (1 when unchanged, 0 when one side is missing).
    pub similarity: f32,
}

/// A unit: its number, its content, and the content without blanks (what is compared: a text
/// re-spaced, `总　　则` as `总 则`, is the same text).
struct Unit<'a> {
    kind: Kind,
    label: Option<&'a str>,
    content: &'a str,
    key: String,
}

/// What a unit is: only units of one kind are paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Article,
    Heading,
    Paragraph,
}

impl<'a> Unit<'a> {
    fn new(kind: Kind, label: Option<&'a str>, content: &'a str) -> Unit<'a> {
        let content = content.trim_matches(is_blank);
        Unit {
            kind,
            label,
            content,
            key: content.chars().filter(|c| !is_blank(*c)).collect(),
        }
    }

    /// How alike two units must be to pair.
    fn min_similarity(&self) -> f32 {
        if self.kind == Kind::Heading {
            MIN_HEADING_SIMILARITY
        } else {
            MIN_SIMILARITY
        }
    }
}

/// Whitespace and the invisible characters converted texts are strewn with (zero-width space
/// and joiners, word joiner, byte-order mark).
fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// `text` cut into units (see the module's documentation).
fn units(text: &str) -> Vec<Unit<'_>> {
    let mut units = Vec::new();
    for part in parts(text) {
        let piece = &text[part.range];
        if part.label.is_some() || part.heading.is_some() || heading_level(piece).is_some() {
            let (label, content) = split_number(piece.trim_matches(is_blank));
            let kind = if part.label.is_some() {
                Kind::Article
            } else {
                Kind::Heading
            };
            let unit = Unit::new(kind, label, content);
            if !unit.key.is_empty() || label.is_some() {
                units.push(unit);
            }
            continue;
        }
        units.extend(
            piece
                .lines()
                .map(|line| Unit::new(Kind::Paragraph, None, line))
                .filter(|unit| !unit.key.is_empty()),
        );
    }
    units
}

/// `第十二条　内容` → (`第十二条`, `内容`); a text without a number → (None, text).
fn split_number(text: &str) -> (Option<&str>, &str) {
    let Some(rest) = text.strip_prefix('第') else {
        return (None, text);
    };
    let digits = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || "零〇一二三四五六七八九十百千".contains(*c)))
        .map_or(rest.len(), |(at, _)| at);
    let after = &rest[digits..];
    match after.chars().next() {
        Some(kind @ ('条' | '章' | '节' | '编')) if digits > 0 => {
            let end = text.len() - after.len() + kind.len_utf8();
            (Some(&text[..end]), &text[end..])
        }
        _ => (None, text),
    }
}

/// Align `old` with `new` (see the module's documentation), in the order of the newer text
/// with removed units where they stood.
pub fn compare(old: &str, new: &str) -> Vec<Aligned> {
    let old_units = units(old);
    let new_units = units(new);
    let old_contents: Vec<&str> = old_units.iter().map(|u| u.key.as_str()).collect();
    let new_contents: Vec<&str> = new_units.iter().map(|u| u.key.as_str()).collect();
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_contents, &new_contents) {
        let (tag, olds, news) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            for (o, n) in olds.zip(news) {
                out.push(Aligned {
                    change: Change::Unchanged,
                    old: Some(side(&old_units[o], Vec::new())),
                    new: Some(side(&new_units[n], Vec::new())),
                    similarity: 1.0,
                });
            }
        } else {
            align_stretch(&old_units[olds], &new_units[news], &mut out);
        }
    }
    out
}

fn side(unit: &Unit<'_>, changed: Vec<Range<usize>>) -> Side {
    Side {
        label: unit.label.map(str::to_string),
        text: unit.content.to_string(),
        changed,
    }
}

/// Pair the units of a stretch between two anchors by similarity, keeping their order: the
/// pairing with the greatest total similarity (pairs below [`MIN_SIMILARITY`] not allowed).
fn align_stretch(old: &[Unit<'_>], new: &[Unit<'_>], out: &mut Vec<Aligned>) {
    let (rows, cols) = (old.len(), new.len());
    let pairs: Vec<(usize, usize, f32)> = if rows == 0 || cols == 0 || rows * cols > MAX_CELLS {
        Vec::new()
    } else {
        let old_grams: Vec<Vec<u64>> = old.iter().map(|u| bigrams(&u.key)).collect();
        let new_grams: Vec<Vec<u64>> = new.iter().map(|u| bigrams(&u.key)).collect();
        // Units of different kinds, or less alike than their kind asks, never pair: 0.
        let similarity: Vec<f32> = old
            .iter()
            .zip(&old_grams)
            .flat_map(|(a, a_grams)| {
                new.iter().zip(&new_grams).map(move |(b, b_grams)| {
                    let alike = dice(a_grams, b_grams);
                    if a.kind == b.kind && alike >= a.min_similarity() {
                        alike
                    } else {
                        0.0
                    }
                })
            })
            .collect();
        let sim = |i: usize, j: usize| similarity[i * cols + j];
        // best[i][j]: the best total over old[i..] and new[j..].
        let width = cols + 1;
        let mut best = vec![0f32; (rows + 1) * width];
        for i in (0..rows).rev() {
            for j in (0..cols).rev() {
                let pair = if sim(i, j) > 0.0 {
                    sim(i, j) + best[(i + 1) * width + j + 1]
                } else {
                    0.0
                };
                best[i * width + j] = pair
                    .max(best[(i + 1) * width + j])
                    .max(best[i * width + j + 1]);
            }
        }
        let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
        while i < rows && j < cols {
            let here = best[i * width + j];
            if sim(i, j) > 0.0 && here == sim(i, j) + best[(i + 1) * width + j + 1] {
                pairs.push((i, j, sim(i, j)));
                i += 1;
                j += 1;
            } else if here == best[(i + 1) * width + j] {
                i += 1;
            } else {
                j += 1;
            }
        }
        pairs
    };
    let (mut i, mut j) = (0, 0);
    for (pi, pj, similarity) in pairs.into_iter().chain([(rows, cols, 0.0)]) {
        out.extend(old[i..pi].iter().map(|unit| Aligned {
            change: Change::Removed,
            old: Some(side(unit, Vec::new())),
            new: None,
            similarity: 0.0,
        }));
        out.extend(new[j..pj].iter().map(|unit| Aligned {
            change: Change::Added,
            old: None,
            new: Some(side(unit, Vec::new())),
            similarity: 0.0,
        }));
        if pi < rows && pj < cols {
            out.push(amended(&old[pi], &new[pj], similarity));
        }
        (i, j) = (pi + 1, pj + 1);
    }
}

/// Two units paired: 未变 when only the number differs, else 修改 with the changed
/// characters of each side.
fn amended(old: &Unit<'_>, new: &Unit<'_>, similarity: f32) -> Aligned {
    let visible = |text: &str| -> Vec<(usize, char)> {
        text.char_indices().filter(|(_, c)| !is_blank(*c)).collect()
    };
    let (old_chars, new_chars) = (visible(old.content), visible(new.content));
    let a: Vec<char> = old_chars.iter().map(|(_, c)| *c).collect();
    let b: Vec<char> = new_chars.iter().map(|(_, c)| *c).collect();
    // From the first changed character to the end of the last.
    let byte_range = |chars: &[(usize, char)], _: &str, range: Range<usize>| {
        let (start, _) = chars[range.start];
        let (last, c) = chars[range.end - 1];
        start..last + c.len_utf8()
    };
    // Changed runs of each side as character ranges; a common run of at most
    // MAX_SPLINTER characters between two changes counts as changed too, so `以[-…-]政{+…+}`
    // reads as one replaced phrase rather than splinters around a shared 政.
    let ops: Vec<(DiffTag, Range<usize>, Range<usize>)> =
        capture_diff_slices(Algorithm::Myers, &a, &b)
            .iter()
            .map(|op| op.as_tag_tuple())
            .collect();
    let (mut old_runs, mut new_runs): (Vec<Range<usize>>, Vec<Range<usize>>) = (vec![], vec![]);
    let push = |runs: &mut Vec<Range<usize>>, range: &Range<usize>| {
        if range.is_empty() {
            return;
        }
        match runs.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => runs.push(range.clone()),
        }
    };
    for (at, (tag, olds, news)) in ops.iter().enumerate() {
        if *tag != DiffTag::Equal {
            push(&mut old_runs, olds);
            push(&mut new_runs, news);
            continue;
        }
        if olds.len() > MAX_SPLINTER || at == 0 || at + 1 == ops.len() {
            continue;
        }
        // A side changed on both ends of the splinter takes it into the change.
        let (before, after) = (&ops[at - 1], &ops[at + 1]);
        if !before.1.is_empty() && !after.1.is_empty() {
            push(&mut old_runs, olds);
        }
        if !before.2.is_empty() && !after.2.is_empty() {
            push(&mut new_runs, news);
        }
    }
    let old_changed: Vec<Range<usize>> = old_runs
        .into_iter()
        .map(|r| byte_range(&old_chars, old.content, r))
        .collect();
    let new_changed: Vec<Range<usize>> = new_runs
        .into_iter()
        .map(|r| byte_range(&new_chars, new.content, r))
        .collect();
    let change = if old_changed.is_empty() && new_changed.is_empty() {
        Change::Unchanged
    } else {
        Change::Changed
    };
    Aligned {
        change,
        old: Some(side(old, old_changed)),
        new: Some(side(new, new_changed)),
        similarity: if change == Change::Unchanged {
            1.0
        } else {
            similarity
        },
    }
}

/// The character bigrams of `key` (a text without blanks), sorted, as numbers.
fn bigrams(key: &str) -> Vec<u64> {
    let chars: Vec<char> = key.chars().collect();
    let mut grams: Vec<u64> = match chars.len() {
        0 => Vec::new(),
        1 => vec![u64::from(chars[0])],
        _ => chars
            .windows(2)
            .map(|w| (u64::from(w[0]) << 32) | u64::from(w[1]))
            .collect(),
    };
    grams.sort_unstable();
    grams
}

/// Dice's coefficient of two sorted bigram lists (as multisets).
fn dice(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * shared) as f32 / (a.len() + b.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbered_articles_align_by_content() {
        let old = "第一章 总则\n第一条 为了规范管理，制定本条例。\n第二条 本条例适用于本市。\n第三条 违反本条例的，由有关部门责令改正。\n";
        let new = "第一章 总则\n第一条 为了规范管理，促进发展，制定本条例。\n第二条 市人民政府应当加强领导。\n第三条 本条例适用于本市。\n第四条 违反本条例的，由有关部门责令改正，处一千元罚款。\n";
        let aligned = compare(old, new);
        let summary: Vec<(&str, Option<&str>, Option<&str>)> = aligned
            .iter()
            .map(|a| {
                (
                    a.change.name(),
                    a.old.as_ref().and_then(|s| s.label.as_deref()),
                    a.new.as_ref().and_then(|s| s.label.as_deref()),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("未变", Some("第一章"), Some("第一章")),
                ("修改", Some("第一条"), Some("第一条")),
                ("新增", None, Some("第二条")),
                ("未变", Some("第二条"), Some("第三条")),
                ("修改", Some("第三条"), Some("第四条")),
            ]
        );
        let amended = &aligned[1];
        let new_side = amended.new.as_ref().unwrap();
        let added: Vec<&str> = new_side
            .changed
            .iter()
            .map(|r| &new_side.text[r.clone()])
            .collect();
        assert_eq!(added, ["促进发展，"]);
        assert!(amended.old.as_ref().unwrap().changed.is_empty());
    }

    #[test]
    fn an_article_dropped_is_removed_and_texts_without_articles_compare_by_paragraph() {
        let aligned = compare(
            "第一条 甲乙丙丁。\n第二条 戊己庚辛壬癸。\n",
            "第一条 甲乙丙丁。\n",
        );
        assert_eq!(aligned[1].change, Change::Removed);
        assert_eq!(
            aligned[1].old.as_ref().unwrap().label.as_deref(),
            Some("第二条")
        );
        let aligned = compare(
            "一、总体要求\n推进长三角一体化发展。\n加强生态保护。\n",
            "一、总体要求\n推进长三角一体化高质量发展。\n加强生态保护。\n",
        );
        let changes: Vec<Change> = aligned.iter().map(|a| a.change).collect();
        assert_eq!(
            changes,
            [Change::Unchanged, Change::Changed, Change::Unchanged]
        );
    }
}
