//! The reference runtime as an adapter: in process ([`ReferenceAdapter`]),
//! or as an external one (`cnab-conformance adapter reference <verb>`,
//! [`serve_reference`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::support::refuse;
use super::{Invocation, Mutant, Reference};
use crate::adapter::external::driver_env;
use crate::adapter::protocol::{
    ClaimsResponse, CleanupResponse, ErrorResponse, InfoResponse, InstallationRequest, RunRequest,
    RunResponse, DRIVER_KIND_DOCKER, KNOWN_CAPABILITIES, PROTOCOL,
};
use crate::adapter::{fork_by_clone, Adapter, AdapterError};
use crate::driver::{
    CommandDriver, DockerDriver, OperationDialect, DOCKER_DRIVER_NAME, ENV_OBSERVATIONS, ENV_RUN_ID,
};

/// The reference runtime, in process.
#[derive(Debug, Clone)]
pub struct ReferenceAdapter {
    mutant: Option<Mutant>,
    timeout: Duration,
    docker: bool,
}

impl ReferenceAdapter {
    /// The reference runtime, optionally mutated; `timeout` bounds each
    /// driver run.
    pub fn new(mutant: Option<Mutant>, timeout: Duration) -> ReferenceAdapter {
        ReferenceAdapter {
            mutant,
            timeout,
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
        claims_format: mutant
            .and_then(Mutant::declared_claims_format)
            .map(str::to_string),
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
                return Ok(refuse(format!(
                    "cannot read bundle {}: {e}",
                    req.bundle.display()
                )))
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
        if req.driver.kind == DRIVER_KIND_DOCKER || req.driver.name == DOCKER_DRIVER_NAME {
            let run_id = env
                .get(ENV_RUN_ID)
                .cloned()
                .unwrap_or_else(|| "cnab-conformance".to_string());
            let observations = env.get(ENV_OBSERVATIONS).map(PathBuf::from);
            return match DockerDriver::connect(&run_id, self.timeout, observations) {
                Ok(d) => Ok(Reference::mutated(self.mutant).run(&inv, &d)),
                Err(e) => Ok(refuse(e.to_string())),
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
            Err(e) => return Ok(refuse(e.to_string())),
        };
        let driver = if self.mutant == Some(Mutant::OutputsAsList) {
            driver.with_dialect(OperationDialect::V0_6)
        } else {
            driver
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

    fn fork(&self) -> Option<Box<dyn Adapter + Send>> {
        fork_by_clone(self)
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
    serve_reference_with(verb, input, mutant, timeout, false)
}

/// [`serve_reference`]; with `docker`, `info` declares `docker-driver` as
/// well as `command-driver`: the reference runs a real container when a
/// `run` request asks for the `docker` driver kind, so a suite on the Docker
/// path can watch it through the engine observer.
pub fn serve_reference_with(
    verb: &str,
    input: &[u8],
    mutant: Option<Mutant>,
    timeout: Duration,
    docker: bool,
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
        "info" => reply(adapter.info().map(|mut i| {
            if docker && !i.capabilities.iter().any(|c| c == "docker-driver") {
                i.capabilities.push("docker-driver".to_string());
            }
            i
        })),
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
    use crate::adapter::decode;
    use serde_json::Value;

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
}
