//! Decision tables: their rows read as rules, and what the checker verifies of them.
//!
//! A row's condition is the conjunction of its cells' tests of their columns (`-` tests
//! nothing); under `first`, each row is an exception to the rows below it, so that the first
//! that applies gives the value; under `unique` and `any` the rows have one rank; under
//! `collect` they are members of a set. Then, over the cells whose bounds are constant
//! (literals, or parameters set in this version):
//! - under `unique`, two rows that can apply together are an error (`table-overlap`);
//! - a value of a column that no row covers is a warning (`table-gap`): the conclusion has no
//!   value there. A numeric column is read from 0 up (regulations count amounts, weeks and
//!   points, not negative quantities); a date column between its smallest and largest bound.

use rust_decimal::Decimal;

use crate::ast::{BinOp, Cell, ConclusionDecl, Expr, ExprKind, HitPolicy, Rule, RuleKind, Table};
use crate::check::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{IrKind, Type, Value};
use crate::span::Spanned;

/// What a cell admits of its column, when its bounds are known.
#[derive(Clone, Debug)]
enum Admits {
    /// Every value.
    All,
    /// The values of these intervals (numbers, and dates as day numbers).
    Ranges(Vec<Interval>),
    /// These values of a finite type (enum values, booleans), by index.
    Values(Vec<usize>),
}

/// An interval of numbers; an end is none when unbounded, and closed when `true`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Interval {
    low: Option<(Decimal, bool)>,
    high: Option<(Decimal, bool)>,
}

/// The kind of values a column holds, for the analysis.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Domain {
    /// Whole numbers.
    Integer,
    /// Numbers.
    Decimal,
    /// Dates, as day numbers.
    Date,
    /// The values of a finite type: how many there are.
    Finite(usize),
}

impl Checker {
    /// The rows of `c`'s table as rules the checker reads like any other: conditions from the
    /// cells, and under `first` each row an exception to the next. None when the table's
    /// shape is wrong (reported).
    pub(super) fn table_rules(&mut self, c: &ConclusionDecl, t: &Table) -> Option<Vec<Rule>> {
        let is_set = matches!(c.ty.node, crate::ast::TypeExpr::Set(_));
        if is_set != (t.hit.node == HitPolicy::Collect) {
            let help = if is_set {
                "a table that gives a set collects the members of every row that applies: write `table collect`"
            } else {
                "`collect` gathers the values of every row into a set: declare the conclusion `set of …`, or choose `first`, `unique` or `any`"
            };
            self.diags.push(
                Diagnostic::error(
                    Code::TableShape,
                    t.hit.span,
                    format!(
                        "the hit policy `{}` does not suit conclusion `{}`",
                        t.hit.node.keyword(),
                        c.name.node
                    ),
                )
                .with_help(help),
            );
            return None;
        }
        // The columns are typed once here, so that an error in one is reported once.
        let mut ok = true;
        for column in &t.columns {
            ok &= self.expr(column, None).is_some();
        }
        let mut rules = Vec::with_capacity(c.rules.len());
        for (i, row) in c.rules.iter().enumerate() {
            let Some(cells) = row.cells.as_ref().filter(|_| row.kind == RuleKind::Row) else {
                self.diags.push(
                    Diagnostic::error(
                        Code::TableShape,
                        row.label.span,
                        format!(
                            "`{}` of `{}` is a rule, not a row",
                            row.label.node, c.name.node
                        ),
                    )
                    .with_help("the rules of a conclusion written as a table are its rows"),
                );
                ok = false;
                continue;
            };
            if cells.len() != t.columns.len() {
                self.diags.push(
                    Diagnostic::error(
                        Code::TableShape,
                        row.label.span,
                        format!(
                            "row `{}` of `{}` has {} for {}",
                            row.label.node,
                            c.name.node,
                            counted(cells.len(), "cell"),
                            counted(t.columns.len(), "column")
                        ),
                    )
                    .with_label("one cell per column")
                    .with_help("write `-` in a column the row does not test"),
                );
                ok = false;
                continue;
            }
            let mut rule = row.clone();
            rule.condition = condition(&t.columns, cells);
            if t.hit.node == HitPolicy::First
                && let Some(next) = c.rules.get(i + 1)
            {
                rule.overrides = vec![next.label.clone()];
            }
            rules.push(rule);
        }
        ok.then_some(rules)
    }

