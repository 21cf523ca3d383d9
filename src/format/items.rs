//! The header, items, record fields and rules in the canonical layout, with their comments.

use std::collections::HashSet;

use crate::ast::{
    Clause, ConclusionDecl, DefinitionDecl, Expr, Header, InputDecl, Item, ItemKind, LabelDecl,
    Name, Override, ParameterDecl, Policy, RecordDecl, Require, Rule, RuleKind,
};

use super::expr::{At, Exprs, Slot};
use super::table;
use super::{
    PER_COLUMN, WIDTH, date_text, fill, fits, is_rule_line, quote, spaces, text_lines, type_text,
    width, wrap_joined,
};

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
    OverrideRow,
    AddedRow,
    Label,
}

/// The group of an item; none for the items that always stand apart (records, definitions,
/// conclusions, overridden rules, labels of more than one line).
fn group_of(kind: &ItemKind) -> Option<Group> {
    match kind {
        ItemKind::Clause(_) => Some(Group::Clause),
        ItemKind::Unit(_) => Some(Group::Unit),
        ItemKind::Enum(_) => Some(Group::Enum),
        // An input with `require` lines stands apart, as a record does.
        ItemKind::Input(input) if input.requires.is_empty() => Some(Group::Input),
        ItemKind::Input(_) => None,
        ItemKind::Parameter(_) => Some(Group::Parameter),
        ItemKind::Override(over) => match over.as_ref() {
            Override::Clause(_) => Some(Group::OverrideClause),
            Override::Parameter(_) => Some(Group::OverrideParameter),
            Override::Rule { rule, .. } if rule.kind == RuleKind::Row => Some(Group::OverrideRow),
            Override::Definition(_) | Override::Rule { .. } => None,
        },
        ItemKind::Row(_) => Some(Group::AddedRow),
        // A one-line label groups with the next; one with more texts stands apart.
        ItemKind::Label(label) if label.parts.is_empty() && label.favourable.is_empty() => {
            Some(Group::Label)
        }
        ItemKind::Label(_) => None,
        ItemKind::Record(_) | ItemKind::Definition(_) | ItemKind::Conclusion(_) => None,
    }
}

/// Prints `policy`; `source` is the text it was parsed from, when there is one, whose
/// parentheses and paragraph breaks between comments are kept.
pub(super) fn print(policy: &Policy, source: Option<&str>) -> String {
    let mut printer = Printer {
        out: String::new(),
        exprs: Exprs::new(source),
        paragraphs: source
            .map(crate::syntax::lower::paragraph_breaks)
            .unwrap_or_default(),
    };
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

/// The text being built, line by line.
struct Printer<'s> {
    out: String,
    exprs: Exprs<'s>,
    /// Consecutive comments that the source separates by a blank line (two paragraphs).
    paragraphs: HashSet<(String, String)>,
}

