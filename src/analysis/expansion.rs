//! Query-term expansion for unquoted terms: abbreviations of policy language (科创 ↔ 科技创新,
//! from the shipped `corpus/dict/abbreviations.tsv`) and traditional ↔ simplified forms.
//! Quoted phrases are never expanded: they mean exactly what was typed.

use std::sync::OnceLock;

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

/// The forms an unquoted term matches: the term first, then its expansions.
pub fn expansions(term: &str) -> Vec<String> {
    let mut forms = vec![term.to_string()];
    let push = |form: String, forms: &mut Vec<String>| {
        if forms.len() < MAX_ALTERNATIVES && !forms.contains(&form) {
            forms.push(form);
        }
    };
    for (short, full) in abbreviations() {
        if term.contains(full.as_str()) {
            push(term.replace(full.as_str(), short), &mut forms);
        } else if term.contains(short.as_str()) {
            push(term.replace(short.as_str(), full), &mut forms);
        }
    }
    for form in forms.clone() {
        push(
            character_converter::traditional_to_simplified(&form).into_owned(),
            &mut forms,
        );
        push(
            character_converter::simplified_to_traditional(&form).into_owned(),
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
    fn traditional_and_simplified_forms_match() {
        assert!(expansions("共产党").contains(&"共產黨".to_string()));
        assert!(expansions("共產黨").contains(&"共产党".to_string()));
        assert_eq!(expansions("太湖")[0], "太湖");
    }
}
