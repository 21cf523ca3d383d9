//! Unit tests of the semantic diff and the impact replay, on a small policy that has one of
//! every kind of declaration.

#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use serde_json::json;

use crate::diff::*;
use crate::load::{PolicyFolder, check_texts};

const BASE: &str = r#"
policy demo
version "base"
effective from 2021-09-01
title "Demo"
clause "a" section "1"
  | Le stage dure huit semaines
  | au moins.
clause "b" section "2"
  | Le rapport compte au plus cinquante pages.
clause "ctx" section "0" informative
  | Contexte.
unit pages
enum ground = aucun | force_majeure
record period
  start : date
  end : date
input periods : list of period = []      per "a"
input pages : integer pages              per "b"
input ground : ground = aucun            per "a"
input late : bool = false
parameter minimum = 8 weeks              per "a"
parameter deadline : date                per "b"
definition weeks : weeks                 per "a"
  = sum of floor((p.end - p.start + 1 day) as weeks) for p in periods
# Long enough?
conclusion enough : bool
  rule r when weeks >= minimum gives true per "a", "b"
  exception short of r when weeks < minimum gives false per "a"
conclusion long : bool
  rule r when pages > 50 pages gives true per "b"
  rule s when pages <= 50 pages gives false per "b"
conclusion score : integer
  rule n gives 1 per "b"
conclusion gone : bool
  rule x gives late per "b"
"#;

/// The same policy: items and record fields reordered, reformatted, commented otherwise, its
/// `per` lists reversed.
const SHUFFLED: &str = r#"
policy demo
version "shuffled"
effective from 2021-09-01
title "Demo"
conclusion gone : bool
  rule x
    gives late
    per "b"
conclusion enough : bool
  exception short of r when weeks < minimum gives false per "a"
  # a comment that was not there
  rule r when (weeks >= minimum) gives true per "b", "a"
parameter deadline : date per "b"
clause "ctx" section "0" informative
  | Contexte.
record period
  end : date
  start : date
conclusion score : integer
  rule n gives 1 per "b"
input late : bool = false
input ground : ground = aucun per "a"
definition weeks : weeks per "a" = sum of floor(((p.end - p.start) + 1 day) as weeks) for p in periods
enum ground = aucun | force_majeure
clause "b" section "2"
  | Le rapport compte au plus
  | cinquante pages.
input pages : integer pages per "b"
conclusion long : bool
  rule s when pages <= 50 pages gives false per "b"
  rule r when pages > 50 pages gives true per "b"
unit pages
parameter minimum = 8 weeks per "a"
input periods : list of period = [] per "a"
clause "a" section "1"
  | Le stage dure huit semaines au moins.
"#;

const NEXT: &str = r#"
policy demo
version "next"
title "Demo, amended"
clause "a" section "1"
  | Le stage dure quatre semaines au moins.
clause "b" section "2"
  | Le rapport compte au plus cinquante pages.
clause "c" section "3"
  | Le stage peut être effectué à l'étranger.
clause "ctx" section "0"
  | Contexte.
unit pages
enum ground = aucun | force_majeure | formation_amenagee
record period
  start : date
  end : date
  host : optional text
input periods : list of period = []      per "a"
input pages : decimal pages              per "b"
input ground : ground = aucun            per "a"
input abroad : bool = false              per "c"
parameter minimum = 4 weeks              per "a", "c"
parameter deadline : date                per "b"
parameter max_pages = 50 pages           per "b"
definition weeks : weeks                 per "a"
  = sum of floor((p.end - p.start + 3 days) as weeks) for p in periods
conclusion enough : bool
  rule r when weeks >= minimum gives true per "a", "b"
  exception forced of r when ground = force_majeure gives true per "c"
conclusion long : bool
  rule r when pages > max_pages gives true per "b"
  rule s when pages <= 50 pages gives false per "b"
conclusion score : decimal
  rule n gives 1.5 per "b"
conclusion abroad_ok : bool
  rule y gives not abroad per "c"
"#;

