//! The benchmark of `cnab-validate`.
//!
//! [`corpus`] makes a deterministic corpus of CNAB documents; [`child`]
//! runs a program and reports its wall time, CPU time and peak memory from
//! the kernel's own accounting (`wait4`). The `cnab-bench` binary puts them
//! together: a parse-only baseline, the real validator binary, and per-phase
//! timings through the library API. Nothing here runs under `cargo test`
//! except the determinism checks of the corpus.
#![deny(missing_docs)]

pub mod child;
pub mod corpus;
