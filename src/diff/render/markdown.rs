//! The diff and the impact as markdown, to paste in a review: tables for values, `diff` blocks
//! for rules, struck-out and bold words for clause text.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use super::*;

/// The diff as markdown: a heading per kind of change, tables for the header, parameters and
/// inputs, a `diff` block per changed rule, definition or type.
pub fn markdown(d: &PolicyDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", title(d));
    if !d.metadata.is_empty() {
        let _ = writeln!(out, "\n## Version\n");
        let _ = writeln!(out, "| | `{}` | `{}` |", d.from.version, d.to.version);
        let _ = writeln!(out, "|---|---|---|");
        for m in &d.metadata {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                metadata_label(m.field),
                cell(&metadata_value(m.field, m.old.as_deref())),
                cell(&metadata_value(m.field, m.new.as_deref()))
            );
        }
    }
    if !d.clauses.is_empty() {
        let _ = writeln!(out, "\n## Clauses");
        for c in &d.clauses {
            clause(&mut out, c);
        }
    }
    if !d.parameters.is_empty() {
        parameters(&mut out, &d.parameters);
    }
    if !d.conclusions.is_empty() {
        let _ = writeln!(out, "\n## Règles");
        for c in &d.conclusions {
            let _ = writeln!(out, "\n### {}", conclusion_line(c, "`"));
            for r in &c.rules {
                let _ = writeln!(out, "\n**{}**\n", rule_heading(r, "`"));
                let side = |s: &Option<RuleSide>| s.as_ref().map(|s| s.text.clone());
                diff_block(&mut out, side(&r.old).as_deref(), side(&r.new).as_deref());
            }
        }
    }
    if !d.definitions.is_empty() {
        let _ = writeln!(out, "\n## Définitions");
        for def in &d.definitions {
            let what = format!("Définition {} `{}`", feminine(def.change), def.name);
            let _ = writeln!(out, "\n**{what}**\n");
            diff_block(&mut out, def.old.as_deref(), def.new.as_deref());
        }
    }
    if !d.inputs.is_empty() {
        inputs(&mut out, &d.inputs);
    }
    if !d.types.is_empty() {
        let _ = writeln!(out, "\n## Types");
        for t in &d.types {
            let _ = writeln!(out, "\n**Type {} `{}`**\n", masculine(t.change), t.name);
            diff_block(&mut out, t.old.as_deref(), t.new.as_deref());
        }
    }
    for w in &d.warnings {
        let _ = writeln!(out, "\n> **Attention** : {w}");
    }
    let _ = writeln!(out, "\n**{}**", summary(d));
    out
}

/// The impact as markdown: the counts, a table of every conclusion that changes (case,
/// conclusion, old and new value, clauses of each), the count per conclusion, the invalid cases.
pub fn impact_markdown(i: &Impact) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {}", impact_title(i));
    if !i.changed.is_empty() {
        let _ = writeln!(
            out,
            "\n| Dossier | Conclusion | Avant | Après | Clauses avant | Clauses après |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for case in &i.changed {
            for c in &case.conclusions {
                let ids = |o: &Option<Outcome>| match o {
                    Some(o) if !o.citations.is_empty() => o.citations.join(", "),
                    _ => "—".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {} | {} | {} | {} |",
                    case.case,
                    c.conclusion,
                    cell(&outcome(c.old.as_ref())),
                    cell(&outcome(c.new.as_ref())),
                    ids(&c.old),
                    ids(&c.new)
                );
            }
        }
    }
    if !i.by_conclusion.is_empty() {
        let _ = writeln!(out, "\n### Dossiers qui changent, par conclusion\n");
        let _ = writeln!(out, "| Conclusion | Dossiers |");
        let _ = writeln!(out, "|---|---|");
        for c in &i.by_conclusion {
            let _ = writeln!(out, "| `{}` | {} |", c.conclusion, c.cases);
        }
    }
    if !i.invalid.is_empty() {
        let _ = writeln!(out, "\n### Dossiers invalides\n");
        for case in &i.invalid {
            let _ = writeln!(
                out,
                "- `{}` — sous `{}` : {} ; sous `{}` : {}",
                case.case,
                i.from.version,
                input_errors(case.old.as_deref()),
                i.to.version,
                input_errors(case.new.as_deref())
            );
        }
    }
    out
}