    /// The overlaps of a `unique` table and the gaps of every table but `collect`.
    pub(super) fn table_checks(&mut self, c: &ConclusionDecl, t: &Table) {
        let mut admits: Vec<Vec<Option<Admits>>> = Vec::with_capacity(c.rules.len());
        let mut domains = Vec::with_capacity(t.columns.len());
        let saved = self.diags.len();
        for column in &t.columns {
            let ty = self.expr(column, None).map(|(_, ty)| ty);
            domains.push(ty.as_ref().and_then(|ty| self.domain(ty)).zip(ty));
        }
        for row in &c.rules {
            let cells = row.cells.iter().flatten();
            let row_admits = cells
                .zip(&domains)
                .map(|(cell, d)| {
                    d.as_ref()
                        .and_then(|(d, ty)| self.admits(&cell.node, *d, ty))
                })
                .collect();
            admits.push(row_admits);
        }
        // What the analysis typed again was reported when the rows were checked.
        self.diags.truncate(saved);
        if t.hit.node == HitPolicy::Unique {
            self.overlaps(c, &admits, &domains);
            let known = |cells: &Vec<Option<Admits>>| cells.iter().all(Option::is_some);
            if domains.iter().all(Option::is_some) && admits.iter().all(known) {
                self.told_apart.insert(c.name.node.clone());
            }
        }
        if t.hit.node != HitPolicy::Collect {
            self.gaps(c, t, &admits, &domains);
        }
    }

    fn domain(&self, ty: &Type) -> Option<Domain> {
        match ty {
            Type::Num { integral: true, .. } => Some(Domain::Integer),
            Type::Num { .. } => Some(Domain::Decimal),
            Type::Date => Some(Domain::Date),
            Type::Bool => Some(Domain::Finite(2)),
            Type::Enum(e) => self
                .types
                .enums
                .get(*e)
                .map(|e| Domain::Finite(e.variants.len())),
            _ => None,
        }
    }

    /// The value of `e` whatever the input, typed as `ty`: a literal, a parameter set in this
    /// version, or a computation of them.
    fn known(&mut self, e: &Expr, ty: &Type) -> Option<Value> {
        let (code, _) = self.expr(e, Some(ty))?;
        match &code.kind {
            IrKind::Param(i) => self.param_values.get(*i).cloned().flatten(),
            _ => crate::eval::const_eval(&code).ok(),
        }
    }

    fn admits(&mut self, cell: &Cell, domain: Domain, ty: &Type) -> Option<Admits> {
        let point = |v: &Value| -> Option<Decimal> {
            match v {
                Value::Num(n) => Some(*n),
                Value::Date(d) => Some(Decimal::from(chrono::Datelike::num_days_from_ce(d))),
                _ => None,
            }
        };
        let index = |v: &Value| -> Option<usize> {
            match v {
                Value::Bool(b) => Some(usize::from(*b)),
                Value::Enum(_, i) => usize::try_from(*i).ok(),
                _ => None,
            }
        };
        let finite = matches!(domain, Domain::Finite(_));
        let admits = match cell {
            Cell::Any => Admits::All,
            Cell::Equal(e) | Cell::Compare(BinOp::Ne, e) => {
                let v = self.known(e, ty)?;
                let equal = matches!(cell, Cell::Equal(_));
                if let (true, Domain::Finite(n)) = (finite, domain) {
                    let i = index(&v)?;
                    Admits::Values((0..n).filter(|j| (*j == i) == equal).collect())
                } else {
                    let x = point(&v)?;
                    let at = Interval {
                        low: Some((x, true)),
                        high: Some((x, true)),
                    };
                    if equal {
                        Admits::Ranges(vec![at])
                    } else {
                        Admits::Ranges(vec![
                            Interval {
                                low: None,
                                high: Some((x, false)),
                            },
                            Interval {
                                low: Some((x, false)),
                                high: None,
                            },
                        ])
                    }
                }
            }
            Cell::Compare(op, e) if !finite => {
                let x = point(&self.known(e, ty)?)?;
                let interval = match op {
                    BinOp::Lt => Interval {
                        low: None,
                        high: Some((x, false)),
                    },
                    BinOp::Le => Interval {
                        low: None,
                        high: Some((x, true)),
                    },
                    BinOp::Gt => Interval {
                        low: Some((x, false)),
                        high: None,
                    },
                    _ => Interval {
                        low: Some((x, true)),
                        high: None,
                    },
                };
                Admits::Ranges(vec![interval])
            }
            Cell::Range {
                low,
                low_open,
                high,
                high_open,
            } if !finite => {
                let lo = point(&self.known(low, ty)?)?;
                let hi = point(&self.known(high, ty)?)?;
                Admits::Ranges(vec![Interval {
                    low: Some((lo, !low_open)),
                    high: Some((hi, !high_open)),
                }])
            }
            Cell::In { negated, list } if finite => {
                let Domain::Finite(n) = domain else {
                    return None;
                };
                let list_ty = Type::List(Box::new(ty.clone()));
                let (Value::List(items) | Value::Set(items)) = self.known(list, &list_ty)? else {
                    return None;
                };
                let listed: Vec<usize> = items.iter().filter_map(index).collect();
                Admits::Values((0..n).filter(|j| listed.contains(j) != *negated).collect())
            }
            _ => return None,
        };
        Some(match (admits, domain) {
            (Admits::Ranges(r), Domain::Integer) => {
                Admits::Ranges(r.into_iter().filter_map(whole).collect())
            }
            (Admits::Ranges(r), Domain::Date) => {
                Admits::Ranges(r.into_iter().filter_map(whole).collect())
            }
            (a, _) => a,
        })
    }

