//! `clausier interview`: the guided interview in a terminal, one question at a time, ending in
//! the decision.

use std::io::BufRead;
use std::path::PathBuf;

use serde_json::Value as Json;

use crate::cli::eval::{Which, load};
use crate::cli::{FINDINGS, OK, TROUBLE};
use clausier::Lang;
use clausier::Prepared;
use clausier::interview::{Question, ValueType};
use clausier::json::{Absence, parse_date, read_facts_as};
use clausier::request::{InterviewOptions, RequestError};

/// Arguments of `clausier interview`.
#[derive(clap::Args, Debug)]
pub(crate) struct InterviewArgs {
    #[command(flatten)]
    which: Which,
    /// The answers known already (a JSON record); the others are asked on standard input.
    input: Option<PathBuf>,
    /// The conclusions wanted, separated by commas (default: all).
    #[arg(long, value_delimiter = ',')]
    conclusions: Option<Vec<String>>,
    /// The language of the questions and the decision: `fr` or `en`.
    #[arg(long, default_value = "fr", value_parser = crate::cli::eval::parse_lang)]
    lang: Lang,
}

/// `fr` or `en`, as the language asks.
fn say(lang: Lang, fr: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

pub(crate) fn run(args: &InterviewArgs) -> u8 {
    let (folder, label) = match load(&args.which) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let Some(policy) = folder.version(&label) else {
        return TROUBLE;
    };
    let mut record = match &args.input {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Json>(&t).map_err(|e| e.to_string()))
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return TROUBLE;
            }
        },
        None => Json::Object(serde_json::Map::new()),
    };
    let lang = args.lang;
    let mut options = InterviewOptions {
        conclusions: args.conclusions.clone(),
        lang,
        ..InterviewOptions::default()
    };
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        let interview = match clausier::request::interview(policy, &record, &options) {
            Ok(i) => i,
            Err(RequestError::Invalid(errors)) => {
                for e in errors {
                    // A name the policy does not declare was given on the command line, not
                    // in a request's `conclusions`: said as `eval` says it.
                    let at = if e.pointer.starts_with("/conclusions") {
                        "--conclusions"
                    } else {
                        e.pointer.as_str()
                    };
                    eprintln!("error: {at}: {}", e.in_lang(lang).message);
                }
                return FINDINGS;
            }
            Err(RequestError::Malformed(e)) => {
                eprintln!("error: {e}");
                return FINDINGS;
            }
            Err(RequestError::Bad(e)) => {
                eprintln!("error: {}", e.get(lang));
                return FINDINGS;
            }
            Err(RequestError::Exceeded(e)) => {
                eprintln!("error: {}", e.said().get(lang));
                return FINDINGS;
            }
        };
        let question = match interview.questions.first() {
            Some(q) if !interview.done => q,
            _ => {
                out!(
                    "{}",
                    clausier::report::text(policy, &interview.decision, lang)
                );
                return OK;
            }
        };
        outln!("{}", prompt(policy, question, lang));
        // Asked until the answer reads, or the input ends.
        loop {
            out!("> ");
            let Some(Ok(line)) = lines.next() else {
                outln!("");
                return OK;
            };
            match answer(policy, &record, question, line.trim(), lang) {
                Ok(Some(value)) => {
                    set(&mut record, &question.path, value);
                    break;
                }
                Ok(None) => {
                    options.unknown.push(question.path.clone());
                    break;
                }
                Err(reason) => outln!("{reason}"),
            }
        }
    }
}

/// The question as printed: its words, what it is for, and how to answer.
fn prompt(policy: &Prepared, q: &Question, lang: Lang) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = write!(out, "{}", q.question.as_deref().unwrap_or(&q.label));
    if q.label != q.path {
        let _ = write!(out, " ({})", q.path);
    }
    let _ = writeln!(out);
    if let Some(help) = &q.help {
        let _ = writeln!(out, "  {help}");
    }
    if !q.conclusions.is_empty() {
        // The conclusions it can change, by their labels where the policy gives them.
        let names: Vec<&str> = q
            .conclusions
            .iter()
            .map(|c| {
                policy
                    .conclusions
                    .iter()
                    .position(|k| k.name == **c)
                    .and_then(|i| policy.labels.conclusion(i, lang))
                    .unwrap_or(c)
            })
            .collect();
        let _ = writeln!(
            out,
            "  {} {}",
            say(lang, "peut changer :", "can change:"),
            names.join(", ")
        );
    }
    match &q.ty {
        ValueType::Enum { values, .. } => {
            for (i, c) in values.iter().enumerate() {
                let same = c.label == c.value;
                let name = if same {
                    c.value.clone()
                } else {
                    format!("{} ({})", c.label, c.value)
                };
                let _ = writeln!(out, "  {}. {name}", i + 1);
            }
        }
        other => {
            let _ = writeln!(out, "  {}", kind(other, lang));
        }
    }
    if let Some(d) = &q.default {
        let _ = writeln!(out, "  {} {d}", say(lang, "par défaut :", "default:"));
    }
    if q.optional {
        let _ = writeln!(
            out,
            "  {}",
            say(lang, "`aucun` s'il n'y en a pas", "`none` if there is none")
        );
    }
    let _ = write!(
        out,
        "  {}",
        say(
            lang,
            "(`?` ou une ligne vide : je ne sais pas)",
            "(`?` or an empty line: unknown)"
        )
    );
    out
}

