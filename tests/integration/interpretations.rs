//! Interpretations as data: a decision says where it rests on a reading of the text rather than
//! on its letter (`reading "…"` in the policy), only where a rule that carries one applied or a
//! definition or parameter it read; and an informative clause that states a rule without a
//! reason is warned about (`informative-states-rule`).

use std::path::{Path, PathBuf};

use clausier::load::{PolicyFolder, check_texts, load_folder};
use clausier::request::{Options, decide};
use serde_json::{Value, json};

use crate::browser::{article, chromium, contains_all, in_address, open};
use crate::http::{TestServer, date, get, post};

const BTS: &str = "policies/bts-metiers-de-la-mesure";

fn bts() -> PolicyFolder {
    load_folder(Path::new(BTS)).expect("the BTS policy folder reads")
}

/// A school candidate: twelve weeks under a signed agreement, a conforming report.
pub(crate) fn school_candidate() -> Value {
    json!({
        "candidate": {"pathway": "scolaire"},
        "internship": {
            "periods": [{"start": "2026-05-04", "end": "2026-07-24", "agreement_signed": true}],
            "certificate_provided": true
        },
        "report": {
            "submitted_on": "2027-04-10", "pages": 40,
            "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion",
                      "resume_anglais", "demarche_qsse"],
            "legal_analysis_pages": 3, "activities_analysed": 2, "qsse_pages": 3,
            "endorsed_by_host": true
        }
    })
}

/// An apprentice with a copy of the contract and the same report: no internship, no weeks.
fn apprentice() -> Value {
    let mut record = school_candidate();
    record["candidate"]["pathway"] = json!("apprentissage");
    record["internship"] = json!({});
    record["apprenticeship"] = json!({"contract_copy": true});
    record
}

/// The decision under session-2027, as the service writes it.
fn decision(record: &Value, explain: bool) -> Value {
    let folder = bts();
    let policy = folder.version("session-2027").expect("session-2027");
    let options = Options {
        explain,
        ..Options::default()
    };
    serde_json::to_value(decide(policy, record, &options).expect("a valid record")).unwrap()
}

/// What carries each interpretation of every conclusion that has some.
fn carriers(decision: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, c) in decision["conclusions"].as_object().unwrap() {
        for i in c["interpretations"].as_array().into_iter().flatten() {
            out.push((name.clone(), i["of"].as_str().unwrap().to_string()));
        }
    }
    out
}

#[test]
fn a_school_candidates_weeks_rest_on_the_week_count_reading() {
    let d = decision(&school_candidate(), false);
    let weeks = &d["conclusions"]["completed_weeks"];
    assert_eq!(weeks["value"], 12);
    let notes = weeks["interpretations"]
        .as_array()
        .expect("interpretations");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["of"], "definition weeks_of");
    assert_eq!(notes[0]["clauses"], json!(["2.1.1-3", "2.1.2-3"]));
    let text = notes[0]["text"].as_str().unwrap();
    assert!(text.contains("plus deux, divisés par sept"), "{text}");
    // Nothing else of this plain case rests on a reading.
    assert_eq!(
        carriers(&d),
        [("completed_weeks".into(), "definition weeks_of".into())]
    );
}

#[test]
fn an_apprentice_has_no_week_count_reading() {
    let d = decision(&apprentice(), false);
    assert_eq!(d["conclusions"]["completed_weeks"]["value"], 0);
    assert_eq!(
        d["conclusions"]["presence_proof"]["value"],
        "contrat_apprentissage"
    );
    // The field is left out where no reading applies, as every empty list of a decision may be.
    for (name, c) in d["conclusions"].as_object().unwrap() {
        assert!(c.get("interpretations").is_none(), "{name}: {c}");
    }
}

#[test]
fn the_admission_under_a_special_contract_rests_on_the_employers_attestation_reading() {
    let mut record = school_candidate();
    record["candidate"] =
        json!({"pathway": "formation_continue", "continuing_education": "reconversion"});
    record["internship"] = json!({});
    record["continuing_contract"] =
        json!({"special_work_contract": true, "activities_consistent": true});
    let d = decision(&record, false);
    assert_eq!(d["conclusions"]["e61_admission"]["value"], "refuse");
    let found = carriers(&d);
    assert!(
        found.contains(&(
            "e61_admission".into(),
            "exception no_employer_attestation".into()
        )),
        "{found:?}"
    );
    // A numeric report, read « dans le même esprit ».
    assert!(
        found.contains(&("report_kind".into(), "rule continuing".into())),
        "{found:?}"
    );
    record["continuing_contract"]["employer_attestation"] = json!(true);
    let d = decision(&record, false);
    assert_eq!(d["conclusions"]["e61_admission"]["value"], "admis");
    assert!(carriers(&d).contains(&("e61_admission".into(), "rule with_special_contract".into())));
}

