//! Runtime adapters: how the suite asks a runtime to act.
//!
//! [`ProcessAdapter`] speaks the adapter protocol with an external executable
//! (a timeout per call, the process group killed on timeout, stdout capped).
//! [`ReferenceAdapter`] runs the reference runtime in process with the same
//! protocol types. Anything wrong with an adapter's reply is an
//! [`AdapterError`], which the runner turns into an `error` verdict.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::docker_driver::{DockerDriver, DOCKER_DRIVER_NAME, ENV_RUN_ID};
use crate::driver::CommandDriver;
use crate::observe::ENV_OBSERVATIONS;
use crate::process;
use crate::protocol::{
    ClaimsResponse, CleanupResponse, ErrorResponse, InfoResponse, InstallationRequest, Outcome,
    RunRequest, RunResponse, KNOWN_CAPABILITIES, PROTOCOL,
};
use crate::reference::{Invocation, Mutant, Reference};

/// The most stdout read from an adapter.
pub const MAX_RESPONSE: usize = 16 << 20;

/// Why an adapter call gave no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdapterError {
    /// The adapter could not be started.
    #[error("cannot start adapter: {0}")]
    Spawn(String),
    /// The adapter ran past the timeout and was killed.
    #[error("adapter `{verb}` timed out after {secs}s and was killed")]
    Timeout {
        /// The verb.
        verb: String,
        /// The timeout in seconds.
        secs: u64,
    },
    /// The adapter exited with a non-zero status or a signal.
    #[error("adapter `{verb}` crashed ({status})")]
    Crashed {
        /// The verb.
        verb: String,
        /// The status as text.
        status: String,
    },
    /// The reply is not the JSON the protocol asks for.
    #[error("adapter `{verb}` replied with garbage: {reason}")]
    Garbage {
        /// The verb.
        verb: String,
        /// What is wrong.
        reason: String,
    },
    /// The reply names another protocol version.
    #[error("adapter speaks protocol `{got}`, expected `{PROTOCOL}`")]
    Protocol {
        /// What the adapter sent.
        got: String,
    },
    /// The adapter reported an error of its own.
    #[error("adapter `{verb}` reported an error: {message}")]
    Reported {
        /// The verb.
        verb: String,
        /// Its message.
        message: String,
    },
    /// The reply was larger than the cap.
    #[error("adapter `{verb}` wrote more than {MAX_RESPONSE} bytes")]
    TooLarge {
        /// The verb.
        verb: String,
    },
}

/// A runtime, as the suite sees it.
pub trait Adapter {
    /// A human description (`reference (built in)`, a path).
    fn describe(&self) -> String;
    /// `info`: what the runtime is and can do.
    fn info(&mut self) -> Result<InfoResponse, AdapterError>;
    /// `run`: perform one action.
    fn run(&mut self, req: &RunRequest) -> Result<RunResponse, AdapterError>;
    /// `claims`: the stored claims and results of an installation.
    fn claims(&mut self, req: &InstallationRequest) -> Result<ClaimsResponse, AdapterError>;
    /// `cleanup`: forget an installation.
    fn cleanup(&mut self, req: &InstallationRequest) -> Result<(), AdapterError>;
    /// The stderr of the last call (evidence).
    fn last_stderr(&self) -> String;
    /// A second, independent handle on the same runtime for running cases in
    /// parallel, or `None` when the adapter cannot be shared.
    fn fork(&self) -> Option<Box<dyn Adapter + Send>> {
        None
    }
}

/// Checks a parsed reply: protocol version, error payload, then shape.
pub fn decode<T: DeserializeOwned>(verb: &str, bytes: &[u8]) -> Result<T, AdapterError> {
    let garbage = |reason: String| AdapterError::Garbage {
        verb: verb.to_string(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| garbage("reply is not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(garbage("empty reply".into()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let excerpt: String = text.chars().take(120).collect();
        garbage(format!("not JSON ({e}): {excerpt:?}"))
    })?;
    let Some(obj) = value.as_object() else {
        return Err(garbage("reply is not a JSON object".into()));
    };
    match obj.get("protocol").and_then(Value::as_str) {
        Some(p) if p == PROTOCOL => {}
        Some(p) => return Err(AdapterError::Protocol { got: p.to_string() }),
        None => return Err(garbage("reply has no `protocol` field".into())),
    }
    if let Some(e) = obj.get("error") {
        let message = e
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| e.to_string());
        return Err(AdapterError::Reported {
            verb: verb.to_string(),
            message,
        });
    }
    serde_json::from_value(value)
        .map_err(|e| garbage(format!("reply does not match `{verb}`: {e}")))
}

