//! Conclusions and their rules: labels, exceptions, citations, conflicts the checker can see,
//! unreachable rules, and cycles between definitions and conclusions.

use std::fmt::Formatter;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::ast::{ConclusionDecl, ExprKind, HitPolicy, Rule, RuleKind};
use crate::check::layers::Merged;
use crate::check::names::did_you_mean;
use crate::check::{Checker, Global, Lazy};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::span::Span;

/// From this many conclusions on, they are checked in parts on the machine's cores: a part
/// costs a copy of the checker's tables for each core, which a few hundred conclusions repay.
const CONCLUSIONS_IN_PARTS_FROM: usize = 512;

/// How many conclusions make a part: parts are taken by the cores as each finishes its last.
const CONCLUSION_PART: usize = 128;

#[cfg(test)]
thread_local! {
    /// Set by a test to check the conclusions one after the other whatever their number.
    pub(crate) static CONCLUSIONS_IN_ORDER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What checking a part of the conclusions found, joined in the conclusions' order.
struct PartFound {
    infos: Vec<Option<ConclusionInfo>>,
    diags: Vec<Diagnostic>,
    cited: FxHashSet<ClauseId>,
    dependency_graph: FxHashMap<Global, (Vec<Global>, Span, String)>,
    table_gaps: FxHashSet<String>,
    told_apart: FxHashSet<String>,
}

impl Checker {
    pub(crate) fn conclusions(&mut self, m: &Merged) -> Option<Vec<ConclusionInfo>> {
        #[cfg(test)]
        let in_order = CONCLUSIONS_IN_ORDER.get();
        #[cfg(not(test))]
        let in_order = false;
        let out = if m.conclusions.len() >= CONCLUSIONS_IN_PARTS_FROM
            && crate::parallel::cores() > 1
            && !in_order
        {
            self.conclusions_in_parts(m)
        } else {
            (m.conclusions.iter().enumerate())
                .map(|(i, c)| self.conclusion_with_deps(c, i))
                .collect()
        };
        self.cycles();
        out.into_iter().collect()
    }

    /// The conclusions checked in parts, each core with a copy of the checker
    /// ([`Checker::copy_for_part`]): a conclusion is checked against the declarations alone
    /// (its type, and those of every name it reads, are known before any is checked), and
    /// what it changes in the checker is what it found. What each part found is joined in the
    /// conclusions' order, so that the diagnostics come as they would one after the other.
    fn conclusions_in_parts(&mut self, m: &Merged) -> Vec<Option<ConclusionInfo>> {
        let starts: Vec<usize> = (0..m.conclusions.len()).step_by(CONCLUSION_PART).collect();
        let this = &*self;
        let parts = crate::parallel::map_with(
            &starts,
            || this.copy_for_part(),
            |checker, &start| {
                let end = (start + CONCLUSION_PART).min(m.conclusions.len());
                let infos = (m.conclusions.get(start..end).unwrap_or_default().iter())
                    .zip(start..)
                    .map(|(c, i)| checker.conclusion_with_deps(c, i))
                    .collect();
                PartFound {
                    infos,
                    diags: std::mem::take(&mut checker.diags),
                    cited: std::mem::take(&mut checker.cited),
                    dependency_graph: std::mem::take(&mut checker.dependency_graph),
                    table_gaps: std::mem::take(&mut checker.table_gaps),
                    told_apart: std::mem::take(&mut checker.told_apart),
                }
            },
        );
        let mut out = Vec::with_capacity(m.conclusions.len());
        for part in parts {
            out.extend(part.infos);
            self.diags.extend(part.diags);
            self.cited.extend(part.cited);
            self.dependency_graph.extend(part.dependency_graph);
            self.table_gaps.extend(part.table_gaps);
            self.told_apart.extend(part.told_apart);
        }
        out
    }

    /// Checks conclusion `i` and records what it reads, for the cycle check.
    pub(super) fn conclusion_with_deps(
        &mut self,
        c: &ConclusionDecl,
        i: usize,
    ) -> Option<ConclusionInfo> {
        self.deps.clear();
        let info = self.conclusion(c, i);
        let deps = std::mem::take(&mut self.deps);
        self.dependency_graph.insert(
            Global::Conclusion(i),
            (deps, c.name.span, c.name.node.clone()),
        );
        info
    }

    pub(super) fn conclusion(
        &mut self,
        c: &ConclusionDecl,
        index: usize,
    ) -> Option<ConclusionInfo> {
        let ty = self.conclusion_types.get(index)?.clone();
        // A table's rows are read as rules: their conditions from the cells.
        let table_rules;
        let written: &[Rule] = match &c.table {
            Some(t) => {
                table_rules = self.table_rules(c, t)?;
                &table_rules
            }
            None => &c.rules,
        };
        let collects = c
            .table
            .as_ref()
            .is_some_and(|t| t.hit.node == HitPolicy::Collect);
        let is_set = collects || written.iter().any(|r| r.kind == RuleKind::Member);
        let element = match (&ty, is_set) {
            (Type::Set(e), true) => Some((**e).clone()),
            (_, true) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        c.ty.span,
                        format!(
                            "conclusion `{}` has members but is {}",
                            c.name.node,
                            self.article(&ty)
                        ),
                    )
                    .with_help("a conclusion made of `member` rules is a `set of …`"),
                );
                return None;
            }
            _ => None,
        };
        let labels = self.labels(c)?;
        // Exactly as many as written: the compiled rules keep this vector's room.
        let mut rules = Vec::with_capacity(written.len());
        for r in written {
            rules.push(self.rule(c, r, &ty, element.as_ref(), &labels));
        }
        let mut rules: Vec<RuleInfo> = rules.into_iter().collect::<Option<_>>()?;
        self.close_overrides(c, &mut rules)?;
        if let Some(t) = &c.table {
            self.table_checks(c, t);
        }
        if !c
            .table
            .as_ref()
            .is_some_and(|t| t.hit.node == HitPolicy::Unique)
        {
            self.static_conflicts(c, &rules);
        }
        self.unreachable(c, &rules);
        Some(ConclusionInfo {
            name: c.name.node.clone(),
            ty,
            is_set,
            rules,
            span: c.name.span,
        })
    }

    fn labels(&mut self, c: &ConclusionDecl) -> Option<FxHashMap<String, usize>> {
        let mut labels: FxHashMap<String, usize> = FxHashMap::default();
        let mut ok = true;
        for (i, r) in c.rules.iter().enumerate() {
            if let Some(&prev) = labels.get(&r.label.node) {
                let prev_span = c.rules.get(prev).map_or(r.label.span, |p| p.label.span);
                self.diags.push(
                    Diagnostic::error(Code::DuplicateName, r.label.span, format!("conclusion `{}` has two rules labelled `{}`", c.name.node, r.label.node))
                        .with_label("declared again here")
                        .with_related(prev_span, "first declared here")
                        .with_help("labels name rules for exceptions, overrides and reports: give each its own"),
                );
                ok = false;
            }
            labels.insert(r.label.node.clone(), i);
        }
        ok.then_some(labels)
    }

    fn rule(
        &mut self,
        c: &ConclusionDecl,
        r: &Rule,
        ty: &Type,
        element: Option<&Type>,
        labels: &FxHashMap<String, usize>,
    ) -> Option<RuleInfo> {
        let what = Lazy(|f: &mut Formatter<'_>| {
            write!(
                f,
                "{} `{}` of `{}`",
                r.kind.keyword(),
                r.label.node,
                c.name.node
            )
        });
        let citations = self.citations(&r.citations, &what, r.label.span, true);
        if r.kind != RuleKind::Row && (r.kind == RuleKind::Member) != element.is_some() {
            self.diags.push(
                Diagnostic::error(Code::MixedRules, r.label.span, format!("conclusion `{}` mixes `member` rules with `rule`/`exception` rules", c.name.node))
                    .with_help("a set-valued conclusion collects `member` rules; any other conclusion has `rule` and `exception`"),
            );
            return None;
        }
        let mut overrides = Vec::new();
        for o in &r.overrides {
            match labels.get(&o.node) {
                Some(&i) if o.node != r.label.node => overrides.push(i),
                Some(_) => self.diags.push(Diagnostic::error(
                    Code::BadException,
                    o.span,
                    format!("`{}` cannot be an exception to itself", o.node),
                )),
                None => {
                    let mut d = Diagnostic::error(
                        Code::UnknownRule,
                        o.span,
                        format!("conclusion `{}` has no rule `{}`", c.name.node, o.node),
                    )
                    .with_label("no such rule");
                    d.help = did_you_mean(&o.node, labels.keys().map(String::as_str));
                    self.diags.push(d);
                }
            }
        }
        let condition = match &r.condition {
            Some(cond) => {
                Some(self.expect(cond, &Type::Bool, &format_args!("the condition of {what}"))?)
            }
            None => None,
        };
        // The value is read where the condition holds.
        let present = condition
            .as_ref()
            .map(super::narrowing::present_if_true)
            .unwrap_or_default();
        let value = match (&r.value, element) {
            (Some(v), Some(e)) => self.narrowed(present, |c| {
                c.expect(v, e, &format_args!("the value of {what}"))
            })?,
            (Some(v), None) => self.narrowed(present, |c| {
                c.expect(v, ty, &format_args!("the value of {what}"))
            })?,
            (None, Some(e)) => {
                // Through the index of values, not a search of the enum's list: an enum of
                // thousands of values, one member rule each, stays linear.
                let is_value = matches!(e, Type::Enum(en) if self.variants.get(r.label.node.as_str()).is_some_and(|of| of.iter().any(|(x, _)| x == en)));
                if !is_value {
                    let enum_values = match e {
                        Type::Enum(en) => self
                            .types
                            .enums
                            .get(*en)
                            .map(|x| x.variants.clone())
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    let mut d = Diagnostic::error(
                        Code::MissingValue,
                        r.label.span,
                        format!(
                            "member `{}` of `{}` gives no value, and its label is not one",
                            r.label.node, c.name.node
                        ),
                    )
                    .with_label("not a value of the set");
                    d.help = Some(
                        match did_you_mean(&r.label.node, enum_values.iter().map(String::as_str)) {
                            Some(hint) => format!("{hint} or add `gives VALUE`"),
                            None => format!(
                                "a member without `gives` is named after its value: add `gives VALUE` (one of {})",
                                enum_values.join(", ")
                            ),
                        },
                    );
                    self.diags.push(d);
                    return None;
                }
                let name =
                    crate::ast::Expr::new(ExprKind::Name(r.label.node.clone()), r.label.span);
                self.expect(&name, e, &format_args!("member `{}`", r.label.node))?
            }
            (None, None) => {
                self.diags.push(
                    Diagnostic::error(Code::MissingValue, r.span, format!("{what} gives no value"))
                        .with_help("add `gives VALUE`"),
                );
                return None;
            }
        };
        Some(RuleInfo {
            label: r.label.node.as_str().into(),
            kind: r.kind,
            // Made of the direct sets of the conclusion's rules by `close_overrides`.
            overrides: RuleSet::default(),
            overrides_directly: RuleSet::of(overrides),
            condition,
            value,
            citations,
            reading: super::reading(&r.reading),
            span: r.span,
            label_span: r.label.span,
        })
    }

    /// Replaces each rule's direct exceptions-of set by its transitive closure; rejects cycles.
    ///
    /// Each rule's closure is built after those of the rules it overrides, as the union of
    /// theirs and them: the rows of a `first` table (each overriding the next) take one run each,
    /// where a search from every rule took time and room in the square of the rows.
    fn close_overrides(&mut self, c: &ConclusionDecl, rules: &mut [RuleInfo]) -> Option<()> {
        let direct: Vec<RuleSet> = rules.iter().map(|r| r.overrides_directly.clone()).collect();
        let Some(order) = after_what_they_override(&direct) else {
            self.report_cycle(c, rules, &direct);
            return None;
        };
        let mut closures = vec![RuleSet::default(); rules.len()];
        for i in order {
            let Some(overridden) = direct.get(i) else {
                continue;
            };
            let below = overridden.iter().filter_map(|j| closures.get(j));
            let closure = RuleSet::gather(below, overridden.iter());
            if let Some(slot) = closures.get_mut(i) {
                *slot = closure;
            }
        }
        for (rule, closure) in rules.iter_mut().zip(closures) {
            rule.overrides = closure;
        }
        Some(())
    }

    /// The first rule (in the order written) that is, through other exceptions, an exception
    /// to itself: reported as such. Only a policy in error comes here, so the search from each
    /// rule in turn is affordable.
    fn report_cycle(&mut self, c: &ConclusionDecl, rules: &[RuleInfo], direct: &[RuleSet]) {
        let mut seen = vec![false; rules.len()];
        for (i, rule) in rules.iter().enumerate() {
            seen.fill(false);
            let mut stack: Vec<usize> = direct
                .get(i)
                .map(|d| d.iter().collect())
                .unwrap_or_default();
            while let Some(j) = stack.pop() {
                if j == i {
                    self.diags.push(
                        Diagnostic::error(Code::ExceptionCycle, rule.label_span, format!("{} `{}` of `{}` is, through other exceptions, an exception to itself", rule.kind.keyword(), rule.label, c.name.node))
                            .with_help("exceptions form a hierarchy: a rule cannot override what overrides it"),
                    );
                    return;
                }
                if let Some(mark) = seen.get_mut(j)
                    && !*mark
                {
                    *mark = true;
                    stack.extend(direct.get(j).into_iter().flat_map(RuleSet::iter));
                }
            }
        }
    }

    /// Two rules of one rank that always apply together and give different values: literals,
    /// or parameters whose values in this version differ.
    pub(super) fn static_conflicts(&mut self, c: &ConclusionDecl, rules: &[RuleInfo]) {
        if c.table
            .as_ref()
            .is_some_and(|t| t.hit.node == HitPolicy::Collect)
        {
            return;
        }
        // Only rules whose values are known can be told in conflict: the others are left out
        // before the rules are paired (a conclusion of thousands of `member` rules, or of
        // computed values, was paired whole for nothing).
        let known: Vec<Option<&Value>> = rules.iter().map(|r| self.known_value(&r.value)).collect();
        // Only rules whose conditions have the same shape can have the same condition: each is
        // paired with those after it of its shape, not with every rule after it (a table of
        // thousands of rows compared its rows two by two).
        let shapes: Vec<u64> = rules
            .iter()
            .map(|r| shape_opt(r.condition.as_ref()))
            .collect();
        let mut by_shape: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
        for (j, shape) in shapes.iter().enumerate() {
            if known.get(j).copied().flatten().is_some() {
                by_shape.entry(*shape).or_default().push(j);
            }
        }
        let mut conflicts = Vec::new();
        for (i, a) in rules.iter().enumerate() {
            let Some(x) = known.get(i).copied().flatten() else {
                continue;
            };
            if a.kind == RuleKind::Member {
                continue;
            }
            let alike = (shapes.get(i))
                .and_then(|shape| by_shape.get(shape))
                .map_or(&[][..], Vec::as_slice);
            // The rules after it that it does not override (the rows of a `first` table below
            // a row are all overridden by it: none is left to pair).
            let after = alike.partition_point(|j| *j <= i);
            for &j in alike.get(after..).unwrap_or_default() {
                if a.overrides.contains(j) {
                    continue;
                }
                let (Some(b), Some(y)) = (rules.get(j), known.get(j).copied().flatten()) else {
                    continue;
                };
                if !b.overrides.contains(i)
                    && x != y
                    && same_opt(a.condition.as_ref(), b.condition.as_ref())
                {
                    conflicts.push((a, b));
                }
            }
        }
        for (a, b) in conflicts {
            self.diags.push(
                Diagnostic::error(
                    Code::Conflict,
                    b.label_span,
                    format!("rules `{}` and `{}` of `{}` apply in the same cases and give different values", a.label, b.label, c.name.node),
                )
                .with_label(format!("conflicts with `{}`", a.label))
                .with_related(a.label_span, "this rule")
                .with_help(format!("make one an exception to the other (`exception {} of {}`), or tell their conditions apart", b.label, a.label)),
            );
        }
    }

    /// The value `ir` has whatever the input: a literal, or a parameter set in this version.
    fn known_value<'a>(&'a self, ir: &'a Ir) -> Option<&'a Value> {
        match &ir.kind {
            IrKind::Const(v) => Some(v),
            IrKind::Param(i) => self.param_values.get(*i).and_then(Option::as_ref),
            _ => None,
        }
    }

    /// A rule overridden by an exception that always applies can never give its value.
    fn unreachable(&mut self, c: &ConclusionDecl, rules: &[RuleInfo]) {
        // The first rule without a condition that overrides each rule, in one pass over what
        // they override (not a search of every rule for each: thousands of rules stay linear).
        let mut shadows: Vec<Option<&RuleInfo>> = vec![None; rules.len()];
        for e in rules.iter().filter(|e| e.condition.is_none()) {
            for i in e.overrides.iter() {
                if let Some(slot) = shadows.get_mut(i)
                    && slot.is_none()
                {
                    *slot = Some(e);
                }
            }
        }
        for (r, shadow) in rules.iter().zip(shadows) {
            let never = matches!(
                &r.condition,
                Some(Ir {
                    kind: IrKind::Const(Value::Bool(false)),
                    ..
                })
            );
            if let Some(e) = shadow {
                // Under `first`, what overrides a row is a row above it that tests nothing.
                let (by, help) = if e.kind == RuleKind::Row {
                    (
                        format!("row `{}` above it applies to every input", e.label),
                        "give the row above a cell that tests its column, or remove the row",
                    )
                } else {
                    (
                        format!("exception `{}` always overrides it", e.label),
                        "give the exception a `when` condition, or remove the rule",
                    )
                };
                self.diags.push(
                    Diagnostic::warning(
                        Code::UnreachableRule,
                        r.label_span,
                        format!(
                            "{} `{}` of `{}` never applies: {by}",
                            r.kind.keyword(),
                            r.label,
                            c.name.node,
                        ),
                    )
                    .with_label("never applies")
                    .with_related(e.label_span, "always applies")
                    .with_help(help),
                );
            } else if never {
                self.diags.push(Diagnostic::warning(
                    Code::UnreachableRule,
                    r.label_span,
                    format!(
                        "{} `{}` of `{}` never applies: its condition is false",
                        r.kind.keyword(),
                        r.label,
                        c.name.node
                    ),
                ));
            }
        }
    }

    /// Definitions and conclusions that depend on themselves.
    pub(super) fn cycles(&mut self) {
        let mut state: FxHashMap<Global, u8> = FxHashMap::default();
        let mut nodes: Vec<Global> = self.dependency_graph.keys().copied().collect();
        nodes.sort_by_key(|g| {
            self.dependency_graph
                .get(g)
                .map(|(_, s, _)| (s.file, s.start))
        });
        for start in nodes {
            let mut path = Vec::new();
            if let Some(cycle) = self.visit(start, &mut state, &mut path) {
                let names: Vec<String> = cycle
                    .iter()
                    .filter_map(|g| {
                        self.dependency_graph
                            .get(g)
                            .map(|(_, _, n)| format!("`{n}`"))
                    })
                    .collect();
                let first = cycle
                    .first()
                    .and_then(|g| self.dependency_graph.get(g))
                    .map(|(_, s, n)| (*s, n.clone()));
                if let Some((span, name)) = first {
                    self.diags.push(
                        Diagnostic::error(Code::CyclicDefinition, span, format!("`{name}` depends on itself: {}", names.join(" → ")))
                            .with_label("defined in terms of itself")
                            .with_help("a definition or conclusion cannot use its own value, directly or through others"),
                    );
                }
            }
        }
    }

    fn visit(
        &self,
        node: Global,
        state: &mut FxHashMap<Global, u8>,
        path: &mut Vec<Global>,
    ) -> Option<Vec<Global>> {
        match state.get(&node) {
            Some(2) => return None,
            Some(1) => {
                let at = path.iter().position(|g| *g == node)?;
                let mut cycle = path.get(at..)?.to_vec();
                cycle.push(node);
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(node, 1);
        path.push(node);
        let deps = self
            .dependency_graph
            .get(&node)
            .map(|(d, _, _)| d.clone())
            .unwrap_or_default();
        for d in deps {
            if matches!(d, Global::Param(_)) {
                continue;
            }
            if let Some(c) = self.visit(d, state, path) {
                // Mark the whole cycle visited so it is reported once.
                for g in &c {
                    state.insert(*g, 2);
                }
                return Some(c);
            }
        }
        path.pop();
        state.insert(node, 2);
        None
    }
}

/// Structural equality of compiled code, spans aside.
fn same_code(a: &Ir, b: &Ir) -> bool {
    same_kind(&a.kind, &b.kind)
}

fn same_all(a: &[Ir], b: &[Ir]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_code(x, y))
}

