//! Completeness of a conclusion's rules: inputs for which none applies (`incomplete-rules`), and
//! inputs for which two rules of one rank apply and give different values
//! (`conflicting-rules`), each shown by an example.
//!
//! The conditions understood are those over booleans, enums, and numbers or dates compared with
//! constants, joined by `and`, `or`, `not`, with `is absent`/`is present`, through definitions
//! without parameters and the conclusions they read (followed through their own rules). The
//! inputs they test are split into finitely many regions (each enum value, each boolean, the
//! intervals that the constants cut), searched depth first: a region is reported only when
//! every record in it has the finding, and the records that an input's `require` refuses are
//! left out. What is not understood (an aggregate, arithmetic, a text) may apply or not, so it
//! never produces a finding: silence rather than a false warning. Conflicts are looked for
//! between rules understood through and through (`clear`), after the pairs that the text of
//! their conditions tells apart (`disjoint`). The search is bounded, and gives up silently past
//! its budget.

mod approx;
mod clear;
mod disjoint;
mod domain;

use approx::{Approx, Memo, Tri};
use domain::Vars;

use crate::check::Checker;
use crate::check::rules::same_opt;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ConclusionInfo, DefInfo, InputInfo, Ir, IrKind, TypeTable, Value};

/// The regions one search may visit before it gives up.
const MAX_REGIONS: usize = 100_000;

/// The work one search may do, over all its regions, before it gives up: conditions decided,
/// and pairs of rules looked at by the conflict search. A table of thousands of rows cut its
/// column into thousands of regions, each deciding rows by the thousand, and was searched for
/// minutes. Far above what a conclusion of a few hundred rules needs (a search of the policies
/// in this repository does at most a few dozen steps).
const MAX_WORK: usize = 2_000_000;

/// The pairs of rules a conflict search may take: past them, the conclusion is left unsearched,
/// as past [`MAX_WORK`] (a `unique` table of thousands of rows, whose rows the table's own
/// check compares two by two, pairs millions).
const MAX_PAIRS: usize = 10_000;

/// How deep the quick test of what a condition may be follows definitions.
const MAX_DEPTH: usize = 16;

/// What the analysis reads of the checked version.
pub(crate) struct Scope<'a> {
    pub(crate) types: &'a TypeTable,
    pub(crate) inputs: &'a [InputInfo],
    /// Each parameter's value in this version, when known.
    pub(crate) params: &'a [Option<Value>],
    pub(crate) defs: &'a [DefInfo],
    pub(crate) conclusions: &'a [ConclusionInfo],
}

impl Scope<'_> {
    /// The value `ir` has whatever the input: a literal, or a parameter set in this version.
    pub(crate) fn constant<'s>(&'s self, ir: &'s Ir) -> Option<&'s Value> {
        match &ir.kind {
            IrKind::Const(v) => Some(v),
            IrKind::Param(i) => self.params.get(*i).and_then(Option::as_ref),
            _ => None,
        }
    }
}

impl Checker {
    /// Looks for a gap and a conflict among the rules of each conclusion that `wanted` names,
    /// in a version without error (where an error has dropped part of a rule, what is left
    /// would mislead).
    pub(crate) fn completeness(
        &mut self,
        defs: &[DefInfo],
        conclusions: &[ConclusionInfo],
        wanted: impl Fn(&str) -> bool,
    ) {
        if self.diags.iter().any(Diagnostic::is_error) {
            return;
        }
        let scope = Scope {
            types: &self.types,
            inputs: &self.inputs,
            params: &self.param_values,
            defs,
            conclusions,
        };
        let mut found = Vec::new();
        for c in conclusions {
            if c.is_set || !wanted(&c.name) {
                continue;
            }
            if !self.table_gaps.contains(&c.name) {
                found.extend(gap(&scope, c));
            }
            if !self.told_apart.contains(&c.name) {
                found.extend(conflict(&scope, c));
            }
        }
        self.diags.extend(found);
    }
}

