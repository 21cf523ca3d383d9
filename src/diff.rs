//! Semantic diff and impact replay: what changed in meaning between two versions of a policy
//! (layers resolved), and which candidates the change affects.
//!
//! [`diff`] compares two [`CompiledPolicy`]s by name, never by position or layout: reformatting
//! a file, reordering its items, moving a comment or reordering a `per` list gives an empty
//! diff. Rules and definitions are compared on their syntax trees (rebuilt from the sources the
//! policy was compiled from, with the same layer merge as the checker), whose equality ignores
//! spans; values and types on the compiled policy, where `12 weeks` and `integer weeks` are
//! already resolved. [`impact`] evaluates candidate records under both versions and keeps the
//! conclusions whose status or value differs. [`render`] prints both for a reviewer, in French,
//! as text or markdown.
//!
//! # JSON shape of a [`PolicyDiff`]
//!
//! Every list is always present (empty when nothing changed); every entry has a `change` of
//! `"added"`, `"removed"` or `"changed"`, an `old` side (`null` when added) and a `new` side
//! (`null` when removed). Entries come in the new version's declaration order, removed entries
//! after them in the old version's order.
//!
//! ```json
//! {
//!   "from": { "id": "…", "version": "session-2026", "effective_from": "2025-09-01", "sha256": "…" },
//!   "to":   { "id": "…", "version": "session-2027", "effective_from": "2026-09-01", "sha256": "…" },
//!   "metadata":    [ { "field": "effective_from" | "title" | "source", "old": "…" | null, "new": "…" | null } ],
//!   "clauses":     [ { "id": "3-1", "change": "changed",
//!                      "old": { "section": "3", "text": "…", "informative": false }, "new": { … },
//!                      "text_diff": [ { "op": "equal" | "removed" | "added", "text": "…" } ] } ],
//!   "parameters":  [ { "name": "report_deadline", "change": "changed",
//!                      "old": { "type": "date", "value": "2026-04-17", "citations": ["4-3"] },
//!                      "new": { "type": "date", "value": "2027-04-16", "citations": ["4-3"] } } ],
//!   "conclusions": [ { "name": "required_weeks", "change": "changed",
//!                      "old": { "type": "optional integer weeks" }, "new": { … },
//!                      "rules": [ { "label": "reduced", "change": "changed", "aspects": ["citations"],
//!                                   "old": { "kind": "exception", "overrides": ["normal"],
//!                                            "citations": ["3-1", "3-2"], "text": "exception reduced of normal\n  when …" },
//!                                   "new": { … },
//!                                   "text_diff": [ { "op": "equal", "text": "exception reduced …" } ] } ] } ],
//!   "definitions": [ { "name": "weeks_of", "change": "changed", "old": "definition weeks_of(…) …", "new": "…" } ],
//!   "inputs":      [ { "path": "internship.periods[].host", "change": "added", "old": null,
//!                      "new": { "type": "text", "presence": "optional", "default": null, "citations": [] } } ],
//!   "types":       [ { "name": "pathway", "kind": "enum" | "record" | "unit", "change": "changed",
//!                      "old": "enum pathway = a | b", "new": "enum pathway = a | b | c" } ],
//!   "warnings":    [ "…" ]
//! }
//! ```
//!
//! - A parameter's `value` is rendered as a reviewer reads it (`8 weeks`, `2027-04-16`,
//!   `aucun`), `null` while no layer sets it. `citations` are clause ids in written order.
//! - A clause's `text_diff` (empty unless its text changed) splits the texts into words: the
//!   old text is its `equal` and `removed` segments joined with single spaces, the new text its
//!   `equal` and `added` ones.
//! - A conclusion is `changed` when its type or any of its `rules` changed; an added (removed)
//!   conclusion lists its rules as added (removed). A rule's `aspects` name what changed among
//!   `kind`, `overrides`, `condition`, `value`, `citations`; its `text` is the rule printed in
//!   the canonical layout (`clausier fmt`), without comments. A changed rule's `text_diff`
//!   compares those texts word by word, keeping their layout: the old text is its `equal` and
//!   `removed` segments put end to end (not joined with spaces, unlike a clause's), the new
//!   text its `equal` and `added` ones.
//! - `inputs` lists the declared inputs and, below a record, its fields (`path.field`, or
//!   `path[].field` for a list of records); `presence` is `required`, `optional` or `default`
//!   (with `default` rendered).
//! - `definitions` and `types` give the canonical text of each side.
//! - `warnings` says when part of the comparison could not be made (none today: the checker
//!   keeps the declarations of every version it compiles).
//!
//! See [`impact`] for the JSON shape of an [`Impact`].

