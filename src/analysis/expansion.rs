//! Query-term expansion for unquoted terms: abbreviations of policy language (科创 ↔ 科技创新,
//! from the shipped `corpus/dict/abbreviations.tsv`), synonyms (无人机 = 无人驾驶航空器, from the
//! shipped `corpus/dict/synonyms.tsv` and a user's file, see [`Thesaurus`]) and traditional ↔
//! simplified forms. Quoted phrases are never expanded: they mean exactly what was typed.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::definitions::ShortForm;

use crate::error::{Error, Result};

/// The shipped thesaurus (see [`Thesaurus::parse`] for the format).
const SYNONYMS: &str = include_str!("../../corpus/dict/synonyms.tsv");
/// The shipped abbreviation table (`short<TAB>full` a line, `#` comments).
const ABBREVIATIONS: &str = include_str!("../../corpus/dict/abbreviations.tsv");
/// Alternatives a term may expand to at most, the term itself included.
const MAX_ALTERNATIVES: usize = 8;

/// Parse an abbreviation table; returns the pairs and, for a bad line, its number and what is
/// wrong.
pub fn parse_abbreviations(text: &str) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut pairs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((short, full)) = line.split_once('\t') else {
            return Err((index + 1, "expected `short<TAB>full`".to_string()));
        };
        let (short, full) = (short.trim(), full.trim());
        if short.is_empty() || full.is_empty() || short == full {
            return Err((index + 1, "both forms must be given and differ".to_string()));
        }
        pairs.push((short.to_string(), full.to_string()));
    }
    Ok(pairs)
}

fn abbreviations() -> &'static [(String, String)] {
    static TABLE: OnceLock<Vec<(String, String)>> = OnceLock::new();
    // The shipped table is checked by a unit test; a bad line cannot reach a release.
    TABLE.get_or_init(|| parse_abbreviations(ABBREVIATIONS).unwrap_or_default())
}

/// How a form of a query term relates to the term as typed; ranking weighs each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The term as typed.
    Typed,
    /// The same text in the other script (traditional ↔ simplified).
    Script,
    /// An abbreviation or its full form (科创 ↔ 科技创新).
    Abbreviation,
    /// The full form of a short form an indexed text defines (`科学技术协会（以下简称科协）`:
    /// 科协 → 科学技术协会).
    Defined,
    /// A synonym: the same thing in other words (无人机 = 无人驾驶航空器).
    Synonym,
    /// A related term (电子政务 ~ 一网通办): documents about it often treat the query's topic.
    Related,
}

/// One form a term matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The text to match.
    pub text: String,
    /// How it relates to what was typed.
    pub kind: Kind,
}

/// Groups of terms that mean the same (`=`) or are closely related (`~`) in policy language.
///
/// The format, one group a line, `#` starts a comment line:
///
/// ```text
/// 无人机 = 无人驾驶航空器
/// 酒驾 = 饮酒后驾驶 = 醉酒驾驶 = 酒后驾驶
/// 电子政务 ~ 政务服务 ~ 一网通办
/// ```
///
/// A term that contains a group's form (无人机管理) also matches the term with the form
/// replaced by each other form of its group (无人驾驶航空器管理).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thesaurus {
    groups: Vec<(Vec<String>, Kind)>,
    /// Short forms the indexed texts define, each with its full form (see [`Thesaurus::with_defined`]).
    defined: Arc<Vec<ShortForm>>,
}

impl Thesaurus {
    /// Parse a thesaurus; a bad line is reported by its 1-based number and what is wrong.
    pub fn parse(text: &str) -> std::result::Result<Thesaurus, (usize, String)> {
        let mut groups = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (separator, kind) = match (line.contains('='), line.contains('~')) {
                (true, false) => ('=', Kind::Synonym),
                (false, true) => ('~', Kind::Related),
                (true, true) => {
                    return Err((index + 1, "use `=` or `~` in a line, not both".to_string()))
                }
                (false, false) => {
                    return Err((
                        index + 1,
                        "expected forms joined by `=` (same meaning) or `~` (related)".to_string(),
                    ))
                }
            };
            let forms: Vec<String> = line
                .split(separator)
                .map(|form| form.trim().to_string())
                .collect();
            if forms.iter().any(String::is_empty) {
                return Err((index + 1, format!("an empty form around `{separator}`")));
            }
            if forms.iter().any(|form| form.contains(char::is_whitespace)) {
                return Err((index + 1, "a form has a space: one term a form".to_string()));
            }
            groups.push((forms, kind));
        }
        Ok(Thesaurus {
            groups,
            defined: Arc::default(),
        })
    }

    /// This thesaurus with the short forms the indexed texts define: a term with a short form
    /// also matches its full form (科协 → 科学技术协会), weighed like an abbreviation.
    pub fn with_defined(&self, defined: Arc<Vec<ShortForm>>) -> Thesaurus {
        Thesaurus {
            groups: self.groups.clone(),
            defined,
        }
    }

    /// The thesaurus shipped in `corpus/dict/synonyms.tsv`.
    pub fn shipped() -> &'static Thesaurus {
        static SHIPPED: OnceLock<Thesaurus> = OnceLock::new();
        // Checked by a unit test: a bad line cannot reach a release.
        SHIPPED.get_or_init(|| Thesaurus::parse(SYNONYMS).unwrap_or_default())
    }

    /// The shipped thesaurus with a user's file added; an error names the file and line.
    pub fn with_file(path: &Path) -> Result<Thesaurus> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
        let user = Thesaurus::parse(&text).map_err(|(line, message)| Error::InvalidParameter {
            name: "synonyms",
            message: format!("{}:{line}: {message}", path.display()),
        })?;
        let mut thesaurus = Thesaurus::shipped().clone();
        thesaurus.groups.extend(user.groups);
        Ok(thesaurus)
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The forms an unquoted term matches: the term first, then its expansions, with the shipped
/// thesaurus.
pub fn expansions(term: &str) -> Vec<String> {
    forms(term, Thesaurus::shipped())
        .into_iter()
        .map(|form| form.text)
        .collect()
}

