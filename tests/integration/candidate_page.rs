//! The candidate page (`/ui/#/p/<id>/candidat`) used as an exam office would: headless
//! Chromium, driven over the DevTools protocol, fills the questionnaire from scratch, one
//! question at a time, through the page's own controls (radio buttons, number and date fields,
//! the « Ajouter » button of a list of periods, « Je ne sais pas »), answering from a
//! candidate's record, until the page shows its decision report; the report is then checked and
//! printed to PDF (`target/ui-screenshots/candidate-*.pdf`, with a screenshot beside it).
//!
//! Four candidates, one per pathway: a school pupil, an apprentice, a candidate in formation
//! continue (perfectionnement, proving employment) and one by professional experience. Each is
//! asked only relevant questions: a pupil is never asked about an apprenticeship contract or
//! jobs. An answer the record does not hold is « Je ne sais pas »; an optional one absent from
//! it (a report never submitted) is « Sans objet ».

use serde_json::{Value, json};

use crate::browser::chromium;
use crate::cdp::{Key, Page};
use crate::http::{TestServer, date};

const BTS: &str = "bts-metiers-de-la-mesure";

/// What the page's questionnaire shows: its round, the first question (path and kind) and
/// whether the report is there.
fn state(page: &mut Page) -> Value {
    page.eval(
        "(() => { const m = document.getElementById('main'); \
         const q = document.querySelector('fieldset.question'); \
         return { round: m.dataset.round || '', report: m.dataset.report || '', \
                  path: q ? q.dataset.path : null, kind: q ? q.dataset.kind : null }; })()",
    )
}

/// The JavaScript that answers question `path` of kind `kind` with `value` (none: « Je ne
/// sais pas ») through the page's controls, as a person would.
fn answer_script(path: &str, kind: &str, value: Option<&Value>) -> String {
    let q = format!("document.querySelector('fieldset.question[data-path=\"{path}\"]')");
    let click = |action: &str| format!("{q}.querySelector('[data-action=\"{action}\"]').click()");
    let Some(value) = value else {
        return click("unknown");
    };
    if value.is_null() {
        return click("none");
    }
    match kind {
        "boolean" | "enum" => {
            let v = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!(
                "{q}.querySelector('input[value=\"{v}\"]').click(); {}",
                click("validate")
            )
        }
        "list" | "set"
            if value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string)) =>
        {
            format!(
                "(() => {{ const want = {value}; \
                 for (const box of {q}.querySelectorAll('input[type=checkbox]')) box.checked = want.includes(box.value); \
                 {}; }})()",
                click("validate")
            )
        }
        "list" | "set" => format!(
            "(() => {{ const items = {value}; const q = {q}; \
             for (const item of items) {{ \
               q.querySelector('[data-action=\"add\"]').click(); \
               const sets = q.querySelectorAll('fieldset.item'); const set = sets[sets.length - 1]; \
               for (const [name, v] of Object.entries(item)) {{ \
                 const p = set.querySelector(`[data-field=\"${{name}}\"]`); \
                 const radio = p.querySelector(`input[type=radio][value=\"${{v}}\"]`); \
                 const box = p.querySelector('input[type=checkbox]'); \
                 if (radio) radio.click(); \
                 else if (box) box.checked = v === true; \
                 else p.querySelector('input').value = v; \
               }} \
             }} \
             {}; }})()",
            click("validate")
        ),
        _ => {
            let v = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!(
                "(() => {{ const i = {q}.querySelector('input'); i.value = '{v}'; {}; }})()",
                click("validate")
            )
        }
    }
}

