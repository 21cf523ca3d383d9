//! Labels: each `label` resolved to what it names, and, where the policy declares its
//! language, a warning for everything a person reads that has no label.

use std::sync::Arc;

use crate::ast::{LabelDecl, LabelKind, Merged};
use crate::check::names::did_you_mean;
use crate::check::types::{NamedType, calendar_unit};
use crate::check::{Checker, Global};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{CompiledPolicy, Label, Labels, Lang, Type, Unit, Value};
use crate::span::Span;

/// What a label names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Input(usize),
    Field(usize, usize),
    Variant(usize, usize),
    Conclusion(usize),
    Param(usize),
    Def(usize),
    Unit(Unit),
}

impl Checker {
    /// The labels of `policy` (its words for people), from the merged `label` declarations.
    pub(crate) fn words(&mut self, m: &Merged, policy: &CompiledPolicy) -> Labels {
        let mut labels = Labels {
            language: None,
            inputs: vec![None; policy.inputs.len()],
            fields: policy
                .types
                .records
                .iter()
                .map(|r| vec![None; r.fields.len()])
                .collect(),
            variants: policy
                .types
                .enums
                .iter()
                .map(|e| vec![None; e.variants.len()])
                .collect(),
            conclusions: vec![None; policy.conclusions.len()],
            params: vec![None; policy.params.len()],
            defs: vec![None; policy.defs.len()],
            units: vec![None; policy.types.units.len()],
            builtin_units: Default::default(),
            favourable: vec![Vec::new(); policy.conclusions.len()],
        };
        let language = m.header.language.as_ref();
        labels.language = language.and_then(|l| self.language(&l.node, l.span));
        let primary = labels.language.unwrap_or_default();
        for decl in &m.labels {
            let Some(target) = self.target(decl, policy) else {
                continue;
            };
            let label = self.label(decl, target, primary);
            if !decl.favourable.is_empty() {
                let values = self.favourable(decl, target, policy);
                if let Target::Conclusion(i) = target
                    && let Some(slot) = labels.favourable.get_mut(i)
                {
                    *slot = values;
                }
            }
            let slot = match target {
                Target::Input(i) => labels.inputs.get_mut(i),
                Target::Field(r, f) => labels.fields.get_mut(r).and_then(|r| r.get_mut(f)),
                Target::Variant(e, v) => labels.variants.get_mut(e).and_then(|e| e.get_mut(v)),
                Target::Conclusion(i) => labels.conclusions.get_mut(i),
                Target::Param(i) => labels.params.get_mut(i),
                Target::Def(i) => labels.defs.get_mut(i),
                Target::Unit(Unit::Custom(i)) => labels.units.get_mut(i),
                Target::Unit(u) => builtin_index(u).and_then(|i| labels.builtin_units.get_mut(i)),
            };
            if let Some(slot) = slot {
                *slot = Some(Arc::new(label));
            }
        }
        if let Some(lang) = labels.language {
            self.missing_labels(m, policy, &labels, lang);
        }
        labels
    }

    /// The labels of `policy`, a version whose labels are all its base's (its own file labels
    /// nothing, and it keeps the base's language and declarations): the base's, and the
    /// findings [`Checker::words`] would make of them, the missing labels (the others are
    /// errors, which the base would have had).
    pub(crate) fn words_of_base(
        &mut self,
        m: &Merged,
        policy: &CompiledPolicy,
        base: &Labels,
    ) -> Labels {
        let labels = base.clone();
        if let Some(lang) = labels.language {
            self.missing_labels(m, policy, &labels, lang);
        }
        labels
    }

