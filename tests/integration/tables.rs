//! Decision tables, on the illustrative income ceilings of `tests/policies/bourse-plafonds/`:
//! the row that applies decides and is cited, a layer overrides and adds rows, the checker
//! verifies the table, `fmt` aligns it, and the diff compares it row by row.

use std::path::{Path, PathBuf};

use clausier::decision::{Decision, Status};
use clausier::load::{PolicyFolder, check_texts, load_folder};
use clausier::request::{Options, decide};
use serde_json::{Value, json};

const PLAFONDS: &str = "tests/policies/bourse-plafonds";

fn plafonds() -> PolicyFolder {
    load_folder(Path::new(PLAFONDS)).unwrap()
}

fn decision(folder: &PolicyFolder, version: &str, input: Value, explain: bool) -> Decision {
    let options = Options {
        explain,
        ..Options::default()
    };
    decide(folder.version(version).unwrap(), &input, &options).unwrap()
}

fn conclusion(d: &Decision, name: &str) -> Value {
    serde_json::to_value(d.conclusions.get(name).unwrap()).unwrap()
}

fn clauses(c: &Value) -> Vec<String> {
    c["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["clause"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_ceilings_check_clean_and_their_examples_cover_every_row_and_clause() {
    let folder = plafonds();
    let found: Vec<String> = folder
        .all_diagnostics()
        .map(|d| d.render(&folder.sources, false))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    let report = clausier::examples::run(&folder);
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(report.run, 16);
    let uncovered = report.uncovered(&folder);
    assert!(
        uncovered.rules.is_empty() && uncovered.clauses.is_empty(),
        "{uncovered:?}"
    );
}

/// The first row that applies gives the value; the decision cites that row's clause and gives
/// the facts its cells read; the trace names the rows above it as not applying and those below
/// as overridden by it.
#[test]
fn the_row_that_applies_is_cited_with_the_facts_its_cells_read() {
    let d = decision(
        &plafonds(),
        "bareme-2026",
        json!({"foyer": {"revenu": 20000.00, "points_de_charge": 2}}),
        true,
    );
    let echelon = conclusion(&d, "échelon_obtenu");
    assert_eq!(echelon["value"], "deux");
    assert_eq!(clauses(&echelon), ["1-1"]);
    assert_eq!(echelon["rules"], json!(["p1_deux"]));
    let because: Vec<&str> = echelon["because"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(
        because,
        [
            "foyer.points_de_charge = 2 points",
            "foyer.revenu = 20000 euros"
        ]
    );
    let amount = conclusion(&d, "montant_annuel");
    // The amount keeps the scale of the parameter the row gives.
    let written = serde_json::to_string(d.conclusions.get("montant_annuel").unwrap()).unwrap();
    assert!(written.contains(r#""value":2891.00"#), "{written}");
    assert_eq!(clauses(&amount), ["2"]);

    let trace: Vec<(String, &str, &str)> = d
        .trace
        .as_ref()
        .unwrap()
        .iter()
        .filter(|t| t.conclusion == "échelon_obtenu")
        .map(|t| (t.rule.clone(), t.kind, t.outcome))
        .collect();
    let outcome = |row: &str| trace.iter().find(|t| t.0 == row).unwrap().2;
    assert!(trace.iter().all(|t| t.1 == "row"), "{trace:?}");
    assert_eq!(outcome("p1_trois"), "not applicable");
    assert_eq!(outcome("p1_deux"), "applied");
    assert_eq!(outcome("p1_un"), "overridden");
    assert_eq!(outcome("au_delà"), "overridden");
    let entry = d
        .trace
        .as_ref()
        .unwrap()
        .iter()
        .find(|t| t.rule == "p1_un")
        .unwrap();
    assert!(
        entry.because.iter().any(|b| b.contains("`p1_deux`")),
        "{:?}",
        entry.because
    );
}

/// A missing column value leaves undetermined only what it can change.
#[test]
fn an_unknown_income_leaves_the_echelon_undetermined_and_names_it() {
    let d = decision(
        &plafonds(),
        "bareme-2026",
        json!({"foyer": {"points_de_charge": 1}}),
        false,
    );
    let echelon = d.conclusions.get("échelon_obtenu").unwrap();
    assert_eq!(echelon.status, Status::Undetermined);
    assert_eq!(
        echelon.missing.as_deref(),
        Some(&["foyer.revenu".to_string()][..])
    );
}

/// The 2027 layer overrides the rows of three points or more and adds a band before the last
/// row: a family with four points moves up, one with six points meets the added rows.
#[test]
fn a_layer_overrides_rows_and_adds_rows_before_the_last() {
    let folder = plafonds();
    let four = json!({"foyer": {"revenu": 19000.00, "points_de_charge": 4}});
    let before = decision(&folder, "bareme-2026", four.clone(), false);
    let after = decision(&folder, "rentree-2027", four, false);
    assert_eq!(conclusion(&before, "échelon_obtenu")["value"], "deux");
    assert_eq!(conclusion(&after, "échelon_obtenu")["value"], "trois");

    let six = json!({"foyer": {"revenu": 41000.00, "points_de_charge": 6}});
    let before = decision(&folder, "bareme-2026", six.clone(), false);
    let after = decision(&folder, "rentree-2027", six, false);
    assert_eq!(conclusion(&before, "échelon_obtenu")["value"], "aucun");
    let added = conclusion(&after, "échelon_obtenu");
    assert_eq!(added["value"], "un");
    assert_eq!(clauses(&added), ["1-5"]);

    // The rows keep their order: the added ones stand before `au_delà`.
    let policy = folder.version("rentree-2027").unwrap();
    let table = policy
        .conclusions
        .iter()
        .find(|c| c.name == "échelon_obtenu")
        .unwrap();
    let labels: Vec<&str> = table.rules.iter().map(|r| &*r.label).collect();
    assert_eq!(
        labels[6..],
        [
            "p3_trois", "p3_deux", "p3_un", "p5_trois", "p5_deux", "p5_un", "au_delà"
        ]
    );
}

#[test]
fn the_diff_compares_the_table_row_by_row() {
    let folder = plafonds();
    let diff = clausier::diff::diff(
        folder.version("bareme-2026").unwrap(),
        folder.version("rentree-2027").unwrap(),
    );
    let table = diff
        .conclusions
        .iter()
        .find(|c| c.name == "échelon_obtenu")
        .unwrap();
    let rows: Vec<(String, String, Vec<&str>)> = table
        .rules
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                format!("{:?}", r.change),
                r.aspects.clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("p3_trois".into(), "Changed".into(), vec!["cells"]),
            ("p3_deux".into(), "Changed".into(), vec!["cells"]),
            ("p3_un".into(), "Changed".into(), vec!["cells"]),
            ("p5_trois".into(), "Added".into(), vec![]),
            ("p5_deux".into(), "Added".into(), vec![]),
            ("p5_un".into(), "Added".into(), vec![]),
        ]
    );
    let changed = table.rules.first().unwrap();
    assert_eq!(
        changed.new.as_ref().unwrap().text,
        "row p3_trois | [3 points .. 4 points] | <= 19000.00 euros | gives trois  per \"1-3\""
    );
    // The amounts' table is the same in both versions: not reported.
    assert!(diff.conclusions.iter().all(|c| c.name != "montant_annuel"));
}

/// `fmt` aligns the cells of each column under its heading and the values after them.
#[test]
fn fmt_aligns_a_table() {
    use clausier::span::FileId;
    let written = "policy p\nversion \"v\"\n\nclause \"1\" section \"1\"\n  | Texte.\n\n\
        unit euros\n\ninput revenu : decimal euros  per \"1\"\ninput outre_mer : bool = false  per \"1\"\n\n\
        conclusion taux : integer\n  table first\n    columns | revenu | outre_mer\n    \
        row a | <= 10.00 euros | true | gives 3 per \"1\"\n    row bb | ]10.00 euros .. 20.00 euros] | - | gives 2 per \"1\"\n    \
        row autre | - | - | gives 0 per \"1\"\n";
    let formatted = clausier::format::format_source(FileId::default(), written).unwrap();
    let table: Vec<&str> = formatted
        .lines()
        .skip_while(|l| !l.starts_with("conclusion"))
        .collect();
    assert_eq!(
        table,
        [
            "conclusion taux : integer",
            "  table first",
            "    columns   | revenu                       | outre_mer",
            "    row a     | <= 10.00 euros               | true      | gives 3  per \"1\"",
            "    row bb    | ]10.00 euros .. 20.00 euros] | -         | gives 2  per \"1\"",
            "    row autre | -                            | -         | gives 0  per \"1\"",
        ]
    );
    let again = clausier::format::format_source(FileId::default(), &formatted).unwrap();
    assert_eq!(formatted, again);
}

const COLLECT: &str = r#"
policy aides
version "v"

clause "1" section "1"
  | Le boursier a droit au repas à un euro ; l'étudiant outre-mer à l'aide au transport.

enum aide = repas | transport

input boursier : bool = false                   per "1"
input outre_mer : bool = false                  per "1"

conclusion aides : set of aide
  table collect
    columns        | boursier | outre_mer
    row repas      | true     | -          | gives repas      per "1"
    row transport  | -        | true       | gives transport  per "1"
"#;

/// Under `collect`, every row that applies gives a member of the set.
#[test]
fn a_collect_table_gathers_the_value_of_every_row_that_applies() {
    let folder = check_texts(
        PathBuf::from("."),
        vec![("v.policy".into(), None, COLLECT.into())],
    );
    let found: Vec<String> = folder
        .all_diagnostics()
        .map(|d| d.render(&folder.sources, false))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    let both = decision(
        &folder,
        "v",
        json!({"boursier": true, "outre_mer": true}),
        false,
    );
    assert_eq!(
        conclusion(&both, "aides")["value"],
        json!(["repas", "transport"])
    );
    let none = decision(&folder, "v", json!({}), false);
    assert_eq!(conclusion(&none, "aides")["value"], json!([]));

    // `collect` on a conclusion that is not a set is refused, and the reverse.
    let wrong = COLLECT.replace("set of aide", "aide");
    let folder = check_texts(PathBuf::from("."), vec![("v.policy".into(), None, wrong)]);
    let found: Vec<String> = folder
        .all_diagnostics()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        found,
        ["the hit policy `collect` does not suit conclusion `aides`"]
    );
}

/// A cell of the wrong unit is caught where it is written.
#[test]
fn a_cell_of_another_unit_is_a_unit_mismatch_at_the_cell() {
    let text = std::fs::read_to_string(Path::new(PLAFONDS).join("bareme-2026.policy"))
        .unwrap()
        .replace("<= 12500.00 euros", "<= 12500.00 points");
    let folder = check_texts(
        PathBuf::from("."),
        vec![("bareme-2026.policy".into(), None, text)],
    );
    let d = folder
        .all_diagnostics()
        .find(|d| d.code.as_str() == "unit-mismatch")
        .unwrap_or_else(|| panic!("no unit mismatch"));
    let snippet = d.to_json(&folder.sources).snippet.unwrap_or_default();
    assert_eq!(snippet, "<= 12500.00 points");
}

/// Under `first`, a row of `-` cells above others leaves them unreachable, and the warning says
/// it in the words of a table.
#[test]
fn a_row_below_a_row_that_tests_nothing_never_applies() {
    let text = COLLECT
        .replace("set of aide", "aide")
        .replace("table collect", "table first")
        .replace(
            "row repas      | true     | -  ",
            "row repas      | -        | -  ",
        );
    let folder = check_texts(PathBuf::from("."), vec![("v.policy".into(), None, text)]);
    let found: Vec<String> = folder
        .all_diagnostics()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        found,
        ["row `transport` of `aides` never applies: row `repas` above it applies to every input"]
    );
}

