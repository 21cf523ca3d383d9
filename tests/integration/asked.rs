//! Decisions asked for some conclusions (`conclusions` in a request, `--conclusion` in the
//! CLI): the decision holds those alone, and nothing is evaluated but what they read.

use std::path::PathBuf;
use std::process::Command;

use clausier::decision::{Decision, decide, decide_only};
use clausier::eval::Evaluator;
use clausier::load::{PolicyFolder, check_texts, load_folder};
use clausier::prepared::Prepared;
use clausier::request::{InterviewOptions, Options, RequestError, conclusions};
use clausier::{Lang, json::read_facts};
use serde_json::{Value, json};

use crate::http::{BTS, TestServer, candidate, date, decide as post_decision, get, post};

#[path = "../../benches/synthetic.rs"]
pub(crate) mod synthetic;

/// Items of the synthetic policy: conclusions `k0` to `k9999`, chains of ten (`k{i}` reads
/// `k{i-1}` but for every tenth).
const ITEMS: usize = 10_000;

fn synthetic_folder() -> PolicyFolder {
    checked("synthetic", synthetic::policy(ITEMS))
}

/// The folder `name` holding the one version `v` of `text`, checked without error.
fn checked(name: &str, text: String) -> PolicyFolder {
    let folder = check_texts(
        PathBuf::from(name),
        vec![(format!("{name}/v.policy"), None, text)],
    );
    assert!(folder.is_ok(), "the {name} policy checks");
    folder
}

fn index(policy: &Prepared, name: &str) -> usize {
    policy.conclusion_index(name).unwrap()
}

fn names(d: &Decision) -> Vec<&str> {
    d.conclusions.0.iter().map(|(n, _)| &**n).collect()
}

#[test]
fn one_conclusion_of_a_large_policy_evaluates_only_what_it_reads() {
    let folder = synthetic_folder();
    let policy = folder.version("v").unwrap();
    // `x9990` above its parameter makes `k9990` true, and with it the rest of its chain, each
    // reading the one before (`x9991` to `x9995` are not above theirs).
    let input = json!({"g99": {"x9990": 100_000}});
    let facts = read_facts(policy, &input).unwrap();

    // The evaluator itself: deciding `k9995` decides the chain it reads, from `k9990` (which
    // reads no conclusion), and nothing else.
    let mut ev = Evaluator::new(policy, &facts);
    ev.record(index(policy, "k9995"));
    let mut evaluated: Vec<usize> = ev.evaluated().collect();
    evaluated.sort_unstable();
    let chain: Vec<usize> = ["k9990", "k9991", "k9992", "k9993", "k9994", "k9995"]
        .iter()
        .map(|n| index(policy, n))
        .collect();
    assert_eq!(evaluated, chain);

    // The decision holds the conclusion asked alone; its trace lists the rules of the
    // conclusions evaluated (two each), those it read included, and no other.
    let only = [index(policy, "k9995")];
    let d = decide_only(policy, &facts, "id", Some(&only), (true, true), Lang::En);
    assert_eq!(names(&d), ["k9995"]);
    let k = &d.conclusions.0[0].1;
    assert_eq!(k.value, clausier::decision::Datum::Bool(true));
    let trace = d.trace.as_ref().unwrap();
    let mut traced: Vec<&str> = trace.iter().map(|t| t.conclusion.as_str()).collect();
    traced.dedup();
    assert_eq!(
        traced,
        ["k9990", "k9991", "k9992", "k9993", "k9994", "k9995"]
    );
    assert_eq!(trace.len(), 12);
    let applied = |c: &str| {
        trace
            .iter()
            .find(|t| t.conclusion == c && t.rule == "over")
            .unwrap()
            .outcome
    };
    for c in ["k9990", "k9991", "k9995"] {
        assert_eq!(applied(c), "applied", "{c}");
    }

    // `or` reads no further than it needs: with `k9993` true of itself, `k9995` reads
    // `k9994` and `k9993` only.
    let facts = read_facts(policy, &json!({"g99": {"x9993": 100_000}})).unwrap();
    let mut ev = Evaluator::new(policy, &facts);
    ev.record(index(policy, "k9995"));
    let mut evaluated: Vec<usize> = ev.evaluated().collect();
    evaluated.sort_unstable();
    assert_eq!(
        evaluated,
        [9993, 9994, 9995].map(|i| index(policy, &format!("k{i}")))
    );

    // What it says of the conclusion is what the whole decision says of it.
    let all = decide(policy, &facts, "id", false, true, Lang::En);
    assert_eq!(all.conclusions.0.len(), ITEMS);
    let alone = decide_only(policy, &facts, "id", Some(&only), (false, true), Lang::En);
    assert_eq!(all.conclusions.get("k9995"), alone.conclusions.get("k9995"));
}