/// Structural equality of two optional pieces of compiled code, spans aside.
pub(crate) fn same_opt(a: Option<&Ir>, b: Option<&Ir>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => same_code(x, y),
        (None, None) => true,
        _ => false,
    }
}

/// A hash of the shape of `ir` that [`same_code`] keeps: two pieces of code it finds the same
/// have the same shape (what it compares, hashed to a few levels deep; spans aside).
fn shape(ir: &Ir, depth: usize, h: &mut impl std::hash::Hasher) {
    use IrKind as K;
    use std::hash::Hash;
    std::mem::discriminant(&ir.kind).hash(h);
    if depth == 0 {
        return;
    }
    let mut under = |x: &Ir| shape(x, depth - 1, h);
    match &ir.kind {
        K::Const(v) => v.hash(h),
        K::Input(x) | K::Param(x) | K::Def(x) | K::Conclusion(x) | K::Local(x) => x.hash(h),
        K::Not(x) | K::Neg(x) | K::IsAbsent(x) | K::IsEmpty(x) | K::Field(x, _) => under(x),
        K::And(a, b)
        | K::Or(a, b)
        | K::In(a, b)
        | K::DaysBetween(a, b)
        | K::Cmp(_, a, b)
        | K::Arith(_, a, b) => {
            under(a);
            under(b);
        }
        _ => {}
    }
}