const GAPS: &str = r#"
policy gaps
version "v"

clause "1" section "1"
  | Le taux dépend de l'aide demandée et de la date du dépôt.

enum aide = repas | transport | logement

input aide : aide                     per "1"
input depot : date                    per "1"

conclusion taux_aide : integer
  table unique
    columns    | aide
    row repas  | repas      | gives 1  per "1"
    row trajet | transport  | gives 2  per "1"

conclusion taux_depot : integer
  table unique
    columns    | depot
    row tot    | < 2026-01-01   | gives 1  per "1"
    row tard   | >= 2026-06-01  | gives 2  per "1"
"#;

/// The messages of the diagnostics of one policy file's `text`.
fn messages(text: &str) -> Vec<String> {
    let folder = check_texts(
        PathBuf::from("."),
        vec![("v.policy".into(), None, text.into())],
    );
    folder
        .all_diagnostics()
        .map(|d| d.message.clone())
        .collect()
}

/// A gap in a table is named in its column's own values: the enum value no row has, the dates
/// between two rows (not their day numbers).
#[test]
fn a_gap_is_named_in_the_values_of_its_column() {
    assert_eq!(
        messages(GAPS),
        [
            "no row of `taux_aide` covers `aide` = logement",
            "no row of `taux_depot` covers `depot` >= 2026-01-01 and <= 2026-05-31",
        ]
    );
    // Every value of the enum given a row: no gap.
    let covered = GAPS.replace(
        "    row trajet | transport  | gives 2  per \"1\"\n",
        "    row trajet | transport  | gives 2  per \"1\"\n    row toit   | logement   | gives 3  per \"1\"\n",
    );
    assert_eq!(
        messages(&covered),
        ["no row of `taux_depot` covers `depot` >= 2026-01-01 and <= 2026-05-31"]
    );
}

