//! The API documentation at `/docs/`: one HTML page made from the OpenAPI document when the
//! service starts, in French (the default) or in English (`?lang=en`, or a browser that prefers
//! English, as for every answer: [`super::lang_of`]), with the reviewer page's stylesheet and no script.
//!
//! Why a page of our own rather than Swagger UI: Swagger UI failed the accessibility audit
//! (RGAA / WCAG 2.1 AA: unnamed buttons and fields, controls nested in controls, 78 texts
//! below 4.5:1, most tab stops with no visible focus, English only), and its DOM is built by a
//! script this project does not write, so styling it over could not keep it at zero
//! violations from one release to the next. This page is plain HTML that the accessibility
//! tests check like the others. Its words are French or English; the descriptions it quotes
//! from the document are in English and marked `lang="en"`. The document itself stays where
//! tools read it: `/openapi.json`, and `docs/openapi.json` beside this page (see
//! [`super::configure_docs`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::model::Lang;

/// The page's own words, in one language.
struct Words {
    lang: &'static str,
    title: &'static str,
    skip: &'static str,
    tagline: &'static str,
    review: &'static str,
    nav: &'static str,
    other: (&'static str, &'static str, &'static str),
    switch: &'static str,
    lead: &'static str,
    document: &'static str,
    operations: &'static str,
    schemas: &'static str,
    parameters: &'static str,
    parameters_of: &'static str,
    name: &'static str,
    location: &'static str,
    required: &'static str,
    kind: &'static str,
    type_is: &'static str,
    description: &'static str,
    yes: &'static str,
    no: &'static str,
    body: &'static str,
    responses: &'static str,
    responses_of: &'static str,
    status: &'static str,
    example_of: &'static str,
    fields_of: &'static str,
    list_of: &'static str,
    map_of: &'static str,
    one_of: &'static str,
    or_null: &'static str,
    any: &'static str,
    statement: &'static str,
    statement_href: &'static str,
    footer: &'static str,
}

const FR: Words = Words {
    lang: "fr",
    title: "Documentation de l’API",
    skip: "Aller au contenu",
    tagline: "relecture des règlements",
    review: "Règlements et versions",
    nav: "Navigation principale",
    other: ("en", "English", "?lang=en"),
    switch: "Langue de la page",
    lead: "Chaque opération de l’API JSON du service : sa méthode et son chemin (relatif à l’adresse du \
           service, le dossier au-dessus de cette page), ses paramètres, ce qu’elle reçoit et ce qu’elle \
           répond, puis les schémas des données. Les descriptions viennent du document OpenAPI et sont \
           en anglais.",
    document: "Le document OpenAPI 3.1, pour les outils (générateurs de clients, validateurs) :",
    operations: "Opérations",
    schemas: "Schémas",
    parameters: "Paramètres",
    parameters_of: "Paramètres de",
    name: "Nom",
    location: "Où",
    required: "Requis",
    kind: "Type",
    type_is: "Type :",
    description: "Description",
    yes: "oui",
    no: "non",
    body: "Corps de la requête :",
    responses: "Réponses",
    responses_of: "Réponses de",
    status: "Statut",
    example_of: "Exemple de",
    fields_of: "Champs de",
    list_of: "liste de",
    map_of: "objet de",
    one_of: "l’un de",
    or_null: "ou null",
    any: "toute valeur",
    statement: "Accessibilité : partiellement conforme",
    statement_href: "../ui/#/accessibilite",
    footer: "Servi par clausier, sans aucune ressource externe.",
};

const EN: Words = Words {
    lang: "en",
    title: "API documentation",
    skip: "Skip to the content",
    tagline: "policy review",
    review: "Policies and versions",
    nav: "Main navigation",
    other: ("fr", "Français", "?lang=fr"),
    switch: "Language of the page",
    lead: "Each operation of the service's JSON API: its method and path (relative to the service's \
           address, the folder above this page), its parameters, what it takes and what it answers, \
           then the schemas of the data. The descriptions come from the OpenAPI document.",
    document: "The OpenAPI 3.1 document, for tools (client generators, validators):",
    operations: "Operations",
    schemas: "Schemas",
    parameters: "Parameters",
    parameters_of: "Parameters of",
    name: "Name",
    location: "In",
    required: "Required",
    kind: "Type",
    type_is: "Type:",
    description: "Description",
    yes: "yes",
    no: "no",
    body: "Request body:",
    responses: "Responses",
    responses_of: "Responses of",
    status: "Status",
    example_of: "Example of",
    fields_of: "Fields of",
    list_of: "list of",
    map_of: "object of",
    one_of: "one of",
    or_null: "or null",
    any: "any value",
    statement: "Accessibility: partially compliant",
    statement_href: "../ui/?lang=en#/accessibilite",
    footer: "Served by clausier, with no external resource.",
};

/// The page in French and in English, made once from the document.
pub struct DocsPages {
    /// The French page (the default).
    pub fr: String,
    /// The English page.
    pub en: String,
}

impl DocsPages {
    /// Both pages of `document` (the OpenAPI document as JSON).
    pub fn new(document: &Value) -> DocsPages {
        DocsPages {
            fr: page(document, &FR),
            en: page(document, &EN),
        }
    }

