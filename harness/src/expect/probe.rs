//! What the probe saw inside the container (Docker driver only).
//!
//! The probe's observation is typed from the container to the verdict: the
//! Docker driver records it as a `cnab_probe::Observation`, the runner reads
//! each record once, and every check here borrows it ([`probe_of`]).

use serde::{Deserialize, Serialize};

use super::file::bundle_bytes;
use super::NOT_RUN;
use super::{ellipsize, show, CaseState, Check, Expectation, Fill, Judgement, StepEvidence};
use crate::driver::OperationRecord;

/// The capability every probe check needs.
const DOCKER_DRIVER: &str = "docker-driver";

/// `probe_env`: inside the container, the probe saw this variable with this
/// value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeEnv {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The variable.
    pub name: String,
    /// Its value.
    pub equals: String,
}

impl Check for ProbeEnv {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!(
            "inside the container, env {} = {:?}",
            self.name, self.equals
        )
    }

    fn capability(&self) -> Option<&'static str> {
        Some(DOCKER_DRIVER)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.texts([&mut self.name, &mut self.equals]);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match probe_of(step.record) {
            Err(why) => Judgement::fail(why),
            Ok(p) => {
                let got = p.env.get(&self.name);
                Judgement::new(got == Some(&self.equals), show(got))
            }
        }
    }
}

/// `probe_file`: inside the container, the probe found this path as
/// described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeFile {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// Absolute path in the container.
    pub path: String,
    /// What must be there: `file`, `dir`, `symlink`, `other` or
    /// `missing` (default `file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its content, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// Its permission bits in octal (`"0600"`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

impl Check for ProbeFile {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        let mut s = format!(
            "inside the container, {} is a {}",
            self.path,
            self.kind.as_deref().unwrap_or("file")
        );
        if let Some(m) = &self.mode {
            s.push_str(&format!(" with mode {m}"));
        }
        if let Some(e) = &self.equals {
            s.push_str(&format!(" holding {e:?}"));
        }
        s
    }

    fn capability(&self) -> Option<&'static str> {
        Some(DOCKER_DRIVER)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.path);
        fill.texts(
            [&mut self.kind, &mut self.equals, &mut self.mode]
                .into_iter()
                .flatten(),
        );
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        let p = match probe_of(step.record) {
            Err(why) => return Judgement::fail(why),
            Ok(p) => p,
        };
        let Some(f) = p.files.get(&self.path) else {
            return Judgement::fail(format!("the probe did not look at {}", self.path));
        };
        let want_kind = self.kind.as_deref().unwrap_or("file");
        let want_mode = self
            .mode
            .as_deref()
            .and_then(|m| u32::from_str_radix(m, 8).ok());
        let content = f.content().map(|b| String::from_utf8_lossy(&b).to_string());
        let held = f.kind == want_kind
            && want_mode.is_none_or(|m| f.mode == Some(m))
            && self
                .equals
                .as_ref()
                .is_none_or(|e| content.as_ref() == Some(e));
        Judgement::new(held, describe_file(f))
    }
}

/// `probe_file_is_bundle`: inside the container, this file holds the bundle
/// given to the runtime, byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeFileIsBundle {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// Absolute path in the container.
    pub path: String,
}

impl Check for ProbeFileIsBundle {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!(
            "inside the container, {} is the bundle, byte for byte",
            self.path
        )
    }

    fn capability(&self) -> Option<&'static str> {
        Some(DOCKER_DRIVER)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.path);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match probe_of(step.record) {
            Err(why) => Judgement::fail(why),
            Ok(p) => match p.files.get(&self.path).and_then(|f| f.content()) {
                None => Judgement::fail(format!("no readable file at {}", self.path)),
                Some(b) => bundle_bytes(&b, step.bundle, &String::from_utf8_lossy(&b)),
            },
        }
    }
}

/// `probe_entrypoint`: the container was started with this program as its
/// entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeEntrypoint {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The program's path (`/cnab/app/run`).
    pub path: String,
}

impl Check for ProbeEntrypoint {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("the container was started as {}", self.path)
    }

    fn capability(&self) -> Option<&'static str> {
        Some(DOCKER_DRIVER)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.path);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match probe_of(step.record) {
            Err(why) => Judgement::fail(why),
            Ok(p) => {
                let path = self.path.as_str();
                let as_path =
                    p.argv0.as_deref() == Some(path) || p.executable.as_deref() == Some(path);
                Judgement::new(
                    as_path && p.entrypoint_is_run == (path == "/cnab/app/run"),
                    format!(
                        "argv0 {}, executable {}",
                        show(p.argv0.as_ref()),
                        show(p.executable.as_ref())
                    ),
                )
            }
        }
    }
}

/// The probe's own observation from inside the container, or why there is
/// none.
pub fn probe_of(record: Option<&OperationRecord>) -> Result<&cnab_probe::Observation, String> {
    let Some(r) = record else {
        return Err(NOT_RUN.into());
    };
    r.probe.as_ref().ok_or_else(|| {
        format!(
            "no probe observation (notes: {})",
            ellipsize(&r.notes.join("; "), 300)
        )
    })
}

/// The variables and paths the probe checks of a step read: the probe is
/// told to report them.
pub fn probe_reads(expect: &[Expectation]) -> (Vec<&str>, Vec<&str>) {
    let mut env = Vec::new();
    let mut files = Vec::new();
    for e in expect {
        match e {
            Expectation::ProbeEnv(c) => env.push(c.name.as_str()),
            Expectation::ProbeFile(ProbeFile { path, .. })
            | Expectation::ProbeFileIsBundle(ProbeFileIsBundle { path, .. }) => {
                files.push(path.as_str())
            }
            _ => {}
        }
    }
    (env, files)
}

/// A file as the probe found it, for the report.
fn describe_file(f: &cnab_probe::FileRecord) -> String {
    let mut s = f.kind.clone();
    if let Some(m) = f.mode {
        s.push_str(&format!(" mode {m:04o}"));
    }
    if let (Some(u), Some(g)) = (f.uid, f.gid) {
        s.push_str(&format!(" owner {u}:{g}"));
    }
    if let Some(t) = &f.text {
        s.push_str(&format!(" holding {:?}", ellipsize(t, 200)));
    } else if f.base64.is_some() {
        s.push_str(" holding binary content");
    }
    if let Some(e) = &f.error {
        s.push_str(&format!(" ({e})"));
    }
    s
}
