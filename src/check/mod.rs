//! The checker: resolves names, types, units, citations and layers, and compiles a version of a
//! policy into a [`CompiledPolicy`]. Every finding is a [`Diagnostic`].

pub(crate) mod completeness;
pub(crate) mod expr;
mod informative;
pub(crate) mod labels;
pub mod layers;
pub(crate) mod names;
pub(crate) mod narrowing;
pub(crate) mod operators;
pub(crate) mod pipeline;
mod records;
pub(crate) mod rules;
pub(crate) mod table;
pub(crate) mod types;

use std::fmt::{Display, Formatter};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::ast::{Expr, TypeExpr};
use crate::check::layers::{Merged, ParsedFile};
use crate::check::names::did_you_mean;
use crate::check::types::{NamedType, assignable};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::prepared::Prepared;
use crate::span::{SourceMap, Span, Spanned};

/// A name of the value namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Global {
    Param(usize),
    Def(usize),
    Conclusion(usize),
}

/// The state of checking one version.
#[derive(Default)]
pub(crate) struct Checker {
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) types: TypeTable,
    pub(crate) type_names: FxHashMap<String, NamedType>,
    pub(crate) variants: FxHashMap<String, Vec<(usize, usize)>>,
    pub(crate) globals: FxHashMap<String, Global>,
    pub(crate) def_names: Vec<String>,
    pub(crate) param_types: Vec<Type>,
    /// Each parameter's value in this version, when known: compared like a literal by the
    /// conflict check.
    pub(crate) param_values: Vec<Option<Value>>,
    pub(crate) def_sigs: Vec<(Vec<(String, Type)>, Type)>,
    pub(crate) conclusion_types: Vec<Type>,
    pub(crate) inputs: Vec<InputInfo>,
    pub(crate) input_index: FxHashMap<String, usize>,
    pub(crate) input_prefixes: FxHashSet<String>,
    /// The clauses by id, keyed by the compiled clauses' own ids (shared, not copied).
    pub(crate) clause_index: FxHashMap<Arc<str>, ClauseId>,
    pub(crate) clause_ids: Vec<Arc<str>>,
    pub(crate) cited: FxHashSet<ClauseId>,
    pub(crate) locals: Vec<(String, Type)>,
    /// The values known present where the expression being typed is read (see
    /// [`narrowing`]).
    pub(crate) present: Vec<String>,
    pub(crate) deps: Vec<Global>,
    pub(crate) allow_globals: bool,
    /// The conclusions whose table has a column no row covers (`table-gap`): the search for
    /// a region where no rule applies would only say it again.
    pub(crate) table_gaps: FxHashSet<String>,
    /// The conclusions whose table is `unique` with every cell's bounds known: the table's own
    /// check has compared its rows (`table-overlap`), and no two can apply together, so the
    /// search for a region where two rules conflict would find none.
    pub(crate) told_apart: FxHashSet<String>,
    /// What each definition and conclusion reads, for the cycle check.
    pub(crate) dependency_graph: FxHashMap<Global, (Vec<Global>, Span, String)>,
}

/// Words for a diagnostic, written only when one is emitted (`parameter `x``, `rule `r` of
/// `c``): the checker names each declaration it checks, and formatting every name up front
/// cost an allocation per declaration of a policy that has no error.
pub(crate) struct Lazy<F>(pub(crate) F);

impl<F: Fn(&mut Formatter<'_>) -> std::fmt::Result> Display for Lazy<F> {
    fn fmt(&self, f: &mut Formatter<'_>) -> std::fmt::Result {
        (self.0)(f)
    }
}

