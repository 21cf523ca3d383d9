//! The compile pipeline checks each layer once and reuses it under the versions that extend it:
//! the results must be those of checking every version with its whole chain again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clausier::check::check_version;
use clausier::load::{PolicyFolder, check_texts, load_folder, load_version_file};
use clausier::model::CompiledPolicy;
use clausier::span::SourceMap;

const BTS: &str = "policies/bts-metiers-de-la-mesure";

/// Every folder of policies in the repository: the shipped ones, the test ones, and the broken
/// ones made of several files.
fn folders() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from(BTS),
        PathBuf::from("tests/policies/retractation-consommation"),
    ];
    for entry in std::fs::read_dir("tests/broken").unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "snapshots") {
            dirs.push(path);
        }
    }
    dirs.sort();
    dirs
}

/// A compiled version as text, its file ids replaced by the files' names and its hash maps
/// sorted, so that two loads of the same sources compare equal whatever their file order.
fn fingerprint(policy: &CompiledPolicy) -> String {
    let mut p = policy.clone();
    let mut merged = (*p.merged).clone();
    let replaced: BTreeMap<_, _> = merged.replaced_params.drain().collect();
    p.merged = Arc::new(merged);
    let sources = std::mem::replace(&mut p.sources, Arc::new(SourceMap::new()));
    let text = format!("{replaced:?}\n{p:?}");
    named_files(text, &sources)
}

fn named_files(mut text: String, sources: &SourceMap) -> String {
    for (id, file) in sources.files() {
        let name = Path::new(&file.name).file_name().unwrap().to_string_lossy();
        text = text.replace(&format!("FileId({})", id.0), &format!("File({name})"));
    }
    text
}

/// What the folder reports when each version is checked again with its whole chain, each
/// finding reported once (the load before the pipeline).
fn checked_one_by_one(folder: &PolicyFolder) -> Vec<(String, Option<String>, Vec<String>)> {
    let mut seen = folder.diagnostics.clone();
    let mut out = Vec::new();
    for f in &folder.files {
        let mut result = check_version(&folder.sources, &folder.files, f.version());
        result.diagnostics.retain(|d| !seen.contains(d));
        seen.extend(result.diagnostics.iter().cloned());
        out.push(outcome(
            f.version(),
            result.policy.as_deref().map(clausier::Prepared::policy),
            &result.diagnostics,
        ));
    }
    out
}

fn outcome(
    label: &str,
    policy: Option<&CompiledPolicy>,
    diagnostics: &[clausier::diagnostic::Diagnostic],
) -> (String, Option<String>, Vec<String>) {
    (
        label.to_string(),
        policy.map(fingerprint),
        diagnostics.iter().map(|d| format!("{d:?}")).collect(),
    )
}

fn as_loaded(folder: &PolicyFolder) -> Vec<(String, Option<String>, Vec<String>)> {
    folder
        .versions
        .iter()
        .map(|(label, r)| {
            let policy = r.policy.as_deref().map(clausier::Prepared::policy);
            outcome(label, policy, &r.diagnostics)
        })
        .collect()
}

#[test]
fn every_version_compiles_as_if_checked_with_its_whole_chain() {
    for dir in folders() {
        let folder = load_folder(&dir).unwrap();
        let loaded = as_loaded(&folder);
        let again = checked_one_by_one(&folder);
        assert_eq!(loaded.len(), again.len(), "{}", dir.display());
        for (a, b) in loaded.iter().zip(&again) {
            assert!(a == b, "{}: version `{}` differs", dir.display(), a.0);
        }
    }
}

#[test]
fn a_version_loaded_alone_equals_the_same_version_in_its_folder() {
    let folder = load_folder(Path::new(BTS)).unwrap();
    assert_eq!(folder.compiled().count(), 4);
    for (label, result) in &folder.versions {
        let path = Path::new(BTS).join(format!("{label}.policy"));
        let alone = load_version_file(&path).unwrap();
        assert!(alone.is_ok(), "{label}");
        let policy = result.policy.as_ref().unwrap();
        assert_eq!(
            fingerprint(alone.version(label).unwrap()),
            fingerprint(policy),
            "{label}"
        );
    }
}

const ANNEX: &str = r#"policy p
version "annex"
effective from 2024-01-01

clause "a" section "1"
  | A rule.
clause "unused" section "1"
  | Cited by nothing.