/// A word diff's segments as (op, text).
fn runs(segments: &[TextSegment]) -> Vec<(SegmentOp, &str)> {
    segments.iter().map(|s| (s.op, s.text.as_str())).collect()
}

/// The removed and added segments of a word diff.
fn changed_runs(segments: &[TextSegment]) -> Vec<(SegmentOp, &str)> {
    let mut runs = runs(segments);
    runs.retain(|(op, _)| *op != SegmentOp::Equal);
    runs
}

fn folder(files: &[(&str, &str)]) -> PolicyFolder {
    let texts = files
        .iter()
        .map(|(n, t)| ((*n).to_string(), None, (*t).to_string()))
        .collect();
    let f = check_texts("demo".into(), texts);
    let errors: Vec<String> = f
        .all_diagnostics()
        .filter(|d| d.is_error())
        .map(|d| d.render(&f.sources, false))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    f
}

fn demo() -> PolicyFolder {
    folder(&[("base.policy", BASE), ("next.policy", NEXT)])
}

#[test]
fn reordering_reformatting_and_comments_change_nothing() {
    let f = demo();
    // A folder of its own: one folder cannot hold two versions effective on the same date.
    let g = folder(&[("shuffled.policy", SHUFFLED)]);
    let d = diff(f.version("base").unwrap(), g.version("shuffled").unwrap());
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(d.changes(), 0);
    assert!(render::text(&d, crate::model::Lang::Fr).contains("Aucun changement de sens"));
}

#[test]
fn every_kind_of_change_is_listed() {
    let f = demo();
    let d = diff(f.version("base").unwrap(), f.version("next").unwrap());
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);

    let fields: Vec<&str> = d.metadata.iter().map(|m| m.field).collect();
    assert_eq!(fields, ["effective_from", "title"]);
    assert_eq!(d.metadata[0].new, None);

    let clauses: Vec<(&str, Change)> = d
        .clauses
        .iter()
        .map(|c| (c.id.as_str(), c.change))
        .collect();
    assert_eq!(
        clauses,
        [
            ("a", Change::Changed),
            ("c", Change::Added),
            ("ctx", Change::Changed)
        ]
    );
    let ops = runs(&d.clauses[0].text_diff);
    assert_eq!(
        ops,
        [
            (SegmentOp::Equal, "Le stage dure"),
            (SegmentOp::Removed, "huit"),
            (SegmentOp::Added, "quatre"),
            (SegmentOp::Equal, "semaines au moins.")
        ]
    );
    assert!(d.clauses[2].old.as_ref().unwrap().informative);
    assert!(!d.clauses[2].new.as_ref().unwrap().informative);
    assert!(d.clauses[2].text_diff.is_empty());

    let params: Vec<(&str, Change)> = d
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.change))
        .collect();
    assert_eq!(
        params,
        [("minimum", Change::Changed), ("max_pages", Change::Added)]
    );
    let minimum = &d.parameters[0];
    assert_eq!(
        minimum.old.as_ref().unwrap().value.as_deref(),
        Some("8 weeks")
    );
    assert_eq!(
        minimum.new.as_ref().unwrap().value.as_deref(),
        Some("4 weeks")
    );
    assert_eq!(minimum.new.as_ref().unwrap().citations, ["a", "c"]);

    // Each conclusion with its change, and its rules' changes and aspects.
    let conclusions: Vec<String> = d
        .conclusions
        .iter()
        .map(|c| {
            let rules: Vec<String> = c
                .rules
                .iter()
                .map(|r| format!("{} {:?} {:?}", r.label, r.change, r.aspects))
                .collect();
            format!("{} {:?}: {}", c.name, c.change, rules.join("; "))
        })
        .collect();
    assert_eq!(
        conclusions,
        [
            "enough Changed: forced Added []; short Removed []",
            "long Changed: r Changed [\"condition\"]",
            "score Changed: n Changed [\"value\"]",
            "abroad_ok Added: y Added []",
            "gone Removed: x Removed []",
        ]
    );
    assert!(d.conclusions[2].retyped());
    let long_r = &d.conclusions[1].rules[0];
    assert_eq!(
        long_r.new.as_ref().unwrap().text,
        "rule r\n  when pages > max_pages\n  gives true\n  per \"b\""
    );

    assert_eq!(d.definitions.len(), 1);
    assert!(
        d.definitions[0]
            .new
            .as_deref()
            .unwrap()
            .contains("+ 3 days")
    );

    let inputs: Vec<(&str, Change)> = d
        .inputs
        .iter()
        .map(|i| (i.path.as_str(), i.change))
        .collect();
    assert_eq!(
        inputs,
        [
            ("periods[].host", Change::Added),
            ("pages", Change::Changed),
            ("abroad", Change::Added),
            ("late", Change::Removed)
        ]
    );
    assert_eq!(d.inputs[1].old.as_ref().unwrap().ty, "integer pages");
    assert_eq!(d.inputs[1].new.as_ref().unwrap().ty, "decimal pages");

    let types: Vec<(&str, &str, Change)> = d
        .types
        .iter()
        .map(|t| (t.kind, t.name.as_str(), t.change))
        .collect();
    assert_eq!(
        types,
        [
            ("enum", "ground", Change::Changed),
            ("record", "period", Change::Changed)
        ]
    );
    // Clauses 3, parameters 2, rules 6, conclusions added/removed/retyped 3, definitions 1,
    // inputs 4, types 2.
    assert_eq!(d.changes(), 21);
}

