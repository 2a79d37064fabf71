//! The Docker driver: the reference runtime runs real containers.
//!
//! [`DockerDriver`] implements [`Driver`] over `cnab-docker`: it checks an
//! image against its `contentDigest` before anything is created, runs the
//! operation in a container with no network (files copied in, outputs copied
//! out, the container always removed), and records what happened as an
//! [`OperationRecord`] line in the file named by `CNAB_CONFORMANCE_OBSERVATIONS`,
//! just as the command-driver observer does, so every expectation reads the
//! same record. When the image is the probe, the record also carries what the
//! probe saw inside the container ([`OperationRecord::probe`]).
//!
//! [`prepare_probe_image`] builds the static probe, makes its image and
//! pushes it to the loopback registry once per run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cnab_docker::{DockerError, Engine, RunSpec};
use serde_json::Value;

use super::engine::EngineObserver;
use super::observer::{append_record, OperationRecord};
use super::{DigestCheck, Driver, DriverError, Operation, OperationResult};

/// The driver name the runner gives the reference runtime in Docker mode.
pub const DOCKER_DRIVER_NAME: &str = "docker";
/// The variable carrying the run ID put on every container's label.
pub const ENV_RUN_ID: &str = "CNAB_CONFORMANCE_RUN_ID";
/// The variable naming a prebuilt static probe binary (skips the build).
pub const ENV_PROBE_BINARY: &str = "CNAB_CONFORMANCE_PROBE";
/// The most bytes kept of each of the image's stdout and stderr.
const LOG_LIMIT: usize = 1 << 20;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether Ctrl-C arrived during a Docker run (see [`catch_interrupts`]).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes Ctrl-C set a flag instead of ending the process, so a Docker run can
/// stop between containers and remove what it made. The container driver
/// chains its own handler after this one while a container runs.
pub fn catch_interrupts() {
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    // SAFETY: the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// The probe image as pushed for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTarget {
    /// The tagged reference (`{{image}}` in cases).
    pub reference: String,
    /// The repository digest the registry reported (`{{digest}}`).
    pub digest: String,
    /// Where the engine was reached.
    pub host: String,
    /// The sha256 of the probe binary (hex): the value of the label
    /// `io.cnab-conformance.probe.sha256` on the image and on every
    /// container made from it, which the engine observer follows.
    pub binary_sha256: String,
}

impl ProbeTarget {
    /// The label (`KEY=VALUE`) every container of this probe image carries,
    /// inherited from the image whatever reference the runtime used.
    pub fn container_label(&self) -> String {
        format!("{}={}", cnab_docker::BINARY_LABEL, self.binary_sha256)
    }
}

/// What a run on the Docker path needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerMode {
    /// The probe image for `{{image}}` and `{{digest}}`.
    pub probe: ProbeTarget,
    /// The value of the `io.cnab-conformance.run` label on every container of
    /// this run.
    pub run_id: String,
    /// Who sees what reached the image: the suite's own container driver
    /// (the built-in reference runs it) or, with `Some`, the engine observer
    /// watching containers that any runtime creates.
    pub engine: Option<EngineHandle>,
}

/// The run's engine observer, shared by every case of the run; two handles
/// are equal when they name the same observer.
#[derive(Clone)]
pub struct EngineHandle(pub Arc<EngineObserver>);

impl PartialEq for EngineHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for EngineHandle {}

impl std::fmt::Debug for EngineHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl DockerMode {
    /// A mode with the run ID from `CNAB_CONFORMANCE_RUN_ID` when it is set
    /// (so a caller knows the label to look for), else a fresh one,
    /// `cnab-conformance-<ulid>`.
    pub fn new(probe: ProbeTarget) -> DockerMode {
        let run_id = std::env::var(ENV_RUN_ID)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| {
                format!(
                    "cnab-conformance-{}",
                    ulid::Ulid::generate().to_string().to_lowercase()
                )
            });
        DockerMode {
            probe,
            run_id,
            engine: None,
        }
    }

    /// The same mode, with the engine observer watching this run's probe
    /// containers: for a runtime that runs containers itself.
    pub fn with_engine_observer(mut self) -> Result<DockerMode, DriverError> {
        let observer = EngineObserver::start(&self.probe)?;
        self.engine = Some(EngineHandle(Arc::new(observer)));
        Ok(self)
    }
}

/// Builds the static probe (or takes the binary named by
/// `CNAB_CONFORMANCE_PROBE`), makes sure its image exists and is pushed to
/// the registry of `CNAB_TEST_REGISTRY` (default `127.0.0.1:5000`).
pub fn prepare_probe_image() -> Result<ProbeTarget, DriverError> {
    let engine = Engine::connect().map_err(|e| DriverError::Docker(e.to_string()))?;
    let binary = match std::env::var_os(ENV_PROBE_BINARY) {
        Some(p) => PathBuf::from(p),
        None => {
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap_or(Path::new("."))
                .to_path_buf();
            if !workspace.join("probe").join("Cargo.toml").is_file() {
                return Err(DriverError::Docker(format!(
                    "the probe sources are not at {}; set {ENV_PROBE_BINARY} to a static cnab-probe binary",
                    workspace.display()
                )));
            }
            cnab_docker::build_static_probe(&workspace)
                .map_err(|e| DriverError::Docker(e.to_string()))?
        }
    };
    let image = engine
        .ensure_probe_image(&binary, &cnab_docker::registry_from_env())
        .map_err(|e| DriverError::Docker(e.to_string()))?;
    Ok(ProbeTarget {
        reference: image.reference,
        digest: image.digest,
        host: engine.host().to_string(),
        binary_sha256: image.binary_sha256,
    })
}

