//! A hint in one line a person can read: the changes, the value they give, and the quantities
//! they move (« Certificat de stage fourni : oui au lieu de non → admission à l'épreuve E6.1 :
//! admis »). Names and values are said under the policy's labels in the language asked; a name
//! without a label stands as it is. Everything a hint says in words is built here, in one place.

use chrono::NaiveDate;

use super::{Change, Hint};
use crate::decision::Datum;
use crate::eval::words;
use crate::model::{Lang, Type};
use crate::prepared::Prepared;
use crate::report::{datum_words, value_words};

/// The line of `hint`, a hint for conclusion `conclusion`, in `lang`.
pub fn hint_text(policy: &Prepared, conclusion: usize, hint: &Hint, lang: Lang) -> String {
    let changes: Vec<String> = hint
        .changes
        .iter()
        .map(|c| change_text(policy, c, lang))
        .collect();
    let mut out = format!(
        "{} → {}",
        changes.join(" ; "),
        conclusion_text(policy, conclusion, &hint.gives, lang)
    );
    if !hint.effects.is_empty() {
        let effects: Vec<String> = hint
            .effects
            .iter()
            .map(|e| {
                let i = policy.conclusions.iter().position(|c| c.name == e.name);
                match i.and_then(|i| Some((i, policy.labels.conclusion(i, lang)?))) {
                    Some((i, label)) => format!(
                        "{label}{} {} → {}",
                        colon(lang),
                        value_words(policy, i, &e.from, lang),
                        value_words(policy, i, &e.to, lang)
                    ),
                    None => format!("{} : {} → {}", e.name, e.from, e.to),
                }
            })
            .collect();
        out.push_str(&format!(" ({})", effects.join(", ")));
    }
    out
}

fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => " :",
        Lang::En => ":",
    }
}

/// `label : value` of a conclusion, or `name = value` without a label.
fn conclusion_text(policy: &Prepared, i: usize, value: &Datum, lang: Lang) -> String {
    match policy.labels.conclusion(i, lang) {
        Some(label) => format!(
            "{label}{} {}",
            colon(lang),
            value_words(policy, i, value, lang)
        ),
        None => {
            let name = policy.conclusions.get(i).map_or("", |c| c.name.as_str());
            format!("{name} = {value}")
        }
    }
}

/// The label and type of what a change's path names: an input (`report.pages`), a field of an
/// element of a list input (`internship.periods[0].end`), or an element (`employment[1]`).
fn path_words(policy: &Prepared, path: &str, lang: Lang) -> Option<(String, Type)> {
    let (base, rest) = match path.split_once('[') {
        Some((base, rest)) => (base, Some(rest)),
        None => (path, None),
    };
    let slot = policy.inputs.iter().position(|i| i.path == base)?;
    let input = policy.inputs.get(slot)?;
    let of = policy.labels.input(slot, lang)?;
    let Some(rest) = rest else {
        return Some((of.to_string(), input.ty.clone()));
    };
    let (index, field) = match rest.split_once("].") {
        Some((index, field)) => (index, Some(field)),
        None => (rest.trim_end_matches(']'), None),
    };
    let n = index.parse::<u64>().ok()?.saturating_add(1);
    let numbered = match lang {
        Lang::Fr => format!("{of} n° {n}"),
        Lang::En => format!("{of} no. {n}"),
    };
    let elem = input.ty.element()?;
    let Some(field) = field else {
        return Some((numbered, elem.clone()));
    };
    let Type::Record(r) = elem.base() else {
        return None;
    };
    let f = policy
        .types
        .records
        .get(*r)?
        .fields
        .iter()
        .position(|x| x.name == field)?;
    let label = policy.labels.field(*r, f, lang)?;
    let ty = policy.types.records.get(*r)?.fields.get(f)?.ty.clone();
    Some((format!("{label} ({numbered})"), ty))
}

/// One change in words.
fn change_text(policy: &Prepared, c: &Change, lang: Lang) -> String {
    let (label, ty) = match path_words(policy, &c.path, lang) {
        Some((label, ty)) => (words::capitalised(&label), Some(ty)),
        None => (c.path.clone(), None),
    };
    let say = |d: &Datum, ty: Option<&Type>| match ty {
        Some(ty) => datum_words(policy, ty, d, lang),
        None => d.to_string(),
    };
    let elem = ty.as_ref().and_then(Type::element);
    let (instead, absent, add, remove) = match lang {
        Lang::Fr => ("au lieu de", "absent aujourd’hui", "ajouter", "retirer"),
        Lang::En => ("instead of", "absent today", "add", "remove"),
    };
    match (&c.from, &c.to, &c.add, &c.remove) {
        (Some(Datum::Null), Some(to), _, _) => {
            format!("{label}{} {} ({absent})", colon(lang), say(to, ty.as_ref()))
        }
        (Some(from), Some(to), _, _) => {
            let shift = match (date(from), date(to)) {
                (Some(a), Some(b)) => shift(a, b, lang),
                _ => String::new(),
            };
            format!(
                "{label}{} {} {instead} {}{shift}",
                colon(lang),
                say(to, ty.as_ref()),
                say(from, ty.as_ref())
            )
        }
        (_, _, Some(value), _) => format!("{label}{} {add} {}", colon(lang), say(value, elem)),
        (_, _, _, Some(value)) if c.path.ends_with(']') => {
            let _ = value;
            format!("{remove} {label}")
        }
        (_, _, _, Some(value)) => format!("{label}{} {remove} {}", colon(lang), say(value, elem)),
        _ => label,
    }
}

/// ` (28 jours plus tard)`, ` (28 days later)`.
fn shift(a: NaiveDate, b: NaiveDate, lang: Lang) -> String {
    let days = (b - a).num_days();
    let n = days.unsigned_abs();
    match lang {
        Lang::Fr => {
            let later = if days >= 0 { "plus tard" } else { "plus tôt" };
            let unit = if n > 1 { "jours" } else { "jour" };
            format!(" ({n} {unit} {later})")
        }
        Lang::En => {
            let later = if days >= 0 { "later" } else { "earlier" };
            let unit = if n == 1 { "day" } else { "days" };
            format!(" ({n} {unit} {later})")
        }
    }
}

fn date(d: &Datum) -> Option<NaiveDate> {
    match d {
        Datum::Text(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok(),
        _ => None,
    }
}
