//! `clausier diff`: the semantic diff of the BTS versions, the impact on the candidates of
//! tests/cases/impact, and the command's three formats. The text and markdown outputs are
//! snapshotted (tests/integration/snapshots); regenerate them with
//! `INSTA_UPDATE=always cargo test --test integration diff`, then read the diff before committing.

use std::path::Path;
use std::process::{Command, Output};

use clausier::diff::{Change, ParameterSide, PolicyDiff, diff, impact, render};
use clausier::load::{PolicyFolder, load_folder};
use serde_json::{Value, json};

const BTS: &str = "policies/bts-metiers-de-la-mesure";
const CASES: &str = "tests/cases/impact";

fn bts() -> PolicyFolder {
    load_folder(Path::new(BTS)).expect("the BTS policy folder reads")
}

fn between(folder: &PolicyFolder, old: &str, new: &str) -> PolicyDiff {
    diff(
        folder.version(old).expect("old version"),
        folder.version(new).expect("new version"),
    )
}

fn clausier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn side(version: &str) -> String {
    format!("{BTS}@{version}")
}

/// The cases of tests/cases/impact, by file name.
fn cases() -> Vec<(String, Value)> {
    let mut paths: Vec<_> = std::fs::read_dir(CASES)
        .expect("the cases folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(p).unwrap();
            (name, serde_json::from_str(&text).expect("a case is JSON"))
        })
        .collect()
}

// ------------------------------------------------------------------------------------ the library

