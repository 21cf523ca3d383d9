//! The canonical layout of a policy (`clausier fmt`).
//!
//! [`format_policy`] prints an AST in the one layout every policy file is given;
//! [`format_source`] parses a file, prints it, and proves that the printed text means the same
//! thing by parsing it again and comparing the two ASTs (spans aside).
//!
//! The layout:
//!
//! - the header lines, then the items with one blank line between them; a clause, unit, enum,
//!   input or parameter (or an overridden clause or parameter) that follows one of the same kind
//!   stays grouped with it, without a blank line, unless comments stand before it;
//! - comments as `# text` lines before the header, item, record field or rule they belong to,
//!   and the file's trailing comments last; a blank line after each banner (`# ====` … `# ====`);
//! - record fields, then the record's `require` lines;
//! - in a conclusion, a blank line before a commented base rule (it opens a new group of a rule
//!   and its exceptions), none otherwise;
//! - clause text on `  | ` lines, filled up to [`WIDTH`] columns;
//! - the `per` of an input, parameter or definition on its line, from column 59 when there is
//!   room, else four spaces after the declaration;
//! - rules one keyword per line; a condition or value that does not fit in [`WIDTH`] columns is
//!   broken before its `and`/`or` (and before `where`, `satisfies`, `then`, `else`);
//! - expressions with the fewest parentheses precedence allows, canonical operators, numbers
//!   without leading zeros but with the scale they were written with (`4.50` stays `4.50`: the
//!   scale shows in the decisions), strings re-escaped. `if` and the aggregates extend as far
//!   right as they can, so they are parenthesised unless nothing follows them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ast::{
    Aggregate, BinOp, Clause, ConclusionDecl, DefinitionDecl, Expr, ExprKind, Header, InputDecl,
    Item, ItemKind, LabelDecl, Name, Override, ParameterDecl, Policy, RecordDecl, Rule, RuleKind,
    TypeExpr, UnOp,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::FileId;
use crate::syntax;

/// The width clause text is filled to, and beyond which expressions are broken.
pub const WIDTH: usize = 96;

/// The characters before `per` on the line of an input, parameter or definition (so `per` is at
/// column 59), room permitting.
const PER_COLUMN: usize = 58;

/// Prints a policy in the canonical layout. The text ends with a newline.
///
/// A policy that came from the parser prints to a text that parses back to an equal policy;
/// a hand-built one may hold what the syntax cannot say (a negative number literal, a string
/// with a newline), which [`format_source`] would catch.
pub fn format_policy(policy: &Policy) -> String {
    let mut printer = Printer::default();
    printer.header(&policy.header);
    let mut previous = None;
    for item in &policy.items {
        let group = group_of(&item.kind);
        if group.is_none() || group != previous || !item.comments.is_empty() {
            printer.blank();
        }
        printer.item(item);
        previous = group;
    }
    if !policy.trailing_comments.is_empty() {
        printer.blank();
        printer.comments(&policy.trailing_comments, 0);
    }
    let mut out = printer.out;
    // A banner closing the trailing comments leaves a blank line that would end the file.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Parses `text`, prints it in the canonical layout, and checks that the printed text parses
/// back to the same policy.
///
/// Returns the parser's diagnostics when `text` does not parse, and a `fmt-changed-meaning`
/// error (never a text that means something else) when the check fails.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let policy = syntax::parse(file, text)?;
    let formatted = format_policy(&policy);
    match syntax::parse(file, &formatted) {
        Ok(again) if again == policy => Ok(formatted),
        Ok(again) => Err(vec![changed_meaning(&policy, &again)]),
        Err(errors) => Err(vec![unparsable(&errors)]),
    }
}

