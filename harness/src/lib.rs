//! The conformance harness for CNAB runtimes.
//!
//! Cases (data under `cases/runtime/`) are run against a runtime through an
//! [`adapter::Adapter`]; the suite itself plays the runtime's command driver
//! ([`observe`]) to see what reached the invocation image; the [`runner`]
//! compares observations with expectations and produces a [`report::Report`]
//! of verdicts per case and per clause. The [`reference`] runtime, reachable as
//! the built-in adapter, proves the suite; its mutants measure it
//! ([`selftest`]).
#![deny(missing_docs)]

pub mod adapter;
pub mod case;
pub mod confine;
pub mod coverage;
pub mod doccases;
pub mod docker_driver;
pub mod driver;
pub mod observe;
pub mod process;
pub mod protocol;
pub mod reference;
pub mod report;
pub mod runner;
pub mod selftest;