mod compare;
mod impact;
pub mod render;
pub(crate) mod source;

use serde::Serialize;

use crate::decision::PolicyRef;
use crate::model::CompiledPolicy;

pub use impact::{
    CaseImpact, CaseOutcome, Compared, ConclusionChange, ConclusionCount, Impact, ImpactCounts,
    InvalidCase, OneSided, Outcome, Replay, compare, impact, input_errors,
};

/// What happened to an item between the two versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only the new version has it.
    Added,
    /// Only the old version has it.
    Removed,
    /// Both have it, with a different meaning.
    Changed,
}

/// The semantic difference between two versions of a policy (the module's documentation shows
/// its JSON shape).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PolicyDiff {
    /// The old version.
    pub from: PolicyRef,
    /// The new version.
    pub to: PolicyRef,
    /// Header fields that changed: effective date, title, legal source.
    pub metadata: Vec<MetadataChange>,
    /// Clauses added, removed, or whose section, text or `informative` mark changed.
    pub clauses: Vec<ClauseDiff>,
    /// Parameters added, removed, or whose type, value or citations changed.
    pub parameters: Vec<ParameterDiff>,
    /// Conclusions added, removed, retyped, or with rules added, removed or changed.
    pub conclusions: Vec<ConclusionDiff>,
    /// Definitions added, removed or changed.
    pub definitions: Vec<DefinitionDiff>,
    /// Input fields added, removed or retyped (type, presence, default or citations).
    pub inputs: Vec<InputDiff>,
    /// Enums, records and units added, removed or changed.
    pub types: Vec<TypeDiff>,
    /// Parts of the comparison that could not be made, in words.
    pub warnings: Vec<String>,
}

impl PolicyDiff {
    /// True when the two versions mean the same: no change at all, header included.
    pub fn is_empty(&self) -> bool {
        self.metadata.is_empty() && self.changes() == 0
    }

    /// The number of changes of meaning (header changes aside): one per clause, parameter,
    /// rule, definition, input field and type listed, and one per conclusion added, removed or
    /// retyped.
    pub fn changes(&self) -> usize {
        self.clauses.len()
            + self.parameters.len()
            + self.rule_changes()
            + self.conclusion_changes()
            + self.definitions.len()
            + self.inputs.len()
            + self.types.len()
    }

    /// The number of rules added, removed or changed, over every conclusion.
    pub fn rule_changes(&self) -> usize {
        self.conclusions.iter().map(|c| c.rules.len()).sum()
    }

    /// The number of conclusions added, removed or retyped.
    pub fn conclusion_changes(&self) -> usize {
        self.conclusions
            .iter()
            .filter(|c| c.change != Change::Changed || c.retyped())
            .count()
    }
}

/// A header field whose value changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MetadataChange {
    /// `effective_from`, `title` or `source`.
    pub field: &'static str,
    /// The old value (`null` when unset).
    pub old: Option<String>,
    /// The new value (`null` when unset).
    pub new: Option<String>,
}

/// A clause as one version has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ClauseSide {
    /// Its section.
    pub section: String,
    /// Its text.
    pub text: String,
    /// Marked `informative` (it sets no rule).
    pub informative: bool,
    /// Why it is informative, when said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One run of words in a text diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TextSegment {
    /// Whether the words are in both texts, only the old, or only the new.
    pub op: SegmentOp,
    /// The words, joined with single spaces.
    pub text: String,
}

/// Where the words of a [`TextSegment`] are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SegmentOp {
    /// In both texts.
    Equal,
    /// Only in the old text.
    Removed,
    /// Only in the new text.
    Added,
}

/// A clause that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ClauseDiff {
    /// The clause reference.
    pub id: String,
    /// Added, removed or changed.
    pub change: Change,
    /// The old clause.
    pub old: Option<ClauseSide>,
    /// The new clause.
    pub new: Option<ClauseSide>,
    /// The word-level diff of the texts (empty unless the text changed).
    pub text_diff: Vec<TextSegment>,
}

/// A parameter as one version has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ParameterSide {
    /// Its type, as a policy author writes it.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its value as a reviewer reads it; `null` while no layer sets it.
    pub value: Option<String>,
    /// The clauses it cites, in written order.
    pub citations: Vec<String>,
    /// Its interpretation note (`reading "…"`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// A parameter that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ParameterDiff {
    /// Its name.
    pub name: String,
    /// Added, removed or changed.
    pub change: Change,
    /// The old parameter.
    pub old: Option<ParameterSide>,
    /// The new parameter.
    pub new: Option<ParameterSide>,
}

