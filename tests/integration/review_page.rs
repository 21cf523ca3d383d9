//! The review of an amendment as an exam office's reviewer reads it: a `session-2028` layer
//! that rewrites a long condition and adds a conclusion, compared with `session-2027` on the
//! review page (in headless Chromium: the DOM, the boxes' layout measured in the page, the
//! markdown report it downloads) and through the endpoints the page reads.

use serde_json::{Value, json};

use crate::browser::{bts_with, chromium, contains_all, in_address, open};
use crate::cdp::Page;
use crate::http::{Reply, TestServer, date, get, post};

const BTS: &str = "bts-metiers-de-la-mesure";

/// The next session: its deadline, the exception for a missing certificat de travail rewritten
/// (the certificate must now be for a job in metrology: a long condition, changed in its
/// middle and at its end), and a conclusion that no earlier version has.
const SESSION_2028: &str = r#"policy bts-metiers-de-la-mesure
version "session-2028"
effective from 2027-09-01
extends "session-2027"

override parameter report_deadline = 2028-04-14           per "4-3"

override exception e61_admission.no_work_certificate of with_work_certificates
  when presence_proof = certificats_de_travail and not any e in employment where e.certificate and e.field = metrologie
  gives refuse
  per "2.3.2-1", "2.5-1"
  reading "Les certificats de travail remplacent le certificat de stage : sans aucun, le"
          "candidat n'a pas la pièce exigée ; 2.5-1 ne fixe pas de durée d'emploi minimale."

conclusion report_page_limit : pages
  rule limit gives max_report_pages per "2.1.3-1"

label report_page_limit "nombre maximal de pages du rapport"
"#;

/// The service over a copy of the BTS policy with `session-2028` beside its versions (the
/// folder goes with it).
fn serve_session_2028() -> (tempfile::TempDir, TestServer) {
    let folder = bts_with("session-2028.policy", SESSION_2028);
    let server = TestServer::start(
        folder.path(),
        date("2027-11-28"),
        clausier::server::Limits::default(),
        false,
    );
    (folder, server)
}

/// Two candidates: an apprentice, whom the change leaves alone, and one who proves professional
/// experience by a certificate for a job outside metrology, admitted before and refused now.
fn cases() -> Value {
    let apprentice = std::fs::read_to_string("tests/cases/impact/apprenti-avec-attestation.json")
        .unwrap()
        .parse::<Value>()
        .unwrap();
    json!({
        "apprenti": apprentice,
        "hors-metrologie": {
            "candidate": {"pathway": "experience_professionnelle"},
            "employment": [{"start": "2024-01-01", "end": "2025-12-31", "full_time": true,
                            "field": "autre", "certificate": true}]
        }
    })
}

fn review_url(server: &TestServer) -> String {
    format!(
        "{}/ui/#/p/{BTS}/diff?from=session-2027&to=session-2028&cases={}",
        server.base,
        in_address(&cases())
    )
}

/// The impact of `impact_body()` asked with `query` (`?format=…`).
fn replay(server: &TestServer, query: &str) -> Reply {
    let path = format!("/v1/policies/{BTS}/impact{query}");
    post(server, &path, "application/json", impact_body().to_string())
}