#[test]
fn the_trace_shows_each_rules_reading() {
    let d = decision(&school_candidate(), true);
    let trace = d["trace"].as_array().expect("a trace");
    let entry = |rule: &str| {
        trace
            .iter()
            .find(|e| e["rule"] == rule)
            .unwrap_or_else(|| panic!("no `{rule}` in the trace"))
    };
    // Considered, not applied: the trace still says what the rule would rest on.
    let short = entry("internship_too_short");
    assert_eq!(short["outcome"], "not applicable");
    assert!(
        short["reading"]
            .as_str()
            .unwrap()
            .contains("durée obligatoire")
    );
    assert!(entry("signed_periods").get("reading").is_none());
}

#[test]
fn the_version_json_carries_the_notes_and_the_reasons() {
    let server = TestServer::bts(date("2026-11-28"));
    let v = get(
        &server,
        "/v1/policies/bts-metiers-de-la-mesure/versions/session-2027",
    )
    .json();
    let def = v["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "weeks_of")
        .unwrap();
    assert!(def["reading"].as_str().unwrap().contains("arrondis"));
    let clause = |id: &str| {
        v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(clause("1-2")["informative"], true);
    assert!(
        clause("1-2")["reason"]
            .as_str()
            .unwrap()
            .contains("objectif")
    );
    assert!(clause("3-1").get("reason").is_none());
    // Every informative clause of the annex says why.
    let informative: Vec<&Value> = (v["clauses"].as_array().unwrap().iter())
        .filter(|c| c["informative"] == true)
        .collect();
    assert!(informative.len() > 40);
    assert!(informative.iter().all(|c| c["reason"].is_string()));
    let rule = (v["conclusions"].as_array().unwrap().iter())
        .flat_map(|c| c["rules"].as_array().unwrap())
        .find(|r| r["label"] == "with_special_contract")
        .unwrap();
    assert!(
        rule["reading"]
            .as_str()
            .unwrap()
            .contains("attestation de l'employeur")
    );
    // And over HTTP, a decision shows its interpretations only where they apply.
    let decide = |record: Value| {
        let body = json!({"version": "session-2027", "input": record}).to_string();
        let path = "/v1/policies/bts-metiers-de-la-mesure/decisions";
        post(&server, path, "application/json", body).json()
    };
    let d = decide(apprentice());
    assert!(!d.to_string().contains("interpretations"), "{d}");
    let d = decide(school_candidate());
    assert_eq!(
        d["conclusions"]["completed_weeks"]["interpretations"][0]["of"],
        "definition weeks_of"
    );
}

/// 2.3.1-3 marked informative again, as it was before the policy decided it: the checker says
/// its text states an obligation (« le stage obligatoire ») and gives no reason.
#[test]
fn the_annex_with_2_3_1_3_informative_without_a_reason_warns() {
    let path = format!("{BTS}/annexe-ivb.policy");
    let text = std::fs::read_to_string(&path).unwrap();
    let marked = text.replacen(
        "clause \"2.3.1-3\" section \"2.3.1\"\n",
        "clause \"2.3.1-3\" section \"2.3.1\" informative\n",
        1,
    );
    assert_ne!(marked, text, "2.3.1-3 is where it was");
    let folder = check_texts(PathBuf::from(BTS), vec![(path.clone(), None, marked)]);
    let found: Vec<_> = folder
        .all_diagnostics()
        .filter(|d| d.code == "informative-states-rule")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.contains("`2.3.1-3`"),
        "{}",
        found[0].message
    );
    assert_eq!(
        found[0].to_json(&folder.sources).snippet.as_deref(),
        Some("obligatoire")
    );
    // The annex as it is warns of nothing.
    let folder = check_texts(PathBuf::from(BTS), vec![(path, None, text)]);
    assert_eq!(folder.all_diagnostics().count(), 0);
}

/// The page shows the week-count reading in a school candidate's `completed_weeks`, and none in
/// an apprentice's decision.
#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_decision_page_shows_the_reading_only_where_it_applies() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let url = |record: &Value| {
        format!(
            "{}/ui/#/p/bts-metiers-de-la-mesure/decide?version=session-2027&input={}",
            server.base,
            in_address(record)
        )
    };
    let dom = open(
        &chromium,
        &url(&school_candidate()),
        "decision-reading",
        2600,
    );
    contains_all(
        article(&dom, "k-completed_weeks"),
        &[
            "Interprétations du texte",
            "(définition weeks_of)",
            "plus deux, divisés par sept",
        ],
    );
    assert!(!article(&dom, "k-required_weeks").contains("Interprétation"));
    let dom = open(&chromium, &url(&apprentice()), "decision-apprentice", 2600);
    assert!(dom.contains("k-completed_weeks"), "{dom}");
    assert!(!dom.contains("Interprétation"), "{dom}");
}

