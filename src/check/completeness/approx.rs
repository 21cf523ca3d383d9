//! Conditions evaluated over a region rather than a record: each variable holds one sample or,
//! not yet chosen, any of its samples; whatever else a condition reads is unknown. A condition
//! is true or false in the region only when it is so for every record the region holds, so a
//! region found by the search is a true finding; anything not understood stays undecided.

use std::collections::HashMap;

use super::Scope;
use super::domain::Vars;
use crate::eval::compare;
use crate::model::{CmpOp, ConclusionInfo, Ir, IrKind, Value};

/// How deep definitions and conclusions are followed through each other.
const MAX_DEPTH: usize = 32;

/// A condition in a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tri {
    /// False for every record of the region.
    False,
    /// True for every record of the region.
    True,
    /// Not known to be either.
    Maybe,
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    fn not(self) -> Tri {
        match self {
            Tri::False => Tri::True,
            Tri::True => Tri::False,
            Tri::Maybe => Tri::Maybe,
        }
    }

    /// True if every `items` is true, false if none is, else undecided.
    fn over<T>(items: impl IntoIterator<Item = T>, mut f: impl FnMut(T) -> bool) -> Tri {
        let (mut yes, mut no) = (false, false);
        for x in items {
            if f(x) {
                yes = true;
            } else {
                no = true;
            }
        }
        match (yes, no) {
            (true, false) => Tri::True,
            (false, true) => Tri::False,
            _ => Tri::Maybe,
        }
    }
}

/// The values an expression may take in a region: those known, and `other` when it may also
/// take another (one not computed here, an error, no rule applying).
#[derive(Clone, Debug, Default)]
pub(super) struct Values {
    pub(super) known: Vec<Value>,
    pub(super) other: bool,
}

impl Values {
    fn one(v: Value) -> Values {
        Values {
            known: vec![v],
            other: false,
        }
    }

    fn unknown() -> Values {
        Values {
            known: Vec::new(),
            other: true,
        }
    }

    fn add(&mut self, more: Values) {
        self.other |= more.other;
        for v in more.known {
            if !self.known.contains(&v) {
                self.known.push(v);
            }
        }
    }

    /// The one value it surely has.
    pub(super) fn single(&self) -> Option<&Value> {
        match self.known.as_slice() {
            [v] if !self.other => Some(v),
            _ => None,
        }
    }

    fn truth(&self) -> Tri {
        if self.other || self.known.is_empty() {
            return Tri::Maybe;
        }
        if self.known.iter().all(|v| *v == Value::Bool(true)) {
            Tri::True
        } else if self.known.iter().all(|v| *v == Value::Bool(false)) {
            Tri::False
        } else {
            Tri::Maybe
        }
    }
}

/// How a comparison reads a number or a date of an input.
enum Cut {
    /// Neither side is one.
    Neither,
    /// One side is, the other is no constant it is cut at: not understood.
    Opaque,
    /// Variable `.0` is compared with constant `.1` (on its left when `.2`).
    At(usize, Value, bool),
}

/// Evaluation in one region.
pub(super) struct Approx<'a> {
    scope: &'a Scope<'a>,
    vars: &'a Vars,
    /// The sample each variable holds, if chosen.
    assigned: &'a [Option<usize>],
    /// The values of the conclusions met, in this region.
    cache: HashMap<usize, Values>,
    depth: usize,
}

impl<'a> Approx<'a> {
    pub(super) fn new(scope: &'a Scope<'a>, vars: &'a Vars, assigned: &'a [Option<usize>]) -> Self {
        Approx {
            scope,
            vars,
            assigned,
            cache: HashMap::new(),
            depth: 0,
        }
    }

    /// The samples variable `v` may hold here: its own, or all of them.
    fn samples(&self, v: usize) -> impl Iterator<Item = &'a Value> + use<'a> {
        let vars: &'a Vars = self.vars;
        let chosen = self.assigned.get(v).copied().flatten();
        vars.get(v)
            .into_iter()
            .flat_map(|var| var.samples.iter().enumerate())
            .filter(move |(i, _)| chosen.is_none_or(|c| c == *i))
            .map(|(_, s)| &s.value)
    }

