//! The runtime adapter protocol, version 1 (`cnab-conformance-adapter/1`).
//!
//! An adapter is an executable called with a verb (`info`, `run`, `claims`,
//! `cleanup`). It reads one JSON request on stdin and writes one JSON response
//! on stdout. `docs/adapter-protocol.md` is the normative description; these
//! types are its Rust form. Readers are tolerant: unknown fields are ignored so
//! that a later minor addition does not break older harnesses.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol identifier every request and response carries.
pub const PROTOCOL: &str = "cnab-conformance-adapter/1";

/// The capabilities a runtime may declare in `info`.
///
/// A case that requires a capability the runtime does not declare is skipped.
pub const KNOWN_CAPABILITIES: &[(&str, &str)] = &[
    (
        "command-driver",
        "the runtime can hand operations to a cnab-go style command driver (`cnab-<name>` on PATH)",
    ),
    (
        "docker-driver",
        "the runtime runs invocation images in Docker containers, so the probe image reports what it saw inside (`run --driver docker`)",
    ),
    (
        "custom-actions",
        "the runtime runs custom actions declared in `actions`, including stateless ones",
    ),
    (
        "claims",
        "the runtime implements CNAB Claims and can list the claims it stored (`claims` verb)",
    ),
    (
        "outputs",
        "the runtime collects outputs and reports their values in `run` responses",
    ),
    (
        "parameter-validation",
        "the runtime validates supplied parameter values against their definitions (informational: the validation cases run whatever a runtime declares, validation being a MUST)",
    ),
];

/// Whether `name` is a capability this protocol version defines.
pub fn is_known_capability(name: &str) -> bool {
    KNOWN_CAPABILITIES.iter().any(|(n, _)| *n == name)
}

/// Response to `info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfoResponse {
    /// Must equal [`PROTOCOL`].
    pub protocol: String,
    /// The runtime's name (`porter`, `reference`).
    pub name: String,
    /// The runtime's version.
    pub version: String,
    /// Spec versions the runtime claims (`cnab-core-1.2.0`, `cnab-claims-1.0.0`).
    #[serde(default)]
    pub spec_versions: Vec<String>,
    /// Capabilities from [`KNOWN_CAPABILITIES`]; unknown names are ignored.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The claim model the runtime writes, one of [`CLAIMS_FORMATS`]; absent
    /// means `cnab-claims-1.0.0`. Only read with `claims`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims_format: Option<String>,
}

