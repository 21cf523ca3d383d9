//! Unit tests of evaluation: three-valued logic, default logic, sets, dates.

#![expect(clippy::unwrap_used, clippy::panic, reason = "tests")]

use serde_json::json;

use crate::decision::{Decision, Status, decide};
use crate::load::check_texts;
use crate::model::Lang;

const HEADER: &str = r#"
policy demo
version "v1"
clause "a" section "1"
  | Rule a.
clause "b" section "1"
  | Rule b.
"#;

fn decision(body: &str, input: serde_json::Value) -> Decision {
    let text = format!("{HEADER}\n{body}");
    let folder = check_texts("demo".into(), vec![("demo.policy".into(), None, text)]);
    let errors: Vec<String> = folder
        .all_diagnostics()
        .filter(|d| d.is_error())
        .map(|d| d.render(&folder.sources, false))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let policy = folder.version("v1").unwrap();
    let facts = crate::json::read_facts(policy, &input).unwrap();
    decide(policy, &facts, "", true, true, Lang::En)
}

fn value(d: &Decision, name: &str) -> serde_json::Value {
    let c = d.conclusions.get(name).unwrap();
    assert_eq!(c.status, Status::Decided, "{name}: {c:?}");
    crate::json::to_json(&c.value)
}

fn missing(d: &Decision, name: &str) -> Vec<String> {
    let c = d.conclusions.get(name).unwrap();
    assert_eq!(c.status, Status::Undetermined, "{name}: {c:?}");
    c.missing.clone().unwrap()
}

const LOGIC: &str = r#"
input x : bool
input y : bool
conclusion both : bool
  rule r gives x and y per "a"
conclusion either : bool
  rule r gives x or y per "a"
"#;

#[test]
fn false_and_unknown_is_false_and_true_or_unknown_is_true() {
    let d = decision(LOGIC, json!({"x": false}));
    assert_eq!(value(&d, "both"), json!(false));
    assert_eq!(missing(&d, "either"), ["y"]);
    let d = decision(LOGIC, json!({"x": true}));
    assert_eq!(value(&d, "either"), json!(true));
    assert_eq!(missing(&d, "both"), ["y"]);
    let d = decision(LOGIC, json!({}));
    assert_eq!(missing(&d, "both"), ["x", "y"]);
}

const DEFAULTS: &str = r#"
enum ground = aucun | force_majeure
input ground : ground = aucun
input validated : bool
input exempt : bool = false
conclusion weeks : optional weeks
  rule normal gives 12 weeks per "a"
  exception reduced of normal when ground != aucun and validated gives 8 weeks per "b"
  exception none_needed of normal, reduced when exempt gives none per "a"
"#;

#[test]
fn an_applicable_exception_overrides_its_base() {
    let d = decision(
        DEFAULTS,
        json!({"ground": "force_majeure", "validated": true}),
    );
    let c = d.conclusions.get("weeks").unwrap();
    assert_eq!(c.value, json!(8));
    assert_eq!(
        c.citations.iter().map(|c| &*c.clause).collect::<Vec<_>>(),
        ["b"]
    );
    assert_eq!(*c.rules, [std::sync::Arc::<str>::from("reduced")]);
    assert!(
        c.because
            .as_ref()
            .unwrap()
            .contains(&"ground = force_majeure".into())
    );
}

#[test]
fn an_exception_of_an_exception_wins_and_gives_none() {
    let d = decision(
        DEFAULTS,
        json!({"ground": "force_majeure", "validated": true, "exempt": true}),
    );
    assert_eq!(value(&d, "weeks"), json!(null));
}

#[test]
fn an_undecidable_exception_makes_the_conclusion_undetermined() {
    let d = decision(DEFAULTS, json!({"ground": "force_majeure"}));
    assert_eq!(missing(&d, "weeks"), ["validated"]);
    // Without a ground, the exception cannot apply whatever `validated` is.
    let d = decision(DEFAULTS, json!({}));
    assert_eq!(value(&d, "weeks"), json!(12));
}

const CONFLICT: &str = r#"
input x : integer
conclusion c : integer
  rule small when x < 10 gives 1 per "a"
  rule even when x = 4 gives 2 per "b"
