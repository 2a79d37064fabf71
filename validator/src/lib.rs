//! Validator for CNAB documents.
#![deny(missing_docs)]

pub mod schema;
