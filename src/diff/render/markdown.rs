//! The diff and the impact as markdown, to paste in a review: tables for values, `diff` blocks
//! for rules, struck-out and bold words for clause text.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use super::*;

/// The diff as markdown: a heading per kind of change, tables for the header, parameters and
/// inputs, a `diff` block per changed rule, definition or type.
pub fn markdown(d: &PolicyDiff, lang: Lang) -> String {
    let say = Say(lang);
    let mut out = String::new();
    let _ = writeln!(out, "# {}", title(d, say));
    if !d.metadata.is_empty() {
        let _ = writeln!(out, "\n## Version\n");
        let _ = writeln!(out, "| | `{}` | `{}` |", d.from.version, d.to.version);
        let _ = writeln!(out, "|---|---|---|");
        for m in &d.metadata {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                metadata_label(m.field, say),
                cell(&metadata_value(m.field, m.old.as_deref(), say)),
                cell(&metadata_value(m.field, m.new.as_deref(), say))
            );
        }
    }
    if !d.clauses.is_empty() {
        let _ = writeln!(out, "\n## Clauses");
        for c in &d.clauses {
            clause(&mut out, c, say);
        }
    }
    if !d.parameters.is_empty() {
        parameters(&mut out, &d.parameters, say);
    }
    if !d.conclusions.is_empty() {
        let _ = writeln!(out, "\n## {}", say.t("Règles", "Rules"));
        for c in &d.conclusions {
            let _ = writeln!(out, "\n### {}", conclusion_line(c, "`", say));
            for r in &c.rules {
                let _ = writeln!(out, "\n**{}**\n", rule_heading(r, "`", say));
                let side = |s: &Option<RuleSide>| s.as_ref().map(|s| s.text.clone());
                diff_block(&mut out, side(&r.old).as_deref(), side(&r.new).as_deref());
            }
        }
    }
    if !d.definitions.is_empty() {
        let _ = writeln!(out, "\n## {}", say.t("Définitions", "Definitions"));
        for def in &d.definitions {
            let what = definition_heading(def, say);
            let _ = writeln!(out, "\n**{what}**\n");
            diff_block(&mut out, def.old.as_deref(), def.new.as_deref());
        }
    }
    if !d.inputs.is_empty() {
        inputs(&mut out, &d.inputs, say);
    }
    if !d.types.is_empty() {
        let _ = writeln!(out, "\n## Types");
        for t in &d.types {
            let _ = writeln!(out, "\n**{}**\n", type_heading(t, say));
            diff_block(&mut out, t.old.as_deref(), t.new.as_deref());
        }
    }
    for w in &d.warnings {
        let _ = writeln!(
            out,
            "\n> **{}**{}{w}",
            say.t("Attention", "Warning"),
            say.colon()
        );
    }
    let _ = writeln!(out, "\n**{}**", summary(d, say));
    out
}

