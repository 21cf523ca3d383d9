//! The `clausier` binary, run as a user runs it: exit codes and outputs.

use std::process::{Command, Output};

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

#[test]
fn check_passes_on_the_shipped_policies() {
    let o = clausier(&["check", "policies"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 error(s)"), "{}", stderr(&o));
}

#[test]
fn test_runs_the_examples_with_full_coverage() {
    let o = clausier(&["test", "policies", "--coverage"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("every rule gives a value in some example"),
        "{out}"
    );
    assert!(
        out.contains("every clause that carries a rule is cited"),
        "{out}"
    );
    assert!(out.contains(", 0 failure(s)"), "{out}");
}

#[test]
fn eval_prints_the_decision_json() {
    let o = clausier(&[
        "eval",
        "policies/bts-metiers-de-la-mesure",
        "--version",
        "session-2027",
        "tests/cases/bts/apprentice-late-report.json.input",
    ]);
    // The cases hold `{version, input}`: eval takes the bare record, so this file must not exist.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("candidate.json");
    std::fs::write(&input, r#"{"candidate": {"pathway": "apprentissage"}, "apprenticeship": {"employer_attestation": true}}"#).expect("write");
    let o = clausier(&[
        "eval",
        "policies/bts-metiers-de-la-mesure",
        "--version",
        "session-2027",
        input.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let decision: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(decision["policy"]["version"], "session-2027");
    assert_eq!(
        decision["conclusions"]["presence_proof"]["value"],
        "contrat_apprentissage"
    );
    assert_eq!(
        decision["conclusions"]["presence_proof"]["citations"][0]["clause"],
        "2.2-1"
    );
    assert_eq!(
        decision["conclusions"]["report_conformity"]["value"],
        "non_conforme"
    );
    assert!(decision.get("trace").is_none());
}

#[test]
fn eval_as_text_quotes_the_clauses_and_explain_adds_the_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("candidate.json");
    std::fs::write(&input, r#"{"candidate": {"pathway": "scolaire"}}"#).expect("write");
    let o = clausier(&[
        "eval",
        "policies/bts-metiers-de-la-mesure/session-2026.policy",
        input.to_str().expect("utf-8"),
        "--format",
        "text",
        "--explain",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("version session-2026"), "{out}");
    assert!(out.contains("e61_admission = refuse"), "{out}");
    assert!(
        out.contains("[2.1.2-4] « À la fin de la période du stage"),
        "{out}"
    );
    assert!(out.contains("trace:"), "{out}");
}

#[test]
fn eval_rejects_bad_input_with_json_pointers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("candidate.json");
    std::fs::write(
        &input,
        r#"{"candidate": {"pathway": "scolair"}, "report": {"pagse": 3}}"#,
    )
    .expect("write");
    let o = clausier(&[
        "eval",
        "policies/bts-metiers-de-la-mesure",
        "--version",
        "session-2027",
        input.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "/candidate/pathway: `scolair` n'est pas une valeur de `pathway` : vouliez-vous dire `scolaire` ?"
        ),
        "{err}"
    );
    assert!(
        err.contains("/report/pagse: champ inconnu `pagse` : vouliez-vous dire `pages` ?"),
        "{err}"
    );
}

#[test]
fn eval_selects_the_version_in_force_on_a_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("candidate.json");
    std::fs::write(&input, "{}").expect("write");
    for (date, version) in [
        ("2025-10-01", "session-2026"),
        ("2026-09-01", "session-2027"),
        ("2022-01-01", "annexe-ivb"),
    ] {
        let o = clausier(&[
            "eval",
            "policies/bts-metiers-de-la-mesure",
            "--as-of",
            date,
            input.to_str().expect("utf-8"),
        ]);
        let decision: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
        assert_eq!(decision["policy"]["version"], version, "as of {date}");
    }
    let o = clausier(&[
        "eval",
        "policies/bts-metiers-de-la-mesure",
        "--as-of",
        "2020-01-01",
        input.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_reports_errors_with_location_and_exit_code_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("demo.policy");
    std::fs::write(&file, "policy demo\nversion \"v1\"\nclause \"a\" section \"1\"\n  | Text.\nparameter n = 12 weeks per \"b\"\n").expect("write");
    let o = clausier(&["check", dir.path().to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error[unknown-clause]: clause `b` is not declared"),
        "{err}"
    );
    assert!(err.contains("demo.policy:5:28"), "{err}");
    let o = clausier(&[
        "check",
        "--error-format",
        "json",
        dir.path().to_str().expect("utf-8"),
    ]);
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().expect("a line")).expect("JSON");
    assert_eq!(
        (
            first["code"].as_str(),
            first["line"].as_u64(),
            first["column"].as_u64()
        ),
        (Some("unknown-clause"), Some(5), Some(28))
    );
}

#[test]
fn fmt_check_accepts_the_shipped_policies_and_usage_errors_exit_two() {
    let o = clausier(&["fmt", "--check", "policies"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        clausier(&["check", "no/such/folder"]).status.code(),
        Some(2)
    );
    assert_eq!(clausier(&["frobnicate"]).status.code(), Some(2));
}

/// A policy that parses but does not pass the check (`per "b"` cites no clause), its
/// parameter's `per` not yet aligned.
const UNFORMATTED_AND_WRONG: &str = "policy demo\nversion \"v1\"\n\nclause \"a\" section \"1\"\n  | Text.\n\nparameter n = 12   per \"b\"\n";

#[test]
fn fmt_check_prints_the_diff_it_would_apply_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("demo.policy");
    std::fs::write(&file, UNFORMATTED_AND_WRONG).expect("write");
    let path = file.to_str().expect("utf-8");
    let o = clausier(&["fmt", "--check", path]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let diff = format!(
        "--- {path}\n+++ {path} (formatted)\n@@ -4,4 +4,4 @@\n clause \"a\" section \"1\"\n   | Text.\n \n\
         -parameter n = 12   per \"b\"\n\
         +parameter n = 12                                          per \"b\"\n"
    );
    assert_eq!(stdout(&o), diff);
    let unchanged = std::fs::read_to_string(&file).expect("read");
    assert_eq!(unchanged, UNFORMATTED_AND_WRONG);
    // Formatted, the file gives no diff.
    assert_eq!(clausier(&["fmt", path]).status.code(), Some(0));
    let o = clausier(&["fmt", "--check", path]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
}

#[test]
fn fmt_formats_a_policy_with_errors_and_warns_that_it_has_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("demo.policy");
    std::fs::write(&file, UNFORMATTED_AND_WRONG).expect("write");
    let path = file.to_str().expect("utf-8");
    let o = clausier(&["fmt", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("formatted {path}\n"));
    assert_eq!(
        stderr(&o),
        format!(
            "warning: `{path}` does not pass `clausier check` (1 error(s)); it parses, so fmt \
             lays it out all the same: `clausier check {path}` lists the errors\n"
        )
    );
    let formatted = std::fs::read_to_string(&file).expect("read");
    assert!(
        formatted.contains("parameter n = 12                                          per \"b\"\n")
    );
    // A policy that passes the check gets no warning.
    let o = clausier(&["fmt", "--check", "policies"]);
    assert_eq!((o.status.code(), stderr(&o)), (Some(0), String::new()));
}

/// Runs the binary with a standard output whose reader has already gone, as after
/// `clausier … | head -1` once `head` has its line: one end of a socket pair whose other end is
/// closed before the binary starts, so that every write fails with `EPIPE`.
fn clausier_into_closed_pipe(args: &[&str]) -> Output {
    let (writer, reader) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::os::fd::OwnedFd::from(writer))
        .output()
        .expect("the binary runs")
}

#[test]
fn every_printing_command_stops_quietly_when_stdout_is_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("candidate.json");
    std::fs::write(&input, r#"{"candidate": {"pathway": "scolaire"}}"#).expect("write");
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).expect("mkdir");
    std::fs::write(
        broken.join("demo.policy"),
        "policy demo\nversion \"v1\"\nclause \"a\" section \"1\"\n  | Text.\nparameter n = 12 weeks   per \"b\"\n",
    )
    .expect("write");
    let (input, broken) = (
        input.to_str().expect("utf-8"),
        broken.to_str().expect("utf-8"),
    );
    let bts = "policies/bts-metiers-de-la-mesure";
    let (old, new) = (
        format!("{bts}/session-2026.policy"),
        format!("{bts}/session-2027.policy"),
    );
    let commands: [&[&str]; 6] = [
        &["eval", bts, "--version", "session-2027", input],
        &[
            "eval",
            bts,
            "--version",
            "session-2027",
            "--format",
            "text",
            input,
        ],
        &["check", "--error-format", "json", broken],
        &["test", "policies"],
        &["fmt", "--check", broken],
        &["diff", &old, &new],
    ];
    for args in commands {
        let o = clausier_into_closed_pipe(args);
        assert!(
            !stderr(&o).contains("panicked") && !stderr(&o).contains("Broken pipe"),
            "clausier {args:?}: {}",
            stderr(&o)
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "clausier {args:?}: {}",
            stderr(&o)
        );
    }
}

/// `clausier check p.policy` in the policy's own folder: the file's folder is `.`, not the empty
/// path that `Path::parent` gives for a bare file name.
#[test]
fn a_bare_file_name_is_read_from_the_current_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir("policies/bts-metiers-de-la-mesure").expect("policies") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "policy") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    std::fs::write(
        dir.path().join("candidate.json"),
        r#"{"candidate": {"pathway": "scolaire"}}"#,
    )
    .expect("write");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clausier"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("the binary runs")
    };
    let commands: [&[&str]; 5] = [
        &["check", "session-2027.policy"],
        &["eval", "session-2027.policy", "candidate.json"],
        &["test", "session-2027.policy"],
        &["fmt", "--check", "session-2027.policy"],
        &["diff", "session-2026.policy", "session-2027.policy"],
    ];
    for args in commands {
        let o = run(args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "clausier {args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
    }
    let o = run(&["eval", "session-2027.policy", "candidate.json"]);
    assert!(
        stdout(&o).contains("\"version\": \"session-2027\""),
        "{}",
        stdout(&o)
    );
}

/// `clausier test <version file>` runs the examples of the versions it loaded (the file's and
/// those it extends), still reports their failures, and says how many others it skipped.
#[test]
fn test_on_one_file_runs_only_the_examples_of_the_versions_it_loaded() {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in ["annexe-ivb", "session-2026", "session-2027"] {
        std::fs::copy(
            format!("policies/bts-metiers-de-la-mesure/{file}.policy"),
            dir.path().join(format!("{file}.policy")),
        )
        .expect("copy");
    }
    std::fs::create_dir(dir.path().join("tests")).expect("mkdir");
    let example = |name: &str, version: &str, proof: &str| {
        serde_json::json!({
            "name": name,
            "version": version,
            "input": {"candidate": {"pathway": "apprentissage"}},
            "expect": {"presence_proof": {"value": proof}}
        })
    };
    let examples = serde_json::json!([
        example("right", "session-2027", "contrat_apprentissage"),
        example("wrong on purpose", "session-2027", "certificat_de_stage"),
        example("other version", "session-2026", "contrat_apprentissage"),
        example(
            "other version, wrong",
            "session-2026",
            "certificat_de_stage"
        ),
    ]);
    std::fs::write(dir.path().join("tests/examples.json"), examples.to_string()).expect("write");
    let file = dir.path().join("session-2027.policy");
    let o = clausier(&["test", file.to_str().expect("utf-8")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("wrong on purpose"), "{out}");
    assert!(!out.contains("other version"), "{out}");
    assert!(out.contains("2 example(s), 1 failure(s)"), "{out}");
    assert!(
        out.contains("skipped 2 example(s) of `session-2026`: only the file's version"),
        "{out}"
    );
    // The whole folder runs every example, the skipped ones included.
    let o = clausier(&["test", dir.path().to_str().expect("utf-8")]);
    let out = stdout(&o);
    assert!(out.contains("4 example(s), 2 failure(s)"), "{out}");
    assert!(!out.contains("skipped"), "{out}");
}

/// The illustrative grant whose amounts have a scale (`421.80`) and whose period is a record.
const GRANT: &str = "tests/policies/aide-mobilite";

/// A scholarship holder abroad from September 2027 to June 2028, written to a file for `eval`.
fn grant_candidate(dir: &std::path::Path) -> String {
    let input = dir.join("student.json");
    std::fs::write(
        &input,
        r#"{"student": {"abroad": true, "scholarship_holder": true},
            "mobility": {"period": {"start": "2027-09-01", "end": "2028-06-30"}}}"#,
    )
    .expect("write");
    input.to_str().expect("utf-8").to_string()
}

#[test]
fn test_compares_amounts_by_value_whatever_their_scale() {
    // The examples write the decided 421.80 as `421.8`, `421.80` and `421.800`, the decided 270
    // as `270.0` and the decided 600.00 as `600`: they pass only if numbers are compared by value.
    let examples = std::fs::read_to_string(format!("{GRANT}/tests/amounts.json")).expect("read");
    for written in [
        r#""value": 421.8,"#,
        r#""value": 421.80,"#,
        r#""value": 421.800,"#,
        r#""value": 270.0,"#,
        r#""value": 600,"#,
    ] {
        assert!(
            examples.contains(written),
            "the examples no longer write {written}"
        );
    }
    let o = clausier(&["test", GRANT, "--coverage"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("3 example(s), 0 failure(s)"), "{out}");
    assert!(
        out.contains("every rule gives a value in some example"),
        "{out}"
    );
}

#[test]
fn test_fails_on_a_wrong_amount_or_a_wrong_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("aide-mobilite");
    std::fs::create_dir_all(policy.join("tests")).expect("mkdir");
    std::fs::copy(
        format!("{GRANT}/reglement-2027.policy"),
        policy.join("reglement-2027.policy"),
    )
    .expect("copy");
    let examples = std::fs::read_to_string(format!("{GRANT}/tests/amounts.json")).expect("read");
    let wrong = examples
        .replacen(r#""value": 421.80,"#, r#""value": 421.81,"#, 1)
        .replacen(
            r#""value": {"start": "2027-09-01", "end": "2028-06-30"}"#,
            r#""value": {"start": "2027-09-01", "end": "2028-06-29"}"#,
            1,
        );
    assert_ne!(wrong, examples);
    std::fs::write(policy.join("tests/amounts.json"), wrong).expect("write");
    let o = clausier(&["test", policy.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("3 example(s), 2 failure(s)"), "{out}");
    // The amount: one cent off is a failure, and the decided amount is reported with its scale.
    assert!(
        out.contains("(written 421.800) › annual_amount\n  - expected: value 421.81\n  + found:    {\"status\":\"decided\",\"value\":421.80,"),
        "{out}"
    );
    // The period: a record is compared field by field.
    assert!(
        out.contains("(written here 600) › covered_period\n  - expected: value {\"start\":\"2027-09-01\",\"end\":\"2028-06-29\"}"),
        "{out}"
    );
}

#[test]
fn eval_writes_amounts_with_their_scale_and_records_as_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = grant_candidate(dir.path());
    let o = clausier(&["eval", GRANT, "--version", "reglement-2027", &input]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // On the raw text: parsing the JSON would turn 421.80 into the float 421.8.
    let out = stdout(&o);
    assert!(out.contains("\"value\": 421.80,\n"), "{out}");
    assert!(out.contains("\"value\": 270,\n"), "{out}");
    assert!(out.contains("\"value\": 600.00,\n"), "{out}");
    assert!(
        out.contains(
            "\"value\": {\n        \"start\": \"2027-09-01\",\n        \"end\": \"2028-06-30\"\n      },"
        ),
        "{out}"
    );
    let decision: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        decision["conclusions"]["covered_period"]["value"],
        serde_json::json!({"start": "2027-09-01", "end": "2028-06-30"})
    );

    let o = clausier(&[
        "eval",
        GRANT,
        "--version",
        "reglement-2027",
        &input,
        "--format",
        "text",
        "--lang",
        "en",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("(annual_amount = 421.80)\n"), "{out}");
    assert!(out.contains("(installation = 270)\n"), "{out}");
    // The facts behind the cap, under their English labels, with the scale the decision
    // gives them.
    assert!(
        out.contains(
            "\nTotal paid (euros): 600.00  (total = 600.00)\n  because Annual amount of the grant (euros): 421.80\n  because Installation allowance paid (euros): 270\n  because Annual ceiling (euros): 600.00\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("(covered_period = {start: 2027-09-01, end: 2028-06-30})\n"),
        "{out}"
    );
    assert!(
        out.contains("\nPeriod the grant covers: start of the period: 1 September 2027, end of the period: 30 June 2028  "),
        "{out}"
    );
}

#[test]
fn eval_text_speaks_french_in_the_policy_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("candidate.json");
    std::fs::write(
        &input,
        r#"{"candidate": {"pathway": "scolaire"},
            "internship": {"periods": [{"start": "2026-05-04", "end": "2026-06-26", "agreement_signed": true}], "certificate_provided": true},
            "report": {"submitted_on": "2027-04-20", "pages": 40, "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion", "resume_anglais", "demarche_qsse"], "legal_analysis_pages": 1.5, "activities_analysed": 2, "qsse_pages": 3, "endorsed_by_host": true}}"#,
    )
    .expect("write");
    let input = input.to_string_lossy().to_string();
    let args = [
        "eval",
        "policies/bts-metiers-de-la-mesure",
        "--version",
        "session-2027",
        &input,
        "--format",
        "text",
    ];
    let o = clausier(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        "\nAdmission à l'épreuve E6.1 : refusé  (e61_admission = refuse)\n",
        "\n  • Durée des stages effectués sous convention : 8 semaines\n",
        "\n  • Date de dépôt du rapport : 20 avril 2027\n",
        "\n  • Date limite de dépôt du rapport : 16 avril 2027\n",
        "\n  • Longueur de l'analyse juridique : 1,5 page\n",
        "\nCauses de non-conformité : dépôt hors délai et dossier non conforme  (nonconformity_causes = [depot_hors_delai, dossier_non_conforme])\n",
    ] {
        assert!(out.contains(line), "{line:?} not in:\n{out}");
    }
    // In English, where the policy has no labels, the names stand.
    let o = clausier(&[&args[..], &["--lang", "en"]].concat());
    let out = stdout(&o);
    assert!(
        out.contains("\ne61_admission = refuse\n  because internship_status = insuffisant\n"),
        "{out}"
    );
}

/// Runs `clausier interview` on a scolaire candidate, answering each question as it comes
/// (from the paths printed), and returns everything printed and the paths asked.
fn interview_scolaire() -> (String, Vec<String>) {
    use std::io::{Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args([
            "interview",
            "policies/bts-metiers-de-la-mesure",
            "--version",
            "session-2027",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut printed = String::new();
    let mut asked = Vec::new();
    let mut wrong_once = false;
    loop {
        // Read up to the prompt, or to the end.
        let mut block = Vec::new();
        let mut byte = [0u8; 1];
        while !block.ends_with(b"> ") {
            if stdout.read(&mut byte).unwrap() == 0 {
                break;
            }
            block.push(byte[0]);
        }
        let text = String::from_utf8(block).unwrap();
        printed.push_str(&text);
        if !text.ends_with("> ") {
            break;
        }
        // A question starts with its words and, in brackets at the end of the line, the
        // input's path; an answer asked again prints only the reason.
        let header = text.lines().find_map(|l| {
            let inner = l.strip_suffix(')')?.rsplit_once('(')?.1;
            (inner.contains('.') && !inner.contains(' ')).then_some(inner)
        });
        if let Some(h) = header {
            asked.push(h.to_string());
        }
        let path = asked.last().cloned().unwrap_or_default();
        let answer = match path.as_str() {
            "candidate.pathway" if !wrong_once => {
                wrong_once = true;
                "lycée"
            }
            "candidate.pathway" => "1",
            "candidate.distance_learning" => "non",
            "exemption.ground" => "aucune",
            "exemption.rector_validated" => "non",
            "internship.periods" => {
                r#"[{"start": "2026-05-04", "end": "2026-07-24", "agreement_signed": true}]"#
            }
            "internship.certificate_provided" => "oui",
            "internship.reduction_ground" => "aucun",
            "internship.rector_validated" => "non",
            "report.submitted_on" => "2027-04-10",
            "report.pages" => "40",
            // The values by number or by name, separated by commas.
            "report.parts" => "1, analyse_juridique, 3, conclusion, 5, 6",
            "report.legal_analysis_pages" => "3",
            "report.activities_analysed" => "2",
            "report.qsse_pages" => "3,5",
            "report.endorsed_by_host" => "oui",
            "report.dossier_provided" => "non",
            "previous_attempt.failed" => "non",
            _ => "?",
        };
        writeln!(stdin, "{answer}").unwrap();
    }
    assert!(child.wait().unwrap().success(), "{printed}");
    (printed, asked)
}

#[test]
fn interview_asks_one_question_at_a_time_and_prints_the_decision() {
    let (printed, asked) = interview_scolaire();
    assert_eq!(asked.first().map(String::as_str), Some("candidate.pathway"));
    // A wrong answer is asked again, with the reason.
    assert!(
        printed.contains("`lycée` n'est pas une des valeurs"),
        "{printed}"
    );
    assert!(
        !asked
            .iter()
            .any(|p| p.starts_with("apprenticeship.") || p == "employment"),
        "{asked:?}"
    );
    // The decision in the policy's words.
    assert!(
        printed.contains("\nAdmission à l'épreuve E6.1 : admis  (e61_admission = admis)\n"),
        "{printed}"
    );
    assert!(
        printed.contains("(report_conformity = conforme)\n"),
        "{printed}"
    );
    assert!(
        printed.contains("Par quelle voie le candidat prépare-t-il le BTS ? (candidate.pathway)"),
        "{printed}"
    );
    assert!(printed.contains("[2.1.2-4] «"), "{printed}");
}

#[test]
fn interview_ends_quietly_when_the_input_ends() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args([
            "interview",
            "policies/bts-metiers-de-la-mesure",
            "--version",
            "session-2027",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"scolaire\n?\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let out = stdout(&o);
    assert!(out.contains("exemption.ground"), "{out}");
    assert!(!out.contains("e61_admission ="), "{out}");
}

/// A conclusion the policy does not declare, named with `--conclusions`, is refused with the
/// option's name (not a request's JSON pointer) and a "did you mean", before any question.
#[test]
fn interview_names_the_option_of_a_conclusion_the_policy_does_not_declare() {
    let o = Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args([
            "interview",
            "policies/bts-metiers-de-la-mesure",
            "--version",
            "session-2027",
            "--conclusions",
            "required_week",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: --conclusions: "), "{err}");
    assert!(err.contains("required_weeks"), "{err}");
    assert!(!err.contains("/conclusions/0"), "{err}");
    assert_eq!(stdout(&o), "");
}

/// `clausier eval POLICY -` reads the record from standard input, and without `--version` or
/// `--as-of` decides under the version in force today (here, of two versions effective in
/// 2000 and in 2999, the first, whatever today is).
/// A policy `stage` of one version, in force from `from`, that asks for `weeks` weeks.
fn weeks_policy(version: &str, from: &str, weeks: u32) -> String {
    format!(
        "policy stage\nversion \"{version}\"\neffective from {from}\n\nclause \"1\" section \"1\"\n  | Des semaines.\n\ninput weeks : integer weeks                                per \"1\"\n\nconclusion enough : bool\n  rule yes\n    when weeks >= {weeks} weeks\n    gives true\n    per \"1\"\n  rule no\n    when weeks < {weeks} weeks\n    gives false\n    per \"1\"\n"
    )
}

#[test]
fn eval_reads_standard_input_and_takes_the_version_in_force_today() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("past.policy"),
        weeks_policy("past", "2000-01-01", 12),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("future.policy"),
        weeks_policy("future", "2999-01-01", 20),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clausier"))
        .args(["eval", dir.path().to_str().unwrap(), "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"weeks": 14}"#)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let decision: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(decision["policy"]["version"], "past");
    assert_eq!(decision["conclusions"]["enough"]["value"], true);
}

/// The version in force "today" follows the clock the command is given (`--today`, or
/// `CLAUSIER_TODAY`): the day before a session opens decides under the one before, its first
/// day under the session; a flag wins over the variable, and `--as-of` over both.
#[test]
fn eval_takes_the_version_in_force_on_the_day_its_clock_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (file, version, from, weeks) in [
        ("a.policy", "session-2026", "2025-09-01", 12),
        ("b.policy", "session-2027", "2026-09-01", 16),
    ] {
        std::fs::write(dir.path().join(file), weeks_policy(version, from, weeks)).unwrap();
    }
    let record = dir.path().join("record.json");
    std::fs::write(&record, br#"{"weeks": 14}"#).unwrap();
    let (folder, record) = (dir.path().to_str().unwrap(), record.to_str().unwrap());
    let decide = |args: &[&str], variable: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_clausier"));
        command.args(["eval", folder, record]).args(args);
        match variable {
            Some(day) => command.env("CLAUSIER_TODAY", day),
            None => command.env_remove("CLAUSIER_TODAY"),
        };
        let o = command.output().expect("the binary runs");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (
            d["policy"]["version"].as_str().unwrap().to_string(),
            d["conclusions"]["enough"]["value"].clone(),
        )
    };
    let before = ("session-2026".to_string(), serde_json::json!(true));
    let after = ("session-2027".to_string(), serde_json::json!(false));
    assert_eq!(decide(&["--today", "2026-08-31"], None), before);
    assert_eq!(decide(&["--today", "2026-09-01"], None), after);
    assert_eq!(decide(&[], Some("2026-08-31")), before);
    assert_eq!(decide(&[], Some("2026-09-01")), after);
    assert_eq!(
        decide(&["--today", "2026-08-31"], Some("2026-09-01")),
        before
    );
    assert_eq!(
        decide(&["--today", "2026-09-01", "--as-of", "2026-01-15"], None),
        before
    );
    // A day that is not one is refused with the option's name.
    let o = clausier(&["eval", folder, record, "--today", "2026-02-30"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--today"), "{}", stderr(&o));
}