/// The error for a printed text that parses to another policy, at the first item that differs.
fn changed_meaning(before: &Policy, after: &Policy) -> Diagnostic {
    let differing = before
        .items
        .iter()
        .zip(&after.items)
        .find(|(b, a)| b != a)
        .map(|(b, _)| b.span);
    let diagnostic = match differing {
        Some(span) => Diagnostic::error(
            Code::FmtChangedMeaning,
            span,
            "formatting would change the meaning of this item",
        )
        .with_label("printed differently"),
        None => Diagnostic::general(
            Code::FmtChangedMeaning,
            "formatting would change the meaning of the policy",
        ),
    };
    diagnostic.with_help(BUG_HELP)
}

/// The error for a printed text that does not parse.
fn unparsable(errors: &[Diagnostic]) -> Diagnostic {
    let reason = errors
        .first()
        .map_or_else(String::new, |e| format!(": {}", e.message));
    Diagnostic::general(
        Code::FmtChangedMeaning,
        format!("the formatted policy would not parse{reason}"),
    )
    .with_help(BUG_HELP)
}

const BUG_HELP: &str =
    "this is a bug in `clausier fmt`: the file was left as it is; please report it with the file";

// ------------------------------------------------------------------------------------ items

/// The kinds of item that stay grouped, without blank lines, when they follow one another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Clause,
    Unit,
    Enum,
    Input,
    Parameter,
    OverrideClause,
    OverrideParameter,
    Label,
}

/// The group of an item; none for the items that always stand apart (records, definitions,
/// conclusions, overridden rules, labels of more than one line).
fn group_of(kind: &ItemKind) -> Option<Group> {
    match kind {
        ItemKind::Clause(_) => Some(Group::Clause),
        ItemKind::Unit(_) => Some(Group::Unit),
        ItemKind::Enum(_) => Some(Group::Enum),
        ItemKind::Input(_) => Some(Group::Input),
        ItemKind::Parameter(_) => Some(Group::Parameter),
        ItemKind::Override(Override::Clause(_)) => Some(Group::OverrideClause),
        ItemKind::Override(Override::Parameter(_)) => Some(Group::OverrideParameter),
        // A one-line label groups with the next; one with more texts stands apart.
        ItemKind::Label(label) if label.parts.is_empty() && label.favourable.is_empty() => {
            Some(Group::Label)
        }
        ItemKind::Label(_) => None,
        ItemKind::Record(_)
        | ItemKind::Definition(_)
        | ItemKind::Conclusion(_)
        | ItemKind::Override(Override::Definition(_) | Override::Rule { .. }) => None,
    }
}

/// The text being built, line by line.
#[derive(Default)]
struct Printer {
    out: String,
}

