//! The reviewer page (`/ui/`) as a reviewer sees it: the real service on 127.0.0.1, each page
//! opened in headless Chromium once its scripts have fetched the API, the resulting DOM
//! checked, and a screenshot saved under `target/ui-screenshots/` for a person to look at.
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it). Without it these
//! tests are compiled as ignored (`src/build.rs`), so `cargo test` counts them as ignored and
//! says why, unless `CLAUSIER_BROWSER_TESTS=required` (as in `.ci/run`), where a missing
//! browser fails them. `CLAUSIER_CHROMIUM` names another binary.
//!
//! The review endpoints the page reads (`/diff`, `/impact`) are checked here over plain HTTP too.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::http::{TestServer, date, get, post};

const BTS: &str = "bts-metiers-de-la-mesure";

/// The Chromium binary, or none (the test then passes, saying why) unless browser tests are
/// required.
pub(crate) fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("CLAUSIER_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
                .find(|candidate| candidate.is_file())
        });
    if found.is_none() {
        let required = std::env::var("CLAUSIER_BROWSER_TESTS").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "CLAUSIER_BROWSER_TESTS=required but chromium is not installed: apt-get install -y chromium"
        );
        eprintln!(
            "browser test skipped: chromium is not installed (apt-get install -y chromium; \
             CLAUSIER_BROWSER_TESTS=required turns this into a failure)"
        );
    }
    found
}

pub(crate) fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Opens `url` in headless Chromium, lets its scripts and fetches run, saves a screenshot
/// `name.png` of a 1366-pixel-wide window `height` pixels tall, and returns the DOM. The
/// browser is a French exam office's: it prefers French (headless Chromium says `en-US`
/// otherwise, which the page would follow).
pub(crate) fn open(chromium: &Path, url: &str, name: &str, height: u32) -> String {
    open_in(chromium, "fr-FR,fr", url, name, height)
}

/// [`open`] in a browser whose languages, in order of preference, are `languages`.
fn open_in(chromium: &Path, languages: &str, url: &str, name: &str, height: u32) -> String {
    let work = tempfile::tempdir().unwrap();
    let dom_path = work.path().join("dom.html");
    let log_path = work.path().join("chromium.log");
    let shot = screenshots().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&shot);
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--accept-lang={languages}"))
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("--window-size=1366,{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&dom_path).unwrap())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within 60 s on {url}:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed on {url}: {status}\n{log}"
    );
    assert!(shot.is_file(), "no screenshot of {url}:\n{log}");
    std::fs::read_to_string(&dom_path).unwrap()
}

/// A copy of the BTS policy's files, with one more file `name` that holds `text`.
pub(crate) fn bts_with(name: &str, text: &str) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let policy = folder.path().join(BTS);
    std::fs::create_dir(&policy).unwrap();
    for entry in std::fs::read_dir(Path::new("policies").join(BTS)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "policy") {
            std::fs::copy(&path, policy.join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(policy.join(name), text).unwrap();
    folder
}

/// The `<article>` that holds the element with this `id`.
pub(crate) fn article<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element `{id}` in the page:\n{dom}"));
    let start = dom[..at].rfind("<article").unwrap();
    let end = at + dom[at..].find("</article>").unwrap();
    &dom[start..end]
}

/// The text from `from` to the next `until` (both must be there).
fn between<'a>(dom: &'a str, from: &str, until: &str) -> &'a str {
    let start = dom
        .find(from)
        .unwrap_or_else(|| panic!("no `{from}` in the page:\n{dom}"));
    let end = start + dom[start..].find(until).unwrap();
    &dom[start..end]
}

