//! A diff and an impact printed for a reviewer, in French (or English on request) and in the
//! policy's own terms: as plain text ([`text`], [`impact_text`]) or as markdown to paste in a
//! review ([`markdown`], [`impact_markdown`]), or both in one document ([`report_text`],
//! [`report_markdown`]).

mod markdown;

use std::fmt::Write as _;

use crate::decision::{Datum, Status};
use crate::diff::*;
use crate::model::Lang;

/// The language a diff is said in, and its words.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Say(pub Lang);

impl Say {
    /// `fr` in French, `en` in English.
    pub(crate) fn t(self, fr: &'static str, en: &'static str) -> &'static str {
        match self.0 {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// What separates a name from its value: ` : ` in French, `: ` in English.
    pub(crate) fn colon(self) -> &'static str {
        self.t(" : ", ": ")
    }
}

pub use markdown::{impact_markdown, markdown};

/// The whole review as plain text: the diff, then the impact when cases were replayed.
pub fn report_text(d: &PolicyDiff, i: Option<&Impact>, lang: Lang) -> String {
    then(text(d, lang), i.map(|i| impact_text(i, lang)))
}

/// The whole review as one markdown document (to attach to a circular): the diff, then the
/// impact when cases were replayed.
pub fn report_markdown(d: &PolicyDiff, i: Option<&Impact>, lang: Lang) -> String {
    then(markdown(d, lang), i.map(|i| impact_markdown(i, lang)))
}

fn then(mut first: String, second: Option<String>) -> String {
    if let Some(second) = second {
        first.push('\n');
        first.push_str(&second);
    }
    first
}

/// The diff as plain text: one section per kind of change, each change on its line, old → new.
pub fn text(d: &PolicyDiff, lang: Lang) -> String {
    let say = Say(lang);
    let mut out = String::new();
    let _ = writeln!(out, "{}", title(d, say));
    if !d.metadata.is_empty() {
        section(&mut out, "Version");
        for m in &d.metadata {
            let _ = writeln!(
                out,
                "  {}{} {} → {}",
                metadata_label(m.field, say),
                say.colon().trim_end(),
                metadata_value(m.field, m.old.as_deref(), say),
                metadata_value(m.field, m.new.as_deref(), say)
            );
        }
    }
    if !d.clauses.is_empty() {
        section(&mut out, "Clauses");
        for c in &d.clauses {
            text_clause(&mut out, c, say);
        }
    }
    if !d.parameters.is_empty() {
        section(&mut out, say.t("Paramètres", "Parameters"));
        for p in &d.parameters {
            let _ = writeln!(out, "  {}", parameter_line(p, "`", say));
        }
    }
    if !d.conclusions.is_empty() {
        section(&mut out, say.t("Règles", "Rules"));
        for c in &d.conclusions {
            text_conclusion(&mut out, c, say);
        }
    }
    if !d.definitions.is_empty() {
        section(&mut out, say.t("Définitions", "Definitions"));
        for def in &d.definitions {
            let what = definition_heading(def, say);
            text_sides(
                &mut out,
                &what,
                def.old.as_deref(),
                def.new.as_deref(),
                (2, say),
            );
        }
    }
    if !d.inputs.is_empty() {
        section(&mut out, say.t("Champs d'entrée", "Input fields"));
        for i in &d.inputs {
            let _ = writeln!(out, "  {}", input_line(i, "`", say));
        }
    }
    if !d.types.is_empty() {
        section(&mut out, "Types");
        for t in &d.types {
            let what = type_heading(t, say);
            text_sides(
                &mut out,
                &what,
                t.old.as_deref(),
                t.new.as_deref(),
                (2, say),
            );
        }
    }
    for w in &d.warnings {
        let _ = writeln!(out, "\n{}{w}", say.t("Attention : ", "Warning: "));
    }
    let _ = writeln!(out, "\n{}", summary(d, say));
    out
}

/// `Définition modifiée `x``, `Definition changed `x``; `: interprétation ajoutée` when its
/// note changed.
pub(crate) fn definition_heading(def: &DefinitionDiff, say: Say) -> String {
    let mut line = match say.0 {
        Lang::Fr => format!("Définition {} `{}`", feminine(def.change, say), def.name),
        Lang::En => format!("Definition {} `{}`", feminine(def.change, say), def.name),
    };
    if def.aspects.contains(&"reading") {
        // In the canonical layout, a definition's note is its line `  reading "…"`.
        fn has_note(text: Option<&String>) -> Option<&String> {
            text.filter(|t| t.contains("\n  reading \""))
        }
        let words = reading_words(has_note(def.old.as_ref()), has_note(def.new.as_ref()), say);
        let _ = write!(line, "{}{words}", say.colon());
    }
    line
}