    fn language(&mut self, code: &str, span: Span) -> Option<Lang> {
        let lang = match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        };
        if lang.is_none() {
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownLanguage,
                    span,
                    format!("`{code}` is not a language labels can be written in"),
                )
                .with_label("unknown language")
                .with_help("write `\"fr\"` or `\"en\"`"),
            );
        }
        lang
    }

    /// What `decl` labels, or an error saying it names nothing.
    fn target(&mut self, decl: &LabelDecl, policy: &CompiledPolicy) -> Option<Target> {
        let path = decl.target.node.join(".");
        let found = match decl.target.node.as_slice() {
            _ if self.input_index.contains_key(&path) => {
                self.input_index.get(&path).map(|&i| Target::Input(i))
            }
            [ty, member] => match self.type_names.get(ty) {
                Some(NamedType::Enum(e)) => policy
                    .types
                    .enums
                    .get(*e)
                    .and_then(|en| en.variants.iter().position(|v| v == member))
                    .map(|v| Target::Variant(*e, v)),
                Some(NamedType::Record(r)) => policy
                    .types
                    .records
                    .get(*r)
                    .and_then(|rec| rec.fields.iter().position(|f| &f.name == member))
                    .map(|f| Target::Field(*r, f)),
                _ => None,
            },
            [name] => match (self.globals.get(name), self.type_names.get(name)) {
                (Some(Global::Conclusion(i)), _) => Some(Target::Conclusion(*i)),
                (Some(Global::Param(i)), _) => Some(Target::Param(*i)),
                (Some(Global::Def(i)), _) => Some(Target::Def(*i)),
                (None, Some(NamedType::Unit(u))) => Some(Target::Unit(Unit::Custom(*u))),
                _ => calendar_unit(name).map(Target::Unit),
            },
            _ => None,
        };
        if found.is_none() {
            let names = labelable_names(policy);
            let help = did_you_mean(&path, names.iter().map(String::as_str)).unwrap_or_else(|| {
                "a label names an input path, `enum.value`, `record.field`, or a conclusion, \
                 parameter, definition or unit"
                    .to_string()
            });
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownLabelTarget,
                    decl.target.span,
                    format!("`{path}` is not declared: there is nothing to label"),
                )
                .with_label("not declared")
                .with_help(help),
            );
        }
        found
    }

    /// The texts of `decl`, each under its language.
    fn label(&mut self, decl: &LabelDecl, target: Target, primary: Lang) -> Label {
        let mut label = Label::default();
        label.label.set(primary, &decl.text.node);
        for part in &decl.parts {
            let lang = match &part.lang {
                Some(l) => match self.language(&l.node, l.span) {
                    Some(lang) => lang,
                    None => continue,
                },
                None => primary,
            };
            let fits = match part.kind {
                LabelKind::Label => true,
                LabelKind::Question | LabelKind::Help => matches!(target, Target::Input(_)),
                LabelKind::Singular => matches!(target, Target::Unit(_)),
            };
            if !fits {
                let word = part.kind.keyword().unwrap_or_default();
                self.diags.push(
                    Diagnostic::error(
                        Code::MisplacedLabelText,
                        part.text.span,
                        format!(
                            "`{word}` does not apply to `{}`",
                            decl.target.node.join(".")
                        ),
                    )
                    .with_label("not applicable")
                    .with_help("`question` and `help` go with inputs, `singular` with units"),
                );
                continue;
            }
            let texts = match part.kind {
                LabelKind::Label => &mut label.label,
                LabelKind::Question => &mut label.question,
                LabelKind::Help => &mut label.help,
                LabelKind::Singular => &mut label.singular,
            };
            texts.set(lang, &part.text.node);
        }
        label
    }

    /// One warning per declaration that leaves something without a label in `lang`.
    fn missing_labels(&mut self, m: &Merged, policy: &CompiledPolicy, labels: &Labels, lang: Lang) {
        let mut missing: Vec<(Span, String)> = Vec::new();
        for (slot, input) in policy.inputs.iter().enumerate() {
            if labels.input(slot, lang).is_none() {
                missing.push((input.span, format!("input `{}` has", input.path)));
            }
        }
        for decl in &m.enums {
            let Some(NamedType::Enum(e)) = self.type_names.get(&decl.name.node) else {
                continue;
            };
            let bare: Vec<&str> = decl
                .variants
                .iter()
                .enumerate()
                .filter(|(v, _)| labels.variant(*e, *v, lang).is_none())
                .map(|(_, name)| name.node.as_str())
                .collect();
            if !bare.is_empty() {
                let what = match bare.as_slice() {
                    [one] => format!("value `{one}` of enum `{}` has", decl.name.node),
                    _ => format!(
                        "values `{}` of enum `{}` have",
                        bare.join("`, `"),
                        decl.name.node
                    ),
                };
                missing.push((decl.name.span, what));
            }
        }
        for decl in &m.records {
            let Some(NamedType::Record(r)) = self.type_names.get(&decl.name.node) else {
                continue;
            };
            for (f, field) in decl.fields.iter().enumerate() {
                if labels.field(*r, f, lang).is_none() {
                    let what = format!("field `{}.{}` has", decl.name.node, field.name.node);
                    missing.push((field.name.span, what));
                }
            }
        }
        for (i, c) in policy.conclusions.iter().enumerate() {
            if labels.conclusion(i, lang).is_none() {
                missing.push((c.span, format!("conclusion `{}` has", c.name)));
            }
        }
        for (i, p) in policy.params.iter().enumerate() {
            if labels.param(i, lang).is_none() {
                missing.push((p.span, format!("parameter `{}` has", p.name)));
            }
        }
        for (i, unit) in m.units.iter().enumerate() {
            let labelled = labels.units.get(i).is_some_and(|l| l.is_some());
            if !labelled {
                missing.push((unit.span, format!("unit `{}` has", unit.node)));
            }
        }
        for (span, what) in missing {
            self.diags.push(
                Diagnostic::warning(
                    Code::MissingLabel,
                    span,
                    format!("{what} no label in `{}`", lang.code()),
                )
                .with_label("no label")
                .with_help(format!(
                    "the policy declares `language \"{}\"`: add `label … \"…\"` so that people read words, not names",
                    lang.code()
                )),
            );
        }
    }
}

