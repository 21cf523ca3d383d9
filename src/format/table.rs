//! A conclusion's decision table in the canonical layout: `table HIT`, `columns | …`, then one
//! row per line, the cells of each column aligned under its heading, the values aligned, and
//! `per` after them. A table wider than [`super::WIDTH`] keeps one row per line (a row is never
//! broken: a reviewer reads it across).

use crate::ast::{Cell, Rule, Table};

use super::expr::{Exprs, Slot};
use super::{quote, spaces, width};

/// A table laid out: its heading lines, then the line of each row (in order).
pub(super) struct Laid {
    /// `table HIT` and `columns | …`.
    pub heading: [String; 2],
    /// One line per row.
    pub rows: Vec<String>,
}

/// The text of a cell.
pub(super) fn cell_text(exprs: &Exprs, cell: &Cell) -> String {
    let flat = |e| exprs.flat(e, Slot::TOP);
    match cell {
        Cell::Any => "-".to_string(),
        Cell::Equal(e) => flat(e),
        Cell::Compare(op, e) => format!("{} {}", op.symbol(), flat(e)),
        Cell::Range {
            low,
            low_open,
            high,
            high_open,
        } => format!(
            "{}{} .. {}{}",
            if *low_open { "]" } else { "[" },
            flat(low),
            flat(high),
            if *high_open { "[" } else { "]" }
        ),
        Cell::In { negated, list } => {
            let word = if *negated { "not in" } else { "in" };
            format!("{word} {}", flat(list))
        }
    }
}

/// A row on its own (an overridden or added row, or one shown in a diff), `head` before its
/// cells (`row L`, `override row c.L`); its `per` on a line of its own, indented by 2, when
/// the row would be wider than [`super::WIDTH`].
pub(super) fn row_line(exprs: &Exprs, head: &str, rule: &Rule) -> String {
    let mut parts = vec![head.to_string()];
    parts.extend(
        rule.cells
            .iter()
            .flatten()
            .map(|c| cell_text(exprs, &c.node)),
    );
    if let Some(value) = &rule.value {
        parts.push(format!("gives {}", exprs.flat(value, Slot::TOP)));
    }
    let mut line = parts.join(" | ");
    if !rule.citations.is_empty() {
        let per = format!("per {}", citations(rule));
        if width(&line) + 2 + width(&per) <= super::WIDTH {
            line.push_str("  ");
        } else {
            line.push_str("\n  ");
        }
        line.push_str(&per);
    }
    line
}

/// The table of a conclusion whose rows are `rows`, aligned.
pub(super) fn lay_out(exprs: &Exprs, table: &Table, rows: &[Rule]) -> Laid {
    let heads: Vec<String> = rows
        .iter()
        .map(|r| format!("row {}", r.label.node))
        .collect();
    let headings: Vec<String> = table
        .columns
        .iter()
        .map(|c| exprs.flat(c, Slot::TOP))
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .flatten()
                .map(|c| cell_text(exprs, &c.node))
                .collect()
        })
        .collect();
    let values: Vec<Option<String>> = rows
        .iter()
        .map(|r| {
            r.value
                .as_ref()
                .map(|v| format!("gives {}", exprs.flat(v, Slot::TOP)))
        })
        .collect();
    // The width of each column: the words before the cells, each cell column, the values.
    let first = heads
        .iter()
        .map(|h| width(h))
        .chain([width("columns")])
        .max()
        .unwrap_or(0);
    let columns = headings
        .len()
        .max(cells.iter().map(Vec::len).max().unwrap_or(0));
    let widths: Vec<usize> = (0..columns)
        .map(|j| {
            let heading = headings.get(j).map_or(0, |h| width(h));
            let cells = cells.iter().filter_map(|r| r.get(j)).map(|c| width(c));
            cells.chain([heading]).max().unwrap_or(0)
        })
        .collect();
    let value_width = values.iter().flatten().map(|v| width(v)).max().unwrap_or(0);
    let heading = [
        format!("table {}", table.hit.node.keyword()),
        aligned(
            std::iter::once(("columns".to_string(), first))
                .chain(headings.iter().zip(&widths).map(|(h, w)| (h.clone(), *w))),
            false,
        ),
    ];
    let rows = rows
        .iter()
        .zip(heads)
        .zip(cells)
        .zip(values)
        .map(|(((rule, head), cells), value)| {
            let mut parts = vec![(head, first)];
            parts.extend(cells.into_iter().zip(widths.iter().copied()));
            let has_citations = !rule.citations.is_empty();
            let valued = value.is_some();
            parts.extend(value.map(|v| (v, value_width)));
            let mut line = aligned(parts, has_citations && valued);
            if has_citations {
                line.push_str("  per ");
                line.push_str(&citations(rule));
            }
            line
        })
        .collect();
    Laid { heading, rows }
}

/// The parts joined by ` | `, each padded to its width but the last unless `pad_last`.
fn aligned(parts: impl IntoIterator<Item = (String, usize)>, pad_last: bool) -> String {
    let parts: Vec<(String, usize)> = parts.into_iter().collect();
    let mut line = String::new();
    let last = parts.len().saturating_sub(1);
    for (i, (text, w)) in parts.into_iter().enumerate() {
        if i > 0 {
            line.push_str(" | ");
        }
        let pad = if i < last || pad_last {
            w.saturating_sub(width(&text))
        } else {
            0
        };
        line.push_str(&text);
        line.push_str(&spaces(pad));
    }
    line
}

fn citations(rule: &Rule) -> String {
    let quoted: Vec<String> = rule.citations.iter().map(|c| quote(&c.node)).collect();
    quoted.join(", ")
}
