//! cnab-go's command driver: an executable `cnab-<name>` found on a search
//! path gets the operation JSON on stdin and writes outputs under
//! `$CNAB_OUTPUT_DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::confine;
use super::{DigestCheck, Driver, DriverError, Operation, OperationResult};
use crate::adapter::process;

/// The largest output value or stream kept.
const CAP: usize = 16 << 20;

/// cnab-go's command driver: runs `cnab-<name>` found on a search path.
#[derive(Debug, Clone)]
pub struct CommandDriver {
    program: PathBuf,
    env: BTreeMap<String, String>,
    workdir: PathBuf,
    timeout: Duration,
    dialect: OperationDialect,
}

/// The operation JSON a cnab-go version writes to the driver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OperationDialect {
    /// cnab-go after v0.6: `outputs` maps image path to output name, and
    /// `CNAB_OUTPUT_DIR` is set when outputs are expected.
    #[default]
    Current,
    /// cnab-go v0.6 and older: `outputs` is a list of image paths, no
    /// `CNAB_OUTPUT_DIR` is set, and no output is collected on this seam.
    V0_6,
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
                dialect: OperationDialect::default(),
            }),
            None => Err(DriverError::NotFound(name.to_string())),
        }
    }

    /// The same driver, writing operations in `dialect`.
    pub fn with_dialect(mut self, dialect: OperationDialect) -> CommandDriver {
        self.dialect = dialect;
        self
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
        if out.interrupted.is_some() {
            return Err(DriverError::Interrupted);
        }
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
        let outdir = if op.outputs.is_empty() || self.dialect == OperationDialect::V0_6 {
            None
        } else {
            let d = tempfile::Builder::new()
                .prefix("cnab-command-driver-outputs")
                .tempdir()?;
            cmd.env("CNAB_OUTPUT_DIR", d.path());
            Some(d)
        };
        cmd.env("CNAB_VARS", added.join(","));
        let input = match self.dialect {
            OperationDialect::Current => serde_json::to_vec(op),
            OperationDialect::V0_6 => {
                let mut v = serde_json::to_value(op).expect("an operation serializes");
                v["outputs"] = Value::from(op.outputs.keys().cloned().collect::<Vec<_>>());
                serde_json::to_vec(&v)
            }
        }
        .expect("an operation serializes");
        let out =
            process::run(cmd, &input, self.timeout, CAP).map_err(|source| DriverError::Spawn {
                path: self.program.clone(),
                source,
            })?;
        if out.interrupted.is_some() {
            return Err(DriverError::Interrupted);
        }
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
