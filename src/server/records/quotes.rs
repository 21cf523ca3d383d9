//! A decision is stored without the clause texts it quotes, and read back whole. Its citations
//! (`{"clause":"X","section":"S","text":"T"}`, and `"via"` for a clause a parameter or
//! definition brought) are most of its bytes, and the same in every decision of a version: the
//! store keeps them once per version, beside its text, and each decision's citations as
//! `{"clause":"X"}` (with its `"via"`). Both ways work on the JSON as the service writes it,
//! byte for byte, so a decision read back is the one answered.

use std::collections::HashMap;

use memchr::memmem;
use serde_json::Value as Json;

use crate::prepared::Prepared;

/// What opens a citation in a decision's JSON.
const OPENING: &[u8] = b"{\"clause\":\"";

/// The clauses of a version as its decisions quote them: by id, the JSON a citation of it
/// starts with (`{"clause":"X","section":"S","text":"T"`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Quotes {
    by_id: HashMap<String, String>,
}

impl Quotes {
    /// The quotes of `policy`'s clauses.
    pub fn of(policy: &Prepared) -> Quotes {
        let by_id = (0..policy.clauses.len())
            .filter_map(|i| policy.citation(i))
            .filter_map(|c| {
                let json = c.json.as_ref()?.get();
                let opening = json.strip_suffix('}')?;
                Some((c.clause.to_string(), opening.to_string()))
            })
            .collect();
        Quotes { by_id }
    }

    /// As stored: `{"X": {"section": S, "text": T}, …}`.
    pub fn to_json(&self) -> String {
        let mut map = serde_json::Map::new();
        for (id, opening) in &self.by_id {
            if let Ok(Json::Object(mut c)) = serde_json::from_str::<Json>(&format!("{opening}}}")) {
                c.remove("clause");
                map.insert(id.clone(), Json::Object(c));
            }
        }
        Json::Object(map).to_string()
    }

    /// Read back from [`Quotes::to_json`].
    pub fn from_json(text: &str) -> Option<Quotes> {
        let map: serde_json::Map<String, Json> = serde_json::from_str(text).ok()?;
        let mut by_id = HashMap::new();
        for (id, c) in map {
            // Written as the service writes a citation: clause, section, text, in that order.
            let whole = serde_json::json!({
                "clause": id,
                "section": c.get("section")?,
                "text": c.get("text")?,
            })
            .to_string();
            let opening = whole.strip_suffix('}')?.to_string();
            by_id.insert(id, opening);
        }
        Some(Quotes { by_id })
    }

    /// `decision` with each quoted clause's section and text left out.
    pub fn elide(&self, decision: &str) -> String {
        self.rewrite(decision, |id, rest| {
            let opening = self.by_id.get(id)?;
            // The whole opening must be there, the same: then it is left out.
            let after_id = OPENING.len() + id.len() + 1;
            let skipped = opening.get(after_id..)?;
            rest.starts_with(skipped).then_some((skipped.len(), ""))
        })
    }

    /// `decision` (stored by [`Quotes::elide`]) with each clause's section and text again.
    pub fn restore(&self, decision: &str) -> String {
        self.rewrite(decision, |id, rest| {
            let opening = self.by_id.get(id)?;
            let elided = rest.starts_with('}') || rest.starts_with(",\"via\":");
            let after_id = OPENING.len() + id.len() + 1;
            elided.then(|| (0, opening.get(after_id..).unwrap_or("")))
        })
    }

    /// `decision` with what follows each citation's id replaced: `change(id, rest)` gives how
    /// many bytes of `rest` to drop and what to write instead, or none to keep it.
    fn rewrite<'s>(
        &'s self,
        decision: &str,
        change: impl Fn(&str, &str) -> Option<(usize, &'s str)>,
    ) -> String {
        let bytes = decision.as_bytes();
        let mut out = String::with_capacity(decision.len());
        let mut copied = 0;
        for at in memmem::find_iter(bytes, OPENING) {
            if at < copied {
                continue;
            }
            let start = at + OPENING.len();
            let Some(len) = decision.get(start..).and_then(|r| r.find('"')) else {
                continue;
            };
            let Some(id) = decision.get(start..start + len) else {
                continue;
            };
            if id.contains('\\') {
                continue;
            }
            let after = start + len + 1;
            let Some(rest) = decision.get(after..) else {
                continue;
            };
            if let Some((dropped, written)) = change(id, rest) {
                out.push_str(decision.get(copied..after).unwrap_or(""));
                out.push_str(written);
                copied = after + dropped;
            }
        }
        out.push_str(decision.get(copied..).unwrap_or(""));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotes() -> Quotes {
        let mut by_id = HashMap::new();
        by_id.insert(
            "2.1-1".to_string(),
            r#"{"clause":"2.1-1","section":"2.1","text":"Le stage « dure » 12 semaines.""#
                .to_string(),
        );
        Quotes { by_id }
    }

    #[test]
    fn a_decision_loses_its_quoted_texts_and_gets_them_back_byte_for_byte() {
        let q = quotes();
        let decision = r#"{"conclusions":{"a":{"citations":[{"clause":"2.1-1","section":"2.1","text":"Le stage « dure » 12 semaines."},{"clause":"2.1-1","section":"2.1","text":"Le stage « dure » 12 semaines.","via":"parameter n"}]},"b":{"citations":[{"clause":"9-9","section":"9","text":"autre"}]}}}"#;
        let elided = q.elide(decision);
        assert_eq!(
            elided,
            r#"{"conclusions":{"a":{"citations":[{"clause":"2.1-1"},{"clause":"2.1-1","via":"parameter n"}]},"b":{"citations":[{"clause":"9-9","section":"9","text":"autre"}]}}}"#
        );
        assert_eq!(q.restore(&elided), decision);
        // The quotes, stored and read back, give the same.
        let again = Quotes::from_json(&q.to_json()).unwrap_or_default();
        assert_eq!(again, q);
        // A text that differs from the clause's (another version's) is kept whole.
        let other = r#"[{"clause":"2.1-1","section":"2.1","text":"autre texte"}]"#;
        assert_eq!(q.elide(other), other);
    }
}