/// A region where no rule of `c` applies.
pub(crate) fn gap(scope: &Scope<'_>, c: &ConclusionInfo) -> Option<Diagnostic> {
    let conditions: Vec<&Ir> = c
        .rules
        .iter()
        .map(|r| r.condition.as_ref())
        .collect::<Option<_>>()?;
    // Cheap first: a condition that can never be known false leaves no gap to find, nor do
    // rules that name every value of what they test.
    if conditions.is_empty()
        || !conditions.iter().all(|x| may_be(scope, x, false, 0))
        || disjoint::covered(scope, c)
    {
        return None;
    }
    let vars = Vars::collect(scope, &conditions);
    // The conditions that read fewest variables first: they are decided soonest.
    let mut order: Vec<(usize, &Ir)> = conditions
        .iter()
        .map(|x| (vars.weight(scope, x), *x))
        .collect();
    order.sort_by_key(|(w, _)| *w);
    let mut search = Search::new(scope, &vars);
    search.run(|a: &mut Approx<'_>| {
        let mut all_false = true;
        let mut undecided = Vec::new();
        for (_, cond) in &order {
            match a.truth(cond) {
                Tri::True => return Step::Prune,
                Tri::False => {}
                Tri::Maybe => {
                    all_false = false;
                    undecided.push(*cond);
                }
            }
        }
        if all_false {
            return Step::Found(());
        }
        // Every undecided condition must be decided false: one that no choice can decide
        // leaves no gap here.
        let mut branch = None;
        for cond in undecided {
            match a.pick(cond) {
                Some(v) => branch = branch.or(Some(v)),
                None => return Step::Prune,
            }
        }
        branch.map_or(Step::Prune, Step::Branch)
    })?;
    let example = search.example()?;
    Some(
        Diagnostic::warning(
            Code::IncompleteRules,
            c.span,
            format!("no rule of `{}` applies to some inputs", c.name),
        )
        .with_label("no rule applies in some cases")
        .with_help(format!(
            "for example when {example}: add a rule for these cases, or a decision there fails \
             with \"no rule applies\""
        )),
    )
}

