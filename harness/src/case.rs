//! Runtime cases: data describing what to ask a runtime and what to expect.
//!
//! Case files live in `cases/runtime/`, one file per family, each holding a
//! list of cases (`cases/runtime/README.md` documents the format and
//! `cases/runtime/case.schema.json` describes it). They are embedded in the
//! binary at build time; `load_dir` reads another directory instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use cnab_model::{Catalog, CheckKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::protocol::is_known_capability;

include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));

/// The JSON Schema of a case file.
pub const CASE_SCHEMA: &str = include_str!("../../cases/runtime/case.schema.json");

/// The placeholder replaced by the installation name the harness picks.
pub const PLACEHOLDER_INSTALLATION: &str = "{{installation}}";
/// The placeholder replaced by the invocation image reference.
pub const PLACEHOLDER_IMAGE: &str = "{{image}}";
/// The placeholder replaced by the invocation image's real repository digest
/// (Docker mode; a fixed well-formed digest with the command driver).
pub const PLACEHOLDER_DIGEST: &str = "{{digest}}";

/// One case file: a family of cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The family name (`parameters`, `outputs`, ...).
    pub family: String,
    /// What the family covers.
    pub description: String,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One conformance case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable ID, unique across all files (`params.default-used`).
    pub id: String,
    /// What the case shows, one sentence.
    pub description: String,
    /// The spec version of the bundle (`cnab-core-1.2.0`); a runtime that does
    /// not declare it skips the case.
    pub spec: String,
    /// Capabilities needed beyond those the steps imply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The bundle template; string values may hold placeholders.
    pub bundle: Value,
    /// The steps, run in order against one installation.
    pub steps: Vec<Step>,
}

/// One action against the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The action to run.
    pub action: String,
    /// A bundle template replacing the case's bundle from this step on
    /// (for example a new version for an upgrade).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<Value>,
    /// The installation name; defaults to the case's own installation.
    #[serde(default = "default_installation")]
    pub installation: String,
    /// Parameter values supplied by the user.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Value>,
    /// Credential values supplied by the user.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credentials: BTreeMap<String, String>,
    /// What the invocation image does in this step.
    #[serde(default)]
    pub image: ImageScript,
    /// What must be observed.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

fn default_installation() -> String {
    PLACEHOLDER_INSTALLATION.to_string()
}

/// Directions for the invocation image (played by the observer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageScript {
    /// Outputs to write, by output name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, String>,
    /// The exit code.
    #[serde(default)]
    pub exit_code: i32,
}

/// The outcome a step must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpectedOutcome {
    /// The runtime reports success.
    Succeeded,
    /// The runtime reports an error after the image ran.
    Failed,
    /// The runtime reports an error and the image never ran.
    Refused,
    /// The runtime reports an error, whether or not the image ran.
    Error,
}

impl ExpectedOutcome {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedOutcome::Succeeded => "succeeded",
            ExpectedOutcome::Failed => "failed",
            ExpectedOutcome::Refused => "refused",
            ExpectedOutcome::Error => "error",
        }
    }
}

/// Whether the revision of a step is new or the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevisionChange {
    /// Differs from every revision seen earlier in the case.
    New,
    /// Equals the revision of the previous step that ran the image.
    Same,
}

