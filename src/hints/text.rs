//! A hint in one line a person can read, in French: the changes, the value they give, and the
//! quantities they move (« internship.certificate_provided : true au lieu de false →
//! e61_admission = admis »). Everything a hint says in words is built here, in one place.

use chrono::NaiveDate;

use super::{Change, Hint};
use crate::decision::Datum;

/// The line of `hint`, a hint for conclusion `conclusion`.
pub fn hint_text(conclusion: &str, hint: &Hint) -> String {
    let changes: Vec<String> = hint.changes.iter().map(change_text).collect();
    let mut out = format!("{} → {conclusion} = {}", changes.join(" ; "), hint.gives);
    if !hint.effects.is_empty() {
        let effects: Vec<String> = hint
            .effects
            .iter()
            .map(|e| format!("{} : {} → {}", e.name, e.from, e.to))
            .collect();
        out.push_str(&format!(" ({})", effects.join(", ")));
    }
    out
}

/// One change in words.
fn change_text(c: &Change) -> String {
    match (&c.from, &c.to, &c.add, &c.remove) {
        (Some(Datum::Null), Some(to), _, _) => {
            format!("{} : {to} (absent aujourd’hui)", c.path)
        }
        (Some(from), Some(to), _, _) => {
            let shift = match (date(from), date(to)) {
                (Some(a), Some(b)) => {
                    let days = (b - a).num_days();
                    let later = if days >= 0 { "plus tard" } else { "plus tôt" };
                    let n = days.unsigned_abs();
                    let unit = if n > 1 { "jours" } else { "jour" };
                    format!(" ({n} {unit} {later})")
                }
                _ => String::new(),
            };
            format!("{} : {to} au lieu de {from}{shift}", c.path)
        }
        (_, _, Some(add), _) => format!("{} : ajouter {add}", c.path),
        (_, _, _, Some(remove)) => format!("{} : retirer {remove}", c.path),
        _ => c.path.clone(),
    }
}

fn date(d: &Datum) -> Option<NaiveDate> {
    match d {
        Datum::Text(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok(),
        _ => None,
    }
}