    /// The page in `lang`.
    pub fn page(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}

/// Text made safe for HTML (content and attribute values).
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A description from the document: its paragraphs (blank lines apart), lines joined, and
/// `code` in backticks as `<code>`; in English, and said so.
fn prose(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let joined = p.lines().map(str::trim).collect::<Vec<_>>().join(" ");
            let inline: String = joined
                .split('`')
                .enumerate()
                .map(|(i, piece)| {
                    if i % 2 == 1 {
                        format!("<code>{}</code>", esc(piece))
                    } else {
                        esc(piece)
                    }
                })
                .collect();
            format!("<p lang=\"en\">{inline}</p>")
        })
        .collect()
}

/// An id for an anchor: letters, digits, `-` and `_`.
fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The type of a schema in a few words, with a link to each named schema.
fn type_of(schema: &Value, w: &Words) -> String {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return format!(
            "<a href=\"#schema-{}\"><code>{}</code></a>",
            anchor(name),
            esc(name)
        );
    }
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", esc(&v.to_string())))
            .collect();
        return format!("{} {}", w.one_of, values.join(", "));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[key].as_array() {
            let parts: Vec<String> = variants.iter().map(|v| type_of(v, w)).collect();
            return parts.join(" | ");
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = types.contains(&"null");
    let mut out = match types.iter().find(|t| **t != "null").copied() {
        Some("array") => format!("{} {}", w.list_of, type_of(&schema["items"], w)),
        Some("object") if schema["additionalProperties"].is_object() => {
            format!(
                "{} {}",
                w.map_of,
                type_of(&schema["additionalProperties"], w)
            )
        }
        Some(t) => format!("<code>{}</code>", esc(t)),
        None if nullable => String::new(),
        None => w.any.to_string(),
    };
    if let Some(format) = schema["format"].as_str() {
        let _ = write!(out, " (<code>{}</code>)", esc(format));
    }
    if nullable {
        out = if out.is_empty() {
            "<code>null</code>".into()
        } else {
            format!("{out} {}", w.or_null)
        };
    }
    out
}

/// A table in a box that scrolls sideways on a narrow screen, reached with Tab and named.
fn table(label: &str, headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table><thead><tr>",
        esc(label)
    );
    for h in headers {
        let _ = write!(out, "<th scope=\"col\">{h}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = if i == 0 {
                write!(out, "<th scope=\"row\">{cell}</th>")
            } else {
                write!(out, "<td>{cell}</td>")
            };
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// An example as JSON in a disclosure, its code block reachable and named.
fn example(label: &str, value: &Value, w: &Words) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_default();
    format!(
        "<details><summary>{} {}</summary><pre tabindex=\"0\" role=\"region\" aria-label=\"{} {}\">{}</pre></details>",
        w.example_of,
        esc(label),
        w.example_of,
        esc(label),
        esc(&json)
    )
}