fn impact_body() -> Value {
    let cases: Vec<Value> = cases()
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, input)| json!({"name": name, "input": input}))
        .collect();
    json!({"from": "session-2027", "to": "session-2028", "cases": cases})
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn a_long_changed_condition_wraps_with_its_changed_words_marked() {
    let Some(chromium) = chromium() else { return };
    let (_folder, server) = serve_session_2028();
    let dom = open(&chromium, &review_url(&server), "review-session-2028", 2600);
    // The rule's two texts, the old one with its removed words struck out, the new one with
    // its added words underlined; the line break the new layout adds is not marked.
    let rule = dom
        .split("class=\"rule-change\"")
        .nth(1)
        .and_then(|r| r.split("class=\"rule-change\"").next())
        .unwrap_or_else(|| panic!("no rule change in the page:\n{dom}"));
    contains_all(
        rule,
        &[
            "no_work_certificate",
            "<pre class=\"old\">exception no_work_certificate of with_work_certificates\n  \
             when presence_proof = certificats_de_travail and not any <del>j</del> in employment \
             where <del>j.certificate</del>\n  gives refuse",
            "<pre class=\"new\">exception no_work_certificate of with_work_certificates\n  \
             when presence_proof = certificats_de_travail\n    and not any <ins>e</ins> in \
             employment where <ins>e.certificate and e.field = metrologie</ins>\n  gives refuse",
        ],
    );
    assert!(
        !rule.contains("<ins>\n") && !rule.contains("<del> "),
        "{rule}"
    );
    // The boxes wrap instead of scrolling sideways.
    let css = get(&server, "/ui/app.css").body;
    let boxes = css
        .split(".sbs-pre pre {")
        .nth(1)
        .and_then(|rule| rule.split('}').next())
        .unwrap_or_else(|| panic!("no `.sbs-pre pre` rule in app.css"));
    contains_all(boxes, &["white-space: pre-wrap", "overflow-wrap: anywhere"]);

    // The impact: one decision changes; the added conclusion is listed apart, not counted.
    contains_all(
        &dom,
        &[
            "id=\"impact-counts\">2 dossier(s) : 1 dont la décision change, 1 inchangé(s), \
             0 invalide(s).</p>",
            "Conclusions ajoutées par la nouvelle version : 1 ; supprimées : 0.",
            "Conclusions ajoutées par session-2028",
        ],
    );
    let changed = dom
        .split("Décisions qui changent de valeur")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap();
    contains_all(
        changed,
        &["hors-metrologie", "e61_admission", "admis", "refuse"],
    );
    assert!(!changed.contains("report_page_limit"), "{changed}");
    assert!(!changed.contains("apprenti"), "{changed}");
    let added = dom
        .split("class=\"one-sided added\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap();
    contains_all(
        added,
        &["report_page_limit", "<strong>50</strong> — 2 dossier(s)"],
    );
    // The button that saves the report.
    contains_all(
        &dom,
        &[
            "id=\"report-download\"",
            "Télécharger le rapport (markdown)",
        ],
    );
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_rule_boxes_are_no_wider_than_the_page_and_the_report_downloads() {
    let Some(chromium) = chromium() else { return };
    let (_folder, server) = serve_session_2028();
    let mut page = Page::open(&chromium, &review_url(&server));
    page.wait_for("document.getElementById('impact-counts')");
    // Measured in the page: no box of text scrolls sideways, and every box stays within the
    // width of the view.
    let boxes = page.eval(
        "[...document.querySelectorAll('.sbs-pre pre')].map((p) => ({ \
           text: p.textContent.slice(0, 60), scroll: p.scrollWidth, client: p.clientWidth, \
           right: Math.round(p.getBoundingClientRect().right) }))",
    );
    let boxes = boxes.as_array().unwrap();
    assert!(boxes.len() >= 3, "{boxes:?}");
    let width = page.eval("document.documentElement.clientWidth");
    for b in boxes {
        assert!(b["scroll"].as_i64() <= b["client"].as_i64(), "{b}");
        assert!(b["right"].as_i64() <= width.as_i64(), "{b} in {width}");
    }
    // The long old line takes more than one line of its box.
    let lines = page.eval(
        "(() => { const p = document.querySelector('.rule-change pre.old'); \
           const line = parseFloat(getComputedStyle(p).lineHeight); \
           return Math.round((p.clientHeight - 2 * parseFloat(getComputedStyle(p).paddingTop)) / line); })()",
    );
    assert!(
        lines.as_i64().unwrap() >= 7,
        "{lines}: the old rule has 6 lines, one wraps"
    );
    page.save(
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true}),
        "review-session-2028-measured.png",
    );

    // The report: what the button saves, caught as the page hands it to the browser.
    page.eval(
        "(() => { window.savedReport = null; const make = URL.createObjectURL; \
           URL.createObjectURL = (blob) => { blob.text().then((t) => { window.savedReport = t; }); \
             return make(blob); }; \
           document.getElementById('report-download').click(); })()",
    );
    page.wait_for("window.savedReport");
    let report = page.eval("window.savedReport");
    let report = report.as_str().unwrap();
    contains_all(
        report,
        &[
            "# Comparaison de bts-metiers-de-la-mesure : session-2027 → session-2028",
            "Exception modifiée `no_work_certificate` : condition",
            "## Impact de session-2027 → session-2028 sur 2 dossiers : 1 change, 1 inchangé ; \
             1 conclusion ajoutée",
            "| `hors-metrologie` | `e61_admission` | admis | refuse |",
            "### Conclusions ajoutées par session-2028",
            "| `report_page_limit` | 50 (2 dossiers : apprenti, hors-metrologie) |",
        ],
    );
    assert!(
        report.find("# Comparaison") < report.find("## Impact"),
        "{report}"
    );
    let name = page.eval("document.querySelector('a[download]')?.download ?? 'removed'");
    assert_eq!(name, "removed", "the link is removed once followed");
}