/// Fills the questionnaire of `version` from scratch with the answers of `record`, question
/// after question, and returns the paths asked, in order, with the page left on its report.
fn fill(page: &mut Page, record: &Value, name: &str) -> Vec<String> {
    page.wait_for("document.getElementById('main')?.dataset.round");
    let mut asked = Vec::new();
    loop {
        let s = state(page);
        if !s["report"].as_str().unwrap_or("").is_empty() {
            return asked;
        }
        let Some(path) = s["path"].as_str().map(str::to_string) else {
            let text = page.eval("document.getElementById('main').innerText");
            panic!("neither a question nor the report after {asked:?}:\n{text}");
        };
        assert!(!asked.contains(&path), "`{path}` is asked twice: {asked:?}");
        assert!(asked.len() < 40, "too many questions: {asked:?}");
        let value = path.split('.').try_fold(record, |at, key| at.get(key));
        if asked.len() == 3 {
            // The questionnaire under way, as the person sees it.
            page.save(
                "Page.captureScreenshot",
                json!({"format": "png"}),
                &format!("candidate-{name}-questions.png"),
            );
        }
        let round = s["round"].as_str().unwrap_or("").to_string();
        let script = answer_script(&path, s["kind"].as_str().unwrap_or(""), value);
        page.eval(&script);
        asked.push(path);
        page.wait_for(&format!(
            "document.getElementById('main').dataset.round !== '{round}'"
        ));
    }
}

/// Opens the candidate page of session-2027, fills it with `record`, checks the report holds
/// `sentences`, prints it, and returns the paths asked and the report's text.
fn candidate(name: &str, record: &Value, sentences: &[&str]) -> Option<(Vec<String>, String)> {
    let chromium = chromium()?;
    let server = TestServer::bts(date("2026-11-28"));
    let url = format!("{}/ui/#/p/{BTS}/candidat?version=session-2027", server.base);
    let mut page = Page::open(&chromium, &url);
    let asked = fill(&mut page, record, name);
    let report = page
        .eval("document.querySelector('#report .report').innerText")
        .as_str()
        .unwrap()
        .to_string();
    for s in sentences {
        assert!(report.contains(s), "`{s}` is not in the report:\n{report}");
    }
    // What a person prints: the report alone, with its version, hash and decision id.
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": false}),
    );
    page.eval("document.getElementById('report').scrollIntoView()");
    page.save(
        "Page.captureScreenshot",
        json!({"format": "png"}),
        &format!("candidate-{name}.png"),
    );
    let pdf = page.save(
        "Page.printToPDF",
        json!({"printBackground": true}),
        &format!("candidate-{name}.pdf"),
    );
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(pdf.len() > 10_000, "a PDF of {} bytes", pdf.len());
    Some((asked, report))
}

