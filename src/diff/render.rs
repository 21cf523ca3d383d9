//! A diff and an impact printed for a reviewer, in French and in the policy's own terms: as
//! plain text ([`text`], [`impact_text`]) or as markdown to paste in a review ([`markdown`],
//! [`impact_markdown`]).

mod markdown;

use std::fmt::Write as _;

use crate::decision::{Datum, Status};
use crate::diff::*;

pub use markdown::{impact_markdown, markdown};

/// The diff as plain text: one section per kind of change, each change on its line, old → new.
pub fn text(d: &PolicyDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", title(d));
    if !d.metadata.is_empty() {
        section(&mut out, "Version");
        for m in &d.metadata {
            let _ = writeln!(
                out,
                "  {} : {} → {}",
                metadata_label(m.field),
                metadata_value(m.field, m.old.as_deref()),
                metadata_value(m.field, m.new.as_deref())
            );
        }
    }
    if !d.clauses.is_empty() {
        section(&mut out, "Clauses");
        for c in &d.clauses {
            text_clause(&mut out, c);
        }
    }
    if !d.parameters.is_empty() {
        section(&mut out, "Paramètres");
        for p in &d.parameters {
            let _ = writeln!(out, "  {}", parameter_line(p, "`"));
        }
    }
    if !d.conclusions.is_empty() {
        section(&mut out, "Règles");
        for c in &d.conclusions {
            text_conclusion(&mut out, c);
        }
    }
    if !d.definitions.is_empty() {
        section(&mut out, "Définitions");
        for def in &d.definitions {
            let what = format!("Définition {} `{}`", feminine(def.change), def.name);
            text_sides(&mut out, &what, def.old.as_deref(), def.new.as_deref(), 2);
        }
    }
    if !d.inputs.is_empty() {
        section(&mut out, "Champs d'entrée");
        for i in &d.inputs {
            let _ = writeln!(out, "  {}", input_line(i, "`"));
        }
    }
    if !d.types.is_empty() {
        section(&mut out, "Types");
        for t in &d.types {
            let what = format!(
                "Type {} `{}` ({})",
                masculine(t.change),
                t.name,
                kind_fr(t.kind)
            );
            text_sides(&mut out, &what, t.old.as_deref(), t.new.as_deref(), 2);
        }
    }
    for w in &d.warnings {
        let _ = writeln!(out, "\nAttention : {w}");
    }
    let _ = writeln!(out, "\n{}", summary(d));
    out
}

/// The impact as plain text: the counts, each case that changes with its conclusions old → new
/// and their clauses, the invalid cases, and the count of cases per conclusion.
pub fn impact_text(i: &Impact) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", impact_title(i));
    for case in &i.changed {
        let _ = writeln!(out, "\nDossier « {} »", case.case);
        for c in &case.conclusions {
            let _ = writeln!(
                out,
                "  {} : {} → {}",
                c.conclusion,
                outcome(c.old.as_ref()),
                outcome(c.new.as_ref())
            );
            let _ = writeln!(out, "    {}", clauses_line(c));
        }
    }
    for case in &i.invalid {
        let _ = writeln!(out, "\nDossier invalide « {} »", case.case);
        for (version, errors) in [(&i.from.version, &case.old), (&i.to.version, &case.new)] {
            let _ = writeln!(
                out,
                "  sous {version} : {}",
                input_errors(errors.as_deref())
            );
        }
    }
    if !i.by_conclusion.is_empty() {
        let _ = writeln!(out, "\nDossiers qui changent, par conclusion");
        for c in &i.by_conclusion {
            let _ = writeln!(out, "  {} : {}", c.conclusion, cases_fr(c.cases));
        }
    }
    out
}

// ------------------------------------------------------------------------------------ text parts

fn section(out: &mut String, name: &str) {
    let _ = writeln!(out, "\n{name}");
}

fn text_clause(out: &mut String, c: &ClauseDiff) {
    let side = c.new.as_ref().or(c.old.as_ref());
    let section = side.map_or("", |s| s.section.as_str());
    let _ = writeln!(
        out,
        "  Clause {} \"{}\" (section {section})",
        feminine(c.change),
        c.id
    );
    for note in clause_notes(c) {
        let _ = writeln!(out, "    {note}");
    }
    let quoted = match c.change {
        Change::Changed if c.text_diff.is_empty() => return,
        Change::Changed => word_diff_text(&c.text_diff, ("[-", "-]"), ("{+", "+}")),
        _ => side.map(|s| s.text.clone()).unwrap_or_default(),
    };
    let _ = writeln!(out, "    « {quoted} »");
}

