//! The abstract syntax of a policy file: plain data, with spans beside the nodes.
//!
//! Equality ignores spans (see [`Spanned`]), so two files that differ only in layout and
//! comments' placement have equal ASTs when their comments are the same.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::span::{FileId, Span, Spanned};

/// A name as written, with its place.
pub type Name = Spanned<String>;

/// One policy file: one version of one regulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// `policy`, `version`, `effective from`, `extends`, `title`, `source`.
    pub header: Header,
    /// The declarations, in file order.
    pub items: Vec<Item>,
    /// Comments after the last item.
    pub trailing_comments: Vec<String>,
}

/// The policy's metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Comments before the `policy` line.
    pub comments: Vec<String>,
    /// The policy id (`exam-regulation`).
    pub policy: Name,
    /// The version label.
    pub version: Name,
    /// Where the word `draft` stands, for a version put before reviewers: never in force, never
    /// chosen by date, decided by label only on request.
    pub draft: Option<Spanned<()>>,
    /// When the version takes effect; none for a version selected by label only.
    pub effective_from: Option<Spanned<NaiveDate>>,
    /// The version this one is a layer over.
    pub extends: Option<Name>,
    /// A human title.
    pub title: Option<Name>,
    /// The legal source (the text that enacts the regulation).
    pub source: Option<Name>,
    /// The language of its labels (`fr`, `en`); when declared, everything a person reads
    /// should have a label.
    pub language: Option<Name>,
    /// The input that identifies a candidate in the decision records (`identified by
    /// candidate.id`), as written.
    pub identified_by: Option<Name>,
}

/// A top-level declaration with the comments written before it.
#[derive(Clone, Debug)]
pub struct Item {
    /// Comment lines (without `#`) written before the item, or inside it where no field or
    /// rule takes them (on a `require` line); `fmt` prints them above the item.
    pub comments: Vec<String>,
    /// The declaration.
    pub kind: ItemKind,
    /// The whole item.
    pub span: Span,
}

/// The kinds of declaration. Each declaration is behind an `Arc`, so that merging a version's
/// layers shares the parsed declarations instead of copying them (a code of many thousand
/// items would otherwise be copied once more at every load).
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `clause "3-1" section "3" | …`
    Clause(Arc<Clause>),
    /// `unit pages`
    Unit(Name),
    /// `enum pathway = a | b`
    Enum(Arc<EnumDecl>),
    /// `record period …`
    Record(Arc<RecordDecl>),
    /// `input a.b : T …`
    Input(Arc<InputDecl>),
    /// `parameter x = … per …`
    Parameter(Arc<ParameterDecl>),
    /// `definition f(x : T) : T = …`
    Definition(Arc<DefinitionDecl>),
    /// `conclusion c : T` and its rules
    Conclusion(Arc<ConclusionDecl>),
    /// `override …`: replaces an inherited declaration
    Override(Arc<Override>),
    /// `row c.label …`: a row a layer adds to an inherited table
    Row(Arc<AddedRow>),
    /// `label candidate.pathway "voie de formation" …`: words for people
    Label(Arc<LabelDecl>),
}

/// The words people read for a name: its label, in the policy's language and others, and for
/// an input the question an interview asks and a help text.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelDecl {
    /// What is labelled: an input path, `enum.value`, `record.field`, or the name of a
    /// conclusion, parameter, definition or unit.
    pub target: Spanned<Vec<String>>,
    /// The label in the policy's language.
    pub text: Name,
    /// The other texts.
    pub parts: Vec<LabelPart>,
    /// For a conclusion, the values a candidate hopes for (`true`, `none`, enum values), as
    /// written; empty when not said.
    pub favourable: Vec<Name>,
}

/// One more text of a label.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelPart {
    /// What the text is.
    pub kind: LabelKind,
    /// Its language (`en`, `fr`); none for the policy's.
    pub lang: Option<Name>,
    /// The text.
    pub text: Name,
}

/// What a text of a label is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelKind {
    /// The label itself (in another language).
    Label,
    /// The question an interview asks for an input.
    Question,
    /// A help text shown with the question.
    Help,
    /// A unit's singular (`semaine` for `semaines`).
    Singular,
}

