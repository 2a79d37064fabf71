//! The command-driver observer: the suite plays cnab-go's command driver.
//!
//! A cnab-go runtime told to use driver `conformance-observer` runs the
//! executable `cnab-conformance-observer` from PATH (a symlink to this binary)
//! with the operation JSON on stdin. The observer records what it received as
//! one JSON line in the file named by `CNAB_CONFORMANCE_OBSERVATIONS`, then
//! plays the invocation image: it writes the outputs the case asks for under
//! `$CNAB_OUTPUT_DIR` and exits with the case's exit code. It relies only on
//! what cnab-go sends, so it works with any cnab-go runtime, not only ours.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::confine;
use crate::case::ImageScript;

/// The driver name runtimes are told to use; the executable is `cnab-<name>`.
pub const OBSERVER_DRIVER_NAME: &str = "conformance-observer";
/// The variable naming the observations file (JSON Lines, appended).
pub const ENV_OBSERVATIONS: &str = "CNAB_CONFORMANCE_OBSERVATIONS";
/// The variable naming the file with the image's directions (`ImageScript`).
pub const ENV_SCRIPT: &str = "CNAB_CONFORMANCE_SCRIPT";
/// The image types the observer claims to handle.
pub const HANDLES: &str = "docker,oci";
/// The largest operation the observer reads.
const MAX_OPERATION: u64 = 64 << 20;

/// What reached the invocation image in one driver invocation, as the
/// command-driver observer or the Docker driver recorded it: one JSON line of
/// the file named by [`ENV_OBSERVATIONS`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperationRecord {
    /// The operation exactly as received, when it was JSON.
    #[serde(default)]
    pub operation: Option<Value>,
    /// Why the operation could not be read, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_error: Option<String>,
    /// `CNAB_OUTPUT_DIR` as set by the runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<String>,
    /// `CNAB_VARS` as set by the runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnab_vars: Option<String>,
    /// Output names the observer wrote.
    #[serde(default)]
    pub outputs_written: Vec<String>,
    /// The exit code the observer used.
    pub exit_code: i32,
    /// Anything unusual.
    #[serde(default)]
    pub notes: Vec<String>,
    /// What the probe saw inside the container, when the Docker driver ran
    /// the probe image; typed from the container to the verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<cnab_probe::Observation>,
}

