//! A compiled policy prepared for deciding: the caches that every decision reads, built once
//! after compiling and never patched afterwards. The compiled policy itself stays plain data.

use std::ops::Deref;
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::eval::Source;
use crate::eval::explain::FactTexts;
use crate::model::{ClauseId, ClauseInfo, CompiledPolicy, ConclusionInfo, Lang, Type, Unit};

/// A [`CompiledPolicy`] with what serving it needs: the texts of facts for explanations and the
/// clause texts escaped once for JSON (they are most of a decision's bytes).
#[derive(Debug)]
pub struct Prepared {
    policy: CompiledPolicy,
    /// In French, the default, rendered when the policy is prepared; in English, at the first
    /// decision that asks for it (loading, which every reload pays, renders one language).
    fact_texts_fr: FactTexts,
    fact_texts_en: std::sync::OnceLock<FactTexts>,
    citations: Vec<Arc<Citation>>,
    /// By parameter, then by definition: their clauses as a decision cites them when a rule
    /// reads them (`via` the parameter or definition).
    param_citations: Vec<Arc<[Arc<Citation>]>>,
    def_citations: Vec<Arc<[Arc<Citation>]>>,
    /// By conclusion: the name of its unit, when its values are quantities (`weeks`).
    conclusion_units: Vec<Option<Arc<str>>>,
    /// By conclusion and rule: what a decision shows of the rule when it alone gives the value.
    rule_lists: Vec<Vec<RuleLists>>,
    variant_names: Vec<Vec<Arc<str>>>,
    conclusion_names: Vec<Arc<str>>,
    /// The conclusions by name: a request that names some finds them without a scan.
    conclusion_indices: std::collections::HashMap<Arc<str>, usize>,
    policy_ref: PolicyRef,
}

// Built once per clause when the policy is prepared and shared by every decision that cites it;
// written by `crate::json`.
/// A clause a conclusion rests on.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Citation {
    /// The clause reference.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub clause: Arc<str>,
    /// Its section.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub section: Arc<str>,
    /// Its text.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub text: Arc<str>,
    /// What brought the clause into the decision when the rules that gave the value do not
    /// cite it themselves: the parameter or definition they read whose clause it is
    /// (`parameter minimum_reduced_weeks`, `definition completed_weeks`). Absent for a clause a
    /// rule cites.
    #[cfg_attr(feature = "server", schema(value_type = String, required = false, example = "parameter minimum_reduced_weeks"))]
    pub via: Option<Arc<str>>,
    /// The parameter or definition named by `via`, for the renderings that put it into words.
    #[cfg_attr(feature = "server", schema(ignore))]
    pub source: Option<Source>,
    /// The whole citation as a JSON object, written once when the policy is prepared: the
    /// clause texts are most of a decision's bytes, and escaping them, the clause and section
    /// and the three keys on every decision dominated its output (a typical decision cites
    /// some twenty clauses). It is copied as it is, on one line even by a pretty printer:
    /// [`crate::json::pretty`] indents it.
    #[cfg_attr(feature = "server", schema(ignore))]
    pub json: Option<Arc<RawValue>>,
}

/// A rule's citations and its label, as a decision lists them when the rule alone gives a
/// conclusion's value (the usual case): built once when the policy is prepared and shared by
/// those decisions, which then allocate nothing for them.
#[derive(Clone, Debug)]
pub struct RuleLists {
    /// The clauses the rule cites, each once, in order.
    pub citations: Arc<[Arc<Citation>]>,
    /// The rule's label, alone.
    pub labels: Arc<[Arc<str>]>,
}

impl Citation {
    /// The citation of `clause`, `via` a parameter or definition or not, with its JSON.
    fn new(clause: &ClauseInfo, via: Option<Arc<str>>) -> Citation {
        let mut citation = Citation {
            clause: Arc::clone(&clause.id),
            section: Arc::clone(&clause.section),
            text: Arc::clone(&clause.text),
            via,
            source: None,
            json: None,
        };
        citation.json = serde_json::value::to_raw_value(&citation)
            .ok()
            .map(Arc::from);
        citation
    }

    /// True when this citation is of `clause`, its very texts (shared, not equal: the
    /// version's clause is the one this citation was written for).
    fn is_of(&self, clause: &ClauseInfo) -> bool {
        Arc::ptr_eq(&self.clause, &clause.id)
            && Arc::ptr_eq(&self.section, &clause.section)
            && Arc::ptr_eq(&self.text, &clause.text)
    }
}

impl PartialEq for Citation {
    fn eq(&self, other: &Self) -> bool {
        self.clause == other.clause
            && self.section == other.section
            && self.text == other.text
            && self.via == other.via
    }
}

