//! The places of a candidate's record that a conclusion depends on, found by walking its rules
//! (and, through them, the definitions and conclusions they use): the inputs, the fields of
//! record inputs, and the fields of list elements that the rules read, with the constants and
//! parameters each is compared against (the thresholds a missing number or date is tried at).

use std::collections::{BTreeSet, HashSet};

use crate::model::{CompiledPolicy, Ir, IrKind, Value};

/// A place of the record that a hint may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Site {
    /// A declared input, by slot (a list input: its elements are added or removed).
    Input(usize),
    /// A field of a record input: the slot, the field.
    Field(usize, usize),
    /// A field of every element of a list input: the slot, the field.
    Elements(usize, usize),
}

/// What a conclusion reads, directly or through definitions and other conclusions.
#[derive(Debug, Default)]
pub struct Reads {
    /// The places it reads, in a stable order.
    pub sites: BTreeSet<Site>,
    /// The constants and parameters a place is compared against.
    pub thresholds: Vec<(Site, Value)>,
    /// The conclusions it depends on, itself included.
    pub conclusions: BTreeSet<usize>,
    /// The definitions walked, with the origins of their arguments.
    seen: HashSet<(usize, Vec<Option<usize>>)>,
}

/// What conclusion `i` of `policy` reads.
pub fn reads(policy: &CompiledPolicy, i: usize) -> Reads {
    let mut r = Reads::default();
    r.conclusion(policy, i);
    r
}

impl Reads {
    fn conclusion(&mut self, policy: &CompiledPolicy, i: usize) {
        if !self.conclusions.insert(i) {
            return;
        }
        let Some(c) = policy.conclusions.get(i) else {
            return;
        };
        for rule in &c.rules {
            if let Some(cond) = &rule.condition {
                self.walk(policy, cond, &[]);
            }
            self.walk(policy, &rule.value, &[]);
        }
    }

    /// Walks `code`, whose locals come from the list inputs `env` names (by depth).
    fn walk(&mut self, policy: &CompiledPolicy, code: &Ir, env: &[Option<usize>]) {
        if let Some(site) = site_of(code, env) {
            self.sites.insert(site);
            return;
        }
        match &code.kind {
            IrKind::Const(_) | IrKind::Param(_) | IrKind::Local(_) | IrKind::Input(_) => {}
            IrKind::Def(i) => self.definition(policy, *i, Vec::new()),
            IrKind::Conclusion(i) => self.conclusion(policy, *i),
            IrKind::Call(i, args) => {
                for a in args {
                    self.walk(policy, a, env);
                }
                let inner = args.iter().map(|a| origin(a, env)).collect();
                self.definition(policy, *i, inner);
            }
            IrKind::Cmp(_, a, b) => {
                self.threshold(policy, a, b, env);
                self.threshold(policy, b, a, env);
                self.walk(policy, a, env);
                self.walk(policy, b, env);
            }
            IrKind::Aggregate {
                list,
                value,
                condition,
                ..
            } => {
                self.walk(policy, list, env);
                let mut inner = env.to_vec();
                inner.push(match list.kind {
                    IrKind::Input(slot) => Some(slot),
                    _ => None,
                });
                for c in [value, condition].into_iter().flatten() {
                    self.walk(policy, c, &inner);
                }
            }
            other => {
                for c in children(other) {
                    self.walk(policy, c, env);
                }
            }
        }
    }

    fn definition(&mut self, policy: &CompiledPolicy, i: usize, env: Vec<Option<usize>>) {
        let Some(def) = policy.defs.get(i) else {
            return;
        };
        if self.seen.insert((i, env.clone())) {
            self.walk(policy, &def.body, &env);
        }
    }

    /// Notes `other` as a threshold of the place `code` reads, when it is a constant or a set
    /// parameter.
    fn threshold(&mut self, policy: &CompiledPolicy, code: &Ir, other: &Ir, env: &[Option<usize>]) {
        let Some(site) = site_of(code, env) else {
            return;
        };
        let value = match &other.kind {
            IrKind::Const(v) => Some(v.clone()),
            IrKind::Param(p) => policy.params.get(*p).and_then(|p| p.value.clone()),
            _ => None,
        };
        if let Some(v) = value
            && !self.thresholds.contains(&(site, v.clone()))
        {
            self.thresholds.push((site, v));
        }
    }
}

/// Which conclusions read each input: directly (their rules, and the definitions these use),
/// or through a conclusion that does. Only those may wait for the input, or change with it:
/// the others have the same outcome whatever its value. Found once for a whole policy, where
/// [`Reads`] goes the other way, from one conclusion to what it reads.
pub(crate) struct Readers {
    /// By input slot, the conclusions whose rules read it directly.
    by_input: Vec<Vec<usize>>,
    /// By conclusion, the conclusions whose rules read it directly.
    by_conclusion: Vec<Vec<usize>>,
}

/// What a piece of code reads directly: inputs and conclusions (definitions followed).
#[derive(Clone, Default)]
struct Read {
    inputs: Vec<usize>,
    conclusions: Vec<usize>,
}