/// What changed in a clause besides its text: its section, its `informative` mark.
pub(crate) fn clause_notes(c: &ClauseDiff) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(o), Some(n)) = (&c.old, &c.new) {
        if o.section != n.section {
            notes.push(format!("section : {} → {}", o.section, n.section));
        }
        if o.informative != n.informative {
            notes.push(if n.informative {
                "désormais informative (ne fonde aucune règle)".to_string()
            } else {
                "n'est plus informative".to_string()
            });
        }
    }
    notes
}

/// A word diff with its removed and added runs between the given marks.
pub(crate) fn word_diff_text(
    segments: &[TextSegment],
    removed: (&str, &str),
    added: (&str, &str),
) -> String {
    let parts: Vec<String> = segments
        .iter()
        .map(|s| match s.op {
            SegmentOp::Equal => s.text.clone(),
            SegmentOp::Removed => format!("{}{}{}", removed.0, s.text, removed.1),
            SegmentOp::Added => format!("{}{}{}", added.0, s.text, added.1),
        })
        .collect();
    parts.join(" ")
}

fn text_conclusion(out: &mut String, c: &ConclusionDiff) {
    let _ = writeln!(out, "  {}", conclusion_line(c, "`"));
    for r in &c.rules {
        text_sides(
            out,
            &rule_heading(r, "`"),
            r.old.as_ref().map(|s| s.text.as_str()),
            r.new.as_ref().map(|s| s.text.as_str()),
            4,
        );
    }
}

/// A change's heading line, then the text of each side (both under `avant :` and `après :`
/// when it changed).
fn text_sides(out: &mut String, what: &str, old: Option<&str>, new: Option<&str>, indent: usize) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{what}");
    let block = |out: &mut String, text: &str, extra: usize| {
        for line in text.lines() {
            let _ = writeln!(out, "{pad}{}{line}", " ".repeat(extra));
        }
    };
    match (old, new) {
        (Some(o), Some(n)) => {
            let _ = writeln!(out, "{pad}  avant :");
            block(out, o, 4);
            let _ = writeln!(out, "{pad}  après :");
            block(out, n, 4);
        }
        (Some(t), None) | (None, Some(t)) => block(out, t, 2),
        (None, None) => {}
    }
}

// ------------------------------------------------------------------------------------ shared words

/// `Comparaison de POLICY : OLD → NEW`.
pub(crate) fn title(d: &PolicyDiff) -> String {
    if d.from.id == d.to.id {
        format!(
            "Comparaison de {} : {} → {}",
            d.from.id, d.from.version, d.to.version
        )
    } else {
        format!(
            "Comparaison de {}@{} → {}@{}",
            d.from.id, d.from.version, d.to.id, d.to.version
        )
    }
}

/// The closing line: how many changes of meaning, of which kinds.
pub(crate) fn summary(d: &PolicyDiff) -> String {
    let n = d.changes();
    if n == 0 {
        return "Aucun changement de sens : les deux versions disent la même chose.".into();
    }
    let kinds = [
        (d.clauses.len(), "clause", "clauses"),
        (d.parameters.len(), "paramètre", "paramètres"),
        (d.conclusion_changes(), "conclusion", "conclusions"),
        (d.rule_changes(), "règle", "règles"),
        (d.definitions.len(), "définition", "définitions"),
        (d.inputs.len(), "champ d'entrée", "champs d'entrée"),
        (d.types.len(), "type", "types"),
    ];
    let parts: Vec<String> = kinds
        .iter()
        .filter(|(k, ..)| *k > 0)
        .map(|(k, one, many)| format!("{k} {}", if *k == 1 { one } else { many }))
        .collect();
    let what = if n == 1 {
        "changement de sens"
    } else {
        "changements de sens"
    };
    format!("En tout : {n} {what} ({}).", parts.join(", "))
}