// Made once per version and shared by its decisions; written by `crate::json`.
/// The policy version a decision was made under.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PolicyRef {
    /// The policy id.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub id: Arc<str>,
    /// The version label.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub version: Arc<str>,
    /// Its effective date, if any.
    #[cfg_attr(feature = "server", schema(value_type = Option<String>, format = Date))]
    pub effective_from: Option<Arc<str>>,
    /// The sha256 of its sources and its layers'.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub sha256: Arc<str>,
    /// True when the version was made from a file that now fails the check: the service keeps
    /// serving its last good version, but the file on disk says something else (absent
    /// otherwise).
    #[cfg_attr(feature = "server", schema(value_type = Option<bool>))]
    pub stale: bool,
    /// True when the version is a draft, decided by label on request: not a rule in force
    /// (absent otherwise).
    #[cfg_attr(feature = "server", schema(value_type = Option<bool>))]
    pub draft: bool,
    /// The whole reference as a JSON object, written once: every decision carries it (the
    /// sha256 alone is 64 characters to escape). Copied as it is, like [`Citation::json`].
    #[cfg_attr(feature = "server", schema(ignore))]
    pub json: Option<Arc<RawValue>>,
}

impl PartialEq for PolicyRef {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.version == other.version
            && self.effective_from == other.effective_from
            && self.sha256 == other.sha256
            && self.stale == other.stale
            && self.draft == other.draft
    }
}

impl PolicyRef {
    /// The reference to `policy`'s version.
    pub fn of(policy: &CompiledPolicy) -> PolicyRef {
        let mut r = PolicyRef {
            id: policy.id.as_str().into(),
            version: policy.version.as_str().into(),
            effective_from: policy
                .effective_from
                .map(|d| d.format("%Y-%m-%d").to_string().into()),
            sha256: policy.sha256.as_str().into(),
            stale: false,
            draft: policy.draft,
            json: None,
        };
        r.json = serde_json::value::to_raw_value(&r).ok().map(Arc::from);
        r
    }
}

impl Prepared {
    /// Builds the caches of `policy`.
    pub fn new(policy: CompiledPolicy) -> Prepared {
        let fact_texts_fr = FactTexts::of(&policy, Lang::Fr);
        Prepared::with_texts(policy, fact_texts_fr, None)
    }

    /// Builds the caches of `policy`, a version that extends `base`'s and declares no input,
    /// definition, conclusion, enum or label of its own (it overrides parameters, rules and
    /// clauses, and adds clauses: a new session): the texts of its facts are `base`'s but for
    /// its parameters, and the clauses it shares with `base` keep their citations.
    pub fn extending(policy: CompiledPolicy, base: &Prepared) -> Prepared {
        let fact_texts_fr = base.fact_texts_fr.with_params_of(&policy);
        Prepared::with_texts(policy, fact_texts_fr, Some(base))
    }

    /// The caches of `policy`, with its French fact texts, reusing the citations of `base`
    /// that cite the very same clauses (the same shared texts) the same way.
    fn with_texts(
        policy: CompiledPolicy,
        fact_texts_fr: FactTexts,
        base: Option<&Prepared>,
    ) -> Prepared {
        let citations: Vec<Arc<Citation>> = policy
            .clauses
            .iter()
            .enumerate()
            .map(|(i, c)| match base.and_then(|b| b.citations.get(i)) {
                Some(cited) if cited.is_of(c) => Arc::clone(cited),
                _ => Arc::new(Citation::new(c, None)),
            })
            .collect();
        let param_citations = (policy.params.iter().enumerate())
            .map(|(i, p)| {
                let kept = base.and_then(|b| b.param_citations.get(i));
                via_citations(&policy, Source::Param(i), &p.name, &p.citations, kept)
            })
            .collect();
        let def_citations = (policy.defs.iter().enumerate())
            .map(|(i, d)| {
                let kept = base.and_then(|b| b.def_citations.get(i));
                via_citations(&policy, Source::Def(i), &d.name, &d.citations, kept)
            })
            .collect();
        let conclusion_units = policy
            .conclusions
            .iter()
            .map(|c| match c.ty.base() {
                Type::Num { unit, .. } if *unit != Unit::None => {
                    Some(Arc::from(policy.types.unit_name(*unit)))
                }
                _ => None,
            })
            .collect();
        let rule_lists = policy
            .conclusions
            .iter()
            .map(|c| {
                (0..c.rules.len())
                    .map(|r| RuleLists {
                        citations: cited(&citations, c, &[r]).into(),
                        labels: labelled(c, &[r]).into(),
                    })
                    .collect()
            })
            .collect();
        let variant_names = policy
            .types
            .enums
            .iter()
            .map(|e| e.variants.iter().map(|v| Arc::from(v.as_str())).collect())
            .collect();
        let conclusion_names: Vec<Arc<str>> = policy
            .conclusions
            .iter()
            .map(|c| Arc::from(c.name.as_str()))
            .collect();
        let conclusion_indices = (conclusion_names.iter().enumerate())
            .map(|(i, name)| (Arc::clone(name), i))
            .collect();
        let policy_ref = PolicyRef::of(&policy);
        Prepared {
            conclusion_names,
            conclusion_indices,
            policy_ref,
            policy,
            fact_texts_fr,
            fact_texts_en: std::sync::OnceLock::new(),
            citations,
            param_citations,
            def_citations,
            conclusion_units,
            rule_lists,
            variant_names,
        }
    }