/// The outcome of checking one version: the compiled policy when there is no error, and every
/// diagnostic (warnings included).
#[derive(Clone)]
pub struct CheckResult {
    /// The compiled version, prepared for deciding, if it has no error.
    pub policy: Option<Arc<Prepared>>,
    /// Errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks and compiles `version` from the parsed files of its policy folder, its layers checked
/// again with it. [`crate::load::check_texts`] checks a whole folder, each layer once.
pub fn check_version(sources: &Arc<SourceMap>, files: &[ParsedFile], version: &str) -> CheckResult {
    // Without a chain, the folder check has reported the missing or cyclic extension.
    layers::chain(files, version)
        .and_then(|chain| pipeline::check_chain(sources, &chain, None, true))
        .map_or_else(
            || CheckResult {
                policy: None,
                diagnostics: Vec::new(),
            },
            |checked| checked.result,
        )
}

impl Checker {
    /// A copy of this checker to check a part of the conclusions with, on another core: the
    /// declarations as they are, what was found so far left out (each part's findings are
    /// joined to this checker's after).
    pub(crate) fn copy_for_part(&self) -> Checker {
        Checker {
            diags: Vec::new(),
            types: self.types.clone(),
            type_names: self.type_names.clone(),
            variants: self.variants.clone(),
            globals: self.globals.clone(),
            def_names: self.def_names.clone(),
            param_types: self.param_types.clone(),
            param_values: self.param_values.clone(),
            def_sigs: self.def_sigs.clone(),
            conclusion_types: self.conclusion_types.clone(),
            inputs: self.inputs.clone(),
            input_index: self.input_index.clone(),
            input_prefixes: self.input_prefixes.clone(),
            clause_index: self.clause_index.clone(),
            clause_ids: self.clause_ids.clone(),
            cited: FxHashSet::default(),
            locals: self.locals.clone(),
            present: self.present.clone(),
            deps: self.deps.clone(),
            allow_globals: self.allow_globals,
            table_gaps: FxHashSet::default(),
            told_apart: FxHashSet::default(),
            dependency_graph: FxHashMap::default(),
        }
    }

    /// Checks the merged declarations of a version. With `reuse`, the definitions and the
    /// conclusions that the version's own file leaves alone are taken from the version it
    /// extends, when everything they were typed against is unchanged.
    pub(crate) fn compile(
        &mut self,
        m: &Arc<Merged>,
        sources: &Arc<SourceMap>,
        sha256: String,
        reuse: Option<&pipeline::Reuse<'_>>,
    ) -> Option<CompiledPolicy> {
        self.allow_globals = true;
        let clauses = self.clauses(m, reuse);
        self.declare_types(m);
        self.record_shapes(m);
        self.declare_inputs(m);
        let params = self.params(m);
        self.param_types = params.iter().map(|p| p.ty.clone()).collect();
        self.param_values = params.iter().map(|p| p.value.clone()).collect();
        self.declare_globals(m);
        self.input_requirements(m);
        let reuse = reuse.filter(|r| r.same_param_types(&self.param_types));
        let (defs, conclusions) = match reuse {
            Some(r) => (Some(self.reuse_defs(r)), self.reuse_conclusions(m, r)),
            None => (self.defs(m), self.conclusions(m)),
        };
        if let (Some(defs), Some(conclusions)) = (&defs, &conclusions) {
            // A version that reuses its base's conclusions looks again only at those it
            // changes: the others were looked at with the base.
            self.completeness(defs, conclusions, |name| {
                reuse.is_none_or(|r| r.rechecks(name))
            });
        }
        self.check_records(m);
        self.unused_clauses(m, &clauses);
        let record_key = self.record_key(m);
        self.diags
            .extend((m.clauses.iter()).filter_map(|c| informative::finding(c, sources)));
        let inputs = std::mem::take(&mut self.inputs);
        let mut policy = CompiledPolicy {
            id: m.header.policy.node.clone(),
            version: m.header.version.node.clone(),
            effective_from: m.header.effective_from.as_ref().map(|d| d.node),
            draft: m.header.draft.is_some(),
            extends: m.header.extends.as_ref().map(|e| e.node.clone()),
            title: m.header.title.as_ref().map(|t| t.node.clone()),
            source: m.header.source.as_ref().map(|s| s.node.clone()),
            sha256,
            record_key,
            clauses,
            types: std::mem::take(&mut self.types),
            input_tree: InputGroup::of(&inputs),
            inputs,
            params,
            defs: defs?,
            conclusions: conclusions?,
            sources: Arc::clone(sources),
            layer_files: m.chain.clone(),
            merged: Arc::clone(m),
            labels: Labels::default(),
        };
        policy.labels = match reuse.and_then(|r| r.labels(m)) {
            Some(base) => self.words_of_base(m, &policy, base),
            None => self.words(m, &policy),
        };
        Some(policy)
    }