impl Checker {
    /// The favourable values of `decl`, resolved against its conclusion's type; an error for
    /// a value the conclusion cannot take, or for `favourable` on anything but a conclusion.
    fn favourable(
        &mut self,
        decl: &LabelDecl,
        target: Target,
        policy: &CompiledPolicy,
    ) -> Vec<Value> {
        let Target::Conclusion(i) = target else {
            if let Some(first) = decl.favourable.first() {
                self.diags.push(
                    Diagnostic::error(
                        Code::MisplacedLabelText,
                        first.span,
                        format!(
                            "`favourable` does not apply to `{}`",
                            decl.target.node.join(".")
                        ),
                    )
                    .with_label("not a conclusion")
                    .with_help(
                        "`favourable` names the values of a conclusion that a candidate hopes for",
                    ),
                );
            }
            return Vec::new();
        };
        let Some(ty) = policy.conclusions.get(i).map(|c| &c.ty) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for name in &decl.favourable {
            match favourable_value(policy, ty, &name.node) {
                Some(v) => out.push(v),
                None => {
                    let mut known: Vec<String> = match ty.base() {
                        Type::Bool => vec!["true".into(), "false".into()],
                        Type::Enum(e) => policy
                            .types
                            .enums
                            .get(*e)
                            .map(|en| en.variants.clone())
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    if ty.is_optional() {
                        known.push("none".into());
                    }
                    let help = did_you_mean(&name.node, known.iter().map(String::as_str))
                        .unwrap_or_else(|| {
                            format!(
                                "the values of `{}` are {}",
                                decl.target.node.join("."),
                                known.join(", ")
                            )
                        });
                    self.diags.push(
                        Diagnostic::error(
                            Code::UnknownName,
                            name.span,
                            format!(
                                "`{}` is not a value of conclusion `{}`",
                                name.node,
                                decl.target.node.join(".")
                            ),
                        )
                        .with_label("not one of its values")
                        .with_help(help),
                    );
                }
            }
        }
        out
    }
}

/// `name` as a value of type `ty`: `true`/`false`, `none` when optional, an enum's value.
fn favourable_value(policy: &CompiledPolicy, ty: &Type, name: &str) -> Option<Value> {
    if name == "none" {
        return ty.is_optional().then_some(Value::None);
    }
    match ty.base() {
        Type::Bool => match name {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Type::Enum(e) => {
            let v = policy
                .types
                .enums
                .get(*e)?
                .variants
                .iter()
                .position(|v| v == name)?;
            Some(Value::Enum(u32::try_from(*e).ok()?, u32::try_from(v).ok()?))
        }
        _ => None,
    }
}

fn builtin_index(unit: Unit) -> Option<usize> {
    match unit {
        Unit::Days => Some(0),
        Unit::Weeks => Some(1),
        Unit::Months => Some(2),
        Unit::Years => Some(3),
        Unit::None | Unit::Custom(_) => None,
    }
}

/// Every name a label may take, for "did you mean".
fn labelable_names(policy: &CompiledPolicy) -> Vec<String> {
    let mut names: Vec<String> = policy.inputs.iter().map(|i| i.path.clone()).collect();
    for e in &policy.types.enums {
        names.extend(e.variants.iter().map(|v| format!("{}.{v}", e.name)));
    }
    for r in &policy.types.records {
        names.extend(r.fields.iter().map(|f| format!("{}.{}", r.name, f.name)));
    }
    names.extend(policy.conclusions.iter().map(|c| c.name.clone()));
    names.extend(policy.params.iter().map(|p| p.name.clone()));
    names.extend(policy.defs.iter().map(|d| d.name.clone()));
    names.extend(policy.types.units.iter().cloned());
    names
}
