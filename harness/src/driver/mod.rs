//! The driver seam: how a runtime hands an operation to an invocation image,
//! and how the suite sees what reached the image.
//!
//! [`Driver`] is what the reference runtime talks to. [`CommandDriver`] speaks
//! cnab-go's command-driver protocol (an executable `cnab-<name>`, operation
//! JSON on stdin, outputs under `$CNAB_OUTPUT_DIR`); the suite plays that
//! executable itself ([`observer`]). [`DockerDriver`] runs real containers of
//! the probe image; when the runtime under test runs them itself, the
//! [`EngineObserver`] watches the engine for them ([`engine`]). Either way, what reached the image is written as one
//! [`OperationRecord`] line per operation, and [`DriverKind`], chosen once at
//! the start of a run, says which of the two the run uses.

pub mod command;
pub mod confine;
pub mod docker;
pub mod engine;
pub mod observer;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use command::{CommandDriver, OperationDialect};
pub use docker::{
    DockerDriver, DockerMode, EngineHandle, ProbeTarget, DOCKER_DRIVER_NAME, ENV_RUN_ID,
};
pub use engine::{EngineObserver, StepWatch};
pub use observer::{
    read_records, OperationRecord, ENV_OBSERVATIONS, ENV_SCRIPT, OBSERVER_DRIVER_NAME,
};

/// The image reference put in bundle templates for the command-driver path.
pub const OBSERVER_IMAGE: &str = "localhost:5000/cnab-conformance/observer:v1";

/// How a run reaches invocation images, decided once when the run starts and
/// passed down to every case and step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DriverKind {
    /// The suite plays cnab-go's command driver; no container runs.
    #[default]
    Command,
    /// Real containers of the probe image through the Docker engine.
    Docker(DockerMode),
}

impl DriverKind {
    /// What the Docker path needs, on the Docker path.
    pub fn docker(&self) -> Option<&DockerMode> {
        match self {
            DriverKind::Command => None,
            DriverKind::Docker(mode) => Some(mode),
        }
    }

    /// The driver name the runtime is told to use.
    pub fn driver_name(&self) -> &'static str {
        match self {
            DriverKind::Command => OBSERVER_DRIVER_NAME,
            DriverKind::Docker(_) => DOCKER_DRIVER_NAME,
        }
    }

    /// The capability a runtime declares to be driven this way.
    pub fn capability(&self) -> &'static str {
        match self {
            DriverKind::Command => "command-driver",
            DriverKind::Docker(_) => "docker-driver",
        }
    }

    /// How the run report names the observer: `command-driver`, `docker`
    /// (the suite's own container driver) or `docker-engine` (the engine
    /// observer, watching containers the runtime runs).
    pub fn observer(&self) -> &'static str {
        match self {
            DriverKind::Command => "command-driver",
            DriverKind::Docker(m) if m.engine.is_some() => "docker-engine",
            DriverKind::Docker(_) => "docker",
        }
    }

    /// The kind of driver the `run` request asks the runtime to use
    /// (`driver.kind`): `command` or `docker`.
    pub fn request_kind(&self) -> &'static str {
        match self {
            DriverKind::Command => crate::adapter::protocol::DRIVER_KIND_COMMAND,
            DriverKind::Docker(_) => crate::adapter::protocol::DRIVER_KIND_DOCKER,
        }
    }

    /// The engine observer of this run, when it has one.
    pub fn engine_observer(&self) -> Option<&EngineObserver> {
        self.docker()
            .and_then(|m| m.engine.as_ref())
            .map(|h| h.0.as_ref())
    }

    /// The invocation image for `{{image}}` and its digest for `{{digest}}`:
    /// the probe image on the Docker path; on the command-driver path, where
    /// no image exists, [`OBSERVER_IMAGE`] and [`observer_digest`].
    pub fn image_and_digest(&self) -> (String, String) {
        match self {
            DriverKind::Command => (OBSERVER_IMAGE.to_string(), observer_digest()),
            DriverKind::Docker(mode) => (mode.probe.reference.clone(), mode.probe.digest.clone()),
        }
    }
}

/// A well-formed digest for `{{digest}}` on the command-driver path, where
/// no image exists: the sha256 of the observer's image reference.
pub fn observer_digest() -> String {
    use sha2::Digest;
    format!(
        "sha256:{}",
        hex::encode(sha2::Sha256::digest(OBSERVER_IMAGE.as_bytes()))
    )
}

/// One operation, in the JSON shape cnab-go's command driver writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The installation name.
    pub installation_name: String,
    /// The revision (`CNAB_REVISION`).
    pub revision: String,
    /// The action.
    pub action: String,
    /// Resolved parameter values by name.
    pub parameters: BTreeMap<String, Value>,
    /// The invocation image object from the bundle.
    pub image: Value,
    /// Variables to set in the image.
    pub environment: BTreeMap<String, String>,
    /// Files to place in the image (absolute path to content).
    pub files: BTreeMap<String, String>,
    /// Outputs to collect (image path to output name).
    pub outputs: BTreeMap<String, String>,
    /// The whole bundle (cnab-go spells this key with a capital B).
    #[serde(rename = "Bundle")]
    pub bundle: Value,
}

/// What came back from running an operation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationResult {
    /// The image's exit code; `None` when it was killed or never exited.
    pub exit_code: Option<i32>,
    /// Collected outputs by name (only those present).
    pub outputs: BTreeMap<String, String>,
    /// Problems met while collecting outputs.
    pub notes: Vec<String>,
    /// The image's stdout (bounded).
    pub stdout: String,
    /// The image's stderr (bounded).
    pub stderr: String,
}

/// Whether the driver could check an image against its `contentDigest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestCheck {
    /// The image matches.
    Verified,
    /// The image does not match; the text says how.
    Mismatch(String),
    /// This driver cannot see image digests.
    NotVisible,
    /// The image has no `contentDigest`, so there is nothing to check.
    Absent,
    /// The driver could not check the image (it is not available, the engine
    /// failed); the text says why.
    Failed(String),
}

/// Errors from a driver.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The driver executable was not found.
    #[error("driver `cnab-{0}` not found on PATH")]
    NotFound(String),
    /// The driver could not be started.
    #[error("cannot start driver {path}: {source}")]
    Spawn {
        /// The executable.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The driver did not finish in time.
    #[error("driver timed out after {0:?}")]
    Timeout(Duration),
    /// Another I/O problem.
    #[error("driver i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The Docker engine failed or refused.
    #[error("docker: {0}")]
    Docker(String),
    /// Ctrl-C arrived while the image ran; its container was removed.
    #[error("interrupted; the container was removed")]
    Interrupted,
}

/// How a runtime reaches an invocation image.
pub trait Driver {
    /// The image types this driver handles (`docker`, `oci`).
    fn handles(&self) -> Result<Vec<String>, DriverError>;
    /// Checks the image against its `contentDigest`, when the driver can.
    fn verify_digest(&self, image: &Value) -> DigestCheck;
    /// Runs one operation.
    fn run(&self, op: &Operation) -> Result<OperationResult, DriverError>;
}