    /// The input `identified by` names: a declared input whose value is a text or a whole
    /// number (what a decision record can be looked up by).
    fn record_key(&mut self, m: &Merged) -> Option<String> {
        let key = m.header.identified_by.as_ref()?;
        let Some(input) = self
            .input_index
            .get(&key.node)
            .and_then(|&i| self.inputs.get(i))
        else {
            let mut d = Diagnostic::error(
                Code::UnknownInput,
                key.span,
                format!("`{}` is not a declared input", key.node),
            );
            d.help = names::did_you_mean(&key.node, self.input_index.keys().map(String::as_str));
            self.diags.push(d);
            return None;
        };
        if !matches!(input.ty, Type::Text | Type::Num { integral: true, .. }) {
            self.diags.push(Diagnostic::error(
                Code::TypeMismatch,
                key.span,
                format!(
                    "`{}` identifies a candidate only if it is a text or a whole number",
                    key.node
                ),
            ));
            return None;
        }
        Some(key.node.clone())
    }

    fn clauses(&mut self, m: &Merged, reuse: Option<&pipeline::Reuse<'_>>) -> Vec<ClauseInfo> {
        let mut out = Vec::new();
        for (i, c) in m.clauses.iter().enumerate() {
            // A clause of an older layer is the same as in the version it extends, text
            // escaped once.
            let info = match reuse.and_then(|r| r.clause(i, c)) {
                Some(info) => info.clone(),
                None => ClauseInfo {
                    id: c.id.node.as_str().into(),
                    section: c.section.node.as_str().into(),
                    text: c.text.node.as_str().into(),
                    informative: c.informative,
                    reason: c.reason.as_ref().map(|r| r.node.as_str().into()),
                    span: c.id.span,
                },
            };
            self.clause_index.insert(Arc::clone(&info.id), out.len());
            self.clause_ids.push(Arc::clone(&info.id));
            out.push(info);
        }
        out
    }

