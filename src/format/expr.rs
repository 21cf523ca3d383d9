//! Expressions in the canonical layout: on one line when they fit, else broken at their
//! outermost operator, keyword, or the commas of a list, so that no line passes [`WIDTH`].
//!
//! Parentheses are those precedence requires, and, when the printer has the source text, those
//! the author wrote: a node's span includes its brackets when it was bracketed, so the text
//! under the span says so (`not (a <= b)` stays as it is, `a - (b - c)` needs them anyway).

use crate::ast::{Aggregate, BinOp, Expr, ExprKind, UnOp};

use super::{WIDTH, date_text, fits, number_text, quote, spaces, width};

// Binding strengths beside those of `BinOp::precedence` (or 1, and 2, comparisons 4, + - 5,
// * / 6), in the order of the Pratt table in `syntax/lower.rs`.

/// Binding strength of the prefix `not`, between `and` and the comparisons.
const NOT: u8 = 3;
/// Binding strength of the `is` tests, that of the comparisons.
const IS: u8 = 4;
/// Binding strength of the prefix `-`.
const NEG: u8 = 7;
/// Binding strength of `as`.
const AS: u8 = 8;
/// Binding strength of `.field`.
const FIELD: u8 = 9;
/// Binding strength of literals, names, calls, lists and parenthesised expressions.
const ATOM: u8 = 10;

/// Where an expression is printed: the binding strength it needs to stand there without
/// parentheses, and whether anything of the same expression follows it (`tail: false`), in which
/// case an `if` or an aggregate, which would swallow what follows, needs them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slot {
    min: u8,
    tail: bool,
}

impl Slot {
    /// A whole expression: the end of a line, an argument, a list element, a parenthesis.
    pub(super) const TOP: Slot = Slot { min: 0, tail: true };
    /// A whole expression followed by a keyword (`then`, `else`, `for`, `where`): an `if` or an
    /// aggregate there could be read, but is parenthesised for the reader.
    pub(super) const MIDDLE: Slot = Slot {
        min: 0,
        tail: false,
    };

    fn new(min: u8, tail: bool) -> Slot {
        Slot { min, tail }
    }
}

/// Where a possibly broken expression is printed: the column its first line starts at, the
/// indentation of its continuation lines, and how many characters follow it on its last line.
#[derive(Clone, Copy, Debug)]
pub(super) struct At {
    col: usize,
    indent: usize,
    trail: usize,
}

impl At {
    pub(super) fn new(col: usize, indent: usize) -> At {
        At {
            col,
            indent,
            trail: 0,
        }
    }

    /// The same place, with `trail` more characters after the expression.
    pub(super) fn then(self, trail: usize) -> At {
        At {
            trail: self.trail + trail,
            ..self
        }
    }
}

fn strength(e: &ExprKind) -> u8 {
    match e {
        ExprKind::Binary(op, ..) => op.precedence(),
        ExprKind::Unary(UnOp::Not, _) => NOT,
        ExprKind::Is(..) => IS,
        ExprKind::Unary(UnOp::Neg, _) => NEG,
        ExprKind::As(..) => AS,
        ExprKind::Field(..) => FIELD,
        _ => ATOM,
    }
}

/// `if` and the aggregates: primaries whose last part extends as far right as it can.
fn is_open(e: &ExprKind) -> bool {
    matches!(e, ExprKind::If(..) | ExprKind::Aggregate { .. })
}

fn needs_parens(e: &ExprKind, slot: Slot) -> bool {
    strength(e) < slot.min || (is_open(e) && !slot.tail)
}

