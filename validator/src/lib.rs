//! Validator for CNAB documents.
//!
//! The pipeline turns bytes into findings: UTF-8 and JSON parse (with byte
//! spans and duplicate keys), document kind and spec version detection, JSON
//! Schema validation against the embedded schema set of that version, the
//! canonical JSON check for bundles, and the semantic rules the schemas miss.
//! Every finding names a clause of the catalog, and its level comes from the
//! clause.
//!
//! ```
//! use cnab_validator::{ValidatorBuilder, CanonicalMode};
//!
//! let validator = ValidatorBuilder::new().canonical(CanonicalMode::Off).build();
//! let report = validator.check("<inline>", br#"{"requires": {}}"#);
//! assert!(report.findings.iter().any(|f| f.clause == "deps.requires.shape"));
//! ```
#![deny(missing_docs)]

pub mod detect;
pub mod exit;
mod hint;
pub mod json;
mod pipeline;
pub mod render;
pub mod rules;
pub mod schema;

pub use detect::{Decision, Origin};
pub use hint::Hint;
pub use pipeline::{
    first_difference, profile_name, CanonicalMode, CanonicalVerdict, Report, Validator,
    ValidatorBuilder, PIPELINE_CLAUSES,
};
