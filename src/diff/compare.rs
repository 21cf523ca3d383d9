//! The comparison of each kind of declaration, matched by name.

use similar::{Algorithm, ChangeTag, DiffTag, TextDiff, capture_diff_slices};

use crate::ast::{ConclusionDecl, DefinitionDecl, Name, Rule};
use crate::check::layers::Merged;
use crate::diff::source::{definition_text, record_text, rule_text, uncommented};
use crate::diff::*;
use crate::eval::explain::render_value;
use crate::model::{ClauseId, CompiledPolicy, Presence, Type};

/// One key's fate between the two versions.
struct Entry<K, T> {
    key: K,
    change: Change,
    old: Option<T>,
    new: Option<T>,
}

/// Matches the items of both versions by key: the new version's order first (added or
/// changed), then what only the old one has. Items that are `same` are left out. The old
/// items are found by their key's hash, not by a search through them: two versions of a code
/// of thousands of declarations were compared in the square of their size.
fn pair<K: PartialEq + std::hash::Hash, T>(
    old: Vec<(K, T)>,
    new: Vec<(K, T)>,
    same: impl Fn(&T, &T) -> bool,
) -> Vec<Entry<K, T>> {
    let hash = |key: &K| {
        use std::hash::{BuildHasher, BuildHasherDefault};
        BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(key)
    };
    // The places of the old items by their key's hash, in their order.
    let mut places: rustc_hash::FxHashMap<u64, Vec<usize>> = rustc_hash::FxHashMap::default();
    for (i, (key, _)) in old.iter().enumerate() {
        places.entry(hash(key)).or_default().push(i);
    }
    let mut old: Vec<Option<(K, T)>> = old.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for (key, n) in new {
        let found = places.get(&hash(&key)).into_iter().flatten().find_map(|i| {
            let slot = old.get_mut(*i)?;
            slot.as_ref()
                .is_some_and(|(k, _)| *k == key)
                .then(|| slot.take())?
        });
        match found {
            Some((_, o)) if same(&o, &n) => {}
            Some((_, o)) => out.push(Entry {
                key,
                change: Change::Changed,
                old: Some(o),
                new: Some(n),
            }),
            None => out.push(Entry {
                key,
                change: Change::Added,
                old: None,
                new: Some(n),
            }),
        }
    }
    out.extend(old.into_iter().flatten().map(|(key, o)| Entry {
        key,
        change: Change::Removed,
        old: Some(o),
        new: None,
    }));
    out
}

/// True when both lists hold the same strings, whatever their order (a `per` list, the rules
/// an exception names).
fn same_set<T: AsRef<str>>(a: &[T], b: &[T]) -> bool {
    let mut a: Vec<&str> = a.iter().map(AsRef::as_ref).collect();
    let mut b: Vec<&str> = b.iter().map(AsRef::as_ref).collect();
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    a == b
}

fn names(names: &[Name]) -> Vec<String> {
    names.iter().map(|n| n.node.clone()).collect()
}

fn clause_ids(policy: &CompiledPolicy, ids: &[ClauseId]) -> Vec<String> {
    ids.iter()
        .filter_map(|&i| policy.clauses.get(i).map(|c| c.id.to_string()))
        .collect()
}