#[test]
fn the_renderings_name_each_change() {
    let f = demo();
    let d = diff(f.version("base").unwrap(), f.version("next").unwrap());
    let text = render::text(&d, crate::model::Lang::Fr);
    for expected in [
        "Comparaison de demo : base → next",
        "En vigueur à partir du : 2021-09-01 → aucune date",
        "Clause modifiée \"a\" (section 1)",
        "« Le stage dure [-huit-] {+quatre+} semaines au moins. »",
        "n'est plus informative",
        "Clause ajoutée \"c\" (section 3)",
        "Paramètre `minimum` : 8 weeks → 4 weeks (clauses citées : a → a, c)",
        "Paramètre ajouté `max_pages` : 50 pages (clause b)",
        "Exception ajoutée `forced`",
        "Exception supprimée `short`",
        "Règle modifiée `r` : condition",
        "Conclusion `score` : type integer → decimal",
        "Conclusion supprimée `gone` : bool",
        "Définition modifiée `weeks`",
        "Champ ajouté `periods[].host` : text, facultatif",
        "Champ modifié `pages` : integer pages, obligatoire (clause b) → decimal pages, obligatoire (clause b)",
        "Champ supprimé `late` (était : bool, par défaut false)",
        "Type modifié `ground` (énumération)",
        "En tout : 21 changements de sens",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let md = render::markdown(&d, crate::model::Lang::Fr);
    for expected in [
        "# Comparaison de demo : base → next",
        "> Le stage dure ~~huit~~ **quatre** semaines au moins.",
        "| `minimum` | 8 weeks | 4 weeks | a → a, c |",
        "-  when pages > 50 pages\n+  when pages > max_pages",
        "| `late` | bool, par défaut false | — (supprimé) |",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
}

#[test]
fn a_layer_is_compared_with_its_layers_merged() {
    let layer = "policy demo\nversion \"s1\"\nextends \"base\"\noverride parameter deadline = 2027-04-16 per \"b\"\n";
    let f = folder(&[("base.policy", BASE), ("s1.policy", layer)]);
    let d = diff(f.version("base").unwrap(), f.version("s1").unwrap());
    assert_eq!(d.changes(), 1, "{d:#?}");
    let p = &d.parameters[0];
    assert_eq!(p.old.as_ref().unwrap().value, None);
    assert_eq!(p.new.as_ref().unwrap().value.as_deref(), Some("2027-04-16"));
    assert!(
        render::text(&d, crate::model::Lang::Fr)
            .contains("Paramètre `deadline` : non défini → 2027-04-16 (clause b)")
    );
    // Backwards, the value is unset again.
    let back = diff(f.version("s1").unwrap(), f.version("base").unwrap());
    assert!(render::text(&back, crate::model::Lang::Fr).contains("2027-04-16 → non défini"));
}

#[test]
fn impact_lists_who_flips_and_who_is_invalid_on_one_side() {
    let f = demo();
    let (base, next) = (f.version("base").unwrap(), f.version("next").unwrap());
    let period = json!({"start": "2026-05-04", "end": "2026-06-05"});
    let cases = vec![
        // Five weeks: short of eight, enough for four.
        (
            "five-weeks".to_string(),
            json!({"periods": [period], "pages": 20}),
        ),
        // Pages missing: undetermined on both sides, the rest as before except `enough`.
        ("no-pages".to_string(), json!({"periods": []})),
        // `abroad` is only declared by the new version.
        ("abroad".to_string(), json!({"pages": 20, "abroad": true})),
        // `late` is only declared by the old one.
        ("late".to_string(), json!({"pages": 20, "late": true})),
    ];
    let i = impact(base, next, &cases, crate::request::Bounds::default());
    assert_eq!(
        i.counts,
        ImpactCounts {
            cases: 4,
            changed: 2,
            unchanged: 0,
            invalid: 2,
            conclusions_added: 1,
            conclusions_removed: 1,
        }
    );
    let five = &i.changed[0];
    assert_eq!(five.case, "five-weeks");
    let enough = five
        .conclusions
        .iter()
        .find(|c| c.conclusion == "enough")
        .unwrap();
    assert_eq!(enough.old.as_ref().unwrap().value, json!(false));
    assert_eq!(enough.new.as_ref().unwrap().value, json!(true));
    // `c` through the parameter `minimum` that the rule reads.
    assert_eq!(enough.new.as_ref().unwrap().citations, ["a", "b", "c"]);
    // A change of decision has both sides; `gone` (only before) and `abroad_ok` (only after)
    // are listed apart, with what they give each case compared.
    assert!(
        i.changed
            .iter()
            .flat_map(|c| &c.conclusions)
            .all(|c| c.old.is_some() && c.new.is_some())
    );
    assert_eq!(i.removed.len(), 1);
    assert_eq!(i.removed[0].conclusion, "gone");
    assert_eq!(i.removed[0].cases, 2);
    let gone: Vec<(&str, serde_json::Value)> = (i.removed[0].outcomes.iter())
        .map(|o| {
            (
                o.case.as_str(),
                serde_json::to_value(&o.outcome.value).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        gone,
        [("five-weeks", json!(false)), ("no-pages", json!(false))]
    );
    assert_eq!(i.added.len(), 1);
    assert_eq!(i.added[0].conclusion, "abroad_ok");
    assert_eq!(i.added[0].outcomes[0].outcome.value, json!(true));

    assert_eq!(i.invalid[0].case, "abroad");
    assert!(i.invalid[0].old.is_some() && i.invalid[0].new.is_none());
    assert_eq!(i.invalid[1].case, "late");
    assert!(i.invalid[1].old.is_none() && i.invalid[1].new.is_some());

    // Only changes of decision are counted per conclusion, in declaration order.
    let counted: Vec<&str> = i
        .by_conclusion
        .iter()
        .map(|c| c.conclusion.as_str())
        .collect();
    assert_eq!(counted, ["enough", "score"]);

    let text = render::impact_text(&i, crate::model::Lang::Fr);
    assert!(
        text.contains(
            "sur 4 dossiers : 2 changent, 0 inchangé, 2 invalides ; 1 conclusion ajoutée ; \
             1 conclusion supprimée"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n  abroad_ok : true (2 dossiers : five-weeks, no-pages)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  gone : false (2 dossiers : five-weeks, no-pages)\n"),
        "{text}"
    );
    let md = render::impact_markdown(&i, crate::model::Lang::Fr);
    assert!(md.contains("### Conclusions supprimées par next\n"), "{md}");
    assert!(
        md.contains("| `gone` | false (2 dossiers : five-weeks, no-pages) |"),
        "{md}"
    );
    assert!(text.contains("sous next : entrée valide"), "{text}");
    let json = serde_json::to_value(&i).unwrap();
    assert_eq!(json["invalid"][0]["new"], json!(null));
    assert_eq!(
        json["changed"][0]["conclusions"][0]["old"]["status"],
        "decided"
    );
    assert_eq!(json["counts"]["conclusions_added"], 1);
    assert_eq!(json["added"][0]["outcomes"][0]["case"], "five-weeks");
}

#[test]
fn a_case_whose_only_difference_is_an_added_conclusion_is_unchanged() {
    let f = demo();
    let (base, next) = (f.version("base").unwrap(), f.version("next").unwrap());
    // Compared with itself plus one conclusion: nothing else can change.
    let more = folder(&[
        ("base.policy", BASE),
        (
            "more.policy",
            "policy demo\nversion \"more\"\nextends \"base\"\n\
             conclusion pages_twice : integer pages\n  rule t gives pages + pages per \"b\"\n",
        ),
    ]);
    let cases = vec![
        ("a".to_string(), json!({"pages": 20})),
        ("b".to_string(), json!({"pages": 60})),
        ("c".to_string(), json!({})),
    ];
    let i = impact(
        more.version("base").unwrap(),
        more.version("more").unwrap(),
        &cases,
        crate::request::Bounds::default(),
    );
    assert_eq!(
        (i.counts.changed, i.counts.unchanged, i.counts.invalid),
        (0, 3, 0),
        "{i:#?}"
    );
    assert_eq!(i.counts.conclusions_added, 1);
    assert!(i.changed.is_empty() && i.by_conclusion.is_empty());
    let added = &i.added[0];
    assert_eq!((added.conclusion.as_str(), added.cases), ("pages_twice", 3));
    let values: Vec<serde_json::Value> = (added.outcomes.iter())
        .map(|o| serde_json::to_value(&o.outcome.value).unwrap())
        .collect();
    assert_eq!(values, [json!(40), json!(120), json!(null)]);
    assert_eq!(
        added.outcomes[2].outcome.status,
        crate::decision::Status::Undetermined
    );
    let text = render::impact_text(&i, crate::model::Lang::En);
    assert!(
        text.contains("on 3 cases: 0 change, 3 unchanged; 1 conclusion added"),
        "{text}"
    );
    // The other way, it is removed, and still no case changes.
    let back = impact(
        more.version("more").unwrap(),
        more.version("base").unwrap(),
        &cases,
        crate::request::Bounds::default(),
    );
    assert_eq!(
        (back.counts.changed, back.counts.conclusions_removed),
        (0, 1)
    );
    assert_eq!(back.removed[0].conclusion, "pages_twice");
    // A real change still counts, beside an added conclusion.
    let i = impact(base, next, &cases[..1], crate::request::Bounds::default());
    assert_eq!(i.counts.changed, 1);
    assert_eq!(i.counts.conclusions_added, 1);
}

#[test]
fn a_rule_word_diff_keeps_each_layout_and_marks_changed_words() {
    let old = "exception e of r\n  when a = b and not any j in js where j.ok\n  gives x";
    let new =
        "exception e of r\n  when a = b\n    and not any j in js where j.ok and j.f = m\n  gives y";
    let segments = compare::layout_word_diff(old, new);
    let side = |keep: SegmentOp| -> String {
        let kept = segments
            .iter()
            .filter(|s| s.op == SegmentOp::Equal || s.op == keep);
        kept.map(|s| s.text.as_str()).collect()
    };
    assert_eq!(side(SegmentOp::Removed), old);
    assert_eq!(side(SegmentOp::Added), new);
    let changed = changed_runs(&segments);
    assert_eq!(
        changed,
        [
            // The line break alone: a change of layout.
            (SegmentOp::Removed, " "),
            (SegmentOp::Added, "\n    "),
            (SegmentOp::Added, " and j.f = m"),
            (SegmentOp::Removed, "x"),
            (SegmentOp::Added, "y"),
        ]
    );
    // Two words replaced by three: one run each, the spaces between them inside.
    let words = compare::layout_word_diff("a b c d", "a x y z d");
    let ops = runs(&words);
    assert_eq!(
        ops,
        [
            (SegmentOp::Equal, "a "),
            (SegmentOp::Removed, "b c"),
            (SegmentOp::Added, "x y z"),
            (SegmentOp::Equal, " d"),
        ]
    );
}

#[test]
fn a_changed_rule_carries_its_word_diff() {
    let f = demo();
    let d = diff(f.version("base").unwrap(), f.version("next").unwrap());
    let long = d.conclusions.iter().find(|c| c.name == "long").unwrap();
    let r = long.rules.iter().find(|r| r.label == "r").unwrap();
    assert_eq!(r.aspects, ["condition"]);
    let changed = changed_runs(&r.text_diff);
    assert_eq!(
        changed,
        [
            (SegmentOp::Removed, "50 pages"),
            (SegmentOp::Added, "max_pages")
        ]
    );
    // An added rule has no word diff: its whole text is new.
    let enough = d.conclusions.iter().find(|c| c.name == "enough").unwrap();
    let forced = enough.rules.iter().find(|r| r.label == "forced").unwrap();
    assert!(forced.text_diff.is_empty());
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["text_diff"][0]["op"], "equal");
}

#[test]
fn the_json_shape_is_stable() {
    let f = demo();
    let d = diff(f.version("base").unwrap(), f.version("next").unwrap());
    let json = serde_json::to_value(&d).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "from",
            "to",
            "metadata",
            "clauses",
            "parameters",
            "conclusions",
            "definitions",
            "inputs",
            "types",
            "warnings"
        ]
    );
    assert_eq!(
        json["parameters"][0],
        json!({
            "name": "minimum", "change": "changed",
            "old": {"type": "integer weeks", "value": "8 weeks", "citations": ["a"]},
            "new": {"type": "integer weeks", "value": "4 weeks", "citations": ["a", "c"]}
        })
    );
    assert_eq!(json["clauses"][1]["old"], json!(null));
    assert_eq!(
        json["conclusions"][0]["rules"][0]["new"]["kind"],
        "exception"
    );
    assert_eq!(
        json["inputs"][0],
        json!({"path": "periods[].host", "change": "added", "old": null,
               "new": {"type": "text", "presence": "optional", "default": null, "citations": []}})
    );
}

#[test]
fn word_diff_merges_runs() {
    let segments = compare::word_diff("a b c d", "a x y d e");
    let ops = runs(&segments);
    assert_eq!(
        ops,
        [
            (SegmentOp::Equal, "a"),
            (SegmentOp::Removed, "b c"),
            (SegmentOp::Added, "x y"),
            (SegmentOp::Equal, "d"),
            (SegmentOp::Added, "e")
        ]
    );
}

#[test]
fn the_diff_reads_in_english_on_request() {
    let f = demo();
    let d = diff(f.version("base").unwrap(), f.version("next").unwrap());
    let text = render::text(&d, crate::model::Lang::En);
    for expected in [
        "Comparison of demo: base → next",
        "Effective from: 2021-09-01 → no date",
        "Clause changed \"a\" (section 1)",
        "no longer informative",
        "Parameter `minimum`: 8 weeks → 4 weeks (clauses cited: a → a, c)",
        "Parameter added `max_pages`: 50 pages (clause b)",
        "Exception added `forced`",
        "Rule changed `r`: condition",
        "Conclusion removed `gone`: bool",
        "Definition changed `weeks`",
        "Field added `periods[].host`: text, optional",
        "Field removed `late` (was: bool, default false)",
        "Type changed `ground` (enum)",
        "In all: 21 changes of meaning",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let md = render::markdown(&d, crate::model::Lang::En);
    assert!(
        md.contains("| `late` | bool, default false | — (removed) |"),
        "{md}"
    );
    assert!(
        md.contains("| Parameter | Before | After | Clauses |"),
        "{md}"
    );
}
