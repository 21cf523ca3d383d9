//! The checked, compiled policy: names resolved to indices, types known, citations resolved to
//! clauses. This is what the evaluator runs and what the service serves.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::span::{SourceMap, Span};

mod labels;
mod rule_set;
mod value;

pub use labels::{Label, Labels, Lang, Said, Texts};
pub use rule_set::RuleSet;
pub use value::Value;

/// Index of a clause in [`CompiledPolicy::clauses`].
pub type ClauseId = usize;

/// A unit of measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// A plain number.
    None,
    /// Calendar days.
    Days,
    /// Weeks of seven days.
    Weeks,
    /// Calendar months.
    Months,
    /// Calendar years.
    Years,
    /// A unit the policy declared (index into [`TypeTable::units`]).
    Custom(usize),
}

/// A static type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// A number, whole or not, with a unit.
    Num {
        /// Only whole numbers.
        integral: bool,
        /// Its unit.
        unit: Unit,
    },
    /// `text`
    Text,
    /// `date`
    Date,
    /// An enum (index into [`TypeTable::enums`]).
    Enum(usize),
    /// A record (index into [`TypeTable::records`]).
    Record(usize),
    /// `list of T`
    List(Box<Type>),
    /// `set of T`
    Set(Box<Type>),
    /// `optional T`
    Optional(Box<Type>),
    /// The type of `none` and `[]` before context gives them one.
    Any,
}

impl Type {
    /// `T` for `optional T`, else itself.
    pub fn base(&self) -> &Type {
        match self {
            Type::Optional(t) => t.base(),
            t => t,
        }
    }

    /// The element type of a list or set.
    pub fn element(&self) -> Option<&Type> {
        match self.base() {
            Type::List(t) | Type::Set(t) => Some(t),
            _ => None,
        }
    }

    /// True for `optional T`.
    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_))
    }
}

/// An enum's declaration.
#[derive(Clone, Debug)]
pub struct EnumInfo {
    /// Its name.
    pub name: String,
    /// Its values, in declared order.
    pub variants: Vec<String>,
    /// Where it was declared.
    pub span: Span,
}

/// How a field or input behaves when absent.
#[derive(Clone, Debug, PartialEq)]
pub enum Presence {
    /// Absent is a missing fact.
    Required,
    /// Absent is `none`.
    Optional,
    /// Absent takes this value.
    Default(Value),
}

/// A record field.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// Its name.
    pub name: String,
    /// Its type (for optional fields, the type of a present value).
    pub ty: Type,
    /// What absence means.
    pub presence: Presence,
}

/// A record's declaration.
#[derive(Clone, Debug)]
pub struct RecordInfo {
    /// Its name.
    pub name: String,
    /// Its fields, in declared order (the order of [`Value::Record`] slots).
    pub fields: Vec<FieldInfo>,
    /// Invariants the input must meet, with their messages.
    pub requires: Vec<(Ir, String)>,
}

/// Enums, records and units.
#[derive(Clone, Debug, Default)]
pub struct TypeTable {
    /// Enums, by index.
    pub enums: Vec<EnumInfo>,
    /// Records, by index.
    pub records: Vec<RecordInfo>,
    /// Declared units, by index.
    pub units: Vec<String>,
}

