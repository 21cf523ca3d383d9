//! Narrowing: after a test that an optional value is present, the value has its plain type
//! where the test is known to hold. In `A and B`, `B` is read where `A` holds; in `A or B`, where
//! `A` fails; in `if C then X else Y`, `X` where `C` holds and `Y` where it fails; and a rule's
//! value where its condition holds. A value the evaluator computes there is never `none`: it
//! computes `B` only when `A` is not false, a rule's value only when its condition is not false,
//! and a value whose test is unknown is a missing fact, which stays missing.
//!
//! The values narrowed are those a test can name again: an input, a parameter, a definition
//! without parameters, a conclusion, a local (a binder of `each`, `sum`, …), and fields of these.

use crate::check::Checker;
use crate::model::{Ir, IrKind, Type};

/// What an expression names, when a test of presence can name it again (`i3.1`: field 1 of
/// input 3).
fn key(code: &Ir) -> Option<String> {
    match &code.kind {
        IrKind::Input(i) => Some(format!("i{i}")),
        IrKind::Param(i) => Some(format!("p{i}")),
        IrKind::Def(i) => Some(format!("d{i}")),
        IrKind::Conclusion(i) => Some(format!("c{i}")),
        IrKind::Local(i) => Some(format!("l{i}")),
        IrKind::Field(base, k) => key(base).map(|b| format!("{b}.{k}")),
        _ => None,
    }
}

/// The values present wherever `condition` holds.
pub(crate) fn present_if_true(condition: &Ir) -> Vec<String> {
    match &condition.kind {
        IrKind::Not(x) => match &x.kind {
            IrKind::IsAbsent(v) => key(v).into_iter().collect(),
            _ => present_if_false(x),
        },
        IrKind::And(a, b) => {
            let mut out = present_if_true(a);
            out.extend(present_if_true(b));
            out
        }
        _ => Vec::new(),
    }
}

/// The values present wherever `condition` fails.
pub(crate) fn present_if_false(condition: &Ir) -> Vec<String> {
    match &condition.kind {
        IrKind::IsAbsent(v) => key(v).into_iter().collect(),
        IrKind::Not(x) => present_if_true(x),
        IrKind::Or(a, b) => {
            let mut out = present_if_false(a);
            out.extend(present_if_false(b));
            out
        }
        _ => Vec::new(),
    }
}

impl Checker {
    /// Runs `f` with `present` known present.
    pub(crate) fn narrowed<T>(
        &mut self,
        present: Vec<String>,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let before = self.present.len();
        self.present.extend(present);
        let out = f(self);
        self.present.truncate(before);
        out
    }

    /// `ty`, without its `optional` when `code` names a value known present here.
    pub(crate) fn narrow(&self, code: &Ir, ty: Type) -> Type {
        match ty {
            Type::Optional(inner) if key(code).is_some_and(|k| self.present.contains(&k)) => *inner,
            ty => ty,
        }
    }
}