impl OperationRecord {
    fn map_of(&self, key: &str) -> BTreeMap<String, String> {
        self.operation
            .as_ref()
            .and_then(|o| o.get(key))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let s = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), s)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The environment the runtime asked to inject into the image.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.map_of("environment")
    }

    /// The files the runtime asked to inject (image path to content).
    pub fn files(&self) -> BTreeMap<String, String> {
        self.map_of("files")
    }

    /// The outputs the runtime asked for, in the form it sent them: a map of
    /// image path to output name (cnab-go after v0.6), or a list of image
    /// paths (cnab-go v0.6 and older). No `outputs` key (or `null`) asks for
    /// none. `Err` says why the request cannot be read: the operation is not
    /// JSON, or `outputs` has a shape neither dialect writes.
    pub fn outputs(&self) -> Result<RequestedOutputs, String> {
        let Some(op) = &self.operation else {
            return Err(match &self.operation_error {
                Some(e) => format!("the operation could not be read: {e}"),
                None => "no operation was recorded".to_string(),
            });
        };
        RequestedOutputs::from_operation(op)
    }

    /// The operation's `outputs` exactly as sent, for the report (`{}` when
    /// it has none).
    pub fn outputs_as_sent(&self) -> Value {
        self.operation
            .as_ref()
            .and_then(|o| o.get("outputs"))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default()))
    }

    /// The action of the operation.
    pub fn action(&self) -> Option<String> {
        self.operation
            .as_ref()
            .and_then(|o| o.get("action"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// The outputs an operation asks the image for, in one of the two forms
/// cnab-go's command driver has sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestedOutputs {
    /// Image path to output name (cnab-go after v0.6).
    Named(BTreeMap<String, String>),
    /// Image paths only (cnab-go v0.6 and older); the names come from the
    /// bundle's outputs.
    Paths(Vec<String>),
}

impl RequestedOutputs {
    /// Reads the `outputs` of an operation; any other shape than a map of
    /// strings or a list of strings is an error, never "no outputs".
    pub fn from_operation(op: &Value) -> Result<RequestedOutputs, String> {
        let unknown = |v: &Value| {
            format!(
                "the operation's `outputs` is neither a map of image path to output name nor a list of image paths: {}",
                crate::expect::ellipsize(&v.to_string(), 200)
            )
        };
        match op.get("outputs") {
            None | Some(Value::Null) => Ok(RequestedOutputs::Named(BTreeMap::new())),
            Some(v @ Value::Object(m)) => m
                .iter()
                .map(|(k, n)| match n {
                    Value::String(n) => Ok((k.clone(), n.clone())),
                    _ => Err(unknown(v)),
                })
                .collect::<Result<_, _>>()
                .map(RequestedOutputs::Named),
            Some(v @ Value::Array(a)) => a
                .iter()
                .map(|p| p.as_str().map(str::to_string).ok_or_else(|| unknown(v)))
                .collect::<Result<_, _>>()
                .map(RequestedOutputs::Paths),
            Some(v) => Err(unknown(v)),
        }
    }

    /// The names of the requested outputs. A list of paths is named through
    /// `bundle` (the bundle the runtime was given): an output is requested
    /// when its `path` is listed. Listed paths no output of the bundle has are
    /// returned second.
    pub fn names(&self, bundle: &Value) -> (BTreeSet<String>, Vec<String>) {
        match self {
            RequestedOutputs::Named(m) => (m.values().cloned().collect(), Vec::new()),
            RequestedOutputs::Paths(paths) => {
                let declared: Vec<(&String, &str)> = bundle
                    .get("outputs")
                    .and_then(Value::as_object)
                    .map(|o| {
                        o.iter()
                            .filter_map(|(n, d)| Some((n, d.get("path")?.as_str()?)))
                            .collect()
                    })
                    .unwrap_or_default();
                let mut names = BTreeSet::new();
                let mut unnamed = Vec::new();
                for p in paths {
                    let mut found = false;
                    for (n, _) in declared.iter().filter(|(_, dp)| dp == p) {
                        names.insert((*n).clone());
                        found = true;
                    }
                    if !found {
                        unnamed.push(p.clone());
                    }
                }
                (names, unnamed)
            }
        }
    }
}

/// Whether this process was started as a driver: invoked as `cnab-<name>`
/// (but not as `cnab-conformance` itself).
pub fn invoked_as_driver(argv0: &str) -> bool {
    let base = Path::new(argv0)
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    base.starts_with("cnab-") && base != "cnab-conformance"
}

/// Finds the image path for output `name`: from the operation's `outputs`
/// map, else from the bundle (the `Bundle` key or `/cnab/bundle.json`).
fn output_path(op: &Value, name: &str) -> Option<String> {
    if let Some(m) = op.get("outputs").and_then(Value::as_object) {
        if let Some((p, _)) = m.iter().find(|(_, v)| v.as_str() == Some(name)) {
            return Some(p.clone());
        }
    }
    let from_bundle = |b: &Value| {
        b.get("outputs")
            .and_then(|o| o.get(name))
            .and_then(|o| o.get("path"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if let Some(p) = op.get("Bundle").and_then(from_bundle) {
        return Some(p);
    }
    op.get("files")
        .and_then(|f| f.get("/cnab/bundle.json"))
        .and_then(Value::as_str)
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|b| from_bundle(&b))
}

/// Runs the driver side. `args` excludes argv[0]. Returns the exit code.
pub fn driver_main(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "--handles") {
        println!("{HANDLES}");
        return 0;
    }
    let mut obs = OperationRecord::default();
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().take(MAX_OPERATION).read_to_end(&mut input) {
        obs.operation_error = Some(format!("cannot read stdin: {e}"));
    }
    match serde_json::from_slice::<Value>(&input) {
        Ok(v) => obs.operation = Some(v),
        Err(e) => {
            if obs.operation_error.is_none() {
                obs.operation_error = Some(format!("operation is not JSON: {e}"));
            }
        }
    }
    obs.output_dir = std::env::var("CNAB_OUTPUT_DIR").ok();
    obs.cnab_vars = std::env::var("CNAB_VARS").ok();
    let script = match std::env::var_os(ENV_SCRIPT) {
        Some(p) => match std::fs::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<ImageScript>(&b).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(e) => {
                obs.notes.push(format!(
                    "cannot read directions {}: {e}",
                    PathBuf::from(p).display()
                ));
                ImageScript::default()
            }
        },
        None => {
            obs.notes
                .push(format!("{ENV_SCRIPT} is not set: acting as a no-op image"));
            ImageScript::default()
        }
    };
    obs.exit_code = if obs.operation.is_some() {
        script.exit_code
    } else {
        2
    };
    if let Some(op) = &obs.operation {
        for (name, value) in &script.outputs {
            let Some(dir) = &obs.output_dir else {
                obs.notes.push(format!(
                    "output {name} not written: CNAB_OUTPUT_DIR is not set"
                ));
                continue;
            };
            let Some(path) = output_path(op, name) else {
                obs.notes
                    .push(format!("output {name} not written: no path for it"));
                continue;
            };
            match confine::write(Path::new(dir), &path, value.as_bytes()) {
                Ok(_) => obs.outputs_written.push(name.clone()),
                Err(e) => obs.notes.push(format!("output {name} not written: {e}")),
            }
        }
    }
    match std::env::var_os(ENV_OBSERVATIONS) {
        Some(file) => {
            if let Err(e) = append_record(Path::new(&file), &obs) {
                eprintln!(
                    "cnab-conformance observer: cannot record the observation in {}: {e}",
                    PathBuf::from(file).display()
                );
            }
        }
        None => eprintln!(
            "cnab-conformance observer: {ENV_OBSERVATIONS} is not set; nothing is recorded"
        ),
    }
    if let Some(e) = &obs.operation_error {
        eprintln!("cnab-conformance observer: {e}");
    }
    obs.exit_code
}

/// Appends one record as a JSON line to `file`, created private (0600):
/// records hold the credential values the runtime passed.
pub fn append_record(file: &Path, obs: &OperationRecord) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let line = serde_json::to_string(obs).expect("an observation serializes");
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
        .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()))
}

