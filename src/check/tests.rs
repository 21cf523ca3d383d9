//! Unit tests of the checker: layers, overrides, citations, types and units.

#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use crate::load::{PolicyFolder, check_texts};
use crate::model::Value;

const BASE: &str = r#"
policy demo
version "base"
effective from 2021-09-01
clause "a" section "1"
  | Rule a.
clause "ctx" section "0" informative
  | Context only.
unit pages
parameter normal = 12 weeks per "a"
parameter deadline : date per "a"
input pages : integer pages
conclusion long : bool
  rule r when pages > 50 pages gives true per "a"
  exception short of r when pages <= 50 pages gives false per "a"
"#;

fn folder(files: &[(&str, &str)]) -> PolicyFolder {
    check_texts(
        "demo".into(),
        files
            .iter()
            .map(|(n, t)| ((*n).to_string(), None, (*t).to_string()))
            .collect(),
    )
}

fn codes(f: &PolicyFolder) -> Vec<&'static str> {
    f.all_diagnostics().map(|d| d.code.as_str()).collect()
}

#[test]
fn a_layer_inherits_and_overrides_parameters() {
    let layer = "policy demo\nversion \"s1\"\nextends \"base\"\noverride parameter deadline = 2027-04-16 per \"a\"\n";
    let f = folder(&[("base.policy", BASE), ("s1.policy", layer)]);
    assert!(f.is_ok(), "{:?}", codes(&f));
    let base = f.version("base").unwrap();
    let s1 = f.version("s1").unwrap();
    let deadline = |p: &crate::model::CompiledPolicy| {
        p.params
            .iter()
            .find(|p| p.name == "deadline")
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(deadline(base), None);
    assert_eq!(
        deadline(s1),
        Some(Value::Date(
            chrono::NaiveDate::from_ymd_opt(2027, 4, 16).unwrap()
        ))
    );
    assert_eq!(s1.conclusions.len(), 1);
    assert_ne!(base.sha256, s1.sha256);
}

#[test]
fn overrides_must_name_something_and_keep_its_type() {
    let bad = "policy demo\nversion \"s1\"\nextends \"base\"\noverride parameter deadlin = 2027-04-16 per \"a\"\n";
    let f = folder(&[("base.policy", BASE), ("s1.policy", bad)]);
    let d = f
        .all_diagnostics()
        .find(|d| d.code == "bad-override")
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean `deadline`?"));
    let retyped = "policy demo\nversion \"s1\"\nextends \"base\"\noverride parameter normal = 50 pages per \"a\"\n";
    assert!(
        codes(&folder(&[("base.policy", BASE), ("s1.policy", retyped)])).contains(&"type-mismatch")
    );
    let redeclared =
        "policy demo\nversion \"s1\"\nextends \"base\"\nparameter normal = 10 weeks per \"a\"\n";
    let f = folder(&[("base.policy", BASE), ("s1.policy", redeclared)]);
    let d = f
        .all_diagnostics()
        .find(|d| d.code == "duplicate-name")
        .unwrap();
    assert!(d.help.as_deref().unwrap().contains("override parameter"));
}

#[test]
fn a_rule_override_replaces_the_rule_with_that_label() {
    let layer = "policy demo\nversion \"s1\"\nextends \"base\"\noverride exception long.short of r when pages <= 60 pages gives false per \"a\"\n";
    let f = folder(&[("base.policy", BASE), ("s1.policy", layer)]);
    assert!(f.is_ok(), "{:?}", codes(&f));
    let missing = "policy demo\nversion \"s1\"\nextends \"base\"\noverride rule long.shrot gives false per \"a\"\n";
    let f = folder(&[("base.policy", BASE), ("s1.policy", missing)]);
    let d = f
        .all_diagnostics()
        .find(|d| d.code == "bad-override")
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean `short`?"));
}

#[test]
fn weeks_never_mix_with_pages() {
    let text = BASE.replace("pages > 50 pages", "pages > normal");
    let f = folder(&[("base.policy", &text)]);
    assert_eq!(codes(&f), ["unit-mismatch"]);
}

#[test]
fn every_rule_and_parameter_cites_a_declared_clause() {
    let text = BASE.replace(
        "parameter normal = 12 weeks per \"a\"",
        "parameter normal = 12 weeks per \"3-1\"",
    );
    let f = folder(&[("base.policy", &text)]);
    assert_eq!(codes(&f), ["unknown-clause"]);
    let uncited = BASE.replace("gives true per \"a\"", "gives true");
    let f = folder(&[("base.policy", &uncited)]);
    let d = f
        .all_diagnostics()
        .find(|d| d.code == "missing-citation")
        .unwrap();
    assert_eq!(d.message, "rule `r` of `long` cites no clause");
}

#[test]
fn informative_clauses_are_not_reported_unused_but_others_are() {
    let text = BASE.replace(
        "clause \"ctx\" section \"0\" informative",
        "clause \"ctx\" section \"0\"",
    );
    let f = folder(&[("base.policy", &text)]);
    let d: Vec<_> = f.all_diagnostics().collect();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].code, d[0].is_error()),
        (crate::diagnostic::Code::UnusedClause, false)
    );
    assert!(
        folder(&[("base.policy", BASE)])
            .all_diagnostics()
            .next()
            .is_none()
    );
}

