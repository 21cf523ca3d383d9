//! Conditions the search understands through and through: every part of them, of the
//! definitions they read and of the rules of the conclusions they read, is understood. Looking
//! for a conflict needs two rules that surely apply, which a condition resting on something not
//! understood seldom is, for a search that costs as much as the conclusions it reads: the
//! search for conflicts is kept to such rules.

use super::Scope;
use crate::model::{Ir, IrKind};

/// What is known of the conclusions met.
pub(super) struct Clear<'a> {
    scope: &'a Scope<'a>,
    /// By conclusion: understood through and through, once known (false while it is looked at,
    /// so a cycle is not).
    conclusions: Vec<Option<bool>>,
}

impl<'a> Clear<'a> {
    pub(super) fn new(scope: &'a Scope<'a>) -> Self {
        Clear {
            scope,
            conclusions: vec![None; scope.conclusions.len()],
        }
    }

    /// True when `ir` is understood through and through.
    pub(super) fn ir(&mut self, ir: &Ir) -> bool {
        use IrKind as K;
        match &ir.kind {
            K::Const(_) | K::Input(_) => true,
            K::Param(_) => self.scope.constant(ir).is_some(),
            K::Def(i) => self.scope.defs.get(*i).is_some_and(|d| self.ir(&d.body)),
            K::Conclusion(j) => self.conclusion(*j),
            K::Not(x) | K::IsAbsent(x) => self.ir(x),
            K::And(a, b) | K::Or(a, b) | K::Cmp(_, a, b) | K::In(a, b) => self.ir(a) && self.ir(b),
            K::If(c, a, b) => self.ir(c) && self.ir(a) && self.ir(b),
            K::List(items, _) => items.iter().all(|x| self.ir(x)),
            _ => false,
        }
    }

    fn conclusion(&mut self, j: usize) -> bool {
        if let Some(known) = self.conclusions.get(j).copied().flatten() {
            return known;
        }
        let Some(c) = self.scope.conclusions.get(j).filter(|c| !c.is_set) else {
            return false;
        };
        if let Some(slot) = self.conclusions.get_mut(j) {
            *slot = Some(false);
        }
        let clear = c
            .rules
            .iter()
            .all(|r| r.condition.as_ref().is_none_or(|x| self.ir(x)) && self.ir(&r.value));
        if let Some(slot) = self.conclusions.get_mut(j) {
            *slot = Some(clear);
        }
        clear
    }
}