impl TypeTable {
    /// The name of a unit, as written in policies.
    #[expect(
        clippy::indexing_slicing,
        reason = "the checker builds every `Unit::Custom` from an index into this table"
    )]
    pub fn unit_name(&self, unit: Unit) -> &str {
        match unit {
            Unit::None => "",
            Unit::Days => "days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
            Unit::Years => "years",
            Unit::Custom(i) => &self.units[i],
        }
    }

    /// The name of variant `i` of enum `e`.
    pub fn variant_name(&self, e: u32, i: u32) -> Option<&str> {
        let info = self.enums.get(e as usize)?;
        info.variants.get(i as usize).map(String::as_str)
    }

    /// A type as a policy author writes it.
    #[expect(
        clippy::indexing_slicing,
        reason = "the checker builds every `Type::Enum` and `Type::Record` from an index into \
                  this table"
    )]
    pub fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Num { integral, unit } => {
                let kind = if *integral { "integer" } else { "decimal" };
                match unit {
                    Unit::None => kind.into(),
                    u => format!("{kind} {}", self.unit_name(*u)),
                }
            }
            Type::Text => "text".into(),
            Type::Date => "date".into(),
            Type::Enum(i) => self.enums[*i].name.clone(),
            Type::Record(i) => self.records[*i].name.clone(),
            Type::List(t) => format!("list of {}", self.type_name(t)),
            Type::Set(t) => format!("set of {}", self.type_name(t)),
            Type::Optional(t) => format!("optional {}", self.type_name(t)),
            Type::Any => "none".into(),
        }
    }
}

/// A compiled expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Ir {
    /// What it computes.
    pub kind: IrKind,
    /// Where it was written.
    pub span: Span,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
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
}

/// Arithmetic operators on numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// How a number is rounded to a multiple of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoundMode {
    /// Toward minus infinity (`floor`).
    Down,
    /// Toward plus infinity (`ceil`).
    Up,
    /// To the nearest, a half away from zero (`round`: how French administration rounds,
    /// 0.125 € to 0.13 €).
    HalfUp,
    /// To the nearest, a half to the even multiple (`round_half_even`, the banker's rounding).
    HalfEven,
}

/// A rounding: its mode and the step the result is a multiple of (`1` for a whole number,
/// `0.01` for cents), whose scale the result takes (`421.8` to the cent is `421.80`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rounding {
    /// How.
    pub mode: RoundMode,
    /// To a multiple of what (positive).
    pub step: rust_decimal::Decimal,
}

impl Rounding {
    /// `n` rounded; none when the step is not positive or the result overflows.
    pub fn apply(self, n: rust_decimal::Decimal) -> Option<rust_decimal::Decimal> {
        use rust_decimal::RoundingStrategy as S;
        if self.step <= rust_decimal::Decimal::ZERO {
            return None;
        }
        let strategy = match self.mode {
            RoundMode::Down => S::ToNegativeInfinity,
            RoundMode::Up => S::ToPositiveInfinity,
            RoundMode::HalfUp => S::MidpointAwayFromZero,
            RoundMode::HalfEven => S::MidpointNearestEven,
        };
        let multiples = n
            .checked_div(self.step)?
            .round_dp_with_strategy(0, strategy);
        let mut out = multiples.checked_mul(self.step)?;
        out.rescale(self.step.scale());
        Some(out)
    }
}

