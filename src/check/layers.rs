//! Versions and layers: which version extends which, and the merge of a layer chain into one
//! set of declarations, overrides applied.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::ast::*;
use crate::check::names::did_you_mean;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// One parsed policy file.
#[derive(Clone, Debug)]
pub struct ParsedFile {
    /// Its id in the source map.
    pub file: FileId,
    /// Its AST, shared with the load after when the file does not change (it is not parsed
    /// again: see [`crate::load::check_texts_after`]).
    pub policy: Arc<Policy>,
}

impl ParsedFile {
    /// The version label.
    pub fn version(&self) -> &str {
        &self.policy.header.version.node
    }
}

pub use crate::ast::Merged;

/// Where each name of the declarations being merged stands, so that every lookup of a merge
/// takes constant time: a policy of many thousand items merges in linear time. The names are
/// borrowed from the declarations, which outlive the merge (the layers' files and the version
/// merged onto), and hashed with FxHash.
#[derive(Default)]
struct Index<'a> {
    clauses: FxHashMap<&'a str, usize>,
    inputs: FxHashMap<&'a [String], usize>,
    /// Units, enums and records: where each name was first declared.
    types: FxHashMap<&'a str, Span>,
    /// Parameters, definitions and conclusions: where each name was first declared.
    values: FxHashMap<&'a str, Span>,
    params: FxHashMap<&'a str, usize>,
    defs: FxHashMap<&'a str, usize>,
    conclusions: FxHashMap<&'a str, usize>,
    labels: FxHashMap<&'a [String], usize>,
}

impl<'a> Index<'a> {
    /// The index of what `m` holds.
    fn of(m: &'a Merged) -> Index<'a> {
        let positions = |names: Vec<&'a String>| -> FxHashMap<&'a str, usize> {
            names
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect()
        };
        let mut types = FxHashMap::default();
        for name in m
            .units
            .iter()
            .chain(m.enums.iter().map(|e| &e.name))
            .chain(m.records.iter().map(|r| &r.name))
        {
            types.entry(name.node.as_str()).or_insert(name.span);
        }
        let mut values = FxHashMap::default();
        for name in m
            .params
            .iter()
            .map(|p| &p.name)
            .chain(m.defs.iter().map(|d| &d.name))
            .chain(m.conclusions.iter().map(|c| &c.name))
        {
            values.entry(name.node.as_str()).or_insert(name.span);
        }
        Index {
            clauses: positions(m.clauses.iter().map(|c| &c.id.node).collect()),
            inputs: m
                .inputs
                .iter()
                .enumerate()
                .map(|(i, d)| (d.path.node.as_slice(), i))
                .collect(),
            types,
            values,
            params: positions(m.params.iter().map(|p| &p.name.node).collect()),
            defs: positions(m.defs.iter().map(|d| &d.name.node).collect()),
            conclusions: positions(m.conclusions.iter().map(|c| &c.name.node).collect()),
            labels: m
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.target.node.as_slice(), i))
                .collect(),
        }
    }
}

