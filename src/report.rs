//! A decision as a person reads it: each conclusion under its label, its value in words, why,
//! and the quoted clauses. `clausier eval --format text` prints it; names stand where the policy
//! gives no label in the language asked.

use std::fmt::Write as _;

use crate::decision::{Datum, Decision, Status};
use crate::eval::{Source, words};
use crate::model::{Lang, Type};
use crate::prepared::Prepared;

/// The words a report uses.
struct Words {
    version: &'static str,
    undetermined: &'static str,
    missing: &'static str,
    error: &'static str,
    /// Before each hint.
    would_change: &'static str,
    /// Before each fact of `because` (English only: French lists them as bullets).
    because: &'static str,
    /// Before each interpretation a value rests on.
    reading: &'static str,
    trace: &'static str,
}

const FR: Words = Words {
    version: "version",
    undetermined: "indéterminé",
    missing: "manque",
    error: "erreur",
    would_change: "changerait la décision :",
    because: "•",
    reading: "interprétation",
    trace: "trace",
};
const EN: Words = Words {
    version: "version",
    undetermined: "undetermined",
    missing: "missing",
    error: "error",
    would_change: "would change:",
    because: "because",
    reading: "reading",
    trace: "trace",
};

fn words_of(lang: Lang) -> &'static Words {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// A conclusion's value in words: enum values under their labels, dates and numbers as people
/// write them; the value as the decision gives it when its conclusion has no label.
pub fn value_words(policy: &Prepared, conclusion: usize, value: &Datum, lang: Lang) -> String {
    let labelled = policy.labels.conclusion(conclusion, lang).is_some();
    let ty = policy.conclusions.get(conclusion).map(|c| &c.ty);
    match ty {
        Some(ty) if labelled => datum_words(policy, ty, value, lang),
        _ => value.to_string(),
    }
}

/// A value of type `ty` in words (enum values under their labels, dates and numbers as people
/// write them).
pub fn datum_words(policy: &Prepared, ty: &Type, value: &Datum, lang: Lang) -> String {
    match (value, ty.base()) {
        (Datum::Null, _) => words::nothing(lang).to_string(),
        (Datum::Bool(b), _) => words::yes_no(*b, lang).to_string(),
        (Datum::Text(name), Type::Enum(e)) => {
            let variant = policy
                .types
                .enums
                .get(*e)
                .and_then(|en| en.variants.iter().position(|v| **v == **name));
            variant
                .and_then(|v| policy.labels.variant(*e, v, lang))
                .map_or_else(|| name.to_string(), str::to_string)
        }
        (Datum::Text(d), Type::Date) => d
            .parse()
            .map_or_else(|_| d.to_string(), |d| words::date(d, lang)),
        (Datum::Number(n), _) => {
            let v = crate::model::Value::Num(*n);
            words::value(&policy.types, &policy.labels, Some(ty), &v, lang)
        }
        (Datum::Record(fields), Type::Record(r)) => {
            let info = policy.types.records.get(*r);
            let parts: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(f, (name, v))| {
                    let label = policy.labels.field(*r, f, lang).unwrap_or(name);
                    let ty = info
                        .and_then(|i| i.fields.get(f))
                        .map_or(&Type::Any, |i| &i.ty);
                    let sep = if lang == Lang::Fr { " : " } else { ": " };
                    format!("{label}{sep}{}", datum_words(policy, ty, v, lang))
                })
                .collect();
            parts.join(", ")
        }
        (Datum::List(items), _) => {
            let elem = ty.element().unwrap_or(&Type::Any);
            let parts: Vec<String> = items
                .iter()
                .map(|i| datum_words(policy, elem, i, lang))
                .collect();
            words::join(&parts, lang)
        }
        _ => value.to_string(),
    }
}

/// Conclusion `i` in one sentence, under its label in `lang`: « Admission à l'épreuve E6.1 :
/// refusé », « Durée de stage exigée : indéterminée (il manque : nombre de pages du
/// rapport) ». Its name stands where the policy gives no label.
pub fn sentence(
    policy: &Prepared,
    i: usize,
    c: &crate::decision::ConclusionResult,
    lang: Lang,
) -> String {
    let w = words_of(lang);
    let name = policy.conclusions.get(i).map_or("", |c| c.name.as_str());
    let (label, sep) = heading(policy, i, name, lang);
    match c.status {
        Status::Decided => format!("{label}{sep}{}", value_words(policy, i, &c.value, lang)),
        Status::Undetermined => {
            let missing: Vec<String> = c
                .missing
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|m| missing_words(policy, m, lang))
                .collect();
            format!(
                "{label}{sep}{} ({}{sep}{})",
                w.undetermined,
                w.missing,
                missing.join(", ")
            )
        }
        Status::Error => format!("{label}{sep}{}", w.error),
    }
}

/// Conclusion `i` (named `name`) under its label, capitalised, or its name; and what separates
/// it from its value in `lang`.
fn heading(policy: &Prepared, i: usize, name: &str, lang: Lang) -> (String, &'static str) {
    let label = policy
        .labels
        .conclusion(i, lang)
        .map_or_else(|| name.to_string(), words::capitalised);
    (label, if lang == Lang::Fr { " : " } else { ": " })
}

