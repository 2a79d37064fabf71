//! The reference runtime, its named mutants, and the adapter that serves it.

pub mod mutant;
pub mod runtime;
pub mod serve;
mod support;

pub use mutant::Mutant;
pub use runtime::{Invocation, Reference, CLAIMS_VERSION, SUPPORTED_EXTENSIONS};
pub use serve::{
    reference_info, reference_info_for, serve_reference, serve_reference_with, ReferenceAdapter,
};