/// A region where two rules of one rank of `c` apply, give different values, and no exception
/// overrides either. Two rules with the same condition are left to the `conflict` error.
pub(crate) fn conflict(scope: &Scope<'_>, c: &ConclusionInfo) -> Option<Diagnostic> {
    let rule = |i: usize| c.rules.get(i);
    // What is paired is read once per rule, not once per pair.
    let may_apply: Vec<bool> = c
        .rules
        .iter()
        .map(|r| {
            r.condition
                .as_ref()
                .is_none_or(|x| may_be(scope, x, true, 0))
        })
        .collect();
    let facts: Vec<Option<disjoint::Facts<'_>>> = c
        .rules
        .iter()
        .map(|r| r.condition.as_ref().map(|x| disjoint::Facts::of(scope, x)))
        .collect();
    let applies = |k: usize| may_apply.get(k).copied().unwrap_or(false);
    let apart = |x: usize, y: usize| match (facts.get(x), facts.get(y)) {
        (Some(Some(fx)), Some(Some(fy))) => disjoint::disjoint(fx, fy),
        _ => false,
    };
    // The exceptions over each rule, found when a pair first needs them.
    let mut over_each: Vec<Option<Vec<usize>>> = vec![None; c.rules.len()];
    let mut over = |k: usize| -> Vec<usize> {
        if let Some(Some(known)) = over_each.get(k) {
            return known.clone();
        }
        let found: Vec<usize> = (c.rules.iter().enumerate())
            .filter(|(_, e)| e.overrides.contains(k))
            .map(|(e, _)| e)
            .collect();
        if let Some(slot) = over_each.get_mut(k) {
            *slot = Some(found.clone());
        }
        found
    };
    let mut pairs: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for (i, a) in c.rules.iter().enumerate() {
        // The rules after it that it does not override: those it does are of another rank.
        for j in a.overrides.missing_from(i + 1..c.rules.len()) {
            let Some(b) = rule(j) else { continue };
            let values = (scope.constant(&a.value), scope.constant(&b.value));
            let differ = matches!(&values, (Some(x), Some(y)) if x != y);
            if differ
                && !approx::ranked(c, i, j)
                && !same_opt(a.condition.as_ref(), b.condition.as_ref())
                && applies(i)
                && applies(j)
                && !apart(i, j)
            {
                // The exceptions over either: one that applies sets it aside.
                let mut both = over(i);
                both.extend(over(j));
                both.sort_unstable();
                both.dedup();
                if pairs.len() == MAX_PAIRS {
                    return None;
                }
                pairs.push((i, j, both));
            }
        }
    }
    // Only rules understood through and through (and the exceptions over them).
    let mut clear = clear::Clear::new(scope);
    let mut understood: Vec<Option<bool>> = vec![None; c.rules.len()];
    let mut is_clear = |k: usize| match understood.get(k).copied().flatten() {
        Some(known) => known,
        None => {
            let found = rule(k).is_some_and(|r| r.condition.as_ref().is_none_or(|x| clear.ir(x)));
            if let Some(slot) = understood.get_mut(k) {
                *slot = Some(found);
            }
            found
        }
    };
    pairs.retain(|(x, y, over)| is_clear(*x) && is_clear(*y) && over.iter().all(|k| is_clear(*k)));
    if pairs.is_empty() {
        return None;
    }
    let conditions: Vec<&Ir> = c
        .rules
        .iter()
        .filter_map(|r| r.condition.as_ref())
        .collect();
    let vars = Vars::collect(scope, &conditions);
    // Each pair's rules and exceptions, those whose conditions read fewest variables first:
    // they are decided soonest.
    let weights: Vec<usize> = c
        .rules
        .iter()
        .map(|r| r.condition.as_ref().map_or(0, |x| vars.weight(scope, x)))
        .collect();
    let weight = |k: usize| weights.get(k).copied().unwrap_or(0);
    let pairs: Vec<(usize, usize, Vec<usize>, Vec<usize>)> = pairs
        .into_iter()
        .map(|(x, y, over)| {
            let mut members: Vec<usize> = [x, y].into_iter().chain(over.iter().copied()).collect();
            members.sort_by_key(|k| weight(*k));
            (x, y, over, members)
        })
        .collect();
    let mut search = Search::new(scope, &vars);
    let (i, j) = search.run(|a: &mut Approx<'_>| {
        a.spend(pairs.len());
        // Only the rules of the pairs are evaluated, each once.
        let mut statuses: Vec<Option<Tri>> = vec![None; c.rules.len()];
        let mut status = |a: &mut Approx<'_>, k: usize| {
            let known = statuses.get(k).copied().flatten();
            known.unwrap_or_else(|| {
                let s = rule(k)
                    .and_then(|r| r.condition.as_ref())
                    .map_or(Tri::True, |x| a.truth(x));
                if let Some(slot) = statuses.get_mut(k) {
                    *slot = Some(s);
                }
                s
            })
        };
        let mut branch = None;
        for (x, y, over, members) in &pairs {
            let (x, y) = (*x, *y);
            // The pair's rules, the cheapest first: one that does not apply rules it out.
            let ruled_out = members
                .iter()
                .filter(|k| **k == x || **k == y)
                .any(|k| status(a, *k) == Tri::False);
            if ruled_out {
                continue;
            }
            // An exception over either that applies sets it aside.
            if over.iter().any(|e| status(a, *e) == Tri::True) {
                continue;
            }
            let sure = status(a, x) == Tri::True
                && status(a, y) == Tri::True
                && over.iter().all(|e| status(a, *e) == Tri::False);
            if sure {
                return Step::Found((x, y));
            }
            if branch.is_some() {
                continue;
            }
            // Each undecided rule of the pair, and each exception over them, must be decided:
            // when one cannot be, the pair does not conflict for sure here.
            let mut first = None;
            for &k in members {
                if status(a, k) != Tri::Maybe {
                    continue;
                }
                match rule(k)
                    .and_then(|r| r.condition.as_ref())
                    .and_then(|cond| a.pick(cond))
                {
                    Some(v) => first = first.or(Some(v)),
                    None => {
                        first = None;
                        break;
                    }
                }
            }
            branch = branch.or(first);
        }
        branch.map_or(Step::Prune, Step::Branch)
    })?;
    let (a, b) = (rule(i)?, rule(j)?);
    let example = search.example()?;
    Some(
        Diagnostic::warning(
            Code::ConflictingRules,
            b.label_span,
            format!(
                "rules `{}` and `{}` of `{}` both apply to some inputs and give different values",
                a.label, b.label, c.name
            ),
        )
        .with_label(format!("conflicts with `{}`", a.label))
        .with_related(a.label_span, "this rule")
        .with_help(format!(
            "for example when {example}: make one an exception to the other (`exception {} of \
             {}`), or tell their conditions apart",
            b.label, a.label
        )),
    )
}