impl Printer<'_> {
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
    /// so that a section heading stands apart, and separates two paragraphs that the source
    /// separates; blank lines do not change which node comments belong to.
    fn comments(&mut self, comments: &[String], indent: usize) {
        let mut rule_lines = 0;
        let mut previous: Option<&String> = None;
        for comment in comments {
            let paragraph =
                previous.is_some_and(|p| self.paragraphs.contains(&(p.clone(), comment.clone())));
            if paragraph && !self.out.ends_with("\n\n") {
                self.out.push('\n');
            }
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
            previous = Some(comment);
        }
    }

    fn header(&mut self, header: &Header) {
        self.comments(&header.comments, 0);
        self.line(0, &format!("policy {}", header.policy.node));
        self.line(0, &format!("version {}", quote(&header.version.node)));
        if header.draft.is_some() {
            self.line(0, "draft");
        }
        if let Some(date) = &header.effective_from {
            self.line(0, &format!("effective from {}", date_text(&date.node)));
        }
        if let Some(extends) = &header.extends {
            self.line(0, &format!("extends {}", quote(&extends.node)));
        }
        // Texts for people go on over further lines when they do not fit on one.
        for (keyword, value) in [("title", &header.title), ("source", &header.source)] {
            if let Some(value) = value {
                let text = text_lines(&value.node, width(keyword) + 1);
                self.line(0, &format!("{keyword} {text}"));
            }
        }
        if let Some(language) = &header.language {
            self.line(0, &format!("language {}", quote(&language.node)));
        }
        if let Some(key) = &header.identified_by {
            self.line(0, &format!("identified by {}", key.node));
        }
    }

    fn item(&mut self, item: &Item) {
        self.comments(&item.comments, 0);
        match &item.kind {
            ItemKind::Clause(clause) => self.clause("", clause),
            ItemKind::Unit(name) => self.line(0, &format!("unit {}", name.node)),
            ItemKind::Enum(decl) => {
                let head = format!("enum {} = ", decl.name.node);
                let variants: Vec<String> = decl.variants.iter().map(|v| v.node.clone()).collect();
                let col = width(&head);
                let indent = if col <= WIDTH / 2 { col } else { 4 };
                let variants = wrap_joined(&variants, " |", col, indent, 0);
                self.line(0, &format!("{head}{variants}"));
            }
            ItemKind::Record(record) => self.record(record),
            ItemKind::Input(input) => {
                self.line(0, &self.input(input));
                self.requires(&input.requires);
            }
            ItemKind::Parameter(parameter) => {
                self.line(0, &self.parameter("", parameter));
                self.reading(&parameter.reading, 2);
            }
            ItemKind::Definition(definition) => self.definition("", definition),
            ItemKind::Conclusion(conclusion) => self.conclusion(conclusion),
            ItemKind::Override(over) => self.override_item(over),
            ItemKind::Row(added) => {
                self.comments(&added.rule.comments, 0);
                let mut head = format!("row {}.{}", added.conclusion.node, added.rule.label.node);
                if let Some(before) = &added.before {
                    head.push_str(" before ");
                    head.push_str(&before.node);
                }
                let line = table::row_line(&self.exprs, &head, &added.rule);
                self.line(0, &line);
                self.reading(&added.rule.reading, 2);
            }
            ItemKind::Label(label) => self.label(label),
        }
    }

    /// `label target "text"` (the text on the next line when it does not fit, and over further
    /// lines when it does not fit there either), then each other text on its own line, going
    /// on over further lines under its first quote.
    fn label(&mut self, label: &LabelDecl) {
        let target = label.target.node.join(".");
        let head = format!("label {target} {}", quote(&label.text.node));
        if width(&head) <= WIDTH {
            self.line(0, &head);
        } else {
            self.line(0, &format!("label {target}"));
            self.line(2, &text_lines(&label.text.node, 2));
        }
        for part in &label.parts {
            let words: Vec<&str> = part
                .kind
                .keyword()
                .into_iter()
                .chain(part.lang.as_ref().map(|l| l.node.as_str()))
                .collect();
            let head = words.join(" ");
            let text = text_lines(&part.text.node, 2 + width(&head) + 1);
            self.line(2, &format!("{head} {text}"));
        }
        if !label.favourable.is_empty() {
            let values: Vec<String> = label.favourable.iter().map(|v| v.node.clone()).collect();
            let col = 2 + "favourable ".len();
            let values = wrap_joined(&values, ",", col, col, 0);
            self.line(2, &format!("favourable {values}"));
        }
    }

    fn clause(&mut self, keyword_prefix: &str, clause: &Clause) {
        let head = format!(
            "{keyword_prefix}clause {} section {}",
            quote(&clause.id.node),
            quote(&clause.section.node)
        );
        match (clause.informative, &clause.reason) {
            (true, Some(reason)) => {
                let one = format!("{head} informative {}", quote(&reason.node));
                if width(&one) <= WIDTH {
                    self.line(0, &one);
                } else {
                    self.line(0, &head);
                    let col = 2 + "informative ".len();
                    self.line(2, &format!("informative {}", text_lines(&reason.node, col)));
                }
            }
            (true, None) => self.line(0, &format!("{head} informative")),
            (false, _) => self.line(0, &head),
        }
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
            let head = format!("{} : {}", field.name.node, type_text(&field.ty.node));
            let text = self.with_value(head, field.default.as_ref(), 2);
            self.line(2, &text);
        }
        self.requires(&record.requires);
    }

    /// The `require` lines of a record or an input, indented under it.
    fn requires(&mut self, requires: &[Require]) {
        for require in requires {
            let message = format!("else {}", quote(&require.message.node));
            // On a line of its own, the message goes on over further lines when it is long.
            let message_lines = format!("else {}", text_lines(&require.message.node, 9));
            let col = 2 + "require ".len();
            let at = At::new(col, 4).then(1 + width(&message));
            let condition = self.exprs.layout(&require.condition, Slot::MIDDLE, at);
            let one = format!("require {condition} {message}");
            if fits(&one, 2, 0) {
                self.line(2, &one);
            } else {
                let at = At::new(col, 4);
                let condition = self.exprs.layout(&require.condition, Slot::MIDDLE, at);
                self.line(2, &format!("require {condition}\n    {message_lines}"));
            }
        }
    }

    /// A definition, `prefix` (`override `) before it: its head (`per` on it, or on the next
    /// line when it does not fit), then `= body`.
    fn definition(&mut self, prefix: &str, definition: &DefinitionDecl) {
        let name = format!("{prefix}definition {}", definition.name.node);
        let ty = format!(" : {}", type_text(&definition.ty.node));
        let params: Vec<String> = definition
            .params
            .iter()
            .map(|f| format!("{} : {}", f.name.node, type_text(&f.ty.node)))
            .collect();
        let head = if params.is_empty() {
            format!("{name}{ty}")
        } else {
            let col = width(&name) + 1;
            let params = wrap_joined(&params, ",", col, col, 1 + width(&ty));
            format!("{name}({params}){ty}")
        };
        self.line(0, &with_citations(head, &definition.citations));
        let body = self
            .exprs
            .layout(&definition.body, Slot::TOP, At::new(4, 4));
        self.line(2, &format!("= {body}"));
        self.reading(&definition.reading, 2);
    }

    /// `reading "…"` at `indent`, going on over further lines under its first quote.
    fn reading(&mut self, reading: &Option<Name>, indent: usize) {
        if let Some(note) = reading {
            let col = indent + "reading ".len();
            self.line(indent, &format!("reading {}", text_lines(&note.node, col)));
        }
    }

    fn conclusion(&mut self, conclusion: &ConclusionDecl) {
        let head = format!(
            "conclusion {} : {}",
            conclusion.name.node,
            type_text(&conclusion.ty.node)
        );
        self.line(0, &head);
        if let Some(t) = &conclusion.table {
            let laid = table::lay_out(&self.exprs, t, &conclusion.rules);
            self.line(2, &laid.heading[0]);
            self.line(4, &laid.heading[1]);
            for (rule, line) in conclusion.rules.iter().zip(&laid.rows) {
                self.comments(&rule.comments, 4);
                self.line(4, line);
                self.reading(&rule.reading, 6);
            }
            return;
        }
        for (i, rule) in conclusion.rules.iter().enumerate() {
            if rule.kind == RuleKind::Row {
                // A row outside its table: one shown alone, in a diff.
                self.comments(&rule.comments, 2);
                let line = table::row_line(&self.exprs, &format!("row {}", rule.label.node), rule);
                self.line(2, &line);
                self.reading(&rule.reading, 4);
                continue;
            }
            // A commented base rule opens a new group of a rule and its exceptions.
            if i > 0 && rule.kind == RuleKind::Rule && !rule.comments.is_empty() {
                self.blank();
            }
            self.comments(&rule.comments, 2);
            self.line(2, &rule_head(rule, &rule.label.node, 2));
            self.rule_body(rule, 4);
        }
    }

    fn override_item(&mut self, over: &Override) {
        match over {
            Override::Clause(clause) => self.clause("override ", clause),
            Override::Parameter(parameter) => {
                let text = self.parameter("override ", parameter);
                self.line(0, &text);
                self.reading(&parameter.reading, 2);
            }
            Override::Definition(definition) => self.definition("override ", definition),
            Override::Rule { conclusion, rule } if rule.kind == RuleKind::Row => {
                self.comments(&rule.comments, 0);
                let head = format!("override row {}.{}", conclusion.node, rule.label.node);
                let line = table::row_line(&self.exprs, &head, rule);
                self.line(0, &line);
                self.reading(&rule.reading, 2);
            }
            Override::Rule { conclusion, rule } => {
                // The parser gives an overridden rule's comments to the item; print any here.
                self.comments(&rule.comments, 0);
                let label = format!("{}.{}", conclusion.node, rule.label.node);
                let head = rule_head(rule, &label, "override ".len());
                self.line(0, &format!("override {head}"));
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
                let text = self.exprs.layout(expr, Slot::TOP, at);
                self.line(indent, &format!("{keyword} {text}"));
            }
        }
        if !rule.citations.is_empty() {
            let col = indent + "per ".len();
            let citations = wrap_joined(&quoted(&rule.citations), ",", col, col, 0);
            self.line(indent, &format!("per {citations}"));
        }
        self.reading(&rule.reading, indent);
    }

    fn input(&self, input: &InputDecl) -> String {
        let head = format!(
            "input {} : {}",
            input.path.node.join("."),
            type_text(&input.ty.node)
        );
        let text = self.with_value(head, input.default.as_ref(), 0);
        with_citations(text, &input.citations)
    }

    fn parameter(&self, keyword_prefix: &str, parameter: &ParameterDecl) -> String {
        let mut head = format!("{keyword_prefix}parameter {}", parameter.name.node);
        if let Some(ty) = &parameter.ty {
            head.push_str(" : ");
            head.push_str(&type_text(&ty.node));
        }
        let text = self.with_value(head, parameter.value.as_ref(), 0);
        with_citations(text, &parameter.citations)
    }

    /// `head = VALUE` when there is a value, for a declaration at `indent`; a value too long
    /// for the line is broken, its continuation lines indented by 4 more.
    fn with_value(&self, mut head: String, value: Option<&Expr>, indent: usize) -> String {
        if let Some(value) = value {
            let at = At::new(indent + width(&head) + " = ".len(), indent + 4);
            head.push_str(" = ");
            head.push_str(&self.exprs.layout(value, Slot::TOP, at));
        }
        head
    }
}