    /// Resolves `per` references; a rule or parameter must cite at least one clause.
    pub(crate) fn citations(
        &mut self,
        cites: &[Spanned<String>],
        owner: &dyn Display,
        owner_span: Span,
        required: bool,
    ) -> Vec<ClauseId> {
        if required && cites.is_empty() {
            self.diags.push(
                Diagnostic::error(Code::MissingCitation, owner_span, format!("{owner} cites no clause"))
                    .with_label("no `per`")
                    .with_help("end it with `per \"CLAUSE\"`, naming the clauses of the regulation it rests on"),
            );
        }
        let mut out = Vec::new();
        for c in cites {
            match self.clause_index.get(c.node.as_str()) {
                Some(&i) => {
                    self.cited.insert(i);
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
                None => {
                    let mut d = Diagnostic::error(
                        Code::UnknownClause,
                        c.span,
                        format!("clause `{}` is not declared", c.node),
                    )
                    .with_label("no such clause");
                    d.help = did_you_mean(&c.node, self.clause_ids.iter().map(AsRef::as_ref))
                        .or_else(|| {
                            Some(format!(
                                "declare it with `clause \"{}\" section \"…\"` and its text",
                                c.node
                            ))
                        });
                    self.diags.push(d);
                }
            }
        }
        out
    }

    fn declare_types(&mut self, m: &Merged) {
        for u in &m.units {
            if crate::check::types::calendar_unit(&u.node).is_some() {
                self.diags.push(Diagnostic::error(
                    Code::DuplicateName,
                    u.span,
                    format!("`{}` is a built-in unit", u.node),
                ));
                continue;
            }
            self.type_names
                .insert(u.node.clone(), NamedType::Unit(self.types.units.len()));
            self.types.units.push(u.node.clone());
        }
        for e in &m.enums {
            let idx = self.types.enums.len();
            self.type_names
                .insert(e.name.node.clone(), NamedType::Enum(idx));
            let mut variants: Vec<String> = Vec::new();
            // Looked up in a set: an enum may list thousands of values (the communes of a
            // department, the codes of every diploma).
            let mut listed: FxHashSet<&str> = FxHashSet::default();
            for v in &e.variants {
                if !listed.insert(v.node.as_str()) {
                    self.diags.push(Diagnostic::error(
                        Code::DuplicateName,
                        v.span,
                        format!("enum `{}` lists `{}` twice", e.name.node, v.node),
                    ));
                    continue;
                }
                self.variants
                    .entry(v.node.clone())
                    .or_default()
                    .push((idx, variants.len()));
                variants.push(v.node.clone());
            }
            self.types.enums.push(EnumInfo {
                name: e.name.node.clone(),
                variants,
                span: e.name.span,
            });
        }
        for r in &m.records {
            self.type_names.insert(
                r.name.node.clone(),
                NamedType::Record(self.types.records.len()),
            );
            self.types.records.push(RecordInfo {
                name: r.name.node.clone(),
                fields: Vec::new(),
                requires: Vec::new(),
            });
        }
        for (i, r) in m.records.iter().enumerate() {
            let mut fields: Vec<FieldInfo> = Vec::new();
            let mut named: FxHashSet<&str> = FxHashSet::default();
            for f in &r.fields {
                if named.contains(f.name.node.as_str()) {
                    self.diags.push(Diagnostic::error(
                        Code::DuplicateName,
                        f.name.span,
                        format!("record `{}` has two fields `{}`", r.name.node, f.name.node),
                    ));
                    continue;
                }
                let Some((ty, presence)) = self.presence(&f.ty, f.default.as_ref()) else {
                    continue;
                };
                named.insert(f.name.node.as_str());
                fields.push(FieldInfo {
                    name: f.name.node.clone(),
                    ty,
                    presence,
                });
            }
            if let Some(info) = self.types.records.get_mut(i) {
                info.fields = fields;
            }
        }
    }

    /// The type and the meaning of absence of an input or field. A default that fails its
    /// check is reported and the field kept as required, so its uses raise no further error.
    fn presence(
        &mut self,
        ty: &Spanned<TypeExpr>,
        default: Option<&Expr>,
    ) -> Option<(Type, Presence)> {
        let resolved = self.resolve_type(ty)?;
        match (resolved, default) {
            (Type::Optional(inner), None) => Some((*inner, Presence::Optional)),
            (t, None) => Some((t, Presence::Required)),
            (t, Some(d)) => {
                let presence = self
                    .constant(d, &t, &"the default")
                    .map_or(Presence::Required, Presence::Default);
                match t {
                    Type::Optional(inner) => Some((*inner, presence)),
                    t => Some((t, presence)),
                }
            }
        }
    }

    /// Types `e` as a constant of type `ty` and computes it.
    fn constant(&mut self, e: &Expr, ty: &Type, what: &dyn Display) -> Option<Value> {
        self.allow_globals = false;
        let code = self.expect(e, ty, what);
        self.allow_globals = true;
        let code = code?;
        match crate::eval::const_eval(&code) {
            Ok(v) => Some(v),
            Err(msg) => {
                self.diags.push(Diagnostic::error(
                    Code::NotConstant,
                    e.span,
                    format!("{what} cannot be computed: {msg}"),
                ));
                None
            }
        }
    }

    fn declare_inputs(&mut self, m: &Merged) {
        for i in &m.inputs {
            let path = i.path.node.join(".");
            let Some((ty, presence)) = self.presence(&i.ty, i.default.as_ref()) else {
                continue;
            };
            // An input declared at one of its groups, or one inside it: looked up by the path's
            // groups and the groups declared so far (the names are searched only for the message).
            let segments = &i.path.node;
            let overlaps = (1..segments.len()).any(|n| {
                let group = segments.get(..n).map(|s| s.join(".")).unwrap_or_default();
                self.input_index.contains_key(&group)
            }) || self.input_prefixes.contains(&path);
            let conflict = if overlaps {
                self.input_index
                    .keys()
                    .find(|k| inside(k, &path) || inside(&path, k))
            } else {
                None
            };
            if let Some(other) = conflict {
                let msg =
                    format!("input `{path}` and input `{other}` overlap: one is inside the other");
                self.diags.push(
                    Diagnostic::error(Code::DuplicateName, i.path.span, msg)
                        .with_help("an input is either a value or a group of inputs"),
                );
                continue;
            }
            let citations = self.citations(&i.citations, &"an input", i.path.span, false);
            let segments = i.path.node.clone();
            for n in 1..segments.len() {
                self.input_prefixes
                    .insert(segments.get(..n).map(|s| s.join(".")).unwrap_or_default());
            }
            self.input_index.insert(path.clone(), self.inputs.len());
            self.inputs.push(InputInfo {
                fact_path: path.as_str().into(),
                path,
                segments,
                ty,
                presence,
                citations,
                requires: Vec::new(),
                span: i.path.span,
            });
        }
    }

    /// The `require` lines of the inputs: conditions over inputs and parameters only (a record
    /// is checked as it is read, before anything is decided).
    fn input_requirements(&mut self, m: &Merged) {
        for decl in &m.inputs {
            let path = decl.path.node.join(".");
            let Some(&slot) = self.input_index.get(&path) else {
                continue;
            };
            for q in &decl.requires {
                let before = self.deps.len();
                let what = format!("the `require` of input `{path}`");
                let code = self.expect(&q.condition, &Type::Bool, &what);
                let reads_rules = self
                    .deps
                    .drain(before..)
                    .any(|g| !matches!(g, Global::Param(_)));
                if reads_rules {
                    self.diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            q.condition.span,
                            format!("{what} reads a definition or a conclusion"),
                        )
                        .with_help("a record is checked as it is read, before anything is decided: a `require` reads inputs and parameters only"),
                    );
                    continue;
                }
                if let (Some(code), Some(info)) = (code, self.inputs.get_mut(slot)) {
                    info.requires.push((code, q.message.node.clone()));
                }
            }
        }
    }