/// An interpretation note added, removed or changed, in words.
fn reading_words(old: Option<&String>, new: Option<&String>, say: Say) -> &'static str {
    match (old, new) {
        (None, Some(_)) => say.t("interprétation ajoutée", "reading added"),
        (Some(_), None) => say.t("interprétation supprimée", "reading removed"),
        _ => say.t("interprétation modifiée", "reading changed"),
    }
}

/// `Type modifié `x` (énumération)`, `Type changed `x` (enum)`.
pub(crate) fn type_heading(t: &TypeDiff, say: Say) -> String {
    format!(
        "Type {} `{}` ({})",
        masculine(t.change, say),
        t.name,
        kind_words(t.kind, say)
    )
}

/// The impact as plain text: the counts, each case that changes with its conclusions old → new
/// and their clauses, the invalid cases, and the count of cases per conclusion.
pub fn impact_text(i: &Impact, lang: Lang) -> String {
    let say = Say(lang);
    let mut out = String::new();
    let _ = writeln!(out, "{}", impact_title(i, say));
    for case in &i.changed {
        let _ = writeln!(out, "\n{} « {} »", say.t("Dossier", "Case"), case.case);
        for c in &case.conclusions {
            let _ = writeln!(
                out,
                "  {}{}{} → {}",
                c.conclusion,
                say.colon(),
                outcome(c.old.as_ref(), say),
                outcome(c.new.as_ref(), say)
            );
            let _ = writeln!(out, "    {}", clauses_line(c, say));
        }
    }
    for (list, added) in [(&i.added, true), (&i.removed, false)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{} ({})",
            one_sided_heading(i, added, say),
            say.t(
                "ne comptent pas parmi les dossiers qui changent",
                "not counted among the cases that change"
            )
        );
        for c in list.iter() {
            let _ = writeln!(
                out,
                "  {}{}{}",
                c.conclusion,
                say.colon(),
                outcome_counts(c, say)
            );
        }
    }
    for case in &i.invalid {
        let _ = writeln!(
            out,
            "\n{} « {} »",
            say.t("Dossier invalide", "Invalid case"),
            case.case
        );
        for (version, errors) in [(&i.from.version, &case.old), (&i.to.version, &case.new)] {
            let _ = writeln!(
                out,
                "  {} {version}{}{}",
                say.t("sous", "under"),
                say.colon(),
                input_errors(errors.as_deref(), say)
            );
        }
    }
    if !i.by_conclusion.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            say.t(
                "Dossiers qui changent, par conclusion",
                "Cases that change, by conclusion"
            )
        );
        for c in &i.by_conclusion {
            let _ = writeln!(
                out,
                "  {}{}{}",
                c.conclusion,
                say.colon(),
                cases_words(c.cases, say)
            );
        }
    }
    out
}

// ------------------------------------------------------------------------------------ text parts

fn section(out: &mut String, name: &str) {
    let _ = writeln!(out, "\n{name}");
}

fn text_clause(out: &mut String, c: &ClauseDiff, say: Say) {
    let side = c.new.as_ref().or(c.old.as_ref());
    let section = side.map_or("", |s| s.section.as_str());
    let _ = writeln!(
        out,
        "  Clause {} \"{}\" (section {section})",
        feminine(c.change, say),
        c.id
    );
    for note in clause_notes(c, say) {
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
pub(crate) fn clause_notes(c: &ClauseDiff, say: Say) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(o), Some(n)) = (&c.old, &c.new) {
        if o.section != n.section {
            notes.push(format!(
                "section{}{} → {}",
                say.colon(),
                o.section,
                n.section
            ));
        }
        if o.informative != n.informative {
            notes.push(if n.informative {
                say.t(
                    "désormais informative (ne fonde aucune règle)",
                    "now informative (sets no rule)",
                )
                .to_string()
            } else {
                say.t("n'est plus informative", "no longer informative")
                    .to_string()
            });
        }
        if n.informative && o.reason != n.reason {
            let reason = |r: &Option<String>| {
                r.as_ref().map_or_else(
                    || say.t("aucune", "none").to_string(),
                    |r| format!("« {r} »"),
                )
            };
            notes.push(format!(
                "{}{}{} → {}",
                say.t("raison d'être informative", "reason for being informative"),
                say.colon(),
                reason(&o.reason),
                reason(&n.reason)
            ));
        }
    }
    notes
}