/// `rule L`, `exception L of A, B`, `member L` (with `label` as given, so that an override can
/// write `C.L`), printed from column `col`.
fn rule_head(rule: &Rule, label: &str, col: usize) -> String {
    let mut head = format!("{} {label}", rule.kind.keyword());
    if !rule.overrides.is_empty() {
        head.push_str(" of ");
        let names: Vec<String> = rule.overrides.iter().map(|n| n.node.clone()).collect();
        let at = col + width(&head);
        head.push_str(&wrap_joined(&names, ",", at, at, 0));
    }
    head
}

/// Appends `per "a", "b"` to a declaration: on its last line, aligned on [`PER_COLUMN`] when
/// there is room; on a line of its own, indented by 2, when the declaration takes more than one
/// line or the citations do not fit on it.
fn with_citations(mut text: String, citations: &[Name]) -> String {
    if citations.is_empty() {
        return text;
    }
    let citations = quoted(citations);
    let line_width = width(&text);
    let pad = if line_width + 2 <= PER_COLUMN {
        PER_COLUMN - line_width
    } else {
        4
    };
    let flat = citations.join(", ");
    if !text.contains('\n') && line_width + pad + "per ".len() + width(&flat) <= WIDTH {
        text.push_str(&spaces(pad));
        text.push_str("per ");
        text.push_str(&flat);
    } else {
        let col = 2 + "per ".len();
        text.push_str("\n  per ");
        text.push_str(&wrap_joined(&citations, ",", col, col, 0));
    }
    text
}

fn quoted(names: &[Name]) -> Vec<String> {
    names.iter().map(|c| quote(&c.node)).collect()
}