    fn params(&mut self, m: &Merged) -> Vec<ParamInfo> {
        let mut out = Vec::new();
        for p in &m.params {
            let what = Lazy(|f: &mut Formatter<'_>| write!(f, "parameter `{}`", p.name.node));
            let citations = self.citations(&p.citations, &what, p.name.span, true);
            let declared = p.ty.as_ref().and_then(|t| self.resolve_type(t));
            let previous = m.replaced_params.get(&p.name.node);
            let (ty, value) = match (&declared, &p.value) {
                (Some(t), Some(v)) => (
                    t.clone(),
                    self.constant(v, t, &format_args!("the value of {what}")),
                ),
                (Some(t), None) => (t.clone(), None),
                (None, Some(v)) => {
                    self.allow_globals = false;
                    let typed = self.expr(v, None);
                    self.allow_globals = true;
                    let Some((code, t)) = typed else {
                        out.push(ParamInfo {
                            name: p.name.node.clone(),
                            ty: Type::Any,
                            value: None,
                            citations,
                            reading: reading(&p.reading),
                            span: p.name.span,
                        });
                        continue;
                    };
                    let value = match crate::eval::const_eval(&code) {
                        Ok(v) => Some(v),
                        Err(msg) => {
                            self.diags.push(Diagnostic::error(
                                Code::NotConstant,
                                v.span,
                                format!("the value of {what} cannot be computed: {msg}"),
                            ));
                            None
                        }
                    };
                    (t, value)
                }
                (None, None) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::MissingType,
                            p.name.span,
                            format!("{what} has neither a type nor a value"),
                        )
                        .with_help(
                            "write `parameter NAME : TYPE per …` for a value set by a later layer",
                        ),
                    );
                    (Type::Any, None)
                }
            };
            if let Some(prev) = previous {
                let prev_ty = prev
                    .ty
                    .as_ref()
                    .and_then(|t| self.resolve_type(t))
                    .or_else(|| {
                        prev.value.as_ref().and_then(|v| {
                            self.allow_globals = false;
                            let t = self.expr(v, None).map(|(_, t)| t);
                            self.allow_globals = true;
                            t
                        })
                    });
                if let Some(prev_ty) = prev_ty
                    && !assignable(&ty, &prev_ty)
                {
                    let msg = format!(
                        "{what} is {} in the version this one extends, not {}",
                        self.article(&prev_ty),
                        self.article(&ty)
                    );
                    let span = p.value.as_ref().map_or(p.name.span, |v| v.span);
                    self.diags.push(
                        Diagnostic::error(Code::TypeMismatch, span, msg)
                            .with_related(prev.name.span, "declared here"),
                    );
                }
            }
            out.push(ParamInfo {
                name: p.name.node.clone(),
                ty,
                value,
                citations,
                reading: reading(&p.reading),
                span: p.value.as_ref().map_or(p.name.span, |v| v.span),
            });
        }
        out
    }

    fn declare_globals(&mut self, m: &Merged) {
        for (i, p) in m.params.iter().enumerate() {
            self.globals.insert(p.name.node.clone(), Global::Param(i));
        }
        for (i, d) in m.defs.iter().enumerate() {
            self.globals.insert(d.name.node.clone(), Global::Def(i));
            self.def_names.push(d.name.node.clone());
            let params = d
                .params
                .iter()
                .map(|f| {
                    (
                        f.name.node.clone(),
                        self.resolve_type(&f.ty).unwrap_or(Type::Any),
                    )
                })
                .collect();
            let ty = self.resolve_type(&d.ty).unwrap_or(Type::Any);
            self.def_sigs.push((params, ty));
        }
        for (i, c) in m.conclusions.iter().enumerate() {
            self.globals
                .insert(c.name.node.clone(), Global::Conclusion(i));
            let ty = self.resolve_type(&c.ty).unwrap_or(Type::Any);
            self.conclusion_types.push(ty);
        }
        for name in self.globals.keys() {
            if self.input_index.contains_key(name) || self.input_prefixes.contains(name) {
                let span = m
                    .params
                    .iter()
                    .map(|p| &p.name)
                    .chain(m.defs.iter().map(|d| &d.name))
                    .chain(m.conclusions.iter().map(|c| &c.name))
                    .find(|n| &n.node == name)
                    .map(|n| n.span);
                if let Some(span) = span {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DuplicateName,
                            span,
                            format!("`{name}` is also the name of an input"),
                        )
                        .with_help("rename one of them"),
                    );
                }
            }
        }
    }

    fn defs(&mut self, m: &Merged) -> Option<Vec<DefInfo>> {
        let mut out = Vec::new();
        let mut graph: FxHashMap<Global, (Vec<Global>, Span, String)> = FxHashMap::default();
        for (i, d) in m.defs.iter().enumerate() {
            let (params, ty) = self.def_sigs.get(i)?.clone();
            self.locals = params.clone();
            self.deps.clear();
            let body = self.expect(
                &d.body,
                &ty,
                &format_args!("the value of `{}`", d.name.node),
            );
            self.locals.clear();
            graph.insert(
                Global::Def(i),
                (
                    std::mem::take(&mut self.deps),
                    d.name.span,
                    d.name.node.clone(),
                ),
            );
            let citations = self.citations(&d.citations, &"a definition", d.name.span, false);
            out.push(DefInfo {
                name: d.name.node.clone(),
                params,
                ty,
                body: body.unwrap_or(Ir {
                    kind: IrKind::Const(Value::None),
                    span: d.body.span,
                }),
                citations,
                reading: reading(&d.reading),
                span: d.name.span,
            });
        }
        self.dependency_graph.extend(graph);
        Some(out)
    }

    fn check_records(&mut self, m: &Merged) {
        for (i, r) in m.records.iter().enumerate() {
            let Some(fields) = self.types.records.get(i).map(|r| r.fields.clone()) else {
                continue;
            };
            let mut requires = Vec::new();
            for req in &r.requires {
                self.locals = fields
                    .iter()
                    .map(|f| {
                        let ty = if f.presence == Presence::Optional {
                            Type::Optional(Box::new(f.ty.clone()))
                        } else {
                            f.ty.clone()
                        };
                        (f.name.clone(), ty)
                    })
                    .collect();
                self.allow_globals = false;
                let code = self.expect(&req.condition, &Type::Bool, &"a `require`");
                self.allow_globals = true;
                self.locals.clear();
                if let Some(code) = code {
                    requires.push((code, req.message.node.clone()));
                }
            }
            if let Some(info) = self.types.records.get_mut(i) {
                info.requires = requires;
            }
        }
    }

    fn unused_clauses(&mut self, m: &Merged, clauses: &[ClauseInfo]) {
        for (i, c) in clauses.iter().enumerate() {
            let informative = m.clauses.get(i).is_some_and(|c| c.informative);
            if !informative && !self.cited.contains(&i) {
                self.diags.push(
                    Diagnostic::warning(
                        Code::UnusedClause,
                        c.span,
                        format!("clause `{}` is cited by no rule or parameter", c.id),
                    )
                    .with_label("never cited")
                    .with_help("cite it with `per`, or mark it `informative` if it sets no rule"),
                );
            }
        }
    }
}

/// True when input path `inner` is inside group `outer` (`outer.` starts it), without
/// formatting `outer.` for every pair of inputs.
fn inside(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('.'))
}

#[cfg(test)]
mod tests;

/// The text of an interpretation note, shared by the decisions that show it.
pub(crate) fn reading(note: &Option<crate::ast::Name>) -> Option<Arc<str>> {
    note.as_ref().map(|n| Arc::from(n.node.as_str()))
}
