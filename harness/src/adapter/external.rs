//! An external adapter: an executable spoken to with the adapter protocol,
//! one process per call.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::process;
use super::protocol::{
    ClaimsResponse, CleanupResponse, InfoResponse, InstallationRequest, RunRequest, RunResponse,
    PROTOCOL,
};
use super::{decode, fork_by_clone, Adapter, AdapterError, MAX_RESPONSE};

/// An external adapter executable.
#[derive(Debug, Clone)]
pub struct ProcessAdapter {
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
    stderr: LastStderr,
    extra_env: BTreeMap<String, String>,
}

/// The stderr of the last call; a clone (a fork) starts with none.
#[derive(Debug, Default)]
struct LastStderr(String);

impl Clone for LastStderr {
    fn clone(&self) -> LastStderr {
        LastStderr::default()
    }
}

impl ProcessAdapter {
    /// An adapter run as `program [args...] <verb>`.
    pub fn new(program: PathBuf, args: Vec<String>, timeout: Duration) -> ProcessAdapter {
        ProcessAdapter {
            program,
            args,
            timeout,
            stderr: LastStderr::default(),
            extra_env: BTreeMap::new(),
        }
    }

    /// The same adapter, started with `key=value` added to its environment
    /// on every call (`selftest` names a mutant this way:
    /// `CNAB_CONFORMANCE_MUTANT`).
    pub fn with_env(mut self, key: &str, value: &str) -> ProcessAdapter {
        self.extra_env.insert(key.to_string(), value.to_string());
        self
    }

    fn call<Req: Serialize, Resp: DeserializeOwned>(
        &mut self,
        verb: &str,
        req: &Req,
        env: &BTreeMap<String, String>,
    ) -> Result<Resp, AdapterError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .arg(verb)
            .envs(&self.extra_env)
            .envs(env);
        let input = serde_json::to_vec(req).expect("a request serializes");
        let out = process::run(cmd, &input, self.timeout, MAX_RESPONSE)
            .map_err(|e| AdapterError::Spawn(format!("{}: {e}", self.program.display())))?;
        self.stderr.0 = String::from_utf8_lossy(&out.stderr).to_string();
        if let Some(signal) = out.interrupted {
            return Err(AdapterError::Interrupted {
                verb: verb.to_string(),
                signal: signal.to_string(),
            });
        }
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
pub(crate) fn driver_env(req: &RunRequest) -> BTreeMap<String, String> {
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
        self.stderr.0.clone()
    }

    fn fork(&self) -> Option<Box<dyn Adapter + Send>> {
        fork_by_clone(self)
    }
}