parameter limit = 3 per "a"
parameter deadline : date per "a"

input n : integer

conclusion ok : bool
  rule base gives n <= limit per "a"
"#;

fn session(label: &str, date: &str, limit: &str) -> String {
    format!(
        "policy p\nversion \"{label}\"\neffective from {date}\nextends \"annex\"\n\n\
         override parameter deadline = {date} per \"a\"\n\
         override parameter limit = {limit} per \"a\"\n"
    )
}

fn folder(texts: &[(&str, String)]) -> PolicyFolder {
    check_texts(
        "p".into(),
        texts
            .iter()
            .map(|(name, text)| (name.to_string(), None, text.clone()))
            .collect(),
    )
}

#[test]
fn a_broken_annex_is_reported_once_and_stops_every_session() {
    let broken = ANNEX.replace("n <= limit", "n <= nope");
    let f = folder(&[
        ("annex.policy", broken),
        ("s1.policy", session("s1", "2025-01-01", "4")),
        ("s2.policy", session("s2", "2026-01-01", "5")),
    ]);
    let codes: Vec<(String, &str)> = f
        .all_diagnostics()
        .map(|d| (d.code.to_string(), f.sources.snippet(d.span.unwrap())))
        .collect();
    assert_eq!(
        codes,
        [
            ("unknown-name".to_string(), "nope"),
            ("unused-clause".to_string(), "\"unused\"")
        ],
        "each finding once, in the file that has it"
    );
    assert_eq!(f.compiled().count(), 0);
    assert!(f.versions.iter().all(|(_, r)| r.policy.is_none()));
}

#[test]
fn each_session_gets_its_own_values_on_the_shared_annex() {
    let f = folder(&[
        ("annex.policy", ANNEX.to_string()),
        ("s1.policy", session("s1", "2025-01-01", "4")),
        ("s2.policy", session("s2", "2026-01-01", "5")),
    ]);
    let warnings: Vec<&str> = f
        .all_diagnostics()
        .map(|d| f.sources.snippet(d.span.unwrap()))
        .collect();
    assert_eq!(warnings, ["\"unused\""], "the annex's warning, once");
    let limit = |label: &str| {
        let p = f.version(label).unwrap();
        let i = p.params.iter().position(|p| p.name == "limit").unwrap();
        format!("{:?}", p.params[i].value)
    };
    assert_ne!(limit("s1"), limit("s2"));
    assert_ne!(limit("annex"), limit("s1"));
    let sha: Vec<&str> = f.compiled().map(|p| p.sha256.as_str()).collect();
    assert!(sha[0] != sha[1] && sha[1] != sha[2]);
    // An override of the wrong type in one session is that session's error alone.
    let f = folder(&[
        ("annex.policy", ANNEX.to_string()),
        ("s1.policy", session("s1", "2025-01-01", "true")),
        ("s2.policy", session("s2", "2026-01-01", "5")),
    ]);
    // (the override, and the annex's rule that now compares an integer with a bool)
    let errors = |label: &str| {
        let (_, r) = f.versions.iter().find(|(l, _)| l == label).unwrap();
        let codes: Vec<String> = r.diagnostics.iter().map(|d| d.code.to_string()).collect();
        codes
    };
    assert_eq!(errors("s1"), ["type-mismatch", "type-mismatch"]);
    assert!(errors("annex").iter().all(|c| c == "unused-clause") && errors("s2").is_empty());
    let compiled: Vec<&str> = f.compiled().map(|p| p.version.as_str()).collect();
    assert_eq!(compiled, ["annex", "s2"]);
}

