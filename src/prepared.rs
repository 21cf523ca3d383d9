//! A compiled policy prepared for deciding: the caches that every decision reads, built once
//! after compiling and never patched afterwards. The compiled policy itself stays plain data.

use std::ops::Deref;
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::eval::explain::FactTexts;
use crate::model::{ClauseId, CompiledPolicy};

/// A [`CompiledPolicy`] with what serving it needs: the texts of facts for explanations and the
/// clause texts escaped once for JSON (they are most of a decision's bytes).
#[derive(Debug)]
pub struct Prepared {
    policy: CompiledPolicy,
    fact_texts: FactTexts,
    clause_json: Vec<Option<Arc<RawValue>>>,
    variant_names: Vec<Vec<Arc<str>>>,
}

impl Prepared {
    /// Builds the caches of `policy`.
    pub fn new(policy: CompiledPolicy) -> Prepared {
        let fact_texts = FactTexts::of(&policy);
        let clause_json = policy
            .clauses
            .iter()
            .map(|c| {
                serde_json::value::to_raw_value(&*c.text)
                    .ok()
                    .map(Arc::from)
            })
            .collect();
        let variant_names = policy
            .types
            .enums
            .iter()
            .map(|e| e.variants.iter().map(|v| Arc::from(v.as_str())).collect())
            .collect();
        Prepared {
            policy,
            fact_texts,
            clause_json,
            variant_names,
        }
    }

    /// The compiled policy.
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// The rendered texts of the policy's facts with few values.
    pub fn fact_texts(&self) -> &FactTexts {
        &self.fact_texts
    }

    /// The names of the enums' values, by enum and variant, shared by the decisions.
    pub fn variant_names(&self) -> &[Vec<Arc<str>>] {
        &self.variant_names
    }

    /// A clause's text as a JSON string, escaped once.
    pub fn clause_json(&self, clause: ClauseId) -> Option<&Arc<RawValue>> {
        self.clause_json.get(clause)?.as_ref()
    }
}

impl Deref for Prepared {
    type Target = CompiledPolicy;

    /// A prepared policy reads as its compiled policy: the caches only add to it.
    fn deref(&self) -> &CompiledPolicy {
        &self.policy
    }
}