/// The impact as markdown: the counts, a table of every conclusion that changes (case,
/// conclusion, old and new value, clauses of each), the count per conclusion, the invalid cases.
pub fn impact_markdown(i: &Impact, lang: Lang) -> String {
    let say = Say(lang);
    let mut out = String::new();
    let _ = writeln!(out, "## {}", impact_title(i, say));
    if !i.changed.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            say.t(
                "| Dossier | Conclusion | Avant | Après | Clauses avant | Clauses après |",
                "| Case | Conclusion | Before | After | Clauses before | Clauses after |"
            )
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
                    cell(&outcome(c.old.as_ref(), say)),
                    cell(&outcome(c.new.as_ref(), say)),
                    ids(&c.old),
                    ids(&c.new)
                );
            }
        }
    }
    if !i.by_conclusion.is_empty() {
        let _ = writeln!(
            out,
            "\n### {}\n",
            say.t(
                "Dossiers qui changent, par conclusion",
                "Cases that change, by conclusion"
            )
        );
        let _ = writeln!(
            out,
            "{}",
            say.t("| Conclusion | Dossiers |", "| Conclusion | Cases |")
        );
        let _ = writeln!(out, "|---|---|");
        for c in &i.by_conclusion {
            let _ = writeln!(out, "| `{}` | {} |", c.conclusion, c.cases);
        }
    }
    for (list, added) in [(&i.added, true), (&i.removed, false)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {}\n", one_sided_heading(i, added, say));
        let _ = writeln!(
            out,
            "{}\n",
            say.t(
                "Elles ne comptent pas parmi les dossiers qui changent.",
                "They are not counted among the cases that change."
            )
        );
        let version = if added {
            &i.to.version
        } else {
            &i.from.version
        };
        let _ = writeln!(
            out,
            "| Conclusion | {} `{version}` |",
            say.t("Valeurs sous", "Values under")
        );
        let _ = writeln!(out, "|---|---|");
        for c in list.iter() {
            let _ = writeln!(
                out,
                "| `{}` | {} |",
                c.conclusion,
                cell(&outcome_counts(c, say))
            );
        }
    }
    if !i.invalid.is_empty() {
        let _ = writeln!(
            out,
            "\n### {}\n",
            say.t("Dossiers invalides", "Invalid cases")
        );
        let under = say.t("sous", "under");
        let colon = say.colon();
        for case in &i.invalid {
            let _ = writeln!(
                out,
                "- `{}` — {under} `{}`{colon}{} ; {under} `{}`{colon}{}",
                case.case,
                i.from.version,
                input_errors(case.old.as_deref(), say),
                i.to.version,
                input_errors(case.new.as_deref(), say)
            );
        }
    }
    out
}

fn clause(out: &mut String, c: &ClauseDiff, say: Say) {
    let side = c.new.as_ref().or(c.old.as_ref());
    let section = side.map_or("", |s| s.section.as_str());
    let _ = writeln!(
        out,
        "\n### Clause {} `{}` (section {section})\n",
        feminine(c.change, say),
        c.id
    );
    for note in clause_notes(c, say) {
        let _ = writeln!(out, "- {note}");
    }
    let quoted = match c.change {
        Change::Changed if c.text_diff.is_empty() => return,
        Change::Changed => word_diff_text(&c.text_diff, ("~~", "~~"), ("**", "**")),
        _ => side.map(|s| s.text.clone()).unwrap_or_default(),
    };
    let _ = writeln!(out, "> {quoted}");
}

fn parameters(out: &mut String, parameters: &[ParameterDiff], say: Say) {
    let _ = writeln!(out, "\n## {}\n", say.t("Paramètres", "Parameters"));
    let _ = writeln!(
        out,
        "{}",
        say.t(
            "| Paramètre | Avant | Après | Clauses |",
            "| Parameter | Before | After | Clauses |"
        )
    );
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
                let value = s
                    .value
                    .clone()
                    .unwrap_or_else(|| say.t("non défini", "not set").into());
                let value = if typed {
                    format!("{value} ({})", s.ty)
                } else {
                    value
                };
                match &s.reading {
                    Some(note) => {
                        let reading = say.t("interprétation", "reading");
                        format!("{value} — {reading}{}« {note} »", say.colon())
                    }
                    None => value,
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
            cell(&side(&p.old, say.t("— (ajouté)", "— (added)"))),
            cell(&side(&p.new, say.t("— (supprimé)", "— (removed)"))),
            cites
        );
    }
}

fn inputs(out: &mut String, inputs: &[InputDiff], say: Say) {
    let _ = writeln!(out, "\n## {}\n", say.t("Champs d'entrée", "Input fields"));
    let _ = writeln!(
        out,
        "{}",
        say.t("| Champ | Avant | Après |", "| Field | Before | After |")
    );
    let _ = writeln!(out, "|---|---|---|");
    for i in inputs {
        let side = |s: &Option<InputSide>, absent: &str| {
            s.as_ref()
                .map_or_else(|| absent.to_string(), |s| input_side(s, say))
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            i.path,
            cell(&side(&i.old, say.t("— (ajouté)", "— (added)"))),
            cell(&side(&i.new, say.t("— (supprimé)", "— (removed)")))
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
