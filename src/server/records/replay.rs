//! A recorded decision decided again: its version rebuilt from the text stored with it, the
//! input decided under that version and under another (the one in force today), and the
//! conclusions that differ, as the impact replay of `clausier diff --cases` reports them.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value as Json;

use crate::decision::PolicyRef;
use crate::diff::{Compared, ConclusionChange, InvalidCase, compare};
use crate::prepared::Prepared;
use crate::request::Bounds;

use super::StoredRecord;

/// What a replay found.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Replay {
    /// The decision replayed.
    pub decision_id: String,
    /// The version it was made under (rebuilt from its stored text).
    pub from: PolicyRef,
    /// The version it is decided under now.
    pub to: PolicyRef,
    /// Whether some conclusion's status or value differs (among those the decision asked for).
    pub changed: bool,
    /// The conclusions that differ, each under both versions, with the rules and clauses
    /// behind each value.
    pub conclusions: Vec<ConclusionChange>,
    /// The input errors, when a version rejects the input (not compared then).
    pub invalid: Option<InvalidCase>,
}

/// Why a decision cannot be replayed.
#[derive(Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// Only the input's hash is kept, and no input was given.
    InputNotKept,
    /// The input given is not the one decided (its hash differs).
    InputMismatch,
    /// The stored text does not give the version back.
    Rebuild,
}

/// Replays `record` (whose version's files, as stored, are `files`) under `now`. `input` is
/// the candidate's record when the store kept only its hash, `input_hash` how the store hashes
/// one.
pub fn replay(
    record: &StoredRecord,
    files: &str,
    now: &Prepared,
    input: Option<Json>,
    input_hash: impl Fn(&Json) -> String,
    bounds: Bounds,
) -> Result<Replay, ReplayError> {
    let request: Json = serde_json::from_str(&record.request).unwrap_or(Json::Null);
    let input = match (request.get("input"), input, &record.input_hash) {
        (Some(kept), _, _) => kept.clone(),
        (None, Some(given), Some(hash)) if input_hash(&given) == *hash => given,
        (None, Some(_), Some(_)) => return Err(ReplayError::InputMismatch),
        _ => return Err(ReplayError::InputNotKept),
    };
    let then = rebuild(&record.policy, &record.version, files).ok_or(ReplayError::Rebuild)?;
    if *then.sha256 != *record.policy_sha256 {
        return Err(ReplayError::Rebuild);
    }
    // A decision asked for some conclusions is compared on those alone.
    let asked_for: Option<Vec<String>> = request
        .get("conclusions")
        .and_then(|c| serde_json::from_value(c.clone()).ok());
    let (conclusions, invalid) = match compare(&then, now, &record.id, &input, bounds) {
        Compared::Decided(conclusions) => (conclusions, None),
        Compared::Invalid(case) => (Vec::new(), Some(case)),
    };
    let conclusions: Vec<ConclusionChange> = conclusions
        .into_iter()
        .filter(|c| {
            asked_for
                .as_ref()
                .is_none_or(|names| names.contains(&c.conclusion))
        })
        .collect();
    Ok(Replay {
        decision_id: record.id.clone(),
        changed: !conclusions.is_empty(),
        conclusions,
        invalid,
        from: PolicyRef::of(&then),
        to: PolicyRef::of(now),
    })
}

/// The version `label` of `policy` rebuilt from its stored files (JSON `{"files": [...]}`).
pub fn rebuild(policy: &str, label: &str, files: &str) -> Option<Arc<Prepared>> {
    let files: Json = serde_json::from_str(files).ok()?;
    let texts: Vec<(String, Option<std::path::PathBuf>, String)> = files
        .get("files")?
        .as_array()?
        .iter()
        .filter_map(|f| {
            Some((
                f.get("name")?.as_str()?.to_string(),
                None,
                f.get("text")?.as_str()?.to_string(),
            ))
        })
        .collect();
    let folder = crate::load::check_texts(std::path::PathBuf::from(policy), texts);
    folder
        .versions
        .into_iter()
        .find(|(l, _)| l == label)
        .and_then(|(_, r)| r.policy)
}