/// Checks the versions of one policy folder against each other: one label per version, one
/// policy id, every `extends` naming a version that exists (and a draft only from a draft), no
/// cycle of extensions.
pub fn check_versions(files: &[ParsedFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut by_label: HashMap<&str, &ParsedFile> = HashMap::new();
    let first_id = files.first().map(|f| f.policy.header.policy.node.as_str());
    for f in files {
        let h = &f.policy.header;
        if let Some(id) = first_id
            && h.policy.node != id
        {
            diags.push(
                Diagnostic::error(
                    Code::PolicyIdMismatch,
                    h.policy.span,
                    format!(
                        "this file declares policy `{}` but its folder holds policy `{id}`",
                        h.policy.node
                    ),
                )
                .with_help("every version of a policy lives in the folder named after its id"),
            );
        }
        if let Some(previous) = by_label.insert(&h.version.node, f) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateVersion,
                    h.version.span,
                    format!("version `{}` is declared twice", h.version.node),
                )
                .with_related(previous.policy.header.version.span, "first declared here")
                .with_help("give each version its own label"),
            );
        }
    }
    for f in files {
        let Some(ext) = &f.policy.header.extends else {
            continue;
        };
        if !by_label.contains_key(ext.node.as_str()) {
            let labels = by_label.keys().copied().collect::<Vec<_>>();
            let mut d = Diagnostic::error(
                Code::UnknownVersion,
                ext.span,
                format!(
                    "version `{}` extends `{}`, which does not exist",
                    f.version(),
                    ext.node
                ),
            )
            .with_label("no such version");
            d.help = did_you_mean(&ext.node, labels).or_else(|| {
                Some("a layer extends another version of the same policy folder".into())
            });
            diags.push(d);
        } else if let Some(draft) = by_label
            .get(ext.node.as_str())
            .filter(|layer| layer.policy.header.draft.is_some() && f.policy.header.draft.is_none())
        {
            let mut d = Diagnostic::error(
                Code::ExtendsDraft,
                ext.span,
                format!(
                    "version `{}` is not a draft but extends `{}`, a draft",
                    f.version(),
                    ext.node
                ),
            )
            .with_label("a draft is not in force")
            .with_help("publish the draft first, or mark this version `draft` too");
            if let Some(word) = &draft.policy.header.draft {
                d = d.with_related(word.span, "declared a draft here");
            }
            diags.push(d);
        } else if let Err(cycle) = chain_labels(files, f.version())
            // A cycle is reported once, at the version that comes first in it.
            && cycle.iter().min().map(String::as_str) == Some(f.version())
        {
            diags.push(
                Diagnostic::error(
                    Code::ExtendsCycle,
                    ext.span,
                    format!(
                        "versions extend each other in a cycle: {}",
                        cycle.join(" → ")
                    ),
                )
                .with_help("a version may extend only an older layer"),
            );
        }
    }
    diags.extend(same_effective_dates(files));
    diags
}

/// Two versions in force from the same date: `as_of` (the latest version effective on or before
/// a date) could not choose between them. Versions without a date are selected by label only.
fn same_effective_dates(files: &[ParsedFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut by_date: HashMap<chrono::NaiveDate, &ParsedFile> = HashMap::new();
    for f in files {
        let Some(date) = &f.policy.header.effective_from else {
            continue;
        };
        let Some(first) = by_date.get(&date.node).copied() else {
            by_date.insert(date.node, f);
            continue;
        };
        if first.version() == f.version() {
            continue; // a duplicate version, reported as such
        }
        let first_span = first.policy.header.effective_from.as_ref().map(|d| d.span);
        let mut d = Diagnostic::error(
            Code::SameEffectiveDate,
            date.span,
            format!(
                "versions `{}` and `{}` both take effect on {}",
                first.version(),
                f.version(),
                date.node
            ),
        )
        .with_label(format!(
            "`{}` takes effect on the same date",
            first.version()
        ))
        .with_help(
            "a date selects the latest version in force (`as_of`): give each version its own \
             effective date, or none to a version selected by its label only",
        );
        if let Some(span) = first_span {
            d = d.with_related(span, format!("`{}` takes effect here", first.version()));
        }
        diags.push(d);
    }
    diags
}

/// The labels from `version` up to its root, or the cycle found.
fn chain_labels(files: &[ParsedFile], version: &str) -> Result<Vec<String>, Vec<String>> {
    let mut seen = vec![version.to_string()];
    let mut current = version;
    while let Some(f) = files.iter().find(|f| f.version() == current) {
        let Some(ext) = &f.policy.header.extends else {
            break;
        };
        if seen.contains(&ext.node) {
            seen.push(ext.node.clone());
            return Err(seen);
        }
        seen.push(ext.node.clone());
        current = &ext.node;
    }
    Ok(seen)
}

/// The files of `version`'s layers, root first.
pub fn chain<'a>(files: &'a [ParsedFile], version: &str) -> Option<Vec<&'a ParsedFile>> {
    let labels = chain_labels(files, version).ok()?;
    labels
        .iter()
        .rev()
        .map(|l| files.iter().find(|f| f.version() == l))
        .collect()
}