#[test]
fn conclusions_are_named_and_a_name_not_declared_is_refused_where_it_stands() {
    let folder = synthetic_folder();
    let policy = folder.version("v").unwrap();
    let asked = |names: &[&str]| {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        conclusions(policy, &names, "conclusions")
    };
    // Sorted, each once, whatever the order asked.
    let found = asked(&["k7", "k3", "k7"]).unwrap();
    assert_eq!(&*found, [index(policy, "k3"), index(policy, "k7")]);
    let Err(RequestError::Invalid(errors)) = asked(&["k3", "k99995", "k42x"]) else {
        panic!("unknown names are refused")
    };
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(pointers, ["/conclusions/1", "/conclusions/2"]);
    assert!(
        errors[1].message.contains("did you mean `k42`?"),
        "{}",
        errors[1].message
    );
    let Err(RequestError::Invalid(errors)) = asked(&[]) else {
        panic!("an empty list is refused")
    };
    assert_eq!(errors[0].pointer, "/conclusions");

    // Through the one path from a record to a decision.
    let options = Options {
        conclusions: Some(found),
        words: true,
        ..Options::default()
    };
    let d = clausier::request::decide(policy, &json!({}), &options).unwrap();
    assert_eq!(names(&d), ["k3", "k7"]);
    assert!(d.conclusions.0.iter().all(|(_, c)| c.text.is_some()));
}

/// Hundreds of names that are not declared get the bounded list of errors every invalid request
/// gets: the first hundred, each with its "did you mean" in both languages, and how many more
/// there were; for a decision and for an interview, whose two lists count together.
#[test]
fn names_not_declared_are_refused_with_a_bounded_list_of_errors() {
    let folder = synthetic_folder();
    let policy = folder.version("v").unwrap();
    let mut names: Vec<String> = (0..300).map(|i| format!("k{i}x")).collect();
    names.insert(1, "k7".into());
    let check = |errors: &[clausier::json::InputError], left: usize| {
        assert_eq!(errors.len(), 101);
        assert_eq!(errors[0].pointer, "/conclusions/0");
        assert_eq!(
            errors[0].message,
            "`k0x` is not a conclusion of the policy: did you mean `k0`?"
        );
        assert_eq!(
            errors[0].message_fr.as_deref(),
            Some("`k0x` n'est pas une conclusion de la politique : vouliez-vous dire `k0` ?")
        );
        // The name declared is not an error: the second error is the third name's.
        assert_eq!(errors[1].pointer, "/conclusions/2");
        assert_eq!(errors[100].message, format!("{left} more errors not shown"));
    };
    let Err(RequestError::Invalid(errors)) = conclusions(policy, &names, "conclusions") else {
        panic!("the names not declared are refused")
    };
    check(&errors, 200);
    let refused = |options: InterviewOptions| {
        let Err(RequestError::Invalid(errors)) =
            clausier::request::interview(policy, &json!({}), &options)
        else {
            panic!("the names not declared are refused")
        };
        errors
    };
    let errors = refused(InterviewOptions {
        conclusions: Some(names.clone()),
        unknown: vec!["g0.x0".into(), "g0.y0".into()],
        ..InterviewOptions::default()
    });
    check(&errors, 201);
    // Alone, an input's path not declared is said as such.
    let errors = refused(InterviewOptions {
        unknown: vec!["g0.x0".into(), "g0.xx0".into()],
        ..InterviewOptions::default()
    });
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].pointer, "/unknown/1");
    assert_eq!(
        errors[0].message,
        "`g0.xx0` is not an input of the policy: did you mean `g0.x0`?"
    );
    assert_eq!(
        errors[0].message_fr.as_deref(),
        Some("`g0.xx0` n'est pas une entrée de la politique : vouliez-vous dire `g0.x0` ?")
    );
}

fn bts() -> PolicyFolder {
    load_folder(std::path::Path::new("policies/bts-metiers-de-la-mesure")).unwrap()
}

