//! Validator for CNAB documents.
#![deny(missing_docs)]

pub mod json;
pub mod rules;
pub mod schema;