#[test]
fn session_2026_to_2027_changes_exactly_the_two_dates() {
    let d = between(&bts(), "session-2026", "session-2027");
    let params: Vec<String> = d
        .parameters
        .iter()
        .map(|p| {
            let (o, n) = (p.old.as_ref().unwrap(), p.new.as_ref().unwrap());
            format!(
                "{} {:?}: {:?} -> {:?} per {:?}",
                p.name, p.change, o.value, n.value, n.citations
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            r#"report_deadline Changed: Some("2026-04-17") -> Some("2027-04-16") per ["4-3"]"#,
            r#"exam_date Changed: Some("2026-05-19") -> Some("2027-05-18") per ["4-3"]"#,
        ]
    );
    assert_eq!(d.changes(), 2, "nothing but the two dates: {d:#?}");
    assert!(d.clauses.is_empty() && d.conclusions.is_empty() && d.definitions.is_empty());
    assert!(d.inputs.is_empty() && d.types.is_empty() && d.warnings.is_empty());
    // The header of each session differs too, and is shown apart from the changes of meaning.
    let fields: Vec<&str> = d.metadata.iter().map(|m| m.field).collect();
    assert_eq!(fields, ["effective_from", "title", "source"]);
}

#[test]
fn annexe_to_mayotte_shows_the_amendment() {
    let d = between(&bts(), "annexe-ivb", "mayotte-2025");
    let added: Vec<(&str, Change)> = d
        .clauses
        .iter()
        .map(|c| (c.id.as_str(), c.change))
        .collect();
    assert_eq!(added, [("mayotte-2025-1", Change::Added)]);

    let values: Vec<(&str, Option<&str>, Option<&str>)> = d
        .parameters
        .iter()
        .map(|p| {
            fn value(s: Option<&ParameterSide>) -> Option<&str> {
                s.and_then(|s| s.value.as_deref())
            }
            (
                p.name.as_str(),
                value(p.old.as_ref()),
                value(p.new.as_ref()),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            ("minimum_reduced_weeks", Some("8 weeks"), Some("4 weeks")),
            ("report_deadline", None, Some("2025-04-18")),
            ("exam_date", None, Some("2025-05-20")),
        ]
    );
    let minimum = &d.parameters[0];
    assert_eq!(
        minimum.new.as_ref().unwrap().citations,
        ["mayotte-2025-1", "3-1"]
    );

    // No rule is restated: the amending clause reaches decisions through the parameter.
    assert!(d.conclusions.is_empty(), "{:?}", d.conclusions);
    assert_eq!(d.changes(), 4);

    let text = render::text(&d, clausier::Lang::Fr);
    for expected in [
        "Clause ajoutée \"mayotte-2025-1\" (section mesure exceptionnelle)",
        "Paramètre `minimum_reduced_weeks` : 8 weeks → 4 weeks (clauses citées : 3-1 → mayotte-2025-1, 3-1)",
        "Paramètre `report_deadline` : non défini → 2025-04-18 (clause 4-3)",
        "Paramètre `exam_date` : non défini → 2025-05-20 (clause 4-3)",
        "En vigueur à partir du : 2021-09-01 → aucune date (version choisie par son libellé)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// Every version of the BTS policy against a copy of the folder where each file has its items
/// in another order and is written by the formatter.
#[test]
fn a_reformatted_and_reordered_copy_is_the_same_policy() {
    let original = bts();
    let dir = tempfile::tempdir().expect("tempdir");
    for (_, file) in original.sources.files() {
        let path = file.path.as_ref().expect("read from disk");
        let mut parsed = original
            .files
            .iter()
            .find(|f| original.sources.get(f.file).and_then(|s| s.path.as_ref()) == Some(path))
            .expect("the file parsed")
            .policy
            .as_ref()
            .clone();
        // Reverse the items, then move the first third to the end.
        parsed.items.reverse();
        let third = parsed.items.len() / 3;
        parsed.items.rotate_left(third);
        let text = clausier::format::format_policy(&parsed);
        assert_ne!(text, file.text);
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).expect("write");
    }
    let copy = load_folder(dir.path()).expect("the copy reads");
    assert!(copy.is_ok(), "the reordered copy checks");
    for policy in original.compiled() {
        let copied = copy.version(&policy.version).expect("same versions");
        assert_ne!(policy.sha256, copied.sha256, "the texts differ");
        let d = diff(policy, copied);
        assert!(d.is_empty(), "{}: {d:#?}", policy.version);
        assert!(render::text(&d, clausier::Lang::Fr).contains("Aucun changement de sens"));
    }
}

#[test]
fn impact_of_mayotte_shows_who_flips() {
    // Mayotte 2025 lowers the reduced minimum from 8 weeks to 4, and moves the session dates a
    // year earlier (deadline 2025-04-18, exam 2025-05-20): every change below follows from one
    // of the two, and nothing else changes.
    let folder = bts();
    let cases = cases();
    assert_eq!(cases.len(), 8);
    let i = impact(
        folder.version("session-2026").unwrap(),
        folder.version("mayotte-2025").unwrap(),
        &cases,
        clausier::request::Bounds::default(),
    );
    let value = |o: &Option<clausier::diff::Outcome>| {
        let o = o.as_ref().expect("the conclusion exists on both sides");
        assert_eq!(o.status, clausier::decision::Status::Decided, "{o:?}");
        serde_json::to_value(&o.value).unwrap()
    };
    let flips: Vec<(&str, &str, Value, Value)> = i
        .changed
        .iter()
        .flat_map(|c| {
            c.conclusions.iter().map(|k| {
                (
                    c.case.as_str(),
                    k.conclusion.as_str(),
                    value(&k.old),
                    value(&k.new),
                )
            })
        })
        .collect();
    let expected = [
        // Three weeks: the minimum halves, still short of it.
        (
            "force-majeure-3-semaines",
            "required_weeks",
            json!(8),
            json!(4),
        ),
        // Five weeks of force majeure: now enough, admitted on the rector's authorisation.
        (
            "force-majeure-5-semaines",
            "required_weeks",
            json!(8),
            json!(4),
        ),
        (
            "force-majeure-5-semaines",
            "internship_status",
            json!("insuffisant"),
            json!("satisfait"),
        ),
        (
            "force-majeure-5-semaines",
            "e61_admission",
            json!("refuse"),
            json!("admis_sur_autorisation"),
        ),
        (
            "force-majeure-5-semaines",
            "jury_informed",
            json!(false),
            json!(true),
        ),
        // Six weeks of a formation aménagée: enough, and admitted outright (not force majeure).
        (
            "formation-amenagee-6-semaines",
            "required_weeks",
            json!(8),
            json!(4),
        ),
        (
            "formation-amenagee-6-semaines",
            "internship_status",
            json!("insuffisant"),
            json!("satisfait"),
        ),
        (
            "formation-amenagee-6-semaines",
            "e61_admission",
            json!("refuse"),
            json!("admis"),
        ),
        // Employed from January 2025: six months before the 2026 exam, not before May 2025's.
        (
            "perfectionnement-emploi-2025",
            "presence_proof",
            json!("certificats_de_travail"),
            json!("certificat_de_stage"),
        ),
        (
            "perfectionnement-emploi-2025",
            "required_weeks",
            json!(null),
            json!(12),
        ),
        (
            "perfectionnement-emploi-2025",
            "internship_status",
            json!("non_requis"),
            json!("insuffisant"),
        ),
        (
            "perfectionnement-emploi-2025",
            "e61_admission",
            json!("admis"),
            json!("refuse"),
        ),
        // Submitted on 22 April 2025: on time for 2026, after Mayotte's deadline of 18 April.
        (
            "rapport-depose-le-2025-04-22",
            "nonconformity_causes",
            json!([]),
            json!(["depot_hors_delai"]),
        ),
        (
            "rapport-depose-le-2025-04-22",
            "report_conformity",
            json!("conforme"),
            json!("non_conforme"),
        ),
        (
            "rapport-depose-le-2025-04-22",
            "e61_mention",
            json!(null),
            json!("non_valide"),
        ),
        (
            "rapport-depose-le-2025-04-22",
            "diploma_blocked",
            json!(false),
            json!(true),
        ),
    ];
    assert_eq!(
        flips,
        expected
            .iter()
            .map(|(c, k, o, n)| (*c, *k, o.clone(), n.clone()))
            .collect::<Vec<_>>()
    );
    // The clauses behind the new values: Mayotte's amending clause for the duration.
    let new_citations = |case: &str, conclusion: &str| {
        i.changed
            .iter()
            .find(|c| c.case == case)
            .and_then(|c| c.conclusions.iter().find(|k| k.conclusion == conclusion))
            .and_then(|k| k.new.as_ref())
            .map(|o| o.citations.clone())
            .unwrap()
    };
    assert_eq!(
        new_citations("force-majeure-3-semaines", "required_weeks"),
        ["3-1", "3-2", "mayotte-2025-1"]
    );
    // Admitted on authorisation: the rule's clauses, then those of the normal duration it reads.
    assert_eq!(
        new_citations("force-majeure-5-semaines", "e61_admission"),
        ["2.1.2-4", "4-2", "0-1", "2.1.2-3", "3-1"]
    );
    // Late against Mayotte's deadline: the clause, then the one that sets the deadline.
    assert_eq!(
        new_citations("rapport-depose-le-2025-04-22", "nonconformity_causes"),
        ["4-6", "4-3"]
    );
    // The two cases nothing touches are counted, the one with a typo is listed, none dropped.
    assert_eq!(
        (
            i.counts.cases,
            i.counts.changed,
            i.counts.unchanged,
            i.counts.invalid
        ),
        (8, 5, 2, 1)
    );
    let invalid: Vec<&str> = i.invalid.iter().map(|c| c.case.as_str()).collect();
    assert_eq!(invalid, ["faute-de-frappe"]);
    let by: Vec<(&str, usize)> = i
        .by_conclusion
        .iter()
        .map(|c| (c.conclusion.as_str(), c.cases))
        .collect();
    assert_eq!(
        by,
        [
            ("presence_proof", 1),
            ("required_weeks", 4),
            ("internship_status", 3),
            ("e61_admission", 3),
            ("jury_informed", 1),
            ("nonconformity_causes", 1),
            ("report_conformity", 1),
            ("e61_mention", 1),
            ("diploma_blocked", 1),
        ]
    );
}

// ------------------------------------------------------------------------------------ the command

#[test]
fn cli_text_session_2026_to_2027() {
    let o = clausier(&["diff", &side("session-2026"), &side("session-2027")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Paramètre `report_deadline` : 2026-04-17 → 2027-04-16 (clause 4-3)"));
    assert!(out.contains("Paramètre `exam_date` : 2026-05-19 → 2027-05-18 (clause 4-3)"));
    insta::assert_snapshot!("text_session_2026_to_2027", out);
}

#[test]
fn cli_text_annexe_file_to_mayotte_file() {
    let old = format!("{BTS}/annexe-ivb.policy");
    let new = format!("{BTS}/mayotte-2025.policy");
    let o = clausier(&["diff", &old, &new, "--format", "text"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("text_annexe_to_mayotte", stdout(&o));
}

#[test]
fn cli_text_with_cases() {
    let o = clausier(&[
        "diff",
        &side("session-2026"),
        &side("mayotte-2025"),
        "--cases",
        CASES,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("e61_admission : refuse → admis_sur_autorisation"));
    insta::assert_snapshot!("text_session_2026_to_mayotte_with_cases", out);
}

#[test]
fn cli_markdown() {
    let o = clausier(&[
        "diff",
        &side("session-2026"),
        &side("session-2027"),
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("markdown_session_2026_to_2027", stdout(&o));

    let o = clausier(&[
        "diff",
        &side("session-2026"),
        &side("mayotte-2025"),
        "--format",
        "markdown",
        "--cases",
        CASES,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("markdown_session_2026_to_mayotte_with_cases", stdout(&o));
}

#[test]
fn cli_json() {
    let o = clausier(&[
        "diff",
        &side("session-2026"),
        &side("session-2027"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(report["impact"], Value::Null);
    let d = &report["diff"];
    assert_eq!(d["from"]["version"], "session-2026");
    assert_eq!(d["to"]["effective_from"], "2026-09-01");
    assert_eq!(
        d["parameters"],
        json!([
            {"name": "report_deadline", "change": "changed",
             "old": {"type": "date", "value": "2026-04-17", "citations": ["4-3"]},
             "new": {"type": "date", "value": "2027-04-16", "citations": ["4-3"]}},
            {"name": "exam_date", "change": "changed",
             "old": {"type": "date", "value": "2026-05-19", "citations": ["4-3"]},
             "new": {"type": "date", "value": "2027-05-18", "citations": ["4-3"]}}
        ])
    );
    for empty in [
        "clauses",
        "conclusions",
        "definitions",
        "inputs",
        "types",
        "warnings",
    ] {
        assert_eq!(d[empty], json!([]), "{empty}");
    }

    let o = clausier(&[
        "diff",
        &side("session-2026"),
        &side("mayotte-2025"),
        "--format",
        "json",
        "--cases",
        CASES,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let i = &report["impact"];
    assert_eq!(i["counts"]["invalid"], 1);
    let five = i["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "force-majeure-5-semaines")
        .expect("the five-week internship flips");
    let admission = five["conclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conclusion"] == "e61_admission")
        .unwrap();
    assert_eq!(admission["old"]["value"], "refuse");
    assert_eq!(admission["new"]["value"], "admis_sur_autorisation");
    // The rule's clauses, then those of `normal_weeks`, which its condition reads.
    assert_eq!(
        admission["new"]["citations"],
        json!(["2.1.2-4", "4-2", "0-1", "2.1.2-3", "3-1"])
    );
}

#[test]
fn cli_usage_and_io_errors_exit_2() {
    let session = side("session-2026");
    let no_version = clausier(&["diff", BTS, &session]);
    assert_eq!(no_version.status.code(), Some(2));
    assert!(stderr(&no_version).contains("name a version of it"));
    let unknown = clausier(&["diff", &side("session-2030"), &session]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("no version `session-2030`"),
        "{}",
        stderr(&unknown)
    );
    let no_cases = clausier(&["diff", &session, &session, "--cases", "tests/no-such-dir"]);
    assert_eq!(no_cases.status.code(), Some(2));
    let nothing = clausier(&["diff", "nowhere.policy", &session]);
    assert_eq!(nothing.status.code(), Some(2));
    let ambiguous = clausier(&[
        "diff",
        "tests/broken/duplicate-version@session-2027",
        &session,
    ]);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(stderr(&ambiguous).contains("more than one file"));
}

/// Issue part 5: the versions of a folder are checked against each other.
#[test]
fn check_rejects_duplicate_labels_cycles_and_missing_versions() {
    for (folder, code) in [
        ("duplicate-version", "duplicate-version"),
        ("extends-cycle", "extends-cycle"),
        ("extends-missing-version", "unknown-version"),
    ] {
        let path = format!("tests/broken/{folder}");
        let o = clausier(&["check", &path, "--error-format", "json"]);
        assert_eq!(o.status.code(), Some(1), "{folder}");
        let codes: Vec<String> = stdout(&o)
            .lines()
            .map(|l| {
                let d: Value = serde_json::from_str(l).expect("one JSON diagnostic per line");
                d["code"].as_str().unwrap().to_string()
            })
            .collect();
        assert!(codes.iter().any(|c| c == code), "{folder}: {codes:?}");
    }
}

/// Two whole versions of a generated policy of 5,000 items, every tenth parameter set one
/// higher in the second: the diff names those 500 parameters, in the order they are declared,
/// with their two values, and nothing else changes (the header aside). Each declaration is
/// matched with the other version's by its name's hash (it was a search through the other
/// version: 10,000 items took seconds, `load_scale/diff_10000` in the benches).
#[test]
fn two_large_versions_differ_in_exactly_the_parameters_changed() {
    use crate::asked::synthetic;
    let items = 5_000;
    let folder = clausier::check_texts(
        std::path::PathBuf::from("synthetic"),
        vec![
            ("synthetic/v.policy".into(), None, synthetic::policy(items)),
            (
                "synthetic/w.policy".into(),
                None,
                synthetic::version(items, "w", "2027-01-01", Some(10)),
            ),
        ],
    );
    assert!(folder.is_ok(), "{:?}", folder.diagnostics.first());
    let d = between(&folder, "v", "w");
    let changed: Vec<(&str, Option<&str>, Option<&str>)> = d
        .parameters
        .iter()
        .map(|p| {
            assert_eq!(p.change, Change::Changed, "{}", p.name);
            fn value(side: &Option<ParameterSide>) -> Option<&str> {
                side.as_ref()?.value.as_deref()
            }
            (p.name.as_str(), value(&p.old), value(&p.new))
        })
        .collect();
    let expected: Vec<(String, String, String)> = (0..items)
        .step_by(10)
        .map(|i| (format!("p{i}"), i.to_string(), (i + 1).to_string()))
        .collect();
    let expected: Vec<(&str, Option<&str>, Option<&str>)> = expected
        .iter()
        .map(|(p, a, b)| (p.as_str(), Some(a.as_str()), Some(b.as_str())))
        .collect();
    assert_eq!(changed, expected);
    assert_eq!(d.changes(), items / 10);
    assert!(
        d.clauses.is_empty() && d.conclusions.is_empty() && d.inputs.is_empty(),
        "{:?}",
        (d.clauses.first(), d.conclusions.first(), d.inputs.first())
    );
}