"#;

#[test]
fn two_applicable_rules_of_one_rank_are_a_conflict_naming_both() {
    let d = decision(CONFLICT, json!({"x": 4}));
    let c = d.conclusions.get("c").unwrap();
    assert_eq!(c.status, Status::Error);
    let message = c.error.as_deref().unwrap();
    assert!(
        message.contains("`small`") && message.contains("`even`"),
        "{message}"
    );
    assert_eq!(value(&decision(CONFLICT, json!({"x": 3})), "c"), json!(1));
}

#[test]
fn no_applicable_rule_is_reported() {
    let d = decision(CONFLICT, json!({"x": 30}));
    let c = d.conclusions.get("c").unwrap();
    assert_eq!(c.status, Status::Error);
    assert!(c.error.as_deref().unwrap().contains("no rule"));
}

const SETS: &str = r#"
enum cause = late | missing | long
input submitted : optional date
input pages : integer
conclusion causes : set of cause
  member missing when submitted is absent per "a"
  member late when submitted > 2027-04-16 per "b"
  member long when submitted is present and pages > 50 per "a"
  member long_again when submitted is present and pages > 60 gives long per "b"
"#;

#[test]
fn a_value_one_rule_gives_shares_that_rule_s_lists_across_decisions() {
    use crate::decision::Shared;
    let text = format!("{HEADER}\n{DEFAULTS}");
    let folder = check_texts("demo".into(), vec![("demo.policy".into(), None, text)]);
    let policy = folder.version("v1").unwrap();
    let weeks = |input: serde_json::Value| {
        let facts = crate::json::read_facts(policy, &input).unwrap();
        let d = decide(policy, &facts, "", false, true, Lang::En);
        d.conclusions.get("weeks").unwrap().clone()
    };
    let one = weeks(json!({"ground": "force_majeure", "validated": true}));
    let two = weeks(json!({"ground": "force_majeure", "validated": true, "exempt": false}));
    assert_eq!(
        one.citations.iter().map(|c| &*c.clause).collect::<Vec<_>>(),
        ["b"]
    );
    match (&one.citations, &two.citations, &one.rules, &two.rules) {
        (Shared::Prepared(a), Shared::Prepared(b), Shared::Prepared(c), Shared::Prepared(d)) => {
            assert!(std::sync::Arc::ptr_eq(a, b) && std::sync::Arc::ptr_eq(c, d));
        }
        lists => panic!("not shared: {lists:?}"),
    }
    // Undetermined: nothing to list, nothing shared.
    let three = weeks(json!({"ground": "force_majeure"}));
    assert!(matches!(three.citations, Shared::Own(ref v) if v.is_empty()));
}

#[test]
fn a_set_collects_every_member_with_its_citations() {
    let d = decision(SETS, json!({"submitted": "2027-04-17", "pages": 70}));
    let c = d.conclusions.get("causes").unwrap();
    assert_eq!(c.value, json!(["late", "long"]));
    let mut cited: Vec<&str> = c.citations.iter().map(|c| &*c.clause).collect();
    cited.sort_unstable();
    assert_eq!(cited, ["a", "b"]);
}

#[test]
fn a_set_that_needs_no_missing_fact_is_decided() {
    let d = decision(SETS, json!({}));
    assert_eq!(value(&d, "causes"), json!(["missing"]));
    let d = decision(SETS, json!({"submitted": "2027-04-10"}));
    assert_eq!(missing(&d, "causes"), ["pages"]);
}

const DATES: &str = r#"
record period
  start : date
  end : date
  require end >= start else "the period ends before it starts"
input periods : list of period = []
input exam : date
definition weeks_of(p : period) : weeks per "a"
  = floor((p.end - p.start + 3 days) as weeks)
conclusion total : weeks
  rule all gives sum of weeks_of(p) for p in periods per "a"
conclusion six_months_before : date
  rule r gives exam - 6 months per "a"
conclusion days_to_exam : days
  rule r gives exam - (exam - 1 year) per "b"
conclusion first_end : optional date
  rule r gives if periods is empty then none else min(exam, exam + 1 day) per "a"
"#;