#[test]
fn the_impact_counts_an_added_conclusion_apart_from_changed_decisions() {
    let (_folder, server) = serve_session_2028();
    let path = format!("/v1/policies/{BTS}/impact");
    let r = replay(&server, "");
    assert_eq!(r.status, 200, "{}", r.body);
    let i = r.json();
    assert_eq!(
        i["counts"],
        json!({"cases": 2, "changed": 1, "unchanged": 1, "invalid": 0,
               "conclusions_added": 1, "conclusions_removed": 0})
    );
    assert_eq!(i["changed"].as_array().unwrap().len(), 1);
    assert_eq!(i["changed"][0]["case"], "hors-metrologie");
    assert_eq!(
        i["changed"][0]["conclusions"],
        json!([{
            "conclusion": "e61_admission",
            "old": i["changed"][0]["conclusions"][0]["old"],
            "new": i["changed"][0]["conclusions"][0]["new"],
        }])
    );
    assert_eq!(i["changed"][0]["conclusions"][0]["old"]["value"], "admis");
    assert_eq!(i["changed"][0]["conclusions"][0]["new"]["value"], "refuse");
    assert_eq!(
        i["by_conclusion"],
        json!([{"conclusion": "e61_admission", "cases": 1}])
    );
    assert_eq!(i["added"][0]["conclusion"], "report_page_limit");
    assert_eq!(i["added"][0]["cases"], 2);
    let outcomes: Vec<(&str, &Value)> = i["added"][0]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["case"].as_str().unwrap(), &o["outcome"]["value"]))
        .collect();
    assert_eq!(
        outcomes,
        [("apprenti", &json!(50)), ("hors-metrologie", &json!(50))]
    );
    assert_eq!(i["removed"], json!([]));

    // Back from 2028 to 2027, the conclusion is removed, and still no case changes for it.
    let back = json!({"from": "session-2028", "to": "session-2027",
                      "cases": impact_body()["cases"]});
    let b = post(&server, &path, "application/json", back.to_string()).json();
    assert_eq!(
        (&b["counts"]["changed"], &b["counts"]["conclusions_removed"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(b["removed"][0]["conclusion"], "report_page_limit");

    // The same split in the text and the markdown.
    let text = replay(&server, "?format=text");
    contains_all(
        &text.body,
        &[
            "sur 2 dossiers : 1 change, 1 inchangé ; 1 conclusion ajoutée",
            "Conclusions ajoutées par session-2028 (ne comptent pas parmi les dossiers qui changent)\n  \
             report_page_limit : 50 (2 dossiers : apprenti, hors-metrologie)",
        ],
    );
    assert!(!text.body.contains("absente"), "{}", text.body);
}

#[test]
fn the_review_report_is_the_diff_then_the_impact_in_markdown() {
    let (_folder, server) = serve_session_2028();
    let report = replay(&server, "?format=markdown&with_diff=true");
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.content_type, "text/markdown; charset=utf-8");
    let diff = get(
        &server,
        &format!("/v1/policies/{BTS}/diff?from=session-2027&to=session-2028&format=markdown"),
    );
    let impact = replay(&server, "?format=markdown");
    // Exactly the two documents the page could ask for, one after the other.
    assert_eq!(report.body, format!("{}\n{}", diff.body, impact.body));
    assert!(
        impact
            .body
            .contains("| `report_page_limit` | 50 (2 dossiers : apprenti, hors-metrologie) |"),
        "{}",
        impact.body
    );
    // In English on request; the text form too.
    let english = replay(&server, "?format=text&with_diff=true&lang=en");
    contains_all(
        &english.body,
        &[
            "Comparison of bts-metiers-de-la-mesure: session-2027 → session-2028",
            "Impact of session-2027 → session-2028 on 2 cases: 1 change, 1 unchanged; 1 conclusion added",
        ],
    );
    // One document: not in JSON.
    replay(&server, "?with_diff=true").problem(400);
}