fn date(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

pub(crate) fn metadata(old: &CompiledPolicy, new: &CompiledPolicy) -> Vec<MetadataChange> {
    let fields = [
        (
            "effective_from",
            date(old.effective_from),
            date(new.effective_from),
        ),
        ("title", old.title.clone(), new.title.clone()),
        ("source", old.source.clone(), new.source.clone()),
    ];
    fields
        .into_iter()
        .filter(|(_, o, n)| o != n)
        .map(|(field, old, new)| MetadataChange { field, old, new })
        .collect()
}

// ------------------------------------------------------------------------------------ clauses

pub(crate) fn clauses(old: &CompiledPolicy, new: &CompiledPolicy) -> Vec<ClauseDiff> {
    let sides = |p: &CompiledPolicy| -> Vec<(String, ClauseSide)> {
        p.clauses
            .iter()
            .map(|c| {
                let side = ClauseSide {
                    section: c.section.to_string(),
                    text: c.text.to_string(),
                    informative: c.informative,
                    reason: c.reason.as_deref().map(str::to_string),
                };
                (c.id.to_string(), side)
            })
            .collect()
    };
    let same = |o: &ClauseSide, n: &ClauseSide| {
        o.section == n.section
            && o.informative == n.informative
            && o.reason == n.reason
            && same_words(&o.text, &n.text)
    };
    pair(sides(old), sides(new), same)
        .into_iter()
        .map(|e| {
            let text_diff = match (&e.old, &e.new) {
                (Some(o), Some(n)) if !same_words(&o.text, &n.text) => word_diff(&o.text, &n.text),
                _ => Vec::new(),
            };
            ClauseDiff {
                id: e.key,
                change: e.change,
                old: e.old,
                new: e.new,
                text_diff,
            }
        })
        .collect()
}

fn same_words(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// The word-level diff of two texts, runs of one kind merged.
pub(crate) fn word_diff(old: &str, new: &str) -> Vec<TextSegment> {
    let old: Vec<&str> = old.split_whitespace().collect();
    let new: Vec<&str> = new.split_whitespace().collect();
    let mut out: Vec<TextSegment> = Vec::new();
    let mut push = |op: SegmentOp, words: Option<&[&str]>| {
        let Some(words) = words.filter(|w| !w.is_empty()) else {
            return;
        };
        let text = words.join(" ");
        match out.last_mut() {
            Some(last) if last.op == op => {
                last.text.push(' ');
                last.text.push_str(&text);
            }
            _ => out.push(TextSegment { op, text }),
        }
    };
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => push(SegmentOp::Equal, new.get(new_range)),
            DiffTag::Delete => push(SegmentOp::Removed, old.get(old_range)),
            DiffTag::Insert => push(SegmentOp::Added, new.get(new_range)),
            DiffTag::Replace => {
                push(SegmentOp::Removed, old.get(old_range));
                push(SegmentOp::Added, new.get(new_range));
            }
        }
    }
    out
}

/// The word-level diff of two texts laid out on lines (rules), each segment keeping the
/// spaces and line breaks of its text: the old text is its equal and removed segments put end
/// to end, the new text its equal and added ones. The spaces between two changed words go
/// with the change, so that a change of several words is one removed run and one added run.
pub(crate) fn layout_word_diff(old: &str, new: &str) -> Vec<TextSegment> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .diff_words(old, new);
    // Runs of one kind, merged.
    let mut runs: Vec<TextSegment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => SegmentOp::Equal,
            ChangeTag::Delete => SegmentOp::Removed,
            ChangeTag::Insert => SegmentOp::Added,
        };
        match runs.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => runs.push(TextSegment {
                op,
                text: change.value().to_string(),
            }),
        }
    }
    // Each stretch of changes (the blanks between them included) as one removed run, then one
    // added run.
    let mut out = Vec::new();
    let (mut removed, mut added) = (String::new(), String::new());
    let last = runs.len().saturating_sub(1);
    for (i, run) in runs.into_iter().enumerate() {
        match run.op {
            SegmentOp::Removed => removed.push_str(&run.text),
            SegmentOp::Added => added.push_str(&run.text),
            SegmentOp::Equal if i > 0 && i < last && run.text.trim().is_empty() => {
                removed.push_str(&run.text);
                added.push_str(&run.text);
            }
            SegmentOp::Equal => {
                flush_changes(&mut out, &mut removed, &mut added);
                out.push(run);
            }
        }
    }
    flush_changes(&mut out, &mut removed, &mut added);
    out
}