/// The compiled forms of expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum IrKind {
    /// A constant.
    Const(Value),
    /// A declared input, by slot.
    Input(usize),
    /// A parameter, by index.
    Param(usize),
    /// A definition without parameters (evaluated once per decision).
    Def(usize),
    /// A conclusion (evaluated once per decision).
    Conclusion(usize),
    /// A local variable: a bound variable of an aggregate or a definition's parameter, by
    /// depth in the local stack.
    Local(usize),
    /// A call of a definition with parameters.
    Call(usize, Vec<Ir>),
    /// A field of a record, by index.
    Field(Box<Ir>, usize),
    /// `not`
    Not(Box<Ir>),
    /// Unary minus.
    Neg(Box<Ir>),
    /// Three-valued `and`.
    And(Box<Ir>, Box<Ir>),
    /// Three-valued `or`.
    Or(Box<Ir>, Box<Ir>),
    /// A comparison (a comparison of `none` by order is false).
    Cmp(CmpOp, Box<Ir>, Box<Ir>),
    /// Arithmetic on numbers (`none` in, `none` out).
    Arith(ArithOp, Box<Ir>, Box<Ir>),
    /// Membership in a list or set.
    In(Box<Ir>, Box<Ir>),
    /// `date - date`, in days.
    DaysBetween(Box<Ir>, Box<Ir>),
    /// `date ± n days` (the number already in days, signed by the operator).
    AddDays(Box<Ir>, Box<Ir>, i8),
    /// `date ± n months` (the number already in months).
    AddMonths(Box<Ir>, Box<Ir>, i8),
    /// Multiplies a number by the first constant and divides it by the second (unit
    /// conversions): dividing last keeps `84 days as weeks` exactly `12`, where multiplying by a
    /// rounded `1/7` gave `12.000000000000000000000000004`.
    Scale(Box<Ir>, Decimal, Decimal),
    /// `is absent`
    IsAbsent(Box<Ir>),
    /// `is empty`
    IsEmpty(Box<Ir>),
    /// `floor`, `ceil`, `round`, `round_half_even`: to a multiple of a step
    Round(Box<Ir>, Rounding),
    /// `min(a, b)` (false) or `max(a, b)` (true)
    MinMax(bool, Box<Ir>, Box<Ir>),
    /// `if c then a else b`
    If(Box<Ir>, Box<Ir>, Box<Ir>),
    /// A list literal; `set` sorts and deduplicates it.
    List(Vec<Ir>, bool),
    /// An aggregate over a list, with the bound variable pushed on the local stack.
    Aggregate {
        /// Which aggregate.
        kind: crate::ast::Aggregate,
        /// The list.
        list: Box<Ir>,
        /// What `sum` adds.
        value: Option<Box<Ir>>,
        /// The filter or condition.
        condition: Option<Box<Ir>>,
    },
}

/// A clause of the regulation.
#[derive(Clone, Debug, PartialEq)]
pub struct ClauseInfo {
    /// Its reference.
    pub id: Arc<str>,
    /// Its section.
    pub section: Arc<str>,
    /// Its text.
    pub text: Arc<str>,
    /// Marked `informative`: it sets no rule, so nothing is expected to cite it.
    pub informative: bool,
    /// Why it sets no rule, when said (`informative "objectifs du stage"`).
    pub reason: Option<Arc<str>>,
    /// Where it was declared (in which layer).
    pub span: Span,
}

/// A declared input.
#[derive(Clone, Debug)]
pub struct InputInfo {
    /// The dotted path.
    pub path: String,
    /// The same, shared: the name of the missing fact when the input is absent.
    pub fact_path: Arc<str>,
    /// The path's segments.
    pub segments: Vec<String>,
    /// Its type (for optional inputs, the type of a present value).
    pub ty: Type,
    /// What absence means.
    pub presence: Presence,
    /// The clauses it serves.
    pub citations: Vec<ClauseId>,
    /// Invariants a record must meet, with their messages: a record that breaks one is refused
    /// with this input's pointer.
    pub requires: Vec<(Ir, String)>,
    /// Where it was declared.
    pub span: Span,
}

/// A parameter.
#[derive(Clone, Debug)]
pub struct ParamInfo {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Its value; none while no layer sets it.
    pub value: Option<Value>,
    /// The clauses that set it.
    pub citations: Vec<ClauseId>,
    /// The interpretation its value rests on, when the policy states one.
    pub reading: Option<Arc<str>>,
    /// Where its value (or declaration) was written.
    pub span: Span,
}

/// A definition.
#[derive(Clone, Debug)]
pub struct DefInfo {
    /// Its name.
    pub name: String,
    /// Its parameters' names and types.
    pub params: Vec<(String, Type)>,
    /// The type of its result.
    pub ty: Type,
    /// Its body.
    pub body: Ir,
    /// The clauses it implements.
    pub citations: Vec<ClauseId>,
    /// The interpretation it rests on, when the policy states one.
    pub reading: Option<Arc<str>>,
    /// Where it was declared.
    pub span: Span,
}

