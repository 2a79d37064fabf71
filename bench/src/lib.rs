//! The benchmark of `cnab-validate`.
//!
//! [`corpus`] makes a deterministic corpus of CNAB documents; [`child`]
//! runs a program and reports its wall time, CPU time and peak memory from
//! the kernel's own accounting (`wait4`). The `cnab-bench` binary puts them
//! together: a parse-only baseline, the real validator binary, and per-phase
//! timings through the library API. [`docker_path`] compares a suite run on
//! the Docker path with bare container runs. Nothing here is timed under
//! `cargo test`: the tests check the corpus's determinism and the
//! arithmetic of the reports.
#![deny(missing_docs)]

pub mod child;
pub mod corpus;
pub mod docker_path;