fn flush_changes(out: &mut Vec<TextSegment>, removed: &mut String, added: &mut String) {
    for (op, text) in [(SegmentOp::Removed, removed), (SegmentOp::Added, added)] {
        if !text.is_empty() {
            out.push(TextSegment {
                op,
                text: std::mem::take(text),
            });
        }
    }
}

// ------------------------------------------------------------------------------------ values

pub(crate) fn parameters(old: &CompiledPolicy, new: &CompiledPolicy) -> Vec<ParameterDiff> {
    let sides = |p: &CompiledPolicy| -> Vec<(String, ParameterSide)> {
        p.params
            .iter()
            .map(|param| {
                let side = ParameterSide {
                    ty: p.types.type_name(&param.ty),
                    value: param
                        .value
                        .as_ref()
                        .map(|v| render_value(&p.types, Some(&param.ty), v)),
                    citations: clause_ids(p, &param.citations),
                    reading: param.reading.as_deref().map(str::to_string),
                };
                (param.name.clone(), side)
            })
            .collect()
    };
    let same = |o: &ParameterSide, n: &ParameterSide| {
        o.ty == n.ty
            && o.value == n.value
            && same_set(&o.citations, &n.citations)
            && o.reading == n.reading
    };
    pair(sides(old), sides(new), same)
        .into_iter()
        .map(|e| ParameterDiff {
            name: e.key,
            change: e.change,
            old: e.old,
            new: e.new,
        })
        .collect()
}

pub(crate) fn inputs(old: &CompiledPolicy, new: &CompiledPolicy) -> Vec<InputDiff> {
    let same = |o: &InputSide, n: &InputSide| {
        o.ty == n.ty
            && o.presence == n.presence
            && o.default == n.default
            && same_set(&o.citations, &n.citations)
    };
    pair(input_rows(old), input_rows(new), same)
        .into_iter()
        .map(|e| InputDiff {
            path: e.key,
            change: e.change,
            old: e.old,
            new: e.new,
        })
        .collect()
}

/// Records nest at most this deep in the rows of [`input_rows`] (the checker already refuses a
/// record that contains itself; this only bounds the walk).
const MAX_RECORD_DEPTH: usize = 16;

/// Every declared input, each followed by the fields of the records below it.
fn input_rows(p: &CompiledPolicy) -> Vec<(String, InputSide)> {
    let mut rows = Vec::new();
    for input in &p.inputs {
        let side = input_side(
            p,
            &input.ty,
            &input.presence,
            clause_ids(p, &input.citations),
        );
        rows.push((input.path.clone(), side));
        record_rows(p, &input.ty, &input.path, 0, &mut rows);
    }
    rows
}

fn record_rows(
    p: &CompiledPolicy,
    ty: &Type,
    path: &str,
    depth: usize,
    rows: &mut Vec<(String, InputSide)>,
) {
    let (record, prefix) = match ty.base() {
        Type::Record(i) => (*i, format!("{path}.")),
        Type::List(t) | Type::Set(t) => match t.base() {
            Type::Record(i) => (*i, format!("{path}[].")),
            _ => return,
        },
        _ => return,
    };
    let Some(info) = p.types.records.get(record) else {
        return;
    };
    if depth >= MAX_RECORD_DEPTH {
        return;
    }
    for field in &info.fields {
        let field_path = format!("{prefix}{}", field.name);
        let side = input_side(p, &field.ty, &field.presence, Vec::new());
        rows.push((field_path.clone(), side));
        record_rows(p, &field.ty, &field_path, depth + 1, rows);
    }
}

fn input_side(
    p: &CompiledPolicy,
    ty: &Type,
    presence: &Presence,
    citations: Vec<String>,
) -> InputSide {
    let (presence, default) = match presence {
        Presence::Required => ("required", None),
        Presence::Optional => ("optional", None),
        Presence::Default(v) => ("default", Some(render_value(&p.types, Some(ty), v))),
    };
    InputSide {
        ty: p.types.type_name(ty),
        presence,
        default,
        citations,
    }
}

// ------------------------------------------------------------------------------------ rules

