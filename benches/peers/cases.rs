//! The candidates the benchmarks and the equivalence test feed the three implementations: one
//! typical candidate, and a deterministic mix generated from a fixed seed (varied pathways,
//! internship durations, report contents, and missing facts).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    reason = "benchmark data: generated, never user input"
)]

use serde_json::{Map, Value, json};

/// A typical BTS candidate: a school pupil with twelve weeks of internship and a complete,
/// conforming report submitted on time (every conclusion decided).
pub const TYPICAL: &str = r#"{
  "candidate": {"id": "c-001", "pathway": "scolaire"},
  "internship": {
    "periods": [{"start": "2026-05-04", "end": "2026-07-24", "agreement_signed": true, "host": "LNE"}],
    "certificate_provided": true
  },
  "report": {
    "submitted_on": "2027-04-10",
    "pages": 45,
    "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion", "resume_anglais", "demarche_qsse"],
    "legal_analysis_pages": 3,
    "activities_analysed": 2,
    "qsse_pages": 3.5,
    "endorsed_by_host": true
  }
}"#;

/// The seed of the mix: change it and the published numbers no longer apply.
pub const SEED: u64 = 0x00c1_a05e_2027;

/// SplitMix64: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// `YYYY-MM-DD` of a day counted from 2024-01-01.
fn day(n: u64) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(n);
    d.format("%Y-%m-%d").to_string()
}

/// Puts `value` under `key` unless the fact is left out (`absent`).
fn put(map: &mut Map<String, Value>, key: &str, absent: bool, value: Value) {
    if !absent {
        map.insert(key.to_string(), value);
    }
}

