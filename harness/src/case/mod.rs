//! Runtime cases: data describing what to ask a runtime and what to expect.
//!
//! Case files live in `cases/runtime/`, one file per family, each holding a
//! list of cases (`cases/runtime/README.md` documents the format and
//! `cases/runtime/case.schema.json` describes it). They are embedded in the
//! binary at build time; `read_dir` reads another directory instead.
//!
//! - [`format`]: the types of a case file and [`Case::instantiate`];
//! - [`load`]: reading and checking case files;
//! - [`lint`]: the checks the schema cannot express;
//! - [`doccases`]: the document cases for validators (`cases/documents/`).

pub mod doccases;
pub mod format;
pub mod lint;
pub mod load;

pub use format::{
    instantiate, is_builtin_action, Case, CaseFile, ImageScript, Step, PLACEHOLDER_DIGEST,
    PLACEHOLDER_IMAGE, PLACEHOLDER_INSTALLATION,
};
pub use load::{
    embedded_files, load, load_embedded, read_dir, suite_version, CaseError, CaseProblem,
    LoadedCase, CASE_SCHEMA,
};