/// A generated table of `rows` rows ([`crate::asked::synthetic::table`]), checked.
fn generated(rows: usize, hit: &str) -> PolicyFolder {
    let text = crate::asked::synthetic::table(rows, hit);
    check_texts(
        PathBuf::from("table"),
        vec![("table/v.policy".into(), None, text)],
    )
}

#[test]
fn a_first_table_of_thousands_of_rows_is_ranked_row_by_row_and_decided_by_its_first_row_that_applies()
 {
    let folder = generated(5_000, "first");
    assert!(folder.is_ok(), "{:?}", folder.diagnostics);
    assert!(folder.all_diagnostics().next().is_none());
    let d = decision(&folder, "v", json!({"a": {"code": 4_998}}), true);
    let k = conclusion(&d, "k");
    assert_eq!(k["value"], 4_998);
    assert_eq!(k["rules"], json!(["r4998"]));
    let outcome = |row: &str| {
        let trace = d.trace.as_ref().unwrap();
        trace.iter().find(|t| t.rule == row).unwrap().outcome
    };
    assert_eq!(outcome("r4997"), "not applicable");
    assert_eq!(outcome("r4998"), "applied");
    // Every row below the one that applies is set aside by it, the last one too.
    assert_eq!(outcome("other"), "overridden");
    let d = decision(&folder, "v", json!({"a": {"code": 70_000}}), false);
    assert_eq!(conclusion(&d, "k")["rules"], json!(["other"]));

    // Brackets: a high code is in every one, and each row is set aside by the first above it.
    let folder = generated(5_000, "thresholds");
    assert!(folder.is_ok(), "{:?}", folder.diagnostics);
    let d = decision(&folder, "v", json!({"a": {"code": 70_000}}), true);
    assert_eq!(conclusion(&d, "k")["rules"], json!(["r0"]));
    let trace = d.trace.as_ref().unwrap();
    for row in ["r1", "r2500", "r4999", "other"] {
        let entry = trace.iter().find(|t| t.rule == row).unwrap();
        assert_eq!(entry.outcome, "overridden", "{row}");
        assert!(
            entry.because.iter().any(|b| b.contains("`r0`")),
            "{row}: {:?}",
            entry.because
        );
    }
    // 25,005 is from 25,000 on (row `r2500`), not from 25,010 on (row `r2499`).
    let d = decision(&folder, "v", json!({"a": {"code": 25_005}}), false);
    assert_eq!(conclusion(&d, "k")["rules"], json!(["r2500"]));
}