/// Merges a chain of layers (root first) into one set of declarations. Overrides replace what
/// they name; an override of nothing, or a redeclaration without `override`, is an error.
pub fn merge(chain: &[&ParsedFile], diags: &mut Vec<Diagnostic>) -> Option<Merged> {
    let leaf = chain.last()?;
    let mut m = Merged {
        header: leaf.policy.header.clone(),
        chain: chain.iter().map(|f| f.file).collect(),
        clauses: Vec::new(),
        units: Vec::new(),
        enums: Vec::new(),
        records: Vec::new(),
        inputs: Vec::new(),
        params: Vec::new(),
        defs: Vec::new(),
        conclusions: Vec::new(),
        replaced_params: HashMap::new(),
        labels: Vec::new(),
    };
    let mut ix = Index::default();
    for layer in chain {
        for item in &layer.policy.items {
            m.add(item, &mut ix, diags);
        }
    }
    // A layer that does not say its labels' language keeps the one of the layers below.
    m.header.language = chain
        .iter()
        .rev()
        .find_map(|f| f.policy.header.language.clone());
    // And the same for the input that identifies a candidate.
    m.header.identified_by = chain
        .iter()
        .rev()
        .find_map(|f| f.policy.header.identified_by.clone());
    Some(m)
}

/// `base` with one more layer on top: what [`merge`] makes of `base`'s chain and `layer`,
/// without the diagnostics of `base`'s own merge.
pub fn merge_onto(base: &Merged, layer: &ParsedFile, diags: &mut Vec<Diagnostic>) -> Merged {
    let mut m = base.clone();
    let language = base.header.language.clone();
    let identified_by = base.header.identified_by.clone();
    m.header = layer.policy.header.clone();
    if m.header.language.is_none() {
        m.header.language = language;
    }
    if m.header.identified_by.is_none() {
        m.header.identified_by = identified_by;
    }
    m.chain.push(layer.file);
    // `m` holds the names `base` holds: index those of `base`, which outlives `m`'s changes.
    let mut ix = Index::of(base);
    for item in &layer.policy.items {
        m.add(item, &mut ix, diags);
    }
    m
}

