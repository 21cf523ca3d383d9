//! Arbitrary JSON bodies → input validation → decision, on every version of the BTS policy.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = clausier::request::parse_json::<serde_json::Value>(data, 64) else { return };
    for policy in common::bts().compiled() {
        if let Ok(facts) = clausier::input::read_facts(policy, &input) {
            let decision = clausier::decision::decide(policy, &facts, true);
            let _ = serde_json::to_vec(&decision);
        }
    }
});