pub(crate) fn metadata_label(field: &str) -> &'static str {
    match field {
        "effective_from" => "En vigueur à partir du",
        "title" => "Titre",
        _ => "Source",
    }
}

pub(crate) fn metadata_value(field: &str, value: Option<&str>) -> String {
    match (field, value) {
        (_, Some(v)) if field == "effective_from" => v.to_string(),
        (_, Some(v)) => format!("« {v} »"),
        ("effective_from", None) => "aucune date (version choisie par son libellé)".into(),
        (_, None) => "aucun".into(),
    }
}

pub(crate) fn feminine(change: Change) -> &'static str {
    match change {
        Change::Added => "ajoutée",
        Change::Removed => "supprimée",
        Change::Changed => "modifiée",
    }
}

pub(crate) fn masculine(change: Change) -> &'static str {
    match change {
        Change::Added => "ajouté",
        Change::Removed => "supprimé",
        Change::Changed => "modifié",
    }
}

fn kind_fr(kind: &str) -> &'static str {
    match kind {
        "enum" => "énumération",
        "record" => "enregistrement",
        _ => "unité",
    }
}

/// True when both lists name the same clauses, in any order.
pub(crate) fn same_clauses(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

fn list_or_none(ids: &[String]) -> String {
    if ids.is_empty() {
        "aucune".into()
    } else {
        ids.join(", ")
    }
}

/// `clause 3-1` or `clauses 3-1, 3-2`.
pub(crate) fn clause_list(ids: &[String]) -> String {
    match ids {
        [] => "aucune clause".into(),
        [one] => format!("clause {one}"),
        many => format!("clauses {}", many.join(", ")),
    }
}

/// `Paramètre `x` : 8 weeks → 4 weeks (clauses 3-1 → mayotte-1, 3-1)`, with names between
/// `quote` marks.
pub(crate) fn parameter_line(p: &ParameterDiff, quote: &str) -> String {
    let value = |s: &ParameterSide| s.value.clone().unwrap_or_else(|| "non défini".into());
    let name = format!("{quote}{}{quote}", p.name);
    match (&p.old, &p.new) {
        (Some(o), Some(n)) => {
            let mut parts = Vec::new();
            if o.ty != n.ty {
                parts.push(format!("type {} → {}", o.ty, n.ty));
            }
            if o.value != n.value {
                parts.push(format!("{} → {}", value(o), value(n)));
            }
            let cites = if same_clauses(&o.citations, &n.citations) {
                clause_list(&n.citations)
            } else {
                format!(
                    "clauses citées : {} → {}",
                    list_or_none(&o.citations),
                    list_or_none(&n.citations)
                )
            };
            if parts.is_empty() {
                parts.push(format!("{} (valeur inchangée)", value(n)));
            }
            format!("Paramètre {name} : {} ({cites})", parts.join(", "))
        }
        (None, Some(n)) => format!(
            "Paramètre ajouté {name} : {} ({})",
            value(n),
            clause_list(&n.citations)
        ),
        (Some(o), None) => format!(
            "Paramètre supprimé {name} (valait {} ; {})",
            value(o),
            clause_list(&o.citations)
        ),
        (None, None) => String::new(),
    }
}

/// `Champ ajouté `a.b` : integer, obligatoire`.
pub(crate) fn input_line(i: &InputDiff, quote: &str) -> String {
    let path = format!("{quote}{}{quote}", i.path);
    match (&i.old, &i.new) {
        (Some(o), Some(n)) => format!(
            "Champ modifié {path} : {} → {}",
            input_side(o),
            input_side(n)
        ),
        (None, Some(n)) => format!("Champ ajouté {path} : {}", input_side(n)),
        (Some(o), None) => format!("Champ supprimé {path} (était : {})", input_side(o)),
        (None, None) => String::new(),
    }
}

pub(crate) fn input_side(s: &InputSide) -> String {
    let presence = match (s.presence, &s.default) {
        ("required", _) => "obligatoire".to_string(),
        ("optional", _) => "facultatif".to_string(),
        (_, Some(d)) => format!("par défaut {d}"),
        (_, None) => "par défaut".to_string(),
    };
    let mut text = format!("{}, {presence}", s.ty);
    if !s.citations.is_empty() {
        let _ = write!(text, " ({})", clause_list(&s.citations));
    }
    text
}

/// `Conclusion `x`` (its rules changed), `Conclusion ajoutée `x` : type`, or a retyping.
pub(crate) fn conclusion_line(c: &ConclusionDiff, quote: &str) -> String {
    let name = format!("{quote}{}{quote}", c.name);
    match (&c.old, &c.new) {
        (Some(o), Some(n)) if o.ty != n.ty => {
            format!("Conclusion {name} : type {} → {}", o.ty, n.ty)
        }
        (Some(_), Some(_)) => format!("Conclusion {name}"),
        (None, Some(n)) => format!("Conclusion ajoutée {name} : {}", n.ty),
        (Some(o), None) => format!("Conclusion supprimée {name} : {}", o.ty),
        (None, None) => String::new(),
    }
}

/// `Exception modifiée `reduced` : clauses citées`.
pub(crate) fn rule_heading(r: &RuleDiff, quote: &str) -> String {
    let kind = r.new.as_ref().or(r.old.as_ref()).map_or("rule", |s| s.kind);
    let (noun, change) = match kind {
        "exception" => ("Exception", feminine(r.change)),
        "member" => ("Membre", masculine(r.change)),
        _ => ("Règle", feminine(r.change)),
    };
    let mut line = format!("{noun} {change} {quote}{}{quote}", r.label);
    if !r.aspects.is_empty() {
        let aspects: Vec<&str> = r.aspects.iter().map(|a| aspect_fr(a)).collect();
        let _ = write!(line, " : {}", aspects.join(", "));
    }
    line
}

fn aspect_fr(aspect: &str) -> &'static str {
    match aspect {
        "kind" => "nature (règle, exception, membre)",
        "overrides" => "règles écartées",
        "condition" => "condition",
        "value" => "valeur donnée",
        _ => "clauses citées",
    }
}