    /// Under `unique`, every two rows that can apply together, in the order of the rows. Only
    /// the pairs that can meet in one column are compared in every column ([`candidates`]):
    /// a table of thousands of rows that each name their own value compares none.
    fn overlaps(
        &mut self,
        c: &ConclusionDecl,
        admits: &[Vec<Option<Admits>>],
        domains: &[Option<(Domain, Type)>],
    ) {
        for (i, j) in candidates(admits, domains) {
            let (Some(a), Some(b)) = (admits.get(i), admits.get(j)) else {
                continue;
            };
            let together = a.iter().zip(b).zip(domains).all(|((x, y), d)| {
                let (Some(x), Some(y), Some((d, _))) = (x, y, d) else {
                    // Unknown: the rows may be told apart there.
                    return false;
                };
                meet(x, y, *d)
            });
            let (Some(ra), Some(rb)) = (c.rules.get(i), c.rules.get(j)) else {
                continue;
            };
            if together {
                let example = self.overlap_example(c, a, b, domains);
                self.diags.push(
                    Diagnostic::error(
                        Code::TableOverlap,
                        rb.label.span,
                        format!(
                            "rows `{}` and `{}` of `{}` can apply together, and the table is `unique`",
                            ra.label.node, rb.label.node, c.name.node
                        ),
                    )
                    .with_label(format!("overlaps `{}`", ra.label.node))
                    .with_related(ra.label.span, "this row")
                    .with_help(format!("both apply {example}: tell their cells apart, or make the table `first` (the first row that applies wins) or `any` (rows that apply together give the same value)")),
                );
            }
        }
    }

    /// Where two rows both apply, in words: `when `x` = 2 points`, or `whatever the input`.
    fn overlap_example(
        &self,
        c: &ConclusionDecl,
        a: &[Option<Admits>],
        b: &[Option<Admits>],
        domains: &[Option<(Domain, Type)>],
    ) -> String {
        let Some(t) = &c.table else {
            return String::new();
        };
        let mut parts = Vec::new();
        for (((x, y), d), column) in a.iter().zip(b).zip(domains).zip(&t.columns) {
            let (Some(x), Some(y), Some((d, ty))) = (x, y, d) else {
                continue;
            };
            let column = self.column_text(column);
            let gap = match (x, y) {
                (Admits::All, Admits::All) => continue,
                (Admits::Values(v), Admits::All) | (Admits::All, Admits::Values(v)) => {
                    v.first().map(|i| Gap::Value(*i))
                }
                (Admits::Values(v), Admits::Values(w)) => {
                    v.iter().find(|i| w.contains(i)).map(|i| Gap::Value(*i))
                }
                (Admits::Ranges(r), Admits::All) | (Admits::All, Admits::Ranges(r)) => {
                    r.first().and_then(point_of)
                }
                (Admits::Ranges(r), Admits::Ranges(s)) => r
                    .iter()
                    .flat_map(|i| s.iter().filter_map(move |j| intersect(i, j, *d)))
                    .find_map(|i| point_of(&i)),
                _ => None,
            };
            if let Some(gap) = gap {
                parts.push(self.gap_text(&gap, &column, ty));
            }
        }
        if parts.is_empty() {
            "whatever the input".to_string()
        } else {
            format!("when {}", parts.join(" and "))
        }
    }