/// What one region of the search says.
enum Step<T> {
    /// No record of the region has the finding: its subregions are not visited.
    Prune,
    /// Every record of the region has it.
    Found(T),
    /// Some may: split the region on this variable.
    Branch(usize),
}

/// A depth-first search of the regions.
struct Search<'a> {
    scope: &'a Scope<'a>,
    vars: &'a Vars,
    /// The sample each variable holds, if chosen.
    assigned: Vec<Option<usize>>,
    /// The variables chosen, in order.
    order: Vec<usize>,
    /// The regions it may still visit.
    left: usize,
    /// The inputs' `require` lines that read a variable, with the variables each reads.
    requires: Vec<(&'a Ir, Vec<usize>)>,
    /// The conclusions evaluated so far.
    memo: Memo,
}

impl<'a> Search<'a> {
    fn new(scope: &'a Scope<'a>, vars: &'a Vars) -> Self {
        let mut requires = Vec::new();
        for info in scope.inputs {
            for (req, _) in &info.requires {
                let read = domain::inputs_read(req)
                    .into_iter()
                    .filter_map(|i| vars.of_input(i))
                    .collect::<Vec<_>>();
                if !read.is_empty() {
                    requires.push((req, read));
                }
            }
        }
        Search {
            scope,
            vars,
            assigned: vec![None; vars.list.len()],
            order: Vec::new(),
            left: MAX_REGIONS,
            requires,
            memo: Memo::new(vars, scope.conclusions.len()),
        }
    }

