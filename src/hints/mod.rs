//! What would change a decision: for a decided conclusion, the smallest changes to the
//! candidate's record that give it another value (or a value asked for), each with the clauses
//! involved, and each verified by deciding again on the changed record.
//!
//! The places tried are those the conclusion's rules read ([`sites`]), through the definitions
//! and conclusions they use. A single change is looked for first ([`search`]); when none
//! reaches the goal, changes are chained: the change that makes the most progress (the fewest
//! of the rules that held still holding, then the fewest missing facts, see [`search::Score`])
//! is made, and the search starts again from there, up to [`MAX_CHANGES`] changes; a chain
//! found is then rid of the changes it does not need. A conclusion that only settling decides
//! is searched from its settled value. The work is bounded by [`EVALUATIONS_PER_CONCLUSION`]
//! and [`EVALUATIONS_PER_REQUEST`]. This module knows no JSON: it reads facts and writes
//! [`Hint`]s of [`Datum`]s, which the JSON edge serialises with the decision.

mod edit;
mod search;
pub(crate) mod sites;
mod text;

use std::sync::Arc;

pub use crate::decision::{Change, Effect, Hint};
use crate::decision::{ConclusionResult, Datum, Decision, Status, index_at, position};
use crate::eval::settle::Settled;
use crate::eval::{Evaluator, Outcome};
use crate::model::{Lang, Type, Value};
use crate::prepared::Prepared;
use edit::{Edit, Loc, Made, What, distance, get, with_edits};
use search::{Found, Goal, Searcher};
use sites::Readers;

pub use text::hint_text;

/// The most evaluations spent on the hints of one conclusion.
pub const EVALUATIONS_PER_CONCLUSION: usize = 3_000;
/// The most evaluations spent on the hints of one decision.
pub const EVALUATIONS_PER_REQUEST: usize = 30_000;
/// The most changes in one hint.
pub const MAX_CHANGES: usize = 10;
/// The most first changes tried for a pair, when no single change reaches the goal.
pub const FIRST_STEPS: usize = 8;
/// The most hints per value a conclusion may be given.
pub const HINTS_PER_VALUE: usize = 3;

/// What hints are asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Asked {
    /// Every decided conclusion, towards any other value.
    All,
    /// Every decided conclusion whose policy names its favourable values and whose value is
    /// not one of them, towards each favourable value: what is not granted, and what would
    /// grant it.
    Favourable,
    /// These conclusions (by index), each towards a value.
    Targets(Vec<(usize, Value)>),
}

/// Adds to `decision` (made on `facts` under `policy`, for the conclusions `only` when given:
/// see [`crate::decision::decide_only`]) the hints `asked` for: each concerned decided
/// conclusion of the decision gets its list (empty when no change within the bounds gives the
/// value). `settle` is what the decision was made with, and what the hints are verified with.
pub fn attach(
    policy: &Prepared,
    facts: &[Value],
    (decision, only): (&mut Decision, Option<&[usize]>),
    asked: &Asked,
    settle: bool,
    lang: Lang,
) {
    let wanted: Vec<(usize, Option<Value>)> = match asked {
        Asked::All => (0..decision.conclusions.0.len())
            .filter_map(|k| index_at(only, k))
            .map(|i| (i, None))
            .collect(),
        Asked::Targets(t) => t.iter().map(|(i, v)| (*i, Some(v.clone()))).collect(),
        Asked::Favourable => not_granted(policy, decision, only),
    };
    // Found at the first conclusion searched: a request none concerns pays nothing for it.
    let mut narrow: Option<Option<Readers>> = None;
    // One copy of the facts for every search: each change tried is made in it and given back.
    let mut work = facts.to_vec();
    let mut left = EVALUATIONS_PER_REQUEST;
    for (i, target) in wanted {
        let Some(k) = position(only, i) else {
            continue;
        };
        let decided = decision
            .conclusions
            .0
            .get(k)
            .is_some_and(|(_, c)| c.status == Status::Decided);
        if !decided {
            continue;
        }
        let found = for_conclusion(
            policy,
            &mut work,
            (decision, only),
            (i, target),
            (
                settle,
                lang,
                narrow
                    .get_or_insert_with(|| narrowing(policy, facts, only, settle))
                    .as_ref(),
            ),
            &mut left,
        );
        if let Some((_, c)) = decision.conclusions.0.get_mut(k) {
            // Several favourable values: the hints towards each, in turn.
            c.hints.get_or_insert_with(Vec::new).extend(found);
        }
    }
    debug_assert!(work == facts, "every change tried is given back");
}