/// Whether `text` is one bracketed expression: it starts with `(` and ends with the `)` that
/// closes that one (not so `(a) + (b)`). Brackets in strings and comments do not count.
pub(super) fn bracketed(text: &str) -> bool {
    if !text.starts_with('(') || !text.ends_with(')') {
        return false;
    }
    let (mut depth, mut in_string, mut escaped, mut in_comment) = (0usize, false, false, false);
    for (i, c) in text.char_indices() {
        match c {
            '\n' if in_comment => in_comment = false,
            _ if in_comment => {}
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            '#' => in_comment = true,
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1 == text.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// Prints expressions; with the source text, it keeps the parentheses the author wrote.
#[derive(Clone, Copy, Default)]
pub(super) struct Exprs<'s> {
    source: Option<&'s str>,
}

impl<'s> Exprs<'s> {
    /// A printer of the expressions of `source` (none: of a policy built otherwise, printed
    /// with the fewest parentheses).
    pub(super) fn new(source: Option<&'s str>) -> Self {
        Exprs { source }
    }

    /// Whether `e` was written in parentheses.
    fn written_in_parens(&self, e: &Expr) -> bool {
        self.source
            .and_then(|s| s.get(e.span.start..e.span.end))
            .is_some_and(bracketed)
    }

    /// Whether `e` is printed in parentheses at `slot`: it needs them, or its author wrote them.
    fn parenthesised(&self, e: &Expr, slot: Slot) -> bool {
        needs_parens(&e.node, slot) || self.written_in_parens(e)
    }

    /// An expression on one line.
    pub(super) fn flat(&self, e: &Expr, slot: Slot) -> String {
        let mut out = String::new();
        self.write_expr(&mut out, e, slot);
        out
    }

    fn write_expr(&self, out: &mut String, e: &Expr, slot: Slot) {
        if self.parenthesised(e, slot) {
            out.push('(');
            self.write_bare(out, e, Slot::TOP);
            out.push(')');
        } else {
            self.write_bare(out, e, slot);
        }
    }

    /// Writes `e` without parentheses around it; `slot.tail` passes on to its last part.
    fn write_bare(&self, out: &mut String, e: &Expr, slot: Slot) {
        match &e.node {
            ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            ExprKind::Number(n) => out.push_str(&number_text(n)),
            ExprKind::Percent(n) => {
                out.push_str(&number_text(n));
                out.push_str(" %");
            }
            ExprKind::Quantity(n, unit) => {
                out.push_str(&number_text(n));
                out.push(' ');
                out.push_str(&unit.node);
            }
            ExprKind::Date(date) => out.push_str(&date_text(date)),
            ExprKind::Text(text) => out.push_str(&quote(text)),
            ExprKind::None => out.push_str("none"),
            ExprKind::Name(name) => out.push_str(name),
            ExprKind::List(items) => self.write_list(out, "[", items, "]"),
            ExprKind::Call(f, args) => self.write_list(out, &format!("{}(", f.node), args, ")"),
            ExprKind::Field(x, field) => {
                self.write_expr(out, x, Slot::new(FIELD, false));
                out.push('.');
                out.push_str(&field.node);
            }
            ExprKind::Unary(op, x) => {
                let (word, strength) = unary(*op);
                out.push_str(word);
                self.write_expr(out, x, Slot::new(strength, slot.tail));
            }
            ExprKind::Binary(op, l, r) => {
                // Operators are left-associative, so the right operand must bind tighter.
                let strength = op.precedence();
                self.write_expr(out, l, Slot::new(strength, false));
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                self.write_expr(out, r, Slot::new(strength + 1, slot.tail));
            }
            ExprKind::Is(x, test) => {
                self.write_expr(out, x, Slot::new(IS, false));
                out.push(' ');
                out.push_str(test.words());
            }
            ExprKind::As(x, unit) => {
                self.write_expr(out, x, Slot::new(AS, false));
                out.push_str(" as ");
                out.push_str(&unit.node);
            }
            ExprKind::If(c, a, b) => {
                out.push_str("if ");
                self.write_expr(out, c, Slot::MIDDLE);
                out.push_str(" then ");
                self.write_expr(out, a, Slot::MIDDLE);
                out.push_str(" else ");
                self.write_expr(out, b, Slot::new(0, slot.tail));
            }
            ExprKind::Aggregate { condition, .. } => {
                out.push_str(&self.aggregate_head(&e.node));
                if let Some(condition) = condition {
                    out.push(' ');
                    out.push_str(aggregate_keyword(&e.node));
                    out.push(' ');
                    self.write_expr(out, condition, Slot::new(0, slot.tail));
                }
            }
        }
    }

    fn write_list(&self, out: &mut String, open: &str, items: &[Expr], close: &str) {
        out.push_str(open);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.write_expr(out, item, Slot::TOP);
        }
        out.push_str(close);
    }

    /// An aggregate up to its `where`/`satisfies`, on one line: `sum of E for p in L`.
    fn aggregate_head(&self, e: &ExprKind) -> String {
        let ExprKind::Aggregate {
            kind, list, value, ..
        } = e
        else {
            return String::new();
        };
        let value = value
            .as_ref()
            .map(|v| self.flat(v, Slot::MIDDLE))
            .unwrap_or_default();
        format!(
            "{}{}",
            binder_prefix(e, *kind, &value),
            self.flat(list, Slot::MIDDLE)
        )
    }

    /// An expression on one line if it fits in [`WIDTH`], else broken before its operators,
    /// `where`/`satisfies`, `then`/`else`, `for`, or after the commas of a list or a call. Only
    /// spaces between tokens become line breaks, so the broken text reads as the flat one.
    pub(super) fn layout(&self, e: &Expr, slot: Slot, at: At) -> String {
        let flat = self.flat(e, slot);
        if at.col + width(&flat) + at.trail <= WIDTH {
            return flat;
        }
        if self.parenthesised(e, slot) {
            let inner = At {
                col: at.col + 1,
                indent: at.col + 1,
                trail: at.trail + 1,
            };
            return format!("({})", self.broken(e, Slot::TOP, inner));
        }
        self.broken(e, slot, at)
    }

    /// `e`, without parentheses around it, broken at its outermost breakable place.
    fn broken(&self, e: &Expr, slot: Slot, at: At) -> String {
        match &e.node {
            ExprKind::Binary(op, ..) => self.chain(op.precedence(), e, slot, at),
            ExprKind::Unary(op, x) => {
                let (word, strength) = unary(*op);
                let inner = At {
                    col: at.col + word.len(),
                    ..at
                };
                let x = self.layout(x, Slot::new(strength, slot.tail), inner);
                format!("{word}{x}")
            }
            ExprKind::If(c, a, b) => self.broken_if([c, a, b], slot, at),
            ExprKind::Aggregate { .. } => self.broken_aggregate(e, slot, at),
            ExprKind::Call(f, args) => self.broken_list(&format!("{}(", f.node), args, ")", at),
            ExprKind::List(items) => self.broken_list("[", items, "]", at),
            ExprKind::Field(x, field) => {
                let suffix = format!(".{}", field.node);
                self.broken_before(x, Slot::new(FIELD, false), at, &suffix)
            }
            ExprKind::Is(x, test) => {
                let suffix = format!(" {}", test.words());
                self.broken_before(x, Slot::new(IS, false), at, &suffix)
            }
            ExprKind::As(x, unit) => {
                let suffix = format!(" as {}", unit.node);
                self.broken_before(x, Slot::new(AS, false), at, &suffix)
            }
            _ => self.flat(e, slot),
        }
    }

    /// `x` laid out with `suffix` (`.field`, ` is absent`, ` as weeks`) after it.
    fn broken_before(&self, x: &Expr, slot: Slot, at: At, suffix: &str) -> String {
        let x = self.layout(x, slot, at.then(width(suffix)));
        format!("{x}{suffix}")
    }

    /// `a + b - c`, `a and b and c`: the operands of one binding strength, each operator
    /// starting a line at the continuation indent.
    fn chain(&self, strength: u8, e: &Expr, slot: Slot, at: At) -> String {
        let (first, rest) = self.chain_operands(strength, e);
        if let [(op, operand)] = rest.as_slice()
            && let Some(hugged) = self.hug(first, *op, operand, slot, at)
        {
            return hugged;
        }
        let trail = |last: bool| if last { at.trail } else { 0 };
        let first_at = At {
            col: at.col,
            indent: at.indent + 2,
            trail: trail(rest.is_empty()),
        };
        let mut out = self.layout(first, Slot::new(strength, false), first_at);
        for (i, (op, operand)) in rest.iter().enumerate() {
            let last = i + 1 == rest.len();
            let next = At {
                col: at.indent + op.symbol().len() + 1,
                indent: at.indent + 2,
                trail: trail(last),
            };
            let operand = self.layout(operand, Slot::new(strength + 1, slot.tail && last), next);
            out.push('\n');
            out.push_str(&spaces(at.indent));
            out.push_str(op.symbol());
            out.push(' ');
            out.push_str(&operand);
        }
        out
    }

    /// `a in [x, y,` / `z]`, `total + f(x,` / `y)`: one operator whose right operand is a list
    /// or a call stays on the line of its left operand, the brackets broken instead, when the
    /// left operand fits flat, the bracket opens in the first two thirds of the line, each item
    /// fits flat after it, and every line fits. None otherwise.
    ///
    /// Items that fit flat are laid out without breaking anything inside them: trying costs a
    /// walk of the operand, however deep the nesting (a failed try is not paid again below).
    fn hug(&self, left: &Expr, op: BinOp, right: &Expr, slot: Slot, at: At) -> Option<String> {
        let strength = op.precedence();
        let right_slot = Slot::new(strength + 1, slot.tail);
        let (open, items) = match &right.node {
            ExprKind::List(items) => (1, items),
            ExprKind::Call(f, args) => (width(&f.node) + 1, args),
            _ => return None,
        };
        if self.parenthesised(right, right_slot) {
            return None;
        }
        let prefix = format!(
            "{} {} ",
            self.flat(left, Slot::new(strength, false)),
            op.symbol()
        );
        let col = at.col + width(&prefix);
        let align = col + open;
        let item_fits = |item: &Expr| align + width(&self.flat(item, Slot::TOP)) < WIDTH;
        if col > 2 * WIDTH / 3 || !items.iter().all(item_fits) {
            return None;
        }
        let right = self.layout(
            right,
            right_slot,
            At::new(col, at.indent + 2).then(at.trail),
        );
        let text = format!("{prefix}{right}");
        fits(&text, at.col, at.trail).then_some(text)
    }

    /// The first operand of a left-nested chain of operators of one binding strength, then each
    /// operator with the operand after it. A left operand the author bracketed ends the chain.
    fn chain_operands<'e>(&self, strength: u8, e: &'e Expr) -> (&'e Expr, Vec<(BinOp, &'e Expr)>) {
        let mut rest = Vec::new();
        let mut current = e;
        while let ExprKind::Binary(op, l, r) = &current.node {
            let bracketed = !std::ptr::eq(current, e) && self.written_in_parens(current);
            if op.precedence() != strength || bracketed {
                break;
            }
            rest.push((*op, r.as_ref()));
            current = l;
        }
        rest.reverse();
        (current, rest)
    }

    /// `if c` / `then a` / `else b`, the last two on continuation lines; an `if` in the `else`
    /// branch continues the chain flat: `else if c2` / `then a2` / `else b2`, aligned.
    fn broken_if(&self, [c, a, b]: [&Expr; 3], slot: Slot, at: At) -> String {
        let deeper = at.indent + 2;
        let indent = spaces(at.indent);
        let condition = self.layout(c, Slot::MIDDLE, At::new(at.col + "if ".len(), deeper));
        let then = self.layout(a, Slot::MIDDLE, At::new(at.indent + "then ".len(), deeper));
        let mut out = format!("if {condition}\n{indent}then {then}");
        let mut otherwise = b;
        let last = Slot::new(0, slot.tail);
        while let ExprKind::If(c, a, b) = &otherwise.node
            && !self.parenthesised(otherwise, last)
        {
            let at_condition = At::new(at.indent + "else if ".len(), deeper);
            let condition = self.layout(c, Slot::MIDDLE, at_condition);
            let then = self.layout(a, Slot::MIDDLE, At::new(at.indent + "then ".len(), deeper));
            out.push_str(&format!(
                "\n{indent}else if {condition}\n{indent}then {then}"
            ));
            otherwise = b;
        }
        let at_else = At::new(at.indent + "else ".len(), deeper).then(at.trail);
        let otherwise = self.layout(otherwise, last, at_else);
        out.push_str(&format!("\n{indent}else {otherwise}"));
        out
    }

    /// An aggregate: its head on one line when it fits (else `sum of E` / `for p in L`, or the
    /// list broken), then `where`/`satisfies` and the condition on a continuation line.
    fn broken_aggregate(&self, e: &Expr, slot: Slot, at: At) -> String {
        let ExprKind::Aggregate {
            kind,
            var,
            list,
            value,
            condition,
        } = &e.node
        else {
            return self.flat(e, slot);
        };
        let head_trail = if condition.is_some() { 0 } else { at.trail };
        let deeper = at.indent + 2;
        let head = self.aggregate_head(&e.node);
        let mut out = if at.col + width(&head) + head_trail <= WIDTH {
            head
        } else if let Some(value) = value {
            let value = self.layout(
                value,
                Slot::MIDDLE,
                At::new(at.col + "sum of ".len(), deeper),
            );
            let binder = format!("{} in ", var.node);
            let col = at.indent + "for ".len() + width(&binder);
            let list = self.layout(list, Slot::MIDDLE, At::new(col, deeper).then(head_trail));
            format!("sum of {value}\n{}for {binder}{list}", spaces(at.indent))
        } else {
            let prefix = binder_prefix(&e.node, *kind, "");
            let list_at = At::new(at.col + width(&prefix), deeper).then(head_trail);
            format!("{prefix}{}", self.layout(list, Slot::MIDDLE, list_at))
        };
        if let Some(condition) = condition {
            let keyword = aggregate_keyword(&e.node);
            let inner = At {
                col: at.indent + keyword.len() + 1,
                indent: deeper,
                trail: at.trail,
            };
            let condition = self.layout(condition, Slot::new(0, slot.tail), inner);
            out.push_str(&format!("\n{}{keyword} {condition}", spaces(at.indent)));
        }
        out
    }

    /// `open item, item, … close`, the items filled on lines aligned after `open`, each line
    /// broken after a comma; an item broken over lines is followed by a line break.
    fn broken_list(&self, open: &str, items: &[Expr], close: &str, at: At) -> String {
        let align = at.col + width(open);
        let mut out = open.to_string();
        let mut col = align;
        let mut after_broken = false;
        for (i, item) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            let trail = if last { width(close) + at.trail } else { 1 };
            if i > 0 {
                let flat = width(&self.flat(item, Slot::TOP));
                if after_broken || col + 1 + flat + trail > WIDTH {
                    out.push('\n');
                    out.push_str(&spaces(align));
                    col = align;
                } else {
                    out.push(' ');
                    col += 1;
                }
            }
            let text = self.layout(item, Slot::TOP, At::new(col, align + 2).then(trail));
            after_broken = text.contains('\n');
            col = match text.rsplit_once('\n') {
                Some((_, line)) => width(line),
                None => col + width(&text),
            };
            out.push_str(&text);
            if !last {
                out.push(',');
                col += 1;
            }
        }
        out.push_str(close);
        out
    }
}

/// The word of a prefix operator, and the binding strength its operand needs.
fn unary(op: UnOp) -> (&'static str, u8) {
    match op {
        UnOp::Not => ("not ", NOT),
        UnOp::Neg => ("-", NEG),
    }
}

/// An aggregate of `kind` up to its list: `count of p in `, `sum of VALUE for p in `.
fn binder_prefix(e: &ExprKind, kind: Aggregate, value: &str) -> String {
    let ExprKind::Aggregate { var, .. } = e else {
        return String::new();
    };
    let var = &var.node;
    match kind {
        Aggregate::Count => format!("count of {var} in "),
        Aggregate::Sum => format!("sum of {value} for {var} in "),
        Aggregate::Any => format!("any {var} in "),
        Aggregate::Every => format!("every {var} in "),
        Aggregate::Each => format!("each {var} in "),
    }
}

fn aggregate_keyword(e: &ExprKind) -> &'static str {
    match e {
        ExprKind::Aggregate {
            kind: Aggregate::Every,
            ..
        } => "satisfies",
        _ => "where",
    }
}