impl Printer {
    /// Writes `text` (which may hold further lines, already indented) at `indent`.
    fn line(&mut self, indent: usize, text: &str) {
        self.out.push_str(&spaces(indent));
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Writes a blank line, unless at the start of the file.
    fn blank(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    /// Writes comments as `# text` lines. A blank line follows each banner (`# ====` … `# ====`),
    /// so that a section heading stands apart; blank lines do not change which node comments
    /// belong to.
    fn comments(&mut self, comments: &[String], indent: usize) {
        let mut rule_lines = 0;
        for comment in comments {
            if comment.is_empty() {
                self.line(indent, "#");
            } else {
                self.line(indent, &format!("# {comment}"));
            }
            if is_rule_line(comment) {
                rule_lines += 1;
                if rule_lines % 2 == 0 {
                    self.out.push('\n');
                }
            }
        }
    }

    fn header(&mut self, header: &Header) {
        self.comments(&header.comments, 0);
        self.line(0, &format!("policy {}", header.policy.node));
        self.line(0, &format!("version {}", quote(&header.version.node)));
        if let Some(date) = &header.effective_from {
            self.line(0, &format!("effective from {}", date_text(&date.node)));
        }
        let optional = [
            ("extends", &header.extends),
            ("title", &header.title),
            ("source", &header.source),
            ("language", &header.language),
        ];
        for (keyword, value) in optional {
            if let Some(value) = value {
                self.line(0, &format!("{keyword} {}", quote(&value.node)));
            }
        }
    }

    fn item(&mut self, item: &Item) {
        self.comments(&item.comments, 0);
        match &item.kind {
            ItemKind::Clause(clause) => self.clause("", clause),
            ItemKind::Unit(name) => self.line(0, &format!("unit {}", name.node)),
            ItemKind::Enum(decl) => {
                let variants: Vec<&str> = decl.variants.iter().map(|v| v.node.as_str()).collect();
                self.line(
                    0,
                    &format!("enum {} = {}", decl.name.node, variants.join(" | ")),
                );
            }
            ItemKind::Record(record) => self.record(record),
            ItemKind::Input(input) => self.line(0, &input_line(input)),
            ItemKind::Parameter(parameter) => self.line(0, &parameter_line("", parameter)),
            ItemKind::Definition(definition) => self.definition("", definition),
            ItemKind::Conclusion(conclusion) => self.conclusion(conclusion),
            ItemKind::Override(over) => self.override_item(over),
            ItemKind::Label(label) => self.label(label),
        }
    }

    /// `label target "text"`, then each other text on its own line.
    fn label(&mut self, label: &LabelDecl) {
        let target = label.target.node.join(".");
        self.line(0, &format!("label {target} {}", quote(&label.text.node)));
        for part in &label.parts {
            let words: Vec<&str> = part
                .kind
                .keyword()
                .into_iter()
                .chain(part.lang.as_ref().map(|l| l.node.as_str()))
                .collect();
            self.line(
                2,
                &format!("{} {}", words.join(" "), quote(&part.text.node)),
            );
        }
        if !label.favourable.is_empty() {
            let values: Vec<&str> = label.favourable.iter().map(|v| v.node.as_str()).collect();
            self.line(2, &format!("favourable {}", values.join(", ")));
        }
    }

    fn clause(&mut self, keyword_prefix: &str, clause: &Clause) {
        let mut head = format!(
            "{keyword_prefix}clause {} section {}",
            quote(&clause.id.node),
            quote(&clause.section.node)
        );
        if clause.informative {
            head.push_str(" informative");
        }
        self.line(0, &head);
        for text in fill(&clause.text.node, WIDTH - "  | ".len()) {
            if text.is_empty() {
                self.line(2, "|");
            } else {
                self.line(2, &format!("| {text}"));
            }
        }
    }

    fn record(&mut self, record: &RecordDecl) {
        self.line(0, &format!("record {}", record.name.node));
        for field in &record.fields {
            self.comments(&field.comments, 2);
            let mut text = format!("{} : {}", field.name.node, type_text(&field.ty.node));
            push_default(&mut text, field.default.as_ref());
            self.line(2, &text);
        }
        for require in &record.requires {
            let message = format!(" else {}", quote(&require.message.node));
            let at = At::new(2 + "require ".len(), 4).then(message.chars().count());
            let condition = layout(&require.condition, Slot::MIDDLE, at);
            self.line(2, &format!("require {condition}{message}"));
        }
    }

    /// A definition, `prefix` (`override `) before it.
    fn definition(&mut self, prefix: &str, definition: &DefinitionDecl) {
        let params: Vec<String> = definition
            .params
            .iter()
            .map(|f| format!("{} : {}", f.name.node, type_text(&f.ty.node)))
            .collect();
        let params = if params.is_empty() {
            String::new()
        } else {
            format!("({})", params.join(", "))
        };
        let head = format!(
            "{prefix}definition {}{params} : {}",
            definition.name.node,
            type_text(&definition.ty.node)
        );
        self.line(0, &with_citations(head, &definition.citations));
        let body = layout(&definition.body, Slot::TOP, At::new(4, 4));
        self.line(2, &format!("= {body}"));
    }

    fn conclusion(&mut self, conclusion: &ConclusionDecl) {
        let head = format!(
            "conclusion {} : {}",
            conclusion.name.node,
            type_text(&conclusion.ty.node)
        );
        self.line(0, &head);
        for (i, rule) in conclusion.rules.iter().enumerate() {
            // A commented base rule opens a new group of a rule and its exceptions.
            if i > 0 && rule.kind == RuleKind::Rule && !rule.comments.is_empty() {
                self.blank();
            }
            self.comments(&rule.comments, 2);
            self.line(2, &rule_head(rule, &rule.label.node));
            self.rule_body(rule, 4);
        }
    }

    fn override_item(&mut self, over: &Override) {
        match over {
            Override::Clause(clause) => self.clause("override ", clause),
            Override::Parameter(parameter) => self.line(0, &parameter_line("override ", parameter)),
            Override::Definition(definition) => self.definition("override ", definition),
            Override::Rule { conclusion, rule } => {
                // The parser gives an overridden rule's comments to the item; print any here.
                self.comments(&rule.comments, 0);
                let label = format!("{}.{}", conclusion.node, rule.label.node);
                self.line(0, &format!("override {}", rule_head(rule, &label)));
                self.rule_body(rule, 2);
            }
        }
    }

    /// The `when`, `gives` and `per` lines of a rule, at `indent`.
    fn rule_body(&mut self, rule: &Rule, indent: usize) {
        let parts = [("when", &rule.condition), ("gives", &rule.value)];
        for (keyword, expr) in parts {
            if let Some(expr) = expr {
                let at = At::new(indent + keyword.len() + 1, indent + 2);
                let text = layout(expr, Slot::TOP, at);
                self.line(indent, &format!("{keyword} {text}"));
            }
        }
        if !rule.citations.is_empty() {
            self.line(indent, &format!("per {}", citations_text(&rule.citations)));
        }
    }
}

/// `rule L`, `exception L of A, B`, `member L` (with `label` as given, so that an override can
/// write `C.L`).
fn rule_head(rule: &Rule, label: &str) -> String {
    let mut head = format!("{} {label}", rule.kind.keyword());
    if !rule.overrides.is_empty() {
        let names: Vec<&str> = rule.overrides.iter().map(|n| n.node.as_str()).collect();
        head.push_str(" of ");
        head.push_str(&names.join(", "));
    }
    head
}

fn input_line(input: &InputDecl) -> String {
    let mut text = format!(
        "input {} : {}",
        input.path.node.join("."),
        type_text(&input.ty.node)
    );
    push_default(&mut text, input.default.as_ref());
    with_citations(text, &input.citations)
}

fn parameter_line(keyword_prefix: &str, parameter: &ParameterDecl) -> String {
    let mut text = format!("{keyword_prefix}parameter {}", parameter.name.node);
    if let Some(ty) = &parameter.ty {
        text.push_str(" : ");
        text.push_str(&type_text(&ty.node));
    }
    push_default(&mut text, parameter.value.as_ref());
    with_citations(text, &parameter.citations)
}

/// Appends ` = VALUE`, when there is a value.
fn push_default(text: &mut String, default: Option<&Expr>) {
    if let Some(value) = default {
        text.push_str(" = ");
        text.push_str(&flat(value, Slot::TOP));
    }
}

/// Appends `per "a", "b"` to a declaration's line, aligned on [`PER_COLUMN`] when there is room.
fn with_citations(mut line: String, citations: &[Name]) -> String {
    if citations.is_empty() {
        return line;
    }
    let width = line.chars().count();
    let pad = if width + 2 <= PER_COLUMN {
        PER_COLUMN - width
    } else {
        4
    };
    line.push_str(&spaces(pad));
    line.push_str("per ");
    line.push_str(&citations_text(citations));
    line
}

fn citations_text(citations: &[Name]) -> String {
    let quoted: Vec<String> = citations.iter().map(|c| quote(&c.node)).collect();
    quoted.join(", ")
}

/// Splits `text` at its spaces into lines of at most `width` characters; a longer word stands
/// alone on its line. Empty text gives one empty line.
fn fill(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_width = 0;
    for word in unbreakable(text) {
        let word_width = word.chars().count();
        if current_width > 0 && current_width + 1 + word_width > width {
            lines.push(std::mem::take(&mut current));
            current_width = 0;
        }
        if current_width > 0 {
            current.push(' ');
            current_width += 1;
        }
        current.push_str(&word);
        current_width += word_width;
    }
    lines.push(current);
    lines
}

/// The words of `text`, with French punctuation kept on the line of the word it belongs to:
/// `«` with the word after it; `»`, `:`, `;`, `!`, `?` with the word before.
fn unbreakable(text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut glue_next = false;
    for word in text.split_whitespace() {
        let glue = glue_next || closes(word);
        match pieces.last_mut() {
            Some(last) if glue => {
                last.push(' ');
                last.push_str(word);
            }
            _ => pieces.push(word.to_string()),
        }
        glue_next = opens(word);
    }
    pieces
}

/// A word of punctuation only that ends with `«`.
fn opens(word: &str) -> bool {
    word.ends_with('«') && !word.chars().any(char::is_alphanumeric)
}

/// A word of punctuation only that starts with `»`, `:`, `;`, `!` or `?`.
fn closes(word: &str) -> bool {
    word.starts_with(['»', ':', ';', '!', '?']) && !word.chars().any(char::is_alphanumeric)
}

/// A comment drawn as a line (`====`, `----`), which opens or closes a banner.
fn is_rule_line(comment: &str) -> bool {
    comment.chars().count() >= 3
        && comment
            .chars()
            .all(|c| matches!(c, '=' | '-' | '*' | '#' | '~' | '_'))
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

// ------------------------------------------------------------------------------------ atoms

/// How a type is written.
fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Integer(unit) => number_type("integer", unit.as_ref()),
        TypeExpr::Decimal(unit) => number_type("decimal", unit.as_ref()),
        TypeExpr::Named(name) => name.clone(),
        TypeExpr::Optional(inner) => format!("optional {}", type_text(&inner.node)),
        TypeExpr::List(inner) => format!("list of {}", type_text(&inner.node)),
        TypeExpr::Set(inner) => format!("set of {}", type_text(&inner.node)),
    }
}

fn number_type(kind: &str, unit: Option<&Name>) -> String {
    match unit {
        Some(unit) => format!("{kind} {}", unit.node),
        None => kind.to_string(),
    }
}

/// A string literal: quoted, with `"` and `\` escaped.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A number as written, with its scale: a decision writes a computed amount with the scale its
/// operands give it (`35.150 * 12` is `421.800`, `35.15 * 12` is `421.80`), so dropping a
/// trailing zero here would change the decisions of the policy it formats.
fn number_text(n: &Decimal) -> String {
    n.to_string()
}

fn date_text(date: &NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

// ------------------------------------------------------------------------------------ expressions

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
struct Slot {
    min: u8,
    tail: bool,
}

impl Slot {
    /// A whole expression: the end of a line, an argument, a list element, a parenthesis.
    const TOP: Slot = Slot { min: 0, tail: true };
    /// A whole expression followed by a keyword (`then`, `else`, `for`, `where`): an `if` or an
    /// aggregate there could be read, but is parenthesised for the reader.
    const MIDDLE: Slot = Slot {
        min: 0,
        tail: false,
    };

    fn new(min: u8, tail: bool) -> Slot {
        Slot { min, tail }
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

/// An expression on one line.
fn flat(e: &Expr, slot: Slot) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, slot);
    out
}

fn write_expr(out: &mut String, e: &Expr, slot: Slot) {
    if needs_parens(&e.node, slot) {
        out.push('(');
        write_bare(out, e, Slot::TOP);
        out.push(')');
    } else {
        write_bare(out, e, slot);
    }
}

/// Writes `e` without parentheses around it; `slot.tail` passes on to its last part.
fn write_bare(out: &mut String, e: &Expr, slot: Slot) {
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
        ExprKind::List(items) => write_list(out, "[", items, "]"),
        ExprKind::Call(f, args) => write_list(out, &format!("{}(", f.node), args, ")"),
        ExprKind::Field(x, field) => {
            write_expr(out, x, Slot::new(FIELD, false));
            out.push('.');
            out.push_str(&field.node);
        }
        ExprKind::Unary(op, x) => write_unary(out, *op, x, slot),
        ExprKind::Binary(op, l, r) => write_binary(out, *op, l, r, slot),
        ExprKind::Is(x, test) => {
            write_expr(out, x, Slot::new(IS, false));
            out.push(' ');
            out.push_str(test.words());
        }
        ExprKind::As(x, unit) => {
            write_expr(out, x, Slot::new(AS, false));
            out.push_str(" as ");
            out.push_str(&unit.node);
        }
        ExprKind::If(c, a, b) => {
            out.push_str("if ");
            write_expr(out, c, Slot::MIDDLE);
            out.push_str(" then ");
            write_expr(out, a, Slot::MIDDLE);
            out.push_str(" else ");
            write_expr(out, b, Slot::new(0, slot.tail));
        }
        ExprKind::Aggregate { condition, .. } => {
            out.push_str(&aggregate_head(&e.node));
            if let Some(condition) = condition {
                out.push(' ');
                out.push_str(aggregate_keyword(&e.node));
                out.push(' ');
                write_expr(out, condition, Slot::new(0, slot.tail));
            }
        }
    }
}

fn write_list(out: &mut String, open: &str, items: &[Expr], close: &str) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item, Slot::TOP);
    }
    out.push_str(close);
}

