//! Arbitrary JSON bodies → input validation → decision, on every version of the BTS policy.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = clausier::request::Options { explain: true, ..Default::default() };
    for policy in common::bts().compiled() {
        if let Ok(decision) = clausier::request::decide_bytes(policy, data, &options) {
            let _ = serde_json::to_vec(&decision);
        }
    }
});