/// The conclusions decided in `decision` (made for `only`) whose value is not one of the
/// favourable values the policy names for them, each with every favourable value as a target.
fn not_granted(
    policy: &Prepared,
    decision: &Decision,
    only: Option<&[usize]>,
) -> Vec<(usize, Option<Value>)> {
    let mut out = Vec::new();
    for (i, favourable) in policy.labels.favourable.iter().enumerate() {
        let result = position(only, i).and_then(|k| decision.conclusions.0.get(k));
        let (Some(c), Some((_, result))) = (policy.conclusions.get(i), result) else {
            continue;
        };
        let named = |v: &Value| Datum::named(&policy.types, Some(policy.variant_names()), &c.ty, v);
        if result.status == Status::Decided
            && !favourable.is_empty()
            && !favourable.iter().any(|f| named(f) == result.value)
        {
            out.extend(favourable.iter().map(|f| (i, Some(f.clone()))));
        }
    }
    out
}

/// For a decision over every conclusion, who reads each input, so that a hint's changes are
/// verified by deciding again only the conclusions they can reach (a large policy was decided
/// whole for each hint of each conclusion): the other conclusions of the decision keep their
/// results. That holds when no conclusion of the decision is settled (`settle`, and
/// three-valued evaluation leaves one undetermined): the conclusions settled together share
/// one budget and one order of suppositions, and a smaller decision could settle what the
/// whole one leaves open. The verification then decides the whole policy again, as it does
/// for a decision made for some conclusions (their hints decide those and what they read).
fn narrowing(
    policy: &Prepared,
    facts: &[Value],
    only: Option<&[usize]>,
    settle: bool,
) -> Option<Readers> {
    if only.is_some() {
        return None;
    }
    if settle {
        let mut ev = Evaluator::new(policy, facts);
        let open = (0..policy.conclusions.len())
            .any(|i| matches!(ev.outcome(i), Some(Outcome::Undetermined { .. })));
        if open {
            return None;
        }
    }
    Some(Readers::of(policy))
}

/// The value of conclusion `i` on `facts`: decided by three-valued evaluation or, when
/// `settle`, by settling its missing facts (see [`crate::eval::settle`]).
fn decided_value(policy: &Prepared, facts: &[Value], i: usize, settle: bool) -> Option<Value> {
    let mut ev = Evaluator::new(policy, facts);
    match ev.outcome(i)? {
        Outcome::Decided { value, .. } => Some(value.clone()),
        Outcome::Undetermined { .. } if settle => {
            match crate::eval::settle::settle(policy, facts, &[i])
                .into_iter()
                .next()??
            {
                Settled::Decided { value, .. } => Some(value),
                Settled::Error(_) => None,
            }
        }
        _ => None,
    }
}

