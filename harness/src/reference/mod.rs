//! The reference runtime and its mutants.

pub mod mutant;
pub mod runtime;

pub use mutant::Mutant;
pub use runtime::{Invocation, Reference, CLAIMS_VERSION, SUPPORTED_EXTENSIONS};