    fn gaps(
        &mut self,
        c: &ConclusionDecl,
        t: &Table,
        admits: &[Vec<Option<Admits>>],
        domains: &[Option<(Domain, Type)>],
    ) {
        for (j, (column, domain)) in t.columns.iter().zip(domains).enumerate() {
            let Some((domain, ty)) = domain else { continue };
            let cells: Option<Vec<&Admits>> = admits
                .iter()
                .map(|r| r.get(j).and_then(Option::as_ref))
                .collect();
            let Some(cells) = cells else { continue };
            let Some(gap) = uncovered(&cells, *domain) else {
                continue;
            };
            let column_text = self.column_text(column);
            let example = self.gap_text(&gap, &column_text, ty);
            self.table_gaps.insert(c.name.node.clone());
            self.diags.push(
                Diagnostic::warning(
                    Code::TableGap,
                    column.span,
                    format!("no row of `{}` covers {example}", c.name.node),
                )
                .with_label("this column")
                .with_help(format!(
                    "add a row for {example}, or widen a row's cell: otherwise `{}` has no value there",
                    c.name.node
                )),
            );
        }
    }

    fn column_text(&self, column: &Expr) -> String {
        let mut parts = Vec::new();
        if Checker::dotted(column, &mut parts) {
            parts.join(".")
        } else {
            "the column".to_string()
        }
    }

    fn gap_text(&self, gap: &Gap, column: &str, ty: &Type) -> String {
        let show = |x: &Decimal| -> String {
            match ty {
                Type::Date => {
                    let days = i32::try_from(x.trunc().mantissa()).ok();
                    days.and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
                        .map_or_else(|| x.to_string(), |d| d.to_string())
                }
                Type::Num { unit, .. } => {
                    let unit = self.types.unit_name(*unit);
                    if unit.is_empty() {
                        x.to_string()
                    } else {
                        format!("{x} {unit}")
                    }
                }
                _ => x.to_string(),
            }
        };
        match gap {
            Gap::Value(i) => {
                let name = match ty {
                    Type::Bool => (*i == 1).to_string(),
                    Type::Enum(e) => self
                        .types
                        .enums
                        .get(*e)
                        .and_then(|e| e.variants.get(*i))
                        .cloned()
                        .unwrap_or_default(),
                    _ => i.to_string(),
                };
                format!("`{column}` = {name}")
            }
            Gap::From(x, closed) => {
                let op = if *closed { ">=" } else { ">" };
                format!("`{column}` {op} {}", show(x))
            }
            Gap::Between(lo, hi) => {
                let (lo_op, hi_op) = (if lo.1 { ">=" } else { ">" }, if hi.1 { "<=" } else { "<" });
                if lo.0 == hi.0 {
                    format!("`{column}` = {}", show(&lo.0))
                } else {
                    format!(
                        "`{column}` {lo_op} {} and {hi_op} {}",
                        show(&lo.0),
                        show(&hi.0)
                    )
                }
            }
        }
    }
}

/// `1 cell`, `2 cells`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The condition of a row: its cells' tests, joined by `and`; none when every cell is `-`.
fn condition(columns: &[Expr], cells: &[Spanned<Cell>]) -> Option<Expr> {
    let mut tests = Vec::new();
    for (column, cell) in columns.iter().zip(cells) {
        // The column is read where the cell is written, so that carets point at the cell.
        let col = || Box::new(Expr::new(column.node.clone(), cell.span));
        let test =
            |op, e: &Expr| Expr::new(ExprKind::Binary(op, col(), Box::new(e.clone())), cell.span);
        match &cell.node {
            Cell::Any => {}
            Cell::Equal(e) => tests.push(test(BinOp::Eq, e)),
            Cell::Compare(op, e) => tests.push(test(*op, e)),
            Cell::In { negated, list } => {
                tests.push(test(if *negated { BinOp::NotIn } else { BinOp::In }, list));
            }
            Cell::Range {
                low,
                low_open,
                high,
                high_open,
            } => {
                tests.push(test(if *low_open { BinOp::Gt } else { BinOp::Ge }, low));
                tests.push(test(if *high_open { BinOp::Lt } else { BinOp::Le }, high));
            }
        }
    }
    tests.into_iter().reduce(|a, b| {
        let span = a.span.to(b.span);
        Expr::new(ExprKind::Binary(BinOp::And, Box::new(a), Box::new(b)), span)
    })
}

