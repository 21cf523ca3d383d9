//! Conditions evaluated over a region rather than a record: each variable holds one sample or,
//! not yet chosen, any of its samples; whatever else a condition reads is unknown. A condition
//! is true or false in the region only when it is so for every record the region holds, so a
//! region found by the search is a true finding; anything not understood stays undecided.

use std::collections::HashMap;

use super::Scope;
use super::domain::{Sample, Vars};
use crate::eval::compare;
use crate::model::{CmpOp, ConclusionInfo, Ir, IrKind, Value};

/// Hashes the keys of the search's tables, small integers made by the search itself (the
/// default hasher's resistance to chosen keys buys nothing here and costs most of a lookup).
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

/// A table keyed by small integers.
type Table<V> = HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

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

/// [`Tri::over`] every sample of a number or a date cut at the constant `c` (not `none`), read
/// in the order the samples are kept: the values ascending, each once, then `none` when the
/// input may be absent. An ordering with a constant holds on one side of it, so the first and
/// the last value say what every value between says; `=` holds for one value at most. A
/// column cut at thousands of constants has thousands of samples, and each condition of a
/// table's thousands of rows went through all of them.
fn over_ordered(samples: &[Sample], op: CmpOp, c: &Value, test: impl Fn(&Value) -> bool) -> Tri {
    let (values, absent) = match samples.split_last() {
        Some((last, rest)) if last.value == Value::None => (rest, Some(&last.value)),
        _ => (samples, None),
    };
    let (yes, no) = match op {
        CmpOp::Eq | CmpOp::Ne => {
            let at = values.binary_search_by(|s| s.value.cmp(c)).is_ok();
            let other = values.len() > usize::from(at);
            if op == CmpOp::Eq {
                (at, other)
            } else {
                (other, at)
            }
        }
        _ => match (values.first(), values.last()) {
            (Some(first), Some(last)) => {
                let (a, b) = (test(&first.value), test(&last.value));
                (a || b, !a || !b)
            }
            _ => (false, false),
        },
    };
    let (yes, no) = match absent {
        Some(none) if test(none) => (true, no),
        Some(_) => (yes, true),
        None => (yes, no),
    };
    match (yes, no) {
        (true, false) => Tri::True,
        (false, true) => Tri::False,
        _ => Tri::Maybe,
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
#[derive(Clone)]
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
    /// The conclusions met, kept from one region to the next.
    memo: &'a mut Memo,
    /// Each conclusion met in this region, by index.
    here: Vec<Option<Here>>,
    depth: usize,
}

/// Where a conclusion evaluated in the region is kept.
enum Here {
    /// In the memo, under this key.
    Memo(u64),
    /// Here only (its variables' samples do not fit a key).
    Own(Seen),
}

/// The conclusions evaluated during a search, each under the samples of the variables it
/// reads: regions that differ only in other variables share them.
pub(super) struct Memo {
    /// The variables each conclusion reads, by index, once known.
    reads: Vec<Option<Vec<usize>>>,
    /// The bits a variable's sample takes in a key (its number of samples, plus one).
    bits: Vec<u32>,
    /// What may make each rule's condition of each conclusion fail, once known.
    fallible: Vec<Option<Vec<Fallible>>>,
    /// The conditions decided in the region being evaluated, by address (a search asks again
    /// of those it picks a variable in): emptied for each region, its room kept.
    truths: Table<Tri>,
    /// Each conclusion evaluated, by the samples of the variables it reads packed in a key.
    seen: Vec<Table<Seen>>,
    /// How each comparison met reads its input, by the address of its left side: the same in
    /// every region, and costly to find again (a search among the constants of its variable).
    cuts: Table<Cut>,
    /// The conditions decided so far, in every region, and the pairs looked at: the search's
    /// work.
    pub(super) work: usize,
}

impl Memo {
    pub(super) fn new(vars: &Vars, conclusions: usize) -> Memo {
        let bits = vars
            .list
            .iter()
            .map(|v| usize::BITS - (v.samples.len() + 1).leading_zeros())
            .collect();
        Memo {
            reads: vec![None; conclusions],
            bits,
            fallible: vec![None; conclusions],
            truths: Table::default(),
            seen: (0..conclusions).map(|_| Table::default()).collect(),
            cuts: Table::default(),
            work: 0,
        }
    }
}

/// What may make a condition fail.
#[derive(Clone)]
struct Fallible {
    /// It reads something not understood.
    opaque: bool,
    /// The conclusions it reads.
    reads: Vec<usize>,
}

/// A conclusion evaluated in a region.
struct Seen {
    values: Values,
    statuses: Vec<Tri>,
    /// A variable that may decide it, once looked for.
    pick: Option<Option<usize>>,
}

impl<'a> Approx<'a> {
    pub(super) fn new(
        scope: &'a Scope<'a>,
        vars: &'a Vars,
        assigned: &'a [Option<usize>],
        memo: &'a mut Memo,
    ) -> Self {
        memo.truths.clear();
        Approx {
            scope,
            vars,
            assigned,
            memo,
            here: (0..scope.conclusions.len()).map(|_| None).collect(),
            depth: 0,
        }
    }

    /// The samples variable `v` may hold here: its own, or all of them.
    fn samples(&self, v: usize) -> impl Iterator<Item = &'a Value> + use<'a> {
        let vars: &'a Vars = self.vars;
        let all = vars.get(v).map_or(&[][..], |var| var.samples.as_slice());
        // The one chosen is taken by its index: a number cut at thousands of constants has
        // thousands of samples, and a filter over them made each comparison as long.
        let here = match self.assigned.get(v).copied().flatten() {
            Some(c) => all.get(c..=c).unwrap_or_default(),
            None => all,
        };
        here.iter().map(|s| &s.value)
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
                .map_or_else(Values::unknown, |v| Values::one(v.clone())),
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

    /// Counts `steps` of work against the search's budget.
    pub(super) fn spend(&mut self, steps: usize) {
        self.memo.work = self.memo.work.saturating_add(steps);
    }

    pub(super) fn truth(&mut self, ir: &Ir) -> Tri {
        use IrKind as K;
        // Only what joins conditions is kept: an atom costs less to decide again than to keep.
        let composite = matches!(ir.kind, K::And(..) | K::Or(..));
        if !composite {
            return self.decide(ir);
        }
        let at = std::ptr::from_ref(ir).addr() as u64;
        if let Some(t) = self.memo.truths.get(&at) {
            return *t;
        }
        let t = self.decide(ir);
        self.memo.truths.insert(at, t);
        t
    }

    fn decide(&mut self, ir: &Ir) -> Tri {
        use IrKind as K;
        self.spend(1);
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
                None => self.against(a, |v| *v == Value::None),
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
        let at = std::ptr::from_ref(a).addr() as u64;
        let cut = match self.memo.cuts.get(&at) {
            Some(cut) => cut.clone(),
            None => {
                let cut = self.cut(a, b);
                self.memo.cuts.insert(at, cut.clone());
                cut
            }
        };
        match cut {
            Cut::At(v, c, flipped) => {
                let test = |x: &Value| {
                    if flipped {
                        compare(op, &c, x)
                    } else {
                        compare(op, x, &c)
                    }
                };
                if self.assigned.get(v).copied().flatten().is_none() && c != Value::None {
                    let every = self
                        .vars
                        .get(v)
                        .map_or(&[][..], |var| var.samples.as_slice());
                    let quick = over_ordered(every, op, &c, test);
                    debug_assert_eq!(quick, Tri::over(self.samples(v), test));
                    return quick;
                }
                return Tri::over(self.samples(v), test);
            }
            Cut::Opaque => return Tri::Maybe,
            Cut::Neither => {}
        }
        let scope = self.scope;
        match (scope.constant(a), scope.constant(b)) {
            (None, Some(c)) => return self.against(a, |x| compare(op, x, c)),
            (Some(c), None) => return self.against(b, |y| compare(op, c, y)),
            _ => {}
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
            // Sorted by `domain::variable`.
            Some(c)
                if *c == Value::None || cuts.is_some_and(|cuts| cuts.binary_search(c).is_ok()) =>
            {
                Cut::At(v, c.clone(), flipped)
            }
            _ => Cut::Opaque,
        }
    }

    /// `a in [..]`, the list written out with values known here.
    fn member(&mut self, a: &Ir, list: &Ir) -> Tri {
        let IrKind::List(items, _) = &list.kind else {
            return Tri::Maybe;
        };
        let scope = self.scope;
        if !items.iter().all(|x| scope.constant(x).is_some()) {
            return Tri::Maybe;
        }
        self.against(a, |v| items.iter().any(|x| scope.constant(x) == Some(v)))
    }

    /// Whether `f` holds of every value `term` may take here (without copying them where
    /// they are kept).
    fn against(&mut self, term: &Ir, f: impl Fn(&Value) -> bool) -> Tri {
        let decide = |x: &Values| {
            if x.other || x.known.is_empty() {
                Tri::Maybe
            } else {
                Tri::over(&x.known, &f)
            }
        };
        match &term.kind {
            IrKind::Input(i) => match self.vars.of_input(*i) {
                Some(v) if self.ordered(term).is_none() => Tri::over(self.samples(v), &f),
                _ => Tri::Maybe,
            },
            IrKind::Conclusion(j) => self.seen(*j).map_or(Tri::Maybe, |s| decide(&s.values)),
            _ => decide(&self.values(term)),
        }
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
        self.seen(j)
            .map_or_else(Values::unknown, |s| s.values.clone())
    }

    /// Conclusion `j` evaluated here, once.
    fn seen(&mut self, j: usize) -> Option<&mut Seen> {
        if self.here.get(j).is_none_or(Option::is_none) {
            let key = self.key(j);
            let known =
                key.is_some_and(|k| self.memo.seen.get(j).is_some_and(|m| m.contains_key(&k)));
            let here = match key {
                Some(k) if known => Here::Memo(k),
                _ => {
                    let fresh = self.evaluate(j)?;
                    match (key, self.memo.seen.get_mut(j)) {
                        (Some(k), Some(m)) => {
                            m.insert(k, fresh);
                            Here::Memo(k)
                        }
                        _ => Here::Own(fresh),
                    }
                }
            };
            if let Some(slot) = self.here.get_mut(j) {
                *slot = Some(here);
            }
        }
        let Approx { here, memo, .. } = self;
        match here.get_mut(j)?.as_mut()? {
            Here::Memo(k) => memo.seen.get_mut(j)?.get_mut(k),
            Here::Own(seen) => Some(seen),
        }
    }

    /// Evaluates conclusion `j`'s rules here.
    fn evaluate(&mut self, j: usize) -> Option<Seen> {
        let scope = self.scope;
        let c = scope.conclusions.get(j).filter(|c| !c.is_set)?;
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let statuses = self.statuses(c);
        let values = self.outcome(j, c, &statuses);
        self.depth -= 1;
        Some(Seen {
            values,
            statuses,
            pick: None,
        })
    }

    /// The memo's key of conclusion `j` here: the samples of the variables it reads, if they
    /// fit.
    fn key(&mut self, j: usize) -> Option<u64> {
        let (scope, vars) = (self.scope, self.vars);
        let slot = self.memo.reads.get_mut(j)?;
        let reads = slot.get_or_insert_with(|| vars.read_by(scope, j));
        let mut key: u64 = 0;
        let mut used: u32 = 0;
        for v in reads.iter() {
            let bits = *self.memo.bits.get(*v)?;
            used += bits;
            if used > u64::BITS {
                return None;
            }
            let sample = self
                .assigned
                .get(*v)
                .copied()
                .flatten()
                .map_or(0, |s| s + 1);
            key = (key << bits) | u64::try_from(sample).ok()?;
        }
        Some(key)
    }

    fn outcome(&mut self, j: usize, c: &ConclusionInfo, statuses: &[Tri]) -> Values {
        // With none known to apply, no rule may; and a condition not decided that reads what
        // is not understood may also fail (and the conclusion with it).
        let fails = self.may_fail(j, c, statuses);
        let mut out = Values {
            known: Vec::new(),
            other: fails || !statuses.contains(&Tri::True),
        };
        let scope = self.scope;
        let winners = may_win(c, statuses);
        // Two rules of one rank that may both give their values, unless the same constant,
        // may conflict.
        for (k, &a) in winners.iter().enumerate() {
            for &b in winners.iter().skip(k + 1) {
                let value = |i: usize| c.rules.get(i).and_then(|r| scope.constant(&r.value));
                let same = matches!((value(a), value(b)), (Some(x), Some(y)) if x == y);
                if !same && !ranked(c, a, b) {
                    out.other = true;
                }
            }
        }
        for i in winners {
            let Some(r) = c.rules.get(i) else { continue };
            match scope.constant(&r.value) {
                Some(v) if !out.known.contains(v) => out.known.push(v.clone()),
                Some(_) => {}
                None => out.add(self.values(&r.value)),
            }
        }
        out
    }

    /// Whether each rule's condition of conclusion `j` (`c`) reads something not understood,
    /// which may fail or miss a fact (the conclusions it reads say so in their own values).
    fn fallible(&mut self, j: usize, c: &ConclusionInfo) {
        if self.memo.fallible.get(j).is_some_and(Option::is_some) {
            return;
        }
        let found: Vec<Fallible> = c
            .rules
            .iter()
            .map(|r| {
                let mut reads = Vec::new();
                let opaque = r
                    .condition
                    .as_ref()
                    .is_some_and(|x| self.fails(x, 0, &mut reads));
                Fallible { opaque, reads }
            })
            .collect();
        if let Some(slot) = self.memo.fallible.get_mut(j) {
            *slot = Some(found);
        }
    }

    /// True when an undecided condition of conclusion `j` may fail here: it reads what is
    /// not understood, or a conclusion that may itself fail or have no value.
    fn may_fail(&mut self, j: usize, c: &ConclusionInfo, statuses: &[Tri]) -> bool {
        self.fallible(j, c);
        let mut reads: Vec<usize> = Vec::new();
        if let Some(Some(rules)) = self.memo.fallible.get(j) {
            for (f, s) in rules.iter().zip(statuses) {
                if *s != Tri::Maybe {
                    continue;
                }
                if f.opaque {
                    return true;
                }
                reads.extend(&f.reads);
            }
        }
        reads
            .into_iter()
            .any(|k| self.seen(k).is_none_or(|s| s.values.other))
    }

    /// Whether `ir` reads something not understood; the conclusions it reads go to `reads`
    /// (whether they may fail depends on the region).
    fn fails(&self, ir: &Ir, depth: usize, reads: &mut Vec<usize>) -> bool {
        use IrKind as K;
        match &ir.kind {
            K::Const(_) | K::Input(_) => false,
            K::Conclusion(j) => {
                if !reads.contains(j) {
                    reads.push(*j);
                }
                false
            }
            K::Param(_) => self.scope.constant(ir).is_none(),
            K::Def(i) => {
                depth >= MAX_DEPTH
                    || self
                        .scope
                        .defs
                        .get(*i)
                        .is_none_or(|d| self.fails(&d.body, depth + 1, reads))
            }
            K::Not(x) | K::IsAbsent(x) => self.fails(x, depth, reads),
            K::And(a, b) | K::Or(a, b) | K::Cmp(_, a, b) | K::In(a, b) => {
                // Both sides, so that every conclusion read is listed.
                let left = self.fails(a, depth, reads);
                self.fails(b, depth, reads) || left
            }
            K::If(c, a, b) => {
                let cond = self.fails(c, depth, reads);
                let then = self.fails(a, depth, reads);
                self.fails(b, depth, reads) || cond || then
            }
            K::List(items, _) => {
                // Every item, so that every conclusion read is listed.
                let mut any = false;
                for x in items {
                    any |= self.fails(x, depth, reads);
                }
                any
            }
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
            K::Cmp(op, a, b) => {
                if self.truth(ir) != Tri::Maybe {
                    return None;
                }
                match (self.cut(a, b), &a.kind, &b.kind) {
                    (Cut::At(v, _, _), _, _) => self.unassigned(v),
                    (Cut::Opaque, _, _) => None,
                    (Cut::Neither, K::Conclusion(j), _) if self.scope.constant(b).is_some() => {
                        let c = self.scope.constant(b)?;
                        self.pick_conclusion(*j, Some(&|v: &Value| compare(*op, v, c)))
                    }
                    (Cut::Neither, _, K::Conclusion(j)) if self.scope.constant(a).is_some() => {
                        let c = self.scope.constant(a)?;
                        self.pick_conclusion(*j, Some(&|v: &Value| compare(*op, c, v)))
                    }
                    (Cut::Neither, _, _) => {
                        // A side not known that no choice makes known leaves it undecided.
                        let mut found = None;
                        for side in [a, b] {
                            match self.pick(side) {
                                Some(v) => found = found.or(Some(v)),
                                None if self.values(side).single().is_none() => return None,
                                None => {}
                            }
                        }
                        found
                    }
                }
            }
            K::In(a, b) => {
                if self.truth(ir) != Tri::Maybe || self.ordered(a).is_some() {
                    return None;
                }
                // Only a list of constants is understood (`member`): choosing what any other
                // list reads never decides the condition.
                let K::List(items, _) = &b.kind else {
                    return None;
                };
                let listed: Vec<Value> = items
                    .iter()
                    .map(|x| self.scope.constant(x).cloned())
                    .collect::<Option<_>>()?;
                match &a.kind {
                    K::Conclusion(j) => {
                        self.pick_conclusion(*j, Some(&|v: &Value| listed.contains(v)))
                    }
                    _ => self.pick(a),
                }
            }
            K::IsAbsent(a) => match &a.kind {
                K::Conclusion(j) => self.pick_conclusion(*j, Some(&|v: &Value| *v == Value::None)),
                _ => self.pick(a),
            },
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
            K::Conclusion(j) => self.pick_conclusion(*j, None),
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

    /// A variable that may decide conclusion `j`'s value, or, with `target`, whether its value
    /// meets it: one of an undecided condition, or of the value of a rule that may give it.
    /// The most specific rules are looked at first, and with a target, the exceptions over the
    /// rules that may give a value that meets it, then those rules: what decides it is there.
    fn pick_conclusion(
        &mut self,
        j: usize,
        target: Option<&dyn Fn(&Value) -> bool>,
    ) -> Option<usize> {
        let scope = self.scope;
        let c = scope.conclusions.get(j).filter(|c| !c.is_set)?;
        let seen = self.seen(j)?;
        if target.is_none()
            && let Some(done) = seen.pick
        {
            return done;
        }
        if seen.values.single().is_some() {
            seen.pick = Some(None);
            return None;
        }
        let statuses = seen.statuses.clone();
        self.depth += 1;
        // The most specific rules first: an exception that applies settles what it overrides.
        let mut order: Vec<usize> = (0..c.rules.len()).collect();
        order.sort_by_key(|i| std::cmp::Reverse(c.rules.get(*i).map_or(0, |r| r.overrides.len())));
        if let Some(f) = target {
            let mut rank = vec![2u8; c.rules.len()];
            for (i, r) in c.rules.iter().enumerate() {
                if scope.constant(&r.value).is_none_or(f) {
                    if let Some(x) = rank.get_mut(i) {
                        *x = (*x).min(1);
                    }
                    for (k, e) in c.rules.iter().enumerate() {
                        if e.overrides.contains(i)
                            && let Some(x) = rank.get_mut(k)
                        {
                            *x = 0;
                        }
                    }
                }
            }
            order.sort_by_key(|i| rank.get(*i).copied());
        }
        let mut found = None;
        for i in order {
            let (Some(r), Some(Tri::Maybe)) = (c.rules.get(i), statuses.get(i)) else {
                continue;
            };
            found = r.condition.as_ref().and_then(|cond| self.pick(cond));
            if found.is_some() {
                break;
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
        if target.is_none()
            && let Some(seen) = self.seen(j)
        {
            seen.pick = Some(found);
        }
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
        .any(|(e, st)| *st == s && e.overrides.contains(i))
}

/// True when one of rules `a` and `b` is an exception to the other.
pub(super) fn ranked(c: &ConclusionInfo, a: usize, b: usize) -> bool {
    let over = |x: usize, y: usize| c.rules.get(x).is_some_and(|r| r.overrides.contains(y));
    over(a, b) || over(b, a)
}
