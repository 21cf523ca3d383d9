//! Accessibility (RGAA 4.1, on WCAG 2.1 level AA): every page of `/ui/` and `/docs/` as a person
//! using a keyboard, a screen reader or a 400 % zoom meets it, in headless Chromium driven over
//! the DevTools protocol (`cdp.rs`).
//!
//! - axe-core (vendored, `tests/browser/axe.min.js`) runs its WCAG 2.0/2.1 A and AA rules on
//!   every view with its data loaded, and again after what a person does there (a decision
//!   shown, an error shown, a disclosure opened): no violation is allowed.
//! - At 320 CSS pixels wide (a 1280-pixel screen at 400 %), no page scrolls sideways; only the
//!   code blocks and tables that must, do, and each of those can be reached with Tab and has a
//!   name (RGAA 10.11, WCAG 1.4.10).
//! - Every element Tab reaches shows a focus ring at least 2 pixels wide whose colour has a
//!   contrast of 3:1 or more with the background it is drawn on, computed in the browser
//!   (RGAA 10.7, WCAG 1.4.11 and 2.4.7).
//! - The decision form and the candidate's questionnaire are filled and sent with Tab, the
//!   arrows and Enter alone; the focus then moves to the result; no arrow key changes the view
//!   (RGAA 7.4, WCAG 3.2.2).

use serde_json::{Value, json};

use crate::browser::{chromium, in_address};
use crate::cdp::{Key, Page};
use crate::http::{TestServer, date};
use crate::interpretations::school_candidate as pupil;

const BTS: &str = "bts-metiers-de-la-mesure";

/// Something done on a view: a script, then a condition waited for.
type Step = (String, String);

/// A view: its name, its address, and what is done there before the checks.
type View = (&'static str, String, Vec<Step>);

/// Sends the form that holds `selector` with `value` typed into it, as its submit button
/// would, and waits for `until`.
fn submit_with(selector: &str, value: &str, until: &str) -> Step {
    (
        format!(
            "(() => {{ const f = document.querySelector({s}); f.value = {v}; \
             f.form.requestSubmit(); return true; }})()",
            s = json!(selector),
            v = json!(value)
        ),
        until.to_string(),
    )
}

/// Opens every `<details>` of the page.
fn open_details() -> Step {
    (
        "document.querySelectorAll('details').forEach((d) => { d.open = true; }); true".into(),
        "true".into(),
    )
}

/// What the page looks like at 320 pixels: what is wider than the window (none when it
/// reflows), and the scrolling regions that Tab cannot reach or that have no name.
const REFLOW: &str = r#"(() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const scrolls = (el) => { const s = getComputedStyle(el); return /auto|scroll/.test(s.overflowX) && el.scrollWidth > el.clientWidth; };
  const inScroller = (el) => { for (let p = el.parentElement; p; p = p.parentElement) if (scrolls(p)) return true; return false; };
  const wide = [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !inScroller(el))
    .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1))
    .slice(0, 8).map((el) => `${name(el)} (right edge at ${Math.round(el.getBoundingClientRect().right)})`);
  // Text wider than its box (a long word) overflows it without widening it.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let n = walker.nextNode(); n && wide.length < 8; n = walker.nextNode()) {
    range.selectNodeContents(n);
    if (range.getBoundingClientRect().right > width + 1 && !inScroller(n.parentElement) && !scrolls(n.parentElement)) {
      wide.push(`text « ${n.textContent.slice(0, 40)} » in ${name(n.parentElement)}`);
    }
  }
  const unreachable = [...document.body.querySelectorAll('*')].filter(scrolls)
    .filter((el) => el.tabIndex < 0 || !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
    .slice(0, 8).map(name);
  return { page: document.documentElement.scrollWidth, width, wide, unreachable };
})()"#;