/// A version's declared conclusions by name.
type Declared<'a> = rustc_hash::FxHashMap<&'a str, &'a ConclusionDecl>;

pub(crate) fn conclusions(
    old: &CompiledPolicy,
    new: &CompiledPolicy,
    asts: Option<(&Merged, &Merged)>,
) -> Vec<ConclusionDiff> {
    // Each version's declared conclusions by name, looked up once per conclusion.
    fn by_name(m: &Merged) -> Declared<'_> {
        let mut names = rustc_hash::FxHashMap::default();
        for c in m.conclusions.iter().rev() {
            // The first of a name, as a search from the start finds it.
            names.insert(c.name.node.as_str(), &**c);
        }
        names
    }
    let declared = asts.map(|(o, n)| (by_name(o), by_name(n)));
    let sides = |p: &CompiledPolicy, m: Option<&Declared<'_>>| -> Vec<(String, ConclusionSide)> {
        p.conclusions
            .iter()
            .map(|c| {
                let table = m
                    .and_then(|m| m.get(c.name.as_str()))
                    .and_then(|d| d.table.as_ref())
                    .map(super::source::table_heading);
                let side = ConclusionSide {
                    ty: p.types.type_name(&c.ty),
                    table,
                };
                (c.name.clone(), side)
            })
            .collect()
    };
    let (old_sides, new_sides) = (
        sides(old, declared.as_ref().map(|(o, _)| o)),
        sides(new, declared.as_ref().map(|(_, n)| n)),
    );
    // Pair every conclusion, even unchanged ones: their rules may differ.
    pair(old_sides, new_sides, |_, _| false)
        .into_iter()
        .filter_map(|e| {
            let rules = declared.as_ref().map_or_else(Vec::new, |(o, n)| {
                let rules_of = |m: &Declared<'_>| -> Vec<(String, Rule)> {
                    m.get(e.key.as_str())
                        .map(|c| {
                            let rules = c.rules.iter();
                            rules.map(|r| (r.label.node.clone(), r.clone())).collect()
                        })
                        .unwrap_or_default()
                };
                let old_rules = if e.old.is_some() {
                    rules_of(o)
                } else {
                    Vec::new()
                };
                let new_rules = if e.new.is_some() {
                    rules_of(n)
                } else {
                    Vec::new()
                };
                rules(old_rules, new_rules)
            });
            let change = match (&e.old, &e.new) {
                (Some(o), Some(n)) if o == n && rules.is_empty() => return None,
                (Some(_), Some(_)) => Change::Changed,
                (None, _) => Change::Added,
                (Some(_), None) => Change::Removed,
            };
            Some(ConclusionDiff {
                name: e.key,
                change,
                old: e.old,
                new: e.new,
                rules,
            })
        })
        .collect()
}

fn rules(old: Vec<(String, Rule)>, new: Vec<(String, Rule)>) -> Vec<RuleDiff> {
    pair(old, new, |o, n| aspects(o, n).is_empty())
        .into_iter()
        .map(|e| {
            let aspects = match (&e.old, &e.new) {
                (Some(o), Some(n)) => aspects(o, n),
                _ => Vec::new(),
            };
            let (old, new) = (e.old.as_ref().map(rule_side), e.new.as_ref().map(rule_side));
            let text_diff = match (&old, &new) {
                (Some(o), Some(n)) if o.text != n.text => layout_word_diff(&o.text, &n.text),
                _ => Vec::new(),
            };
            RuleDiff {
                label: e.key,
                change: e.change,
                aspects,
                old,
                new,
                text_diff,
            }
        })
        .collect()
}