/// An interval of whole numbers with closed ends (an end that is left out moves to the next
/// whole number); none when it holds none.
fn whole(i: Interval) -> Option<Interval> {
    let low = i.low.map(|(x, closed)| {
        let up = x.ceil();
        if up == x && !closed {
            up + Decimal::ONE
        } else {
            up
        }
    });
    let high = i.high.map(|(x, closed)| {
        let down = x.floor();
        if down == x && !closed {
            down - Decimal::ONE
        } else {
            down
        }
    });
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return None;
    }
    Some(Interval {
        low: low.map(|x| (x, true)),
        high: high.map(|x| (x, true)),
    })
}

/// True when two cells of one column admit a common value.
fn meet(a: &Admits, b: &Admits, domain: Domain) -> bool {
    match (a, b) {
        (Admits::All, _) | (_, Admits::All) => true,
        (Admits::Values(x), Admits::Values(y)) => x.iter().any(|v| y.contains(v)),
        (Admits::Ranges(x), Admits::Ranges(y)) => x
            .iter()
            .any(|i| y.iter().any(|j| intersect(i, j, domain).is_some())),
        _ => true,
    }
}

fn intersect(a: &Interval, b: &Interval, domain: Domain) -> Option<Interval> {
    // The larger lower end, the smaller upper end; at equal ends, the closed one only if both are.
    let low = match (a.low, b.low) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) if x.0 != y.0 => Some(if x.0 > y.0 { x } else { y }),
        (Some(x), Some(y)) => Some((x.0, x.1 && y.1)),
    };
    let high = match (a.high, b.high) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) if x.0 != y.0 => Some(if x.0 < y.0 { x } else { y }),
        (Some(x), Some(y)) => Some((x.0, x.1 && y.1)),
    };
    let i = Interval { low, high };
    match (low, high) {
        (Some(l), Some(h)) if l.0 > h.0 => None,
        (Some(l), Some(h)) if l.0 == h.0 && !(l.1 && h.1) => None,
        _ if matches!(domain, Domain::Integer | Domain::Date) => whole(i),
        _ => Some(i),
    }
}

/// One value of an interval, as a [`Gap`] of one point (or its range when no end is written).
fn point_of(i: &Interval) -> Option<Gap> {
    match (i.low, i.high) {
        (Some((x, true)), _) | (_, Some((x, true))) => Some(Gap::Between((x, true), (x, true))),
        (Some(lo), Some(hi)) => Some(Gap::Between(lo, hi)),
        (Some((x, closed)), None) => Some(Gap::From(x, closed)),
        (None, Some(_)) | (None, None) => None,
    }
}

/// A value that no row covers (or, for an overlap, one that two rows admit).
#[derive(Debug, PartialEq)]
enum Gap {
    /// A value of a finite type, by index.
    Value(usize),
    /// Every number from this one up (closed when it is included).
    From(Decimal, bool),
    /// The numbers between two ends (each with whether it is included).
    Between((Decimal, bool), (Decimal, bool)),
}