impl InfoResponse {
    /// The claims format the runtime declares (CNAB Claims 1.0.0 unless it
    /// says otherwise); `Err` names a format this protocol does not define.
    pub fn claims_format(&self) -> Result<ClaimsFormat, String> {
        match self.claims_format.as_deref() {
            None => Ok(ClaimsFormat::Claims1_0_0),
            Some(name) => CLAIMS_FORMATS
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, f, _)| *f)
                .ok_or_else(|| {
                    format!(
                        "the runtime declares claims format `{name}`, which this suite does not know (known: {})",
                        CLAIMS_FORMATS
                            .iter()
                            .map(|(n, _, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
        }
    }
}

/// The claim model a runtime writes, declared in `info` (`claims_format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ClaimsFormat {
    /// CNAB Claims 1.0.0: claims with `id` and `action`, results in their
    /// own documents.
    #[default]
    Claims1_0_0,
    /// The claim model of CNAB Core 1.0.0: one claim per installation,
    /// named by `name`, with its `result` embedded (status `success`,
    /// `failure`, `underway`, `unknown`).
    Core1_0_0,
    /// The claim model of CNAB Core 1.0.1: as Core 1.0.0, with the
    /// installation in `installation`.
    Core1_0_1,
}

/// The claims formats `info` may declare: name, format, what it is.
pub const CLAIMS_FORMATS: &[(&str, ClaimsFormat, &str)] = &[
    (
        "cnab-claims-1.0.0",
        ClaimsFormat::Claims1_0_0,
        "CNAB Claims 1.0.0 (the default)",
    ),
    (
        "cnab-core-1.0.0",
        ClaimsFormat::Core1_0_0,
        "the claim model of CNAB Core 1.0.0 (`claim.schema.json` of that release)",
    ),
    (
        "cnab-core-1.0.1",
        ClaimsFormat::Core1_0_1,
        "the claim model of CNAB Core 1.0.1 (`claim.schema.json` of that release)",
    ),
];

impl ClaimsFormat {
    /// Its name in `info`.
    pub fn name(self) -> &'static str {
        CLAIMS_FORMATS
            .iter()
            .find(|(_, f, _)| *f == self)
            .map(|(n, _, _)| *n)
            .expect("every format is listed")
    }

    /// Whether it is the Core 1.0.x model (result embedded, no `id`).
    pub fn is_legacy(self) -> bool {
        self != ClaimsFormat::Claims1_0_0
    }
}

/// `driver.kind` of a `run` request: hand the operation to the command
/// driver named by `driver.name`.
pub const DRIVER_KIND_COMMAND: &str = "command";
/// `driver.kind` of a `run` request: run the invocation image in a Docker
/// container on the engine the suite watches (`DOCKER_HOST`).
pub const DRIVER_KIND_DOCKER: &str = "docker";

fn default_driver_kind() -> String {
    DRIVER_KIND_COMMAND.to_string()
}

/// How the runtime must reach the invocation image: the command driver the
/// harness provides, or its own Docker driver on the engine the suite
/// watches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverInfo {
    /// `command` (the default, also when absent: older suites did not send
    /// it) or `docker`.
    #[serde(default = "default_driver_kind")]
    pub kind: String,
    /// The driver name; with `kind` `command` the executable is
    /// `cnab-<name>`; with `docker` it is `docker`.
    pub name: String,
    /// The directory holding `cnab-<name>`; it must be on the runtime's PATH.
    pub path: PathBuf,
    /// Variables the runtime's environment must carry (they reach the driver
    /// because cnab-go passes its own environment through).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// Request for `run`: perform one action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// Must equal [`PROTOCOL`].
    pub protocol: String,
    /// Path of the bundle.json to act on (a thin bundle file).
    pub bundle: PathBuf,
    /// The action (`install`, `upgrade`, `uninstall` or a custom action).
    pub action: String,
    /// The installation name.
    pub installation: String,
    /// Parameter values supplied by the user, typed as JSON.
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    /// Credential values supplied by the user.
    #[serde(default)]
    pub credentials: BTreeMap<String, String>,
    /// The command driver to use.
    pub driver: DriverInfo,
    /// A directory private to this case: the runtime may keep its state here.
    pub workdir: PathBuf,
}

/// What the runtime did with a `run` request: the same value the run
/// report records as each step's outcome.
pub use cnab_report::ActionOutcome;

/// Response to `run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResponse {
    /// Must equal [`PROTOCOL`].
    pub protocol: String,
    /// The outcome.
    pub outcome: ActionOutcome,
    /// The runtime's message (its error text on failure).
    #[serde(default)]
    pub message: String,
    /// The claim the runtime wrote for this operation, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Value>,
    /// The claim result the runtime wrote, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Output values the runtime collected, by output name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<BTreeMap<String, String>>,
}

/// Request for `claims` and `cleanup`: one installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstallationRequest {
    /// Must equal [`PROTOCOL`].
    pub protocol: String,
    /// The installation name.
    pub installation: String,
    /// The same directory given to `run`.
    pub workdir: PathBuf,
}

/// Response to `claims`: every stored claim and result of an installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimsResponse {
    /// Must equal [`PROTOCOL`].
    pub protocol: String,
    /// Stored claims, oldest first.
    #[serde(default)]
    pub claims: Vec<Value>,
    /// Stored claim results, oldest first.
    #[serde(default)]
    pub results: Vec<Value>,
}

/// Response to `cleanup`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleanupResponse {
    /// Must equal [`PROTOCOL`].
    pub protocol: String,
}

/// A response an adapter sends instead of the normal one when it broke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Must equal [`PROTOCOL`].
    pub protocol: String,
    /// What went wrong in the adapter (not in the runtime).
    pub error: String,
}