/// A rule of a conclusion.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    /// Its label.
    pub label: Arc<str>,
    /// Base rule, exception or member.
    pub kind: crate::ast::RuleKind,
    /// The rules it overrides, directly or through others (indices in the conclusion).
    pub overrides: RuleSet,
    /// The rules it overrides directly: those an exception names after `of`, the row below a
    /// row of a `first` table. What a reviewer reads: a table's rows in a chain, where the
    /// closure of each holds every row below it.
    pub overrides_directly: RuleSet,
    /// When it applies (always if none).
    pub condition: Option<Ir>,
    /// What it gives.
    pub value: Ir,
    /// The clauses it rests on.
    pub citations: Vec<ClauseId>,
    /// The interpretation it rests on, when the policy states one.
    pub reading: Option<Arc<str>>,
    /// Where it was written.
    pub span: Span,
    /// Where its label was written (what diagnostics point at).
    pub label_span: Span,
}

/// A conclusion.
#[derive(Clone, Debug)]
pub struct ConclusionInfo {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// True for `set of …` conclusions made of members.
    pub is_set: bool,
    /// Its rules.
    pub rules: Vec<RuleInfo>,
    /// Where it was declared.
    pub span: Span,
}

/// A checked version of a policy, every layer merged in.
#[derive(Clone, Debug)]
pub struct CompiledPolicy {
    /// The policy id.
    pub id: String,
    /// The version label.
    pub version: String,
    /// When it takes effect; none for a label-only version.
    pub effective_from: Option<NaiveDate>,
    /// A draft: never in force, decided by label only on request (`draft` in its header).
    pub draft: bool,
    /// The version it extends, if any.
    pub extends: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// Its legal source.
    pub source: Option<String>,
    /// The sha256 of the sources of this version and its layers.
    pub sha256: String,
    /// The input that identifies a candidate in the decision records (`identified by
    /// candidate.id`), if the policy names one.
    pub record_key: Option<String>,
    /// The clauses, in declaration order (root layer first).
    pub clauses: Vec<ClauseInfo>,
    /// Enums, records and units.
    pub types: TypeTable,
    /// The declared inputs, by slot.
    pub inputs: Vec<InputInfo>,
    /// The parameters.
    pub params: Vec<ParamInfo>,
    /// The definitions.
    pub defs: Vec<DefInfo>,
    /// The conclusions, in declaration order.
    pub conclusions: Vec<ConclusionInfo>,
    /// The source files of every layer (for diagnostics and the `source` endpoint).
    pub sources: Arc<SourceMap>,
    /// The files of this version's layers, root first.
    pub layer_files: Vec<crate::span::FileId>,
    /// The declarations of every layer, merged: what was checked, and what the semantic diff
    /// compares.
    pub merged: Arc<crate::ast::Merged>,
    /// The declared inputs as a tree of groups, by the segments of their dotted paths.
    pub input_tree: InputGroup,
    /// Words for people.
    pub labels: Labels,
}

/// The declared inputs as a tree: `report.pages` is the leaf `pages` of the group `report`.
#[derive(Clone, Debug, Default)]
pub struct InputGroup {
    /// The members of this group: a declared input (its slot) or a nested group.
    pub members: std::collections::BTreeMap<String, InputNode>,
}

/// A member of a group of inputs.
#[derive(Clone, Debug)]
pub enum InputNode {
    /// A declared input, by slot.
    Leaf(usize),
    /// A nested group.
    Group(InputGroup),
}

impl InputGroup {
    /// Builds the tree of the declared inputs.
    pub fn of(inputs: &[InputInfo]) -> InputGroup {
        let mut root = InputGroup::default();
        for (slot, info) in inputs.iter().enumerate() {
            root.insert(&info.segments, slot);
        }
        root
    }

    fn insert(&mut self, segments: &[String], slot: usize) {
        match segments {
            [] => {}
            [last] => {
                self.members.insert(last.clone(), InputNode::Leaf(slot));
            }
            [first, rest @ ..] => {
                let node = self
                    .members
                    .entry(first.clone())
                    .or_insert_with(|| InputNode::Group(InputGroup::default()));
                if let InputNode::Group(g) = node {
                    g.insert(rest, slot);
                }
            }
        }
    }
}