/// Removes every container of run `run_id`; returns how many there were.
pub fn cleanup_run(run_id: &str) -> Result<usize, DriverError> {
    let engine = Engine::connect().map_err(|e| DriverError::Docker(e.to_string()))?;
    engine
        .cleanup_run(run_id)
        .map_err(|e| DriverError::Docker(e.to_string()))
}

/// A CNAB Docker driver over the engine at `DOCKER_HOST` or
/// `/var/run/docker.sock`.
pub struct DockerDriver {
    engine: Engine,
    run_id: String,
    timeout: Duration,
    observations: Option<PathBuf>,
}

impl std::fmt::Debug for DockerDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerDriver")
            .field("engine", &self.engine)
            .field("run_id", &self.run_id)
            .finish()
    }
}

fn text_of<'a>(image: &'a Value, key: &str) -> Option<&'a str> {
    image.get(key).and_then(Value::as_str)
}

impl DockerDriver {
    /// Connects to the engine. Containers get the label
    /// `io.cnab-conformance.run=<run_id>`; each may run for `timeout`;
    /// observations are appended to `observations` when given.
    pub fn connect(
        run_id: &str,
        timeout: Duration,
        observations: Option<PathBuf>,
    ) -> Result<DockerDriver, DriverError> {
        let engine = Engine::connect().map_err(|e| DriverError::Docker(e.to_string()))?;
        Ok(DockerDriver {
            engine,
            run_id: run_id.to_string(),
            timeout,
            observations,
        })
    }

    fn record(&self, obs: &OperationRecord) -> Result<(), DriverError> {
        match &self.observations {
            Some(file) => append_record(file, obs).map_err(DriverError::Io),
            None => Ok(()),
        }
    }
}

impl Driver for DockerDriver {
    fn handles(&self) -> Result<Vec<String>, DriverError> {
        Ok(vec!["docker".to_string(), "oci".to_string()])
    }

    fn verify_digest(&self, image: &Value) -> DigestCheck {
        let Some(digest) = text_of(image, "contentDigest") else {
            return DigestCheck::Absent;
        };
        let Some(reference) = text_of(image, "image") else {
            return DigestCheck::Failed("the invocation image has no `image` reference".into());
        };
        match self.engine.check_digest(reference, Some(digest)) {
            Ok(_) => DigestCheck::Verified,
            Err(e @ DockerError::DigestMismatch { .. }) => DigestCheck::Mismatch(e.to_string()),
            Err(e) => DigestCheck::Failed(e.to_string()),
        }
    }

    fn run(&self, op: &Operation) -> Result<OperationResult, DriverError> {
        if interrupted() {
            return Err(DriverError::Interrupted);
        }
        let Some(reference) = text_of(&op.image, "image") else {
            return Err(DriverError::Docker(
                "the invocation image has no `image` reference".into(),
            ));
        };
        let mut spec = RunSpec::new(self.run_id.clone(), reference);
        spec.content_digest = text_of(&op.image, "contentDigest").map(str::to_string);
        spec.env = op.environment.clone();
        spec.files = op
            .files
            .iter()
            .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
            .collect();
        spec.expected_outputs = op.outputs.keys().cloned().collect();
        spec.timeout = self.timeout;
        spec.log_limit = LOG_LIMIT;
        let outcome = match self.engine.run(&spec) {
            Ok(o) => o,
            Err(DockerError::Interrupted { .. }) => {
                INTERRUPTED.store(true, Ordering::SeqCst);
                let _ = self.engine.cleanup_run(&self.run_id);
                return Err(DriverError::Interrupted);
            }
            Err(e) => return Err(DriverError::Docker(e.to_string())),
        };
        let mut result = OperationResult {
            exit_code: if outcome.timed_out {
                None
            } else {
                Some(i32::try_from(outcome.exit_code).unwrap_or(i32::MAX))
            },
            stdout: String::from_utf8_lossy(&outcome.stdout).to_string(),
            stderr: String::from_utf8_lossy(&outcome.stderr).to_string(),
            ..OperationResult::default()
        };
        if outcome.timed_out {
            result
                .notes
                .push(format!("the container was killed after {:?}", self.timeout));
        }
        for (path, name) in &op.outputs {
            if let Some(bytes) = outcome.outputs.get(path) {
                result
                    .outputs
                    .insert(name.clone(), String::from_utf8_lossy(bytes).to_string());
            }
        }
        for ignored in &outcome.ignored_outputs {
            result.notes.push(format!("output ignored: {ignored}"));
        }

        let mut obs = OperationRecord {
            operation: Some(serde_json::to_value(op).expect("an operation serializes")),
            exit_code: result.exit_code.unwrap_or(-1),
            ..OperationRecord::default()
        };
        match outcome.observation() {
            Ok(p) => {
                obs.outputs_written = p.outputs_written.clone();
                obs.notes.extend(p.problems.iter().cloned());
                obs.probe = Some(p);
            }
            Err(e) => {
                obs.outputs_written = op
                    .outputs
                    .iter()
                    .filter(|(path, _)| outcome.outputs.contains_key(path.as_str()))
                    .map(|(_, name)| name.clone())
                    .collect();
                obs.notes.push(format!("no probe observation: {e}"));
            }
        }
        obs.notes.extend(result.notes.iter().cloned());
        self.record(&obs)?;
        Ok(result)
    }
}