/// The rows of a `unique` table are compared where they can meet, not two by two: 3,000 rows
/// that each name their own code are checked (in a debug build) in a few seconds, and the rows
/// that do overlap are all named, in the order of the rows.
#[test]
fn a_unique_table_of_many_rows_is_checked_and_every_overlap_is_named() {
    let folder = generated(3000, "unique");
    assert!(folder.is_ok(), "{:?}", folder.diagnostics);
    let d = decision(&folder, "v", json!({"a": {"code": 2998}}), false);
    assert_eq!(conclusion(&d, "k")["rules"], json!(["r2998"]));
    // A row that repeats another's code overlaps it; a range overlaps each row within it.
    let text = crate::asked::synthetic::table(3000, "unique").replace(
        "    row above",
        "    row again | 250 | gives 7 per \"c\"\n    row wide | [1000 .. 1002] | gives 8 per \"c\"\n    row above",
    );
    let folder = check_texts(
        PathBuf::from("table"),
        vec![("table/v.policy".into(), None, text)],
    );
    let overlaps: Vec<&str> = folder
        .all_diagnostics()
        .filter(|d| d.code.as_str() == "table-overlap")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        overlaps,
        [
            "rows `r250` and `again` of `k` can apply together, and the table is `unique`",
            "rows `r1000` and `wide` of `k` can apply together, and the table is `unique`",
            "rows `r1001` and `wide` of `k` can apply together, and the table is `unique`",
            "rows `r1002` and `wide` of `k` can apply together, and the table is `unique`",
        ]
    );
}