    /// The compiled policy.
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// The rendered texts of the policy's facts with few values, in `lang`.
    pub fn fact_texts(&self, lang: Lang) -> &FactTexts {
        match lang {
            Lang::Fr => &self.fact_texts_fr,
            Lang::En => self
                .fact_texts_en
                .get_or_init(|| FactTexts::of(&self.policy, Lang::En)),
        }
    }

    /// The names of the enums' values, by enum and variant, shared by the decisions.
    pub fn variant_names(&self) -> &[Vec<Arc<str>>] {
        &self.variant_names
    }

    /// The name of conclusion `i`, shared by the decisions.
    pub fn conclusion_name(&self, i: usize) -> Arc<str> {
        self.conclusion_names
            .get(i)
            .map_or_else(|| Arc::from(""), Arc::clone)
    }

    /// The index of the conclusion named `name`, if the policy declares one.
    pub fn conclusion_index(&self, name: &str) -> Option<usize> {
        self.conclusion_indices.get(name).copied()
    }

    /// The version, as decisions name it.
    pub fn policy_ref(&self) -> &PolicyRef {
        &self.policy_ref
    }

    /// A clause as decisions cite it.
    pub fn citation(&self, clause: ClauseId) -> Option<&Arc<Citation>> {
        self.citations.get(clause)
    }

    /// The clauses of a parameter or definition a rule read, as a decision cites them: `via`
    /// it, each once.
    pub fn source_citations(&self, source: Source) -> &[Arc<Citation>] {
        let list = match source {
            Source::Param(i) => self.param_citations.get(i),
            Source::Def(i) => self.def_citations.get(i),
        };
        list.map_or(&[], |l| l)
    }

    /// The name of conclusion `i`'s unit, when its values are quantities (`weeks`).
    pub fn conclusion_unit(&self, i: usize) -> Option<&Arc<str>> {
        self.conclusion_units.get(i)?.as_ref()
    }

    /// The citations and label of rule `rule` of conclusion `conclusion`, shared.
    pub fn rule_lists(&self, conclusion: usize, rule: usize) -> Option<&RuleLists> {
        self.rule_lists.get(conclusion)?.get(rule)
    }

    /// The clauses that `rules` of `c` cite, each once, in order.
    pub fn cited(&self, c: &ConclusionInfo, rules: &[usize]) -> Vec<Arc<Citation>> {
        cited(&self.citations, c, rules)
    }
}

/// The clauses `ids` of the parameter or definition `source` (named `name`), each once, as a
/// decision cites them `via` it: `kept` (the base version's list) when it is of the very same
/// clauses by the same name, as in a session that changes a parameter's value and not its
/// citations.
fn via_citations(
    policy: &CompiledPolicy,
    source: Source,
    name: &str,
    ids: &[ClauseId],
    kept: Option<&Arc<[Arc<Citation>]>>,
) -> Arc<[Arc<Citation>]> {
    let kind = match source {
        Source::Param(_) => "parameter",
        Source::Def(_) => "definition",
    };
    let via = format!("{kind} {name}");
    let mut clauses: Vec<&ClauseInfo> = Vec::with_capacity(ids.len());
    for c in ids.iter().filter_map(|&id| policy.clauses.get(id)) {
        if !clauses.iter().any(|o| o.id == c.id) {
            clauses.push(c);
        }
    }
    let same = |k: &Arc<[Arc<Citation>]>| {
        k.len() == clauses.len()
            && (k.iter().zip(&clauses))
                .all(|(cited, c)| cited.is_of(c) && cited.via.as_deref() == Some(via.as_str()))
    };
    if let Some(kept) = kept.filter(|k| same(k)) {
        return Arc::clone(kept);
    }
    let via: Arc<str> = via.into();
    (clauses.into_iter())
        .map(|c| {
            let mut citation = Citation::new(c, Some(Arc::clone(&via)));
            citation.source = Some(source);
            Arc::new(citation)
        })
        .collect()
}

/// The clauses that `rules` of `c` cite, each once, in order, from the policy's `citations`.
fn cited(citations: &[Arc<Citation>], c: &ConclusionInfo, rules: &[usize]) -> Vec<Arc<Citation>> {
    let mut out: Vec<Arc<Citation>> = Vec::new();
    for r in rules.iter().filter_map(|i| c.rules.get(*i)) {
        for &id in &r.citations {
            if let Some(cited) = citations.get(id)
                && !out.iter().any(|o| Arc::ptr_eq(o, cited))
            {
                out.push(Arc::clone(cited));
            }
        }
    }
    out
}

/// The labels of `rules` of `c`.
pub fn labelled(c: &ConclusionInfo, rules: &[usize]) -> Vec<Arc<str>> {
    rules
        .iter()
        .filter_map(|i| c.rules.get(*i).map(|r| Arc::clone(&r.label)))
        .collect()
}

impl Deref for Prepared {
    type Target = CompiledPolicy;

    /// A prepared policy reads as its compiled policy: the caches only add to it.
    fn deref(&self) -> &CompiledPolicy {
        &self.policy
    }
}