    /// The first finding, in the largest region around it that the search can tell has it
    /// too: each variable whose choice the finding does not need is given up, so that the
    /// example names only what matters. That region stays chosen.
    fn run<T>(&mut self, mut test: impl FnMut(&mut Approx<'_>) -> Step<T>) -> Option<T> {
        self.visit(&mut test).ok().flatten()?;
        for v in self.order.clone() {
            let Some(slot) = self.assigned.get_mut(v) else {
                continue;
            };
            let kept = slot.take();
            if self.found(&mut test).is_none()
                && let Some(slot) = self.assigned.get_mut(v)
            {
                *slot = kept;
            }
        }
        let assigned = &self.assigned;
        self.order
            .retain(|v| assigned.get(*v).copied().flatten().is_some());
        self.found(&mut test)
    }

    /// The finding of the region chosen, if every record of it has one.
    fn found<T>(&mut self, test: &mut impl FnMut(&mut Approx<'_>) -> Step<T>) -> Option<T> {
        let mut a = Approx::new(self.scope, self.vars, &self.assigned, &mut self.memo);
        match test(&mut a) {
            Step::Found(t) if valid(&self.requires, &self.assigned, &mut a).is_none() => Some(t),
            _ => None,
        }
    }

    fn visit<T>(
        &mut self,
        test: &mut impl FnMut(&mut Approx<'_>) -> Step<T>,
    ) -> Result<Option<T>, ()> {
        self.left = self.left.checked_sub(1).ok_or(())?;
        let step = {
            let mut a = Approx::new(self.scope, self.vars, &self.assigned, &mut self.memo);
            match test(&mut a) {
                Step::Found(t) => match valid(&self.requires, &self.assigned, &mut a) {
                    Some(Step::Branch(v)) => Step::Branch(v),
                    Some(_) => Step::Prune,
                    None => Step::Found(t),
                },
                other => other,
            }
        };
        if self.memo.work > MAX_WORK {
            return Err(());
        }
        let v = match step {
            Step::Prune => return Ok(None),
            Step::Found(t) => return Ok(Some(t)),
            Step::Branch(v) => v,
        };
        let samples = self.vars.get(v).map_or(0, |x| x.samples.len());
        if self.assigned.get(v).copied().flatten().is_some() {
            return Ok(None);
        }
        self.order.push(v);
        for s in 0..samples {
            if let Some(slot) = self.assigned.get_mut(v) {
                *slot = Some(s);
            }
            if let Some(t) = self.visit(test)? {
                return Ok(Some(t));
            }
        }
        if let Some(slot) = self.assigned.get_mut(v) {
            *slot = None;
        }
        self.order.pop();
        Ok(None)
    }

    /// The region chosen, in words.
    fn example(&self) -> Option<String> {
        let words: Vec<String> = self
            .order
            .iter()
            .filter_map(|v| {
                let s = self.assigned.get(*v).copied().flatten()?;
                self.vars.words(self.scope, *v, s)
            })
            .collect();
        (!words.is_empty()).then(|| words.join(" and "))
    }
}

/// None when every record of the region meets the `require` lines that read what it chose;
/// else a step: prune when none does (or it cannot tell), branch to tell.
fn valid(
    requires: &[(&Ir, Vec<usize>)],
    assigned: &[Option<usize>],
    a: &mut Approx<'_>,
) -> Option<Step<()>> {
    for (req, read) in requires {
        let chosen = read
            .iter()
            .any(|v| assigned.get(*v).copied().flatten().is_some());
        if !chosen {
            continue;
        }
        match a.truth(req) {
            Tri::True => {}
            Tri::False => return Some(Step::Prune),
            Tri::Maybe => return Some(a.pick(req).map_or(Step::Prune, Step::Branch)),
        }
    }
    None
}

/// Whether `ir` may be known `want` in some region: false when what decides it is not
/// understood (a quick test that spares the search of conditions it cannot decide).
fn may_be(scope: &Scope<'_>, ir: &Ir, want: bool, depth: usize) -> bool {
    use IrKind as K;
    match &ir.kind {
        K::Const(Value::Bool(b)) => *b == want,
        K::Not(x) => may_be(scope, x, !want, depth),
        K::And(a, b) if want => may_be(scope, a, true, depth) && may_be(scope, b, true, depth),
        K::And(a, b) => may_be(scope, a, false, depth) || may_be(scope, b, false, depth),
        K::Or(a, b) if want => may_be(scope, a, true, depth) || may_be(scope, b, true, depth),
        K::Or(a, b) => may_be(scope, a, false, depth) && may_be(scope, b, false, depth),
        K::Cmp(_, a, b) => term(scope, a, depth) && term(scope, b, depth),
        K::In(a, list) => term(scope, a, depth) && matches!(list.kind, K::List(..)),
        K::IsAbsent(a) => term(scope, a, depth),
        K::Input(_) | K::Conclusion(_) | K::Def(_) | K::If(..) => term(scope, ir, depth),
        _ => false,
    }
}

/// Whether the value of `ir` may be known in some region.
fn term(scope: &Scope<'_>, ir: &Ir, depth: usize) -> bool {
    use IrKind as K;
    match &ir.kind {
        K::Const(_) | K::If(..) => true,
        K::Param(_) => scope.constant(ir).is_some(),
        K::Input(i) => scope.inputs.get(*i).is_some_and(|info| {
            matches!(
                info.ty,
                crate::model::Type::Bool
                    | crate::model::Type::Enum(_)
                    | crate::model::Type::Num { .. }
                    | crate::model::Type::Date
            ) || info.presence == crate::model::Presence::Optional
        }),
        K::Conclusion(j) => scope.conclusions.get(*j).is_some_and(|c| !c.is_set),
        K::Def(i) => {
            depth < MAX_DEPTH
                && scope.defs.get(*i).is_some_and(|d| {
                    term(scope, &d.body, depth + 1)
                        || may_be(scope, &d.body, true, depth + 1)
                        || may_be(scope, &d.body, false, depth + 1)
                })
        }
        K::Not(_) | K::And(..) | K::Or(..) | K::Cmp(..) | K::In(..) | K::IsAbsent(_) => {
            may_be(scope, ir, true, depth) || may_be(scope, ir, false, depth)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