// ------------------------------------------------------------------------------------ impact words

pub(crate) fn impact_title(i: &Impact) -> String {
    let c = &i.counts;
    let mut line = format!(
        "Impact de {} → {} sur {} : {} {}, {} {}",
        i.from.version,
        i.to.version,
        cases_fr(c.cases),
        c.changed,
        if c.changed > 1 { "changent" } else { "change" },
        c.unchanged,
        if c.unchanged > 1 {
            "inchangés"
        } else {
            "inchangé"
        },
    );
    if c.invalid > 0 {
        let _ = write!(
            line,
            ", {} {}",
            c.invalid,
            if c.invalid > 1 {
                "invalides"
            } else {
                "invalide"
            }
        );
    }
    line
}

pub(crate) fn cases_fr(n: usize) -> String {
    format!("{n} dossier{}", if n > 1 { "s" } else { "" })
}

/// A conclusion's result under one version: its value, `indéterminé (manque : …)`, an error,
/// or `absente` when the version has no such conclusion.
pub(crate) fn outcome(o: Option<&Outcome>) -> String {
    let Some(o) = o else {
        return "absente".into();
    };
    match o.status {
        Status::Decided if o.value == Datum::Null => "aucune valeur".into(),
        Status::Decided => o.value.to_string(),
        Status::Undetermined => format!(
            "indéterminé (manque : {})",
            o.missing.as_deref().unwrap_or_default().join(", ")
        ),
        Status::Error => format!("erreur ({})", o.error.as_deref().unwrap_or("")),
    }
}

/// The clauses behind a conclusion under each version.
pub(crate) fn clauses_line(c: &ConclusionChange) -> String {
    let ids = |o: Option<&Outcome>| o.map(|o| o.citations.clone()).unwrap_or_default();
    let (old, new) = (ids(c.old.as_ref()), ids(c.new.as_ref()));
    if old == new {
        format!("clauses : {} (inchangées)", list_or_none(&new))
    } else {
        format!("clauses : {} → {}", list_or_none(&old), list_or_none(&new))
    }
}

pub(crate) fn input_errors(errors: Option<&[crate::json::InputError]>) -> String {
    match errors {
        None => "entrée valide".into(),
        Some(errors) => {
            let parts: Vec<String> = errors
                .iter()
                .map(|e| format!("{} : {}", pointer(&e.pointer), e.message))
                .collect();
            parts.join(" ; ")
        }
    }
}

fn pointer(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}