impl Readers {
    /// Who reads each input of `policy`, from one walk of its conclusions' rules.
    pub(crate) fn of(policy: &CompiledPolicy) -> Readers {
        let mut by_input = vec![Vec::new(); policy.inputs.len()];
        let mut by_conclusion = vec![Vec::new(); policy.conclusions.len()];
        let mut defs: Vec<Option<Read>> = vec![None; policy.defs.len()];
        for (i, c) in policy.conclusions.iter().enumerate() {
            let mut read = Read::default();
            for rule in &c.rules {
                for code in rule.condition.iter().chain([&rule.value]) {
                    walk(policy, code, &mut read, &mut defs);
                }
            }
            for (list, found) in [
                (&mut by_input, &mut read.inputs),
                (&mut by_conclusion, &mut read.conclusions),
            ] {
                found.sort_unstable();
                found.dedup();
                for k in found.iter() {
                    if let Some(readers) = list.get_mut(*k) {
                        readers.push(i);
                    }
                }
            }
        }
        Readers {
            by_input,
            by_conclusion,
        }
    }

    /// The conclusions that read input `slot`, directly or not, in declaration order.
    pub(crate) fn of_input(&self, slot: usize) -> Vec<usize> {
        let mut found: Vec<usize> = self.by_input.get(slot).cloned().unwrap_or_default();
        let mut seen: rustc_hash::FxHashSet<usize> = found.iter().copied().collect();
        let mut next = 0;
        while let Some(&i) = found.get(next) {
            next += 1;
            for &j in self.by_conclusion.get(i).into_iter().flatten() {
                if seen.insert(j) {
                    found.push(j);
                }
            }
        }
        found.sort_unstable();
        found
    }
}

/// Adds what `code` reads directly to `read`, through the definitions it uses (`defs`: what
/// each reads, once found; a definition being walked reads nothing more of itself).
fn walk(policy: &CompiledPolicy, code: &Ir, read: &mut Read, defs: &mut Vec<Option<Read>>) {
    match &code.kind {
        IrKind::Input(slot) => read.inputs.push(*slot),
        IrKind::Conclusion(j) => read.conclusions.push(*j),
        IrKind::Def(d) | IrKind::Call(d, _) => {
            if let IrKind::Call(_, args) = &code.kind {
                for a in args {
                    walk(policy, a, read, defs);
                }
            }
            let known = match defs.get(*d) {
                Some(Some(known)) => known.clone(),
                Some(None) => {
                    if let Some(slot) = defs.get_mut(*d) {
                        *slot = Some(Read::default());
                    }
                    let mut inner = Read::default();
                    if let Some(def) = policy.defs.get(*d) {
                        walk(policy, &def.body, &mut inner, defs);
                    }
                    if let Some(slot) = defs.get_mut(*d) {
                        *slot = Some(inner.clone());
                    }
                    inner
                }
                None => Read::default(),
            };
            read.inputs.extend(known.inputs);
            read.conclusions.extend(known.conclusions);
        }
        other => {
            for c in children(other) {
                walk(policy, c, read, defs);
            }
        }
    }
}

/// The place `code` reads, when it reads one directly.
fn site_of(code: &Ir, env: &[Option<usize>]) -> Option<Site> {
    match &code.kind {
        IrKind::Input(slot) => Some(Site::Input(*slot)),
        IrKind::Field(base, f) => match base.kind {
            IrKind::Input(slot) => Some(Site::Field(slot, *f)),
            IrKind::Local(k) => env
                .get(k)
                .copied()
                .flatten()
                .map(|slot| Site::Elements(slot, *f)),
            _ => None,
        },
        _ => None,
    }
}

/// The list input a local argument is an element of.
fn origin(code: &Ir, env: &[Option<usize>]) -> Option<usize> {
    match code.kind {
        IrKind::Local(k) => env.get(k).copied().flatten(),
        _ => None,
    }
}

/// The direct sub-expressions of an expression (those the walk does not treat itself).
pub(crate) fn children(kind: &IrKind) -> Vec<&Ir> {
    match kind {
        IrKind::Not(a)
        | IrKind::Neg(a)
        | IrKind::Scale(a, _, _)
        | IrKind::IsAbsent(a)
        | IrKind::IsEmpty(a)
        | IrKind::Round(a, _)
        | IrKind::Field(a, _) => vec![a],
        IrKind::And(a, b)
        | IrKind::Or(a, b)
        | IrKind::Cmp(_, a, b)
        | IrKind::Arith(_, a, b)
        | IrKind::In(a, b)
        | IrKind::DaysBetween(a, b)
        | IrKind::AddDays(a, b, _)
        | IrKind::AddMonths(a, b, _)
        | IrKind::MinMax(_, a, b) => vec![a, b],
        IrKind::If(c, a, b) => vec![c, a, b],
        IrKind::List(items, _) | IrKind::Call(_, items) => items.iter().collect(),
        IrKind::Aggregate {
            list,
            value,
            condition,
            ..
        } => std::iter::once(&**list)
            .chain(value.as_deref())
            .chain(condition.as_deref())
            .collect(),
        IrKind::Const(_)
        | IrKind::Input(_)
        | IrKind::Param(_)
        | IrKind::Def(_)
        | IrKind::Conclusion(_)
        | IrKind::Local(_) => Vec::new(),
    }
}
