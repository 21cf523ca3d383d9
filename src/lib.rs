//! clausier: a rules engine for regulations.
//!
//! Policies are text files in a small declarative language. Each stage is a module with one
//! entry:
//!
//! text → [`syntax::parse`] (an [`ast`] with spans) → [`check`] (names, types, citations,
//! layers; a [`model::CompiledPolicy`] or [`diagnostic::Diagnostic`]s) → [`prepared::Prepared`]
//! (the caches deciding reads) → [`request::decide`] (a candidate's JSON record to a
//! [`decision::Decision`] whose conclusions cite their clauses).
//!
//! [`load`] runs the pipeline on folders and texts; [`eval`] is the three-valued evaluator over
//! the model, which records why each rule applied and settles what no missing fact can change;
//! [`json`] is the one place where JSON meets the engine (candidate records in, decisions and
//! schemas out). The engine knows nothing of any particular regulation.
//!
//! From a policy's text to a cited decision:
//!
//! ```
//! use clausier::request::{Options, decide};
//!
//! let text = r#"
//! policy majority
//! version "v1"
//! clause "414" section "Titre X"
//!   | L'âge de la majorité est fixé à dix-huit ans accomplis.
//! input age : integer years
//! conclusion adult : bool
//!   rule minor gives false per "414"
//!   exception of_age of minor when age >= 18 years gives true per "414"
//! label age "âge"
//!   en "age"
//! "#;
//! let folder = clausier::load::check_texts(
//!     "majority".into(),
//!     vec![("majority.policy".into(), None, text.into())],
//! );
//! let policy = folder.version("v1").expect("the policy checks");
//! let record = serde_json::json!({ "age": 19 });
//! let decision = decide(policy, &record, &Options::default())?;
//!
//! let adult = decision.conclusions.get("adult").expect("a conclusion of the policy");
//! assert_eq!(adult.value.to_string(), "true");
//! assert_eq!(&*adult.citations[0].clause, "414");
//! // What people read is French unless asked otherwise, in the policy's labels.
//! assert_eq!(adult.because.as_deref(), Some(&["Âge : 19 ans".into()][..]));
//!
//! let english = Options { lang: clausier::Lang::En, ..Options::default() };
//! let decision = decide(policy, &record, &english)?;
//! let adult = decision.conclusions.get("adult").expect("a conclusion of the policy");
//! assert_eq!(adult.because.as_deref(), Some(&["Age: 19 years".into()][..]));
//! # Ok::<(), clausier::request::RequestError>(())
//! ```

pub mod ast;
pub mod check;
pub mod decision;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod examples;
pub mod format;
pub mod gate;
pub mod hints;
pub mod interview;
pub mod json;
pub mod load;
pub mod model;
mod parallel;
pub mod prepared;
pub mod report;
pub mod request;
#[cfg(feature = "server")]
pub mod server;
pub mod span;
pub mod syntax;

pub use decision::{Datum, Decision};
pub use load::{PolicyFolder, check_texts, load_folder, load_paths};
pub use model::Lang;
pub use prepared::Prepared;
pub use request::{Options, RequestError, decide};
