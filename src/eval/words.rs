//! Values in words, for a fact that has a label in the language asked: `12 semaines`,
//! `16 avril 2027`, `oui`, `voie scolaire`, `1,5 page`. A fact without a label keeps the
//! identifier form of [`crate::eval::explain::render_value`], so that nothing is half
//! translated.

use chrono::{Datelike, NaiveDate};

use crate::model::{Labels, Lang, Type, TypeTable, Unit, Value};

/// The month names, January first.
pub(crate) const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
pub(crate) const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as people write it: `16 avril 2027`, `16 April 2027` (`1er mai` in French).
pub fn date(d: NaiveDate, lang: Lang) -> String {
    let month = usize::try_from(d.month0()).unwrap_or(0);
    match lang {
        Lang::Fr => {
            let day = if d.day() == 1 {
                "1er".to_string()
            } else {
                d.day().to_string()
            };
            let name = MONTHS_FR.get(month).copied().unwrap_or_default();
            format!("{day} {name} {}", d.year())
        }
        Lang::En => {
            let name = MONTHS_EN.get(month).copied().unwrap_or_default();
            format!("{} {name} {}", d.day(), d.year())
        }
    }
}

/// Yes or no.
pub fn yes_no(b: bool, lang: Lang) -> &'static str {
    match (lang, b) {
        (Lang::Fr, true) => "oui",
        (Lang::Fr, false) => "non",
        (Lang::En, true) => "yes",
        (Lang::En, false) => "no",
    }
}

/// The word for no value.
pub fn nothing(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "néant",
        Lang::En => "none",
    }
}

/// The word for an unknown value.
pub fn unknown(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "inconnu",
        Lang::En => "unknown",
    }
}

/// `a, b et c`, `a, b and c`.
pub fn join(items: &[String], lang: Lang) -> String {
    let and = match lang {
        Lang::Fr => " et ",
        Lang::En => " and ",
    };
    match items {
        [] => nothing(lang).to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}{and}{last}", init.join(", ")),
    }
}

/// The text with its first letter in capitals: a label at the start of a line.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A value in words. Enum values take their labels (their names when they have none); numbers
/// are written with a decimal comma in French and their unit's word, singular below 2 in French
/// and for exactly 1 in English.
pub fn value(
    types: &TypeTable,
    labels: &Labels,
    ty: Option<&Type>,
    v: &Value,
    lang: Lang,
) -> String {
    match v {
        Value::None => nothing(lang).to_string(),
        Value::Bool(b) => yes_no(*b, lang).to_string(),
        Value::Num(n) => {
            let digits = match lang {
                Lang::Fr => n.to_string().replace('.', ","),
                Lang::En => n.to_string(),
            };
            let unit = match ty.map(Type::base) {
                Some(Type::Num { unit, .. }) if *unit != Unit::None => *unit,
                _ => return digits,
            };
            let singular = match lang {
                Lang::Fr => n.abs() < rust_decimal::Decimal::TWO,
                Lang::En => n.abs() == rust_decimal::Decimal::ONE,
            };
            let word = labels
                .unit(unit, lang, singular)
                .map_or_else(|| types.unit_name(unit).to_string(), str::to_string);
            format!("{digits} {word}")
        }
        Value::Date(d) => date(*d, lang),
        Value::Enum(e, i) => {
            let (e, i) = (*e as usize, *i as usize);
            labels.variant(e, i, lang).map_or_else(
                || {
                    types
                        .enums
                        .get(e)
                        .and_then(|en| en.variants.get(i))
                        .cloned()
                        .unwrap_or_default()
                },
                str::to_string,
            )
        }
        Value::Text(t) => match lang {
            Lang::Fr => format!("« {t} »"),
            Lang::En => format!("“{t}”"),
        },
        Value::List(items) | Value::Set(items) => {
            if items.iter().any(|i| matches!(i, Value::Record(_))) {
                return match (lang, items.len()) {
                    (Lang::Fr, 1) => "1 élément".to_string(),
                    (Lang::Fr, n) => format!("{n} éléments"),
                    (Lang::En, 1) => "1 entry".to_string(),
                    (Lang::En, n) => format!("{n} entries"),
                };
            }
            let elem = ty.and_then(Type::element);
            let parts: Vec<String> = items
                .iter()
                .map(|i| value(types, labels, elem, i, lang))
                .collect();
            join(&parts, lang)
        }
        Value::Record(_) => "…".to_string(),
        Value::Missing(_) => unknown(lang).to_string(),
    }
}

/// A fact in words: `Voie de formation : voie scolaire` (`Training pathway: school`).
pub fn fact(label: &str, value: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("{} : {value}", capitalised(label)),
        Lang::En => format!("{}: {value}", capitalised(label)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_people_write_them() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(date(d(2027, 4, 16), Lang::Fr), "16 avril 2027");
        assert_eq!(date(d(2027, 5, 1), Lang::Fr), "1er mai 2027");
        assert_eq!(date(d(2027, 4, 16), Lang::En), "16 April 2027");
    }

    #[test]
    fn lists_end_with_and() {
        let items = ["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(join(&items, Lang::Fr), "a, b et c");
        assert_eq!(join(&items[..1], Lang::En), "a");
        assert_eq!(join(&[], Lang::Fr), "néant");
    }
}