/// One expectation, tied to the clauses it checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// The runtime's outcome.
    Outcome {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The outcome.
        is: ExpectedOutcome,
    },
    /// An environment variable reached the image with this value.
    Env {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The variable.
        name: String,
        /// Its value.
        equals: String,
        /// Also hold when the runtime refused the action (the image did not
        /// run and an error was reported): for rules a refusal satisfies.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        or_refused: bool,
    },
    /// An environment variable did not reach the image.
    EnvAbsent {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The variable.
        name: String,
    },
    /// A file reached the image with this content.
    File {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// Absolute path in the image.
        path: String,
        /// Its content.
        equals: String,
    },
    /// A file did not reach the image.
    FileAbsent {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// Absolute path in the image.
        path: String,
    },
    /// A file holds exactly the bytes of the bundle given to the runtime.
    FileIsBundle {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// Absolute path in the image.
        path: String,
    },
    /// A file holds the claim of this operation: valid JSON whose action,
    /// installation and revision match what the image was told.
    FileIsCurrentClaim {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// Absolute path in the image.
        path: String,
    },
    /// The runtime asked the image for this output (or did not).
    OutputRequested {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The output name.
        name: String,
        /// Whether it must be requested.
        is: bool,
    },
    /// The runtime reports this output value.
    Output {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The output name.
        name: String,
        /// Its value.
        equals: String,
    },
    /// The runtime reports no value for this output.
    OutputAbsent {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The output name.
        name: String,
    },
    /// `CNAB_REVISION` is new, or the same as before.
    Revision {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The change.
        is: RevisionChange,
    },
    /// A variable holds the revision of the previous step that ran the image.
    EnvPreviousRevision {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The variable (`CNAB_LAST_REVISION`).
        name: String,
    },
    /// `CNAB_REVISION` is a ULID.
    RevisionIsUlid {
        /// Clauses this checks.
        clauses: Vec<String>,
    },
    /// After the step the runtime stores this many claims for the installation.
    ClaimsStored {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The count.
        count: usize,
    },
    /// The claim the runtime reports for this step validates against the
    /// CNAB Claims 1.0.0 schema and uses ULIDs and RFC 3339 timestamps.
    ClaimValid {
        /// Clauses this checks.
        clauses: Vec<String>,
    },
    /// A field of the reported claim (JSON Pointer) has this value.
    ClaimField {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// JSON Pointer into the claim.
        pointer: String,
        /// The value.
        equals: Value,
    },
    /// The last stored claim result has this status.
    ResultStatus {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The status (`succeeded`, `failed`).
        equals: String,
    },
    /// The invocation image the runtime ran has this `image` reference.
    ImageIs {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The image reference.
        equals: String,
    },
    /// The runtime still stores a claim for this action, with its result.
    ClaimRetained {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The action of the claim.
        action: String,
    },
    /// The runtime's message does not mention this text.
    MessageLacks {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The text.
        text: String,
    },
    /// The runtime's message mentions this text.
    MessageContains {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The text.
        text: String,
    },
    /// This text appears in no claim or result the runtime reports or stores.
    AbsentFromClaims {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The secret text.
        text: String,
    },
    /// Inside the container, the probe saw this variable with this value.
    ProbeEnv {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The variable.
        name: String,
        /// Its value.
        equals: String,
    },
    /// Inside the container, the probe found this path as described.
    ProbeFile {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// Absolute path in the container.
        path: String,
        /// What must be there: `file`, `dir`, `symlink`, `other` or
        /// `missing` (default `file`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        /// Its content, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        equals: Option<String>,
        /// Its permission bits in octal (`"0600"`), when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<String>,
    },
    /// Inside the container, this file holds the bundle given to the
    /// runtime, byte for byte.
    ProbeFileIsBundle {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// Absolute path in the container.
        path: String,
    },
    /// The container was started with this program as its entry point.
    ProbeEntrypoint {
        /// Clauses this checks.
        clauses: Vec<String>,
        /// The program's path (`/cnab/app/run`).
        path: String,
    },
}

impl Expectation {
    /// The clauses this expectation checks.
    pub fn clauses(&self) -> &[String] {
        match self {
            Expectation::Outcome { clauses, .. }
            | Expectation::Env { clauses, .. }
            | Expectation::EnvAbsent { clauses, .. }
            | Expectation::File { clauses, .. }
            | Expectation::FileAbsent { clauses, .. }
            | Expectation::FileIsBundle { clauses, .. }
            | Expectation::FileIsCurrentClaim { clauses, .. }
            | Expectation::OutputRequested { clauses, .. }
            | Expectation::Output { clauses, .. }
            | Expectation::OutputAbsent { clauses, .. }
            | Expectation::Revision { clauses, .. }
            | Expectation::RevisionIsUlid { clauses }
            | Expectation::EnvPreviousRevision { clauses, .. }
            | Expectation::ClaimsStored { clauses, .. }
            | Expectation::ClaimValid { clauses }
            | Expectation::ClaimField { clauses, .. }
            | Expectation::ResultStatus { clauses, .. }
            | Expectation::MessageContains { clauses, .. }
            | Expectation::ImageIs { clauses, .. }
            | Expectation::ClaimRetained { clauses, .. }
            | Expectation::MessageLacks { clauses, .. }
            | Expectation::AbsentFromClaims { clauses, .. }
            | Expectation::ProbeEnv { clauses, .. }
            | Expectation::ProbeFile { clauses, .. }
            | Expectation::ProbeFileIsBundle { clauses, .. }
            | Expectation::ProbeEntrypoint { clauses, .. } => clauses,
        }
    }