/// The views of `/ui/` and `/docs/`: a name, an address, and what is done there before the
/// checks (a script, then a condition waited for).
fn views(base: &str) -> Vec<View> {
    let ui = format!("{base}/ui/");
    let decide = format!("{ui}#/p/{BTS}/decide?version=session-2027");
    let decided = format!("{decide}&input={}", in_address(&pupil()));
    let diff = format!("{ui}#/p/{BTS}/diff?from=session-2026&to=session-2027");
    let candidate = format!("{ui}#/p/{BTS}/candidat?version=session-2027");
    let wait_problem = "document.querySelector('#decision .problem')";
    vec![
        ("policies", format!("{ui}#/"), vec![open_details()]),
        ("version", format!("{ui}#/p/{BTS}/v/session-2027"), vec![]),
        (
            "version-clause",
            format!("{ui}#/p/{BTS}/v/mayotte-2025?clause=3-1"),
            vec![],
        ),
        (
            "diff",
            diff.clone(),
            vec![submit_with(
                "#impact-input",
                &json!([pupil()]).to_string(),
                "document.querySelector('#impact-result .summary')",
            )],
        ),
        (
            "diff-error",
            format!("{diff}&x=1"),
            vec![submit_with(
                "#impact-input",
                "[{",
                "document.querySelector('#impact-result .problem')",
            )],
        ),
        ("decision", decided, vec![open_details()]),
        (
            "decision-json-error",
            decide.clone(),
            vec![submit_with("#candidate", "{\"candidate\": ", wait_problem)],
        ),
        (
            "decision-refused",
            format!("{decide}&x=1"),
            vec![submit_with(
                "#candidate",
                "{\"candidate\": {\"pathway\": \"aucune\"}}",
                wait_problem,
            )],
        ),
        (
            "candidate",
            candidate.clone(),
            vec![(
                "document.querySelector('fieldset.question [data-action=validate]').click(); true"
                    .into(),
                "document.querySelector('fieldset.question .field-error')?.textContent".into(),
            )],
        ),
        (
            "candidate-report",
            format!("{candidate}&x=1"),
            vec![(
                "document.querySelector('[data-action=decide]').click(); true".into(),
                "document.getElementById('main').dataset.report".into(),
            )],
        ),
        ("statement", format!("{ui}#/accessibilite"), vec![]),
        ("not-found", format!("{ui}#/nothing-here"), vec![]),
        ("not-loaded", format!("{ui}#/p/no-such-policy/v/x"), vec![]),
        ("policies-en", format!("{ui}?lang=en#/"), vec![]),
        (
            "statement-en",
            format!("{ui}?lang=en#/accessibilite"),
            vec![],
        ),
        ("docs", format!("{base}/docs/"), vec![open_details()]),
        ("docs-en", format!("{base}/docs/?lang=en"), vec![]),
    ]
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn every_view_passes_axe_and_reflows_at_320_pixels() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let mut page = Page::open(&chromium, "about:blank");
    let mut failures = Vec::new();
    for (name, url, steps) in views(&server.base) {
        page.width(1280);
        page.goto(&url);
        for (script, until) in steps {
            page.eval(&script);
            page.wait_for(&until);
        }
        for violation in page.axe() {
            failures.push(format!("{name}, 1280 px: {violation}"));
        }
        page.width(320);
        let reflow = page.eval(REFLOW);
        page.screenshot(&format!("a11y-{name}-320"));
        if reflow["page"].as_u64() > reflow["width"].as_u64() {
            failures.push(format!(
                "{name}, 320 px: the page scrolls sideways: {reflow}"
            ));
        }
        if !reflow["unreachable"].as_array().unwrap().is_empty() {
            failures.push(format!(
                "{name}, 320 px: regions that scroll without a tab stop or a name: {}",
                reflow["unreachable"]
            ));
        }
        for violation in page.axe() {
            failures.push(format!("{name}, 320 px: {violation}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the element that has the focus shows: its description, and what is wrong with its
/// focus ring (nothing when it has one of 2 pixels or more, at 3:1 or more against the
/// background it is drawn on: the first ancestor's that is not transparent).
const RING: &str = r#"(() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const rgba = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let bg = [255, 255, 255];
  for (let p = el.parentElement; p; p = p.parentElement) {
    const c = rgba(getComputedStyle(p).backgroundColor);
    if (c.length === 3 || c[3] > 0.5) { bg = c.slice(0, 3); break; }
  }
  const s = getComputedStyle(el);
  const what = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} « ${(el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 40)} »`;
  const width = parseFloat(s.outlineWidth) || 0;
  const contrast = ratio(rgba(s.outlineColor).slice(0, 3), bg);
  const wrong = s.outlineStyle === 'none' || width < 2 ? `no ring (outline ${s.outlineStyle} ${width}px)`
    : contrast < 3 ? `a ring of ${contrast.toFixed(2)}:1 (${s.outlineColor} on rgb(${bg}))` : null;
  return { what, wrong };
})()"#;

/// Presses Tab from the top of the page until the focus comes back round, and returns what
/// each stop shows (at most `limit` stops).
fn tab_through(page: &mut Page, limit: usize) -> Vec<Value> {
    page.eval("document.activeElement?.blur(); window.getSelection().removeAllRanges(); true");
    let mut stops = Vec::new();
    let mut first = None;
    for _ in 0..limit {
        page.press(Key::Tab);
        let stop = page.eval(RING);
        if stop.is_null() {
            break;
        }
        if first.as_ref() == Some(&stop["what"]) {
            break;
        }
        first.get_or_insert_with(|| stop["what"].clone());
        stops.push(stop);
    }
    stops
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn every_tab_stop_shows_a_focus_ring_of_3_to_1() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let mut page = Page::open(&chromium, "about:blank");
    let mut failures = Vec::new();
    let mut counted = 0;
    for (name, url, steps) in views(&server.base) {
        if name.ends_with("-en") || name.starts_with("not-") {
            continue;
        }
        page.goto(&url);
        for (script, until) in steps {
            page.eval(&script);
            page.wait_for(&until);
        }
        let stops = tab_through(&mut page, 400);
        assert!(stops.len() > 3, "{name}: only {} tab stops", stops.len());
        counted += stops.len();
        for stop in stops {
            if let Some(wrong) = stop["wrong"].as_str() {
                failures.push(format!("{name}: {}: {wrong}", stop["what"]));
            }
        }
    }
    assert!(counted > 100, "{counted} tab stops in all");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Presses Tab until the focus is on `selector` (at most 300 times).
fn tab_to(page: &mut Page, selector: &str) {
    let test = format!("document.activeElement?.matches({})", json!(selector));
    for _ in 0..300 {
        if page.eval(&test) == json!(true) {
            return;
        }
        page.press(Key::Tab);
    }
    panic!(
        "Tab never reaches `{selector}`; the focus is on {}",
        page.eval("document.activeElement?.outerHTML.slice(0, 200)")
    );
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_decision_form_is_used_with_the_keyboard_alone() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let url = format!("{}/ui/#/p/{BTS}/decide?version=session-2027", server.base);
    let mut page = Page::open(&chromium, "about:blank");
    page.goto(&url);

    // The skip link comes first and takes the focus to the content.
    page.press(Key::Tab);
    assert_eq!(page.eval("document.activeElement.className"), json!("skip"));
    page.press(Key::Enter);
    assert_eq!(page.eval("document.activeElement.id"), json!("main"));

    // Malformed JSON: the field says it is invalid, and why, in French.
    tab_to(&mut page, "#candidate");
    page.type_text("{\"candidate\": {\"pathway\": \"scolaire\"");
    tab_to(&mut page, "form.decide button[type=submit]");
    page.press(Key::Enter);
    page.wait_for("document.querySelector('#decision .problem')");
    let field = page.eval(
        "(() => { const a = document.getElementById('candidate'); \
         const said = document.getElementById(a.getAttribute('aria-describedby')); \
         return [document.activeElement === a, a.getAttribute('aria-invalid'), said?.innerText]; })()",
    );
    assert_eq!(field[0], json!(true), "the focus goes back to the field");
    assert_eq!(field[1], json!("true"));
    let said = field[2].as_str().unwrap();
    assert!(
        said.contains("JSON invalide") && said.contains("ligne 1"),
        "{said}"
    );
    page.screenshot("a11y-decision-json-error");

    // Corrected, and sent with Enter on the button: the decision is shown and has the focus.
    page.eval("document.getElementById('candidate').select(); true");
    page.type_text(&pupil().to_string());
    tab_to(&mut page, "form.decide button[type=submit]");
    page.press(Key::Enter);
    page.wait_for("document.getElementById('decision-title')");
    assert_eq!(
        page.eval("document.activeElement.id"),
        json!("decision-title")
    );
    assert_eq!(
        page.eval("document.getElementById('candidate').getAttribute('aria-invalid')"),
        Value::Null
    );
    // « En bref »: a link moves the focus to its conclusion.
    tab_to(&mut page, "table.brief a[href='#k-e61_admission']");
    page.press(Key::Enter);
    assert_eq!(
        page.eval("document.activeElement.id"),
        json!("k-e61_admission")
    );

    // The version menu: the arrows choose, only the button goes.
    let version = format!("{}/ui/#/p/{BTS}/v/session-2027", server.base);
    page.goto(&version);
    page.eval("document.getElementById('version-switch').focus(); true");
    page.press(Key::Up);
    page.press(Key::Up);
    assert_eq!(
        page.eval("[location.hash, document.getElementById('version-switch').value]"),
        json!([format!("#/p/{BTS}/v/session-2027"), "annexe-ivb"]),
        "an arrow key chose another version without leaving this one"
    );
    page.press(Key::Tab);
    page.press(Key::Enter);
    page.wait_for(&format!(
        "location.hash === '#/p/{BTS}/v/annexe-ivb' && !document.getElementById('main').getAttribute('aria-busy')"
    ));
}

/// Answers the questionnaire's first question from the keyboard: a choice with the arrows,
/// a number typed, anything else « Je ne sais pas »; then Tab to the button and Enter.
fn answer_from_keyboard(page: &mut Page, choose: &[(&str, &str)], numbers: &[(&str, &str)]) {
    let question = page.eval(
        "(() => { const q = document.querySelector('fieldset.question'); \
         return [q.dataset.path, q.dataset.kind, [...q.querySelectorAll('input[type=radio]')].map((r) => r.value)]; })()",
    );
    let path = question[0].as_str().unwrap();
    let q = format!("fieldset.question[data-path=\"{path}\"]");
    let values = question[2].as_array().unwrap();
    if let Some((_, want)) = choose.iter().find(|(p, _)| *p == path) {
        // Down checks the next choice, and from the last the first.
        tab_to(page, &format!("{q} input[type=radio]"));
        let chosen = "document.activeElement.checked && document.activeElement.value";
        for _ in 0..=values.len() {
            if page.eval(chosen) == json!(want) {
                break;
            }
            page.press(Key::Down);
        }
        assert_eq!(
            page.eval("document.activeElement.checked && document.activeElement.value"),
            json!(want)
        );
        tab_to(page, &format!("{q} [data-action=validate]"));
    } else if let Some((_, typed)) = numbers.iter().find(|(p, _)| *p == path) {
        tab_to(page, &format!("{q} input"));
        page.type_text(typed);
        tab_to(page, &format!("{q} [data-action=validate]"));
    } else {
        tab_to(page, &format!("{q} [data-action=unknown]"));
    }
    let round = page.eval("document.getElementById('main').dataset.round");
    page.press(Key::Enter);
    page.wait_for(&format!(
        "document.getElementById('main').dataset.round !== {round}"
    ));
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_candidate_questionnaire_is_used_with_the_keyboard_alone() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let url = format!("{}/ui/#/p/{BTS}/candidat?version=session-2027", server.base);
    let mut page = Page::open(&chromium, "about:blank");
    page.goto(&url);
    let choose = [
        ("candidate.pathway", "apprentissage"),
        ("apprenticeship.contract_copy", "true"),
        ("exemption.ground", "aucune"),
        ("previous_attempt.failed", "false"),
    ];
    let numbers = [("report.pages", "45")];
    let mut asked = 0;
    while page.eval("document.getElementById('main').dataset.report || ''") == json!("") {
        asked += 1;
        assert!(asked < 40, "too many questions");
        if asked == 1 {
            // An arrow key on a choice answers nothing: only the button does.
            tab_to(&mut page, "fieldset.question input[type=radio]");
            let round = page.eval("document.getElementById('main').dataset.round");
            page.press(Key::Down);
            page.press(Key::Down);
            std::thread::sleep(std::time::Duration::from_millis(300));
            assert_eq!(
                page.eval("document.getElementById('main').dataset.round"),
                round
            );
        }
        answer_from_keyboard(&mut page, &choose, &numbers);
    }
    page.wait_for("document.getElementById('report-title')");
    assert_eq!(
        page.eval("document.activeElement.id"),
        json!("report-title"),
        "the focus moves to the report"
    );
    let report = page.eval("document.getElementById('report').innerText");
    assert!(
        report.as_str().unwrap().contains("contrat d'apprentissage"),
        "{report}"
    );
    // « En bref »: the first link moves the focus to its conclusion.
    tab_to(&mut page, ".brief-list a");
    let target = page.eval("document.activeElement.getAttribute('href').slice(1)");
    page.press(Key::Enter);
    assert_eq!(page.eval("document.activeElement.id"), target);
    page.screenshot("a11y-candidate-keyboard");
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_statement_names_the_contact_the_service_was_started_with() {
    use crate::browser::{contains_all, open};
    let Some(chromium) = chromium() else { return };
    let policies = std::path::Path::new("policies");
    let with = |contact: &str| {
        let contact: std::sync::Arc<str> = contact.into();
        TestServer::start_with(policies, date("2026-11-28"), false, move |state| {
            state.accessibility_contact = Some(contact)
        })
    };
    let server = with("accessibilite@ac-exemple.fr");
    let dom = open(
        &chromium,
        &format!("{}/ui/#/accessibilite", server.base),
        "statement-contact",
        1800,
    );
    contains_all(
        &dom,
        &[
            "Contact accessibilité de ce service : ",
            "<a href=\"mailto:accessibilite@ac-exemple.fr\">accessibilite@ac-exemple.fr</a>",
        ],
    );
    // Words written into the page are an attribute's value, never markup.
    let server = with("Bureau des examens \"DEC\" <b>");
    let page = crate::http::get(&server, "/ui/").body;
    assert!(
        page.contains(
            "<meta name=\"clausier-contact\" content=\"Bureau des examens &quot;DEC&quot; &lt;b&gt;\">"
        ),
        "{page}"
    );
    // Without one, the statement sends readers to the team that runs the service, alone.
    let server = TestServer::bts(date("2026-11-28"));
    let dom = open(
        &chromium,
        &format!("{}/ui/#/accessibilite", server.base),
        "statement",
        1800,
    );
    assert!(dom.contains("signalez-le à l’équipe qui exploite ce service"));
    assert!(!dom.contains("Contact accessibilité de ce service"));
}