impl LabelKind {
    /// The keyword that introduces it; none for the label.
    pub fn keyword(self) -> Option<&'static str> {
        match self {
            LabelKind::Label => None,
            LabelKind::Question => Some("question"),
            LabelKind::Help => Some("help"),
            LabelKind::Singular => Some("singular"),
        }
    }
}

/// A quoted paragraph of the regulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// The reference policies cite (`2.1.2-4`).
    pub id: Name,
    /// The section of the regulation it belongs to.
    pub section: Name,
    /// Marked `informative`: it sets no rule, so nothing is expected to cite it.
    pub informative: bool,
    /// Why it sets no rule (`informative "objectifs du stage"`), when said.
    pub reason: Option<Name>,
    /// The text, lines joined with single spaces.
    pub text: Spanned<String>,
}

/// An enumeration and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    /// Its name.
    pub name: Name,
    /// Its values, in declared order (also the order of sets).
    pub variants: Vec<Name>,
}

/// A record type of the input.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordDecl {
    /// Its name.
    pub name: Name,
    /// Its fields.
    pub fields: Vec<FieldDecl>,
    /// Invariants the input must meet.
    pub requires: Vec<Require>,
}

/// A field of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    /// Comment lines before the field, or at the end of its line.
    pub comments: Vec<String>,
    /// Its name.
    pub name: Name,
    /// Its type.
    pub ty: Spanned<TypeExpr>,
    /// The value taken when absent.
    pub default: Option<Expr>,
}

/// `require CONDITION else "message"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Require {
    /// What must hold.
    pub condition: Expr,
    /// What the input error says when it does not.
    pub message: Name,
}

/// A declared input path.
#[derive(Clone, Debug, PartialEq)]
pub struct InputDecl {
    /// The dotted path (`report.pages`).
    pub path: Spanned<Vec<String>>,
    /// Its type.
    pub ty: Spanned<TypeExpr>,
    /// The value taken when absent.
    pub default: Option<Expr>,
    /// The clauses it serves (optional on inputs).
    pub citations: Vec<Name>,
    /// Invariants a record must meet, or be refused with the input's pointer.
    pub requires: Vec<Require>,
}

/// A named constant.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterDecl {
    /// Its name.
    pub name: Name,
    /// Its declared type, if written.
    pub ty: Option<Spanned<TypeExpr>>,
    /// Its value; none for a parameter a later layer sets.
    pub value: Option<Expr>,
    /// The clauses that set it.
    pub citations: Vec<Name>,
    /// The interpretation its value rests on (`reading "…"`), when the text leaves it open.
    pub reading: Option<Name>,
}

/// A named value or pure function.
#[derive(Clone, Debug, PartialEq)]
pub struct DefinitionDecl {
    /// Its name.
    pub name: Name,
    /// Its parameters (empty for a plain value).
    pub params: Vec<Formal>,
    /// The type of its result.
    pub ty: Spanned<TypeExpr>,
    /// The clauses it implements.
    pub citations: Vec<Name>,
    /// Its body.
    pub body: Expr,
    /// The interpretation it rests on (`reading "…"`), when the text leaves it open.
    pub reading: Option<Name>,
}

/// A parameter of a definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Formal {
    /// Its name.
    pub name: Name,
    /// Its type.
    pub ty: Spanned<TypeExpr>,
}

/// An output of the policy.
#[derive(Clone, Debug, PartialEq)]
pub struct ConclusionDecl {
    /// Its name.
    pub name: Name,
    /// Its type.
    pub ty: Spanned<TypeExpr>,
    /// The rules that give its value (a table's rows, when it has one).
    pub rules: Vec<Rule>,
    /// Its decision table, when its rules are written as one: the rows are then its rules.
    pub table: Option<Table>,
}

/// A decision table: how its rows combine, and what each column tests.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// How the rows that apply give the value.
    pub hit: Spanned<HitPolicy>,
    /// What each column tests, in order.
    pub columns: Vec<Expr>,
}