/// The hints of conclusion `i` on `facts` (changed while the search runs, given back after).
fn for_conclusion(
    policy: &Prepared,
    facts: &mut [Value],
    (decision, only): (&Decision, Option<&[usize]>),
    (i, target): (usize, Option<Value>),
    (settle, lang, narrow): (bool, Lang, Option<&Readers>),
    left: &mut usize,
) -> Vec<Hint> {
    let Some(value) = decided_value(policy, facts, i, settle) else {
        return Vec::new();
    };
    let goal = match target {
        Some(t) if t == value => return Vec::new(),
        Some(t) => Goal::Value(t),
        None => Goal::Other(value),
    };
    let reads = sites::reads(policy, i);
    // A decision for some conclusions is compared, before and after the changes, over them and
    // those the conclusion reads (whose `effects` a hint shows), decided anew; a decision for
    // every conclusion, over all of them, as it is.
    let scope: Option<Vec<usize>> = only.map(|only| {
        let mut scope: Vec<usize> = only.iter().chain(&reads.conclusions).copied().collect();
        scope.sort_unstable();
        scope.dedup();
        scope
    });
    let scoped;
    let before = match &scope {
        Some(scope) => {
            let modes = (false, settle);
            let id = &decision.decision_id;
            scoped = crate::decision::decide_only(policy, facts, id, Some(scope), modes, lang);
            &scoped
        }
        None => decision,
    };
    let budget = EVALUATIONS_PER_CONCLUSION.min(*left);
    let mut searcher = Searcher::new(policy, i, &reads, facts, budget);
    let chains: Vec<Vec<Edit>> = chains(&mut searcher, facts, &goal)
        .into_iter()
        .map(|edits| pruned(&mut searcher, facts, &goal, edits))
        .collect();
    *left -= budget - searcher.budget;
    let mut hints: Vec<(Rank, Hint)> = chains
        .into_iter()
        .filter_map(|edits| {
            verified(
                policy,
                facts,
                (before, scope.as_deref()),
                (i, &reads, &goal),
                &edits,
                (settle, lang, narrow),
            )
        })
        .collect();
    // Smallest first; among equals, by the paths changed, so that the order does not depend
    // on the language the hints are written in.
    let paths = |h: &Hint| -> Vec<String> {
        h.changes
            .iter()
            .map(|c| format!("{} {:?}", c.path, c.to))
            .collect()
    };
    hints.sort_by_cached_key(|(rank, h)| (*rank, paths(h)));
    let mut out: Vec<Hint> = Vec::new();
    for (_, h) in hints {
        let same = out.iter().filter(|o| o.gives == h.gives).count();
        if same < HINTS_PER_VALUE && !out.iter().any(|o| o.changes == h.changes) {
            out.push(h);
        }
    }
    out
}

/// The chains of changes that reach `goal`: the single changes that do; else the pairs made
/// of one of the [`FIRST_STEPS`] changes that make the most progress and a change that then
/// reaches the goal; else the chain that makes the most progress at each step, ended by each
/// change that then reaches it.
fn chains(s: &mut Searcher<'_>, facts: &mut [Value], goal: &Goal) -> Vec<Vec<Edit>> {
    let Some(start) = s.probe(facts) else {
        return Vec::new();
    };
    let (reached, mut progress) = step(s, facts, goal, Some(start.score), &[]);
    if !reached.is_empty() {
        return reached.into_iter().map(|f| vec![f.edit]).collect();
    }
    progress.sort_by_key(|f| {
        (
            f.probe.score,
            distance(get(facts, f.edit.loc), &f.edit.what),
        )
    });
    let mut pairs = Vec::new();
    for first in progress.iter().take(FIRST_STEPS) {
        let chain = [first.edit.clone()];
        let mut made = Made::default();
        if made.make(s.policy(), facts, &first.edit).is_none() {
            continue;
        }
        let (reached, _) = step(s, facts, goal, None, &chain);
        made.undo(facts);
        pairs.extend(
            reached
                .into_iter()
                .map(|f| vec![first.edit.clone(), f.edit]),
        );
    }
    if !pairs.is_empty() {
        return pairs;
    }
    let Some(best) = progress.into_iter().next() else {
        return Vec::new();
    };
    // The chain's changes are made in `facts` as it grows, and given back at the end.
    let mut made = Made::default();
    let mut score = best.probe.score;
    let mut chain = Vec::new();
    let mut next = Some(best.edit);
    let found = loop {
        let Some(edit) = next.take() else {
            break Vec::new();
        };
        if made.make(s.policy(), facts, &edit).is_none() {
            break Vec::new();
        }
        chain.push(edit);
        if chain.len() >= MAX_CHANGES {
            break Vec::new();
        }
        let (reached, progress) = step(s, facts, goal, Some(score), &chain);
        if !reached.is_empty() {
            break reached
                .into_iter()
                .map(|f| chain.iter().cloned().chain([f.edit]).collect())
                .collect();
        }
        next = progress
            .into_iter()
            .min_by_key(|f| {
                let from = get(facts, f.edit.loc);
                (f.probe.score, distance(from, &f.edit.what))
            })
            .map(|best| {
                score = best.probe.score;
                best.edit
            });
    };
    made.undo(facts);
    found
}