/// The version page puts each reading beside the rule that carries it, and the reason of an
/// informative clause under its text.
#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_version_page_shows_readings_and_reasons() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let dom = open(
        &chromium,
        &format!(
            "{}/ui/#/p/bts-metiers-de-la-mesure/v/session-2027?section=2.3.1",
            server.base
        ),
        "version-readings",
        2200,
    );
    contains_all(
        article(&dom, "c-2.3.1-3"),
        &[
            "Interprétation",
            "with_special_contract",
            "attestation de l'employeur",
        ],
    );
    contains_all(
        article(&dom, "c-2.3.1-2"),
        &[
            "Pourquoi informative",
            "organisation : recherche de l'entreprise",
        ],
    );
}

/// Two versions of a small policy whose notes and reasons differ, and nothing else.
fn versions_with_notes() -> PolicyFolder {
    let v1 = r#"policy demo
version "v1"
effective from 2024-01-01

clause "1" section "1"
  | Le stage dure douze semaines.
clause "2" section "2" informative "objectifs"
  | Les objectifs du stage.

parameter weeks = 12 weeks                                per "1"
  reading "douze semaines de sept jours"

definition double(x : integer) : integer                  per "1"
  = x * 2
  reading "le double"

input n : integer                                         per "1"

conclusion ok : bool
  rule base
    gives false
    per "1"
  exception yes of base
    when double(n) > 3
    gives true
    per "1"
"#;
    let v2 = v1
        .replace("version \"v1\"", "version \"v2\"")
        .replace("2024-01-01", "2025-01-01")
        .replace(
            "informative \"objectifs\"",
            "informative \"objectifs du stage\"",
        )
        .replace("sept jours\"", "sept jours civils\"")
        .replace("  reading \"le double\"\n", "")
        + "    reading \"une lecture\"\n";
    check_texts(
        PathBuf::from("demo"),
        vec![
            ("demo/v1.policy".into(), None, v1.to_string()),
            ("demo/v2.policy".into(), None, v2),
        ],
    )
}

#[test]
fn the_diff_reports_notes_added_removed_and_changed() {
    let folder = versions_with_notes();
    let errors: Vec<_> = folder.all_diagnostics().collect();
    assert!(errors.is_empty(), "{errors:?}");
    let d = clausier::diff::diff(folder.version("v1").unwrap(), folder.version("v2").unwrap());
    let json = serde_json::to_value(&d).unwrap();
    // A rule's note added, a definition's removed, a parameter's and a clause's reason changed.
    let rule = &json["conclusions"][0]["rules"][0];
    assert_eq!(rule["label"], "yes");
    assert_eq!(rule["aspects"], json!(["reading"]));
    assert_eq!(rule["new"]["reading"], "une lecture");
    assert!(rule["old"].get("reading").is_none());
    assert_eq!(json["definitions"][0]["aspects"], json!(["reading"]));
    assert_eq!(
        json["parameters"][0]["old"]["reading"],
        "douze semaines de sept jours"
    );
    assert_eq!(
        json["parameters"][0]["new"]["reading"],
        "douze semaines de sept jours civils"
    );
    assert_eq!(json["clauses"][0]["new"]["reason"], "objectifs du stage");
    let text = clausier::diff::render::text(&d, clausier::Lang::Fr);
    for words in [
        "Exception modifiée `yes` : interprétation ajoutée",
        "Définition modifiée `double` : interprétation supprimée",
        "interprétation modifiée : « douze semaines de sept jours » → « douze semaines de sept jours civils »",
        "raison d'être informative : « objectifs » → « objectifs du stage »",
    ] {
        assert!(text.contains(words), "`{words}` is not in:\n{text}");
    }
    // The last rule of v2 takes the note appended; a version compared with itself differs in
    // nothing.
    let same = clausier::diff::diff(folder.version("v1").unwrap(), folder.version("v1").unwrap());
    assert!(same.clauses.is_empty() && same.parameters.is_empty() && same.definitions.is_empty());
}