/// One generated candidate.
pub fn candidate(rng: &mut Rng) -> Value {
    let pathway = match rng.below(100) {
        0..45 => Some("scolaire"),
        45..65 => Some("apprentissage"),
        65..82 => Some("formation_continue"),
        82..95 => Some("experience_professionnelle"),
        _ => None,
    };
    let mut input = Map::new();

    let mut candidate = Map::new();
    if rng.chance(60) {
        candidate.insert("id".into(), json!(format!("c-{:06}", rng.below(1_000_000))));
    }
    if let Some(p) = pathway {
        candidate.insert("pathway".into(), json!(p));
    }
    let formation_continue = pathway == Some("formation_continue") || pathway.is_none();
    if (formation_continue && rng.chance(85)) || rng.chance(5) {
        let situation = rng.pick(&["premiere_formation", "reconversion", "perfectionnement"]);
        candidate.insert("continuing_education".into(), json!(situation));
    }
    if rng.chance(15) {
        candidate.insert("distance_learning".into(), json!(rng.chance(50)));
    }
    input.insert("candidate".into(), Value::Object(candidate));

    // The internship: one to three periods from spring 2026, about twelve weeks in all (from
    // a few weeks to sixteen), or none.
    let mut internship = Map::new();
    let count = match rng.below(100) {
        0..10 => 0,
        10..70 => 1,
        70..95 => 2,
        _ => 3,
    };
    let mut next = 850 + rng.below(60);
    let periods: Vec<Value> = (0..count)
        .map(|_| {
            let total = if rng.chance(70) {
                12 + rng.below(3)
            } else {
                4 + rng.below(11)
            };
            let weeks = total / count;
            let start = next;
            let end = start + (7 * weeks).max(1) - 3 + rng.below(3);
            next = end + 3 + rng.below(30);
            let mut p = Map::new();
            p.insert("start".into(), json!(day(start)));
            p.insert("end".into(), json!(day(end)));
            put(
                &mut p,
                "agreement_signed",
                rng.chance(3),
                json!(rng.chance(92)),
            );
            if rng.chance(40) {
                p.insert("host".into(), json!("Laboratoire de métrologie"));
            }
            if rng.chance(10) {
                p.insert("abroad".into(), json!(rng.chance(50)));
            }
            Value::Object(p)
        })
        .collect();
    if !periods.is_empty() || rng.chance(30) {
        internship.insert("periods".into(), Value::Array(periods));
    }
    put(
        &mut internship,
        "certificate_provided",
        rng.chance(10),
        json!(rng.chance(85)),
    );
    if rng.chance(25) {
        let ground = rng.pick(&[
            "aucun",
            "force_majeure",
            "force_majeure",
            "formation_amenagee",
            "decision_de_positionnement",
        ]);
        internship.insert("reduction_ground".into(), json!(ground));
        internship.insert("rector_validated".into(), json!(rng.chance(70)));
    }
    input.insert("internship".into(), Value::Object(internship));

    if rng.chance(8) {
        input.insert(
            "exemption".into(),
            json!({"ground": rng.pick(&["aucune", "vae", "autre"]), "rector_validated": rng.chance(70)}),
        );
    }
    if pathway == Some("apprentissage") || rng.chance(5) {
        let mut a = Map::new();
        put(
            &mut a,
            "contract_copy",
            rng.chance(20),
            json!(rng.chance(70)),
        );
        put(
            &mut a,
            "employer_attestation",
            rng.chance(20),
            json!(rng.chance(50)),
        );
        input.insert("apprenticeship".into(), Value::Object(a));
    }

    // Employment: jobs from 2024 to 2027, some in métrologie with a certificate.
    let working = matches!(
        pathway,
        Some("formation_continue" | "experience_professionnelle") | None
    );
    if working || rng.chance(5) {
        let jobs: Vec<Value> = (0..rng.below(4))
            .map(|_| {
                let start = rng.below(1200);
                let end = start + rng.below(500);
                let mut j = Map::new();
                // Dates always present: clausier rejects a job without `start` (its
                // `require end >= start` reads the missing field as a value).
                j.insert("start".into(), json!(day(start)));
                j.insert("end".into(), json!(day(end)));
                put(&mut j, "full_time", rng.chance(3), json!(rng.chance(60)));
                let field = if rng.chance(75) {
                    "metrologie"
                } else {
                    "autre"
                };
                put(&mut j, "field", rng.chance(3), json!(field));
                put(&mut j, "certificate", rng.chance(4), json!(rng.chance(80)));
                Value::Object(j)
            })
            .collect();
        input.insert("employment".into(), Value::Array(jobs));
    }

    // The report: submitted around the deadline (2027-04-16), or not at all; most reports
    // meet the rules of 2.1.3, some break one or several.
    if rng.chance(95) {
        let mut r = Map::new();
        if rng.chance(88) {
            r.insert("submitted_on".into(), json!(day(1175 + rng.below(35))));
        }
        let pages = if rng.chance(90) {
            30 + rng.below(21)
        } else {
            51 + rng.below(10)
        };
        put(&mut r, "pages", rng.chance(5), json!(pages));
        if !rng.chance(4) {
            let all = [
                "presentation_entreprise",
                "analyse_juridique",
                "activites",
                "conclusion",
                "resume_anglais",
                "demarche_qsse",
            ];
            let parts: Vec<&str> = if rng.chance(85) {
                all.to_vec()
            } else {
                all.iter().copied().filter(|_| rng.chance(75)).collect()
            };
            r.insert("parts".into(), json!(parts));
        }
        let halves = if rng.chance(88) {
            4 + rng.below(5)
        } else {
            1 + rng.below(12)
        };
        let legal = if halves % 2 == 0 {
            json!(halves / 2)
        } else {
            json!(halves as f64 / 2.0)
        };
        put(&mut r, "legal_analysis_pages", rng.chance(4), legal);
        let activities = if rng.chance(88) {
            1 + rng.below(2)
        } else {
            rng.below(5)
        };
        put(
            &mut r,
            "activities_analysed",
            rng.chance(4),
            json!(activities),
        );
        let qsse = if rng.chance(88) {
            2 + rng.below(5)
        } else {
            1 + rng.below(12)
        };
        put(
            &mut r,
            "qsse_pages",
            rng.chance(4),
            json!(qsse as f64 / 2.0 + 1.0),
        );
        put(
            &mut r,
            "endorsed_by_host",
            rng.chance(5),
            json!(rng.chance(92)),
        );
        put(
            &mut r,
            "dossier_provided",
            rng.chance(50),
            json!(rng.chance(85)),
        );
        input.insert("report".into(), Value::Object(r));
    }
    if rng.chance(12) {
        input.insert("previous_attempt".into(), json!({"failed": rng.chance(80)}));
    }

    // A work contract of a particular type (2.3.1-3), mostly in formation continue; whether the
    // activities meet the référentiel is sometimes unknown.
    if (formation_continue && rng.chance(40)) || rng.chance(3) {
        let mut c = Map::new();
        put(
            &mut c,
            "special_work_contract",
            rng.chance(10),
            json!(rng.chance(75)),
        );
        put(
            &mut c,
            "activities_consistent",
            rng.chance(15),
            json!(rng.chance(80)),
        );
        put(
            &mut c,
            "employer_attestation",
            rng.chance(15),
            json!(rng.chance(80)),
        );
        input.insert("continuing_contract".into(), Value::Object(c));
    }
    Value::Object(input)
}

/// `n` candidates from the fixed seed, as JSON bytes.
pub fn mix(n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(SEED);
    (0..n)
        .map(|_| serde_json::to_vec(&candidate(&mut rng)).unwrap())
        .collect()
}

/// The input of every example of the BTS policy (all versions), as JSON bytes.
pub fn examples(policy_dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(policy_dir.join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let examples: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for e in examples {
            let name = format!("{} › {}", file.display(), e["name"].as_str().unwrap_or("?"));
            out.push((name, serde_json::to_vec(&e["input"]).unwrap()));
        }
    }
    out
}