fn clause(out: &mut String, c: &ClauseDiff) {
    let side = c.new.as_ref().or(c.old.as_ref());
    let section = side.map_or("", |s| s.section.as_str());
    let _ = writeln!(
        out,
        "\n### Clause {} `{}` (section {section})\n",
        feminine(c.change),
        c.id
    );
    for note in clause_notes(c) {
        let _ = writeln!(out, "- {note}");
    }
    let quoted = match c.change {
        Change::Changed if c.text_diff.is_empty() => return,
        Change::Changed => word_diff_text(&c.text_diff, ("~~", "~~"), ("**", "**")),
        _ => side.map(|s| s.text.clone()).unwrap_or_default(),
    };
    let _ = writeln!(out, "> {quoted}");
}

fn parameters(out: &mut String, parameters: &[ParameterDiff]) {
    let _ = writeln!(out, "\n## Paramètres\n");
    let _ = writeln!(out, "| Paramètre | Avant | Après | Clauses |");
    let _ = writeln!(out, "|---|---|---|---|");
    for p in parameters {
        let typed = p
            .old
            .as_ref()
            .zip(p.new.as_ref())
            .is_some_and(|(o, n)| o.ty != n.ty);
        let side = |s: &Option<ParameterSide>, absent: &str| match s {
            None => absent.to_string(),
            Some(s) => {
                let value = s.value.clone().unwrap_or_else(|| "non défini".into());
                if typed {
                    format!("{value} ({})", s.ty)
                } else {
                    value
                }
            }
        };
        let cites = match (&p.old, &p.new) {
            (Some(o), Some(n)) if !same_clauses(&o.citations, &n.citations) => {
                format!("{} → {}", o.citations.join(", "), n.citations.join(", "))
            }
            (_, Some(s)) | (Some(s), None) => s.citations.join(", "),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            p.name,
            cell(&side(&p.old, "— (ajouté)")),
            cell(&side(&p.new, "— (supprimé)")),
            cites
        );
    }
}

fn inputs(out: &mut String, inputs: &[InputDiff]) {
    let _ = writeln!(out, "\n## Champs d'entrée\n");
    let _ = writeln!(out, "| Champ | Avant | Après |");
    let _ = writeln!(out, "|---|---|---|");
    for i in inputs {
        let side = |s: &Option<InputSide>, absent: &str| {
            s.as_ref().map_or_else(|| absent.to_string(), input_side)
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            i.path,
            cell(&side(&i.old, "— (ajouté)")),
            cell(&side(&i.new, "— (supprimé)"))
        );
    }
}

/// A fenced `diff` block: the lines of the old text marked `-`, the new `+`, the common ` `.
fn diff_block(out: &mut String, old: Option<&str>, new: Option<&str>) {
    let old = old.map(|t| format!("{t}\n")).unwrap_or_default();
    let new = new.map(|t| format!("{t}\n")).unwrap_or_default();
    let fence = if old.contains("```") || new.contains("```") {
        "````"
    } else {
        "```"
    };
    let _ = writeln!(out, "{fence}diff");
    for change in TextDiff::from_lines(&old, &new).iter_all_changes() {
        let mark = match change.tag() {
            ChangeTag::Equal => ' ',
            ChangeTag::Delete => '-',
            ChangeTag::Insert => '+',
        };
        let _ = writeln!(out, "{mark}{}", change.value().trim_end_matches('\n'));
    }
    let _ = writeln!(out, "{fence}");
}

/// Text made safe for a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