/// An external adapter executable.
#[derive(Debug, Clone)]
pub struct ProcessAdapter {
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
    stderr: String,
}

impl ProcessAdapter {
    /// An adapter run as `program [args...] <verb>`.
    pub fn new(program: PathBuf, args: Vec<String>, timeout: Duration) -> ProcessAdapter {
        ProcessAdapter {
            program,
            args,
            timeout,
            stderr: String::new(),
        }
    }

    fn call<Req: Serialize, Resp: DeserializeOwned>(
        &mut self,
        verb: &str,
        req: &Req,
        env: &BTreeMap<String, String>,
    ) -> Result<Resp, AdapterError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).arg(verb).envs(env);
        let input = serde_json::to_vec(req).expect("a request serializes");
        let out = process::run(cmd, &input, self.timeout, MAX_RESPONSE)
            .map_err(|e| AdapterError::Spawn(format!("{}: {e}", self.program.display())))?;
        self.stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if out.timed_out {
            return Err(AdapterError::Timeout {
                verb: verb.to_string(),
                secs: self.timeout.as_secs(),
            });
        }
        if out.stdout_truncated {
            return Err(AdapterError::TooLarge {
                verb: verb.to_string(),
            });
        }
        match out.status {
            Some(s) if s.success() => {}
            Some(s) => {
                return Err(AdapterError::Crashed {
                    verb: verb.to_string(),
                    status: s.to_string(),
                })
            }
            None => {
                return Err(AdapterError::Crashed {
                    verb: verb.to_string(),
                    status: "no exit status".into(),
                })
            }
        }
        decode(verb, &out.stdout)
    }
}

/// The environment an adapter process gets for a run: the driver's variables
/// and the driver directory first on PATH.
fn driver_env(req: &RunRequest) -> BTreeMap<String, String> {
    let mut env = req.driver.env.clone();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![req.driver.path.clone()];
    dirs.extend(std::env::split_paths(&path));
    if let Ok(joined) = std::env::join_paths(dirs) {
        env.insert("PATH".into(), joined.to_string_lossy().to_string());
    }
    env
}

impl Adapter for ProcessAdapter {
    fn describe(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }

    fn info(&mut self) -> Result<InfoResponse, AdapterError> {
        self.call(
            "info",
            &serde_json::json!({ "protocol": PROTOCOL }),
            &BTreeMap::new(),
        )
    }

    fn run(&mut self, req: &RunRequest) -> Result<RunResponse, AdapterError> {
        let env = driver_env(req);
        self.call("run", req, &env)
    }

    fn claims(&mut self, req: &InstallationRequest) -> Result<ClaimsResponse, AdapterError> {
        self.call("claims", req, &BTreeMap::new())
    }

    fn cleanup(&mut self, req: &InstallationRequest) -> Result<(), AdapterError> {
        self.call::<_, CleanupResponse>("cleanup", req, &BTreeMap::new())
            .map(|_| ())
    }

    fn last_stderr(&self) -> String {
        self.stderr.clone()
    }

    fn fork(&self) -> Option<Box<dyn Adapter + Send>> {
        let mut twin = self.clone();
        twin.stderr.clear();
        Some(Box::new(twin))
    }
}

/// The reference runtime, in process.
#[derive(Debug, Clone)]
pub struct ReferenceAdapter {
    mutant: Option<Mutant>,
    timeout: Duration,
    stderr: String,
    docker: bool,
}

impl ReferenceAdapter {
    /// The reference runtime, optionally mutated; `timeout` bounds each
    /// driver run.
    pub fn new(mutant: Option<Mutant>, timeout: Duration) -> ReferenceAdapter {
        ReferenceAdapter {
            mutant,
            timeout,
            stderr: String::new(),
            docker: false,
        }
    }