/// The first value of the column's domain that no cell admits, if any.
fn uncovered(cells: &[&Admits], domain: Domain) -> Option<Gap> {
    if cells.iter().any(|c| matches!(c, Admits::All)) {
        return None;
    }
    if let Domain::Finite(n) = domain {
        return (0..n)
            .find(|v| {
                !cells
                    .iter()
                    .any(|c| matches!(c, Admits::Values(x) if x.contains(v)))
            })
            .map(Gap::Value);
    }
    let mut intervals: Vec<Interval> = cells
        .iter()
        .filter_map(|c| match c {
            Admits::Ranges(r) => Some(r.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    intervals.sort_by(|a, b| lower_cmp(a.low, b.low));
    let integral = matches!(domain, Domain::Integer | Domain::Date);
    // Numbers from 0 up; dates from the smallest bound written.
    // `reached` is the upper end covered so far, (x, true) when x itself is covered; none
    // once everything above is covered.
    let mut reached: Option<(Decimal, bool)> = match domain {
        Domain::Date => match intervals.first()?.low {
            Some((x, closed)) => Some((x, !closed)),
            None => Some((Decimal::MIN, true)),
        },
        _ => Some((Decimal::ZERO, false)),
    };
    for i in &intervals {
        let Some((upto, covered)) = reached else {
            return None; // covered to infinity
        };
        // Does `i` start at or before the first value not yet covered?
        let starts_in_time = match i.low {
            None => true,
            Some((lo, closed)) => {
                if integral {
                    let next = if covered { upto + Decimal::ONE } else { upto };
                    lo <= next
                } else {
                    lo < upto || (lo == upto && (covered || closed))
                }
            }
        };
        if !starts_in_time {
            let Some((lo, closed)) = i.low else { continue };
            let from = if integral {
                (if covered { upto + Decimal::ONE } else { upto }, true)
            } else {
                (upto, !covered)
            };
            let to = if integral {
                (if closed { lo - Decimal::ONE } else { lo }, true)
            } else {
                (lo, !closed)
            };
            return Some(Gap::Between(from, to));
        }
        reached = match (i.high, reached) {
            (None, _) => None,
            (Some(h), Some(r)) if h.0 > r.0 || (h.0 == r.0 && h.1 && !r.1) => Some(h),
            (_, r) => r,
        };
    }
    if domain == Domain::Date {
        return None;
    }
    reached.map(|(upto, covered)| {
        if integral {
            Gap::From(if covered { upto + Decimal::ONE } else { upto }, true)
        } else {
            Gap::From(upto, !covered)
        }
    })
}

/// The pairs of rows `(i, j)`, `i < j`, sorted, that may meet in every column: all the pairs
/// that meet in one column, chosen as the one where fewest rows admit every value. A row with a
/// cell whose bounds are unknown is told apart from every other (as [`Checker::overlaps`] reads
/// it), and so is every row when a column's type is not analysed. In that column, rows of a
/// finite type meet when they share a value (rows grouped by value); intervals of numbers and
/// dates meet when one starts before the other ends (a sweep in the order of their lower ends,
/// with the intervals not yet ended kept by their upper end). Touching ends are kept as pairs:
/// [`meet`] decides them. The work grows with the rows and the pairs found, not with the square
/// of the rows, unless many rows admit every value of every column.
fn candidates(
    admits: &[Vec<Option<Admits>>],
    domains: &[Option<(Domain, Type)>],
) -> Vec<(usize, usize)> {
    if domains.iter().any(Option::is_none) {
        return Vec::new();
    }
    let rows: Vec<usize> = (0..admits.len())
        .filter(|r| {
            admits
                .get(*r)
                .is_some_and(|cells| cells.iter().all(Option::is_some))
        })
        .collect();
    let cell = |r: usize, column: usize| {
        admits
            .get(r)
            .and_then(|cells| cells.get(column))
            .and_then(Option::as_ref)
    };
    // A cell of another kind than its column's (not from a well-typed table) meets every cell.
    let meets_all = |a: &Admits, domain: Domain| match (a, domain) {
        (Admits::All, _) => true,
        (Admits::Values(_), Domain::Finite(_)) => false,
        (Admits::Ranges(_), Domain::Integer | Domain::Decimal | Domain::Date) => false,
        _ => true,
    };
    let column = (0..domains.len()).min_by_key(|column| {
        let domain = domains
            .get(*column)
            .and_then(Option::as_ref)
            .map(|(d, _)| *d);
        rows.iter()
            .filter(|r| match (cell(**r, *column), domain) {
                (Some(a), Some(d)) => meets_all(a, d),
                _ => true,
            })
            .count()
    });
    let Some((column, Some((domain, _)))) = column.map(|k| (k, domains.get(k).cloned().flatten()))
    else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    let mut pair = |a: usize, b: usize| {
        if a != b {
            pairs.push((a.min(b), a.max(b)));
        }
    };
    let (everything, rest): (Vec<usize>, Vec<usize>) = rows
        .iter()
        .partition(|r| cell(**r, column).is_none_or(|a| meets_all(a, domain)));
    for (k, a) in everything.iter().enumerate() {
        for b in everything.iter().skip(k + 1).chain(&rest) {
            pair(*a, *b);
        }
    }
    match domain {
        Domain::Finite(n) => {
            let mut by_value: Vec<Vec<usize>> = vec![Vec::new(); n];
            for r in &rest {
                if let Some(Admits::Values(values)) = cell(*r, column) {
                    for v in values {
                        if let Some(those) = by_value.get_mut(*v) {
                            for other in those.iter() {
                                pair(*other, *r);
                            }
                            those.push(*r);
                        }
                    }
                }
            }
        }
        Domain::Integer | Domain::Decimal | Domain::Date => {
            let mut intervals: Vec<(Interval, usize)> = rest
                .iter()
                .filter_map(|r| match cell(*r, column) {
                    Some(Admits::Ranges(ranges)) => Some(ranges.iter().map(move |i| (*i, *r))),
                    _ => None,
                })
                .flatten()
                .collect();
            intervals.sort_by(|(a, _), (b, _)| lower_cmp(a.low, b.low));
            // The intervals begun and not yet ended: by upper end, and those without one.
            let mut open: std::collections::BinaryHeap<std::cmp::Reverse<(Decimal, usize)>> =
                std::collections::BinaryHeap::new();
            let mut unbounded: Vec<usize> = Vec::new();
            for (interval, r) in intervals {
                if let Some((low, _)) = interval.low {
                    while open
                        .peek()
                        .is_some_and(|std::cmp::Reverse((high, _))| *high < low)
                    {
                        open.pop();
                    }
                }
                for std::cmp::Reverse((_, other)) in open.iter() {
                    pair(*other, r);
                }
                for other in &unbounded {
                    pair(*other, r);
                }
                match interval.high {
                    Some((high, _)) => open.push(std::cmp::Reverse((high, r))),
                    None => unbounded.push(r),
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn lower_cmp(a: Option<(Decimal, bool)>, b: Option<(Decimal, bool)>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        // A closed end first: it covers its point.
        (Some(x), Some(y)) => x.0.cmp(&y.0).then(y.1.cmp(&x.1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(x: i64) -> Decimal {
        Decimal::from(x)
    }

    fn range(lo: Option<(i64, bool)>, hi: Option<(i64, bool)>) -> Admits {
        Admits::Ranges(vec![Interval {
            low: lo.map(|(x, c)| (d(x), c)),
            high: hi.map(|(x, c)| (d(x), c)),
        }])
    }

    #[test]
    fn whole_numbers_that_follow_each_other_leave_no_gap() {
        let a = range(None, Some((3, true)));
        let b = range(Some((4, true)), None);
        assert_eq!(uncovered(&[&a, &b], Domain::Integer), None);
        // For decimals, the numbers between 3 and 4 are left out.
        assert_eq!(
            uncovered(&[&a, &b], Domain::Decimal),
            Some(Gap::Between((d(3), false), (d(4), false)))
        );
    }

    #[test]
    fn the_values_above_the_last_row_are_a_gap() {
        let a = range(None, Some((10, true)));
        assert_eq!(
            uncovered(&[&a], Domain::Decimal),
            Some(Gap::From(d(10), false))
        );
        assert_eq!(
            uncovered(&[&a], Domain::Integer),
            Some(Gap::From(d(11), true))
        );
    }

    #[test]
    fn numbers_are_read_from_zero() {
        let a = range(Some((1, true)), None);
        assert_eq!(
            uncovered(&[&a], Domain::Integer),
            Some(Gap::Between((d(0), true), (d(0), true)))
        );
        let from_zero = range(Some((0, true)), None);
        assert_eq!(uncovered(&[&from_zero], Domain::Integer), None);
    }

    #[test]
    fn an_enum_value_no_row_names_is_a_gap() {
        let a = Admits::Values(vec![0, 2]);
        assert_eq!(uncovered(&[&a], Domain::Finite(3)), Some(Gap::Value(1)));
        assert_eq!(uncovered(&[&a, &Admits::All], Domain::Finite(3)), None);
    }

    #[test]
    fn ranges_that_share_an_end_meet_only_when_both_include_it() {
        let a = range(None, Some((5, true)));
        let b = range(Some((5, true)), None);
        let c = range(Some((5, false)), None);
        assert!(meet(&a, &b, Domain::Decimal));
        assert!(!meet(&a, &c, Domain::Decimal));
        assert!(!meet(&a, &c, Domain::Integer));
    }

    /// A table drawn from `draws`: its columns' kinds, then each row's cells, small bounds so
    /// that ends touch and intervals nest often, some cells unknown, some of the wrong kind.
    /// A table's cells by row, and its columns' kinds.
    type Drawn = (Vec<Vec<Option<Admits>>>, Vec<Option<(Domain, Type)>>);

    fn drawn_table(draws: &[u32]) -> Drawn {
        let mut next = draws.iter().copied().chain(std::iter::repeat(7)).cycle();
        let mut draw = |n: u32| next.next().unwrap_or(0) % n;
        let columns = 1 + draw(3) as usize;
        let domains: Vec<Option<(Domain, Type)>> = (0..columns)
            .map(|_| match draw(8) {
                0 | 1 => Some((Domain::Integer, Type::Bool)),
                2 | 3 => Some((Domain::Decimal, Type::Bool)),
                4 => Some((Domain::Date, Type::Bool)),
                5 | 6 => Some((Domain::Finite(1 + draw(4) as usize), Type::Bool)),
                _ if draw(4) == 0 => None,
                _ => Some((Domain::Integer, Type::Bool)),
            })
            .collect();
        let rows = draw(14) as usize;
        let bound = |draw: &mut dyn FnMut(u32) -> u32| {
            (draw(5) != 0).then(|| (Decimal::from(i64::from(draw(9)) - 3), draw(2) == 0))
        };
        let admits = (0..rows)
            .map(|_| {
                domains
                    .iter()
                    .map(|domain| {
                        let domain = domain.as_ref().map_or(Domain::Integer, |(d, _)| *d);
                        match draw(12) {
                            0 => None,
                            1 | 2 => Some(Admits::All),
                            3 if draw(3) == 0 => Some(Admits::Values(vec![0])),
                            _ => Some(match domain {
                                Domain::Finite(n) => {
                                    Admits::Values((0..n).filter(|_| draw(2) == 0).collect())
                                }
                                _ => {
                                    let ranges = (0..draw(3))
                                        .map(|_| Interval {
                                            low: bound(&mut draw),
                                            high: bound(&mut draw),
                                        })
                                        .filter_map(|i| match domain {
                                            Domain::Decimal => Some(i),
                                            _ => whole(i),
                                        })
                                        .collect();
                                    Admits::Ranges(ranges)
                                }
                            }),
                        }
                    })
                    .collect()
            })
            .collect();
        (admits, domains)
    }

    proptest::proptest! {
        /// The rows that the sweep pairs and [`meet`] confirms are those that every two rows
        /// compared would give (as `overlaps` compared them before the sweep).
        #[test]
        fn the_pairs_swept_are_the_pairs_compared_two_by_two(draws in proptest::collection::vec(proptest::prelude::any::<u32>(), 0..300)) {
            let (admits, domains) = drawn_table(&draws);
            let together = |a: &[Option<Admits>], b: &[Option<Admits>]| {
                a.iter().zip(b).zip(&domains).all(|((x, y), d)| match (x, y, d) {
                    (Some(x), Some(y), Some((d, _))) => meet(x, y, *d),
                    _ => false,
                })
            };
            let mut every = Vec::new();
            for (i, a) in admits.iter().enumerate() {
                for (j, b) in admits.iter().enumerate().skip(i + 1) {
                    if together(a, b) {
                        every.push((i, j));
                    }
                }
            }
            let swept: Vec<(usize, usize)> = candidates(&admits, &domains)
                .into_iter()
                .filter(|(i, j)| match (admits.get(*i), admits.get(*j)) {
                    (Some(a), Some(b)) => together(a, b),
                    _ => false,
                })
                .collect();
            proptest::prop_assert_eq!(swept, every);
        }
    }

    #[test]
    fn rows_that_each_name_their_own_value_are_not_paired() {
        let domains = vec![Some((Domain::Integer, Type::Bool))];
        let admits: Vec<Vec<Option<Admits>>> = (0..1000)
            .map(|i| vec![Some(range(Some((i, true)), Some((i, true))))])
            .chain([vec![Some(range(Some((1000, true)), None))]])
            .collect();
        assert!(candidates(&admits, &domains).is_empty());
        let values: Vec<Vec<Option<Admits>>> = (0..5)
            .map(|i| vec![Some(Admits::Values(vec![i]))])
            .collect();
        assert!(candidates(&values, &[Some((Domain::Finite(5), Type::Bool))]).is_empty());
    }
}
