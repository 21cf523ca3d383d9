//! Declarations printed in the canonical layout.

use std::sync::Arc;

use crate::ast::{
    ConclusionDecl, DefinitionDecl, Header, Item, ItemKind, Policy, RecordDecl, Rule, TypeExpr,
};
use crate::format::format_policy;
use crate::span::{Span, Spanned};

/// `item` alone in the canonical layout, without its comments.
fn item_text(kind: ItemKind) -> String {
    let name = |s: &str| Spanned::new(s.to_string(), Span::default());
    let policy = Policy {
        header: Header {
            comments: Vec::new(),
            policy: name("p"),
            version: name("v"),
            draft: None,
            effective_from: None,
            extends: None,
            title: None,
            source: None,
            language: None,
            identified_by: None,
        },
        items: vec![Item {
            comments: Vec::new(),
            kind,
            span: Span::default(),
        }],
        trailing_comments: Vec::new(),
    };
    let text = format_policy(&policy);
    // The two header lines, a blank line, then the item.
    text.split_once("\n\n")
        .map_or(text.as_str(), |(_, item)| item)
        .trim_end()
        .to_string()
}

/// A rule in the canonical layout, as it stands in its conclusion (not indented).
pub(crate) fn rule_text(rule: &Rule) -> String {
    let conclusion = ConclusionDecl {
        name: Spanned::new("c".into(), Span::default()),
        ty: Spanned::new(TypeExpr::Named("bool".into()), Span::default()),
        table: None,
        rules: vec![Rule {
            comments: Vec::new(),
            ..rule.clone()
        }],
    };
    let text = item_text(ItemKind::Conclusion(Arc::new(conclusion)));
    let lines: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect();
    lines.join("\n")
}

/// A definition in the canonical layout.
pub(crate) fn definition_text(definition: &DefinitionDecl) -> String {
    item_text(ItemKind::Definition(Arc::new(definition.clone())))
}

/// A record in the canonical layout, without its fields' comments.
pub(crate) fn record_text(record: &RecordDecl) -> String {
    item_text(ItemKind::Record(Arc::new(uncommented(record))))
}

/// `record` without its fields' comments, for comparison.
pub(crate) fn uncommented(record: &RecordDecl) -> RecordDecl {
    let mut record = record.clone();
    for field in &mut record.fields {
        field.comments.clear();
    }
    record
}

/// A table's hit policy and columns on one line: `table first | foyer.revenu | …`.
pub(crate) fn table_heading(table: &crate::ast::Table) -> String {
    let conclusion = ConclusionDecl {
        name: Spanned::new("c".into(), Span::default()),
        ty: Spanned::new(TypeExpr::Named("bool".into()), Span::default()),
        table: Some(table.clone()),
        rules: Vec::new(),
    };
    let text = item_text(ItemKind::Conclusion(Arc::new(conclusion)));
    let mut lines = text.lines().skip(1).map(str::trim);
    let hit = lines.next().unwrap_or_default();
    let columns = lines.next().unwrap_or_default();
    let columns = columns
        .strip_prefix("columns")
        .unwrap_or(columns)
        .trim_start();
    format!("{hit} {columns}")
}
