//! The service's request path without HTTP: body bytes → bounded JSON → request envelope →
//! version selection → bounded input → decision, with hints and words when asked (what
//! `POST …/decisions` does).
#![no_main]

mod common;

use clausier::request::{DecisionRequest, Options, Selector, decide, parse_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = parse_json::<DecisionRequest>(data, 64) else { return };
    let Ok(selector) = Selector::parse(request.version, request.as_of) else { return };
    let folder = common::bts();
    // A fixed "today", so that a crash replays the same way on any day.
    let today = selector.as_of.or(chrono::NaiveDate::from_ymd_opt(2026, 11, 28)).unwrap_or_default();
    let Some(policy) = clausier::load::select(folder.compiled(), selector.version.as_deref(), today) else { return };
    // Hints (a bounded search) and sentences in words, when the body asks for them.
    let options = Options {
        explain: request.explain,
        hints: request.hints,
        words: request.words,
        ..Options::default()
    };
    if let Ok(decision) = decide(policy, &request.input, &options) {
        let _ = serde_json::to_vec(&decision);
    }
});