    /// The variable of `ir` when it is a number or a date read from an input, compared by
    /// intervals only.
    fn ordered(&self, ir: &Ir) -> Option<usize> {
        let IrKind::Input(i) = ir.kind else {
            return None;
        };
        let v = self.vars.of_input(i)?;
        self.vars.get(v)?.constants.as_ref().map(|_| v)
    }

    pub(super) fn values(&mut self, ir: &Ir) -> Values {
        use IrKind as K;
        match &ir.kind {
            K::Const(v) => Values::one(v.clone()),
            K::Param(_) => self
                .scope
                .constant(ir)
                .map_or_else(Values::unknown, Values::one),
            K::Input(i) => match self.vars.of_input(*i) {
                Some(v) if self.ordered(ir).is_none() => Values {
                    known: self.samples(v).cloned().collect(),
                    other: false,
                },
                _ => Values::unknown(),
            },
            K::Def(i) => {
                let scope = self.scope;
                match scope.defs.get(*i) {
                    Some(d) if self.depth < MAX_DEPTH => {
                        self.depth += 1;
                        let out = self.values(&d.body);
                        self.depth -= 1;
                        out
                    }
                    _ => Values::unknown(),
                }
            }
            K::Conclusion(j) => self.conclusion(*j),
            K::If(c, a, b) => match self.truth(c) {
                Tri::True => self.values(a),
                Tri::False => self.values(b),
                Tri::Maybe => Values::unknown(),
            },
            K::Not(_) | K::And(..) | K::Or(..) | K::Cmp(..) | K::In(..) | K::IsAbsent(_) => {
                match self.truth(ir) {
                    Tri::True => Values::one(Value::Bool(true)),
                    Tri::False => Values::one(Value::Bool(false)),
                    Tri::Maybe => Values::unknown(),
                }
            }
            _ => Values::unknown(),
        }
    }

    pub(super) fn truth(&mut self, ir: &Ir) -> Tri {
        use IrKind as K;
        match &ir.kind {
            K::Const(Value::Bool(b)) => Tri::of(*b),
            K::Not(x) => self.truth(x).not(),
            K::And(a, b) => match self.truth(a) {
                Tri::False => Tri::False,
                Tri::True => self.truth(b),
                Tri::Maybe => match self.truth(b) {
                    Tri::False => Tri::False,
                    _ => Tri::Maybe,
                },
            },
            K::Or(a, b) => match self.truth(a) {
                Tri::True => Tri::True,
                Tri::False => self.truth(b),
                Tri::Maybe => match self.truth(b) {
                    Tri::True => Tri::True,
                    _ => Tri::Maybe,
                },
            },
            K::Cmp(op, a, b) => self.compare(*op, a, b),
            K::In(a, list) => self.member(a, list),
            K::IsAbsent(a) => match self.ordered(a) {
                Some(v) => Tri::over(self.samples(v), |x| *x == Value::None),
                None => {
                    let x = self.values(a);
                    if x.other || x.known.is_empty() {
                        Tri::Maybe
                    } else {
                        Tri::over(&x.known, |v| *v == Value::None)
                    }
                }
            },
            K::Input(_) | K::Param(_) | K::Def(_) | K::Conclusion(_) | K::If(..) => {
                self.values(ir).truth()
            }
            _ => Tri::Maybe,
        }
    }

    /// A comparison: a number or a date read from an input only with a constant it is cut at
    /// (or `none`), anything else over the values both sides may take.
    fn compare(&mut self, op: CmpOp, a: &Ir, b: &Ir) -> Tri {
        match self.cut(a, b) {
            Cut::At(v, c, flipped) => {
                return Tri::over(self.samples(v), |x| {
                    if flipped {
                        compare(op, &c, x)
                    } else {
                        compare(op, x, &c)
                    }
                });
            }
            Cut::Opaque => return Tri::Maybe,
            Cut::Neither => {}
        }
        let (x, y) = (self.values(a), self.values(b));
        if x.other || y.other || x.known.is_empty() || y.known.is_empty() {
            return Tri::Maybe;
        }
        let pairs = x
            .known
            .iter()
            .flat_map(|p| y.known.iter().map(move |q| (p, q)));
        Tri::over(pairs, |(p, q)| compare(op, p, q))
    }