/// `edits`, a chain that reaches `goal` from `facts`, without the changes it reaches it
/// without: a change made on the way that the goal turns out not to need (the greedy steps of
/// a chain each make progress, not all of it needed) is dropped, the last first.
fn pruned(
    s: &mut Searcher<'_>,
    facts: &mut [Value],
    goal: &Goal,
    mut edits: Vec<Edit>,
) -> Vec<Edit> {
    for k in (0..edits.len()).rev() {
        if edits.len() < 2 {
            break;
        }
        let mut without = edits.clone();
        without.remove(k);
        let policy = s.policy();
        let probe = with_edits(policy, facts, &without, |_, _| Some(()), |f| s.probe(f));
        let Some(probe) = probe else {
            continue;
        };
        match probe {
            Some(p) if goal.reached(p.value.as_ref()) => edits = without,
            Some(_) => {}
            None => break,
        }
    }
    edits
}

/// One step from `facts`, after the changes `chain` (whose places are left alone): the changes
/// that reach `goal`, and those that bring the score under `score` (when given).
fn step(
    s: &mut Searcher<'_>,
    facts: &mut [Value],
    goal: &Goal,
    score: Option<search::Score>,
    chain: &[Edit],
) -> (Vec<Found>, Vec<Found>) {
    let fixed: Vec<Loc> = chain
        .iter()
        .filter(|e| matches!(e.what, What::Set(_)))
        .map(|e| e.loc)
        .collect();
    s.changes(facts, goal, score, &fixed)
        .into_iter()
        .partition(|f| goal.reached(f.probe.value.as_ref()))
}

/// How a hint ranks, smallest first: its changes, the other conclusions they move, and how far
/// they go.
type Rank = (usize, usize, u64);