#[test]
fn definitions_that_depend_on_themselves_are_rejected() {
    let text = format!("{BASE}\ndefinition a : integer = b + 1\ndefinition b : integer = a\n");
    let f = folder(&[("base.policy", &text)]);
    let d = f
        .all_diagnostics()
        .find(|d| d.code == "cyclic-definition")
        .unwrap();
    assert!(d.message.contains("`a` → `b` → `a`"), "{}", d.message);
}

#[test]
fn rules_that_always_conflict_are_caught_before_evaluation() {
    let text = format!(
        "{BASE}\nconclusion c : integer\n  rule one gives 1 per \"a\"\n  rule two gives 2 per \"a\"\n"
    );
    let f = folder(&[("base.policy", &text)]);
    let d = f.all_diagnostics().find(|d| d.code == "conflict").unwrap();
    assert!(d.message.contains("`one`") && d.message.contains("`two`"));
}

#[test]
fn version_labels_and_extensions_are_checked_across_the_folder() {
    let dup = BASE.replace("effective from 2021-09-01\n", "");
    assert!(
        codes(&folder(&[("a.policy", BASE), ("b.policy", &dup)])).contains(&"duplicate-version")
    );
    let a = "policy demo\nversion \"a\"\nextends \"b\"\n";
    let b = "policy demo\nversion \"b\"\nextends \"a\"\n";
    assert!(codes(&folder(&[("a.policy", a), ("b.policy", b)])).contains(&"extends-cycle"));
    let orphan = "policy demo\nversion \"a\"\nextends \"bse\"\n";
    let f = folder(&[("base.policy", BASE), ("a.policy", orphan)]);
    let d = f
        .all_diagnostics()
        .find(|d| d.code == "unknown-version")
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean `base`?"));
}

/// Rules giving parameters conflict when the parameters' values in the version checked differ:
/// not in a base where both are 50 pages, but in a layer that sets one to 60.
#[test]
fn parameters_with_different_values_conflict_like_literals() {
    let text = format!(
        "{BASE}\nparameter max = 50 pages per \"a\"\nparameter max_numeric = 50 pages per \"a\"\n\
         conclusion limit : integer pages\n  rule one gives max per \"a\"\n  rule two gives max_numeric per \"a\"\n"
    );
    let layer = "policy demo\nversion \"s1\"\nextends \"base\"\noverride parameter max_numeric = 60 pages per \"a\"\n";
    let f = folder(&[("base.policy", &text), ("s1.policy", layer)]);
    assert!(f.version("base").is_some(), "{:?}", codes(&f));
    assert!(f.version("s1").is_none());
    assert_eq!(codes(&f), ["conflict"]);
}