fn assert_never_asked(asked: &[String], prefixes: &[&str]) {
    for p in asked {
        assert!(
            !prefixes.iter().any(|x| p.starts_with(x)),
            "`{p}` should not be asked: {asked:?}"
        );
    }
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn a_school_pupil_is_decided_from_scratch_and_the_report_printed() {
    let record = json!({
        "candidate": {"pathway": "scolaire", "distance_learning": false},
        "internship": {
            "periods": [{"start": "2026-05-04", "end": "2026-06-26", "agreement_signed": true}],
            "certificate_provided": true,
            "reduction_ground": "aucun", "rector_validated": false
        },
        "exemption": {"ground": "aucune", "rector_validated": false},
        "report": {
            "submitted_on": "2027-04-10", "pages": 40,
            "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion", "resume_anglais", "demarche_qsse"],
            "legal_analysis_pages": 3, "activities_analysed": 2, "qsse_pages": 3, "endorsed_by_host": true
        },
        "previous_attempt": {"failed": false}
    });
    let Some((asked, report)) = candidate(
        "scolaire",
        &record,
        &[
            "Rapport de décision",
            "Admission à l'épreuve E6.1 : refusé",
            "Durée des stages effectués sous convention : 8 semaines",
            "Conformité du rapport : conforme",
            "Ce qui permettrait une issue favorable",
            "Fin de la période (périodes de stage n° 1) : 24 juillet 2026 au lieu de 26 juin 2026",
            "Décision n°",
        ],
    ) else {
        return;
    };
    assert_eq!(asked.first().map(String::as_str), Some("candidate.pathway"));
    assert!(asked.iter().any(|p| p == "internship.periods"), "{asked:?}");
    assert_never_asked(&asked, &["apprenticeship.", "employment"]);
    // The clauses are quoted.
    assert!(report.contains("Clause 2.1.2-4"), "{report}");
    // The weeks rest on a reading of the text, which the report says.
    assert!(report.contains("Interprétations du texte"), "{report}");
    assert!(report.contains("(définition weeks_of)"), "{report}");
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn an_apprentice_is_decided_from_scratch() {
    let record = json!({
        "candidate": {"pathway": "apprentissage", "distance_learning": false},
        "apprenticeship": {"contract_copy": true, "employer_attestation": false},
        "exemption": {"ground": "aucune", "rector_validated": false},
        "report": {
            "submitted_on": "2027-04-20", "pages": 45,
            "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion", "resume_anglais", "demarche_qsse"],
            "legal_analysis_pages": 2.5, "activities_analysed": 1, "qsse_pages": 2, "endorsed_by_host": true
        },
        "previous_attempt": {"failed": true}
    });
    let Some((asked, report)) = candidate(
        "apprenti",
        &record,
        &[
            "Pièce attestant la présence en milieu professionnel : contrat d'apprentissage",
            "Admission à l'épreuve E6.1 : admis",
            "Causes de non-conformité : dépôt hors délai",
            "Possibilités en cas de nouvelle présentation : prorogation du contrat d'apprentissage initial et nouveau contrat avec un autre employeur",
        ],
    ) else {
        return;
    };
    assert_never_asked(&asked, &["internship.", "employment"]);
    // No internship, no week count: its reading is not in the report (the non-conformity of
    // the late report rests on a reading of 4-4, which is).
    assert!(!report.contains("weeks_of"), "{report}");
    assert!(report.contains("(exception not_conforming)"), "{report}");
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn a_candidate_in_continuing_education_proves_employment_from_scratch() {
    let record = json!({
        "candidate": {"pathway": "formation_continue", "continuing_education": "perfectionnement", "distance_learning": false},
        "employment": [
            {"start": "2026-01-05", "end": "2027-04-30", "full_time": true, "field": "metrologie", "certificate": true}
        ],
        "exemption": {"ground": "aucune", "rector_validated": false},
        "report": {
            "submitted_on": "2027-04-01", "pages": 30,
            "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion", "resume_anglais", "demarche_qsse"],
            "legal_analysis_pages": 2, "activities_analysed": 2, "qsse_pages": 1.5,
            "dossier_provided": true
        },
        "previous_attempt": {"failed": false}
    });
    let Some((asked, _)) = candidate(
        "formation-continue",
        &record,
        &[
            "Pièce attestant la présence en milieu professionnel : certificats de travail",
            "Admission à l'épreuve E6.1 : admis",
            "Forme du rapport : rapport numérique et dossier",
            "Conformité du rapport : conforme",
        ],
    ) else {
        return;
    };
    assert!(asked.iter().any(|p| p == "employment"), "{asked:?}");
    assert_never_asked(&asked, &["apprenticeship.", "internship.periods"]);
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn a_candidate_with_professional_experience_is_decided_from_scratch() {
    let record = json!({
        "candidate": {"pathway": "experience_professionnelle", "distance_learning": false},
        "employment": [
            {"start": "2022-09-01", "end": "2026-08-31", "full_time": true, "field": "metrologie", "certificate": true}
        ],
        "exemption": {"ground": "aucune", "rector_validated": false},
        "report": {"submitted_on": null},
        "previous_attempt": {"failed": false}
    });
    let Some((asked, _)) = candidate(
        "experience-professionnelle",
        &record,
        &[
            "Pièce attestant la présence en milieu professionnel : certificats de travail",
            "Admission à l'épreuve E6.1 : admis",
            "Forme du rapport : rapport numérique",
            // Never submitted: the report is not conforming, and the report says what would be.
            "Causes de non-conformité : absence de dépôt du rapport",
            "Conformité du rapport : non conforme",
        ],
    ) else {
        return;
    };
    assert!(
        asked.iter().any(|p| p == "report.submitted_on"),
        "{asked:?}"
    );
    assert_never_asked(
        &asked,
        &[
            "apprenticeship.",
            "internship.",
            "candidate.continuing_education",
        ],
    );
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_language_switch_turns_the_questionnaire_and_the_report_to_english() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let hash = format!("#/p/{BTS}/candidat?version=session-2027");
    let mut page = Page::open(&chromium, &format!("{}/ui/{hash}", server.base));
    page.wait_for("document.getElementById('main')?.dataset.round");
    // A French browser gets the page in French, the service's questions too.
    assert_eq!(page.eval("document.documentElement.lang"), json!("fr"));
    let legend = "document.querySelector('fieldset.question legend').innerText";
    assert_eq!(
        page.eval(legend),
        json!("Par quelle voie le candidat prépare-t-il le BTS ?")
    );
    // The switch, from the keyboard: to it, then Enter.
    page.eval("document.getElementById('lang-switch').focus()");
    page.press(Key::Enter);
    std::thread::sleep(std::time::Duration::from_millis(500));
    page.wait_for(
        "document.documentElement.lang === 'en' && document.getElementById('main')?.dataset.round",
    );
    // The same questionnaire, in English: the address keeps the view and says `lang=en`.
    assert_eq!(page.eval("location.search"), json!("?lang=en"));
    assert_eq!(page.eval("location.hash"), json!(hash));
    let switch = page.eval(
        "(() => { const a = document.getElementById('lang-switch'); \
         return [a.innerText, a.lang, a.getAttribute('href')]; })()",
    );
    assert_eq!(switch, json!(["Français", "fr", format!("?lang=fr{hash}")]));
    // The BTS policy has no English labels: the question falls back to the input's path.
    assert_eq!(page.eval(legend), json!("candidate.pathway?"));
    let text = page
        .eval("document.getElementById('main').innerText")
        .as_str()
        .unwrap()
        .to_string();
    for words in [
        "A candidate’s file",
        "Questions",
        "I don’t know",
        "Answers given",
        "Asked under: ",
    ] {
        assert!(text.contains(words), "`{words}` is not in:\n{text}");
    }

    let record = json!({
        "candidate": {"pathway": "scolaire", "distance_learning": false},
        "internship": {
            "periods": [{"start": "2026-05-04", "end": "2026-06-26", "agreement_signed": true}],
            "certificate_provided": true,
            "reduction_ground": "aucun", "rector_validated": false
        },
        "exemption": {"ground": "aucune", "rector_validated": false},
        "report": {
            "submitted_on": "2027-04-10", "pages": 40,
            "parts": ["presentation_entreprise", "analyse_juridique", "activites", "conclusion", "resume_anglais", "demarche_qsse"],
            "legal_analysis_pages": 3, "activities_analysed": 2, "qsse_pages": 3, "endorsed_by_host": true
        },
        "previous_attempt": {"failed": false}
    });
    let asked = fill(&mut page, &record, "english");
    assert_never_asked(&asked, &["apprenticeship.", "employment"]);
    let report = page
        .eval("document.querySelector('#report .report').innerText")
        .as_str()
        .unwrap()
        .to_string();
    for words in [
        "Decision report",
        "in force from 1 September 2026",
        "Hash of the sources (sha256)",
        "Decision no.",
        "Print the report",
        "In brief",
        "Reasons",
        "candidate.pathway = scolaire",
        "Clauses applied",
        "Clause 2.1.2-4, section 2.1.2",
        "What would permit a favourable outcome",
    ] {
        assert!(
            report.contains(words),
            "`{words}` is not in the report:\n{report}"
        );
    }
    for french in [
        "Rapport de décision",
        "Motifs",
        "Clauses appliquées",
        "septembre",
    ] {
        assert!(
            !report.contains(french),
            "`{french}` in the English report:\n{report}"
        );
    }
    page.eval("document.getElementById('report').scrollIntoView()");
    page.save(
        "Page.captureScreenshot",
        json!({"format": "png"}),
        "candidate-english.png",
    );
}
