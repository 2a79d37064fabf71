//! The shared nouns of cnab-conformance.
//!
//! This crate holds plain, serializable data types used by both the validator
//! and the harness: spec versions, document kinds, the clause catalog,
//! findings, verdicts, shards (`Partition`), the ULID and RFC 3339 checks and
//! the escaping of untrusted text for a terminal (`text`). It performs no I/O: the catalog is embedded at
//! compile time from `cases/catalog.json`.
#![deny(missing_docs)]

pub mod catalog;
pub mod finding;
pub mod kind;
pub mod partition;
pub mod syntax;
pub mod text;
pub mod verdict;
pub mod version;

pub use catalog::{
    Catalog, CatalogError, Category, CheckKind, Clause, Level, SchemaCoverage, SourceQuote,
};
pub use finding::{Finding, Span};
pub use kind::DocumentKind;
pub use partition::Partition;
pub use verdict::Verdict;
pub use version::{SpecFamily, SpecVersion};