/// One operation: its method and path, words, parameters, body and responses.
fn operation(out: &mut String, method: &str, path: &str, op: &Value, w: &Words) {
    let id = op["operationId"].as_str().unwrap_or(path);
    let title = format!("{} {path}", method.to_uppercase());
    let _ = write!(
        out,
        "<section class=\"card operation\" id=\"op-{a}\" aria-labelledby=\"op-{a}-title\">\
         <h3 id=\"op-{a}-title\"><span class=\"method\">{m}</span> <code>{p}</code></h3>",
        a = anchor(id),
        m = method.to_uppercase(),
        p = esc(path)
    );
    out.push_str(&prose(op["summary"].as_str().unwrap_or("")));
    out.push_str(&prose(op["description"].as_str().unwrap_or("")));
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        let _ = write!(out, "<h4>{}</h4>", w.parameters);
        let rows: Vec<Vec<String>> = params
            .iter()
            .map(|p| {
                vec![
                    format!("<code>{}</code>", esc(p["name"].as_str().unwrap_or(""))),
                    esc(p["in"].as_str().unwrap_or("")),
                    (if p["required"] == true { w.yes } else { w.no }).to_string(),
                    type_of(&p["schema"], w),
                    prose(p["description"].as_str().unwrap_or("")),
                ]
            })
            .collect();
        let headers = [w.name, w.location, w.required, w.kind, w.description];
        out.push_str(&table(
            &format!("{} {title}", w.parameters_of),
            &headers,
            &rows,
        ));
    }
    if let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        for (mime, body) in content {
            let _ = write!(
                out,
                "<p>{} <code>{}</code>, {}</p>",
                w.body,
                esc(mime),
                type_of(&body["schema"], w)
            );
            if !body["example"].is_null() {
                out.push_str(&example(
                    &format!("{} ({mime})", title),
                    &body["example"],
                    w,
                ));
            }
        }
    }
    if let Some(responses) = op["responses"].as_object() {
        let _ = write!(out, "<h4>{}</h4>", w.responses);
        let mut examples = String::new();
        let rows: Vec<Vec<String>> = responses
            .iter()
            .map(|(status, r)| {
                let bodies: Vec<String> = r["content"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(mime, body)| {
                        if !body["example"].is_null() {
                            examples.push_str(&example(
                                &format!("{status} — {title}"),
                                &body["example"],
                                w,
                            ));
                        }
                        format!("<code>{}</code> {}", esc(mime), type_of(&body["schema"], w))
                    })
                    .collect();
                vec![
                    format!("<code>{}</code>", esc(status)),
                    prose(r["description"].as_str().unwrap_or("")),
                    bodies.join("<br>"),
                ]
            })
            .collect();
        let headers = [w.status, w.description, w.kind];
        out.push_str(&table(
            &format!("{} {title}", w.responses_of),
            &headers,
            &rows,
        ));
        out.push_str(&examples);
    }
    out.push_str("</section>");
}

