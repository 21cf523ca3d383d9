//! Settling undetermined conclusions (`clausier::eval::settle`): a conclusion is decided when
//! every value the missing facts may take gives the same result. Checked here on generated
//! BTS candidates with facts missing: a settled answer only ever refines the three-valued one,
//! and every decided conclusion is what the candidate gets once its missing facts are filled
//! in, whatever they are filled with.

use std::path::Path;

use chrono::NaiveDate;
use clausier::decision::{Decision, Status, decide};
use clausier::load::load_folder;
use clausier::model::{CompiledPolicy, Lang, Type, Value};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rust_decimal::Decimal;

use crate::peers::cases;

const BTS: &str = "policies/bts-metiers-de-la-mesure";

/// A small deterministic generator (xorshift), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Some value of `ty`, from values near the policy's thresholds and dates.
fn any_value(p: &CompiledPolicy, ty: &Type, rng: &mut Rng) -> Value {
    match ty {
        Type::Bool => Value::Bool(rng.below(2) == 1),
        Type::Enum(e) => {
            let n = p.types.enums[*e].variants.len();
            Value::Enum(*e as u32, rng.below(n) as u32)
        }
        Type::Num { integral, .. } => {
            let whole = [0, 1, 2, 3, 4, 5, 8, 12, 50, 51, 60, 400];
            let n = Decimal::from(whole[rng.below(whole.len())]);
            if !*integral && rng.below(3) == 0 {
                Value::Num(n + Decimal::new(5, 1))
            } else {
                Value::Num(n)
            }
        }
        Type::Date => {
            let days = [
                "2025-09-01",
                "2026-04-17",
                "2026-09-01",
                "2027-04-16",
                "2027-04-17",
                "2027-06-01",
            ];
            Value::Date(NaiveDate::parse_from_str(days[rng.below(days.len())], "%Y-%m-%d").unwrap())
        }
        Type::Text => Value::Text("x".into()),
        Type::Optional(t) => {
            if rng.below(3) == 0 {
                Value::None
            } else {
                any_value(p, t, rng)
            }
        }
        Type::List(t) | Type::Set(t) => match &**t {
            Type::Enum(e) => {
                let n = p.types.enums[*e].variants.len() as u32;
                let mut items: Vec<Value> = (0..n)
                    .filter(|_| rng.below(2) == 1)
                    .map(|i| Value::Enum(*e as u32, i))
                    .collect();
                items.sort();
                Value::List(items.into())
            }
            _ => Value::List(Vec::new().into()),
        },
        _ => Value::None,
    }
}

/// `v` with every missing fact in it filled in.
fn complete(p: &CompiledPolicy, ty: &Type, v: &Value, rng: &mut Rng) -> Value {
    match (v, ty.base()) {
        (Value::Missing(_), _) => any_value(p, ty, rng),
        (Value::List(items), _) => {
            let elem = ty.element().cloned().unwrap_or(Type::Any);
            Value::List(
                items
                    .iter()
                    .map(|i| complete(p, &elem, i, rng))
                    .collect::<Vec<_>>()
                    .into(),
            )
        }
        (Value::Record(slots), Type::Record(r)) => {
            let fields = &p.types.records[*r].fields;
            Value::Record(
                slots
                    .iter()
                    .zip(fields)
                    .map(|(s, f)| complete(p, &f.ty, s, rng))
                    .collect::<Vec<_>>()
                    .into(),
            )
        }
        _ => v.clone(),
    }
}

fn candidates() -> Vec<Vec<u8>> {
    cases::mix(400)
}

#[test]
fn settling_only_decides_what_three_valued_logic_left_undetermined() {
    let folder = load_folder(Path::new(BTS)).unwrap();
    let policy = folder.version("session-2027").unwrap();
    let mut settled = 0;
    for bytes in candidates() {
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let facts = clausier::json::read_facts(policy, &json).unwrap();
        let plain = decide(policy, &facts, "", false, false, Lang::En);
        let better = decide(policy, &facts, "", false, true, Lang::En);
        for ((name, p), (_, b)) in plain.conclusions.0.iter().zip(&better.conclusions.0) {
            match p.status {
                Status::Undetermined => {
                    if b.status == Status::Decided {
                        settled += 1;
                    }
                    assert_ne!(b.status, Status::Error, "{name}: {b:?}");
                }
                _ => assert_eq!(
                    p, b,
                    "{name} changed although three-valued logic decided it"
                ),
            }
        }
    }
    // The mix has missing facts that cannot change some conclusions: some are settled.
    assert!(settled > 0, "no conclusion settled on the mix");
}

/// The conclusions decided on the partial record, and the candidate's decision once completed.
fn decided(d: &Decision) -> Vec<(&str, &clausier::decision::ConclusionResult)> {
    d.conclusions
        .0
        .iter()
        .filter(|(_, c)| c.status == Status::Decided)
        .map(|(n, c)| (&**n, c))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // A failure's seed is kept beside this file and tried first on every run after.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/integration/settle.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    /// Every conclusion decided on a record with facts missing is the conclusion of every
    /// completion of that record tried.
    #[test]
    fn a_decided_conclusion_is_that_of_every_completion(index in 0usize..400, seed in 1u64..u64::MAX) {
        thread_local! {
            static FOLDER: clausier::load::PolicyFolder = load_folder(Path::new(BTS)).unwrap();
            static CANDIDATES: Vec<Vec<u8>> = candidates();
        }
        let bytes = CANDIDATES.with(|c| c[index].clone());
        FOLDER.with(|folder| {
            let policy = folder.version("session-2027").unwrap();
            let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let facts = clausier::json::read_facts(policy, &json).unwrap();
            let partial = decide(policy, &facts, "", false, true, Lang::En);
            let mut rng = Rng(seed);
            let filled: Vec<Value> = facts
                .iter()
                .zip(&policy.inputs)
                .map(|(v, i)| complete(policy, &i.ty, v, &mut rng))
                .collect();
            let full = decide(policy, &filled, "", false, true, Lang::En);
            for (name, c) in decided(&partial) {
                let f = full.conclusions.get(name).unwrap();
                prop_assert_eq!(&c.value, &f.value, "{} of {}", name, String::from_utf8_lossy(&bytes));
            }
            Ok(())
        })?;
    }
}