    /// The capability this expectation needs, if any.
    pub fn capability(&self) -> Option<&'static str> {
        match self {
            Expectation::ClaimsStored { .. }
            | Expectation::ClaimValid { .. }
            | Expectation::ClaimField { .. }
            | Expectation::ResultStatus { .. }
            | Expectation::ClaimRetained { .. }
            | Expectation::AbsentFromClaims { .. } => Some("claims"),
            Expectation::Output { .. } | Expectation::OutputAbsent { .. } => Some("outputs"),
            Expectation::ProbeEnv { .. }
            | Expectation::ProbeFile { .. }
            | Expectation::ProbeFileIsBundle { .. }
            | Expectation::ProbeEntrypoint { .. } => Some("docker-driver"),
            _ => None,
        }
    }

    /// A short human description of the check.
    pub fn describe(&self) -> String {
        match self {
            Expectation::Outcome { is, .. } => format!("outcome is {}", is.as_str()),
            Expectation::Env {
                name,
                equals,
                or_refused,
                ..
            } => {
                if *or_refused {
                    format!("env {name} = {equals:?}, or the action is refused")
                } else {
                    format!("env {name} = {equals:?}")
                }
            }
            Expectation::EnvAbsent { name, .. } => format!("env {name} is not set"),
            Expectation::File { path, equals, .. } => format!("file {path} holds {equals:?}"),
            Expectation::FileAbsent { path, .. } => format!("file {path} is not injected"),
            Expectation::FileIsBundle { path, .. } => {
                format!("file {path} is the bundle, byte for byte")
            }
            Expectation::FileIsCurrentClaim { path, .. } => {
                format!("file {path} is the claim of this operation")
            }
            Expectation::OutputRequested { name, is, .. } => {
                if *is {
                    format!("output {name} is collected for this action")
                } else {
                    format!("output {name} is not collected for this action")
                }
            }
            Expectation::Output { name, equals, .. } => format!("output {name} = {equals:?}"),
            Expectation::OutputAbsent { name, .. } => format!("output {name} is not reported"),
            Expectation::Revision { is, .. } => match is {
                RevisionChange::New => "CNAB_REVISION is a new revision".to_string(),
                RevisionChange::Same => "CNAB_REVISION is the previous revision".to_string(),
            },
            Expectation::RevisionIsUlid { .. } => "CNAB_REVISION is a ULID".to_string(),
            Expectation::EnvPreviousRevision { name, .. } => {
                format!("env {name} is the previous revision")
            }
            Expectation::ClaimsStored { count, .. } => {
                format!("{count} claim(s) stored for the installation")
            }
            Expectation::ClaimValid { .. } => {
                "the claim is a valid CNAB Claims 1.0.0 claim".to_string()
            }
            Expectation::ClaimField {
                pointer, equals, ..
            } => format!("claim {pointer} = {equals}"),
            Expectation::ResultStatus { equals, .. } => format!("claim result status is {equals}"),
            Expectation::ImageIs { equals, .. } => format!("the image run is {equals:?}"),
            Expectation::ClaimRetained { action, .. } => {
                format!("a claim for {action:?} and its result are still stored")
            }
            Expectation::MessageLacks { text, .. } => {
                format!("the runtime's message does not mention {text:?}")
            }
            Expectation::MessageContains { text, .. } => {
                format!("the runtime's message mentions {text:?}")
            }
            Expectation::AbsentFromClaims { text, .. } => {
                format!("{text:?} appears in no claim or claim result")
            }
            Expectation::ProbeEnv { name, equals, .. } => {
                format!("inside the container, env {name} = {equals:?}")
            }
            Expectation::ProbeFile {
                path,
                kind,
                equals,
                mode,
                ..
            } => {
                let mut s = format!(
                    "inside the container, {path} is a {}",
                    kind.as_deref().unwrap_or("file")
                );
                if let Some(m) = mode {
                    s.push_str(&format!(" with mode {m}"));
                }
                if let Some(e) = equals {
                    s.push_str(&format!(" holding {e:?}"));
                }
                s
            }
            Expectation::ProbeFileIsBundle { path, .. } => {
                format!("inside the container, {path} is the bundle, byte for byte")
            }
            Expectation::ProbeEntrypoint { path, .. } => {
                format!("the container was started as {path}")
            }
        }
    }
}

impl Case {
    /// Every clause the case checks, sorted and unique.
    pub fn clauses(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self
            .steps
            .iter()
            .flat_map(|s| s.expect.iter().flat_map(|e| e.clauses()))
            .collect();
        set.into_iter().cloned().collect()
    }