pub(crate) fn contains_all(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "`{needle}` is not in:\n{haystack}"
        );
    }
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_policies_page_lists_versions_dates_and_load_errors() {
    let Some(chromium) = chromium() else { return };
    // A copy of the BTS policy with one more file that fails the check.
    let folder = bts_with(
        "session-2028.policy",
        "policy bts-metiers-de-la-mesure\nversion \"session-2028\"\neffective from 2027-09-01\n\
         extends \"annexe-ivb\"\n\noverride parameter no_such_parameter = 2028-04-14   per \"4-3\"\n",
    );
    let server = TestServer::start(
        folder.path(),
        date("2026-11-28"),
        clausier::server::Limits::default(),
        false,
    );
    let dom = open(&chromium, &format!("{}/ui/", server.base), "policies", 1300);
    let versions = between(&dom, "<caption>Versions</caption>", "</table>");
    contains_all(
        versions,
        &[
            "annexe-ivb",
            "2021-09-01",
            "session-2026",
            "2025-09-01",
            "session-2027",
            "2026-09-01",
            "en vigueur aujourd’hui",
            "mayotte-2025",
            "sans date (choisie par son nom)",
        ],
    );
    assert!(!versions.contains("session-2028"), "{versions}");
    // The failing file is shown, its status and its diagnostic, the others as loaded.
    contains_all(
        &dom,
        &[
            "1 fichier(s) en erreur",
            "session-2028.policy",
            "en erreur : rien n’est servi",
            "no_such_parameter",
            "chargé",
        ],
    );
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn a_version_shows_each_clause_beside_what_cites_it() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let url = format!("{}/ui/#/p/{BTS}/v/session-2027", server.base);
    let dom = open(&chromium, &url, "version", 1000);
    // Clause 3-1: its text, then in the same article the parameters and rules citing it.
    let clause = article(&dom, "c-3-1");
    let text = clause
        .find("La durée normale du stage en milieu professionnel est de douze semaines.")
        .unwrap_or_else(|| panic!("no text of 3-1 in:\n{clause}"));
    let uses = clause.find("clause-uses").unwrap();
    assert!(text < uses, "the clause's text comes first:\n{clause}");
    contains_all(
        &clause[uses..],
        &[
            "minimum_reduced_weeks",
            "8 weeks",
            "required_weeks",
            "exception reduced of normal",
            "per \"3-1\", \"3-2\"",
        ],
    );
    // An input field's citation counts: 2.1.1-1 is cited by `candidate.pathway` only.
    contains_all(article(&dom, "c-2.1.1-1"), &["candidate.pathway"]);
    // Clauses that set no rule are marked informative; no other clause goes uncited.
    let informative = article(&dom, "c-1-1");
    contains_all(informative, &["informative"]);
    assert!(!informative.contains("clause-uses"), "{informative}");
    contains_all(&dom, &["41 informatives", "0 non citées", "Section 3"]);
    // Clauses come in the regulation's order.
    let order: Vec<usize> = ["c-0-1", "c-1-1", "c-2.1.1-1", "c-3-1", "c-4-3"]
        .iter()
        .map(|id| dom.find(&format!("id=\"{id}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");

    // A link to a clause (as a decision's quoted clauses give) shows its section, marked.
    let url = format!("{}/ui/#/p/{BTS}/v/session-2027?clause=3-1", server.base);
    let dom = open(&chromium, &url, "version-clause-3-1", 1000);
    assert!(article(&dom, "c-3-1").starts_with("<article class=\"clause focused\""));
    contains_all(&dom, &["id=\"c-3-2\"", "aria-current=\"page\">3</a>"]);
    assert!(!dom.contains("id=\"c-2.1.1-1\""), "only section 3 is shown");
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_diff_page_lists_the_two_changed_dates_and_the_files_side_by_side() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let url = format!(
        "{}/ui/#/p/{BTS}/diff?from=session-2026&to=session-2027",
        server.base
    );
    let dom = open(&chromium, &url, "diff", 2100);
    contains_all(&dom, &["2 changement(s) de sens"]);
    let parameters = between(&dom, "Paramètres</h3>", "</section>");
    let rows: Vec<&str> = parameters.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{parameters}");
    contains_all(
        rows[0],
        &["report_deadline", "2026-04-17", "2027-04-16", "4-3"],
    );
    contains_all(rows[1], &["exam_date", "2026-05-19", "2027-05-18", "4-3"]);
    // Nothing else changes in meaning.
    for part in [
        "Clauses</h3>",
        "Règles</h3>",
        "Définitions</h3>",
        "Champs du dossier</h3>",
    ] {
        assert!(!dom.contains(part), "unexpected `{part}`");
    }
    // The files, line by line: the old date on the left, the new one on the right.
    let files = between(&dom, "Texte des fichiers, côte à côte", "</table>");
    contains_all(files, &["session-2026.policy", "session-2027.policy"]);
    let changed = files
        .split("<tr")
        .find(|row| row.contains("override parameter report_deadline"))
        .unwrap();
    contains_all(changed, &["<del", "2026-04-17", "<ins", "2027-04-16"]);
    assert!(
        changed.find("2026-04-17") < changed.find("2027-04-16"),
        "{changed}"
    );
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_form_shows_a_decision_with_values_reasons_and_quoted_clauses() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let candidate = json!({
        "candidate": {"pathway": "scolaire"},
        "internship": {
            "periods": [{"start": "2026-05-04", "end": "2026-06-05", "agreement_signed": true}],
            "certificate_provided": true,
            "reduction_ground": "force_majeure",
            "rector_validated": true
        },
        "report": {"submitted_on": "2027-04-20"}
    });
    let input: String = serde_json::to_string_pretty(&candidate)
        .unwrap()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let url = format!(
        "{}/ui/#/p/{BTS}/decide?version=session-2027&input={input}",
        server.base
    );
    let dom = open(&chromium, &url, "decision", 2000);
    contains_all(
        &dom,
        &[
            "Décision",
            "session-2027",
            "12 décidée(s), 1 indéterminée(s)",
        ],
    );
    let admission = article(&dom, "k-e61_admission");
    contains_all(
        admission,
        &[
            "décidée",
            "refuse",
            "Durée du stage : insuffisant",
            "Clause 3-1",
            "La durée normale du stage en milieu professionnel est de douze semaines.",
        ],
    );
    contains_all(
        article(&dom, "k-required_weeks"),
        &[
            "8",
            "Motif de réduction du stage : force majeure",
            "Clause 3-2",
        ],
    );
    contains_all(
        article(&dom, "k-nonconformity_causes"),
        &["depot_hors_delai, dossier_non_conforme", "Clause 4-6"],
    );
    contains_all(
        article(&dom, "k-nonconformity_details"),
        &["indéterminée", "Informations manquantes", "report.pages"],
    );
}

/// A candidate's record as it is written in the page's address (`&input=…`).
pub(crate) fn in_address(record: &serde_json::Value) -> String {
    record
        .to_string()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The language switch as the page leaves it: a link to the same view in the other language.
fn switch_to(lang: &str, words: &str, hash: &str) -> String {
    let hash = hash.replace('&', "&amp;");
    format!(
        "<a id=\"lang-switch\" href=\"?lang={lang}{hash}\" hreflang=\"{lang}\" lang=\"{lang}\">{words}</a>"
    )
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_policies_page_reads_in_english_on_request() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    // The address asks for English; the browser prefers French.
    let dom = open(
        &chromium,
        &format!("{}/ui/?lang=en#/", server.base),
        "policies-en",
        1300,
    );
    assert!(dom.contains("<html lang=\"en\">"), "{dom}");
    contains_all(
        &dom,
        &[
            "<title>Policies — clausier</title>",
            "policy review",
            "Policies and versions",
            "all files are valid",
            "In force from",
            "To review",
            "in force today",
            "undated (chosen by its name)",
            "Read the clauses",
            "Compare with session-2026",
            "A candidate’s file",
            "Test a record (JSON)",
            "Compare version",
            "Files: ",
            "loaded",
            // Dates in English words, and as written for machines.
            "<time datetime=\"2026-09-01\">1 September 2026</time>",
            "Served by clausier, with no external resource.",
        ],
    );
    let versions = between(&dom, "<caption>Versions</caption>", "</table>");
    contains_all(versions, &["annexe-ivb", "session-2027", "mayotte-2025"]);
    for french in [
        "Règlements et versions",
        "en vigueur aujourd’hui",
        "Lire les clauses",
        "Dossier d’un candidat",
        "Chargement",
        "septembre",
    ] {
        assert!(!dom.contains(french), "`{french}` in the English page");
    }
    // The switch leads to the same view in French, and says so in French.
    contains_all(&dom, &[&switch_to("fr", "Français", "#/")]);
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn a_decision_reads_in_english_and_the_service_answers_in_english() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let candidate = json!({
        "candidate": {"pathway": "scolaire"},
        "internship": {
            "periods": [{"start": "2026-05-04", "end": "2026-06-05", "agreement_signed": true}],
            "certificate_provided": true,
            "reduction_ground": "force_majeure",
            "rector_validated": true
        },
        "report": {"submitted_on": "2027-04-20"}
    });
    let hash = format!(
        "#/p/{BTS}/decide?version=session-2027&input={}",
        in_address(&candidate)
    );
    let url = format!("{}/ui/?lang=en{hash}", server.base);
    let dom = open(&chromium, &url, "decision-en", 2000);
    assert!(dom.contains("<html lang=\"en\">"), "{dom}");
    contains_all(
        &dom,
        &[
            "Test a candidate’s record",
            "The candidate’s record (JSON)",
            "Decision",
            "(in force from 1 September 2026)",
            "13 conclusions: 12 decided, 1 undetermined, 0 failed.",
            "In brief (the details, with the clauses cited, follow)",
        ],
    );
    // The `because` lines come from the service, in English: the BTS policy has no English
    // labels, so they keep the `name = value` form.
    contains_all(
        article(&dom, "k-presence_proof"),
        &["decided", "Because", "candidate.pathway = scolaire"],
    );
    contains_all(
        article(&dom, "k-e61_admission"),
        &[
            "Value: ",
            "refuse",
            "internship_status = insuffisant",
            "Clauses cited",
            "Clause 3-1",
        ],
    );
    contains_all(
        article(&dom, "k-nonconformity_details"),
        &["undetermined", "Missing information", "report.pages"],
    );
    for french in [
        "Durée du stage : insuffisant",
        "Parce que",
        "décidée",
        "Décider",
    ] {
        assert!(!dom.contains(french), "`{french}` in the English page");
    }
    contains_all(&dom, &[&switch_to("fr", "Français", &hash)]);
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_page_follows_the_browser_unless_its_address_says_otherwise() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let hash = format!("#/p/{BTS}/v/session-2027");
    let version = |languages: &str, query: &str, name: &str| {
        open_in(
            &chromium,
            languages,
            &format!("{}/ui/{query}{hash}", server.base),
            name,
            1000,
        )
    };
    // A browser that lists English before French reads in English.
    for languages in ["en-GB,en,fr", "de-DE,en"] {
        let dom = version(languages, "", "version-en");
        assert!(dom.contains("<html lang=\"en\">"), "{languages}");
        contains_all(
            &dom,
            &[
                "Other version: ",
                "clauses, in the order of the text",
                "41 informative",
                "0 uncited",
                "Section 3",
                "exception",
                " of conclusion ",
                "(overrides normal)",
                "In force from",
                "1 September 2026",
                &switch_to("fr", "Français", &hash),
            ],
        );
    }
    // French first, or neither language: French.
    for languages in ["fr-FR,fr,en", "de-DE,de"] {
        let dom = version(languages, "", "version-fr");
        assert!(dom.contains("<html lang=\"fr\">"), "{languages}");
        contains_all(
            &dom,
            &[
                "41 informatives",
                "1er septembre 2026",
                &switch_to("en", "English", &hash),
            ],
        );
    }
    // The address has the last word, either way.
    let dom = version("en-US,en", "?lang=fr", "version-fr");
    assert!(dom.contains("<html lang=\"fr\">"));
    contains_all(
        &dom,
        &["41 informatives", "0 non citées", "Autre version : "],
    );
    let dom = version("fr-FR,fr", "?lang=en", "version-en");
    assert!(dom.contains("<html lang=\"en\">"));
    contains_all(&dom, &["41 informative", "0 uncited"]);

    // The diff, in English.
    let dom = open(
        &chromium,
        &format!(
            "{}/ui/?lang=en#/p/{BTS}/diff?from=session-2026&to=session-2027",
            server.base
        ),
        "diff-en",
        2100,
    );
    contains_all(
        &dom,
        &[
            "Compare two versions of",
            "What changes in meaning, from session-2026 to session-2027",
            "2 change(s) in meaning, 3 change(s) to the header.",
            "Parameters</h3>",
            "The files’ text, side by side",
            "Impact on records",
            "Replay",
        ],
    );
}

#[test]
fn the_page_is_served_from_the_binary_and_loads_nothing_from_elsewhere() {
    let server = TestServer::bts(date("2026-11-28"));
    for (path, mime) in [
        ("/ui/", "text/html"),
        ("/ui/app.css", "text/css"),
        ("/ui/app.js", "text/javascript"),
    ] {
        let r = get(&server, path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.content_type.starts_with(mime),
            "{path}: {}",
            r.content_type
        );
        for external in ["http://", "https://", "@import", "url("] {
            assert!(!r.body.contains(external), "{path} refers to `{external}`");
        }
    }
    let r = agent_no_redirect()
        .get(format!("{}/ui", server.base))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 308);
    // Relative, so that it leads to the page behind a proxy that mounts the service elsewhere.
    assert_eq!(r.headers()["location"], "ui/");
}

#[test]
fn the_words_are_served_from_the_binary_in_both_languages() {
    let server = TestServer::bts(date("2026-11-28"));
    let r = get(&server, "/ui/words.js");
    assert_eq!(r.status, 200);
    assert!(
        r.content_type.starts_with("text/javascript"),
        "{}",
        r.content_type
    );
    for external in ["http://", "https://"] {
        assert!(
            !r.body.contains(external),
            "words.js refers to `{external}`"
        );
    }
    contains_all(
        &r.body,
        &["\"report.title\": { fr: \"Rapport de décision\", en: \"Decision report\" }"],
    );
    // The page loads them first: the other scripts use them.
    let index = get(&server, "/ui/").body;
    let at = |script: &str| index.find(&format!("<script src=\"{script}\"")).unwrap();
    assert!(at("words.js") < at("candidate.js") && at("candidate.js") < at("app.js"));
}

pub(crate) fn agent_no_redirect() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

// ------------------------------------------------------------- the endpoints the page reads

#[test]
fn the_diff_endpoint_gives_the_semantic_diff_as_json_text_or_markdown() {
    let server = TestServer::bts(date("2026-11-28"));
    let base = format!("/v1/policies/{BTS}/diff?from=session-2026&to=session-2027");
    let d = get(&server, &base).json();
    assert_eq!(d["from"]["version"], "session-2026");
    assert_eq!(d["to"]["version"], "session-2027");
    let parameters: Vec<(&str, &str, &str)> = d["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["old"]["value"].as_str().unwrap(),
                p["new"]["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        parameters,
        [
            ("report_deadline", "2026-04-17", "2027-04-16"),
            ("exam_date", "2026-05-19", "2027-05-18")
        ]
    );
    for list in ["clauses", "conclusions", "definitions", "inputs", "types"] {
        assert_eq!(d[list], json!([]), "{list}");
    }
    assert!(d.get("source_diff").is_none());

    let text = get(&server, &format!("{base}&format=text"));
    assert_eq!(text.status, 200);
    assert_eq!(text.content_type, "text/plain; charset=utf-8");
    assert!(
        text.body
            .contains("Paramètre `report_deadline` : 2026-04-17 → 2027-04-16")
    );
    let markdown = get(&server, &format!("{base}&format=markdown"));
    assert_eq!(markdown.content_type, "text/markdown; charset=utf-8");
    assert!(markdown.body.starts_with("# "), "{}", markdown.body);
}

#[test]
fn the_diff_endpoint_adds_the_files_side_by_side_on_request() {
    let server = TestServer::bts(date("2026-11-28"));
    let d = get(
        &server,
        &format!("/v1/policies/{BTS}/diff?from=annexe-ivb&to=mayotte-2025&sources=true"),
    )
    .json();
    let sources = &d["source_diff"];
    assert_eq!(sources["old_files"], json!(["annexe-ivb.policy"]));
    assert_eq!(
        sources["new_files"],
        json!(["annexe-ivb.policy", "mayotte-2025.policy"])
    );
    let rows: Vec<&serde_json::Value> = sources["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["rows"].as_array().unwrap())
        .collect();
    // The common layer is context only; the whole of mayotte-2025.policy is added.
    assert!(
        rows.iter()
            .all(|r| r["op"] == "equal" || r["op"] == "added")
    );
    let added: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["op"] == "added")
        .copied()
        .collect();
    let file = std::fs::read_to_string(format!("policies/{BTS}/mayotte-2025.policy")).unwrap();
    assert_eq!(added.len(), file.lines().count());
    assert_eq!(added[0]["old"], serde_json::Value::Null);
    assert_eq!(added[0]["new"]["file"], "mayotte-2025.policy");
    assert_eq!(added[0]["new"]["line"], 1);
    assert!(
        rows.iter()
            .any(|r| r["new"]["text"]
                == "clause \"mayotte-2025-1\" section \"mesure exceptionnelle\"")
    );
}

#[test]
fn the_diff_endpoint_refuses_what_it_cannot_compare() {
    let server = TestServer::bts(date("2026-11-28"));
    let missing = get(
        &server,
        &format!("/v1/policies/{BTS}/diff?from=session-2026"),
    );
    let p = missing.problem(400);
    assert!(p["detail"].as_str().unwrap().contains("`to`"), "{p}");
    get(&server, &format!("/v1/policies/{BTS}/diff")).problem(400);
    get(
        &server,
        &format!("/v1/policies/{BTS}/diff?from=session-2026&to=session-2027&format=pdf"),
    )
    .problem(400);
    get(
        &server,
        &format!("/v1/policies/{BTS}/diff?from=session-2026&to=session-2099"),
    )
    .problem(404);
    get(&server, "/v1/policies/no-such-policy/diff?from=a&to=b").problem(404);
    let post_diff = post(
        &server,
        &format!("/v1/policies/{BTS}/diff?from=a&to=b"),
        "application/json",
        "{}",
    );
    post_diff.problem(405);
}

fn impact_case(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(format!("tests/cases/impact/{name}.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_impact_endpoint_replays_records_and_named_cases() {
    let server = TestServer::bts(date("2026-11-28"));
    let body = json!({
        "from": "session-2026",
        "to": "mayotte-2025",
        "inputs": [impact_case("stage-complet-12-semaines"), impact_case("force-majeure-5-semaines")],
        "cases": [
            {"name": "typo", "input": impact_case("faute-de-frappe")},
            {"name": "trois semaines", "input": impact_case("force-majeure-3-semaines")}
        ]
    });
    let path = format!("/v1/policies/{BTS}/impact");
    let r = post(&server, &path, "application/json", body.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    let i = r.json();
    assert_eq!(
        i["counts"],
        json!({"cases": 4, "changed": 2, "unchanged": 1, "invalid": 1,
               "conclusions_added": 0, "conclusions_removed": 0})
    );
    let changed: Vec<&str> = i["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["#2", "trois semaines"]);
    let admission = i["changed"][0]["conclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conclusion"] == "e61_admission")
        .unwrap();
    assert_eq!(admission["old"]["value"], "refuse");
    assert_eq!(admission["new"]["value"], "admis_sur_autorisation");
    assert_eq!(i["invalid"][0]["case"], "typo");
    assert_eq!(i["by_conclusion"][0]["conclusion"], "required_weeks");

    // The same as `clausier diff --cases` prints.
    let text = post(
        &server,
        &format!("{path}?format=text"),
        "application/json",
        body.to_string(),
    );
    assert_eq!(text.content_type, "text/plain; charset=utf-8");
    assert!(text.body.contains("Dossier « #2 »"), "{}", text.body);
}

#[test]
fn the_impact_endpoint_refuses_bad_requests() {
    let server = TestServer::bts(date("2026-11-28"));
    let path = format!("/v1/policies/{BTS}/impact");
    let send = |body: &str| post(&server, &path, "application/json", body.to_string());
    send(r#"{"from": "session-2026", "inputs": []}"#).problem(400);
    send(r#"{"from": "session-2026", "to": "session-2027", "input": []}"#).problem(400);
    send("{not json").problem(400);
    send(r#"{"from": "session-2026", "to": "session-2099"}"#).problem(404);
    post(
        &server,
        "/v1/policies/nope/impact",
        "application/json",
        r#"{"from": "a", "to": "b"}"#,
    )
    .problem(404);
    // The limits of a JSON batch: size, number of candidates; a text over the limit makes
    // its case invalid, as it would make a decision's input.
    let small = TestServer::start_with(Path::new("policies"), date("2026-11-28"), false, |s| {
        s.limits.batch_body = 200;
        s.limits.batch_len = 2;
        s.limits.string_len = 8;
    });
    let padded =
        json!({"from": "session-2026", "to": "session-2027", "inputs": [{"x": "y".repeat(200)}]});
    post(&small, &path, "application/json", padded.to_string()).problem(413);
    let three = json!({"from": "session-2026", "to": "session-2027", "inputs": [{}, {}, {}]});
    post(&small, &path, "application/json", three.to_string()).problem(413);
    let long = json!({"from": "session-2026", "to": "session-2027",
                      "inputs": [{"candidate": {"pathway": "apprentissage"}}]});
    let r = post(&small, &path, "application/json", long.to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    let i = r.json();
    assert_eq!(i["counts"]["invalid"], 1);
    assert_eq!(i["invalid"][0]["case"], "#1");
    assert_eq!(i["invalid"][0]["old"][0]["pointer"], "/candidate/pathway");
}
