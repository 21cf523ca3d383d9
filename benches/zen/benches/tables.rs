//! One decision table, two engines, one criterion run: the income ceilings of a grant by
//! points de charge (ten rows, two input columns, first hit), as a clausier table and as a
//! GoRules ZEN (JDM) decision table. Both go from the candidate's JSON bytes to the answer's
//! JSON bytes, on the same eight candidates per iteration (one for each band the rows draw).
//!
//! `cargo bench --manifest-path benches/zen/Cargo.toml`; the figures are in benches/README.md.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use clausier::load::check_texts;
use clausier::request::{self, Options};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use zen_engine::DecisionEngine;
use zen_engine::model::DecisionContent;

/// The table in clausier's language.
const POLICY: &str = r#"
policy plafonds
version "bareme"

clause "1" section "Plafonds"
  | L'échelon est déterminé par le revenu du foyer et le nombre de points de charge.

unit euros
unit points

enum échelon = aucun | un | deux | trois

input foyer.revenu : decimal euros                        per "1"
input foyer.points_de_charge : integer points = 0 points  per "1"

conclusion échelon_obtenu : échelon
  table first
    columns      | foyer.points_de_charge | foyer.revenu
    row p0_trois | 0 points               | <= 12500.00 euros | gives trois  per "1"
    row p0_deux  | 0 points               | <= 18750.00 euros | gives deux   per "1"
    row p0_un    | 0 points               | <= 25000.00 euros | gives un     per "1"
    row p1_trois | [1 points .. 2 points] | <= 15500.00 euros | gives trois  per "1"
    row p1_deux  | [1 points .. 2 points] | <= 23250.00 euros | gives deux   per "1"
    row p1_un    | [1 points .. 2 points] | <= 31000.00 euros | gives un     per "1"
    row p3_trois | >= 3 points            | <= 18500.00 euros | gives trois  per "1"
    row p3_deux  | >= 3 points            | <= 27750.00 euros | gives deux   per "1"
    row p3_un    | >= 3 points            | <= 37000.00 euros | gives un     per "1"
    row au_delà  | -                      | -                 | gives aucun  per "1"
"#;

/// The same table as a JDM graph: input node → decision table node → output node.
fn jdm() -> Value {
    let rows = [
        ("0", "<= 12500", "trois"),
        ("0", "<= 18750", "deux"),
        ("0", "<= 25000", "un"),
        ("[1..2]", "<= 15500", "trois"),
        ("[1..2]", "<= 23250", "deux"),
        ("[1..2]", "<= 31000", "un"),
        (">= 3", "<= 18500", "trois"),
        (">= 3", "<= 27750", "deux"),
        (">= 3", "<= 37000", "un"),
        ("", "", "aucun"),
    ];
    let rules: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (points, revenu, echelon))| {
            json!({
                "_id": format!("r{i}"),
                "points": points,
                "revenu": revenu,
                "echelon": format!("\"{echelon}\""),
            })
        })
        .collect();
    json!({
        "nodes": [
            { "id": "in", "name": "request", "type": "inputNode", "content": {} },
            {
                "id": "table", "name": "plafonds", "type": "decisionTableNode",
                "content": {
                    "hitPolicy": "first",
                    "inputs": [
                        { "id": "points", "name": "points de charge", "field": "foyer.points_de_charge" },
                        { "id": "revenu", "name": "revenu", "field": "foyer.revenu" }
                    ],
                    "outputs": [ { "id": "echelon", "name": "échelon", "field": "échelon_obtenu" } ],
                    "rules": rules
                }
            },
            { "id": "out", "name": "response", "type": "outputNode", "content": {} }
        ],
        "edges": [
            { "id": "e1", "sourceId": "in", "targetId": "table" },
            { "id": "e2", "sourceId": "table", "targetId": "out" }
        ]
    })
}

/// Eight candidates, one in each band the rows draw.
fn candidates() -> Vec<Vec<u8>> {
    [
        (0, "12000.00"),
        (0, "24000.00"),
        (1, "15000.00"),
        (2, "30000.00"),
        (3, "18000.00"),
        (5, "27000.00"),
        (4, "36999.99"),
        (2, "45000.00"),
    ]
    .iter()
    .map(|(points, revenu)| {
        format!(r#"{{"foyer": {{"revenu": {revenu}, "points_de_charge": {points}}}}}"#).into_bytes()
    })
    .collect()
}

fn tables(c: &mut Criterion) {
    let folder = check_texts(
        PathBuf::from("."),
        vec![("bareme.policy".into(), None, POLICY.into())],
    );
    let policy = folder.version("bareme").expect("the table checks");
    let options = Options::default();
    let clausier_decide = |bytes: &[u8]| -> Vec<u8> {
        let decision = request::decide_bytes(policy, bytes, &options).expect("a valid candidate");
        serde_json::to_vec(&decision).expect("serialisable")
    };

    let engine = DecisionEngine::default();
    let content: DecisionContent = serde_json::from_value(jdm()).expect("a JDM graph");
    let mut decision = engine.create_decision(Arc::new(content)).expect("a graph");
    decision.compile();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let zen_decide = |bytes: &[u8]| -> Vec<u8> {
        let input: Value = serde_json::from_slice(bytes).expect("JSON");
        let response = runtime
            .block_on(decision.evaluate(input.into()))
            .expect("ZEN decides");
        serde_json::to_vec(&response.result).expect("serialisable")
    };

    // Both engines give the same échelons.
    let inputs = candidates();
    for bytes in &inputs {
        let ours: Value = serde_json::from_slice(&clausier_decide(bytes)).expect("JSON");
        let theirs: Value = serde_json::from_slice(&zen_decide(bytes)).expect("JSON");
        assert_eq!(
            ours["conclusions"]["échelon_obtenu"]["value"],
            theirs["échelon_obtenu"],
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }

    let mut group = c.benchmark_group("table");
    group.bench_function("clausier", |b| {
        b.iter(|| {
            for bytes in &inputs {
                black_box(clausier_decide(black_box(bytes)));
            }
        });
    });
    group.bench_function("zen", |b| {
        b.iter(|| {
            for bytes in &inputs {
                black_box(zen_decide(black_box(bytes)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, tables);
criterion_main!(benches);