/// What became of an interpretation note between two sides: `None` when it is the same.
pub(crate) fn reading_note(old: Option<&String>, new: Option<&String>, say: Say) -> Option<String> {
    let c = say.colon();
    match (old, new) {
        (Some(o), Some(n)) if o != n => Some(format!(
            "{}{c}« {o} » → « {n} »",
            say.t("interprétation modifiée", "reading changed")
        )),
        (None, Some(n)) => Some(format!(
            "{}{c}« {n} »",
            say.t("interprétation ajoutée", "reading added")
        )),
        (Some(o), None) => Some(format!(
            "{}{c}« {o} »",
            say.t("interprétation supprimée", "reading removed")
        )),
        _ => None,
    }
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

fn text_conclusion(out: &mut String, c: &ConclusionDiff, say: Say) {
    let _ = writeln!(out, "  {}", conclusion_line(c, "`", say));
    for r in &c.rules {
        text_sides(
            out,
            &rule_heading(r, "`", say),
            r.old.as_ref().map(|s| s.text.as_str()),
            r.new.as_ref().map(|s| s.text.as_str()),
            (4, say),
        );
    }
}

/// A change's heading line, then the text of each side (both under `avant :` and `après :`
/// when it changed).
fn text_sides(
    out: &mut String,
    what: &str,
    old: Option<&str>,
    new: Option<&str>,
    (indent, say): (usize, Say),
) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{what}");
    let block = |out: &mut String, text: &str, extra: usize| {
        for line in text.lines() {
            let _ = writeln!(out, "{pad}{}{line}", " ".repeat(extra));
        }
    };
    match (old, new) {
        (Some(o), Some(n)) => {
            let _ = writeln!(out, "{pad}  {}", say.t("avant :", "before:"));
            block(out, o, 4);
            let _ = writeln!(out, "{pad}  {}", say.t("après :", "after:"));
            block(out, n, 4);
        }
        (Some(t), None) | (None, Some(t)) => block(out, t, 2),
        (None, None) => {}
    }
}

// ------------------------------------------------------------------------------------ shared words

/// `Comparaison de POLICY : OLD → NEW`.
pub(crate) fn title(d: &PolicyDiff, say: Say) -> String {
    let of = say.t("Comparaison de", "Comparison of");
    if d.from.id == d.to.id {
        format!(
            "{of} {}{}{} → {}",
            d.from.id,
            say.colon(),
            d.from.version,
            d.to.version
        )
    } else {
        format!(
            "{of} {}@{} → {}@{}",
            d.from.id, d.from.version, d.to.id, d.to.version
        )
    }
}

/// The closing line: how many changes of meaning, of which kinds.
pub(crate) fn summary(d: &PolicyDiff, say: Say) -> String {
    let n = d.changes();
    if n == 0 {
        return say
            .t(
                "Aucun changement de sens : les deux versions disent la même chose.",
                "No change of meaning: both versions say the same.",
            )
            .into();
    }
    let kinds = [
        (d.clauses.len(), "clause", "clauses"),
        (
            d.parameters.len(),
            say.t("paramètre", "parameter"),
            say.t("paramètres", "parameters"),
        ),
        (d.conclusion_changes(), "conclusion", "conclusions"),
        (
            d.rule_changes(),
            say.t("règle", "rule"),
            say.t("règles", "rules"),
        ),
        (
            d.definitions.len(),
            say.t("définition", "definition"),
            say.t("définitions", "definitions"),
        ),
        (
            d.inputs.len(),
            say.t("champ d'entrée", "input field"),
            say.t("champs d'entrée", "input fields"),
        ),
        (d.types.len(), "type", "types"),
    ];
    let parts: Vec<String> = kinds
        .iter()
        .filter(|(k, ..)| *k > 0)
        .map(|(k, one, many)| format!("{k} {}", if *k == 1 { one } else { many }))
        .collect();
    let what = match (n, say.0) {
        (1, Lang::Fr) => "changement de sens",
        (_, Lang::Fr) => "changements de sens",
        (1, Lang::En) => "change of meaning",
        (_, Lang::En) => "changes of meaning",
    };
    format!(
        "{} {n} {what} ({}).",
        say.t("En tout :", "In all:"),
        parts.join(", ")
    )
}

