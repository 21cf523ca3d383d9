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
    citations: Vec<Arc<Citation>>,
    variant_names: Vec<Vec<Arc<str>>>,
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
    /// The text as a JSON string, escaped once when the policy was compiled: the clause texts
    /// are most of a decision's bytes, and escaping them on every decision dominated its output.
    #[cfg_attr(feature = "server", schema(ignore))]
    pub text_json: Option<Arc<RawValue>>,
}

impl PartialEq for Citation {
    fn eq(&self, other: &Self) -> bool {
        self.clause == other.clause && self.section == other.section && self.text == other.text
    }
}

impl Prepared {
    /// Builds the caches of `policy`.
    pub fn new(policy: CompiledPolicy) -> Prepared {
        let fact_texts = FactTexts::of(&policy);
        let citations = policy
            .clauses
            .iter()
            .map(|c| {
                Arc::new(Citation {
                    clause: Arc::clone(&c.id),
                    section: Arc::clone(&c.section),
                    text: Arc::clone(&c.text),
                    text_json: serde_json::value::to_raw_value(&*c.text)
                        .ok()
                        .map(Arc::from),
                })
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
            citations,
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

    /// A clause as decisions cite it.
    pub fn citation(&self, clause: ClauseId) -> Option<&Arc<Citation>> {
        self.citations.get(clause)
    }
}

impl Deref for Prepared {
    type Target = CompiledPolicy;

    /// A prepared policy reads as its compiled policy: the caches only add to it.
    fn deref(&self) -> &CompiledPolicy {
        &self.policy
    }
}