/// The shape of a rule's condition (none for a rule without one).
fn shape_opt(ir: Option<&Ir>) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    if let Some(ir) = ir {
        shape(ir, 4, &mut h);
    }
    h.finish()
}

fn same_kind(a: &IrKind, b: &IrKind) -> bool {
    use IrKind as K;
    match (a, b) {
        (K::Const(x), K::Const(y)) => x == y,
        (K::Input(x), K::Input(y))
        | (K::Param(x), K::Param(y))
        | (K::Def(x), K::Def(y))
        | (K::Conclusion(x), K::Conclusion(y))
        | (K::Local(x), K::Local(y)) => x == y,
        (K::Call(f, xs), K::Call(g, ys)) => f == g && same_all(xs, ys),
        (K::List(xs, s), K::List(ys, t)) => s == t && same_all(xs, ys),
        (K::Field(x, i), K::Field(y, j)) => i == j && same_code(x, y),
        (K::Scale(x, f, d), K::Scale(y, g, e)) => f == g && d == e && same_code(x, y),
        (K::Not(x), K::Not(y))
        | (K::Neg(x), K::Neg(y))
        | (K::IsAbsent(x), K::IsAbsent(y))
        | (K::IsEmpty(x), K::IsEmpty(y)) => same_code(x, y),
        (K::Round(x, r), K::Round(y, s)) => r == s && same_code(x, y),
        (K::And(a1, b1), K::And(a2, b2))
        | (K::Or(a1, b1), K::Or(a2, b2))
        | (K::In(a1, b1), K::In(a2, b2))
        | (K::DaysBetween(a1, b1), K::DaysBetween(a2, b2)) => {
            same_code(a1, a2) && same_code(b1, b2)
        }
        (K::Cmp(o1, a1, b1), K::Cmp(o2, a2, b2)) => {
            o1 == o2 && same_code(a1, a2) && same_code(b1, b2)
        }
        (K::Arith(o1, a1, b1), K::Arith(o2, a2, b2)) => {
            o1 == o2 && same_code(a1, a2) && same_code(b1, b2)
        }
        (K::AddDays(a1, b1, s1), K::AddDays(a2, b2, s2))
        | (K::AddMonths(a1, b1, s1), K::AddMonths(a2, b2, s2)) => {
            s1 == s2 && same_code(a1, a2) && same_code(b1, b2)
        }
        (K::MinMax(m1, a1, b1), K::MinMax(m2, a2, b2)) => {
            m1 == m2 && same_code(a1, a2) && same_code(b1, b2)
        }
        (K::If(c1, a1, b1), K::If(c2, a2, b2)) => {
            same_code(c1, c2) && same_code(a1, a2) && same_code(b1, b2)
        }
        (
            K::Aggregate {
                kind: k1,
                list: l1,
                value: v1,
                condition: c1,
            },
            K::Aggregate {
                kind: k2,
                list: l2,
                value: v2,
                condition: c2,
            },
        ) => {
            k1 == k2
                && same_code(l1, l2)
                && same_opt(v1.as_deref(), v2.as_deref())
                && same_opt(c1.as_deref(), c2.as_deref())
        }
        _ => false,
    }
}

/// The rules in an order where each comes after every rule it overrides (`direct`: what each
/// overrides directly), by a depth-first walk without recursion; None when they form a cycle.
fn after_what_they_override(direct: &[RuleSet]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; direct.len()];
    let mut order = Vec::with_capacity(direct.len());
    for root in 0..direct.len() {
        if marks.get(root) != Some(&Mark::New) {
            continue;
        }
        // Each open rule with the rules it overrides that are left to visit.
        let mut stack = vec![(root, direct.get(root)?.iter())];
        *marks.get_mut(root)? = Mark::Open;
        while let Some((i, below)) = stack.last_mut() {
            let i = *i;
            match below.next() {
                Some(j) => match marks.get(j) {
                    Some(Mark::New) => {
                        *marks.get_mut(j)? = Mark::Open;
                        stack.push((j, direct.get(j)?.iter()));
                    }
                    Some(Mark::Open) => return None,
                    _ => {}
                },
                None => {
                    *marks.get_mut(i)? = Mark::Done;
                    order.push(i);
                    stack.pop();
                }
            }
        }
    }
    Some(order)
}
