//! The driver seam: how a runtime hands an operation to an invocation image.
//!
//! [`Driver`] is what the reference runtime talks to. [`CommandDriver`] speaks
//! cnab-go's command-driver protocol (an executable `cnab-<name>`, operation
//! JSON on stdin, outputs under `$CNAB_OUTPUT_DIR`).
//! [`crate::docker_driver::DockerDriver`] runs real containers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::confine;
use crate::process;

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

/// The largest output value or stream kept.
const CAP: usize = 16 << 20;

/// cnab-go's command driver: runs `cnab-<name>` found on a search path.
#[derive(Debug, Clone)]
pub struct CommandDriver {
    program: PathBuf,
    env: BTreeMap<String, String>,
    workdir: PathBuf,
    timeout: Duration,
}

impl CommandDriver {
    /// Finds `cnab-<name>` in `dirs` (searched first) then in `PATH`.
    /// `env` is the runtime's own environment, passed to the driver as is.
    pub fn locate(
        name: &str,
        dirs: &[PathBuf],
        env: BTreeMap<String, String>,
        workdir: &Path,
        timeout: Duration,
    ) -> Result<CommandDriver, DriverError> {
        let exe = format!("cnab-{}", name.to_lowercase());
        let path_dirs = env
            .get("PATH")
            .map(|p| std::env::split_paths(p).collect::<Vec<_>>())
            .unwrap_or_default();
        let found = dirs
            .iter()
            .chain(path_dirs.iter())
            .map(|d| d.join(&exe))
            .find(|p| p.is_file());
        match found {
            Some(program) => Ok(CommandDriver {
                program,
                env,
                workdir: workdir.to_path_buf(),
                timeout,
            }),
            None => Err(DriverError::NotFound(name.to_string())),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.env_clear().envs(&self.env).current_dir(&self.workdir);
        cmd
    }
}

impl Driver for CommandDriver {
    fn handles(&self) -> Result<Vec<String>, DriverError> {
        let mut cmd = self.command();
        cmd.arg("--handles");
        let out =
            process::run(cmd, b"", self.timeout, CAP).map_err(|source| DriverError::Spawn {
                path: self.program.clone(),
                source,
            })?;
        if out.timed_out {
            return Err(DriverError::Timeout(self.timeout));
        }
        if !out.status.is_some_and(|s| s.success()) {
            // cnab-go reads a failing `--handles` as "handles nothing".
            return Ok(Vec::new());
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .trim()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect())
    }

    fn verify_digest(&self, _image: &Value) -> DigestCheck {
        DigestCheck::NotVisible
    }

    fn run(&self, op: &Operation) -> Result<OperationResult, DriverError> {
        let mut cmd = self.command();
        let mut added: Vec<&str> = Vec::new();
        for (k, v) in &op.environment {
            cmd.env(k, v);
            added.push(k);
        }
        let outdir = if op.outputs.is_empty() {
            None
        } else {
            let d = tempfile::Builder::new()
                .prefix("cnab-command-driver-outputs")
                .tempdir()?;
            cmd.env("CNAB_OUTPUT_DIR", d.path());
            Some(d)
        };
        cmd.env("CNAB_VARS", added.join(","));
        let input = serde_json::to_vec(op).expect("an operation serializes");
        let out =
            process::run(cmd, &input, self.timeout, CAP).map_err(|source| DriverError::Spawn {
                path: self.program.clone(),
                source,
            })?;
        if out.timed_out {
            return Err(DriverError::Timeout(self.timeout));
        }
        let mut result = OperationResult {
            exit_code: out.status.and_then(|s| s.code()),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
            ..OperationResult::default()
        };
        if let Some(d) = &outdir {
            for (path, name) in &op.outputs {
                match confine::read(d.path(), path, CAP as u64) {
                    Ok(bytes) => {
                        result
                            .outputs
                            .insert(name.clone(), String::from_utf8_lossy(&bytes).to_string());
                    }
                    Err(confine::ConfineError::Missing(_)) => {}
                    Err(e) => result.notes.push(format!("output {name}: {e}")),
                }
            }
        }
        Ok(result)
    }
}