/// A missing fact under its label: an input or a parameter, else its path.
fn missing_words(policy: &Prepared, path: &str, lang: Lang) -> String {
    let input = policy.inputs.iter().position(|i| i.path == path);
    let label = input
        .and_then(|s| policy.labels.input(s, lang))
        .or_else(|| {
            let p = policy.params.iter().position(|p| p.name == path)?;
            policy.labels.param(p, lang)
        });
    label.map_or_else(|| path.to_string(), str::to_string)
}

/// A conclusion's value as the decision gives it, with its unit when it has one: `12 weeks`.
fn with_unit(c: &crate::decision::ConclusionResult) -> String {
    match &c.unit {
        Some(unit) => format!("{} {unit}", c.value),
        None => c.value.to_string(),
    }
}

/// What brought a clause that no rule cites into a conclusion, in words: « via le paramètre
/// durée normale du stage » (under its label), `via parameter normal_weeks` (without one).
pub fn via_words(policy: &Prepared, source: Source, lang: Lang) -> String {
    let (name, label) = match source {
        Source::Param(k) => (
            policy.params.get(k).map(|p| p.name.as_str()),
            policy.labels.param(k, lang),
        ),
        Source::Def(k) => (
            policy.defs.get(k).map(|d| d.name.as_str()),
            policy.labels.def(k, lang),
        ),
    };
    let name = match label {
        Some(label) => format!("« {label} »"),
        None => name.unwrap_or_default().to_string(),
    };
    let kind = match (source, lang) {
        (Source::Param(_), Lang::Fr) => "le paramètre",
        (Source::Def(_), Lang::Fr) => "la définition",
        (Source::Param(_), Lang::En) => "parameter",
        (Source::Def(_), Lang::En) => "definition",
    };
    format!("via {kind} {name}")
}

/// The decision for a reader: each conclusion, its value, why, and the quoted clauses.
pub fn text(policy: &Prepared, d: &Decision, lang: Lang) -> String {
    let w = words_of(lang);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} {} (sha256 {})",
        d.policy.id,
        w.version,
        d.policy.version,
        d.policy.sha256.get(..12).unwrap_or("")
    );
    for (name, c) in &d.conclusions.0 {
        // By name: a decision may hold only some of the policy's conclusions (an interview's).
        let i = policy
            .conclusions
            .iter()
            .position(|k| k.name == **name)
            .unwrap_or(usize::MAX);
        let _ = writeln!(out);
        let (label, sep) = heading(policy, i, name, lang);
        match c.status {
            Status::Decided if label == **name => {
                let _ = writeln!(out, "{name} = {}", with_unit(c));
            }
            Status::Decided => {
                let value = value_words(policy, i, &c.value, lang);
                let _ = writeln!(out, "{label}{sep}{value}  ({name} = {})", with_unit(c));
            }
            Status::Undetermined => {
                let _ = writeln!(out, "{}", sentence(policy, i, c, lang));
            }
            Status::Error => {
                let error = c.error.as_deref().unwrap_or("");
                let _ = writeln!(out, "{label}{sep}{}{sep}{error}", w.error);
            }
        }
        for b in c.because.as_deref().unwrap_or_default() {
            match lang {
                // The facts are sentences of their own: `Voie de formation : voie scolaire`.
                Lang::Fr => {
                    let _ = writeln!(out, "  • {b}");
                }
                Lang::En => {
                    let _ = writeln!(out, "  {} {b}", w.because);
                }
            }
        }
        for cit in &c.citations {
            match cit.source {
                Some(source) => {
                    let via = via_words(policy, source, lang);
                    let _ = writeln!(out, "  [{}] « {} » ({via})", cit.clause, cit.text);
                }
                None => {
                    let _ = writeln!(out, "  [{}] « {} »", cit.clause, cit.text);
                }
            }
        }
        for note in &c.interpretations {
            let sep = if lang == Lang::Fr { " : " } else { ": " };
            let _ = writeln!(out, "  {} ({}){sep}{}", w.reading, note.of, note.text);
        }
        for h in c.hints.as_deref().unwrap_or_default() {
            let clauses: Vec<&str> = h.clauses.iter().map(|c| &**c).collect();
            let _ = writeln!(
                out,
                "  {} {} [{}]",
                w.would_change,
                h.text,
                clauses.join(", ")
            );
        }
    }
    if let Some(trace) = &d.trace {
        let _ = writeln!(out, "\n{}:", w.trace);
        for t in trace {
            let because = if t.because.is_empty() {
                String::new()
            } else {
                format!(" — {}", t.because.join("; "))
            };
            let _ = writeln!(
                out,
                "  {}.{} ({} at {}): condition {}, {}{because}",
                t.conclusion, t.rule, t.kind, t.at, t.condition, t.outcome,
            );
            if let Some(note) = &t.reading {
                let _ = writeln!(out, "    {}: {note}", w.reading);
            }
        }
    }
    out
}