/// Reads the records of a file, each deserialized once (the probe's
/// observation with it); a missing file means none.
pub fn read_records(path: &Path) -> Result<Vec<OperationRecord>, String> {
    let text = match crate::io::read_regular_string(path, crate::io::MAX_OBSERVATIONS) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read observations {}: {e}", path.display())),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("garbled observation: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_names() {
        assert!(invoked_as_driver("/tmp/x/cnab-conformance-observer"));
        assert!(invoked_as_driver("cnab-foo"));
        assert!(!invoked_as_driver("/usr/bin/cnab-conformance"));
        assert!(!invoked_as_driver("porter"));
    }

    #[test]
    fn output_path_prefers_the_operation() {
        let op = serde_json::json!({
            "outputs": {"/cnab/app/outputs/a": "alpha"},
            "Bundle": {"outputs": {"alpha": {"path": "/cnab/app/outputs/zzz"}, "beta": {"path": "/cnab/app/outputs/b"}}}
        });
        assert_eq!(
            output_path(&op, "alpha").as_deref(),
            Some("/cnab/app/outputs/a")
        );
        assert_eq!(
            output_path(&op, "beta").as_deref(),
            Some("/cnab/app/outputs/b")
        );
        assert_eq!(output_path(&op, "gamma"), None);
    }
}