/// The hint of `edits`, once deciding again on the changed facts gives the goal; with its
/// rank. The decision after is made for the same conclusions as the one before (`scope`) or, given
/// who reads each input (`narrow`, see [`narrowing`]), for those the changes can reach and
/// those conclusion `i` reads: the others keep their results.
fn verified(
    policy: &Prepared,
    facts: &mut [Value],
    (before, scope): (&Decision, Option<&[usize]>),
    (i, reads, goal): (usize, &sites::Reads, &Goal),
    edits: &[Edit],
    (settle, lang, narrow): (bool, Lang, Option<&Readers>),
) -> Option<(Rank, Hint)> {
    let reached: Option<Vec<usize>> = narrow.filter(|_| scope.is_none()).map(|readers| {
        let mut reached: Vec<usize> = reads.conclusions.iter().copied().collect();
        for e in edits {
            reached.extend(readers.of_input(e.loc.slot()));
        }
        reached.sort_unstable();
        reached.dedup();
        reached
    });
    let decided = reached.as_deref().or(scope);
    let id = &before.decision_id;
    let mut changes = Vec::with_capacity(edits.len());
    let mut far = 0u64;
    let each = |facts: &[Value], e: &Edit| {
        far = far.saturating_add(distance(get(facts, e.loc), &e.what));
        changes.push(change(policy, facts, e)?);
        Some(())
    };
    let after = with_edits(policy, facts, edits, each, |changed| {
        crate::decision::decide_only(policy, changed, id, decided, (false, settle), lang)
    })?;
    let (_, now) = after.conclusions.0.get(position(decided, i)?)?;
    let (_, then) = at(before, scope, i)?;
    let c = policy.conclusions.get(i)?;
    let wanted = match goal {
        Goal::Value(v) | Goal::Other(v) => {
            Datum::named(&policy.types, Some(policy.variant_names()), &c.ty, v)
        }
    };
    let reached = match goal {
        Goal::Value(_) => now.value == wanted,
        Goal::Other(_) => now.value != wanted,
    };
    if now.status != Status::Decided || !reached {
        return None;
    }
    let mut clauses: Vec<Arc<str>> = Vec::new();
    for cit in now.citations.iter().chain(&then.citations) {
        if !clauses.contains(&cit.clause) {
            clauses.push(Arc::clone(&cit.clause));
        }
    }
    let effects = reads
        .conclusions
        .iter()
        .filter(|&&j| j != i)
        .filter_map(|&j| {
            let (n, old) = at(before, scope, j)?;
            let (_, new) = at(&after, decided, j)?;
            let quantity = matches!(
                policy.conclusions.get(j)?.ty.base(),
                Type::Num { .. } | Type::Date
            );
            (quantity && old.value != new.value && new.status == Status::Decided).then(|| Effect {
                name: n.to_string(),
                from: old.value.clone(),
                to: new.value.clone(),
            })
        })
        .collect();
    // The other conclusions the changes move: fewer is a smaller change to the decision.
    let moved = (after.conclusions.0.iter().enumerate())
        .filter_map(|(k, (_, b))| Some((index_at(decided, k)?, b)))
        .filter(|&(j, b)| {
            j != i
                && at(before, scope, j)
                    .is_some_and(|(_, a)| a.status != b.status || a.value != b.value)
        })
        .count();
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hint = Hint {
        changes,
        gives: now.value.clone(),
        clauses,
        effects,
        text: String::new(),
    };
    hint.text = hint_text(policy, i, &hint, lang);
    Some(((edits.len(), moved, far), hint))
}

/// Conclusion `j` of decision `d`, made for `scope` (see [`crate::decision::decide_only`]).
fn at<'d>(
    d: &'d Decision,
    scope: Option<&[usize]>,
    j: usize,
) -> Option<&'d (Arc<str>, ConclusionResult)> {
    d.conclusions.0.get(position(scope, j)?)
}

/// The change `e` to `facts`, as the record reads it.
fn change(policy: &Prepared, facts: &[Value], e: &Edit) -> Option<Change> {
    let datum =
        |ty: &Type, v: &Value| Datum::named(&policy.types, Some(policy.variant_names()), ty, v);
    let (path, ty) = edit::describe(policy, e.loc)?;
    let blank = Change {
        path,
        from: None,
        to: None,
        add: None,
        remove: None,
    };
    Some(match &e.what {
        What::Set(v) => Change {
            from: Some(get(facts, e.loc).map_or(Datum::Null, |f| datum(&ty, f))),
            to: Some(datum(&ty, v)),
            ..blank
        },
        What::Add(v) => Change {
            add: Some(datum(ty.element().unwrap_or(&Type::Any), v)),
            ..blank
        },
        What::Remove(at) => {
            let Some(Value::List(items)) = get(facts, e.loc) else {
                return None;
            };
            let elem = ty.element().unwrap_or(&Type::Any);
            let item = items.get(*at)?;
            // An element that is a record is named by its index (the record is shown whole);
            // a value, by itself.
            let path = match item {
                Value::Record(_) => format!("{}[{at}]", blank.path),
                _ => blank.path.clone(),
            };
            Change {
                path,
                remove: Some(datum(elem, item)),
                ..blank
            }
        }
    })
}
