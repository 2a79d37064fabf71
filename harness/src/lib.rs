//! The conformance harness for CNAB runtimes.
//!
//! The crate reads as the flow of a run:
//!
//! - [`case`]: runtime cases (data under `cases/runtime/`), loaded, checked
//!   and instantiated; document cases for validators ([`case::doccases`]);
//! - [`adapter`]: how the suite asks a runtime to act: the adapter protocol,
//!   external adapters, and the [`adapter::reference`] runtime with its
//!   mutants;
//! - [`driver`]: how a runtime reaches an invocation image and how the suite
//!   sees what reached it: the command-driver observer (played by this
//!   binary) or real containers of the probe image; [`driver::DriverKind`]
//!   says which, once per run;
//! - [`expect`]: one module per family of expectations, each judging what a
//!   step showed;
//! - [`runner`]: scheduling, steps, evidence and per-clause aggregation,
//!   producing a [`cnab_report::RunReport`];
//! - [`selftest`] and [`coverage`]: the mutation score and the clause
//!   coverage view;
//! - [`procs`], [`stop`] and [`io`]: what keeps a run bounded: descendants
//!   ended, stop signals caught, files read and written without surprises.
#![deny(missing_docs)]

pub mod adapter;
pub mod case;
pub mod coverage;
pub mod driver;
pub mod expect;
pub mod io;
pub mod procs;
pub mod runner;
pub mod selftest;
pub mod stop;