/// What differs between two rules of one label (spans and comments aside).
fn aspects(o: &Rule, n: &Rule) -> Vec<&'static str> {
    let differs = [
        ("kind", o.kind != n.kind),
        (
            "overrides",
            !same_set(&names(&o.overrides), &names(&n.overrides)),
        ),
        ("condition", o.condition != n.condition),
        ("cells", o.cells != n.cells),
        ("value", o.value != n.value),
        (
            "citations",
            !same_set(&names(&o.citations), &names(&n.citations)),
        ),
        ("reading", o.reading != n.reading),
    ];
    differs
        .into_iter()
        .filter_map(|(aspect, differs)| differs.then_some(aspect))
        .collect()
}

fn rule_side(rule: &Rule) -> RuleSide {
    RuleSide {
        kind: rule.kind.keyword(),
        overrides: names(&rule.overrides),
        citations: names(&rule.citations),
        reading: rule.reading.as_ref().map(|r| r.node.clone()),
        text: rule_text(rule),
    }
}

pub(crate) fn definitions((old, new): (&Merged, &Merged)) -> Vec<DefinitionDiff> {
    let sides = |m: &Merged| -> Vec<(String, DefinitionDecl)> {
        m.defs
            .iter()
            .map(|d| (d.name.node.clone(), (**d).clone()))
            .collect()
    };
    let same_text = |o: &DefinitionDecl, n: &DefinitionDecl| {
        o.params == n.params
            && o.ty == n.ty
            && o.body == n.body
            && same_set(&names(&o.citations), &names(&n.citations))
    };
    let same = |o: &DefinitionDecl, n: &DefinitionDecl| same_text(o, n) && o.reading == n.reading;
    pair(sides(old), sides(new), same)
        .into_iter()
        .map(|e| {
            let aspects = match (&e.old, &e.new) {
                (Some(o), Some(n)) => [
                    ("definition", !same_text(o, n)),
                    ("reading", o.reading != n.reading),
                ]
                .into_iter()
                .filter_map(|(aspect, differs)| differs.then_some(aspect))
                .collect(),
                _ => Vec::new(),
            };
            DefinitionDiff {
                name: e.key,
                change: e.change,
                old: e.old.as_ref().map(definition_text),
                new: e.new.as_ref().map(definition_text),
                aspects,
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------ types

/// A type keyed by its kind and name, with what is compared and what is shown.
type TypeRow = ((&'static str, String), (String, String));

pub(crate) fn types(
    old: &CompiledPolicy,
    new: &CompiledPolicy,
    asts: Option<(&Merged, &Merged)>,
) -> Vec<TypeDiff> {
    // Enums and units are compared on the compiled table (an enum's order of values is the
    // order of its sets), records on their syntax, in any order of fields and invariants. Each
    // side is (what is compared, what is shown).
    let compiled = |p: &CompiledPolicy| -> Vec<TypeRow> {
        let enums = p.types.enums.iter().map(|e| {
            let text = format!("enum {} = {}", e.name, e.variants.join(" | "));
            (("enum", e.name.clone()), (text.clone(), text))
        });
        let units = p.types.units.iter().map(|u| {
            let text = format!("unit {u}");
            (("unit", u.clone()), (text.clone(), text))
        });
        enums.chain(units).collect()
    };
    let records = |m: &Merged| -> Vec<TypeRow> {
        m.records
            .iter()
            .map(|r| {
                let mut sorted = uncommented(r);
                sorted.fields.sort_by(|a, b| a.name.node.cmp(&b.name.node));
                sorted
                    .requires
                    .sort_by(|a, b| a.message.node.cmp(&b.message.node));
                let sides = (record_text(&sorted), record_text(r));
                (("record", r.name.node.clone()), sides)
            })
            .collect()
    };
    let (mut old_types, mut new_types) = (compiled(old), compiled(new));
    if let Some((o, n)) = asts {
        old_types.extend(records(o));
        new_types.extend(records(n));
    }
    pair(old_types, new_types, |o, n| o.0 == n.0)
        .into_iter()
        .map(|e| TypeDiff {
            name: e.key.1,
            kind: e.key.0,
            change: e.change,
            old: e.old.map(|(_, text)| text),
            new: e.new.map(|(_, text)| text),
        })
        .collect()
}