/// The forms a query term takes: a quoted phrase only itself (it means exactly what was
/// typed), an unquoted term every one of its [`forms`].
pub fn query_forms(term: &str, quoted: bool, thesaurus: &Thesaurus) -> Vec<Form> {
    if quoted {
        vec![Form {
            text: term.to_string(),
            kind: Kind::Typed,
        }]
    } else {
        forms(term, thesaurus)
    }
}

/// The forms an unquoted term matches with `thesaurus`: the term first, then abbreviations,
/// the full forms of short forms the texts define, synonyms, related terms, and every one of
/// those in the other script.
pub fn forms(term: &str, thesaurus: &Thesaurus) -> Vec<Form> {
    let mut forms = vec![Form {
        text: term.to_string(),
        kind: Kind::Typed,
    }];
    let push = |text: String, kind: Kind, forms: &mut Vec<Form>| {
        if forms.len() < MAX_ALTERNATIVES && !forms.iter().any(|form| form.text == text) {
            forms.push(Form { text, kind });
        }
    };
    for (short, full) in abbreviations() {
        if term.contains(full.as_str()) {
            push(
                term.replace(full.as_str(), short),
                Kind::Abbreviation,
                &mut forms,
            );
        } else if term.contains(short.as_str()) {
            push(
                term.replace(short.as_str(), full),
                Kind::Abbreviation,
                &mut forms,
            );
        }
    }
    for pair in thesaurus.defined.iter() {
        if term.contains(pair.short.as_str()) && !term.contains(pair.full.as_str()) {
            push(
                term.replace(pair.short.as_str(), &pair.full),
                Kind::Defined,
                &mut forms,
            );
        }
    }
    for kind in [Kind::Synonym, Kind::Related] {
        for (group, _) in thesaurus.groups.iter().filter(|(_, k)| *k == kind) {
            // The longest form the term contains (醉酒驾驶 before 酒驾 if both were forms).
            let Some(found) = group
                .iter()
                .filter(|form| term.contains(form.as_str()))
                .max_by_key(|form| form.len())
            else {
                continue;
            };
            for other in group.iter().filter(|form| *form != found) {
                push(term.replace(found.as_str(), other), kind, &mut forms);
            }
        }
    }
    for form in forms.clone() {
        let kind = if form.kind == Kind::Typed {
            Kind::Script
        } else {
            form.kind
        };
        push(
            character_converter::traditional_to_simplified(&form.text).into_owned(),
            kind,
            &mut forms,
        );
        push(
            character_converter::simplified_to_traditional(&form.text).into_owned(),
            kind,
            &mut forms,
        );
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses() {
        let pairs = parse_abbreviations(ABBREVIATIONS).unwrap();
        assert!(pairs.contains(&("科创".to_string(), "科技创新".to_string())));
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(
            parse_abbreviations("# c\n科创 科技创新\n").unwrap_err().0,
            2
        );
    }

    #[test]
    fn abbreviations_expand_both_ways() {
        assert!(expansions("环太湖科创圈").contains(&"环太湖科技创新圈".to_string()));
        assert!(expansions("环太湖科技创新圈").contains(&"环太湖科创圈".to_string()));
        assert!(expansions("长三角").contains(&"长江三角洲".to_string()));
    }

    #[test]
    fn shipped_thesaurus_parses() {
        let shipped = Thesaurus::parse(SYNONYMS).unwrap();
        assert!(shipped.len() >= 50, "{} groups", shipped.len());
        let forms = forms("无人机", &shipped);
        assert!(forms.contains(&Form {
            text: "无人驾驶航空器".to_string(),
            kind: Kind::Synonym
        }));
    }

    #[test]
    fn synonyms_replace_inside_longer_terms_and_relate_weaker() {
        let thesaurus = Thesaurus::parse("酒驾 = 饮酒后驾驶\n电子政务 ~ 一网通办\n").unwrap();
        let texts: Vec<(String, Kind)> = forms("查处酒驾", &thesaurus)
            .into_iter()
            .map(|form| (form.text, form.kind))
            .collect();
        assert!(texts.contains(&("查处饮酒后驾驶".to_string(), Kind::Synonym)));
        let related = forms("电子政务", &thesaurus);
        assert!(related
            .iter()
            .any(|form| form.text == "一网通办" && form.kind == Kind::Related));
    }

    #[test]
    fn bad_thesaurus_lines_are_named() {
        assert_eq!(
            Thesaurus::parse("# c\n\n无人机 无人驾驶航空器\n")
                .unwrap_err()
                .0,
            3
        );
        assert_eq!(Thesaurus::parse("a = \n").unwrap_err().0, 1);
        assert_eq!(Thesaurus::parse("a = b ~ c\n").unwrap_err().0, 1);
    }

    #[test]
    fn traditional_and_simplified_forms_match() {
        assert!(expansions("共产党").contains(&"共產黨".to_string()));
        assert!(expansions("共產黨").contains(&"共产党".to_string()));
        assert_eq!(expansions("太湖")[0], "太湖");
    }
}