/// A record that holds itself, directly or through another, is refused where it is declared:
/// its JSON Schema was unfolded without end (a `GET …/schema` overflowed the service's stack).
/// So is a record whose fields unfold past 10,000 (each holding two of the next doubles them),
/// or whose records nest more than 64 deep, while a chain of 60 is fine.
#[test]
fn a_record_that_holds_itself_or_unfolds_too_far_is_refused() {
    let policy = |records: &str| {
        format!(
            "policy demo\nversion \"v\"\nclause \"a\" section \"1\"\n  | Rule a.\n{records}\
             input x : R0 per \"a\"\nconclusion c : bool\n  rule r gives x.f is present per \"a\"\n"
        )
    };
    let messages = |records: &str| -> Vec<String> {
        let f = folder(&[("v.policy", &policy(records))]);
        f.all_diagnostics()
            .filter(|d| d.code == "record-shape")
            .map(|d| d.message.clone())
            .collect()
    };
    assert_eq!(
        messages("record R0\n  f : optional R0\n  g : list of R0\n"),
        [
            "record `R0` holds itself (through field `f` of `R0`): its schema and its form would never end"
        ]
    );
    assert_eq!(
        messages("record R0\n  f : list of R1\nrecord R1\n  g : optional R0\n"),
        [
            "record `R0` holds itself (through field `g` of `R1`): its schema and its form would never end"
        ]
    );
    let doubling: String = (0..20)
        .map(|i| {
            format!(
                "record R{i}\n  f : optional R{}\n  g : optional R{}\n",
                i + 1,
                i + 1
            )
        })
        .chain(std::iter::once("record R20\n  n : integer\n".to_string()))
        .collect();
    let found = messages(&doubling);
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("record `R") && m.contains("unfolds to more than 10,000 fields")),
        "{found:?}"
    );
    let chain = |n: usize| -> String {
        (0..n)
            .map(|i| format!("record R{i}\n  f : optional R{}\n", i + 1))
            .chain(std::iter::once(format!("record R{n}\n  n : integer\n")))
            .collect()
    };
    assert_eq!(
        messages(&chain(300)),
        ["record `R236` holds records nested more than 64 deep"]
    );
    let f = folder(&[("v.policy", &policy(&chain(60)))]);
    assert!(f.is_ok(), "{:?}", codes(&f));
    let schema = crate::json::schema::json_schema(f.version("v").unwrap());
    assert!(
        schema.to_string().matches("\"f\"").count() >= 60,
        "the chain's schema is written out"
    );
}

/// A version whose conclusion `level` has a base rule: the exceptions over it are added.
const LEVELS: &str = r#"
policy demo
version "v"
effective from 2021-09-01
clause "a" section "1"
  | Rule a.
input n : integer
conclusion level : integer
  rule base gives 0 per "a"
"#;

/// The rules each rule overrides, by label, as the compiled conclusion `name` holds them.
fn overridden(f: &PolicyFolder, version: &str, name: &str) -> Vec<(String, Vec<String>)> {
    let c = f
        .version(version)
        .unwrap()
        .conclusions
        .iter()
        .find(|c| &*c.name == name)
        .unwrap();
    c.rules
        .iter()
        .map(|r| {
            let labels = r.overrides.iter().map(|i| c.rules[i].label.to_string());
            (r.label.to_string(), labels.collect())
        })
        .collect()
}

#[test]
fn an_exception_overrides_what_the_rules_it_overrides_override_and_a_first_row_every_row_below() {
    let text = LEVELS.to_string()
        + r#"  exception low of base when n > 1 gives 1 per "a"
  exception other of base when n < 0 gives 2 per "a"
  exception mid of low when n > 5 gives 3 per "a"
  exception top of mid, other when n > 9 gives 4 per "a"
conclusion band : integer
  table first
    columns | n
    row one   | 1 | gives 1 per "a"
    row two   | 2 | gives 2 per "a"
    row three | 3 | gives 3 per "a"
    row rest  | - | gives 0 per "a"
"#;
    let f = folder(&[("v.policy", &text)]);
    assert!(f.is_ok(), "{:?}", codes(&f));
    let named = |pairs: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(r, o)| (r.to_string(), o.iter().map(|s| s.to_string()).collect()))
            .collect()
    };
    assert_eq!(
        overridden(&f, "v", "level"),
        named(&[
            ("base", &[]),
            ("low", &["base"]),
            ("other", &["base"]),
            ("mid", &["base", "low"]),
            ("top", &["base", "low", "other", "mid"]),
        ])
    );
    assert_eq!(
        overridden(&f, "v", "band"),
        named(&[
            ("one", &["two", "three", "rest"]),
            ("two", &["three", "rest"]),
            ("three", &["rest"]),
            ("rest", &[]),
        ])
    );
}

