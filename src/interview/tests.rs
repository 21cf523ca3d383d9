//! Unit tests of the interview: ranking, and questions that cannot matter.

#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use serde_json::json;

use super::{Candidate, rank};
use crate::load::check_texts;
use crate::request::{InterviewOptions, interview};

const POLICY: &str = r#"
policy demo
version "v1"
clause "a" section "1"
  | Rule a.
clause "b" section "1"
  | Rule b.
enum kind = school | work
input late : bool
input kind : kind
input school_ok : bool = false
input work_ok : bool
input pages : integer
conclusion admitted : bool
  rule no gives false per "a"
  exception school of no when kind = school and school_ok gives true per "a"
  exception work of no when kind = work and work_ok gives true per "b"
conclusion penalty : bool
  rule no_penalty gives false per "b"
  exception late_school of no_penalty when late and kind = school gives true per "b"
  exception long of no_penalty when pages > 10 gives true per "b"
"#;

fn ask(input: serde_json::Value, conclusions: Option<&[&str]>) -> Vec<String> {
    let folder = check_texts(
        "demo".into(),
        vec![("demo.policy".into(), None, POLICY.into())],
    );
    let policy = folder.version("v1").unwrap();
    let options = InterviewOptions {
        conclusions: conclusions.map(|c| c.iter().map(|s| s.to_string()).collect()),
        ..InterviewOptions::default()
    };
    let i = interview(policy, &input, &options).unwrap();
    i.questions.into_iter().map(|q| q.path).collect()
}

#[test]
fn ranking_puts_inputs_that_more_conclusions_miss_first_then_declaration_order() {
    let c = |slot, n: usize| Candidate {
        slot,
        conclusions: (0..n).collect(),
    };
    let mut candidates = vec![c(0, 1), c(3, 2), c(1, 1), c(2, 2)];
    rank(&mut candidates);
    let slots: Vec<usize> = candidates.iter().map(|c| c.slot).collect();
    assert_eq!(slots, [2, 3, 0, 1]);
}

#[test]
fn the_input_both_conclusions_need_comes_first() {
    // `kind` is missed by both conclusions, `late` (declared first) by one.
    assert_eq!(
        ask(json!({}), None),
        ["kind", "late", "school_ok", "work_ok", "pages"]
    );
    // Only the wanted conclusions count.
    assert_eq!(
        ask(json!({}), Some(&["admitted"])),
        ["kind", "school_ok", "work_ok"]
    );
}

#[test]
fn answers_that_close_a_branch_remove_its_questions() {
    // Work: `school_ok` and `late` cannot change anything any more.
    assert_eq!(ask(json!({"kind": "work"}), None), ["work_ok", "pages"]);
    // Late at school with a missing page count: the penalty is decided either way.
    assert_eq!(
        ask(json!({"kind": "school", "late": true}), None),
        ["school_ok"]
    );
}

#[test]
fn a_scolaire_candidate_is_never_asked_about_the_apprenticeship() {
    let folder =
        crate::load::load_folder(std::path::Path::new("policies/bts-metiers-de-la-mesure"))
            .unwrap();
    let policy = folder.version("session-2027").unwrap();
    let ask = |input| {
        let i = interview(policy, &input, &InterviewOptions::default()).unwrap();
        i.questions.into_iter().map(|q| q.path).collect::<Vec<_>>()
    };
    // Before the pathway is known, the apprenticeship may matter.
    let first = ask(json!({}));
    assert_eq!(first[0], "candidate.pathway");
    assert!(
        first.iter().any(|p| p.starts_with("apprenticeship.")),
        "{first:?}"
    );
    let scolaire = ask(json!({"candidate": {"pathway": "scolaire"}}));
    assert!(!scolaire.is_empty());
    assert!(
        !scolaire.iter().any(|p| p.starts_with("apprenticeship.")),
        "{scolaire:?}"
    );
}