fn write_unary(out: &mut String, op: UnOp, x: &Expr, slot: Slot) {
    match op {
        UnOp::Not => {
            out.push_str("not ");
            write_expr(out, x, Slot::new(NOT, slot.tail));
        }
        UnOp::Neg => {
            out.push('-');
            write_expr(out, x, Slot::new(NEG, slot.tail));
        }
    }
}

/// `l op r`: operators are left-associative, so the right operand must bind tighter.
fn write_binary(out: &mut String, op: BinOp, l: &Expr, r: &Expr, slot: Slot) {
    let strength = op.precedence();
    write_expr(out, l, Slot::new(strength, false));
    out.push(' ');
    out.push_str(op.symbol());
    out.push(' ');
    write_expr(out, r, Slot::new(strength + 1, slot.tail));
}

/// An aggregate up to its `where`/`satisfies`: `sum of E for p in L`.
fn aggregate_head(e: &ExprKind) -> String {
    let ExprKind::Aggregate {
        kind,
        var,
        list,
        value,
        ..
    } = e
    else {
        return String::new();
    };
    let binder = format!("{} in {}", var.node, flat(list, Slot::MIDDLE));
    match kind {
        Aggregate::Count => format!("count of {binder}"),
        Aggregate::Sum => {
            let value = value
                .as_ref()
                .map_or_else(String::new, |v| flat(v, Slot::MIDDLE));
            format!("sum of {value} for {binder}")
        }
        Aggregate::Any => format!("any {binder}"),
        Aggregate::Every => format!("every {binder}"),
        Aggregate::Each => format!("each {binder}"),
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

// ------------------------------------------------------------------------------------ line breaking

/// Where a possibly broken expression is printed: the column its first line starts at, the
/// indentation of its continuation lines, and how many characters follow it on its last line.
#[derive(Clone, Copy, Debug)]
struct At {
    col: usize,
    indent: usize,
    trail: usize,
}

impl At {
    fn new(col: usize, indent: usize) -> At {
        At {
            col,
            indent,
            trail: 0,
        }
    }

    /// The same place, with `trail` more characters after the expression.
    fn then(self, trail: usize) -> At {
        At {
            trail: self.trail + trail,
            ..self
        }
    }
}

/// An expression on one line if it fits in [`WIDTH`], else broken before its `and`/`or`,
/// `where`/`satisfies`, `then`/`else`. Only spaces between tokens become line breaks, so the
/// broken text reads as the flat one.
fn layout(e: &Expr, slot: Slot, at: At) -> String {
    let flat = flat(e, slot);
    if at.col + flat.chars().count() + at.trail <= WIDTH {
        return flat;
    }
    if needs_parens(&e.node, slot) {
        let inner = At {
            col: at.col + 1,
            indent: at.col + 1,
            trail: at.trail + 1,
        };
        return format!("({})", broken(e, Slot::TOP, inner));
    }
    broken(e, slot, at)
}

/// `e`, without parentheses around it, broken at its outermost breakable place.
fn broken(e: &Expr, slot: Slot, at: At) -> String {
    match &e.node {
        ExprKind::Binary(op @ (BinOp::And | BinOp::Or), ..) => chain(*op, e, slot, at),
        ExprKind::Unary(UnOp::Not, x) => {
            let inner = At {
                col: at.col + "not ".len(),
                ..at
            };
            format!("not {}", layout(x, Slot::new(NOT, slot.tail), inner))
        }
        ExprKind::If(c, a, b) => broken_if([c.as_ref(), a.as_ref(), b.as_ref()], slot, at),
        ExprKind::Aggregate {
            condition: Some(condition),
            ..
        } => {
            let keyword = aggregate_keyword(&e.node);
            let inner = At {
                col: at.indent + keyword.len() + 1,
                indent: at.indent + 2,
                trail: at.trail,
            };
            let condition = layout(condition, Slot::new(0, slot.tail), inner);
            let head = aggregate_head(&e.node);
            format!("{head}\n{}{keyword} {condition}", spaces(at.indent))
        }
        _ => flat(e, slot),
    }
}

/// `a and b and c` with each operator starting a line at the continuation indent.
fn chain(op: BinOp, e: &Expr, slot: Slot, at: At) -> String {
    let operands = chain_operands(op, e);
    let strength = op.precedence();
    let last = operands.len().saturating_sub(1);
    let mut out = String::new();
    for (i, operand) in operands.into_iter().enumerate() {
        let trail = if i == last { at.trail } else { 0 };
        if i == 0 {
            let first = At {
                col: at.col,
                indent: at.indent + 2,
                trail,
            };
            out.push_str(&layout(operand, Slot::new(strength, false), first));
        } else {
            let slot = Slot::new(strength + 1, slot.tail && i == last);
            let next = At {
                col: at.indent + op.symbol().len() + 1,
                indent: at.indent + 2,
                trail,
            };
            out.push('\n');
            out.push_str(&spaces(at.indent));
            out.push_str(op.symbol());
            out.push(' ');
            out.push_str(&layout(operand, slot, next));
        }
    }
    out
}

/// The operands of a left-nested chain of one operator, left to right.
fn chain_operands(op: BinOp, e: &Expr) -> Vec<&Expr> {
    let mut operands = Vec::new();
    let mut current = e;
    while let ExprKind::Binary(inner, l, r) = &current.node {
        if *inner != op {
            break;
        }
        operands.push(r.as_ref());
        current = l;
    }
    operands.push(current);
    operands.reverse();
    operands
}

/// `if c` / `then a` / `else b`, the last two on continuation lines.
fn broken_if([c, a, b]: [&Expr; 3], slot: Slot, at: At) -> String {
    let deeper = at.indent + 2;
    let condition = layout(c, Slot::MIDDLE, At::new(at.col + "if ".len(), deeper));
    let then = layout(a, Slot::MIDDLE, At::new(at.indent + "then ".len(), deeper));
    let otherwise = At::new(at.indent + "else ".len(), deeper).then(at.trail);
    let otherwise = layout(b, Slot::new(0, slot.tail), otherwise);
    let indent = spaces(at.indent);
    format!("if {condition}\n{indent}then {then}\n{indent}else {otherwise}")
}
