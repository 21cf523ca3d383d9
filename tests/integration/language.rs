//! What the language offers a regulation's author beyond the BTS annex: definitions a layer
//! computes otherwise, values narrowed by a test of presence, invariants on the policy's own
//! inputs, and the clauses of parameters reaching decisions.

use std::path::PathBuf;

use clausier::decision::{Decision, Status};
use clausier::load::{PolicyFolder, check_texts};
use clausier::request::{Options, decide};
use serde_json::{Value, json};

/// A folder of policy files from texts, each named `<label>.policy`.
fn folder(files: &[(&str, &str)]) -> PolicyFolder {
    let texts = files
        .iter()
        .map(|(name, text)| (format!("{name}.policy"), None, (*text).to_string()))
        .collect();
    check_texts(PathBuf::from("."), texts)
}

fn errors(folder: &PolicyFolder) -> Vec<String> {
    folder
        .all_diagnostics()
        .map(|d| d.render(&folder.sources, false))
        .collect()
}

fn decision(folder: &PolicyFolder, version: &str, input: Value) -> Decision {
    let policy = folder
        .version(version)
        .unwrap_or_else(|| panic!("{:?}", errors(folder)));
    decide(policy, &input, &Options::default()).unwrap()
}

fn value(d: &Decision, name: &str) -> Value {
    serde_json::to_value(d.conclusions.get(name).unwrap()).unwrap()["value"].clone()
}

const BASE: &str = r#"
policy stage
version "bareme"
effective from 2021-09-01

clause "3-1" section "3"
  | La durée du stage est de douze semaines; les semaines à l'étranger comptent pour moitié.
record period
  weeks : integer weeks
  abroad : bool = false

input internship.periods : list of period = []             per "3-1"

definition counted(p : period) : integer weeks             per "3-1"
  = if p.abroad then floor(p.weeks / 2) else p.weeks

definition done : integer weeks                            per "3-1"
  = sum of counted(p) for p in internship.periods

conclusion enough : bool
  rule long_enough
    when done >= 12 weeks
    gives true
    per "3-1"
  rule too_short
    when done < 12 weeks
    gives false
    per "3-1"
"#;

const SESSION: &str = r#"
policy stage
version "session-2027"
effective from 2026-09-01
extends "bareme"

clause "3-2" section "3"
  | Elles comptent entières à partir de la session 2027.

override definition counted(p : period) : integer weeks    per "3-2"
  = p.weeks
"#;

#[test]
fn a_layer_computes_a_definition_otherwise() {
    let folder = folder(&[("bareme", BASE), ("session-2027", SESSION)]);
    assert!(errors(&folder).is_empty(), "{:?}", errors(&folder));
    let abroad = json!({"internship": {"periods": [{"weeks": 8}, {"weeks": 6, "abroad": true}]}});
    // 8 + 6/2 = 11 weeks under the annex; 8 + 6 = 14 under the session.
    assert_eq!(
        value(&decision(&folder, "bareme", abroad.clone()), "enough"),
        json!(false)
    );
    let d = decision(&folder, "session-2027", abroad);
    assert_eq!(value(&d, "enough"), json!(true));
    assert_eq!(d.conclusions.get("enough").unwrap().status, Status::Decided);
}

#[test]
fn the_diff_shows_the_definition_computed_otherwise() {
    let folder = folder(&[("bareme", BASE), ("session-2027", SESSION)]);
    let (from, to) = (
        folder.version("bareme").unwrap(),
        folder.version("session-2027").unwrap(),
    );
    let diff = clausier::diff::diff(from, to);
    let changed: Vec<String> = diff.definitions.iter().map(|d| d.name.clone()).collect();
    assert_eq!(changed, ["counted"], "{:#?}", diff.definitions);
}

#[test]
fn an_override_of_a_definition_nobody_declared_is_refused() {
    let session = SESSION.replace("override definition counted", "override definition compted");
    let folder = folder(&[("bareme", BASE), ("session-2027", &session)]);
    let found = errors(&folder).join("\n");
    assert!(
        found.contains("there is no definition `compted` to override"),
        "{found}"
    );
    assert!(found.contains("did you mean `counted`?"), "{found}");
}

#[test]
fn fmt_keeps_an_overridden_definition() {
    use clausier::span::FileId;
    let formatted = clausier::format::format_source(FileId::default(), SESSION).unwrap();
    assert!(
        formatted.contains("override definition counted(p : period) : integer weeks"),
        "{formatted}"
    );
    let again = clausier::format::format_source(FileId::default(), &formatted).unwrap();
    assert_eq!(formatted, again);
    assert_eq!(
        clausier::syntax::parse(FileId::default(), SESSION).unwrap(),
        clausier::syntax::parse(FileId::default(), &formatted).unwrap()
    );
}