    /// The reference runtime using its Docker driver: `info` declares
    /// `docker-driver` instead of `command-driver`. Whatever the mode, a run
    /// request naming the driver `docker` runs a real container.
    pub fn with_docker(mut self, docker: bool) -> ReferenceAdapter {
        self.docker = docker;
        self
    }

    fn state_dir(workdir: &Path) -> PathBuf {
        workdir.join("reference-state")
    }
}

/// The `info` reply of the reference runtime with its command driver.
pub fn reference_info(mutant: Option<Mutant>) -> InfoResponse {
    reference_info_for(mutant, false)
}

/// The `info` reply of the reference runtime; with `docker` it declares
/// `docker-driver` and not `command-driver`.
pub fn reference_info_for(mutant: Option<Mutant>, docker: bool) -> InfoResponse {
    InfoResponse {
        protocol: PROTOCOL.to_string(),
        name: match mutant {
            None => "reference".to_string(),
            Some(m) => format!("reference+{m}"),
        },
        version: env!("CARGO_PKG_VERSION").to_string(),
        spec_versions: vec![
            "cnab-core-1.0.0".into(),
            "cnab-core-1.0.1".into(),
            "cnab-core-1.1.0".into(),
            "cnab-core-1.2.0".into(),
            "cnab-claims-1.0.0".into(),
        ],
        capabilities: KNOWN_CAPABILITIES
            .iter()
            .map(|(n, _)| n.to_string())
            .filter(|n| match n.as_str() {
                "command-driver" => !docker,
                "docker-driver" => docker,
                _ => true,
            })
            .collect(),
    }
}

impl Adapter for ReferenceAdapter {
    fn describe(&self) -> String {
        match self.mutant {
            None => "reference (built in)".to_string(),
            Some(m) => format!("reference (built in, mutant {m})"),
        }
    }

    fn info(&mut self) -> Result<InfoResponse, AdapterError> {
        Ok(reference_info_for(self.mutant, self.docker))
    }

    fn run(&mut self, req: &RunRequest) -> Result<RunResponse, AdapterError> {
        let bundle = match std::fs::read(&req.bundle) {
            Ok(b) => b,
            Err(e) => {
                return Ok(RunResponse {
                    protocol: PROTOCOL.into(),
                    outcome: Outcome::Refused,
                    message: format!("cannot read bundle {}: {e}", req.bundle.display()),
                    claim: None,
                    result: None,
                    outputs: None,
                })
            }
        };
        let mut env: BTreeMap<String, String> = std::env::vars().collect();
        env.extend(driver_env(req));
        let state = Self::state_dir(&req.workdir);
        let inv = Invocation {
            bundle: &bundle,
            action: &req.action,
            installation: &req.installation,
            parameters: &req.parameters,
            credentials: &req.credentials,
            state_dir: &state,
        };
        if req.driver.name == DOCKER_DRIVER_NAME {
            let run_id = env
                .get(ENV_RUN_ID)
                .cloned()
                .unwrap_or_else(|| "cnab-conformance".to_string());
            let observations = env.get(ENV_OBSERVATIONS).map(PathBuf::from);
            return match DockerDriver::connect(&run_id, self.timeout, observations) {
                Ok(d) => Ok(Reference::mutated(self.mutant).run(&inv, &d)),
                Err(e) => Ok(RunResponse {
                    protocol: PROTOCOL.into(),
                    outcome: Outcome::Refused,
                    message: e.to_string(),
                    claim: None,
                    result: None,
                    outputs: None,
                }),
            };
        }
        let driver = match CommandDriver::locate(
            &req.driver.name,
            std::slice::from_ref(&req.driver.path),
            env,
            &req.workdir,
            self.timeout,
        ) {
            Ok(d) => d,
            Err(e) => {
                return Ok(RunResponse {
                    protocol: PROTOCOL.into(),
                    outcome: Outcome::Refused,
                    message: e.to_string(),
                    claim: None,
                    result: None,
                    outputs: None,
                })
            }
        };
        Ok(Reference::mutated(self.mutant).run(&inv, &driver))
    }