/// How the rows of a table that apply give its value (DMN's hit policies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HitPolicy {
    /// The first row that applies, from the top.
    First,
    /// At most one row applies: the checker rejects rows that can apply together.
    Unique,
    /// Rows that apply together give the same value, or the decision reports a conflict.
    Any,
    /// Every row that applies gives a member of the set.
    Collect,
}

impl HitPolicy {
    /// How it is written.
    pub fn keyword(self) -> &'static str {
        match self {
            HitPolicy::First => "first",
            HitPolicy::Unique => "unique",
            HitPolicy::Any => "any",
            HitPolicy::Collect => "collect",
        }
    }
}

/// What a cell of a table row asks of its column.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// `-`: any value.
    Any,
    /// A value the column equals.
    Equal(Expr),
    /// `< VALUE` and the other comparisons.
    Compare(BinOp, Expr),
    /// `[LOW .. HIGH]`; an open end (`]LOW ..`, `.. HIGH[`) is left out.
    Range {
        /// The lower end.
        low: Expr,
        /// True when the lower end is left out.
        low_open: bool,
        /// The upper end.
        high: Expr,
        /// True when the upper end is left out.
        high_open: bool,
    },
    /// `in [VALUES]` or `not in [VALUES]`.
    In {
        /// True for `not in`.
        negated: bool,
        /// The list.
        list: Expr,
    },
}

/// `row c.label [before other] | … | gives … per …`: a row a layer adds to an inherited table.
#[derive(Clone, Debug, PartialEq)]
pub struct AddedRow {
    /// The conclusion whose table it extends.
    pub conclusion: Name,
    /// The row it is placed before; last when none.
    pub before: Option<Name>,
    /// The row.
    pub rule: Rule,
}

/// What a rule is within its conclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// A base rule.
    Rule,
    /// An exception to other rules.
    Exception,
    /// A member of a set-valued conclusion.
    Member,
    /// A row of a decision table.
    Row,
}

impl RuleKind {
    /// The keyword that introduces it.
    pub fn keyword(self) -> &'static str {
        match self {
            RuleKind::Rule => "rule",
            RuleKind::Exception => "exception",
            RuleKind::Member => "member",
            RuleKind::Row => "row",
        }
    }
}

/// A rule of a conclusion.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Comment lines before the rule, or written on its lines (`fmt` prints them above it).
    pub comments: Vec<String>,
    /// Base rule, exception or member.
    pub kind: RuleKind,
    /// Its label, unique within the conclusion.
    pub label: Name,
    /// The rules an exception overrides.
    pub overrides: Vec<Name>,
    /// When it applies (always, if none).
    pub condition: Option<Expr>,
    /// What it gives (for a member without `gives`, the value named like the label).
    pub value: Option<Expr>,
    /// The clauses it rests on.
    pub citations: Vec<Name>,
    /// The interpretation it rests on (`reading "…"`), when the text leaves it open.
    pub reading: Option<Name>,
    /// A table row's cells, one per column (its condition is then none: the checker reads
    /// it from the cells and the table's columns).
    pub cells: Option<Vec<Spanned<Cell>>>,
    /// The whole rule.
    pub span: Span,
}

/// `override …`
#[derive(Clone, Debug, PartialEq)]
pub enum Override {
    /// A clause whose text a layer amends.
    Clause(Clause),
    /// A parameter a layer sets or changes.
    Parameter(ParameterDecl),
    /// A definition a layer computes otherwise (same parameters, same type).
    Definition(DefinitionDecl),
    /// A rule of a conclusion (`override rule c.label …`).
    Rule {
        /// The conclusion the rule belongs to.
        conclusion: Name,
        /// The new rule, under the label it replaces.
        rule: Rule,
    },
}

/// A type as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeExpr {
    /// `integer [unit]`
    Integer(Option<Name>),
    /// `decimal [unit]`
    Decimal(Option<Name>),
    /// A single name: `bool`, `text`, `date`, a unit (`weeks`), an enum or a record.
    Named(String),
    /// `optional T`
    Optional(Box<Spanned<TypeExpr>>),
    /// `list of T`
    List(Box<Spanned<TypeExpr>>),
    /// `set of T`
    Set(Box<Spanned<TypeExpr>>),
}