impl Merged {
    fn add<'a>(&mut self, item: &'a Item, ix: &mut Index<'a>, diags: &mut Vec<Diagnostic>) {
        match &item.kind {
            ItemKind::Clause(c) => {
                let prev = ix
                    .clauses
                    .get(c.id.node.as_str())
                    .and_then(|&i| self.clauses.get(i));
                if let Some(prev) = prev {
                    diags.push(redeclared("clause", &c.id, prev.id.span, "override clause"));
                } else {
                    ix.clauses.insert(&c.id.node, self.clauses.len());
                    self.clauses.push(Arc::clone(c));
                }
            }
            ItemKind::Unit(u) => {
                if !type_name_taken(u, ix, diags) {
                    self.units.push(u.clone());
                }
            }
            ItemKind::Enum(e) => {
                if !type_name_taken(&e.name, ix, diags) {
                    self.enums.push(Arc::clone(e));
                }
            }
            ItemKind::Record(r) => {
                if !type_name_taken(&r.name, ix, diags) {
                    self.records.push(Arc::clone(r));
                }
            }
            ItemKind::Input(i) => {
                let prev = ix
                    .inputs
                    .get(i.path.node.as_slice())
                    .and_then(|&k| self.inputs.get(k));
                if let Some(prev) = prev {
                    let name = Name::new(i.path.node.join("."), i.path.span);
                    diags.push(redeclared("input", &name, prev.path.span, ""));
                } else {
                    ix.inputs.insert(&i.path.node, self.inputs.len());
                    self.inputs.push(Arc::clone(i));
                }
            }
            ItemKind::Parameter(p) => {
                if !value_name_taken(&p.name, "override parameter", ix, diags) {
                    ix.params.insert(&p.name.node, self.params.len());
                    self.params.push(Arc::clone(p));
                }
            }
            ItemKind::Definition(d) => {
                if !value_name_taken(&d.name, "override definition", ix, diags) {
                    ix.defs.insert(&d.name.node, self.defs.len());
                    self.defs.push(Arc::clone(d));
                }
            }
            ItemKind::Conclusion(c) => {
                if !value_name_taken(&c.name, "", ix, diags) {
                    ix.conclusions.insert(&c.name.node, self.conclusions.len());
                    self.conclusions.push(Arc::clone(c));
                }
            }
            ItemKind::Override(o) => self.apply_override(o, ix, diags),
            ItemKind::Row(r) => self.add_row(r, ix, diags),
            ItemKind::Label(l) => self.add_label(l, ix, diags),
        }
    }

    /// A row added to an inherited table: last, or before the row it names.
    fn add_row(&mut self, added: &AddedRow, ix: &Index, diags: &mut Vec<Diagnostic>) {
        let Some(c) = self.table_of(&added.conclusion, ix, diags) else {
            return;
        };
        let c = Arc::make_mut(c);
        let label = &added.rule.label;
        if let Some(prev) = c.rules.iter().find(|r| &r.label == label) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    label.span,
                    format!(
                        "the table of `{}` already has a row `{}`",
                        c.name.node, label.node
                    ),
                )
                .with_label("added again here")
                .with_related(prev.label.span, "first declared here")
                .with_help(format!(
                    "to change it, write `override row {}.{} …`",
                    c.name.node, label.node
                )),
            );
            return;
        }
        let at = match &added.before {
            None => Some(c.rules.len()),
            Some(before) => c.rules.iter().position(|r| &r.label == before),
        };
        let Some(at) = at else {
            let labels: Vec<&str> = c.rules.iter().map(|r| r.label.node.as_str()).collect();
            let mut d = Diagnostic::error(
                Code::UnknownRule,
                added.before.as_ref().map_or(label.span, |b| b.span),
                format!(
                    "the table of `{}` has no row `{}`",
                    c.name.node,
                    added.before.as_ref().map_or("", |b| b.node.as_str())
                ),
            )
            .with_label("no such row");
            d.help = added
                .before
                .as_ref()
                .and_then(|b| did_you_mean(&b.node, labels));
            diags.push(d);
            return;
        };
        c.rules.insert(at, added.rule.clone());
    }

    /// The conclusion named `name` when it has a table; an error otherwise.
    fn table_of(
        &mut self,
        name: &Name,
        ix: &Index,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<&mut Arc<ConclusionDecl>> {
        let at = ix
            .conclusions
            .get(name.node.as_str())
            .copied()
            .filter(|&i| i < self.conclusions.len());
        let Some(i) = at else {
            let names: Vec<String> = self
                .conclusions
                .iter()
                .map(|c| c.name.node.clone())
                .collect();
            diags.push(bad_override(
                "conclusion",
                name,
                did_you_mean(&name.node, names.iter().map(String::as_str)),
            ));
            return None;
        };
        let c = self.conclusions.get_mut(i)?;
        if c.table.is_none() {
            diags.push(
                Diagnostic::error(
                    Code::BadOverride,
                    name.span,
                    format!("conclusion `{}` has no table to add a row to", name.node),
                )
                .with_help("rows belong to a conclusion written as a `table`; this one has rules, which `override rule` replaces one by one"),
            );
            return None;
        }
        Some(c)
    }

    /// A label of a name already labelled replaces it when it comes from a later layer (a
    /// session may reword a label); twice in one file is an error.
    fn add_label<'a>(
        &mut self,
        l: &'a Arc<LabelDecl>,
        ix: &mut Index<'a>,
        diags: &mut Vec<Diagnostic>,
    ) {
        let at = ix.labels.get(l.target.node.as_slice()).copied();
        match at.and_then(|i| self.labels.get_mut(i)) {
            Some(prev) if prev.target.span.file == l.target.span.file => {
                let name = Name::new(l.target.node.join("."), l.target.span);
                let mut d = redeclared("label", &name, prev.target.span, "");
                d.message = format!("`{}` is labelled twice", name.node);
                diags.push(d);
            }
            Some(prev) => *prev = Arc::clone(l),
            None => {
                ix.labels.insert(&l.target.node, self.labels.len());
                self.labels.push(Arc::clone(l));
            }
        }
    }

    fn apply_override(&mut self, o: &Override, ix: &Index, diags: &mut Vec<Diagnostic>) {
        match o {
            Override::Clause(c) => match ix
                .clauses
                .get(c.id.node.as_str())
                .and_then(|&i| self.clauses.get_mut(i))
            {
                Some(slot) => *slot = Arc::new(c.clone()),
                None => {
                    let ids: Vec<&str> = self.clauses.iter().map(|c| c.id.node.as_str()).collect();
                    diags.push(bad_override("clause", &c.id, did_you_mean(&c.id.node, ids)));
                }
            },
            Override::Parameter(p) => match ix
                .params
                .get(p.name.node.as_str())
                .and_then(|&i| self.params.get_mut(i))
            {
                Some(slot) => {
                    self.replaced_params
                        .entry(p.name.node.clone())
                        .or_insert_with(|| (**slot).clone());
                    let ty = p.ty.clone().or_else(|| slot.ty.clone());
                    *slot = Arc::new(ParameterDecl { ty, ..p.clone() });
                }
                None => {
                    let names: Vec<&str> =
                        self.params.iter().map(|p| p.name.node.as_str()).collect();
                    diags.push(bad_override(
                        "parameter",
                        &p.name,
                        did_you_mean(&p.name.node, names),
                    ));
                }
            },
            Override::Definition(d) => self.override_definition(d, ix, diags),
            Override::Rule { conclusion, rule } => {
                self.override_rule(conclusion, rule, ix, diags);
            }
        }
    }

    /// A definition computed otherwise: it keeps its parameters' and its result's types, which
    /// whatever reads it relies on.
    fn override_definition(&mut self, d: &DefinitionDecl, ix: &Index, diags: &mut Vec<Diagnostic>) {
        let at = ix.defs.get(d.name.node.as_str()).copied();
        let Some(slot) = at.and_then(|i| self.defs.get_mut(i)) else {
            let names: Vec<&str> = self.defs.iter().map(|d| d.name.node.as_str()).collect();
            diags.push(bad_override(
                "definition",
                &d.name,
                did_you_mean(&d.name.node, names),
            ));
            return;
        };
        let types = |def: &DefinitionDecl| -> Vec<TypeExpr> {
            def.params
                .iter()
                .map(|f| f.ty.node.clone())
                .chain([def.ty.node.clone()])
                .collect()
        };
        if types(slot) != types(d) {
            diags.push(
                Diagnostic::error(
                    Code::BadOverride,
                    d.ty.span,
                    format!(
                        "the override of definition `{}` changes its parameters or its type",
                        d.name.node
                    ),
                )
                .with_label("not the type declared before")
                .with_related(slot.ty.span, "declared here")
                .with_help(
                    "an override keeps the definition's parameters and type: what reads it relies on them; declare a new definition for another type",
                ),
            );
            return;
        }
        *slot = Arc::new(d.clone());
    }

    fn override_rule(
        &mut self,
        conclusion: &Name,
        rule: &Rule,
        ix: &Index,
        diags: &mut Vec<Diagnostic>,
    ) {
        let names: Vec<String> = if ix.conclusions.contains_key(conclusion.node.as_str()) {
            Vec::new()
        } else {
            self.conclusions
                .iter()
                .map(|c| c.name.node.clone())
                .collect()
        };
        let at = ix.conclusions.get(conclusion.node.as_str()).copied();
        let Some(c) = at.and_then(|i| self.conclusions.get_mut(i)) else {
            diags.push(bad_override(
                "conclusion",
                conclusion,
                did_you_mean(&conclusion.node, names.iter().map(String::as_str)),
            ));
            return;
        };
        // The conclusion is copied here only, when shared with the version extended.
        let c = Arc::make_mut(c);
        match c.rules.iter_mut().find(|r| r.label == rule.label) {
            Some(slot) if (slot.kind == RuleKind::Row) != (rule.kind == RuleKind::Row) => {
                let (was, written) = if slot.kind == RuleKind::Row {
                    ("a row of its table", "override row")
                } else {
                    ("a rule, not a row", "override rule")
                };
                diags.push(
                    Diagnostic::error(
                        Code::BadOverride,
                        rule.label.span,
                        format!("`{}` of `{}` is {was}", rule.label.node, c.name.node),
                    )
                    .with_related(slot.label.span, "declared here")
                    .with_help(format!(
                        "write `{written} {}.{} …`",
                        c.name.node, rule.label.node
                    )),
                );
            }
            Some(slot) => {
                let comments = slot.comments.clone();
                *slot = Rule {
                    comments,
                    ..rule.clone()
                };
            }
            None => {
                let labels: Vec<&str> = c.rules.iter().map(|r| r.label.node.as_str()).collect();
                let help = did_you_mean(&rule.label.node, labels);
                let mut d = bad_override("rule", &rule.label, help);
                d.message = format!(
                    "conclusion `{}` has no rule `{}` to override",
                    c.name.node, rule.label.node
                );
                diags.push(d);
            }
        }
    }
}