#[test]
fn dates_and_durations() {
    let d = decision(
        DATES,
        json!({"exam": "2027-05-18", "periods": [{"start": "2026-05-04", "end": "2026-06-05"}, {"start": "2026-06-08", "end": "2026-06-12"}]}),
    );
    // Monday 4 May to Friday 5 June is five weeks; a Monday-to-Friday week counts one.
    assert_eq!(value(&d, "total"), json!(6));
    assert_eq!(value(&d, "six_months_before"), json!("2026-11-18"));
    assert_eq!(value(&d, "days_to_exam"), json!(365));
    assert_eq!(value(&d, "first_end"), json!("2027-05-18"));
}

#[test]
fn a_missing_field_inside_a_list_names_its_path() {
    let d = decision(
        DATES,
        json!({"exam": "2027-05-18", "periods": [{"start": "2026-05-04"}]}),
    );
    assert_eq!(missing(&d, "total"), ["periods[0].end"]);
}

#[test]
fn the_trace_lists_every_rule_considered() {
    let d = decision(
        DEFAULTS,
        json!({"ground": "force_majeure", "validated": true}),
    );
    let trace = d.trace.unwrap();
    let outcomes: Vec<(&str, &str)> = trace
        .iter()
        .filter(|t| t.conclusion == "weeks")
        .map(|t| (t.rule.as_str(), t.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("normal", "overridden"),
            ("reduced", "applied"),
            ("none_needed", "not applicable")
        ]
    );
}

const PARTIAL: &str = r#"
enum cause = late | long
enum conformity = ok | not_ok
input submitted : date
input pages : integer
conclusion causes : set of cause
  member late when submitted > 2027-04-16 per "a"
  member long when pages > 50 per "b"
conclusion conformity : conformity
  rule fine gives ok per "a"
  exception faulty of fine when causes is not empty gives not_ok per "b"
conclusion late_listed : bool
  rule r gives late in causes per "a"
"#;

#[test]
fn a_member_that_certainly_applies_decides_is_not_empty_and_in() {
    let d = decision(PARTIAL, json!({"submitted": "2027-04-20"}));
    assert_eq!(missing(&d, "causes"), ["pages"]);
    assert_eq!(value(&d, "conformity"), json!("not_ok"));
    assert_eq!(value(&d, "late_listed"), json!(true));
    let because = d
        .conclusions
        .get("conformity")
        .unwrap()
        .because
        .clone()
        .unwrap();
    assert_eq!(
        because,
        [std::sync::Arc::<str>::from("causes includes [late]")]
    );
    // On time, the set may still be empty: undetermined. But `late` is in it for no number of
    // pages: settled over them, `late_listed` is false.
    let d = decision(PARTIAL, json!({"submitted": "2027-04-10"}));
    assert_eq!(missing(&d, "conformity"), ["pages"]);
    assert_eq!(value(&d, "late_listed"), json!(false));
}

const READS: &str = r#"
record job
  start : date
  end : date
  certified : bool
record limits
  n : integer
  cap : decimal
input x : limits
input jobs : list of job = []
definition above(m : integer) : bool = x.n > m
definition long(j : job) : bool = j.end - j.start > 30 days
conclusion big : bool
  rule no gives false per "a"
  exception yes of no when above(3) gives true per "b"
conclusion any_long : bool
  rule no gives false per "a"
  exception yes of no when any j in jobs where long(j) and j.certified gives true per "b"
conclusion amount : decimal
  rule r gives x.cap * 1.2 per "a"
conclusion limits_given : limits
  rule r gives x per "a"
"#;

fn because(d: &Decision, name: &str) -> Vec<String> {
    let c = d.conclusions.get(name).unwrap();
    c.because.iter().flatten().map(|b| b.to_string()).collect()
}