/// An expression with its span.
pub type Expr = Spanned<ExprKind>;

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinOp {
    /// How the operator is written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    /// Binding strength: higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::In
            | BinOp::NotIn => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
        }
    }
}

/// The postfix tests `is absent`, `is present`, `is empty`, `is not empty`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsTest {
    /// `is absent`
    Absent,
    /// `is present`
    Present,
    /// `is empty`
    Empty,
    /// `is not empty`
    NotEmpty,
}

impl IsTest {
    /// How the test is written.
    pub fn words(self) -> &'static str {
        match self {
            IsTest::Absent => "is absent",
            IsTest::Present => "is present",
            IsTest::Empty => "is empty",
            IsTest::NotEmpty => "is not empty",
        }
    }
}

/// The list quantifiers and aggregates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// `count of x in L [where C]`
    Count,
    /// `sum of E for x in L [where C]`
    Sum,
    /// `any x in L where C`
    Any,
    /// `every x in L satisfies C`
    Every,
    /// `each x in L where C`
    Each,
}

/// Expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `true`, `false`
    Bool(bool),
    /// `12`, `4.5`
    Number(Decimal),
    /// `12 weeks`, `50 pages`
    Quantity(Decimal, Name),
    /// `6 %`: the number written, a hundredth of it meant
    Percent(Decimal),
    /// `2027-04-16`
    Date(NaiveDate),
    /// `"text"`
    Text(String),
    /// `none`
    None,
    /// `[a, b]`: a list (or set, where one is expected) of values
    List(Vec<Expr>),
    /// A name: an input root, a parameter, a definition, a conclusion, a bound variable or an
    /// enum value.
    Name(String),
    /// `e.field`
    Field(Box<Expr>, Name),
    /// `f(a, b)`
    Call(Name, Vec<Expr>),
    /// `not e`, `-e`
    Unary(UnOp, Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `e is absent` and the like
    Is(Box<Expr>, IsTest),
    /// `e as weeks`
    As(Box<Expr>, Name),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// An aggregate over a list: `var` ranges over `list`; `body` is the filter or condition
    /// (`where`/`satisfies`), `value` what `sum` adds up.
    Aggregate {
        /// Which aggregate.
        kind: Aggregate,
        /// The bound variable.
        var: Name,
        /// The list it ranges over.
        list: Box<Expr>,
        /// What `sum` adds.
        value: Option<Box<Expr>>,
        /// The filter (`where`) or the condition (`satisfies`).
        condition: Option<Box<Expr>>,
    },
}

// Equality ignores spans, as `Spanned` does.
impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.comments == other.comments && self.kind == other.kind
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.comments == other.comments
            && self.kind == other.kind
            && self.label == other.label
            && self.overrides == other.overrides
            && self.condition == other.condition
            && self.value == other.value
            && self.citations == other.citations
            && self.reading == other.reading
            && self.cells == other.cells
    }
}

/// Every declaration of a version, its layers merged: what the type checker sees.
///
/// Declarations are shared with the version this one extends ([`crate::check::layers::merge_onto`] copies pointers,
/// not syntax trees); an override replaces the pointer, or copies the one conclusion it changes.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The header of the version itself.
    pub header: Header,
    /// The files of the layers, root first.
    pub chain: Vec<FileId>,
    /// Clauses, overrides applied in place.
    pub clauses: Vec<Arc<Clause>>,
    /// Declared units.
    pub units: Vec<Name>,
    /// Enums.
    pub enums: Vec<Arc<EnumDecl>>,
    /// Records.
    pub records: Vec<Arc<RecordDecl>>,
    /// Inputs.
    pub inputs: Vec<Arc<InputDecl>>,
    /// Parameters, overrides applied in place.
    pub params: Vec<Arc<ParameterDecl>>,
    /// Definitions.
    pub defs: Vec<Arc<DefinitionDecl>>,
    /// Conclusions, rule overrides applied in place.
    pub conclusions: Vec<Arc<ConclusionDecl>>,
    /// The first declaration of every overridden parameter: an override keeps its type.
    pub replaced_params: HashMap<String, ParameterDecl>,
    /// Labels; a later layer's label of a name replaces the earlier one.
    pub labels: Vec<Arc<LabelDecl>>,
}
