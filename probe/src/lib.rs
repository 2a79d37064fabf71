//! The probe invocation image of cnab-conformance.
//!
//! The `cnab-probe` binary is placed at `/cnab/app/run` in an image built
//! FROM scratch (see the `cnab-docker` crate).
//! When a runtime starts it, it records what reached the image (the action,
//! the `CNAB_*` variables, the parameter and credential destinations the
//! bundle declares, the well-known files with content, mode and owner, its
//! own `argv[0]`), then does what the bundle's directions say for that action
//! (write outputs, print, exit with a code) and prints one [`Observation`]
//! between marker lines on stdout.
//!
//! The library holds the observation format ([`observation`]), the code that
//! finds an observation in a runtime's log ([`extract`]) and the probe's own
//! logic ([`probe`]), which works against any root directory so that it can
//! be tested without an image.
//! It depends on serde and serde_json only, so that the binary stays small
//! and links statically.
//!
//! ```
//! use cnab_probe::extract::{extract_observation, render};
//! use cnab_probe::probe::{run, Context};
//!
//! let root = std::env::temp_dir().join("cnab-probe-doc-example-missing-root");
//! let outcome = run(&Context {
//!     root,
//!     env: vec![("CNAB_ACTION".into(), "install".into())],
//!     args: vec!["/cnab/app/run".into()],
//!     executable: None,
//! });
//! let log = format!("runtime says hello\n{}trailing noise", render(&outcome.observation));
//! let seen = extract_observation(&log).unwrap();
//! assert_eq!(seen.action.as_deref(), Some("install"));
//! assert!(seen.entrypoint_is_run);
//! assert!(!seen.files["/cnab/bundle.json"].exists());
//! ```

#![deny(missing_docs)]

pub mod base64;
pub mod extract;
pub mod observation;
pub mod probe;

pub use extract::{extract_all, extract_observation, ExtractError, BEGIN_MARKER, END_MARKER};
pub use observation::{Directions, FileRecord, Observation, FORMAT_VERSION};
