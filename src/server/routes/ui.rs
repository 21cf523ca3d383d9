//! The reviewer web page at `/ui/`: one HTML page, its stylesheet and its scripts, embedded in
//! the binary. It loads nothing from elsewhere (an intranet may have no internet) and reads the
//! JSON API of the same service. Not part of the OpenAPI document.
//!
//! Every URL in the page is relative (`app.js`, `../v1/policies`, `../docs/`), so the page
//! works wherever a proxy mounts the service (`/clausier/ui/` reads `/clausier/v1/…`).

use actix_web::{HttpResponse, HttpResponseBuilder, web};

const INDEX: &str = include_str!("../ui/index.html");
const CSS: &str = include_str!("../ui/app.css");
const JS: &str = include_str!("../ui/app.js");
const CANDIDATE_JS: &str = include_str!("../ui/candidate.js");
const WORDS_JS: &str = include_str!("../ui/words.js");

/// Only this origin's own files and API: a page that cannot reach out works the same offline.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Registers `/ui/` and its assets, and `/ui` redirecting to `ui/` (relative, as every URL of the
/// page).
pub fn configure_ui(cfg: &mut web::ServiceConfig) {
    cfg.route("/ui/", web::get().to(index))
        .route("/ui/index.html", web::get().to(index))
        .route("/ui/app.css", web::get().to(css))
        .route("/ui/app.js", web::get().to(js))
        .route("/ui/candidate.js", web::get().to(candidate_js))
        .route("/ui/words.js", web::get().to(words_js))
        .route("/ui", web::get().to(|| super::relative_redirect("ui/")));
}

fn asset(mime: &str, body: &'static str) -> HttpResponse {
    own_page().content_type(mime).body(body)
}

/// An answer with a page or an asset of this origin's own, under its Content-Security-Policy
/// (the API documentation at `/docs/` too).
pub fn own_page() -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.insert_header(("Content-Security-Policy", CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "no-cache"));
    res
}

/// The page, with the accessibility contact the service was started with, if any, in a
/// `<meta name="clausier-contact">` the statement reads.
async fn index(state: Option<web::Data<crate::server::AppState>>) -> HttpResponse {
    let contact = state.as_ref().and_then(|s| s.accessibility_contact.clone());
    match contact {
        None => asset("text/html; charset=utf-8", INDEX),
        Some(contact) => {
            let meta = format!(
                "<meta name=\"clausier-contact\" content=\"{}\">\n  <title>",
                attribute(&contact)
            );
            own_page()
                .content_type("text/html; charset=utf-8")
                .body(INDEX.replacen("<title>", &meta, 1))
        }
    }
}

/// `text` as the value of a quoted HTML attribute.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn css() -> HttpResponse {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", JS)
}

async fn candidate_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", CANDIDATE_JS)
}

/// The page's words in French and English, and the choice of its language.
async fn words_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", WORDS_JS)
}