#[test]
fn the_bts_conclusions_asked_are_those_of_the_whole_decision_with_their_hints() {
    let folder = bts();
    let policy = folder.version("session-2027").unwrap();
    let mut record = candidate();
    record["internship"]["certificate_provided"] = json!(false);
    record["report"].as_object_mut().unwrap().remove("pages");
    let facts = read_facts(policy, &record).unwrap();
    let all = decide(policy, &facts, "id", true, true, Lang::Fr);
    let mut only: Vec<usize> = ["report_conformity", "e61_admission"]
        .iter()
        .map(|n| index(policy, n))
        .collect();
    only.sort_unstable();
    let some = decide_only(policy, &facts, "id", Some(&only), (true, true), Lang::Fr);
    assert_eq!(names(&some), ["e61_admission", "report_conformity"]);
    for (name, c) in &some.conclusions.0 {
        assert_eq!(all.conclusions.get(name), Some(c), "{name}");
    }
    // Each rule traced is traced as the whole decision traces it; the conclusions no one
    // asked for or read are not.
    let whole = all.trace.unwrap();
    let trace = some.trace.unwrap();
    assert!(trace.len() < whole.len());
    assert!(trace.iter().all(|t| whole.contains(t)));
    assert!(!trace.iter().any(|t| t.conclusion == "resit_options"));

    // Hints for the conclusions asked only; naming another is a bad request.
    let hinted = |hints: Value, names: &[&str]| {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let options = Options {
            conclusions: Some(conclusions(policy, &names, "conclusions").unwrap()),
            hints: Some(serde_json::from_value(hints).unwrap()),
            decision_id: Some("id".into()),
            ..Options::default()
        };
        clausier::request::decide(policy, &record, &options)
    };
    let d = hinted(json!(true), &["e61_admission"]).unwrap();
    let hints = d.conclusions.0[0].1.hints.as_ref().unwrap();
    assert!(!hints.is_empty());
    assert!(
        hints.iter().any(|h| h
            .changes
            .iter()
            .any(|c| c.path == "internship.certificate_provided")),
        "{hints:?}"
    );
    let d = hinted(json!({"e61_admission": "admis"}), &["e61_admission"]).unwrap();
    assert!(!d.conclusions.0[0].1.hints.as_ref().unwrap().is_empty());
    assert!(matches!(
        hinted(json!({"e61_admission": "admis"}), &["report_conformity"]),
        Err(RequestError::Bad(_))
    ));
}