#[test]
fn a_cycle_of_exceptions_is_reported_at_its_first_rule_in_the_order_written() {
    let text = LEVELS.to_string()
        + r#"  exception free of base when n > 1 gives 1 per "a"
  exception x of z when n > 2 gives 2 per "a"
  exception y of x when n > 3 gives 3 per "a"
  exception z of y when n > 4 gives 4 per "a"
"#;
    let f = folder(&[("v.policy", &text)]);
    let cycles: Vec<&str> = f
        .all_diagnostics()
        .filter(|d| d.code.as_str() == "exception-cycle")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        cycles,
        ["exception `x` of `level` is, through other exceptions, an exception to itself"]
    );
}

/// A policy of many conclusions, their findings spread over its parts: errors near the start,
/// in the middle and at the end, a cycle from an early conclusion to a late one, a table with a
/// gap, a clause no rule cites. `clean` leaves the errors out.
fn many_conclusions(clean: bool) -> String {
    let mut text = String::from("policy big\nversion \"v\"\n");
    for c in 0..10 {
        text.push_str(&format!(
            "clause \"c{c}\" section \"{c}\"\n  | Texte {c}.\n"
        ));
    }
    text.push_str("input n : integer\n");
    text.push_str("conclusion k0 : bool\n  rule base\n    gives false\n    per \"c0\"\n");
    for i in 1..700 {
        let reads = match i {
            5 if !clean => "n > \"x\"".to_string(),
            300 if !clean => "zz > 1".to_string(),
            20 if !clean => format!("n > {i} or k19 or k250"),
            _ => format!("n > {i} or k{}", i - 1),
        };
        let cites = if i == 699 && !clean { "nope" } else { "c1" };
        text.push_str(&format!(
            "conclusion k{i} : bool\n  rule base\n    gives false\n    per \"c{}\"\n  \
             exception over of base\n    when {reads}\n    gives true\n    per \"{cites}\"\n",
            i % 8
        ));
        if i == 400 {
            text.push_str(
                "conclusion t : integer\n  table first\n    columns | n\n    \
                 row one | 1 | gives 1 per \"c2\"\n    row two | 2 | gives 2 per \"c2\"\n",
            );
        }
    }
    text
}

/// Many conclusions are checked in parts on the machine's cores: what the check finds and
/// compiles is what checking them one after the other does, diagnostics in the same order.
#[test]
fn conclusions_checked_in_parts_are_checked_as_one_after_the_other() {
    let check = |text: &str, in_order: bool| {
        super::rules::CONCLUSIONS_IN_ORDER.set(in_order);
        let f = folder(&[("v.policy", text)]);
        super::rules::CONCLUSIONS_IN_ORDER.set(false);
        let diags: Vec<String> = f.all_diagnostics().map(|d| format!("{d:?}")).collect();
        let compiled = f.version("v").map(|p| format!("{:?}", p.policy()));
        (diags, compiled)
    };
    let broken = many_conclusions(false);
    let (in_parts, none) = check(&broken, false);
    assert_eq!(none, None);
    let codes: Vec<&str> = [
        "TypeMismatch",
        "UnknownName",
        "UnknownClause",
        "CyclicDefinition",
    ]
    .into_iter()
    .filter(|code| !in_parts.iter().any(|d| d.contains(code)))
    .collect();
    assert!(codes.is_empty(), "not found: {codes:?} in {in_parts:#?}");
    assert_eq!(in_parts, check(&broken, true).0);
    let clean = many_conclusions(true);
    let (diags, compiled) = check(&clean, false);
    assert!(compiled.is_some(), "{diags:#?}");
    // The clause no rule cites, and the table's gap.
    assert!(diags.iter().any(|d| d.contains("c9")), "{diags:#?}");
    assert!(diags.iter().any(|d| d.contains("TableGap")), "{diags:#?}");
    assert_eq!((diags, compiled), check(&clean, true));
}