/// A session that labels nothing takes its annex's labels (shared, not made again), and says
/// what they lack as a check of its whole chain says it: the parameter it overrides without a
/// label is its own warning. A session that labels something, or speaks another language, has
/// its labels made again, as the whole chain's check makes them.
#[test]
fn labels_taken_from_the_annex_are_those_a_whole_check_makes() {
    let annex = ANNEX.replace(
        "effective from 2024-01-01\n",
        "effective from 2024-01-01\nlanguage \"fr\"\n",
    ) + "label n \"nombre de pièces\"\nlabel ok \"accepté\"\nlabel deadline \"date limite\"\n";
    let english = session("s3", "2027-01-01", "6").replace(
        "extends \"annex\"\n",
        "extends \"annex\"\nlanguage \"en\"\n",
    );
    let f = folder(&[
        ("annex.policy", annex),
        ("s1.policy", session("s1", "2025-01-01", "4")),
        (
            "s2.policy",
            session("s2", "2026-01-01", "5") + "label limit \"plafond\"\n",
        ),
        ("s3.policy", english),
    ]);
    assert_eq!(as_loaded(&f), checked_one_by_one(&f));
    let missing = |label: &str| -> Vec<&str> {
        let (_, r) = f.versions.iter().find(|(l, _)| l == label).unwrap();
        (r.diagnostics.iter())
            .filter(|d| d.code == clausier::diagnostic::Code::MissingLabel)
            .map(|d| f.sources.snippet(d.span.unwrap()))
            .collect()
    };
    // The overridden `limit` (its value stands for it), in each session that leaves it bare.
    assert_eq!(missing("s1"), ["4"]);
    assert!(missing("s2").is_empty(), "{:?}", missing("s2"));
    assert_eq!(missing("s3"), ["6"]);
    let shared = |label: &str| {
        let input = |l: &str| f.version(l).unwrap().labels.inputs[0].clone().unwrap();
        Arc::ptr_eq(&input("annex"), &input(label))
    };
    assert!(shared("s1"));
    assert!(!shared("s2") && !shared("s3"));
}

#[test]
fn a_header_is_read_without_the_rest_of_the_file() {
    let text = "# a comment\n\n  # another\npolicy p\nversion \"s1\" # here too\nextends \"annex\"\n\nthis is not a declaration";
    assert_eq!(
        clausier::syntax::header_labels(text),
        Some(("s1".to_string(), Some("annex".to_string())))
    );
    assert_eq!(
        clausier::syntax::header_labels(ANNEX),
        Some(("annex".to_string(), None))
    );
    assert_eq!(
        clausier::syntax::header_labels("policy p\nversion s1"),
        None
    );
}

