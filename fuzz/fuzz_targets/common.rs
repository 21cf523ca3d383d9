//! The BTS policy, compiled once for the JSON fuzzers.

use std::sync::OnceLock;

use clausier::load::{PolicyFolder, check_texts};

const FILES: [(&str, &str); 4] = [
    ("annexe-ivb.policy", include_str!("../../policies/bts-metiers-de-la-mesure/annexe-ivb.policy")),
    ("session-2026.policy", include_str!("../../policies/bts-metiers-de-la-mesure/session-2026.policy")),
    ("session-2027.policy", include_str!("../../policies/bts-metiers-de-la-mesure/session-2027.policy")),
    ("mayotte-2025.policy", include_str!("../../policies/bts-metiers-de-la-mesure/mayotte-2025.policy")),
];

pub fn bts() -> &'static PolicyFolder {
    static FOLDER: OnceLock<PolicyFolder> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let texts = FILES.iter().map(|(n, t)| ((*n).to_string(), None, (*t).to_string())).collect();
        check_texts("bts-metiers-de-la-mesure".into(), texts)
    })
}
