//! Bytes to text: byte-order marks, UTF-8, then GB18030/GBK/Big5 and others by detection
//! (encoding_rs + chardetng). Binary data is refused rather than decoded into garbage.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// Decoded text, with a note when something had to be repaired or guessed.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The encoding read, when it was not plain UTF-8.
    pub encoding: Option<&'static str>,
    /// Something worth reporting that did not stop the file being read.
    pub warning: Option<String>,
}

/// Share of control characters above which a "text" is taken for binary data.
const MAX_CONTROL_SHARE: f64 = 0.05;

fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars().take(64 * 1024) {
        total += 1;
        if (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) || c == '\u{FFFD}' {
            control += 1;
        }
    }
    total > 0 && control as f64 / total as f64 > MAX_CONTROL_SHARE
}

/// Decode a text file's bytes, or say why it is not text.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    let binary = || "binary data, not text".to_string();
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_length..];
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        if had_errors && encoding == UTF_8 {
            return decode_utf8(body).map(|mut d| {
                d.encoding = None;
                d
            });
        }
        if looks_binary(&text) {
            return Err(binary());
        }
        let warning = had_errors.then(|| {
            format!(
                "{} text has invalid sequences, replaced with �",
                encoding.name()
            )
        });
        let encoding = (encoding != UTF_8).then_some(encoding.name());
        return Ok(Decoded {
            text,
            encoding,
            warning,
        });
    }
    if bytes.contains(&0) {
        // UTF-16 without a BOM is rare in the wild; NUL bytes in anything else mean binary.
        return Err(binary());
    }
    decode_utf8(bytes).or_else(|_| decode_detected(bytes))
}

fn decode_utf8(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) if looks_binary(text) => Err("binary data, not text".to_string()),
        Ok(text) => Ok(Decoded {
            text: Cow::Borrowed(text),
            encoding: None,
            warning: None,
        }),
        // Cut inside the last character (a truncated download): keep what is whole.
        Err(error) if error.error_len().is_none() && bytes.len() - error.valid_up_to() < 4 => {
            let valid = error.valid_up_to();
            let text = std::str::from_utf8(&bytes[..valid]).map_err(|e| e.to_string())?;
            Ok(Decoded {
                text: Cow::Borrowed(text),
                encoding: None,
                warning: Some(format!("UTF-8 text ends inside a character at byte {valid}; the incomplete character was dropped")),
            })
        }
        Err(error) => Err(format!("not valid UTF-8 at byte {}", error.valid_up_to())),
    }
}

fn decode_detected(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    if encoding == UTF_8 || encoding == UTF_16LE || encoding == UTF_16BE {
        return Err(
            "not valid UTF-8, and no other encoding fits: save the file as UTF-8".to_string(),
        );
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors || looks_binary(&text) {
        return Err(format!(
            "not valid UTF-8, nor valid {}: save the file as UTF-8",
            encoding.name()
        ));
    }
    Ok(Decoded {
        text,
        encoding: Some(encoding.name()),
        warning: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_and_big5_are_detected() {
        let text = "环太湖科技创新圈由上海市嘉定区、青浦区，江苏省苏州市、无锡市、常州市组成。";
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        let decoded = decode(&gbk).unwrap();
        assert_eq!(decoded.text, text);
        assert!(decoded.encoding.is_some());
        let traditional =
            "環太湖科技創新圈由上海市嘉定區、青浦區，江蘇省蘇州市、無錫市、常州市組成。";
        let (big5, _, _) = encoding_rs::BIG5.encode(traditional);
        assert_eq!(decode(&big5).unwrap().text, traditional);
    }

    #[test]
    fn utf16_with_bom_and_utf8_with_bom() {
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "太湖流域".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        assert_eq!(decode(&utf16).unwrap().text, "太湖流域");
        assert_eq!(decode("\u{FEFF}太湖".as_bytes()).unwrap().text, "太湖");
    }

    #[test]
    fn binary_and_cut_text() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert!(decode(&bytes).unwrap_err().contains("binary"));
        let cut = &"太湖".as_bytes()[..4];
        let decoded = decode(cut).unwrap();
        assert_eq!(decoded.text, "太");
        assert!(decoded.warning.unwrap().contains("ends inside a character"));
    }
}
