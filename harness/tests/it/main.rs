//! The harness's integration tests, built as one binary: one module per
//! topic, helpers in `util`.

mod cases;
mod confinement;
mod docker;
mod examples;
mod faults;
mod golden;
mod hardening;
mod observer;
mod parallel;
mod preconditions;
mod suite;
mod util;