#[test]
fn the_service_decides_the_conclusions_asked_and_refuses_unknown_ones_at_their_pointer() {
    let server = TestServer::bts(date("2026-11-28"));
    let r = post_decision(
        &server,
        json!({"input": candidate(), "conclusions": ["e61_admission"], "explain": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json();
    let keys: Vec<&String> = d["conclusions"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["e61_admission"]);
    assert_eq!(d["conclusions"]["e61_admission"]["value"], "admis");
    let traced: Vec<&str> = d["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["conclusion"].as_str().unwrap())
        .collect();
    assert!(traced.contains(&"e61_admission") && traced.contains(&"presence_proof"));
    assert!(!traced.contains(&"resit_options"), "{traced:?}");

    let p = post_decision(
        &server,
        json!({"input": candidate(), "conclusions": ["e61_admission", "e61_admision"]}),
    )
    .problem(422);
    assert_eq!(p["errors"][0]["pointer"], "/conclusions/1");
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("`e61_admission`"), "{p}");
    post_decision(&server, json!({"input": candidate(), "conclusions": []})).problem(422);

    // A JSON batch, in its body or its query string; an NDJSON one in its query string.
    let batch = format!("/v1/policies/{BTS}/decisions/batch");
    let body = json!({"inputs": [candidate(), {"candidate": {"pathway": "apprentissage"}}], "conclusions": ["presence_proof", "jury_informed"]});
    let r = post(&server, &batch, "application/json", body.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    for d in r.json()["decisions"].as_array().unwrap() {
        let keys: Vec<&String> = d["conclusions"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["presence_proof", "jury_informed"]);
    }
    let body = json!({"inputs": [candidate()]});
    let r = post(
        &server,
        &format!("{batch}?conclusions=jury_informed"),
        "application/json",
        body.to_string(),
    );
    let keys: Vec<String> = r.json()["decisions"][0]["conclusions"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["jury_informed"]);
    let body = json!({"inputs": [candidate()], "conclusions": ["jury_nformed"]});
    let p = post(&server, &batch, "application/json", body.to_string()).problem(422);
    assert_eq!(p["errors"][0]["pointer"], "/conclusions/0");
    let lines = format!(
        "{}\n{}\n",
        candidate(),
        json!({"candidate": {"pathway": "apprentissage"}})
    );
    let r = post(
        &server,
        &format!("{batch}?conclusions=presence_proof,%20report_kind"),
        "application/x-ndjson",
        lines.clone(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    for line in r.body.lines() {
        let d: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&String> = d["conclusions"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["presence_proof", "report_kind"]);
    }
    let p = post(
        &server,
        &format!("{batch}?conclusions=presence_proof,nope"),
        "application/x-ndjson",
        lines,
    )
    .problem(422);
    assert_eq!(p["errors"][0]["pointer"], "/conclusions/1");

    // The schema of decisions asked for some conclusions names them alone, each required.
    let schema = get(
        &server,
        &format!(
            "/v1/policies/{BTS}/versions/session-2027/decision-schema?conclusions=jury_informed"
        ),
    )
    .json();
    let conclusions = &schema["allOf"][1]["properties"]["conclusions"];
    assert_eq!(conclusions["required"], json!(["jury_informed"]));
    assert_eq!(
        conclusions["properties"].as_object().unwrap().len(),
        1,
        "{conclusions}"
    );
    let all = get(
        &server,
        &format!("/v1/policies/{BTS}/versions/session-2027/decision-schema"),
    )
    .json();
    let required = all["allOf"][1]["properties"]["conclusions"]["required"]
        .as_array()
        .unwrap()
        .len();
    assert!(required > 10);
}

#[test]
fn eval_decides_the_conclusions_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("candidate.json");
    std::fs::write(&input, candidate().to_string()).unwrap();
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "policies/bts-metiers-de-la-mesure",
            "--version",
            "session-2027",
            input.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_clausier"))
            .args(&args)
            .output()
            .unwrap()
    };
    let o = eval(&[
        "--conclusion",
        "jury_informed",
        "--conclusion",
        "e61_admission",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys: Vec<&String> = d["conclusions"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["e61_admission", "jury_informed"]);
    let o = eval(&["--conclusion", "jury_informd"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("jury_informed"), "{err}");
}

/// An interview on a policy of 2,000 items, nothing answered: every input is asked once (each
/// is the one its conclusion still misses), and the inputs answered are asked no more. The
/// search weighs each input against the conclusions that read it, not against the whole
/// policy (a copy of every fact, and a decision of every conclusion, for each input made an
/// interview of 4,000 items take about a minute).
#[test]
fn an_interview_on_a_large_policy_asks_each_input_a_conclusion_misses_once() {
    let folder = checked("synthetic", synthetic::policy(2_000));
    let policy = folder.version("v").unwrap();
    let asked = |record: &Value| -> Vec<String> {
        let interview =
            clausier::request::interview(policy, record, &InterviewOptions::default()).unwrap();
        interview.questions.into_iter().map(|q| q.path).collect()
    };
    let mut questions = asked(&json!({}));
    questions.sort();
    let mut every: Vec<String> = (0..2_000).map(|i| format!("g{}.x{i}", i / 100)).collect();
    every.sort();
    assert_eq!(questions, every);
    // The first chain of ten answered: its ten inputs are not asked again.
    let record = json!({"g0": {"x0": 1, "x1": 1, "x2": 1, "x3": 1, "x4": 1, "x5": 1,
        "x6": 1, "x7": 1, "x8": 1, "x9": 1}});
    let questions = asked(&record);
    assert_eq!(questions.len(), 1_990);
    let answered: Vec<String> = (0..10).map(|i| format!("g0.x{i}")).collect();
    assert!(questions.iter().all(|q| !answered.contains(q)));
}

/// A policy where settling runs out of budget on `u` (eight unknown booleans, every
/// combination to try) and where a hint for `c` that changes `x` leaves `d` undetermined in
/// the whole decision, whereas `d` alone settles to the value it had.
const SETTLED: &str = r#"policy settled
version "v"
effective from 2026-01-01

clause "c" section "s"
  | Texte.

input b1 : bool per "c"
input b2 : bool per "c"
input b3 : bool per "c"
input b4 : bool per "c"
input b5 : bool per "c"
input b6 : bool per "c"
input b7 : bool per "c"
input b8 : bool per "c"
input y : bool per "c"
input x : integer = 0 per "c"
input z : integer = 0 per "c"

conclusion u : bool
  rule base
    gives false
    per "c"
  exception all of base
    when b1 = b1 and b2 = b2 and b3 = b3 and b4 = b4 and b5 = b5 and b6 = b6 and b7 = b7 and b8 = b8
    gives true
    per "c"

conclusion d : bool
  rule base
    gives false
    per "c"
  exception both of base
    when x > 5 and y and not y
    gives true
    per "c"

conclusion c : bool
  rule base
    gives false
    per "c"
  exception over of base
    when x > 5 or z > 9
    gives true
    per "c"
"#;

/// When settling leaves a conclusion of the decision open, a hint is verified on the whole
/// decision again: a smaller one would settle `d` (alone, its branches agree), where the whole
/// one spends the budget on `u` first. So changing `x` moves `d` (settled before, open after)
/// and ranks after changing `z`, though `z` goes farther.
#[test]
fn hints_are_verified_on_the_whole_decision_when_settling_leaves_a_conclusion_open() {
    let folder = checked("settled", SETTLED.to_string());
    let policy = folder.version("v").unwrap();
    let options = Options {
        hints: Some(serde_json::from_value(json!(true)).unwrap()),
        decision_id: Some("id".into()),
        lang: Lang::En,
        ..Options::default()
    };
    let d = clausier::request::decide(policy, &json!({}), &options).unwrap();
    let status = |name: &str| d.conclusions.get(name).unwrap().status;
    assert_eq!(status("u"), clausier::decision::Status::Undetermined);
    let c = d.conclusions.get("c").unwrap();
    let paths: Vec<&str> = (c.hints.as_ref().unwrap().iter())
        .map(|h| h.changes[0].path.as_str())
        .collect();
    assert_eq!(paths, ["z", "x"], "{:?}", c.hints);
}

/// Hints for every conclusion of a decision over the whole policy verify each hint by deciding
/// again only what its changes can reach; they are the hints of the same decision asked for
/// every conclusion by name, which decides every conclusion again for each hint.
#[test]
fn hints_for_a_whole_decision_are_those_of_every_conclusion_asked_by_name() {
    let same = |policy: &Prepared, record: &Value| {
        let all: Vec<String> = (policy.conclusions.iter().enumerate())
            .map(|(i, _)| policy.conclusion_name(i).to_string())
            .collect();
        let whole = Options {
            hints: Some(serde_json::from_value(json!(true)).unwrap()),
            decision_id: Some("id".into()),
            lang: Lang::En,
            ..Options::default()
        };
        let named = Options {
            conclusions: Some(conclusions(policy, &all, "conclusions").unwrap()),
            ..whole.clone()
        };
        let whole = clausier::request::decide(policy, record, &whole).unwrap();
        let named = clausier::request::decide(policy, record, &named).unwrap();
        assert_eq!(whole.conclusions, named.conclusions, "{record}");
        whole
            .conclusions
            .0
            .iter()
            .map(|(_, c)| c.hints.as_ref().map_or(0, Vec::len))
            .sum::<usize>()
    };
    let folder = checked("synthetic", synthetic::policy(200));
    let policy = folder.version("v").unwrap();
    for record in [
        json!({}),
        json!({"g0": {"x5": 100_000}, "g1": {"x150": 100_000}}),
    ] {
        assert!(same(policy, &record) > 200, "{record}");
    }
    // The BTS policy: every fact known; facts missing, which settling may decide (the whole
    // policy is then decided again for each hint, as a smaller decision could settle what
    // the whole one leaves open); a refused certificate.
    let folder = bts();
    let policy = folder.version("session-2027").unwrap();
    let mut missing = candidate();
    missing["report"].as_object_mut().unwrap().remove("pages");
    let mut refused = candidate();
    refused["internship"]["certificate_provided"] = json!(false);
    refused["candidate"]["pathway"] = json!("apprentissage");
    let mut no_report = candidate();
    no_report.as_object_mut().unwrap().remove("report");
    let mut no_internship = candidate();
    no_internship.as_object_mut().unwrap().remove("internship");
    for record in [
        candidate(),
        missing,
        refused,
        no_report,
        no_internship,
        json!({}),
    ] {
        assert!(same(policy, &record) > 0, "{record}");
    }
}