pub(crate) fn metadata_label(field: &str, say: Say) -> &'static str {
    match field {
        "effective_from" => say.t("En vigueur à partir du", "Effective from"),
        "title" => say.t("Titre", "Title"),
        _ => "Source",
    }
}

pub(crate) fn metadata_value(field: &str, value: Option<&str>, say: Say) -> String {
    match (field, value) {
        (_, Some(v)) if field == "effective_from" => v.to_string(),
        (_, Some(v)) => format!("« {v} »"),
        ("effective_from", None) => say
            .t(
                "aucune date (version choisie par son libellé)",
                "no date (version chosen by its label)",
            )
            .into(),
        (_, None) => say.t("aucun", "none").into(),
    }
}

/// What happened to a feminine noun (`clause ajoutée`); in English, to any noun.
pub(crate) fn feminine(change: Change, say: Say) -> &'static str {
    match change {
        Change::Added => say.t("ajoutée", "added"),
        Change::Removed => say.t("supprimée", "removed"),
        Change::Changed => say.t("modifiée", "changed"),
    }
}

/// What happened to a masculine noun (`type ajouté`); in English, to any noun.
pub(crate) fn masculine(change: Change, say: Say) -> &'static str {
    match change {
        Change::Added => say.t("ajouté", "added"),
        Change::Removed => say.t("supprimé", "removed"),
        Change::Changed => say.t("modifié", "changed"),
    }
}

fn kind_words(kind: &str, say: Say) -> &'static str {
    match kind {
        "enum" => say.t("énumération", "enum"),
        "record" => say.t("enregistrement", "record"),
        _ => say.t("unité", "unit"),
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

fn list_or_none(ids: &[String], say: Say) -> String {
    if ids.is_empty() {
        say.t("aucune", "none").into()
    } else {
        ids.join(", ")
    }
}

/// `clause 3-1` or `clauses 3-1, 3-2`.
pub(crate) fn clause_list(ids: &[String], say: Say) -> String {
    match ids {
        [] => say.t("aucune clause", "no clause").into(),
        [one] => format!("clause {one}"),
        many => format!("clauses {}", many.join(", ")),
    }
}

/// `Paramètre `x` : 8 weeks → 4 weeks (clauses 3-1 → mayotte-1, 3-1)`, with names between
/// `quote` marks.
pub(crate) fn parameter_line(p: &ParameterDiff, quote: &str, say: Say) -> String {
    let value = |s: &ParameterSide| {
        s.value
            .clone()
            .unwrap_or_else(|| say.t("non défini", "not set").into())
    };
    let c = say.colon();
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
            parts.extend(reading_note(o.reading.as_ref(), n.reading.as_ref(), say));
            let cites = if same_clauses(&o.citations, &n.citations) {
                clause_list(&n.citations, say)
            } else {
                format!(
                    "{}{c}{} → {}",
                    say.t("clauses citées", "clauses cited"),
                    list_or_none(&o.citations, say),
                    list_or_none(&n.citations, say)
                )
            };
            if parts.is_empty() {
                let same = say.t("valeur inchangée", "value unchanged");
                parts.push(format!("{} ({same})", value(n)));
            }
            let noun = say.t("Paramètre", "Parameter");
            format!("{noun} {name}{c}{} ({cites})", parts.join(", "))
        }
        (None, Some(n)) => format!(
            "{} {name}{c}{} ({})",
            say.t("Paramètre ajouté", "Parameter added"),
            value(n),
            clause_list(&n.citations, say)
        ),
        (Some(o), None) => format!(
            "{} {name} ({} {} ; {})",
            say.t("Paramètre supprimé", "Parameter removed"),
            say.t("valait", "was"),
            value(o),
            clause_list(&o.citations, say)
        ),
        (None, None) => String::new(),
    }
}

/// `Champ ajouté `a.b` : integer, obligatoire`.
pub(crate) fn input_line(i: &InputDiff, quote: &str, say: Say) -> String {
    let path = format!("{quote}{}{quote}", i.path);
    let c = say.colon();
    match (&i.old, &i.new) {
        (Some(o), Some(n)) => format!(
            "{} {path}{c}{} → {}",
            say.t("Champ modifié", "Field changed"),
            input_side(o, say),
            input_side(n, say)
        ),
        (None, Some(n)) => format!(
            "{} {path}{c}{}",
            say.t("Champ ajouté", "Field added"),
            input_side(n, say)
        ),
        (Some(o), None) => format!(
            "{} {path} ({}{})",
            say.t("Champ supprimé", "Field removed"),
            say.t("était : ", "was: "),
            input_side(o, say)
        ),
        (None, None) => String::new(),
    }
}