const BIRTH: &str = r#"
policy naissance
version "v1"

clause "1" section "1"
  | La date de référence est la plus tardive de la date de naissance et de la date limite.

record period
  start : date
  end : optional date

input candidate.birth : optional date                      per "1"
input periods : list of period = []                        per "1"
parameter cutoff = 2008-09-01                              per "1"

conclusion reference : date
  rule known
    when candidate.birth is present
    gives max(candidate.birth, cutoff)
    per "1"
  rule unknown
    when candidate.birth is absent
    gives cutoff
    per "1"

conclusion reference_if : date
  rule r
    gives if candidate.birth is absent then cutoff else min(candidate.birth, cutoff)
    per "1"

conclusion before_cutoff : bool
  rule r
    gives candidate.birth is absent or candidate.birth < cutoff
    per "1"

conclusion every_period_closed_in_order : bool
  rule r
    gives every p in periods satisfies (p.end is present and max(p.end, p.start) = p.end)
    per "1"
"#;

#[test]
fn a_value_tested_present_has_its_plain_type_where_the_test_holds() {
    let folder = folder(&[("v1", BIRTH)]);
    assert!(errors(&folder).is_empty(), "{:?}", errors(&folder));
    let born = decision(
        &folder,
        "v1",
        json!({"candidate": {"birth": "2009-01-15"}, "periods": [{"start": "2026-05-04", "end": "2026-06-12"}]}),
    );
    assert_eq!(value(&born, "reference"), json!("2009-01-15"));
    assert_eq!(value(&born, "reference_if"), json!("2008-09-01"));
    assert_eq!(value(&born, "before_cutoff"), json!(false));
    assert_eq!(value(&born, "every_period_closed_in_order"), json!(true));
    // Absent: the tests fail, and the other branches give the values.
    let unborn = decision(
        &folder,
        "v1",
        json!({"candidate": {"birth": null}, "periods": [{"start": "2026-05-04"}]}),
    );
    assert_eq!(value(&unborn, "reference"), json!("2008-09-01"));
    assert_eq!(value(&unborn, "reference_if"), json!("2008-09-01"));
    assert_eq!(value(&unborn, "before_cutoff"), json!(true));
    assert_eq!(value(&unborn, "every_period_closed_in_order"), json!(false));
    // An optional input left out is none, as `null` is.
    let silent = decision(&folder, "v1", json!({}));
    assert_eq!(value(&silent, "reference"), json!("2008-09-01"));
}

#[test]
fn a_test_narrows_only_where_it_holds() {
    // After `or`, the right side is read where the left fails: `is present` there narrows
    // nothing, and `max` still refuses the optional value.
    let policy = BIRTH.replace(
        "gives candidate.birth is absent or candidate.birth < cutoff",
        "gives candidate.birth is present or max(candidate.birth, cutoff) = cutoff",
    );
    let found = errors(&folder(&[("v1", &policy)])).join("\n");
    assert!(found.contains("`max` takes two numbers"), "{found}");
}

/// A double negation narrows as the test it negates twice: where `not (x is present)` fails, `x`
/// is present (`or` reads its right side there).
#[test]
fn a_test_negated_twice_narrows_where_it_fails() {
    let policy = format!(
        "{BIRTH}\nconclusion before_cutoff_negated : bool\n  rule r\n    \
         gives not (candidate.birth is present) or max(candidate.birth, cutoff) = cutoff\n    per \"1\"\n"
    );
    let folder = folder(&[("v1", &policy)]);
    assert!(errors(&folder).is_empty(), "{:?}", errors(&folder));
    let born = decision(&folder, "v1", json!({"candidate": {"birth": "2009-01-15"}}));
    assert_eq!(value(&born, "before_cutoff_negated"), json!(false));
    let unborn = decision(&folder, "v1", json!({}));
    assert_eq!(value(&unborn, "before_cutoff_negated"), json!(true));
}

const AGGREGATES: &str = r#"
policy aggregates
version "v1"

clause "1" section "1"
  | Un stage dont une période reste ouverte n'est pas clos.

record period
  start : date
  end : optional date

input periods : list of period = []                        per "1"

