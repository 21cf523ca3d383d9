//! Policy text → parse → check → evaluate on an empty record, and the formatter's promise:
//! formatting keeps the meaning (the AST) and is idempotent.
#![no_main]

use clausier::format::format_policy;
use clausier::syntax::parse;
use clausier::span::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Cut at every declaration, as a large file is parsed on the cores, the text parses as it
    // does in one piece, or is refused with the same diagnostics.
    if let Some((cut, whole)) = clausier::syntax::parse_cut_and_whole(FileId(0), text) {
        assert_eq!(format!("{cut:?}"), format!("{whole:?}"), "parsed in parts:\n{text}");
    }
    let Ok(policy) = parse(FileId(0), text) else { return };
    let formatted = format_policy(&policy);
    let reparsed = parse(FileId(0), &formatted).unwrap_or_else(|d| panic!("formatted text does not parse: {d:?}\n{formatted}"));
    assert!(reparsed == policy, "formatting changed the meaning:\n{formatted}");
    assert_eq!(format_policy(&reparsed), formatted, "formatting is not idempotent");

    let folder = clausier::load::check_texts("fuzz".into(), vec![("fuzz.policy".into(), None, text.to_string())]);
    for compiled in folder.compiled() {
        let _ = clausier::json::json_schema(compiled);
        let options = clausier::request::Options { explain: true, ..Default::default() };
        let _ = clausier::request::decide(compiled, &serde_json::json!({}), &options);
    }
});
