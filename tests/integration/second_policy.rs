//! A second regulation, to show that the engine knows no particular one: the consumer's right
//! of withdrawal of the Code de la consommation (L221-18 to L221-21, L221-28), in
//! `tests/policies/retractation-consommation/`, with an illustrative layer that raises the
//! period to thirty days. Its examples live beside it in `tests/*.json`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::Path;

use clausier::decision::{ConclusionResult, Decision, Status};
use clausier::load::{PolicyFolder, load_folder};
use clausier::request::{Options, decide};
use serde_json::{Value, json};

const WITHDRAWAL: &str = "tests/policies/retractation-consommation";

fn withdrawal() -> PolicyFolder {
    load_folder(Path::new(WITHDRAWAL)).unwrap()
}

/// The decision on `input` under `version`, with its explanation.
fn decide_on(folder: &PolicyFolder, version: &str, input: &Value) -> Decision {
    let policy = folder.version(version).unwrap();
    let options = Options {
        explain: true,
        ..Options::default()
    };
    decide(policy, input, &options).unwrap()
}

fn conclusion<'d>(decision: &'d Decision, name: &str) -> &'d ConclusionResult {
    decision
        .conclusions
        .get(name)
        .unwrap_or_else(|| panic!("no conclusion `{name}`"))
}

fn clauses(c: &ConclusionResult) -> Vec<&str> {
    c.citations.iter().map(|c| &*c.clause).collect()
}

#[test]
fn both_versions_check_without_error_or_warning() {
    let folder = withdrawal();
    let found: Vec<String> = folder
        .all_diagnostics()
        .map(|d| d.render(&folder.sources, false))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    let mut labels: Vec<&str> = folder.compiled().map(|p| p.version.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(labels, ["code-2016", "illustration-30-jours"]);
}

#[test]
fn the_examples_pass_and_apply_every_rule() {
    let folder = withdrawal();
    let report = clausier::examples::run(&folder);
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(report.run >= 10, "only {} examples", report.run);
    assert!(
        report.uncovered(&folder).rules.is_empty(),
        "{:?}",
        report.uncovered(&folder).rules
    );
}

#[test]
fn goods_received_on_5_june_may_be_returned_until_19_june() {
    let folder = withdrawal();
    let decision = decide_on(
        &folder,
        "code-2016",
        &json!({
            "contract": {"kind": "vente_de_biens", "concluded_on": "2025-06-01"},
            "delivery": {"last_received_on": "2025-06-05"},
            "information": {"given_before_contract": true}
        }),
    );
    let deadline = conclusion(&decision, "withdrawal_deadline");
    assert_eq!(deadline.status, Status::Decided);
    assert_eq!(deadline.value, json!("2025-06-19"));
    assert_eq!(clauses(deadline), ["L221-18 al. 1", "L221-19 1°"]);
    let start = conclusion(&decision, "period_starts_on");
    assert_eq!(start.value, json!("2025-06-05"));
    assert_eq!(clauses(start), ["L221-18 2°", "L221-18 al. 3"]);
    assert!(
        start.citations[0].text.contains("De la réception du bien"),
        "the citation carries the text"
    );
}

#[test]
fn perishable_goods_have_no_right_and_the_set_cites_its_member() {
    let folder = withdrawal();
    let decision = decide_on(
        &folder,
        "code-2016",
        &json!({
            "contract": {"kind": "vente_de_biens", "concluded_on": "2025-06-01"},
            "delivery": {"last_received_on": "2025-06-02"},
            "information": {"given_before_contract": true},
            "goods": {"perishable": true},
            "withdrawal": {"sent_on": "2025-06-03"}
        }),
    );
    let exclusions = conclusion(&decision, "exclusions");
    assert_eq!(exclusions.value, json!(["bien_perissable"]));
    assert_eq!(clauses(exclusions), ["L221-28", "L221-28 4°"]);
    let status = conclusion(&decision, "withdrawal_status");
    assert_eq!(status.value, json!("sans_droit"));
    assert_eq!(clauses(status), ["L221-28"]);
}

#[test]
fn without_the_kind_of_contract_the_deadline_is_undetermined_and_names_it() {
    let folder = withdrawal();
    let decision = decide_on(
        &folder,
        "code-2016",
        &json!({
            "contract": {"concluded_on": "2025-06-01"},
            "information": {"given_before_contract": true}
        }),
    );
    let deadline = conclusion(&decision, "withdrawal_deadline");
    assert_eq!(deadline.status, Status::Undetermined);
    assert_eq!(deadline.value, Value::Null);
    assert_eq!(
        deadline.missing.as_deref(),
        Some(&["contract.kind".to_string()][..])
    );
    // The right itself does not depend on the kind when no good is excluded.
    let right = conclusion(&decision, "withdrawal_right");
    assert_eq!(right.status, Status::Decided);
    assert_eq!(right.value, json!(true));
}

#[test]
fn the_layer_overrides_the_period_and_the_clause_it_quotes() {
    let folder = withdrawal();
    let input = json!({
        "contract": {"kind": "prestation_de_services", "concluded_on": "2025-03-03"},
        "information": {"given_before_contract": true}
    });
    let code = decide_on(&folder, "code-2016", &input);
    let amended = decide_on(&folder, "illustration-30-jours", &input);
    assert_eq!(
        conclusion(&code, "withdrawal_deadline").value,
        json!("2025-03-17")
    );
    let deadline = conclusion(&amended, "withdrawal_deadline");
    assert_eq!(deadline.value, json!("2025-04-02"));
    assert_eq!(
        clauses(deadline),
        ["L221-18 al. 1", "L221-19 1°", "illustration-1"]
    );
    // The overridden clause is quoted as amended.
    assert!(
        deadline.citations[0].text.contains("trente jours"),
        "{}",
        deadline.citations[0].text
    );
    assert!(
        conclusion(&code, "withdrawal_deadline").citations[0]
            .text
            .contains("quatorze jours")
    );
}

#[test]
fn an_unknown_kind_of_contract_is_rejected_with_its_place_in_the_input() {
    let folder = withdrawal();
    let policy = folder.version("code-2016").unwrap();
    let errors = clausier::json::read_facts(
        policy,
        &json!({
            "contract": {"kind": "location", "concluded_on": "2025-06-01"},
            "information": {"given_before_contract": true}
        }),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].pointer, "/contract/kind");
    assert!(
        errors[0].message.contains("location"),
        "{}",
        errors[0].message
    );
}
