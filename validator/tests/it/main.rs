//! The integration tests of `cnab-validator`, built into one binary: one
//! module per topic, helpers in [`util`].
//!
//! The data-driven corpus (`tests/documents.rs`) stays a target of its own,
//! because datatest-stable brings its own harness (`harness = false`).

mod util;

mod canonical_fixtures;
mod canonical_proptest;
mod cli;
mod consumer;
mod corpus;
mod coverage;
mod formats;
mod golden;
mod hostile;
mod json_parse;
mod json_proptest;
mod partition;
mod pipes;
mod props_bundles;
mod props_depth;
mod provenance;
mod rules_corpus;
mod rules_robustness;
mod snapshots;