/// How to write an answer of type `ty`.
fn kind(ty: &ValueType, lang: Lang) -> &'static str {
    match ty {
        ValueType::Boolean => say(lang, "oui ou non", "yes or no"),
        ValueType::Enum { .. } => say(
            lang,
            "le nom ou le numéro d'une valeur",
            "a value's name or number",
        ),
        ValueType::Integer { .. } => say(lang, "un nombre entier", "a whole number"),
        ValueType::Decimal { .. } => say(lang, "un nombre", "a number"),
        ValueType::Date => say(lang, "une date AAAA-MM-JJ", "a date YYYY-MM-DD"),
        ValueType::Text => say(lang, "un texte", "a text"),
        ValueType::List { element } | ValueType::Set { element }
            if matches!(**element, ValueType::Enum { .. }) =>
        {
            say(
                lang,
                "les noms ou numéros des valeurs, séparés par des virgules (`aucune` s'il n'y en a pas)",
                "the values' names or numbers, separated by commas (`none` for none)",
            )
        }
        ValueType::List { .. } | ValueType::Set { .. } => say(
            lang,
            "une liste JSON, sur une ligne",
            "a JSON array, on one line",
        ),
        ValueType::Record { .. } => say(
            lang,
            "un objet JSON, sur une ligne",
            "a JSON object, on one line",
        ),
    }
}

/// The answer in `line` as the record's JSON value; none for "unknown"; the reason it does not
/// read otherwise. The answer is checked against the policy's declared inputs.
fn answer(
    policy: &Prepared,
    record: &Json,
    q: &Question,
    line: &str,
    lang: Lang,
) -> Result<Option<Json>, String> {
    if line.is_empty() || line == "?" {
        return Ok(None);
    }
    let value = if q.optional
        && matches!(
            line.to_lowercase().as_str(),
            "none" | "null" | "aucun" | "aucune" | "sans objet" | "néant"
        ) {
        Json::Null
    } else {
        parse(&q.ty, line, lang)?
    };
    let mut tried = record.clone();
    set(&mut tried, &q.path, value.clone());
    match read_facts_as(policy, &tried, Absence::Unanswered) {
        Ok(_) => Ok(Some(value)),
        Err(errors) => Err(errors
            .iter()
            .map(|e| e.in_lang(lang).message)
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

fn parse(ty: &ValueType, line: &str, lang: Lang) -> Result<Json, String> {
    let fr = lang == Lang::Fr;
    match ty {
        ValueType::Boolean => match line.to_lowercase().as_str() {
            "oui" | "o" | "true" | "yes" | "y" => Ok(Json::Bool(true)),
            "non" | "n" | "false" | "no" => Ok(Json::Bool(false)),
            _ if fr => Err(format!("`{line}` n'est ni oui ni non")),
            _ => Err(format!("`{line}` is not yes or no")),
        },
        ValueType::Enum { values, .. } => {
            let by_number = line
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| values.get(i));
            by_number
                .or_else(|| values.iter().find(|c| c.value == line || c.label == line))
                .map(|c| Json::String(c.value.clone()))
                .ok_or_else(|| {
                    let names: Vec<&str> = values.iter().map(|c| c.value.as_str()).collect();
                    let (names, n) = (names.join(", "), values.len());
                    if fr {
                        format!(
                            "`{line}` n'est pas une des valeurs : donnez un nom ({names}) ou un numéro de 1 à {n}"
                        )
                    } else {
                        format!(
                            "`{line}` is not one of the values: give a name ({names}) or a number from 1 to {n}"
                        )
                    }
                })
        }
        ValueType::Integer { .. } | ValueType::Decimal { .. } => {
            let text = line.replace(',', ".");
            match serde_json::from_str::<Json>(&text) {
                Ok(n @ Json::Number(_)) => Ok(n),
                _ if fr => Err(format!("`{line}` n'est pas un nombre")),
                _ => Err(format!("`{line}` is not a number")),
            }
        }
        ValueType::Date => match parse_date(line) {
            Some(_) => Ok(Json::String(line.to_string())),
            None if fr => Err(format!(
                "`{line}` n'est pas une date : écrire AAAA-MM-JJ, par exemple 2027-04-16"
            )),
            None => Err(format!(
                "`{line}` is not a date: expected YYYY-MM-DD, like 2027-04-16"
            )),
        },
        ValueType::Text => Ok(Json::String(line.to_string())),
        // A list of values: their names or numbers, separated by commas (`1, 3, 4`); `[]` or
        // `aucune` for none.
        ValueType::List { element } | ValueType::Set { element }
            if matches!(**element, ValueType::Enum { .. }) && !line.starts_with('[') =>
        {
            if matches!(line.to_lowercase().as_str(), "aucune" | "aucun" | "none") {
                return Ok(Json::Array(Vec::new()));
            }
            line.split(',')
                .map(|item| parse(element, item.trim(), lang))
                .collect::<Result<Vec<Json>, String>>()
                .map(Json::Array)
        }
        ValueType::List { .. } | ValueType::Set { .. } | ValueType::Record { .. } => {
            serde_json::from_str(line).map_err(|e| {
                if fr {
                    format!("ce n'est pas du JSON : {e}")
                } else {
                    format!("not JSON: {e}")
                }
            })
        }
    }
}

/// Puts `value` at the dotted `path` of `record`, making the groups on the way.
fn set(record: &mut Json, path: &str, value: Json) {
    let mut here = record;
    let mut segments = path.split('.').peekable();
    while let Some(key) = segments.next() {
        if !here.is_object() {
            *here = Json::Object(serde_json::Map::new());
        }
        let Json::Object(map) = here else {
            return;
        };
        if segments.peek().is_none() {
            map.insert(key.to_string(), value);
            return;
        }
        here = map
            .entry(key.to_string())
            .or_insert_with(|| Json::Object(serde_json::Map::new()));
    }
}