pub(crate) fn input_side(s: &InputSide, say: Say) -> String {
    let presence = match (s.presence, &s.default) {
        ("required", _) => say.t("obligatoire", "required").to_string(),
        ("optional", _) => say.t("facultatif", "optional").to_string(),
        (_, Some(d)) => format!("{} {d}", say.t("par défaut", "default")),
        (_, None) => say.t("par défaut", "default").to_string(),
    };
    let mut text = format!("{}, {presence}", s.ty);
    if !s.citations.is_empty() {
        let _ = write!(text, " ({})", clause_list(&s.citations, say));
    }
    text
}

/// `Conclusion `x`` (its rules changed), `Conclusion ajoutée `x` : type`, or a retyping.
pub(crate) fn conclusion_line(c: &ConclusionDiff, quote: &str, say: Say) -> String {
    let name = format!("{quote}{}{quote}", c.name);
    let colon = say.colon();
    match (&c.old, &c.new) {
        (Some(o), Some(n)) if o.ty != n.ty => {
            format!("Conclusion {name}{colon}type {} → {}", o.ty, n.ty)
        }
        (Some(o), Some(n)) if o.table != n.table => {
            let side =
                |t: &Option<String>| t.clone().unwrap_or_else(|| say.t("règles", "rules").into());
            format!(
                "Conclusion {name}{colon}{} → {}",
                side(&o.table),
                side(&n.table)
            )
        }
        (Some(_), Some(_)) => format!("Conclusion {name}"),
        (None, Some(n)) => format!(
            "Conclusion {} {name}{colon}{}",
            feminine(Change::Added, say),
            n.ty
        ),
        (Some(o), None) => format!(
            "Conclusion {} {name}{colon}{}",
            feminine(Change::Removed, say),
            o.ty
        ),
        (None, None) => String::new(),
    }
}

/// `Exception modifiée `reduced` : clauses citées`.
pub(crate) fn rule_heading(r: &RuleDiff, quote: &str, say: Say) -> String {
    let kind = r.new.as_ref().or(r.old.as_ref()).map_or("rule", |s| s.kind);
    let (noun, change) = match kind {
        "exception" => ("Exception", feminine(r.change, say)),
        "member" => (say.t("Membre", "Member"), masculine(r.change, say)),
        "row" => (say.t("Ligne", "Row"), feminine(r.change, say)),
        _ => (say.t("Règle", "Rule"), feminine(r.change, say)),
    };
    let mut line = format!("{noun} {change} {quote}{}{quote}", r.label);
    if !r.aspects.is_empty() {
        let (old, new) = (r.old.as_ref(), r.new.as_ref());
        let aspects: Vec<&str> = (r.aspects.iter())
            .map(|&a| match a {
                "reading" => reading_words(
                    old.and_then(|s| s.reading.as_ref()),
                    new.and_then(|s| s.reading.as_ref()),
                    say,
                ),
                _ => aspect_words(a, say),
            })
            .collect();
        let _ = write!(line, "{}{}", say.colon(), aspects.join(", "));
    }
    line
}

fn aspect_words(aspect: &str, say: Say) -> &'static str {
    match aspect {
        "kind" => say.t(
            "nature (règle, exception, membre, ligne)",
            "kind (rule, exception, member, row)",
        ),
        "overrides" => say.t("règles écartées", "rules overridden"),
        "condition" => "condition",
        "cells" => say.t("cellules", "cells"),
        "value" => say.t("valeur donnée", "value given"),
        "reading" => say.t("interprétation", "reading"),
        _ => say.t("clauses citées", "clauses cited"),
    }
}

// ------------------------------------------------------------------------------------ impact words

