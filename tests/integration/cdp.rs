//! A small driver for headless Chromium over the DevTools protocol (CDP), for the tests that
//! use the pages as a person does: open a page, run a script in it, press keys, change the
//! window's width, take a screenshot or a PDF, and run axe-core on what is shown.
//!
//! One browser per [`Page`], started with `--remote-debugging-port=0`: it names its WebSocket on
//! standard error, the driver attaches to a new tab (a flat session) and sends commands one at a
//! time, reading replies until the one with its id (events are skipped). Scripts given to
//! [`Page::eval`] run in the page's main world, outside its Content-Security-Policy, as the
//! browser's own console would.
//!
//! axe-core is the copy vendored in `tests/browser/axe.min.js` (MPL-2.0, its licence header
//! kept; see `tests/browser/README.md`): nothing is fetched while testing.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::browser::screenshots;

/// axe-core, injected into a page the first time [`Page::axe`] runs there.
const AXE: &str = include_str!("../browser/axe.min.js");

/// The rules axe runs: WCAG 2.0 and 2.1, levels A and AA (what the RGAA 4.1 rests on).
pub(crate) const WCAG_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// A key of the keyboard, as [`Page::press`] sends it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Key {
    Tab,
    Enter,
    Up,
    Down,
}

impl Key {
    /// Its `key` (and `code`), its Windows key code, and the text it types.
    fn describe(self) -> (&'static str, u32, &'static str) {
        match self {
            Key::Tab => ("Tab", 9, ""),
            Key::Enter => ("Enter", 13, "\r"),
            Key::Up => ("ArrowUp", 38, ""),
            Key::Down => ("ArrowDown", 40, ""),
        }
    }
}

/// A Chromium page driven over the DevTools protocol.
pub(crate) struct Page {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next: u64,
    child: Child,
    _profile: tempfile::TempDir,
}

impl Page {
    /// Starts headless Chromium and opens `url` in a page 1280 pixels wide, in a browser that
    /// prefers French (a French exam office's; headless Chromium says `en-US` otherwise).
    pub(crate) fn open(chromium: &std::path::Path, url: &str) -> Page {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--window-size=1280,1000",
                "--accept-lang=fr-FR,fr",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Chromium says where its DevTools listen on standard error.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://") {
                    let _ = tx.send(line[at..].trim().to_string());
                }
            }
        });
        let ws = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("chromium announces its DevTools address");
        let (socket, _) = tungstenite::connect(ws.as_str()).unwrap();
        let mut page = Page {
            socket,
            session: String::new(),
            next: 0,
            child,
            _profile: profile,
        };
        let target = page.call("Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = page.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        page.session = attached["sessionId"].as_str().unwrap().to_string();
        page.call("Page.navigate", json!({"url": url}));
        page
    }

    /// Sends a command (to the page once attached) and returns its result.
    pub(crate) fn call(&mut self, method: &str, params: Value) -> Value {
        match self.send(method, params) {
            Ok(result) => result,
            Err(reply) => panic!("{method}: {reply}"),
        }
    }

    /// Sends a command and returns its result, or the whole reply when it is an error.
    fn send(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next += 1;
        let id = self.next;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .unwrap();
        loop {
            let Message::Text(text) = self.socket.read().unwrap() else {
                continue;
            };
            let reply: Value = serde_json::from_str(text.as_str()).unwrap();
            if reply["id"] == id {
                return match reply.get("error") {
                    None => Ok(reply["result"].clone()),
                    Some(_) => Err(reply),
                };
            }
        }
    }

    /// The value of a JavaScript expression (awaited when a promise).
    pub(crate) fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{}…: {}",
            expression.chars().take(300).collect::<String>(),
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Whether `condition` (a JavaScript expression) is true now; false while the page is
    /// between two documents (a navigation closes the context an evaluation ran in).
    fn holds(&mut self, condition: &str) -> bool {
        let params = json!({"expression": format!("Boolean({condition})"), "returnByValue": true});
        match self.send("Runtime.evaluate", params) {
            Ok(r) => {
                assert!(r.get("exceptionDetails").is_none(), "{condition}: {r}");
                r["result"]["value"] == json!(true)
            }
            Err(reply) => {
                let message = reply["error"]["message"].as_str().unwrap_or_default();
                let navigating = [
                    "navigated or closed",
                    "context was destroyed",
                    "find context",
                ]
                .iter()
                .any(|m| message.contains(m));
                assert!(navigating, "Runtime.evaluate: {reply}");
                false
            }
        }
    }

    /// Waits until `condition` (a JavaScript expression) is true, across navigations.
    pub(crate) fn wait_for(&mut self, condition: &str) {
        let started = Instant::now();
        while !self.holds(condition) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "waited 60 s for `{condition}`; the page:\n{}",
                self.eval("document.getElementById('main')?.innerText")
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Goes to `url` (another view of the reviewer page: a new hash) and waits until the view
    /// is shown (`<main>` is no longer `aria-busy`).
    pub(crate) fn goto(&mut self, url: &str) {
        self.eval("document.getElementById('main')?.setAttribute('aria-busy', 'true'); true");
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for(
            "document.readyState === 'complete' && document.getElementById('main') \
             && document.getElementById('main').getAttribute('aria-busy') !== 'true'",
        );
    }

    /// Presses and releases `key`, as the keyboard does, on the element that has the focus.
    pub(crate) fn press(&mut self, key: Key) {
        let (name, code, text) = key.describe();
        let down = if text.is_empty() {
            "rawKeyDown"
        } else {
            "keyDown"
        };
        for kind in [down, "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": name, "code": name, "windowsVirtualKeyCode": code,
                       "nativeVirtualKeyCode": code, "text": if kind == "keyUp" { "" } else { text }}),
            );
        }
    }

    /// Types `text` into the element that has the focus, as a keyboard would.
    pub(crate) fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({"text": text}));
    }

    /// Gives the page a window `width` CSS pixels wide (320: a 1280-pixel screen at 400 %).
    pub(crate) fn width(&mut self, width: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// Runs axe-core's WCAG 2.1 A and AA rules on the page as it is, and returns each
    /// violation in a line (rule, impact, the elements and what fails), none when it passes.
    pub(crate) fn axe(&mut self) -> Vec<String> {
        if self.eval("typeof axe") != json!("object") {
            self.call(
                "Runtime.evaluate",
                json!({"expression": AXE, "returnByValue": true}),
            );
        }
        let found = self.eval(&format!(
            "axe.run(document, {{ runOnly: {{ type: 'tag', values: {} }}, resultTypes: ['violations'] }})\
             .then((r) => r.violations.map((v) => `${{v.id}} (${{v.impact}}): ${{v.help}}\\n` + \
               v.nodes.slice(0, 4).map((n) => `  ${{n.target.join(' ')}}: ${{n.failureSummary.split('\\n').slice(0, 2).join(' ')}}`).join('\\n')))",
            json!(WCAG_TAGS)
        ));
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// The page as a PNG or a PDF, saved under `target/ui-screenshots/`.
    pub(crate) fn save(&mut self, method: &str, params: Value, name: &str) -> Vec<u8> {
        let data = self.call(method, params)["data"]
            .as_str()
            .unwrap()
            .to_string();
        let bytes = base64(&data);
        std::fs::write(screenshots().join(name), &bytes).unwrap();
        bytes
    }

    /// A PNG of what the window shows, `target/ui-screenshots/{name}.png`.
    pub(crate) fn screenshot(&mut self, name: &str) {
        self.save(
            "Page.captureScreenshot",
            json!({"format": "png"}),
            &format!("{name}.png"),
        );
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64, as the DevTools protocol sends binary data.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
