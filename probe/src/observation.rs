//! The observation record the probe prints, format version 1.
//!
//! The record is one JSON object on one line between the two marker lines of
//! [`crate::extract`].
//! Readers should accept fields they do not know: later versions of the probe
//! may add fields without changing [`FORMAT_VERSION`], but never change the
//! meaning of an existing one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The version of the observation format this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Everything the probe saw inside the invocation image, and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The format version, [`FORMAT_VERSION`] for this crate.
    pub format: u32,
    /// The value of `CNAB_ACTION`, when it was set.
    pub action: Option<String>,
    /// The program's `argv[0]` as the runtime started it.
    pub argv0: Option<String>,
    /// The arguments after `argv[0]`.
    pub args: Vec<String>,
    /// The target of `/proc/self/exe`, when it could be read.
    pub executable: Option<String>,
    /// Whether the probe was started as `/cnab/app/run` (by `argv[0]` or by
    /// its executable path).
    pub entrypoint_is_run: bool,
    /// The user and group the probe runs as, when they could be read.
    pub uid: Option<u32>,
    /// See [`Observation::uid`].
    pub gid: Option<u32>,
    /// Every `CNAB_*` variable, plus every variable the bundle declares as a
    /// parameter or credential destination, plus every variable the
    /// directions name; only those that are set.
    pub env: BTreeMap<String, String>,
    /// The names of all environment variables that were set, values omitted.
    pub env_names: Vec<String>,
    /// The files at the well-known CNAB paths, the declared parameter and
    /// credential paths and the paths the directions name, keyed by the path
    /// as declared.
    pub files: BTreeMap<String, FileRecord>,
    /// The directions the probe followed, as found in the bundle.
    pub directions: Directions,
    /// The outputs the probe wrote, by name.
    pub outputs_written: Vec<String>,
    /// Anything that went wrong while observing or acting, in words.
    pub problems: Vec<String>,
    /// The exit code the probe ends with.
    pub exit_code: i32,
}

/// What the probe found at one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// What is there: `file`, `dir`, `symlink`, `other` or `missing`.
    pub kind: String,
    /// The permission bits (the low 12 bits of `st_mode`).
    pub mode: Option<u32>,
    /// The owner.
    pub uid: Option<u32>,
    /// The owning group.
    pub gid: Option<u32>,
    /// The size in bytes.
    pub size: Option<u64>,
    /// The content when it is UTF-8 text (regular files only).
    pub text: Option<String>,
    /// The content in standard base64 when it is not UTF-8 text.
    pub base64: Option<String>,
    /// Whether the content was cut at [`crate::probe::MAX_FILE_BYTES`].
    pub truncated: bool,
    /// Why the path could not be read, when it could not.
    pub error: Option<String>,
}

impl FileRecord {
    /// Whether something exists at the path.
    pub fn exists(&self) -> bool {
        self.kind != "missing"
    }

    /// The content as bytes, decoding base64 when needed.
    pub fn content(&self) -> Option<Vec<u8>> {
        if let Some(text) = &self.text {
            return Some(text.as_bytes().to_vec());
        }
        self.base64.as_deref().and_then(crate::base64::decode)
    }
}

/// What the bundle told the probe to do for one action.
///
/// They live in the bundle at `custom["io.cnab-conformance.probe"]`, an
/// object keyed by action name; the key `*` applies to any action without its
/// own entry.
/// Each entry may have `outputs` (name to content, written to
/// `/cnab/app/outputs/NAME`), `exitCode` (an integer), `env` (extra variable
/// names to record), `files` (extra paths to record), `stdout` and `stderr`
/// (text printed before the observation) and `hang` (when true, the probe
/// does not exit after printing, so that a runtime's timeout can be seen).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Directions {
    /// Outputs to write, by name.
    pub outputs: BTreeMap<String, String>,
    /// The exit code to end with.
    pub exit_code: i32,
    /// Extra environment variables to record.
    pub env: Vec<String>,
    /// Extra paths to record.
    pub files: Vec<String>,
    /// Text to print on stdout before the observation.
    pub stdout: Option<String>,
    /// Text to print on stderr.
    pub stderr: Option<String>,
    /// Whether to stay alive after printing the observation until killed.
    pub hang: bool,
}