    /// How a comparison of `a` and `b` reads a number or a date of an input, if it does.
    fn cut(&self, a: &Ir, b: &Ir) -> Cut {
        let (v, other, flipped) = match (self.ordered(a), self.ordered(b)) {
            (Some(v), _) => (v, b, false),
            (None, Some(v)) => (v, a, true),
            (None, None) => return Cut::Neither,
        };
        let cuts = self.vars.get(v).and_then(|var| var.constants.as_ref());
        match self.scope.constant(other) {
            Some(c) if c == Value::None || cuts.is_some_and(|cuts| cuts.contains(&c)) => {
                Cut::At(v, c, flipped)
            }
            _ => Cut::Opaque,
        }
    }

    /// `a in [..]`, the list written out with values known here.
    fn member(&mut self, a: &Ir, list: &Ir) -> Tri {
        let IrKind::List(items, _) = &list.kind else {
            return Tri::Maybe;
        };
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            match self.values(item).single() {
                Some(v) => values.push(v.clone()),
                None => return Tri::Maybe,
            }
        }
        let x = self.values(a);
        if x.other || x.known.is_empty() {
            return Tri::Maybe;
        }
        Tri::over(&x.known, |v| values.contains(v))
    }

    /// Whether each rule of `c` applies here (a rule without `when` always does).
    pub(super) fn statuses(&mut self, c: &ConclusionInfo) -> Vec<Tri> {
        c.rules
            .iter()
            .map(|r| r.condition.as_ref().map_or(Tri::True, |x| self.truth(x)))
            .collect()
    }

    /// The values conclusion `j` may have here, by the default logic of its rules: those of the
    /// rules that may apply and that no exception surely applying overrides; and another when
    /// a condition is not decided, none surely applies, or two rules of one rank may give
    /// different values.
    fn conclusion(&mut self, j: usize) -> Values {
        if let Some(v) = self.cache.get(&j) {
            return v.clone();
        }
        let scope = self.scope;
        let Some(c) = scope.conclusions.get(j).filter(|c| !c.is_set) else {
            return Values::unknown();
        };
        if self.depth >= MAX_DEPTH {
            return Values::unknown();
        }
        self.depth += 1;
        let statuses = self.statuses(c);
        // With none known to apply, no rule may; and a condition not decided that reads what
        // is not understood may also fail (and the conclusion with it).
        let fails = c.rules.iter().zip(&statuses).any(|(r, s)| {
            *s == Tri::Maybe && r.condition.as_ref().is_some_and(|x| self.may_fail(x))
        });
        let mut out = Values {
            known: Vec::new(),
            other: fails || !statuses.contains(&Tri::True),
        };
        let mut candidates: Vec<(usize, Values)> = Vec::new();
        for i in may_win(c, &statuses) {
            if let Some(r) = c.rules.get(i) {
                candidates.push((i, self.values(&r.value)));
            }
        }
        for (k, (a, va)) in candidates.iter().enumerate() {
            for (b, vb) in candidates.iter().skip(k + 1) {
                let same = matches!((va.single(), vb.single()), (Some(x), Some(y)) if x == y);
                if !same && !ranked(c, *a, *b) {
                    out.other = true;
                }
            }
        }
        for (_, v) in candidates {
            out.add(v);
        }
        self.depth -= 1;
        self.cache.insert(j, out.clone());
        out
    }

    /// Whether `ir` reads something not understood, which may fail or miss a fact (the
    /// conclusions it reads say so in their own values).
    fn may_fail(&self, ir: &Ir) -> bool {
        self.fails(ir, 0)
    }

    fn fails(&self, ir: &Ir, depth: usize) -> bool {
        use IrKind as K;
        match &ir.kind {
            K::Const(_) | K::Input(_) | K::Conclusion(_) => false,
            K::Param(_) => self.scope.constant(ir).is_none(),
            K::Def(i) => {
                depth >= MAX_DEPTH
                    || self
                        .scope
                        .defs
                        .get(*i)
                        .is_none_or(|d| self.fails(&d.body, depth + 1))
            }
            K::Not(x) | K::IsAbsent(x) => self.fails(x, depth),
            K::And(a, b) | K::Or(a, b) | K::Cmp(_, a, b) | K::In(a, b) => {
                self.fails(a, depth) || self.fails(b, depth)
            }
            K::If(c, a, b) => self.fails(c, depth) || self.fails(a, depth) || self.fails(b, depth),
            K::List(items, _) => items.iter().any(|x| self.fails(x, depth)),
            _ => true,
        }
    }

    /// A variable not yet chosen on which `ir` depends, where it is undecided: choosing it may
    /// decide `ir`.
    pub(super) fn pick(&mut self, ir: &Ir) -> Option<usize> {
        use IrKind as K;
        if self.depth >= MAX_DEPTH {
            return None;
        }
        match &ir.kind {
            K::Input(i) => self.vars.of_input(*i).and_then(|v| self.unassigned(v)),
            K::Not(x) => self.pick(x),
            K::And(a, b) | K::Or(a, b) => {
                if self.truth(ir) != Tri::Maybe {
                    return None;
                }
                self.pick_undecided(a).or_else(|| self.pick_undecided(b))
            }
            K::Cmp(_, a, b) => {
                if self.truth(ir) != Tri::Maybe {
                    return None;
                }
                match self.cut(a, b) {
                    Cut::At(v, _, _) => self.unassigned(v),
                    Cut::Opaque => None,
                    Cut::Neither => self.pick(a).or_else(|| self.pick(b)),
                }
            }
            K::In(a, b) => {
                if self.truth(ir) != Tri::Maybe || self.ordered(a).is_some() {
                    return None;
                }
                self.pick(a).or_else(|| self.pick(b))
            }
            K::List(items, _) => items.iter().find_map(|x| self.pick(x)),
            K::IsAbsent(a) => self.pick(a),
            K::If(c, a, b) => match self.truth(c) {
                Tri::True => self.pick(a),
                Tri::False => self.pick(b),
                Tri::Maybe => self.pick(c),
            },
            K::Def(i) => {
                let scope = self.scope;
                let d = scope.defs.get(*i)?;
                self.depth += 1;
                let out = self.pick(&d.body);
                self.depth -= 1;
                out
            }
            K::Conclusion(j) => self.pick_conclusion(*j),
            _ => None,
        }
    }

    /// `v`, if not yet chosen.
    fn unassigned(&self, v: usize) -> Option<usize> {
        self.assigned
            .get(v)
            .is_some_and(Option::is_none)
            .then_some(v)
    }

    fn pick_undecided(&mut self, ir: &Ir) -> Option<usize> {
        if self.truth(ir) == Tri::Maybe {
            self.pick(ir)
        } else {
            None
        }
    }

    /// A variable that may decide conclusion `j`'s value: one of an undecided condition, or of
    /// the value of a rule that may give it.
    fn pick_conclusion(&mut self, j: usize) -> Option<usize> {
        let scope = self.scope;
        let c = scope.conclusions.get(j).filter(|c| !c.is_set)?;
        if self.conclusion(j).single().is_some() {
            return None;
        }
        self.depth += 1;
        let statuses = self.statuses(c);
        let mut found = None;
        for (r, s) in c.rules.iter().zip(&statuses) {
            if let (Tri::Maybe, Some(cond)) = (s, &r.condition) {
                found = self.pick(cond);
                if found.is_some() {
                    break;
                }
            }
        }
        if found.is_none() {
            for i in may_win(c, &statuses) {
                found = c.rules.get(i).and_then(|r| self.pick(&r.value));
                if found.is_some() {
                    break;
                }
            }
        }
        self.depth -= 1;
        found
    }
}

/// The rules of `c` that may give its value: they may apply and no exception that surely
/// applies overrides them.
pub(super) fn may_win(c: &ConclusionInfo, statuses: &[Tri]) -> Vec<usize> {
    (0..c.rules.len())
        .filter(|&i| statuses.get(i).is_some_and(|s| *s != Tri::False))
        .filter(|&i| !overridden(c, statuses, i, Tri::True))
        .collect()
}

/// True when some exception over rule `i` has status `s`.
pub(super) fn overridden(c: &ConclusionInfo, statuses: &[Tri], i: usize, s: Tri) -> bool {
    c.rules
        .iter()
        .zip(statuses)
        .any(|(e, st)| *st == s && e.overrides.contains(&i))
}

/// True when one of rules `a` and `b` is an exception to the other.
pub(super) fn ranked(c: &ConclusionInfo, a: usize, b: usize) -> bool {
    let over = |x: usize, y: usize| c.rules.get(x).is_some_and(|r| r.overrides.contains(&y));
    over(a, b) || over(b, a)
}
