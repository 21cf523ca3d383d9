//! clausier: a rules engine for regulations.
//!
//! Policies are text files in a small declarative language; the pipeline is
//! text → [`ast`] (with spans, [`syntax`]) → [`check`] → [`model::CompiledPolicy`] →
//! [`decision::decide`]. The engine knows nothing of any particular regulation.

pub mod ast;
pub mod check;
pub mod cli;
pub mod decision;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod examples;
pub mod format;
pub mod json;
pub mod load;
pub mod model;
pub mod prepared;
pub mod request;
#[cfg(feature = "server")]
pub mod server;
pub mod span;
pub mod syntax;
