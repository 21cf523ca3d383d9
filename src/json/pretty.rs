//! JSON for people: what `serde_json::to_string_pretty` writes, for values that hold JSON
//! written in advance. A citation and a version's reference are written once, when the policy is
//! prepared, and copied into each decision as they are (see [`crate::prepared::Citation::json`]):
//! a pretty printer copies them too, on one line. Here the value is written compactly, then
//! indented as a whole, so the command line shows every object indented alike.

use serde::Serialize;

/// `value` as indented JSON, byte for byte what `serde_json::to_string_pretty` writes for a
/// value that holds no JSON written in advance.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let compact = serde_json::to_vec(value)?;
    Ok(indent(&compact))
}

/// Indents compact JSON as `serde_json`'s pretty formatter does: two spaces a level, `": "`
/// after a key, an empty array or object kept as `[]` or `{}`. Strings are copied as they are.
fn indent(compact: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(compact.len() + compact.len() / 2);
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = compact.get(i) {
        i += 1;
        match b {
            b'"' => {
                out.push(b);
                i = copy_string(compact, i, &mut out);
            }
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                let next = skip_space(compact, i);
                out.push(b);
                if compact.get(next) == Some(&close) {
                    out.push(close);
                    i = next + 1;
                } else {
                    depth += 1;
                    new_line(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                new_line(&mut out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b);
                new_line(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            b' ' | b'\n' | b'\r' | b'\t' => {}
            _ => out.push(b),
        }
    }
    // Only whole UTF-8 sequences were copied, from a valid document.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Copies the rest of a string that starts before `from` (its quote is written) through its
/// closing quote; the position after it.
fn copy_string(compact: &[u8], from: usize, out: &mut Vec<u8>) -> usize {
    let mut i = from;
    loop {
        let rest = compact.get(i..).unwrap_or_default();
        let Some(k) = memchr::memchr2(b'"', b'\\', rest) else {
            out.extend_from_slice(rest);
            return compact.len();
        };
        // The text up to the quote or backslash, then it and, for a backslash, the byte escaped.
        let end = (i + k + 2).min(compact.len());
        let escaped = rest.get(k) == Some(&b'\\');
        let upto = if escaped { end } else { i + k + 1 };
        out.extend_from_slice(compact.get(i..upto).unwrap_or_default());
        i = upto;
        if !escaped {
            return i;
        }
    }
}

fn skip_space(compact: &[u8], from: usize) -> usize {
    let mut i = from;
    while matches!(compact.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

fn new_line(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    for _ in 0..depth {
        out.extend_from_slice(b"  ");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn indented_as_serde_json_indents() {
        for value in [
            json!(null),
            json!(3),
            json!("x"),
            json!([]),
            json!({}),
            json!([[]]),
            json!({"a": {}, "b": [], "c": [1, [2, {"d": null}]]}),
            json!({"t": "a \"quoted\" {text} [with] brackets, commas: and \\ backslashes\\"}),
            json!({"é": "« guillemets » and \u{1F600} and \n newlines \t tabs \u{0001}"}),
            json!([{"clause": "2.1-1", "section": "2.1", "text": ""}, true, false, -1.5]),
        ] {
            let expected = serde_json::to_string_pretty(&value).ok();
            assert_eq!(super::to_string_pretty(&value).ok(), expected, "{value}");
        }
    }

    #[test]
    fn json_written_in_advance_is_indented_too() {
        let raw = serde_json::value::to_raw_value(&json!({"a": [1, {"b": "c"}]})).ok();
        let got = super::to_string_pretty(&json!({"x": 1})).ok();
        assert_eq!(got.as_deref(), Some("{\n  \"x\": 1\n}"));
        let wrapped = super::to_string_pretty(&vec![raw]).ok();
        assert_eq!(
            wrapped.as_deref(),
            Some(
                "[\n  {\n    \"a\": [\n      1,\n      {\n        \"b\": \"c\"\n      }\n    ]\n  }\n]"
            )
        );
    }
}
