//! The service behind a reverse proxy that mounts it under a sub-path (`/clausier/`), as an
//! intranet's gateway would: the pages (`/ui/`, `/docs/`) refer to everything by relative URLs,
//! so they work there without any option. Checked on the text of the pages, and in headless
//! Chromium through a small proxy that answers 404 to anything outside `/clausier/` (so a
//! single absolute URL would show).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use serde_json::json;

use crate::browser::chromium;
use crate::cdp::Page;
use crate::http::{TestServer, agent, date, get};

const BTS: &str = "bts-metiers-de-la-mesure";

/// Where the proxy mounts the service.
const MOUNT: &str = "/clausier/";

/// Starts a proxy in front of `upstream` (`host:port`) that serves it under [`MOUNT`] and
/// answers 404 to every other path; its base URL (`http://127.0.0.1:port/clausier`). One
/// request per connection (`Connection: close` both ways); the threads end with the test
/// binary.
fn proxy(upstream: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = upstream.to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let _ = forward(client, &upstream);
            });
        }
    });
    format!("http://{addr}{}", MOUNT.trim_end_matches('/'))
}

/// Forwards one request from `client` to `upstream`, the mount stripped from its target.
fn forward(client: TcpStream, upstream: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut headers = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        if name == "content-length" {
            length = line[15..].trim().parse().unwrap_or(0);
        }
        if name != "connection" && name != "keep-alive" {
            headers.push_str(&line);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let Some(rest) = target.strip_prefix(MOUNT) else {
        return client.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    };
    let mut server = TcpStream::connect(upstream)?;
    write!(
        server,
        "{method} /{rest} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n"
    )?;
    server.write_all(&body)?;
    std::io::copy(&mut server, &mut client)?;
    Ok(())
}

/// The absolute paths (`"/…`, `'/…`, `` `/… ``) a page or script refers to, outside comments.
fn absolute_references(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("//") || line.starts_with('*') || line.starts_with("/*"))
        })
        .flat_map(|line| {
            line.as_bytes()
                .windows(3)
                .enumerate()
                .filter(|(_, w)| {
                    matches!(w[0], b'"' | b'\'' | b'`')
                        && w[1] == b'/'
                        && w[2].is_ascii_alphanumeric()
                })
                .map(|(at, _)| line[at..].chars().take(40).collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_pages_refer_to_everything_by_relative_urls() {
    let server = TestServer::bts(date("2026-11-28"));
    for path in [
        "/ui/",
        "/ui/app.js",
        "/ui/candidate.js",
        "/ui/words.js",
        "/docs/",
    ] {
        let page = get(&server, path);
        assert_eq!(page.status, 200, "{path}");
        let absolute = absolute_references(&page.body);
        assert!(absolute.is_empty(), "{path} refers to {absolute:?}");
    }
    // The scanner sees what it looks for.
    assert_eq!(absolute_references(r#"fetch("/v1/x")"#).len(), 1);
    let docs = get(&server, "/docs/").body;
    assert!(docs.contains(r#"href="openapi.json""#), "{docs}");
    // The redirects to the pages are relative too.
    let no_redirect = crate::browser::agent_no_redirect();
    for (path, to) in [("/ui", "ui/"), ("/docs", "docs/")] {
        let r = no_redirect
            .get(format!("{}{path}", server.base))
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 308, "{path}");
        assert_eq!(r.headers()["location"], to, "{path}");
    }
    // The documentation reads the document with the service named relative to it.
    let canonical = get(&server, "/openapi.json").json();
    let mut for_docs = get(&server, "/docs/openapi.json").json();
    assert_eq!(
        for_docs["servers"][0]["url"], "..",
        "{}",
        for_docs["servers"]
    );
    assert!(canonical.get("servers").is_none());
    for_docs.as_object_mut().unwrap().remove("servers");
    assert_eq!(for_docs, canonical);
}

#[test]
fn the_service_answers_through_a_proxy_that_mounts_it_under_a_sub_path() {
    let server = TestServer::bts(date("2026-11-28"));
    let base = proxy(server.base.trim_start_matches("http://"));
    let r = agent().get(format!("{base}/v1/policies")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The proxy refuses what is outside its mount: a page that used an absolute URL fails.
    let outside = base.trim_end_matches("/clausier");
    let r = agent()
        .get(format!("{outside}/v1/policies"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // `/clausier/ui` leads to `/clausier/ui/`.
    let r = agent().get(format!("{base}/ui")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(ureq::ResponseExt::get_uri(&r).path(), "/clausier/ui/");
}

#[cfg_attr(
    clausier_no_browser,
    ignore = "chromium is not installed (apt-get install -y chromium)"
)]
#[test]
fn the_pages_work_in_a_browser_under_a_sub_path() {
    let Some(chromium) = chromium() else { return };
    let server = TestServer::bts(date("2026-11-28"));
    let base = proxy(server.base.trim_start_matches("http://"));

    // The reviewer page: the list of versions, then a version's clauses, read through the
    // proxy (from `/clausier/ui`, redirected).
    let mut page = Page::open(&chromium, &format!("{base}/ui"));
    page.wait_for("document.querySelector('main')?.innerText.includes('session-2027')");
    assert_eq!(
        page.eval("location.pathname"),
        json!("/clausier/ui/"),
        "redirected under the mount"
    );
    page.save(
        "Page.captureScreenshot",
        json!({"format": "png"}),
        "proxied-ui.png",
    );
    page.eval(&format!("location.hash = '#/p/{BTS}/v/session-2027'; true"));
    page.wait_for("document.querySelector('main')?.innerText.includes('2.2-1')");

    // The documentation: the operations listed, and "Try it out" on `/healthz` calls the
    // service through the proxy.
    page.eval(&format!(
        "location.href = {}; true",
        json!(format!("{base}/docs/"))
    ));
    page.wait_for("document.querySelectorAll('section.operation').length >= 12");
    page.save(
        "Page.captureScreenshot",
        json!({"format": "png"}),
        "proxied-docs.png",
    );
    // Its stylesheet, the reviewer page's, is found under the mount…
    assert_eq!(
        page.eval("getComputedStyle(document.querySelector('header.top')).backgroundColor"),
        json!("rgb(31, 79, 138)")
    );
    // …and so is the document it links, which names the service relative to itself.
    let linked = page.eval(
        "(async () => { const a = [...document.querySelectorAll('main a')].find((a) => a.textContent === 'openapi.json'); \
         const r = await fetch(a.href); return [a.href, r.status, (await r.json()).servers[0].url]; })()",
    );
    assert_eq!(
        linked,
        json!([format!("{base}/docs/openapi.json"), 200, ".."])
    );
}