    /// The capabilities the case needs: `command-driver` (how the suite
    /// observes), the declared ones, and those its steps imply.
    pub fn required_capabilities(&self) -> Vec<String> {
        self.required_capabilities_with("command-driver")
    }

    /// The capabilities the case needs when the suite observes through
    /// `observer` (`command-driver` or `docker-driver`): that one, the
    /// declared ones, and those its steps imply.
    pub fn required_capabilities_with(&self, observer: &str) -> Vec<String> {
        let mut set: BTreeSet<String> = self.requires.iter().cloned().collect();
        set.insert(observer.to_string());
        for s in &self.steps {
            if !is_builtin_action(&s.action) {
                set.insert("custom-actions".to_string());
            }
            for e in &s.expect {
                if let Some(c) = e.capability() {
                    set.insert(c.to_string());
                }
            }
        }
        set.into_iter().collect()
    }

    /// Whether the case checks `clause` or a clause starting with it.
    pub fn matches_clause(&self, prefix: &str) -> bool {
        self.clauses().iter().any(|c| c.starts_with(prefix))
    }
}

/// Whether the action is one of the three built-ins.
pub fn is_builtin_action(action: &str) -> bool {
    matches!(action, "install" | "upgrade" | "uninstall")
}

/// A case loaded from a named source.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// The file it came from.
    pub file: String,
    /// The family.
    pub family: String,
    /// The case.
    pub case: Case,
}