/// A reviewer reads each rule's `overrides` next to its text: what it names, not the closure.
/// For a `first` table the closure of a row holds every row below it (half the square of the
/// rows in all: 12.5 million labels for 5,000 rows); the version lists the row below it.
#[test]
fn the_version_lists_what_each_rule_overrides_directly_so_a_large_table_stays_linear() {
    use crate::http::{TestServer, get};
    let root = tempfile::tempdir().unwrap();
    let write = |id: &str, text: &str| {
        std::fs::create_dir_all(root.path().join(id)).unwrap();
        std::fs::write(root.path().join(id).join("v.policy"), text).unwrap();
    };
    write("table", &crate::asked::synthetic::table(5_000, "first"));
    write(
        "chain",
        "policy chain\nversion \"v\"\neffective from 2026-01-01\n\n\
         clause \"1\" section \"1\"\n  | Texte.\n\n\
         input a.n : integer per \"1\"\n\n\
         conclusion k : integer\n  rule base\n    gives 0\n    per \"1\"\n\
         \x20 exception more of base\n    when a.n > 1\n    gives 1\n    per \"1\"\n\
         \x20 exception most of more\n    when a.n > 2\n    gives 2\n    per \"1\"\n",
    );
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let server = TestServer::start(
        root.path(),
        today,
        clausier::server::Limits::default(),
        false,
    );
    let rules = |id: &str| {
        let view = get(&server, &format!("/v1/policies/{id}/versions/v")).json();
        view["conclusions"][0]["rules"].as_array().unwrap().clone()
    };
    let overrides = |rule: &Value| rule["overrides"].clone();

    let chain = rules("chain");
    assert_eq!(
        chain.iter().map(overrides).collect::<Vec<_>>(),
        [json!([]), json!(["base"]), json!(["more"])]
    );
    let table = rules("table");
    assert_eq!(table.len(), 5_001);
    assert_eq!(overrides(&table[0]), json!(["r1"]));
    assert_eq!(overrides(&table[4_998]), json!(["r4999"]));
    assert_eq!(overrides(&table[4_999]), json!(["other"]));
    assert_eq!(overrides(&table[5_000]), json!([]));
    // Yet a row still sets aside every row below it when it applies (brackets: a high code is
    // in every one).
    let folder = generated(5_000, "thresholds");
    let d = decision(&folder, "v", json!({"a": {"code": 70_000}}), true);
    let trace = d.trace.as_ref().unwrap();
    let overridden = trace.iter().filter(|t| t.outcome == "overridden").count();
    assert_eq!(overridden, 5_000);
}

/// Every row of a `collect` table of brackets holds for a high code: the value gathers them
/// all, and each row is a rule that gave it (the explanation looks for the exceptions to each
/// giving row once, not once per row: `table_scale/decide_collect_thresholds_10000`).
#[test]
fn a_collect_table_of_thousands_of_rows_gathers_every_row_that_applies() {
    let folder = generated(2_000, "collect_thresholds");
    assert!(folder.is_ok(), "{:?}", folder.diagnostics);
    let d = decision(&folder, "v", json!({"a": {"code": 40_000}}), false);
    let k = conclusion(&d, "k");
    let values = k["value"].as_array().unwrap();
    assert_eq!(values.len(), 2_000);
    assert!((0..2_000).all(|i| values.contains(&json!(i))));
    let rules = k["rules"].as_array().unwrap();
    // The 2,000 brackets and the row for the codes from 2,000 on.
    assert_eq!(rules.len(), 2_001);
    assert_eq!(rules[0], "r0");
    assert_eq!(rules[2_000], "above");
    assert_eq!(k["because"], json!(["a.code = 40000"]));
}
