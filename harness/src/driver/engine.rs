//! The engine observer: what reached the image when the runtime runs the
//! containers itself.
//!
//! With `run --driver docker --runtime ./adapter`, the runtime under test
//! runs the probe image with its own Docker driver on the same engine. The
//! [`EngineObserver`] watches that engine's event stream for containers of
//! this run's probe image (the label `io.cnab-conformance.probe.sha256`,
//! which every container inherits from the image however the runtime named
//! it), attaches to each at creation and reads the probe's observation from
//! its output, so it needs nothing from the runtime but the engine
//! ([`cnab_docker::Watcher`]).
//!
//! A container belongs to the step whose installation name it carries
//! (`CNAB_INSTALLATION_NAME` in the container's environment, or in the
//! probe's observation when the container was gone before it could be
//! inspected); installation names are unique per case, so several cases may
//! run at once. After the adapter answers, [`EngineObserver::collect`] asks
//! the engine which probe containers were created during the step and waits
//! until the observer has read each of them, so a slow event stream cannot
//! lose one. Each becomes an [`OperationRecord`] with the probe's typed
//! observation, exactly as the suite's own container driver writes it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use cnab_docker::{ReadBy, Watched, Watcher};
use serde_json::{json, Value};

use super::docker::ProbeTarget;
use super::observer::OperationRecord;
use super::DriverError;

/// How long, after the adapter answered, the observer waits for the output
/// of a container it saw being created.
pub const READ_WAIT: Duration = Duration::from_secs(20);

/// What the engine observer saw during one step.
#[derive(Debug, Default)]
pub struct StepWatch {
    /// One record per container of this step's installation, oldest first.
    pub records: Vec<OperationRecord>,
    /// Containers created during the step whose output the observer could
    /// not read (they were gone first), and why; such a step is an `error`,
    /// never a `fail`.
    pub lost: Vec<String>,
}

/// Watches the engine for the containers of one probe image.
pub struct EngineObserver {
    watcher: Watcher,
    probe: ProbeTarget,
    taken: Mutex<BTreeSet<String>>,
}

impl std::fmt::Debug for EngineObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineObserver")
            .field("label", &self.watcher.label())
            .field("probe", &self.probe.reference)
            .finish()
    }
}

/// The installation a container belongs to: from its environment, else
/// from what the probe saw.
fn installation_of(w: &Watched, obs: Option<&cnab_probe::Observation>) -> Option<String> {
    const KEY: &str = "CNAB_INSTALLATION_NAME";
    w.env
        .as_ref()
        .and_then(|e| e.get(KEY).cloned())
        .or_else(|| obs.and_then(|o| o.env.get(KEY).cloned()))
}

impl EngineObserver {
    /// Starts watching the engine for containers of `probe`.
    pub fn start(probe: &ProbeTarget) -> Result<EngineObserver, DriverError> {
        let watcher = Watcher::start(&probe.container_label())
            .map_err(|e| DriverError::Docker(e.to_string()))?;
        Ok(EngineObserver {
            watcher,
            probe: probe.clone(),
            taken: Mutex::new(BTreeSet::new()),
        })
    }

    /// The records of the containers of `installation` created between
    /// `since` and `until` (the step's run request and its answer), waiting
    /// up to `wait` for their output.
    pub fn collect(
        &self,
        installation: &str,
        since: SystemTime,
        until: SystemTime,
        wait: Duration,
    ) -> StepWatch {
        let mut out = StepWatch::default();
        // The engine stamps events with the clock of the host it runs on;
        // a little margin covers the rounding.
        let margin = Duration::from_millis(200);
        let ids = match self.watcher.created_between(since - margin, until + margin) {
            Ok(ids) => ids,
            Err(e) => {
                out.lost
                    .push(format!("cannot read the engine's event log: {e}"));
                return out;
            }
        };
        // A container is settled once read (or its observation is whole),
        // or once it is known to be another installation's: the engine may
        // be shared with other runs.
        let settled = |w: &Watched| {
            w.done
                || w.stdout_contains(cnab_probe::END_MARKER.as_bytes())
                || w.env.as_ref().is_some_and(|e| {
                    e.get("CNAB_INSTALLATION_NAME").map(String::as_str) != Some(installation)
                })
        };
        let mut watched = self.watcher.wait_read(&ids, &settled, wait);
        if watched.len() < ids.len() {
            let why = self
                .watcher
                .stream_error()
                .unwrap_or_else(|| "the observer's event stream lags".into());
            out.lost.push(format!(
                "{} probe container(s) created during this step were not seen by the observer: {why}",
                ids.len() - watched.len()
            ));
        }
        // Belt and braces: a container of this installation the window
        // missed (the engine's clock against ours) still counts.
        for w in self.watcher.seen() {
            if !ids.contains(&w.id) && w.done {
                watched.push(w);
            }
        }
        watched.sort_by_key(|w| w.created_nanos);
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        let mut finished = Vec::new();
        // Vanished containers no one can place: they count against this
        // step only when it has no container of its own.
        let mut unplaced = Vec::new();
        for w in watched {
            if taken.contains(&w.id) {
                continue;
            }
            let obs = cnab_probe::extract::extract_observation_bytes(&w.stdout);
            let inst = installation_of(&w, obs.as_ref().ok());
            let in_window = ids.contains(&w.id);
            match inst.as_deref() {
                Some(i) if i == installation => {}
                // Another case's container, or another run's.
                Some(_) => continue,
                None if in_window && w.read_by == ReadBy::Nothing => {
                    unplaced.push(format!(
                        "container {} was created during this step and was gone before the observer could read it or tell whose it was",
                        short(&w.id)
                    ));
                    continue;
                }
                None => continue,
            }
            taken.insert(w.id.clone());
            if w.done {
                finished.push(w.id.clone());
            }
            if obs.is_err() && w.read_by == ReadBy::Nothing {
                out.lost.push(format!(
                    "container {} of this step was gone before the observer could read its output ({})",
                    short(&w.id),
                    w.problems.join("; ")
                ));
                continue;
            }
            out.records.push(self.record(&w, obs));
        }
        drop(taken);
        if out.records.is_empty() && out.lost.is_empty() {
            out.lost = unplaced;
        }
        self.watcher.forget(&finished);
        out
    }