conclusion closed : bool
  rule open
    when any p in periods where p.end is absent
    gives false
    per "1"
  rule also_open
    when any p in periods where p.end is absent
    gives true
    per "1"
  rule otherwise
    when every p in periods satisfies p.end is present
    gives true
    per "1"
"#;

/// Rules whose conditions are the same `any` are told to conflict; an `every` of the same
/// list is another condition.
#[test]
fn rules_with_one_aggregate_condition_conflict_and_any_is_not_every() {
    let found = errors(&folder(&[("v1", AGGREGATES)])).join("\n");
    assert!(
        found.contains("rules `open` and `also_open` of `closed` apply in the same cases"),
        "{found}"
    );
    assert_eq!(
        found.matches("apply in the same cases").count(),
        1,
        "{found}"
    );
    // `any … absent` and `every … absent` are not the same condition: no conflict.
    let apart = AGGREGATES
        .replace(
            "  rule also_open\n    when any p in periods where p.end is absent\n    gives true\n    per \"1\"\n",
            "",
        )
        .replace(
            "when every p in periods satisfies p.end is present",
            "when every p in periods satisfies p.end is absent",
        );
    let found = errors(&folder(&[("v1", &apart)])).join("\n");
    assert!(!found.contains("apply in the same cases"), "{found}");
}

const FEATURES: &str = r#"
policy features
version "v1"

clause "1" section "1"
  | Le candidat justifie de deux ans d'activité et de trois emplois au moins, tous déclarés.

record job
  start : date
  end : date
  declared : bool

input jobs : list of job = []                              per "1"
input note : optional text                                 per "1"
input service : integer months = 0 months                  per "1"
input contract : decimal years = 0 years                   per "1"

definition days_worked : integer days                      per "1"
  = sum of (j.end - j.start) for j in jobs

conclusion jobs_count : integer
  rule r
    gives count of j in jobs where j.declared
    per "1"

conclusion all_declared : bool
  rule r
    gives every j in jobs satisfies j.declared
    per "1"

conclusion years_of_service : integer years
  rule r
    gives floor(service as years)
    per "1"

conclusion weeks_worked : integer weeks
  rule r
    gives floor(days_worked as weeks)
    per "1"

conclusion contract_months : integer months
  rule r
    gives floor(contract as months)
    per "1"

conclusion has_note : bool
  rule r
    gives note is present
    per "1"
"#;

#[test]
fn count_every_conversions_and_null_are_evaluated() {
    let folder = folder(&[("v1", FEATURES)]);
    assert!(errors(&folder).is_empty(), "{:?}", errors(&folder));
    let jobs = json!([
        {"start": "2020-01-01", "end": "2021-01-01", "declared": true},
        {"start": "2021-01-01", "end": "2022-07-01", "declared": true},
        {"start": "2022-07-01", "end": "2022-08-01", "declared": false}
    ]);
    let d = decision(
        &folder,
        "v1",
        json!({"jobs": jobs, "note": null, "service": 30, "contract": 1.7}),
    );
    assert_eq!(value(&d, "jobs_count"), json!(2));
    assert_eq!(value(&d, "all_declared"), json!(false));
    // 30 months are 2.5 years; 366 + 546 + 31 = 943 days are 134.7 weeks.
    assert_eq!(value(&d, "years_of_service"), json!(2));
    assert_eq!(value(&d, "weeks_worked"), json!(134));
    // 1.7 years are 20.4 months.
    assert_eq!(value(&d, "contract_months"), json!(20));
    // `null` is absence: the optional note is none.
    assert_eq!(value(&d, "has_note"), json!(false));
}

#[test]
fn every_is_three_valued() {
    let folder = folder(&[("v1", FEATURES)]);
    // One job undeclared decides `every` whatever the unknown one says.
    let d = decision(
        &folder,
        "v1",
        json!({"jobs": [
            {"start": "2020-01-01", "end": "2021-01-01", "declared": false},
            {"start": "2021-01-01", "end": "2022-01-01"}
        ]}),
    );
    assert_eq!(value(&d, "all_declared"), json!(false));
    // Every known one declared, one unknown: undetermined, the fact named.
    let d = decision(
        &folder,
        "v1",
        json!({"jobs": [
            {"start": "2020-01-01", "end": "2021-01-01", "declared": true},
            {"start": "2021-01-01", "end": "2022-01-01"}
        ]}),
    );
    let all = d.conclusions.get("all_declared").unwrap();
    assert_eq!(all.status, Status::Undetermined);
    assert_eq!(all.missing.as_deref().unwrap(), ["jobs[1].declared"]);
    // No job: `every` holds.
    let d = decision(&folder, "v1", json!({"jobs": []}));
    assert_eq!(value(&d, "all_declared"), json!(true));
}