/// One schema: its words, and its fields or its variants.
fn schema(out: &mut String, name: &str, s: &Value, w: &Words) {
    let _ = write!(
        out,
        "<section class=\"card schema\" aria-labelledby=\"schema-{a}\"><h3 id=\"schema-{a}\"><code>{n}</code></h3>",
        a = anchor(name),
        n = esc(name)
    );
    out.push_str(&prose(s["description"].as_str().unwrap_or("")));
    if let Some(properties) = s["properties"].as_object() {
        let required: Vec<&str> = s["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let rows: Vec<Vec<String>> = properties
            .iter()
            .map(|(field, p)| {
                vec![
                    format!("<code>{}</code>", esc(field)),
                    (if required.contains(&field.as_str()) {
                        w.yes
                    } else {
                        w.no
                    })
                    .to_string(),
                    type_of(p, w),
                    prose(p["description"].as_str().unwrap_or("")),
                ]
            })
            .collect();
        let headers = [w.name, w.required, w.kind, w.description];
        out.push_str(&table(&format!("{} {name}", w.fields_of), &headers, &rows));
    } else {
        let _ = write!(out, "<p>{} {}</p>", w.type_is, type_of(s, w));
    }
    if !s["example"].is_null() {
        out.push_str(&example(name, &s["example"], w));
    }
    out.push_str("</section>");
}

/// The whole page in the language of `w`.
fn page(document: &Value, w: &Words) -> String {
    // The operations by their first tag, the tags in alphabetical order.
    let mut by_tag: BTreeMap<&str, Vec<(&str, &str, &Value)>> = BTreeMap::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let tag = op
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .unwrap_or("api");
            by_tag.entry(tag).or_default().push((method, path, op));
        }
    }

    let mut toc = String::new();
    let mut body = String::new();
    for (tag, ops) in &by_tag {
        let _ = write!(toc, "<li>{}<ul>", esc(tag));
        let _ = write!(
            body,
            "<h2 class=\"section\" id=\"tag-{}\">{}</h2>",
            anchor(tag),
            esc(tag)
        );
        for (method, path, op) in ops {
            let id = op["operationId"].as_str().unwrap_or(path);
            let _ = write!(
                toc,
                "<li><a href=\"#op-{}\"><span class=\"method\">{}</span> <code>{}</code></a></li>",
                anchor(id),
                method.to_uppercase(),
                esc(path)
            );
            operation(&mut body, method, path, op, w);
        }
        toc.push_str("</ul></li>");
    }
    let _ = write!(
        body,
        "<h2 class=\"section\" id=\"schemas\">{}</h2>",
        w.schemas
    );
    for (name, s) in document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        schema(&mut body, name, s, w);
    }
    let (other_lang, other_name, other_href) = w.other;
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — clausier</title>\n<link rel=\"stylesheet\" href=\"../ui/app.css\">\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">{skip}</a>\n\
         <header class=\"top\"><a class=\"brand\" href=\"../ui/\">clausier</a>\
         <span class=\"tagline\">{tagline}</span>\
         <nav aria-label=\"{nav}\"><ul><li><a href=\"../ui/\">{review}</a></li>\
         <li><a href=\"./\" aria-current=\"page\">{title}</a></li></ul></nav>\
         <p class=\"lang\" role=\"group\" aria-label=\"{switch}\">\
         <a href=\"{other_href}\" hreflang=\"{other_lang}\" lang=\"{other_lang}\">{other_name}</a></p></header>\n\
         <main id=\"main\" tabindex=\"-1\">\n<h1>{title}</h1>\n<p class=\"lead\">{lead}</p>\n\
         <p>{document_words} <a href=\"openapi.json\">openapi.json</a></p>\n\
         <nav class=\"api-toc\" aria-labelledby=\"toc-title\"><h2 id=\"toc-title\">{operations}</h2><ul>{toc}</ul>\
         <p><a href=\"#schemas\">{schemas}</a></p></nav>\n{body}\n</main>\n\
         <footer><p><a href=\"{statement_href}\">{statement}</a></p><p>{footer} \
         <a href=\"../openapi.json\">openapi.json</a></p></footer>\n</body>\n</html>\n",
        lang = w.lang,
        title = w.title,
        skip = w.skip,
        tagline = w.tagline,
        nav = w.nav,
        review = w.review,
        switch = w.switch,
        lead = w.lead,
        document_words = w.document,
        operations = w.operations,
        schemas = w.schemas,
        statement_href = w.statement_href,
        statement = w.statement,
        footer = w.footer,
    )
}