#[test]
fn a_version_file_finds_its_layer_by_label_among_files_that_parse() {
    let dir = tempfile::tempdir().unwrap();
    // Sorted first, with the label of the annex but a body that does not parse: not the layer.
    std::fs::write(
        dir.path().join("a-broken.policy"),
        ANNEX.replace("input n", "input"),
    )
    .unwrap();
    std::fs::write(dir.path().join("annex.policy"), ANNEX).unwrap();
    let session_path = dir.path().join("s1.policy");
    std::fs::write(&session_path, session("s1", "2025-01-01", "4")).unwrap();
    let loaded = load_version_file(&session_path).unwrap();
    let names: Vec<String> = loaded
        .sources
        .files()
        .map(|(_, f)| {
            Path::new(&f.name)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["s1.policy", "annex.policy"]);
    assert!(loaded.version("s1").is_some());
}

/// A session that only overrides parameters, rules and clauses shares its base's fact texts
/// and citations, those through its parameters and definitions too: they must be those it would
/// render alone. Besides the repository's folders, a session that cites another clause for a
/// parameter it overrides (its citations through that parameter are its own).
#[test]
fn shared_fact_texts_and_citations_are_those_rendered_afresh() {
    use clausier::eval::Source;
    use clausier::model::Lang;
    let recited = folder(&[
        ("annex.policy", ANNEX.to_string()),
        (
            "s1.policy",
            session("s1", "2025-01-01", "4").replace("= 4 per \"a\"", "= 4 per \"unused\""),
        ),
    ]);
    let s1 = recited.version("s1").expect("s1 checks");
    let cited: Vec<_> = (s1.source_citations(Source::Param(0)).iter())
        .map(|c| (c.clause.to_string(), c.via.as_deref().map(str::to_owned)))
        .collect();
    assert_eq!(
        cited,
        [("unused".to_string(), Some("parameter limit".to_string()))]
    );
    let folders = folders().into_iter().map(|dir| load_folder(&dir).unwrap());
    for folder in folders.chain([recited]) {
        let dir = folder.dir.clone();
        for prepared in folder.compiled() {
            let fresh = clausier::Prepared::new(prepared.policy().clone());
            for lang in [Lang::Fr, Lang::En] {
                assert_eq!(
                    format!("{:?}", prepared.fact_texts(lang)),
                    format!("{:?}", fresh.fact_texts(lang)),
                    "{} {}",
                    dir.display(),
                    prepared.version
                );
            }
            for clause in 0..prepared.clauses.len() {
                assert_eq!(prepared.citation(clause), fresh.citation(clause));
            }
            let sources = (0..prepared.params.len())
                .map(Source::Param)
                .chain((0..prepared.defs.len()).map(Source::Def));
            for source in sources {
                assert_eq!(
                    prepared.source_citations(source),
                    fresh.source_citations(source),
                    "{} {} {source:?}",
                    dir.display(),
                    prepared.version
                );
            }
        }
    }
}

/// A reload checks again only the versions whose files or layers changed: the others, in the
/// folder edited and in every other folder, are served as they were (the same `Arc`), and
/// what is checked again is what a fresh load gives.
#[test]
fn a_reload_checks_again_only_the_versions_whose_files_changed() {
    use clausier::server::store::Store;

    let root = tempfile::tempdir().unwrap();
    crate::http::copy_policies(root.path());
    let other = root.path().join("retractation-consommation");
    std::fs::create_dir_all(&other).unwrap();
    for entry in std::fs::read_dir("tests/policies/retractation-consommation").unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, other.join(path.file_name().unwrap())).unwrap();
        }
    }
    let store = Store::open(root.path());
    let served = |store: &Store| -> BTreeMap<(String, String), Arc<clausier::Prepared>> {
        let set = store.snapshot();
        let mut out = BTreeMap::new();
        for (id, entry) in &set.policies {
            for (label, p) in &entry.versions {
                out.insert((id.clone(), label.clone()), Arc::clone(p));
            }
        }
        out
    };
    let first = served(&store);
    assert_eq!(first.len(), 6, "{:?}", first.keys());

    // Nothing changed: nothing is checked, everything is served as it was.
    let summary = store.reload();
    assert_eq!((summary.checked, summary.failure), (0, None));
    let again = served(&store);
    assert!(first.iter().all(|(k, p)| Arc::ptr_eq(p, &again[k])));

    // A session edited: that session alone is checked again.
    let bts = root.path().join(crate::http::BTS);
    let session = bts.join("session-2027.policy");
    let text = std::fs::read_to_string(&session).unwrap();
    std::fs::write(&session, text.replace("2027-04-16", "2027-04-23")).unwrap();
    let summary = store.reload();
    assert_eq!((summary.checked, summary.failure), (1, None));
    let after = served(&store);
    for (key, p) in &first {
        let edited = key.1 == "session-2027";
        assert_eq!(!Arc::ptr_eq(p, &after[key]), edited, "{key:?}");
    }
    let fresh = load_folder(&bts).unwrap();
    let key = (crate::http::BTS.to_string(), "session-2027".to_string());
    assert_eq!(
        fingerprint(&after[&key]),
        fingerprint(fresh.version("session-2027").unwrap())
    );

    // The annex edited: every BTS version is checked again (each extends it), the other
    // policy's are not.
    let annex = bts.join("annexe-ivb.policy");
    let text = std::fs::read_to_string(&annex).unwrap();
    std::fs::write(&annex, format!("{text}\n")).unwrap();
    let summary = store.reload();
    assert_eq!((summary.checked, summary.failure), (4, None));
    let last = served(&store);
    for (key, p) in &after {
        let bts_version = key.0 == crate::http::BTS;
        assert_eq!(!Arc::ptr_eq(p, &last[key]), bts_version, "{key:?}");
    }
    // A broken edit checks its version again (and fails), the others are still taken.
    let text = std::fs::read_to_string(&session).unwrap();
    let broken = text.replace("parameter report_deadline", "parameter report_dedline");
    std::fs::write(&session, broken).unwrap();
    let summary = store.reload();
    assert_eq!(summary.checked, 1);
    assert!(summary.failure.is_some());
    let broken = served(&store);
    assert!(
        last.iter().all(|(k, p)| Arc::ptr_eq(p, &broken[k])),
        "the last good version stays served"
    );
}

