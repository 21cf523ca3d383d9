//! Words for people: the labels a policy gives its inputs, fields, values, conclusions,
//! parameters and units, in French and English, and the questions an interview asks.

use std::sync::Arc;

use crate::model::Unit;

/// A language people read. French is the default: the regulations and their users are French.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// French.
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The ISO 639-1 code (`fr`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language of an ISO 639-1 code or a language tag (`fr`, `en-GB`), if known.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language an `Accept-Language` header prefers among those known: the known tag of
    /// the highest weight, the first of equal weights; none when it names none of them.
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for range in accept_language.split(',') {
            let mut parts = range.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if weight > 0.0 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((lang, weight));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

/// What an error says, in French and in English. Made from one string, it says the same in
/// both (a message from a library, such as the JSON parser's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    fr: String,
    en: String,
}

impl Said {
    /// The message in French and in English.
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            fr: fr.into(),
            en: en.into(),
        }
    }

    /// The message in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}

impl From<String> for Said {
    fn from(s: String) -> Said {
        Said {
            fr: s.clone(),
            en: s,
        }
    }
}

impl From<&str> for Said {
    fn from(s: &str) -> Said {
        Said::from(s.to_string())
    }
}

impl std::fmt::Display for Said {
    /// In English: what logs and tests read.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// One text in each language, where given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Texts {
    /// In French.
    pub fr: Option<Arc<str>>,
    /// In English.
    pub en: Option<Arc<str>>,
}

impl Texts {
    /// The text in `lang`, if given.
    pub fn get(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Fr => self.fr.as_deref(),
            Lang::En => self.en.as_deref(),
        }
    }

    /// Sets the text in `lang`.
    pub fn set(&mut self, lang: Lang, text: &str) {
        let slot = match lang {
            Lang::Fr => &mut self.fr,
            Lang::En => &mut self.en,
        };
        *slot = Some(Arc::from(text));
    }

    /// Whether no language has a text.
    pub fn is_empty(&self) -> bool {
        self.fr.is_none() && self.en.is_none()
    }
}

/// The words for one name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Label {
    /// What it is called (`la voie de formation`).
    pub label: Texts,
    /// For an input, the question an interview asks.
    pub question: Texts,
    /// For an input, a help text shown with the question.
    pub help: Texts,
    /// For a unit, its singular (`semaine`; the label is the plural).
    pub singular: Texts,
}

/// Every label of a compiled policy, by the index of what it labels.
#[derive(Clone, Debug, Default)]
pub struct Labels {
    /// The language the policy declares for its labels, if any.
    pub language: Option<Lang>,
    /// By input slot.
    pub inputs: Vec<Option<Arc<Label>>>,
    /// By record, then field.
    pub fields: Vec<Vec<Option<Arc<Label>>>>,
    /// By enum, then value.
    pub variants: Vec<Vec<Option<Arc<Label>>>>,
    /// By conclusion.
    pub conclusions: Vec<Option<Arc<Label>>>,
    /// By parameter.
    pub params: Vec<Option<Arc<Label>>>,
    /// By definition.
    pub defs: Vec<Option<Arc<Label>>>,
    /// By declared unit.
    pub units: Vec<Option<Arc<Label>>>,
    /// The built-in units: days, weeks, months, years.
    pub builtin_units: [Option<Arc<Label>>; 4],
    /// By conclusion, the values a candidate hopes for (empty when the policy does not say).
    pub favourable: Vec<Vec<crate::model::Value>>,
}

fn text(labels: &[Option<Arc<Label>>], i: usize, lang: Lang) -> Option<&str> {
    labels.get(i)?.as_ref()?.label.get(lang)
}

impl Labels {
    /// The label of input `slot` in `lang`.
    pub fn input(&self, slot: usize, lang: Lang) -> Option<&str> {
        text(&self.inputs, slot, lang)
    }

    /// The words of input `slot`.
    pub fn input_label(&self, slot: usize) -> Option<&Label> {
        self.inputs.get(slot)?.as_deref()
    }

    /// The label of field `field` of record `record` in `lang`.
    pub fn field(&self, record: usize, field: usize, lang: Lang) -> Option<&str> {
        text(self.fields.get(record)?, field, lang)
    }

    /// The label of value `variant` of enum `e` in `lang`.
    pub fn variant(&self, e: usize, variant: usize, lang: Lang) -> Option<&str> {
        text(self.variants.get(e)?, variant, lang)
    }

    /// The label of conclusion `i` in `lang`.
    pub fn conclusion(&self, i: usize, lang: Lang) -> Option<&str> {
        text(&self.conclusions, i, lang)
    }

    /// The label of parameter `i` in `lang`.
    pub fn param(&self, i: usize, lang: Lang) -> Option<&str> {
        text(&self.params, i, lang)
    }

    /// The label of definition `i` in `lang`.
    pub fn def(&self, i: usize, lang: Lang) -> Option<&str> {
        text(&self.defs, i, lang)
    }

    /// How `amount` of `unit` is written in `lang` (`semaines`, `semaine` for one): the
    /// policy's label, else the built-in words of days, weeks, months and years; none for a
    /// declared unit without a label.
    pub fn unit(&self, unit: Unit, lang: Lang, singular: bool) -> Option<&str> {
        let label = match unit {
            Unit::None => return None,
            Unit::Days => self.builtin_units[0].as_deref(),
            Unit::Weeks => self.builtin_units[1].as_deref(),
            Unit::Months => self.builtin_units[2].as_deref(),
            Unit::Years => self.builtin_units[3].as_deref(),
            Unit::Custom(i) => self.units.get(i).and_then(|l| l.as_deref()),
        };
        if let Some(l) = label {
            let word = if singular {
                l.singular.get(lang).or(l.label.get(lang))
            } else {
                l.label.get(lang)
            };
            if word.is_some() {
                return word;
            }
        }
        builtin_unit(unit, lang, singular)
    }
}

/// The words of the built-in units.
fn builtin_unit(unit: Unit, lang: Lang, singular: bool) -> Option<&'static str> {
    let (fr, en) = match (unit, singular) {
        (Unit::Days, false) => ("jours", "days"),
        (Unit::Days, true) => ("jour", "day"),
        (Unit::Weeks, false) => ("semaines", "weeks"),
        (Unit::Weeks, true) => ("semaine", "week"),
        (Unit::Months, _) => ("mois", if singular { "month" } else { "months" }),
        (Unit::Years, false) => ("ans", "years"),
        (Unit::Years, true) => ("an", "year"),
        (Unit::None | Unit::Custom(_), _) => return None,
    };
    Some(match lang {
        Lang::Fr => fr,
        Lang::En => en,
    })
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn accept_language_picks_the_known_language_of_highest_weight() {
        assert_eq!(Lang::negotiate("fr-FR,fr;q=0.9,en;q=0.8"), Some(Lang::Fr));
        assert_eq!(
            Lang::negotiate("de-DE, en-GB;q=0.7, fr;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(Lang::negotiate("en;q=0.3, fr;q=0.6"), Some(Lang::Fr));
        assert_eq!(Lang::negotiate("de, it"), None);
        assert_eq!(Lang::negotiate("en;q=0, fr;q=0"), None);
        assert_eq!(Lang::negotiate(""), None);
    }
}