const MONEY: &str = r#"
policy bourse
version "v"

clause "1" section "1"
  | Le montant est majoré de 6 % puis arrondi au centime le plus proche.

unit euros

input base : decimal euros                                 per "1"
parameter majoration = 6 %                                 per "1"

conclusion montant : decimal euros
  rule r
    gives round(base * (1 + majoration), 0.01 euros)
    per "1"

conclusion au_dixieme_pair : decimal euros
  rule r
    gives round_half_even(base, 0.1 euros)
    per "1"

conclusion par_exces : integer euros
  rule r
    gives ceil(base)
    per "1"

conclusion par_tranche_de_5 : integer euros
  rule r
    gives floor(base, 5 euros)
    per "1"

conclusion a_l_euro : integer euros
  rule r
    gives round(base)
    per "1"
"#;

#[test]
fn rates_and_roundings_say_their_rule_and_keep_the_scale_of_their_step() {
    let folder = folder(&[("v", MONEY)]);
    assert!(errors(&folder).is_empty(), "{:?}", errors(&folder));
    let d = decision(&folder, "v", json!({"base": 397.925}));
    let json = serde_json::to_string(&d).unwrap();
    // 397.925 × 1.06 = 421.8005: to the cent, half up, with two decimals.
    assert!(
        json.contains(r#""montant":{"status":"decided","value":421.80,"#),
        "{json}"
    );
    // 3,979.25 tenths: the half goes to the even 3,979.
    assert_eq!(value(&d, "au_dixieme_pair"), json!(397.9));
    assert_eq!(value(&d, "par_exces"), json!(398));
    assert_eq!(value(&d, "par_tranche_de_5"), json!(395));
    assert_eq!(value(&d, "a_l_euro"), json!(398));
    // A half rounds away from zero with `round`, to the even multiple with `round_half_even`.
    // `ceil` goes up from any fraction, even below the half.
    let d = decision(&folder, "v", json!({"base": 2.5}));
    assert_eq!(value(&d, "a_l_euro"), json!(3));
    assert_eq!(value(&d, "au_dixieme_pair"), json!(2.5));
    assert_eq!(value(&d, "par_exces"), json!(3));
    let d = decision(&folder, "v", json!({"base": 0.25}));
    assert_eq!(value(&d, "au_dixieme_pair"), json!(0.2));
    assert_eq!(value(&d, "par_exces"), json!(1));
}

#[test]
fn a_rounding_step_is_a_positive_constant_of_the_unit() {
    for (step, said) in [
        ("base", "the step of `round` must be a positive constant"),
        ("0 euros", "the step of `round` must be a positive constant"),
        ("0.01", "the step of `round` must be a `decimal euros`"),
    ] {
        let policy = MONEY.replace(
            "round(base * (1 + majoration), 0.01 euros)",
            &format!("round(base, {step})"),
        );
        let found = errors(&folder(&[("v", &policy)])).join("\n");
        assert!(found.contains(said), "{step}: {found}");
    }
}

#[test]
fn fmt_keeps_rates_and_roundings() {
    use clausier::span::FileId;
    let formatted = clausier::format::format_source(FileId::default(), MONEY).unwrap();
    assert!(
        formatted.contains("parameter majoration = 6 %"),
        "{formatted}"
    );
    assert!(
        formatted.contains("round(base * (1 + majoration), 0.01 euros)"),
        "{formatted}"
    );
}

/// The illustrative grant in `tests/policies/bourse-criteres-sociaux/`: French names, money,
/// a rate and a rounding, a date narrowed by a test, and a layer that computes a definition
/// otherwise. Both versions check without a finding, and the examples pass and exercise every
/// rule and clause.
#[test]
fn the_grant_checks_clean_and_its_examples_pass_with_full_coverage() {
    let folder = clausier::load::load_folder(std::path::Path::new(
        "tests/policies/bourse-criteres-sociaux",
    ))
    .unwrap();
    assert!(errors(&folder).is_empty(), "{:?}", errors(&folder));
    assert_eq!(folder.compiled().count(), 2);
    let report = clausier::examples::run(&folder);
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(report.run, 9);
    let uncovered = report.uncovered(&folder);
    assert!(
        uncovered.rules.is_empty() && uncovered.clauses.is_empty(),
        "{uncovered:?}"
    );
}

/// A `require` on the policy's own inputs: a record that breaks it is refused at the input's
/// pointer, in the policy's words, whichever reader reads it; one it cannot judge (the fact
/// missing) is decided.
#[test]
fn an_input_requirement_refuses_the_record_at_the_inputs_pointer() {
    use clausier::request::{RequestError, decide_bytes};
    let folder = clausier::load::load_folder(std::path::Path::new(
        "tests/policies/bourse-criteres-sociaux",
    ))
    .unwrap();
    let policy = folder.version("bareme-2026").unwrap();
    let options = Options::default();
    // The careful reader (from a value) and the direct one (from bytes) refuse it alike.
    let input = json!({"foyer": {"revenu": -5.00}});
    let refused = decide(policy, &input, &options);
    let Err(RequestError::Invalid(errors)) = refused else {
        panic!("{input}: {refused:?}")
    };
    assert!(
        errors.iter().any(|e| e.pointer == "/foyer/revenu"
            && e.message == "le revenu du foyer ne peut pas être négatif"),
        "{errors:?}"
    );
    let bytes = br#"{"foyer": {"revenu": -5.00}}"#;
    let Err(RequestError::Invalid(errors)) = decide_bytes(policy, bytes, &options) else {
        panic!("the direct reader decided a broken record")
    };
    assert_eq!(errors[0].pointer, "/foyer/revenu");
    // Unknown income: nothing to judge, and the échelon stays undetermined.
    let d = decide(policy, &json!({}), &options).unwrap();
    assert_eq!(
        d.conclusions.get("échelon_obtenu").unwrap().status,
        Status::Undetermined
    );
}

#[test]
fn an_input_requirement_reads_inputs_and_parameters_only() {
    let policy = MONEY.replace(
        "input base : decimal euros                                 per \"1\"",
        "input base : decimal euros                                 per \"1\"\n  require montant >= 0.00 euros else \"négatif\"",
    );
    let found = errors(&folder(&[("v", &policy)])).join("\n");
    assert!(
        found.contains("reads a definition or a conclusion"),
        "{found}"
    );
}

#[test]
fn an_input_requirement_is_stated_in_the_input_schema() {
    let folder = clausier::load::load_folder(std::path::Path::new(
        "tests/policies/bourse-criteres-sociaux",
    ))
    .unwrap();
    let schema = clausier::json::json_schema(folder.version("bareme-2026").unwrap());
    let description = schema["properties"]["foyer"]["properties"]["revenu"]["description"]
        .as_str()
        .unwrap();
    assert!(
        description.ends_with("It must meet, or the record is refused: `foyer.revenu >= 0.00 euros` (else: le revenu du foyer ne peut pas être négatif)."),
        "{description}"
    );
}

/// A quantity in words takes its unit's singular below 2 in French (`1,5 semaine`) and for
/// exactly 1 in English (`1 week`), its plural otherwise.
#[test]
fn a_quantity_in_words_takes_the_singular_or_plural_of_its_unit() {
    let policy = r#"
policy grant
version "v1"
clause "1" section "1"
  | La durée est déclarée.
unit semaines
input duration : decimal semaines    per "1"
conclusion long : bool
  rule long when duration >= 1 semaines gives true per "1"
  exception short of long when duration < 1 semaines gives false per "1"
label duration "durée"
  en "duration"
label semaines "semaines"
  singular "semaine"
  en "weeks"
  singular en "week"
"#;
    let folder = folder(&[("grant", policy)]);
    assert!(errors(&folder).is_empty(), "{:?}", errors(&folder));
    let because = |duration: &str, lang: clausier::model::Lang| {
        let options = Options {
            lang,
            ..Options::default()
        };
        let input = json!({ "duration": serde_json::from_str::<Value>(duration).unwrap() });
        let d = decide(folder.version("v1").unwrap(), &input, &options).unwrap();
        serde_json::to_value(d.conclusions.get("long").unwrap()).unwrap()["because"].to_string()
    };
    use clausier::model::Lang::{En, Fr};
    for (duration, lang, said) in [
        ("1.5", Fr, "Durée : 1,5 semaine"),
        ("2", Fr, "Durée : 2 semaines"),
        ("1", En, "Duration: 1 week"),
        ("1.5", En, "Duration: 1.5 weeks"),
        ("2", En, "Duration: 2 weeks"),
    ] {
        let said_here = because(duration, lang);
        assert!(said_here.contains(said), "{duration} {lang:?}: {said_here}");
    }
}