    fn claims(&mut self, req: &InstallationRequest) -> Result<ClaimsResponse, AdapterError> {
        Ok(Reference::mutated(self.mutant)
            .claims(&Self::state_dir(&req.workdir), &req.installation))
    }

    fn cleanup(&mut self, req: &InstallationRequest) -> Result<(), AdapterError> {
        Reference::mutated(self.mutant)
            .cleanup(&Self::state_dir(&req.workdir), &req.installation)
            .map_err(|e| AdapterError::Reported {
                verb: "cleanup".into(),
                message: e.to_string(),
            })
    }

    fn last_stderr(&self) -> String {
        self.stderr.clone()
    }

    fn fork(&self) -> Option<Box<dyn Adapter + Send>> {
        let mut twin = self.clone();
        twin.stderr.clear();
        Some(Box::new(twin))
    }
}

/// Serves one protocol call for the reference runtime as an external adapter
/// (`cnab-conformance adapter reference <verb>`): reads the request from
/// `input`, returns the reply text.
pub fn serve_reference(
    verb: &str,
    input: &[u8],
    mutant: Option<Mutant>,
    timeout: Duration,
) -> String {
    let mut adapter = ReferenceAdapter::new(mutant, timeout);
    fn reply<T: Serialize>(v: Result<T, AdapterError>) -> String {
        match v {
            Ok(v) => serde_json::to_string(&v).expect("a reply serializes"),
            Err(e) => serde_json::to_string(&ErrorResponse {
                protocol: PROTOCOL.into(),
                error: e.to_string(),
            })
            .expect("an error serializes"),
        }
    }
    let bad = |e: serde_json::Error| {
        serde_json::to_string(&ErrorResponse {
            protocol: PROTOCOL.into(),
            error: format!("bad `{verb}` request: {e}"),
        })
        .expect("an error serializes")
    };
    match verb {
        "info" => reply(adapter.info()),
        "run" => match serde_json::from_slice::<RunRequest>(input) {
            Ok(r) => reply(adapter.run(&r)),
            Err(e) => bad(e),
        },
        "claims" => match serde_json::from_slice::<InstallationRequest>(input) {
            Ok(r) => reply(adapter.claims(&r)),
            Err(e) => bad(e),
        },
        "cleanup" => match serde_json::from_slice::<InstallationRequest>(input) {
            Ok(r) => reply(adapter.cleanup(&r).map(|_| CleanupResponse {
                protocol: PROTOCOL.into(),
            })),
            Err(e) => bad(e),
        },
        other => serde_json::to_string(&ErrorResponse {
            protocol: PROTOCOL.into(),
            error: format!("unknown verb `{other}` (known: info, run, claims, cleanup)"),
        })
        .expect("an error serializes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(verb: &str, input: &[u8]) -> Value {
        serde_json::from_str(&serve_reference(verb, input, None, Duration::from_secs(5))).unwrap()
    }

    #[test]
    fn the_reference_adapter_answers_bad_requests_with_an_error_payload() {
        let v = served("run", b"not json");
        assert_eq!(v["protocol"], PROTOCOL);
        assert!(
            v["error"].as_str().unwrap().contains("bad `run` request"),
            "{v}"
        );
        let v = served("dance", b"{}");
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("unknown verb `dance`"),
            "{v}"
        );
        let v = served("info", b"");
        assert_eq!(v["name"], "reference");
        // Every payload decodes as the harness would decode it.
        assert!(matches!(
            decode::<RunResponse>(
                "run",
                serve_reference("run", b"[]", None, Duration::from_secs(5)).as_bytes()
            ),
            Err(AdapterError::Reported { .. })
        ));
    }

    #[test]
    fn decode_classifies_replies() {
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", b""),
            Err(AdapterError::Garbage { .. })
        ));
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", b"[1]"),
            Err(AdapterError::Garbage { .. })
        ));
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", b"{}"),
            Err(AdapterError::Garbage { .. })
        ));
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", br#"{"protocol":"x/2"}"#),
            Err(AdapterError::Protocol { .. })
        ));
        assert!(decode::<CleanupResponse>(
            "cleanup",
            br#"{"protocol":"cnab-conformance-adapter/1","extra":1}"#
        )
        .is_ok());
    }
}