/// A conclusion as one version has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConclusionSide {
    /// Its type, as a policy author writes it.
    #[serde(rename = "type")]
    pub ty: String,
    /// For a conclusion written as a decision table, its hit policy and columns
    /// (`table first | foyer.revenu | foyer.points_de_charge`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}

/// A conclusion that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConclusionDiff {
    /// Its name.
    pub name: String,
    /// Added, removed or changed.
    pub change: Change,
    /// The old conclusion.
    pub old: Option<ConclusionSide>,
    /// The new conclusion.
    pub new: Option<ConclusionSide>,
    /// Its rules that changed (every rule, for an added or removed conclusion).
    pub rules: Vec<RuleDiff>,
}

impl ConclusionDiff {
    /// True when both versions have the conclusion, with different types.
    pub fn retyped(&self) -> bool {
        matches!((&self.old, &self.new), (Some(o), Some(n)) if o.ty != n.ty)
    }
}

/// A rule as one version has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RuleSide {
    /// `rule`, `exception` or `member`.
    pub kind: &'static str,
    /// The rules an exception overrides, as written.
    pub overrides: Vec<String>,
    /// The clauses it cites, in written order.
    pub citations: Vec<String>,
    /// Its interpretation note (`reading "…"`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// The rule in the canonical layout, without comments.
    pub text: String,
}

/// A rule that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RuleDiff {
    /// Its label.
    pub label: String,
    /// Added, removed or changed.
    pub change: Change,
    /// What changed, for a changed rule: `kind`, `overrides`, `condition`, `cells`, `value`,
    /// `citations`, `reading` (its interpretation note added, removed or changed).
    pub aspects: Vec<&'static str>,
    /// The old rule.
    pub old: Option<RuleSide>,
    /// The new rule.
    pub new: Option<RuleSide>,
    /// The word-level diff of the two rules' texts (empty unless both versions have the rule
    /// and its text changed). Each segment keeps its text's own spaces and line breaks: the old
    /// text is its `equal` and `removed` segments put end to end, the new text its `equal` and
    /// `added` ones. A segment of spaces or line breaks alone is a change of layout only.
    pub text_diff: Vec<TextSegment>,
}

/// A definition that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DefinitionDiff {
    /// Its name.
    pub name: String,
    /// Added, removed or changed.
    pub change: Change,
    /// The old definition in the canonical layout.
    pub old: Option<String>,
    /// The new definition in the canonical layout.
    pub new: Option<String>,
    /// What changed, for a changed definition: `reading` when its interpretation note was
    /// added, removed or changed; `definition` when anything else did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aspects: Vec<&'static str>,
}

/// An input field as one version declares it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InputSide {
    /// Its type (of a present value), as a policy author writes it.
    #[serde(rename = "type")]
    pub ty: String,
    /// `required` (absent is a missing fact), `optional` (absent is none) or `default`.
    pub presence: &'static str,
    /// The value taken when absent, for `default`.
    pub default: Option<String>,
    /// The clauses the input cites (record fields cite none).
    pub citations: Vec<String>,
}

/// An input field that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InputDiff {
    /// The dotted path; `[]` marks the elements of a list.
    pub path: String,
    /// Added, removed or changed.
    pub change: Change,
    /// The old declaration.
    pub old: Option<InputSide>,
    /// The new declaration.
    pub new: Option<InputSide>,
}

/// An enum, record or unit that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TypeDiff {
    /// Its name.
    pub name: String,
    /// `enum`, `record` or `unit`.
    pub kind: &'static str,
    /// Added, removed or changed.
    pub change: Change,
    /// The old declaration in the canonical layout.
    pub old: Option<String>,
    /// The new declaration in the canonical layout.
    pub new: Option<String>,
}

/// The semantic difference from `old` to `new`, both with their layers merged.
///
/// Items are matched by name (clauses by reference, rules by conclusion and label, inputs by
/// path), so reformatting and reordering give an empty diff; see the [module](self) for what
/// each list holds.
pub fn diff(old: &CompiledPolicy, new: &CompiledPolicy) -> PolicyDiff {
    // The declarations each version was checked from, kept by the checker: nothing to parse.
    let (old_ast, new_ast) = (Some(&*old.merged), Some(&*new.merged));
    let asts = old_ast.zip(new_ast);
    PolicyDiff {
        from: PolicyRef::of(old),
        to: PolicyRef::of(new),
        metadata: compare::metadata(old, new),
        clauses: compare::clauses(old, new),
        parameters: compare::parameters(old, new),
        conclusions: compare::conclusions(old, new, asts),
        definitions: asts.map(compare::definitions).unwrap_or_default(),
        inputs: compare::inputs(old, new),
        types: compare::types(old, new, asts),
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