/// A load after an edit parses only the files that changed: the others' trees are those of the
/// load before (the same `Arc`), and the folder is what a fresh load gives. A file read at
/// another place in the folder, or under another name, is parsed again (its positions would
/// not hold).
#[test]
fn a_reload_parses_only_the_files_that_changed() {
    use clausier::load::{check_texts_after, read_texts};

    let texts = read_texts(Path::new(BTS)).unwrap();
    assert!(texts.len() >= 3, "several files");
    let tree_of = |folder: &PolicyFolder, name: &str| {
        let (id, _) = folder
            .sources
            .files()
            .find(|(_, f)| f.name == name)
            .unwrap();
        let parsed = folder.files.iter().find(|f| f.file == id).unwrap();
        Arc::clone(&parsed.policy)
    };
    let first = check_texts_after(PathBuf::from(BTS), texts.clone(), None);
    assert!(first.is_ok());

    // One file edited: that file alone is parsed again.
    let edited = texts
        .iter()
        .position(|(name, _, _)| name.ends_with("session-2027.policy"))
        .unwrap();
    let mut changed = texts.clone();
    changed[edited].2 = changed[edited].2.replace("2027-04-16", "2027-04-23");
    assert_ne!(changed[edited].2, texts[edited].2);
    let second = check_texts_after(PathBuf::from(BTS), changed.clone(), Some(&first));
    for (i, (name, _, _)) in texts.iter().enumerate() {
        let shared = Arc::ptr_eq(&tree_of(&first, name), &tree_of(&second, name));
        assert_eq!(shared, i != edited, "{name}");
    }
    let fresh = check_texts(PathBuf::from(BTS), changed.clone());
    assert_eq!(second.versions.len(), fresh.versions.len());
    assert_eq!(second.compiled().count(), fresh.compiled().count());
    for (policy, again) in second.compiled().zip(fresh.compiled()) {
        assert_eq!(
            fingerprint(policy),
            fingerprint(again),
            "{}",
            policy.version
        );
    }

    // The same texts, each one place further: every file stands elsewhere, and is parsed again.
    let mut moved = changed.clone();
    moved.rotate_left(1);
    let third = check_texts_after(PathBuf::from(BTS), moved, Some(&second));
    for (name, _, _) in &texts {
        assert!(
            !Arc::ptr_eq(&tree_of(&second, name), &tree_of(&third, name)),
            "{name}"
        );
    }
    // Under another name, or read from another path, at the same place: parsed again.
    let mut renamed = changed.clone();
    renamed[0].0.push_str(".copy");
    renamed[1].1 = Some(PathBuf::from("elsewhere.policy"));
    let fourth = check_texts_after(PathBuf::from(BTS), renamed.clone(), Some(&second));
    assert!(!Arc::ptr_eq(
        &tree_of(&second, &changed[0].0),
        &tree_of(&fourth, &renamed[0].0)
    ));
    assert!(!Arc::ptr_eq(
        &tree_of(&second, &changed[1].0),
        &tree_of(&fourth, &changed[1].0)
    ));
    assert!(Arc::ptr_eq(
        &tree_of(&second, &changed[2].0),
        &tree_of(&fourth, &changed[2].0)
    ));
}

/// The reload `load_scale/reload_10000` measures, at 1,000 items: an edit to a session layer
/// over a large version parses and checks that layer alone, and its new value is served.
#[test]
fn an_edit_to_a_layer_over_a_large_version_parses_and_checks_the_layer_alone() {
    use crate::asked::synthetic;
    use clausier::load::check_texts_after;

    let with_layer = |value: usize| {
        vec![
            (
                "synthetic/v.policy".to_string(),
                None,
                synthetic::policy(1_000),
            ),
            (
                "synthetic/v2.policy".to_string(),
                None,
                synthetic::layer(value),
            ),
        ]
    };
    let first = check_texts_after(PathBuf::from("synthetic"), with_layer(1), None);
    assert!(first.is_ok(), "the layer checks");
    assert_eq!(first.checked_anew(), 2);
    let second = check_texts_after(PathBuf::from("synthetic"), with_layer(7), Some(&first));
    assert!(second.is_ok());
    assert_eq!(
        second.checked_anew(),
        1,
        "the large version is taken as checked"
    );
    assert!(Arc::ptr_eq(&first.files[0].policy, &second.files[0].policy));
    assert!(!Arc::ptr_eq(
        &first.files[1].policy,
        &second.files[1].policy
    ));
    let p0 = |folder: &PolicyFolder| {
        let v2 = folder.version("v2").unwrap();
        let p = v2
            .merged
            .params
            .iter()
            .find(|p| p.name.node == "p0")
            .unwrap();
        match &p.value.as_ref().unwrap().node {
            clausier::ast::ExprKind::Number(n) => n.to_string(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        (p0(&first), p0(&second)),
        ("1".to_string(), "7".to_string())
    );
}