/// True (and reported) when a unit, enum or record of that name is declared already.
fn type_name_taken<'a>(name: &'a Name, ix: &mut Index<'a>, diags: &mut Vec<Diagnostic>) -> bool {
    if let Some(prev) = ix.types.get(name.node.as_str()) {
        diags.push(redeclared("type", name, *prev, ""));
        return true;
    }
    ix.types.insert(&name.node, name.span);
    false
}

/// True (and reported) when a parameter, definition or conclusion of that name is declared
/// already; the name is taken otherwise.
fn value_name_taken<'a>(
    name: &'a Name,
    override_form: &str,
    ix: &mut Index<'a>,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if let Some(prev) = ix.values.get(name.node.as_str()) {
        diags.push(redeclared("name", name, *prev, override_form));
        return true;
    }
    ix.values.insert(&name.node, name.span);
    false
}

fn redeclared(
    what: &str,
    name: &Name,
    previous: crate::span::Span,
    override_form: &str,
) -> Diagnostic {
    let mut d = Diagnostic::error(
        Code::DuplicateName,
        name.span,
        format!("{what} `{}` is declared twice", name.node),
    )
    .with_label("declared again here")
    .with_related(previous, "first declared here");
    d.help = Some(
        if previous.file != name.span.file && !override_form.is_empty() {
            format!(
                "`{}` is inherited from the version this one extends: to change it, write `{override_form} …`",
                name.node
            )
        } else {
            "rename one of them".to_string()
        },
    );
    d
}

fn bad_override(what: &str, name: &Name, help: Option<String>) -> Diagnostic {
    let mut d = Diagnostic::error(
        Code::BadOverride,
        name.span,
        format!("there is no {what} `{}` to override", name.node),
    )
    .with_label("not declared by the versions this one extends");
    d.help = help.or_else(|| {
        Some(format!(
            "to add a new {what}, declare it without `override`"
        ))
    });
    d
}