/// A problem found in a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseProblem {
    /// The file.
    pub file: String,
    /// The case ID, when known.
    pub case: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CaseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.case {
            Some(id) => write!(f, "{}: case `{id}`: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Errors reading case files from disk.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The directory or a file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// One or more files are broken.
    #[error("{} problem(s) in case files:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<CaseProblem>),
}

/// Reads every `*.json` case file of a directory (except the schema), sorted
/// by name, as (file name, text).
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, CaseError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CaseError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for e in entries {
        let e = e.map_err(|source| CaseError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.extension().is_some_and(|x| x == "json") && name != "case.schema.json" {
            let text = std::fs::read_to_string(&p).map_err(|source| CaseError::Io {
                path: p.clone(),
                source,
            })?;
            files.push((name, text));
        }
    }
    files.sort();
    Ok(files)
}

/// The embedded case files as (name, text).
pub fn embedded_files() -> Vec<(String, String)> {
    EMBEDDED_CASE_FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

/// Parses and checks case files: JSON Schema, serde shape, unique IDs, known
/// runtime clauses, known capabilities. Returns every case, or every problem.
pub fn load(files: &[(String, String)]) -> Result<Vec<LoadedCase>, CaseError> {
    let mut problems = Vec::new();
    let mut cases = Vec::new();
    let schema_value: Value =
        serde_json::from_str(CASE_SCHEMA).expect("embedded case schema is JSON, checked by tests");
    let validator = jsonschema::draft202012::new(&schema_value)
        .expect("embedded case schema compiles, checked by tests");
    for (name, text) in files {
        let problem = |case: Option<&str>, message: String| CaseProblem {
            file: name.clone(),
            case: case.map(str::to_string),
            message,
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(problem(None, format!("not JSON: {e}")));
                continue;
            }
        };
        let schema_errors: Vec<String> = validator
            .iter_errors(&value)
            .take(5)
            .map(|e| format!("schema: {} at `{}`", e, e.instance_path()))
            .collect();
        if !schema_errors.is_empty() {
            for m in schema_errors {
                problems.push(problem(None, m));
            }
            continue;
        }
        let file: CaseFile = match serde_json::from_value(value) {
            Ok(f) => f,
            Err(e) => {
                problems.push(problem(
                    None,
                    format!("does not match the case format: {e}"),
                ));
                continue;
            }
        };
        for case in file.cases {
            for m in check_case(&case) {
                problems.push(problem(Some(&case.id), m));
            }
            cases.push(LoadedCase {
                file: name.clone(),
                family: file.family.clone(),
                case,
            });
        }
    }
    let mut seen = BTreeMap::new();
    for c in &cases {
        if let Some(first) = seen.insert(c.case.id.clone(), c.file.clone()) {
            problems.push(CaseProblem {
                file: c.file.clone(),
                case: Some(c.case.id.clone()),
                message: format!("duplicate case id (first defined in {first})"),
            });
        }
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(CaseError::Invalid(problems))
    }
}

/// Loads and checks the embedded cases.
pub fn load_embedded() -> Result<Vec<LoadedCase>, CaseError> {
    load(&embedded_files())
}

fn is_case_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

/// Semantic checks the schema cannot express.
fn check_case(case: &Case) -> Vec<String> {
    let mut out = Vec::new();
    let catalog = Catalog::embedded();
    if !is_case_id(&case.id) {
        out.push("id must be dotted lowercase segments of [a-z0-9_-]".to_string());
    }
    match case.spec.parse::<cnab_model::SpecVersion>() {
        Err(_) => out.push(format!("unknown spec version `{}`", case.spec)),
        Ok(v) => {
            let want = format!("v{}", v.number());
            let bundles = std::iter::once(&case.bundle)
                .chain(case.steps.iter().filter_map(|s| s.bundle.as_ref()));
            for b in bundles {
                let got = b.get("schemaVersion").and_then(Value::as_str).unwrap_or("");
                if got != want {
                    out.push(format!(
                        "bundle schemaVersion `{got}` does not match the case's spec `{}`",
                        case.spec
                    ));
                }
            }
        }
    }
    for r in &case.requires {
        if !is_known_capability(r) {
            out.push(format!("unknown capability `{r}`"));
        }
    }
    if case.steps.is_empty() {
        out.push("has no steps".to_string());
    }
    if case.clauses().is_empty() {
        out.push("checks no clause".to_string());
    }
    let mut bundle = &case.bundle;
    for (i, s) in case.steps.iter().enumerate() {
        if let Some(b) = &s.bundle {
            bundle = b;
        }
        // Output names must be declared, or the case tests a typo.
        let declared = |name: &str| bundle.pointer(&format!("/outputs/{name}")).is_some();
        let mut names: Vec<&String> = s.image.outputs.keys().collect();
        for e in &s.expect {
            if let Expectation::Output { name, .. }
            | Expectation::OutputAbsent { name, .. }
            | Expectation::OutputRequested { name, .. } = e
            {
                names.push(name);
            }
        }
        for name in names {
            if name.contains('/') || name.contains('~') || !declared(name) {
                out.push(format!(
                    "step {}: output `{name}` is not declared in the bundle",
                    i + 1
                ));
            }
        }
        if s.expect.is_empty() {
            out.push(format!("step {} has no expectations", i + 1));
        }
        for e in &s.expect {
            if let Expectation::ProbeFile {
                mode: Some(m),
                kind,
                ..
            } = e
            {
                if m.is_empty() || u32::from_str_radix(m, 8).is_err() {
                    out.push(format!("step {}: mode {m:?} is not octal", i + 1));
                }
                if kind.as_deref() == Some("missing") {
                    out.push(format!("step {}: a missing path has no mode", i + 1));
                }
            }
        }
        for e in &s.expect {
            if e.clauses().is_empty() {
                out.push(format!(
                    "step {}: `{}` names no clause",
                    i + 1,
                    e.describe()
                ));
            }
            for c in e.clauses() {
                match catalog.get(c) {
                    None => out.push(format!("step {}: unknown clause `{c}`", i + 1)),
                    Some(cl) if cl.check == CheckKind::NotApplicable => out.push(format!(
                        "step {}: clause `{c}` cannot be checked (kind n-a)",
                        i + 1
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    out
}

/// Replaces placeholders in every string of a JSON value.
pub fn substitute(value: &Value, vars: &BTreeMap<&str, String>) -> Value {
    match value {
        Value::String(s) => {
            let mut s = s.clone();
            for (k, v) in vars {
                if s.contains(k) {
                    s = s.replace(k, v);
                }
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| substitute(v, vars)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), substitute(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Instantiates a case: placeholders in the bundle, steps and expectations are
/// replaced by `vars`.
pub fn instantiate(case: &Case, vars: &BTreeMap<&str, String>) -> Case {
    let value = serde_json::to_value(case).expect("a case serializes");
    serde_json::from_value(substitute(&value, vars)).expect("substitution keeps the case shape")
}

/// The version of the case suite (`cases/suite.json`), reported in every run.
pub fn suite_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let text = include_str!("../../cases/suite.json");
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("version")?.as_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string())
    })
}

#[cfg(test)]
mod suite_version_tests {
    #[test]
    fn the_suite_version_is_semver() {
        let v = super::suite_version();
        assert!(semver_like(v), "{v}");
    }

    fn semver_like(v: &str) -> bool {
        let core = v.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<&str> = core.split('.').collect();
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u64>().is_ok())
    }
}