    /// The record of one container, shaped as the container driver writes
    /// it: an operation rebuilt from what the engine and the probe saw.
    fn record(
        &self,
        w: &Watched,
        obs: Result<cnab_probe::Observation, cnab_probe::ExtractError>,
    ) -> OperationRecord {
        let probe = obs.as_ref().ok();
        let environment: BTreeMap<String, String> = match (&w.env, probe) {
            (Some(env), _) => env.clone(),
            (None, Some(p)) => p.env.clone(),
            (None, None) => BTreeMap::new(),
        };
        let files: BTreeMap<String, String> = probe
            .map(|p| {
                p.files
                    .iter()
                    .filter(|(_, f)| f.kind == "file")
                    .filter_map(|(k, f)| f.text.clone().map(|t| (k.clone(), t)))
                    .collect()
            })
            .unwrap_or_default();
        let bundle = files
            .get("/cnab/bundle.json")
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .unwrap_or(Value::Null);
        let env_of = |k: &str| environment.get(k).cloned().unwrap_or_default();
        let mut notes = vec![format!(
            "seen by the engine observer: container {} of image {} ({}), output read by {}",
            short(&w.id),
            w.image.as_deref().unwrap_or("?"),
            w.image_id.as_deref().map(short_image).unwrap_or("?"),
            match w.read_by {
                ReadBy::Attach => "attaching at creation",
                ReadBy::Logs => "its logs",
                ReadBy::Nothing => "nothing",
            }
        )];
        notes.extend(w.problems.iter().cloned());
        let mut record = OperationRecord {
            operation: Some(json!({
                "installation_name": env_of("CNAB_INSTALLATION_NAME"),
                "revision": env_of("CNAB_REVISION"),
                "action": env_of("CNAB_ACTION"),
                "parameters": {},
                "image": self.invocation_image(w, &bundle),
                "environment": environment,
                "files": files,
                "outputs": {},
                "Bundle": bundle,
            })),
            exit_code: probe
                .map(|p| p.exit_code)
                .or(w.exit_code.and_then(|c| i32::try_from(c).ok()))
                .unwrap_or(-1),
            ..OperationRecord::default()
        };
        match obs {
            Ok(p) => {
                record.outputs_written = p.outputs_written.clone();
                record.notes = notes;
                record.notes.extend(p.problems.iter().cloned());
                record.probe = Some(p);
            }
            Err(e) => {
                record.notes = notes;
                record.notes.push(format!("no probe observation: {e}"));
            }
        }
        record
    }

    /// The bundle's invocation image the container ran: the entry named as
    /// the runtime named the image, else the entry whose reference the
    /// engine resolves to the container's image; else the name the runtime
    /// used.
    fn invocation_image(&self, w: &Watched, bundle: &Value) -> Value {
        let images: Vec<&Value> = bundle
            .get("invocationImages")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        fn named(img: &Value) -> Option<&str> {
            img.get("image").and_then(Value::as_str)
        }
        if let Some(hit) = images
            .iter()
            .find(|img| named(img).is_some() && named(img) == w.image.as_deref())
        {
            return (*hit).clone();
        }
        if let Some(id) = &w.image_id {
            for img in &images {
                if let Some(r) = named(img) {
                    if self.watcher.image_id(r).as_ref() == Some(id) {
                        return (*img).clone();
                    }
                }
            }
        }
        json!({ "image": w.image, "imageType": "docker" })
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn short_image(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installation_comes_from_the_env_then_from_the_probe() {
        let mut w = Watched {
            id: "c".into(),
            created_nanos: 0,
            image: None,
            image_id: None,
            env: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            exit_code: None,
            read_by: ReadBy::Attach,
            done: true,
            destroyed: false,
            problems: Vec::new(),
        };
        assert_eq!(installation_of(&w, None), None);
        let obs: cnab_probe::Observation = serde_json::from_value(json!({
            "format": 1, "action": "install", "argv0": null, "args": [], "executable": null,
            "entrypoint_is_run": true, "uid": 0, "gid": 0,
            "env": {"CNAB_INSTALLATION_NAME": "from-probe"}, "env_names": [],
            "files": {}, "directions": {}, "outputs_written": [], "problems": [], "exit_code": 0
        }))
        .unwrap();
        assert_eq!(
            installation_of(&w, Some(&obs)).as_deref(),
            Some("from-probe")
        );
        w.env = Some(BTreeMap::from([(
            "CNAB_INSTALLATION_NAME".to_string(),
            "from-env".to_string(),
        )]));
        assert_eq!(installation_of(&w, Some(&obs)).as_deref(), Some("from-env"));
    }
}