pub(crate) fn impact_title(i: &Impact, say: Say) -> String {
    let c = &i.counts;
    let plural =
        |n: usize, fr_one: &'static str, fr_many: &'static str, en: &'static str| match say.0 {
            Lang::Fr if n > 1 => fr_many,
            Lang::Fr => fr_one,
            Lang::En => en,
        };
    let mut line = format!(
        "{} {} → {} {} {}{}{} {}, {} {}",
        say.t("Impact de", "Impact of"),
        i.from.version,
        i.to.version,
        say.t("sur", "on"),
        cases_words(c.cases, say),
        say.colon(),
        c.changed,
        match say.0 {
            Lang::Fr if c.changed > 1 => "changent",
            Lang::Fr => "change",
            Lang::En => "change",
        },
        c.unchanged,
        plural(c.unchanged, "inchangé", "inchangés", "unchanged"),
    );
    if c.invalid > 0 {
        let _ = write!(
            line,
            ", {} {}",
            c.invalid,
            plural(c.invalid, "invalide", "invalides", "invalid")
        );
    }
    let one_sided = [
        (c.conclusions_added, say.t("ajoutée", "added")),
        (c.conclusions_removed, say.t("supprimée", "removed")),
    ];
    for (n, what) in one_sided.into_iter().filter(|(n, _)| *n > 0) {
        let s = if n > 1 && say.0 == Lang::Fr { "s" } else { "" };
        let noun = if n > 1 { "conclusions" } else { "conclusion" };
        let _ = write!(line, "{}{n} {noun} {what}{s}", say.t(" ; ", "; "));
    }
    line
}

/// `Conclusions ajoutées par B`, `Conclusions supprimées par B`.
pub(crate) fn one_sided_heading(i: &Impact, added: bool, say: Say) -> String {
    if added {
        format!(
            "{} {}",
            say.t("Conclusions ajoutées par", "Conclusions added by"),
            i.to.version
        )
    } else {
        format!(
            "{} {}",
            say.t("Conclusions supprimées par", "Conclusions removed by"),
            i.to.version
        )
    }
}

/// What a conclusion only one version has gives the cases, each result once with its cases,
/// in order of first appearance: `50 (2 dossiers : a, b)`.
pub(crate) fn outcome_counts(c: &OneSided, say: Say) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for o in &c.outcomes {
        let said = outcome(Some(&o.outcome), say);
        match groups.iter_mut().find(|(s, _)| *s == said) {
            Some((_, cases)) => cases.push(&o.case),
            None => groups.push((said, vec![&o.case])),
        }
    }
    let parts: Vec<String> = groups
        .into_iter()
        .map(|(said, cases)| {
            format!(
                "{said} ({}{}{})",
                cases_words(cases.len(), say),
                say.colon(),
                cases.join(", ")
            )
        })
        .collect();
    parts.join(say.t(" ; ", "; "))
}

/// `3 dossiers`, `3 cases`.
pub(crate) fn cases_words(n: usize, say: Say) -> String {
    let s = if n > 1 { "s" } else { "" };
    match say.0 {
        Lang::Fr => format!("{n} dossier{s}"),
        Lang::En => format!("{n} case{s}"),
    }
}

/// A conclusion's result under one version: its value, `indéterminé (manque : …)`, an error,
/// or `absente` when the version has no such conclusion.
pub(crate) fn outcome(o: Option<&Outcome>, say: Say) -> String {
    let Some(o) = o else {
        return say.t("absente", "absent").into();
    };
    match o.status {
        Status::Decided if o.value == Datum::Null => say.t("aucune valeur", "no value").into(),
        Status::Decided => o.value.to_string(),
        Status::Undetermined => format!(
            "{} ({}{}{})",
            say.t("indéterminé", "undetermined"),
            say.t("manque", "missing"),
            say.colon(),
            o.missing.as_deref().unwrap_or_default().join(", ")
        ),
        Status::Error => format!(
            "{} ({})",
            say.t("erreur", "error"),
            o.error.as_deref().unwrap_or("")
        ),
    }
}

/// The clauses behind a conclusion under each version.
pub(crate) fn clauses_line(c: &ConclusionChange, say: Say) -> String {
    let ids = |o: Option<&Outcome>| o.map(|o| o.citations.clone()).unwrap_or_default();
    let (old, new) = (ids(c.old.as_ref()), ids(c.new.as_ref()));
    let colon = say.colon();
    if old == new {
        format!(
            "clauses{colon}{} ({})",
            list_or_none(&new, say),
            say.t("inchangées", "unchanged")
        )
    } else {
        format!(
            "clauses{colon}{} → {}",
            list_or_none(&old, say),
            list_or_none(&new, say)
        )
    }
}

pub(crate) fn input_errors(errors: Option<&[crate::json::InputError]>, say: Say) -> String {
    match errors {
        None => say.t("entrée valide", "valid input").into(),
        Some(errors) => {
            let parts: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!(
                        "{}{}{}",
                        pointer(&e.pointer),
                        say.colon(),
                        e.in_lang(say.0).message
                    )
                })
                .collect();
            parts.join(" ; ")
        }
    }
}

fn pointer(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}