#[test]
fn because_follows_reads_through_definitions_with_parameters_and_names_record_fields() {
    let input = json!({
        "x": {"n": 5, "cap": 351.50},
        "jobs": [
            {"start": "2026-01-01", "end": "2026-01-10", "certified": true},
            {"start": "2026-02-01", "end": "2026-07-24", "certified": true}
        ]
    });
    let d = decision(READS, input);
    assert_eq!(value(&d, "big"), json!(true));
    assert_eq!(because(&d, "big"), ["x.n = 5"]);
    // `any`: the element that decided, by its fields.
    assert_eq!(value(&d, "any_long"), json!(true));
    assert_eq!(
        because(&d, "any_long"),
        [
            "jobs[1].end = 2026-07-24",
            "jobs[1].start = 2026-02-01",
            "jobs[1].certified = true"
        ]
    );
    // A decimal keeps the scale its computation gives it (the record's 351.5 read by value,
    // times 1.2: 421.80), a record is an object keyed by its fields.
    let json = serde_json::to_string(&d).unwrap();
    assert!(
        json.contains(r#""amount":{"status":"decided","value":421.80,"#),
        "{json}"
    );
    assert!(json.contains(r#""value":{"n":5,"cap":351.5}"#), "{json}");
}

/// The clause ids of a conclusion's citations, each with what brought it (`b via parameter p`).
fn cited(d: &Decision, name: &str) -> Vec<String> {
    let c = d.conclusions.get(name).unwrap();
    c.citations
        .iter()
        .map(|c| match &c.via {
            Some(via) => format!("{} via {via}", c.clause),
            None => c.clause.to_string(),
        })
        .collect()
}

const SOURCES: &str = r#"
clause "c" section "2"
  | Definition c.
clause "d" section "2"
  | Function d.
input pages : integer
parameter limit = 10                      per "b"
definition over : bool                    per "c"
  = pages > limit
definition doubled(n : integer) : integer per "d"
  = n * limit
conclusion long : bool
  rule no gives false per "a"
  exception yes of no when over gives true per "a"
conclusion twice : integer
  rule r gives doubled(pages) per "a"
conclusion cited_twice : bool
  rule r when pages > limit gives true per "b"
  rule s when pages <= limit gives false per "a"
"#;

#[test]
fn a_definition_brings_its_clauses_and_those_of_the_parameters_it_reads() {
    let d = decision(SOURCES, json!({"pages": 12}));
    // The exception's condition reads `over`, which reads `limit`: both are cited, marked.
    assert_eq!(
        cited(&d, "long"),
        ["a", "c via definition over", "b via parameter limit"]
    );
    // A function brings its clauses too, and what its body reads.
    assert_eq!(
        cited(&d, "twice"),
        ["a", "d via definition doubled", "b via parameter limit"]
    );
    assert_eq!(value(&d, "twice"), json!(120));
    // The base rule applies: the exception's condition, which read `over`, brings nothing.
    let d = decision(SOURCES, json!({"pages": 8}));
    assert_eq!(cited(&d, "long"), ["a"]);
}

#[test]
fn a_clause_the_rule_cites_is_not_cited_again_through_a_parameter() {
    let d = decision(SOURCES, json!({"pages": 12}));
    assert_eq!(cited(&d, "cited_twice"), ["b"]);
    let d = decision(SOURCES, json!({"pages": 8}));
    assert_eq!(cited(&d, "cited_twice"), ["a", "b via parameter limit"]);
}

#[test]
fn a_quantity_is_given_with_its_unit_and_nothing_else_is() {
    let d = decision(
        DEFAULTS,
        json!({"ground": "force_majeure", "validated": true}),
    );
    let weeks = d.conclusions.get("weeks").unwrap();
    assert_eq!(weeks.unit.as_deref(), Some("weeks"));
    let written = serde_json::to_string(weeks).unwrap();
    assert!(
        written.starts_with(r#"{"status":"decided","value":8,"unit":"weeks","#),
        "{written}"
    );
    // None is not a number: no unit beside it.
    let d = decision(DEFAULTS, json!({"exempt": true}));
    assert_eq!(d.conclusions.get("weeks").unwrap().unit, None);
    let d = decision(LOGIC, json!({"x": true, "y": true}));
    assert_eq!(d.conclusions.get("both").unwrap().unit, None);
}

#[test]
fn an_amount_keeps_its_scale_beside_its_unit() {
    let body = r#"
unit euros
parameter monthly = 35.15 euros per "a"
conclusion annual : decimal euros
  rule r gives monthly * 12 per "a"
"#;
    let d = decision(body, json!({}));
    let written = serde_json::to_string(d.conclusions.get("annual").unwrap()).unwrap();
    assert!(
        written.starts_with(r#"{"status":"decided","value":421.80,"unit":"euros","#),
        "{written}"
    );
}

/// `outer` reads a fact and a parameter before it reads `inner`, which is decided there, in the
/// middle of `outer`'s condition: what `inner`'s rules read (facts, and the parameters its
/// condition and its value read) is still its own.
const NESTED: &str = r#"
clause "c" section "2"
  | Factor c.
parameter limit = 1 per "b"
parameter factor = 2 per "c"
input a : integer
input b : integer
conclusion outer : bool
  rule no gives false per "a"
  exception yes of no when a > limit and inner > 0 gives true per "a"
conclusion inner : integer
  rule nothing gives 0 per "a"
  exception some of nothing when b > limit or b > factor gives b * factor per "a"
"#;

#[test]
fn a_conclusion_decided_inside_another_keeps_what_its_own_rules_read() {
    let d = decision(NESTED, json!({"a": 2, "b": 3}));
    assert_eq!(value(&d, "inner"), json!(6));
    assert_eq!(because(&d, "inner"), ["b = 3", "limit = 1"]);
    assert_eq!(
        cited(&d, "inner"),
        ["a", "b via parameter limit", "c via parameter factor"]
    );
    assert_eq!(value(&d, "outer"), json!(true));
    assert_eq!(because(&d, "outer"), ["a = 2", "limit = 1", "inner = 6"]);
    // The base rule gives the value: the parameter the exception's condition read is not its.
    let d = decision(NESTED, json!({"a": 2, "b": 0}));
    assert_eq!(value(&d, "inner"), json!(0));
    assert_eq!(cited(&d, "inner"), ["a"]);
}

const FAILING: &str = r#"
input d : integer
conclusion ratio : bool
  rule base gives true per "a"
  exception odd of base when 10 / d > 1 gives false per "b"
"#;

#[test]
fn a_condition_that_fails_puts_the_rules_that_held_in_error_with_it() {
    let d = decision(FAILING, json!({"d": 0}));
    let c = d.conclusions.get("ratio").unwrap();
    assert_eq!(c.status, Status::Error, "{c:?}");
    let trace = d.trace.unwrap();
    let outcomes: Vec<(&str, &str, Vec<String>)> = trace
        .iter()
        .map(|t| (t.rule.as_str(), t.outcome, t.because.clone()))
        .collect();
    // The base rule held, but the conclusion failed: it is in error, not waiting on its
    // exception; the exception says why it failed.
    let [base, odd] = outcomes.as_slice() else {
        panic!("{outcomes:?}");
    };
    assert_eq!(*base, ("base", "error", vec![]));
    assert_eq!((odd.0, odd.1, odd.2.len()), ("odd", "error", 1), "{odd:?}");
}

const MEMBERS: &str = r#"
enum grade = low | high
input flag : bool
input g : grade
conclusion picked : set of grade
  member chosen when flag gives g per "a"
"#;

/// The trace of the only rule of `picked`: its outcome and what it says.
fn member_trace(input: serde_json::Value) -> (&'static str, Vec<String>) {
    let d = decision(MEMBERS, input);
    let trace = d.trace.unwrap();
    let t = trace.first().unwrap();
    (t.outcome, t.because.clone())
}

#[test]
fn a_member_whose_condition_holds_waits_on_its_value_and_one_whose_condition_is_unknown_on_that() {
    let d = decision(MEMBERS, json!({"flag": true}));
    assert_eq!(missing(&d, "picked"), ["g"]);
    // Its condition held (the trace says what it read): only its value waits on `g`.
    let (outcome, because) = member_trace(json!({"flag": true}));
    assert_eq!(outcome, "undetermined");
    assert_eq!(because.last().map(String::as_str), Some("flag = true"));
    assert!(
        !because.iter().any(|b| b.starts_with("missing")),
        "{because:?}"
    );
    assert_eq!(
        member_trace(json!({"g": "high"})),
        ("undetermined", vec!["missing: flag".to_string()])
    );
    let d = decision(MEMBERS, json!({"flag": true, "g": "high"}));
    assert_eq!(value(&d, "picked"), json!(["high"]));
}

#[test]
fn a_negated_input_is_its_opposite() {
    let body = r#"
input x : integer
conclusion opposite : integer
  rule r gives -x per "a"
"#;
    let d = decision(body, json!({"x": 5}));
    assert_eq!(value(&d, "opposite"), json!(-5));
    let d = decision(body, json!({"x": -3}));
    assert_eq!(value(&d, "opposite"), json!(3));
}

/// `min` and `max` of two equal numbers give the first as it is written: its scale shows in the
/// decision (`1.0` against `1.00`), so a tie must not depend on which of the two it is.
#[test]
fn min_and_max_of_equal_numbers_give_the_first() {
    let body = r#"
parameter one = 1.0 per "a"
parameter one_more_precisely = 1.00 per "a"
conclusion hi : decimal
  rule r gives max(one, one_more_precisely) per "a"
conclusion lo : decimal
  rule r gives min(one, one_more_precisely) per "a"
conclusion hi_again : decimal
  rule r gives max(one_more_precisely, one) per "a"
conclusion lo_again : decimal
  rule r gives min(one_more_precisely, one) per "a"
"#;
    let json = serde_json::to_string(&decision(body, json!({}))).unwrap();
    let written = |name: &str| {
        let start = format!(r#""{name}":{{"status":"decided","value":"#);
        let at = json
            .find(&start)
            .unwrap_or_else(|| panic!("{name} in {json}"))
            + start.len();
        json[at..].split(',').next().unwrap().to_string()
    };
    assert_eq!(written("hi"), "1.0");
    assert_eq!(written("lo"), "1.0");
    assert_eq!(written("hi_again"), "1.00");
    assert_eq!(written("lo_again"), "1.00");
}

#[test]
fn two_missing_facts_compared_are_unknown_not_equal() {
    let body = r#"
input a : integer
input b : integer
conclusion same : bool
  rule r gives a = b per "a"
conclusion differ : bool
  rule r gives a != b per "a"
"#;
    let d = decision(body, json!({}));
    assert_eq!(missing(&d, "same"), ["a", "b"]);
    assert_eq!(missing(&d, "differ"), ["a", "b"]);
    let d = decision(body, json!({"a": 1}));
    assert_eq!(missing(&d, "same"), ["b"]);
    let d = decision(body, json!({"a": 1, "b": 1}));
    assert_eq!(value(&d, "same"), json!(true));
    assert_eq!(value(&d, "differ"), json!(false));
}

#[test]
fn because_names_the_element_of_the_inner_list_a_nested_any_read() {
    let body = r#"
record period
  start : date
  end : date
input periods : list of period
input leaves : list of period
definition short(l : period) : bool = l.end - l.start < 15 days
conclusion clash : bool
  rule no gives false per "a"
  exception yes of no when any p in periods where any l in leaves where l.start < p.end gives true per "b"
conclusion short_leave : bool
  rule no gives false per "a"
  exception yes of no when any p in periods where any l in leaves where short(l) gives true per "b"
"#;
    let input = json!({
        "periods": [{"start": "2026-01-01", "end": "2026-03-01"}],
        "leaves": [
            {"start": "2026-05-01", "end": "2026-06-30"},
            {"start": "2026-02-01", "end": "2026-02-10"}
        ]
    });
    let d = decision(body, input);
    assert_eq!(value(&d, "clash"), json!(true));
    assert_eq!(
        because(&d, "clash"),
        [
            "leaves[1].start = 2026-02-01",
            "periods[0].end = 2026-03-01"
        ]
    );
    // Through a function called on the inner element, too.
    assert_eq!(value(&d, "short_leave"), json!(true));
    assert_eq!(
        because(&d, "short_leave"),
        ["leaves[1].end = 2026-02-10", "leaves[1].start = 2026-02-01"]
    );
}

#[test]
fn each_keeps_the_elements_that_satisfy_its_filter() {
    let body = r#"
record item
  n : integer
  ok : bool
input xs : list of item
conclusion kept : integer
  rule r gives count of p in (each q in xs where q.ok) per "a"
conclusion kept_total : integer
  rule r gives sum of p.n for p in (each q in xs where q.ok) per "a"
"#;
    let input = json!({"xs": [
        {"n": 1, "ok": true},
        {"n": 2, "ok": false},
        {"n": 4, "ok": true}
    ]});
    let d = decision(body, input);
    assert_eq!(value(&d, "kept"), json!(2));
    assert_eq!(value(&d, "kept_total"), json!(5));
    let d = decision(body, json!({"xs": []}));
    assert_eq!(value(&d, "kept"), json!(0));
}

#[test]
fn an_ordering_with_none_on_either_side_is_false() {
    let body = r#"
input submitted : optional date
conclusion before : bool
  rule r gives submitted < 2027-04-16 per "a"
conclusion until : bool
  rule r gives submitted <= 2027-04-16 per "a"
conclusion after : bool
  rule r gives submitted > 2027-04-16 per "a"
conclusion from : bool
  rule r gives 2027-04-16 <= submitted per "a"
conclusion none_given : bool
  rule r gives submitted = none per "a"
"#;
    let d = decision(body, json!({}));
    for name in ["before", "until", "after", "from"] {
        assert_eq!(value(&d, name), json!(false), "{name}");
    }
    assert_eq!(value(&d, "none_given"), json!(true));
    let d = decision(body, json!({"submitted": "2027-04-10"}));
    assert_eq!(value(&d, "before"), json!(true));
    assert_eq!(value(&d, "until"), json!(true));
    assert_eq!(value(&d, "after"), json!(false));
    assert_eq!(value(&d, "from"), json!(false));
    assert_eq!(value(&d, "none_given"), json!(false));
}

#[test]
fn because_says_none_of_an_optional_fact_left_out() {
    let body = r#"
enum grade = low | high
input g : optional grade
input passed : optional bool
conclusion ungraded : bool
  rule no gives false per "a"
  exception yes of no when g = none gives true per "b"
conclusion unsaid : bool
  rule no gives false per "a"
  exception yes of no when passed = none gives true per "b"
"#;
    let d = decision(body, json!({}));
    assert_eq!(value(&d, "ungraded"), json!(true));
    assert_eq!(because(&d, "ungraded"), ["g = none"]);
    assert_eq!(because(&d, "unsaid"), ["passed = none"]);
    let d = decision(body, json!({"g": "high", "passed": true}));
    assert_eq!(because(&d, "ungraded"), ["g = high"]);
    assert_eq!(because(&d, "unsaid"), ["passed = true"]);
}

#[test]
fn a_settled_fact_is_said_unknown_under_its_own_name_or_label() {
    let body = r#"
input x : bool
input y : bool
parameter ceiling = 3 per "a"
label y "la case y" en "box y"
label ceiling "le plafond" en "the ceiling"
conclusion tautology : bool
  rule r gives x or not x per "a"
conclusion labelled : bool
  rule r gives y or not y per "a"
"#;
    // One missing fact at a time: the undetermined conclusions of a decision are settled
    // together, over the facts any of them misses.
    let d = decision(body, json!({"y": true}));
    assert_eq!(value(&d, "tautology"), json!(true));
    assert_eq!(
        because(&d, "tautology"),
        ["x is unknown, and every value it may take gives this value"]
    );
    let d = decision(body, json!({"x": true}));
    assert_eq!(value(&d, "labelled"), json!(true));
    assert_eq!(
        because(&d, "labelled"),
        ["Box y: unknown, and every value it may take gives this value"]
    );
}

#[test]
fn two_tests_of_different_facts_are_supposed_apart_when_settling() {
    let body = r#"
input a : integer
input b : integer
conclusion either : bool
  rule r gives a > 5 or not (b > 3) per "a"
"#;
    // With a ≤ 5, `b` decides: settling must not tie the second test to the first.
    let d = decision(body, json!({}));
    assert_eq!(missing(&d, "either"), ["a", "b"]);
    let d = decision(body, json!({"a": 1, "b": 4}));
    assert_eq!(value(&d, "either"), json!(false));
}

#[test]
fn every_branch_failing_alike_settles_into_that_error_and_different_failures_do_not() {
    let body = r#"
input flag : bool
input d : integer
input big : integer
conclusion same_error : decimal
  rule r gives if flag then 10 / d else 20 / d per "a"
conclusion other_errors : decimal
  rule r gives if flag then 10 / d else big * big per "a"
"#;
    let d = decision(body, json!({"d": 0, "big": 1_000_000_000_000_000_i64}));
    let same = d.conclusions.get("same_error").unwrap();
    assert_eq!(same.status, Status::Error, "{same:?}");
    assert_eq!(missing(&d, "other_errors"), ["flag"]);
}

#[test]
fn a_settled_conclusion_cites_the_rules_and_parameters_of_every_branch() {
    let body = r#"
clause "c" section "2"
  | Parameter c.
clause "d" section "2"
  | Parameter d.
parameter high = 10 per "c"
parameter low = 1 per "d"
input flag : bool
conclusion always : bool
  rule yes when flag and high > 5 gives true per "a"
  rule also when not flag and low < 2 gives true per "b"
"#;
    // Either value of `flag` gives true, each through one rule and one parameter.
    let d = decision(body, json!({}));
    assert_eq!(value(&d, "always"), json!(true));
    let mut rules: Vec<String> = d
        .conclusions
        .get("always")
        .unwrap()
        .rules
        .iter()
        .map(|r| r.to_string())
        .collect();
    rules.sort();
    assert_eq!(rules, ["also", "yes"]);
    let mut cited = cited(&d, "always");
    cited.sort();
    assert_eq!(
        cited,
        ["a", "b", "c via parameter high", "d via parameter low"]
    );
}

#[test]
fn the_memberships_of_two_values_in_a_missing_list_are_supposed_apart() {
    let body = r#"
enum part = intro | body | annex
input parts : list of part
conclusion shaped : bool
  rule r gives intro in parts or not (annex in parts) per "a"
"#;
    // Without `intro`, whether `annex` is in the list decides.
    let d = decision(body, json!({}));
    assert_eq!(missing(&d, "shaped"), ["parts"]);
    let d = decision(body, json!({"parts": ["body", "annex"]}));
    assert_eq!(value(&d, "shaped"), json!(false));
}

#[test]
fn an_unknown_value_is_said_unknown_in_words_alone_or_under_a_label() {
    let folder = check_texts(
        "demo".into(),
        vec![(
            "demo.policy".into(),
            None,
            format!("{HEADER}\ninput x : bool"),
        )],
    );
    let policy = folder.version("v1").unwrap();
    let unknown = crate::model::Value::Missing("x".into());
    let said = |lang| {
        let word = crate::eval::words::value(&policy.types, &policy.labels, None, &unknown, lang);
        (
            word.clone(),
            crate::eval::words::fact("la case x", &word, lang),
        )
    };
    assert_eq!(
        said(Lang::Fr),
        ("inconnu".to_string(), "La case x : inconnu".to_string())
    );
    assert_eq!(
        said(Lang::En),
        ("unknown".to_string(), "La case x: unknown".to_string())
    );
}

/// A chain of definitions, each reading the one before, and of conclusions reading each other,
/// is decided on a worker's stack of 2 MiB, with its explanation: a chain of a thousand
/// definitions overflowed it, even in a release build.
#[test]
fn long_chains_of_definitions_and_conclusions_are_decided_on_a_small_stack() {
    let mut body =
        String::from("input x : integer per \"a\"\ndefinition d0 : integer per \"a\"\n  = x\n");
    for i in 1..1500 {
        body.push_str(&format!(
            "definition d{i} : integer per \"a\"\n  = d{} + 1\n",
            i - 1
        ));
    }
    body.push_str("conclusion c0 : integer\n  rule r gives d1499 per \"a\"\n");
    for i in 1..500 {
        body.push_str(&format!(
            "conclusion c{i} : integer\n  rule r gives c{} + 1 per \"b\"\n",
            i - 1
        ));
    }
    let d = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || decision(&body, json!({"x": 1})))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(value(&d, "c0"), json!(1500));
    assert_eq!(value(&d, "c499"), json!(1999));
}
