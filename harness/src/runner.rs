//! The runner: cases in, verdicts and evidence out.
//!
//! For each case the runner instantiates the bundle, runs each step through
//! the adapter with the observer as command driver, reads what the observer
//! recorded, and compares it with the expectations. A broken adapter gives
//! an `error` verdict for that case and the run goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cnab_model::{Catalog, Partition, Verdict};
use serde_json::{json, Value};

use crate::adapter::Adapter;
use crate::case::{
    instantiate, Case, Expectation, ExpectedOutcome, LoadedCase, RevisionChange, Step,
    PLACEHOLDER_DIGEST, PLACEHOLDER_IMAGE, PLACEHOLDER_INSTALLATION,
};
use crate::docker_driver::{ProbeTarget, DOCKER_DRIVER_NAME, ENV_RUN_ID};
use crate::observe::{
    read_observations, Observation, ENV_OBSERVATIONS, ENV_SCRIPT, OBSERVER_DRIVER_NAME,
};
use crate::protocol::{
    ClaimsResponse, DriverInfo, InfoResponse, InstallationRequest, Outcome, RunRequest,
    RunResponse, PROTOCOL,
};
use crate::report::{
    CaseReport, ClauseReport, Environment, ExpectationReport, Report, RuntimeInfo, StepReport,
    Totals, REPORT_FORMAT,
};

/// The image reference put in bundle templates for the command-driver path.
pub const OBSERVER_IMAGE: &str = "localhost:5000/cnab-conformance/observer:v1";

/// How to run the suite.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The executable the observer symlink points to (this binary).
    pub observer_exe: PathBuf,
    /// The timeout of each adapter call.
    pub timeout: Duration,
    /// Case ID prefixes to select (empty: all).
    pub case_filters: Vec<String>,
    /// Clause ID prefixes to select (empty: all).
    pub clause_filters: Vec<String>,
    /// Print progress on stderr.
    pub progress: bool,
    /// Run only the cases of this shard.
    pub partition: Option<Partition>,
    /// How many cases run at once (at least 1). Cases are independent: each
    /// has its own installation name, scratch directory and state.
    pub jobs: usize,
    /// Run invocation images in Docker containers instead of playing the
    /// command driver.
    pub docker: Option<DockerMode>,
}

/// What a run on the Docker path needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerMode {
    /// The probe image for `{{image}}` and `{{digest}}`.
    pub probe: ProbeTarget,
    /// The value of the `io.cnab-conformance.run` label on every container of
    /// this run.
    pub run_id: String,
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
        DockerMode { probe, run_id }
    }
}

/// The key of the probe's directions under the bundle's `custom`.
pub const PROBE_DIRECTIONS_KEY: &str = "io.cnab-conformance.probe";

impl RunOptions {
    /// Options with the default timeout and no filters.
    pub fn new(observer_exe: PathBuf) -> RunOptions {
        RunOptions {
            observer_exe,
            timeout: Duration::from_secs(60),
            case_filters: Vec::new(),
            clause_filters: Vec::new(),
            progress: std::io::stderr().is_terminal(),
            partition: None,
            jobs: 1,
            docker: None,
        }
    }
}

/// Why the suite could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scratch directory or the observer link could not be made.
    #[error("cannot prepare the run: {0}")]
    Setup(#[from] std::io::Error),
    /// The filters select no case.
    #[error("no case matches the filters")]
    NothingSelected,
}

/// Whether a case passes the ID and clause filters.
pub fn selected(case: &Case, opts: &RunOptions) -> bool {
    let by_id = opts.case_filters.is_empty()
        || opts
            .case_filters
            .iter()
            .any(|f| case.id.starts_with(f.as_str()));
    let by_clause = opts.clause_filters.is_empty()
        || opts.clause_filters.iter().any(|f| case.matches_clause(f));
    let by_shard = opts.partition.is_none_or(|p| p.contains(&case.id));
    by_id && by_clause && by_shard
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Runs the selected cases against one adapter.
pub fn run_suite(
    adapter: &mut dyn Adapter,
    cases: &[LoadedCase],
    opts: &RunOptions,
) -> Result<Report, RunError> {
    let chosen: Vec<&LoadedCase> = cases.iter().filter(|c| selected(&c.case, opts)).collect();
    if chosen.is_empty() {
        return Err(RunError::NothingSelected);
    }

    let started = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let scratch = tempfile::Builder::new()
        .prefix("cnab-conformance-")
        .tempdir()?;
    let bin = scratch.path().join("bin");
    std::fs::create_dir_all(&bin)?;
    std::os::unix::fs::symlink(
        &opts.observer_exe,
        bin.join(format!("cnab-{OBSERVER_DRIVER_NAME}")),
    )?;

    let info = adapter.info();
    let (runtime, info_ok) = match &info {
        Ok(i) => (
            RuntimeInfo {
                adapter: adapter.describe(),
                name: i.name.clone(),
                version: i.version.clone(),
                spec_versions: i.spec_versions.clone(),
                capabilities: i.capabilities.clone(),
                info_error: None,
            },
            Some(i.clone()),
        ),
        Err(e) => (
            RuntimeInfo {
                adapter: adapter.describe(),
                name: String::new(),
                version: String::new(),
                spec_versions: Vec::new(),
                capabilities: Vec::new(),
                info_error: Some(e.to_string()),
            },
            None,
        ),
    };

    let one_case = |adapter: &mut dyn Adapter, i: usize, lc: &LoadedCase| -> CaseReport {
        let t0 = Instant::now();
        let workdir = scratch.path().join("cases").join(format!("{i:04}"));
        let mut report = match (&info_ok, std::fs::create_dir_all(&workdir)) {
            (_, Err(e)) => CaseReport {
                reason: Some(format!("cannot create the case directory: {e}")),
                verdict: Verdict::Error,
                ..skipped(lc, String::new())
            },
            (None, Ok(())) => CaseReport {
                verdict: Verdict::Error,
                reason: Some(format!(
                    "adapter `info` failed: {}",
                    runtime.info_error.clone().unwrap_or_default()
                )),
                ..skipped(lc, String::new())
            },
            (Some(_), Ok(())) if crate::docker_driver::interrupted() => CaseReport {
                reason: Some("the run was interrupted".into()),
                verdict: Verdict::Error,
                ..skipped(lc, String::new())
            },
            (Some(info), Ok(())) => {
                run_case(adapter, lc, info, &bin, &workdir, opts.docker.as_ref())
            }
        };
        report.duration_ms = t0.elapsed().as_millis() as u64;
        report
    };
    let done = std::sync::atomic::AtomicUsize::new(0);
    let progress = |report: &CaseReport| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if opts.progress {
            eprintln!(
                "[{}/{}] {:<15} {}",
                n,
                chosen.len(),
                report.verdict.as_str(),
                report.id
            );
        }
    };

    // Workers: the adapter itself plus up to `jobs - 1` forks of it. An
    // adapter that cannot fork runs the cases one after another.
    let mut forks: Vec<Box<dyn Adapter + Send>> = Vec::new();
    for _ in 1..opts.jobs.max(1).min(chosen.len()) {
        match adapter.fork() {
            Some(f) => forks.push(f),
            None => break,
        }
    }
    let reports: Vec<CaseReport> = if forks.is_empty() {
        chosen
            .iter()
            .enumerate()
            .map(|(i, lc)| {
                let r = one_case(adapter, i, lc);
                progress(&r);
                r
            })
            .collect()
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<CaseReport>>> =
            chosen.iter().map(|_| std::sync::Mutex::new(None)).collect();
        let work = |adapter: &mut dyn Adapter| loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let Some(lc) = chosen.get(i) else { break };
            let r = one_case(adapter, i, lc);
            progress(&r);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        };
        std::thread::scope(|scope| {
            for mut f in forks {
                let work = &work;
                scope.spawn(move || work(f.as_mut()));
            }
            work(adapter);
        });
        slots
            .into_iter()
            .zip(&chosen)
            .map(|(slot, lc)| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .unwrap_or_else(|| CaseReport {
                        reason: Some("the worker running this case stopped".into()),
                        verdict: Verdict::Error,
                        ..skipped(lc, String::new())
                    })
            })
            .collect()
    };

    let clauses = aggregate_clauses(&chosen, &reports);
    let mut totals = Totals::default();
    for r in &reports {
        *totals
            .cases
            .entry(r.verdict.as_str().to_string())
            .or_default() += 1;
    }
    for c in &clauses {
        *totals
            .clauses
            .entry(c.verdict.as_str().to_string())
            .or_default() += 1;
    }
    Ok(Report {
        format: REPORT_FORMAT.to_string(),
        suite_version: crate::case::suite_version().to_string(),
        catalog_version: Catalog::embedded().version().to_string(),
        protocol: PROTOCOL.to_string(),
        started,
        finished: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        runtime,
        environment: Environment {
            observer: if opts.docker.is_some() {
                "docker"
            } else {
                "command-driver"
            }
            .to_string(),
            driver: if opts.docker.is_some() {
                DOCKER_DRIVER_NAME
            } else {
                OBSERVER_DRIVER_NAME
            }
            .to_string(),
            timeout_secs: opts.timeout.as_secs(),
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        },
        cases: reports,
        clauses,
        totals,
    })
}

/// Per clause: the worst verdict over the cases that check it, where a case
/// that ran contributes `fail` only if an expectation naming the clause failed.
fn aggregate_clauses(chosen: &[&LoadedCase], reports: &[CaseReport]) -> Vec<ClauseReport> {
    let mut per: BTreeMap<String, (Vec<Verdict>, Vec<String>)> = BTreeMap::new();
    for (lc, r) in chosen.iter().zip(reports) {
        for clause in lc.case.clauses() {
            let v = match r.verdict {
                Verdict::Pass | Verdict::Fail | Verdict::Xfail | Verdict::UnexpectedPass => {
                    let failed = r.steps.iter().any(|s| {
                        s.expectations
                            .iter()
                            .any(|e| e.verdict == Verdict::Fail && e.clauses.contains(&clause))
                    });
                    match (failed, r.verdict) {
                        (true, Verdict::Xfail) => Verdict::Xfail,
                        (true, _) => Verdict::Fail,
                        (false, Verdict::UnexpectedPass) => Verdict::UnexpectedPass,
                        (false, _) => Verdict::Pass,
                    }
                }
                other => other,
            };
            let e = per.entry(clause).or_default();
            e.0.push(v);
            e.1.push(r.id.clone());
        }
    }
    let cat = Catalog::embedded();
    per.into_iter()
        .map(|(id, (vs, cases))| ClauseReport {
            level: cat.level_of(&id).as_str().to_string(),
            verdict: Verdict::aggregate(vs).unwrap_or(Verdict::Skip),
            id,
            cases,
        })
        .collect()
}

fn skipped(lc: &LoadedCase, reason: String) -> CaseReport {
    CaseReport {
        id: lc.case.id.clone(),
        family: lc.family.clone(),
        description: lc.case.description.clone(),
        verdict: Verdict::Skip,
        reason: Some(reason),
        duration_ms: 0,
        clauses: lc.case.clauses(),
        steps: Vec::new(),
    }
}

/// What a runner knows while walking the steps of one case.
#[derive(Default)]
struct CaseState {
    revisions: Vec<String>,
    mounted_claim_ids: BTreeSet<String>,
    seen_claims: Vec<Value>,
}

fn run_case(
    adapter: &mut dyn Adapter,
    lc: &LoadedCase,
    info: &InfoResponse,
    bin: &Path,
    workdir: &Path,
    docker: Option<&DockerMode>,
) -> CaseReport {
    let observer = if docker.is_some() {
        "docker-driver"
    } else {
        "command-driver"
    };
    let missing: Vec<String> = lc
        .case
        .required_capabilities_with(observer)
        .into_iter()
        .filter(|c| !info.capabilities.contains(c))
        .collect();
    if !missing.is_empty() {
        return skipped(
            lc,
            format!("runtime does not declare capability {}", missing.join(", ")),
        );
    }
    if !info.spec_versions.contains(&lc.case.spec) {
        return skipped(
            lc,
            format!("runtime does not declare spec version {}", lc.case.spec),
        );
    }
    let nonce = ulid::Ulid::generate().to_string()[20..].to_lowercase();
    let installation = format!("cnabconf-{}-{nonce}", lc.case.id.replace('.', "-"));
    let mut vars = BTreeMap::new();
    vars.insert(PLACEHOLDER_INSTALLATION, installation.clone());
    match docker {
        Some(d) => {
            vars.insert(PLACEHOLDER_IMAGE, d.probe.reference.clone());
            vars.insert(PLACEHOLDER_DIGEST, d.probe.digest.clone());
        }
        None => {
            vars.insert(PLACEHOLDER_IMAGE, OBSERVER_IMAGE.to_string());
            vars.insert(PLACEHOLDER_DIGEST, observer_digest());
        }
    }
    let case = instantiate(&lc.case, &vars);
    let report = run_steps(adapter, lc, &case, bin, workdir, docker);
    // Clean up even after an error, so a real runtime keeps no leftovers.
    let installations: BTreeSet<&String> = case.steps.iter().map(|s| &s.installation).collect();
    for inst in installations {
        let _ = adapter.cleanup(&InstallationRequest {
            protocol: PROTOCOL.to_string(),
            installation: inst.clone(),
            workdir: workdir.to_path_buf(),
        });
    }
    report
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

/// The bundle with the probe's directions for this step's action put under
/// `custom["io.cnab-conformance.probe"]`: the outputs and exit code of the
/// step's `image`, and the variables and paths the step's probe checks read.
pub fn with_probe_directions(bundle: &Value, step: &Step) -> Value {
    let mut env: Vec<&str> = Vec::new();
    let mut files: Vec<&str> = Vec::new();
    for e in &step.expect {
        match e {
            Expectation::ProbeEnv { name, .. } => env.push(name),
            Expectation::ProbeFile { path, .. } | Expectation::ProbeFileIsBundle { path, .. } => {
                files.push(path)
            }
            _ => {}
        }
    }
    let mut directions = json!({
        "outputs": step.image.outputs,
        "exitCode": step.image.exit_code,
    });
    if !env.is_empty() {
        directions["env"] = json!(env);
    }
    if !files.is_empty() {
        directions["files"] = json!(files);
    }
    let mut out = bundle.clone();
    if let Some(b) = out.as_object_mut() {
        let custom = b
            .entry("custom")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(c) = custom.as_object_mut() {
            c.insert(
                PROBE_DIRECTIONS_KEY.to_string(),
                json!({ step.action.clone(): directions }),
            );
        }
    }
    out
}

fn run_steps(
    adapter: &mut dyn Adapter,
    lc: &LoadedCase,
    case: &Case,
    bin: &Path,
    workdir: &Path,
    docker: Option<&DockerMode>,
) -> CaseReport {
    let mut bundle_bytes = serde_json::to_vec(&case.bundle).expect("a bundle serializes");
    let mut bundle_path = workdir.join("bundle.json");
    let mut report = CaseReport {
        id: case.id.clone(),
        family: lc.family.clone(),
        description: case.description.clone(),
        verdict: Verdict::Pass,
        reason: None,
        duration_ms: 0,
        clauses: case.clauses(),
        steps: Vec::new(),
    };
    let error = |mut r: CaseReport, reason: String| {
        r.verdict = Verdict::Error;
        r.reason = Some(reason);
        r
    };
    if let Err(e) = std::fs::write(&bundle_path, &bundle_bytes) {
        return error(report, format!("cannot write the bundle: {e}"));
    }
    let mut state = CaseState::default();
    let mut template = &case.bundle;
    for (i, step) in case.steps.iter().enumerate() {
        if let Some(b) = &step.bundle {
            template = b;
        }
        if step.bundle.is_some() || docker.is_some() {
            // On the Docker path each step's bundle carries the probe's
            // directions for that step; the bundle the runtime gets is the
            // one the expectations compare with.
            let bundle = match docker {
                Some(_) => with_probe_directions(template, step),
                None => template.clone(),
            };
            bundle_bytes = serde_json::to_vec(&bundle).expect("a bundle serializes");
            bundle_path = workdir.join(format!("bundle-{i}.json"));
            if let Err(e) = std::fs::write(&bundle_path, &bundle_bytes) {
                return error(report, format!("cannot write the bundle: {e}"));
            }
        }
        let script = workdir.join(format!("step-{i}.script.json"));
        let obs_file = workdir.join(format!("step-{i}.observations.jsonl"));
        if let Err(e) = std::fs::write(
            &script,
            serde_json::to_vec(&step.image).expect("a script serializes"),
        ) {
            return error(report, format!("cannot write the image script: {e}"));
        }
        let mut env = BTreeMap::new();
        env.insert(ENV_OBSERVATIONS.to_string(), obs_file.display().to_string());
        env.insert(ENV_SCRIPT.to_string(), script.display().to_string());
        if let Some(d) = docker {
            env.insert(ENV_RUN_ID.to_string(), d.run_id.clone());
        }
        let req = RunRequest {
            protocol: PROTOCOL.to_string(),
            bundle: bundle_path.clone(),
            action: step.action.clone(),
            installation: step.installation.clone(),
            parameters: step.parameters.clone(),
            credentials: step.credentials.clone(),
            driver: DriverInfo {
                name: if docker.is_some() {
                    DOCKER_DRIVER_NAME
                } else {
                    OBSERVER_DRIVER_NAME
                }
                .to_string(),
                path: bin.to_path_buf(),
                env,
            },
            workdir: workdir.to_path_buf(),
        };
        let resp = match adapter.run(&req) {
            Ok(r) => r,
            Err(e) => {
                let stderr = truncate(&adapter.last_stderr(), 2000);
                let mut r = error(report, format!("step {} ({}): {e}", i + 1, step.action));
                if !stderr.is_empty() {
                    r.reason = Some(format!(
                        "{}; adapter stderr: {stderr}",
                        r.reason.unwrap_or_default()
                    ));
                }
                return r;
            }
        };
        let observations = match read_observations(&obs_file) {
            Ok(o) => o,
            Err(e) => return error(report, e),
        };
        let needs_store = step.expect.iter().any(|e| {
            matches!(
                e,
                Expectation::ClaimsStored { .. }
                    | Expectation::ResultStatus { .. }
                    | Expectation::ClaimRetained { .. }
                    | Expectation::AbsentFromClaims { .. }
            )
        });
        let stored = if needs_store {
            match adapter.claims(&InstallationRequest {
                protocol: PROTOCOL.to_string(),
                installation: step.installation.clone(),
                workdir: workdir.to_path_buf(),
            }) {
                Ok(c) => Some(c),
                Err(e) => return error(report, format!("step {} claims: {e}", i + 1)),
            }
        } else {
            None
        };
        let observation = observations
            .iter()
            .rev()
            .find(|o| o.operation.is_some() || o.operation_error.is_some());
        if let Some(c) = &resp.claim {
            state.seen_claims.push(c.clone());
        }
        let ctx = StepContext {
            step_action: &step.action,
            installation: &step.installation,
            response: &resp,
            observation,
            bundle: &bundle_bytes,
            stored: stored.as_ref(),
        };
        let expectations: Vec<ExpectationReport> = step
            .expect
            .iter()
            .map(|e| {
                let (ok, observed) = evaluate(e, &ctx, &state);
                ExpectationReport {
                    check: e.describe(),
                    clauses: e.clauses().to_vec(),
                    verdict: if ok { Verdict::Pass } else { Verdict::Fail },
                    observed,
                }
            })
            .collect();
        if expectations.iter().any(|e| e.verdict == Verdict::Fail) {
            report.verdict = Verdict::Fail;
        }
        // Remember what this step showed, for later `revision` checks.
        if let Some(o) = observation {
            if let Some(r) = o.environment().get("CNAB_REVISION") {
                state.revisions.push(r.clone());
            }
            if let Some(id) = o
                .files()
                .get("/cnab/claim.json")
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .and_then(|c| c.get("id").and_then(Value::as_str).map(str::to_string))
            {
                state.mounted_claim_ids.insert(id);
            }
        }
        report.steps.push(StepReport {
            action: step.action.clone(),
            installation: step.installation.clone(),
            outcome: resp.outcome.as_str().to_string(),
            message: truncate(&resp.message, 2000),
            image_ran: observation.is_some(),
            observed: observation.map(|o| observed_excerpt(o, &step.credentials)),
            adapter_stderr: truncate(&adapter.last_stderr(), 2000),
            expectations,
        });
    }
    report
}

/// What reached the image, for the report: environment and files (contents
/// truncated, credential values masked), requested outputs, notes.
fn observed_excerpt(o: &Observation, credentials: &BTreeMap<String, String>) -> Value {
    let secrets: Vec<&String> = credentials.values().filter(|v| !v.is_empty()).collect();
    let mask = |v: &str| {
        if secrets.iter().any(|s| v.contains(s.as_str())) {
            "<credential>".to_string()
        } else {
            truncate(v, 200)
        }
    };
    let env: BTreeMap<String, String> = o
        .environment()
        .iter()
        .map(|(k, v)| (k.clone(), mask(v)))
        .collect();
    let files: BTreeMap<String, String> = o
        .files()
        .iter()
        .map(|(k, v)| (k.clone(), mask(v)))
        .collect();
    let mut excerpt = json!({
        "environment": env,
        "files": files,
        "outputs": o.outputs(),
        "outputs_written": o.outputs_written,
        "exit_code": o.exit_code,
        "notes": o.notes,
        "operation_error": o.operation_error,
    });
    // What the probe saw inside the container: values masked, files by kind,
    // mode and owner (their content is in the expectations that need it).
    if let Ok(p) = probe_of(Some(o)) {
        let env: BTreeMap<&String, String> = p.env.iter().map(|(k, v)| (k, mask(v))).collect();
        let files: BTreeMap<&String, String> = p
            .files
            .iter()
            .map(|(k, f)| {
                let mut d = f.kind.clone();
                if let Some(m) = f.mode {
                    d.push_str(&format!(" mode {m:04o}"));
                }
                if let (Some(u), Some(g)) = (f.uid, f.gid) {
                    d.push_str(&format!(" owner {u}:{g}"));
                }
                if let Some(n) = f.size {
                    d.push_str(&format!(" {n} bytes"));
                }
                (k, d)
            })
            .collect();
        excerpt["probe"] = json!({
            "argv0": p.argv0,
            "entrypoint_is_run": p.entrypoint_is_run,
            "uid": p.uid,
            "gid": p.gid,
            "env": env,
            "files": files,
            "outputs_written": p.outputs_written,
            "problems": p.problems,
        });
    }
    excerpt
}

struct StepContext<'a> {
    step_action: &'a str,
    installation: &'a str,
    response: &'a RunResponse,
    observation: Option<&'a Observation>,
    bundle: &'a [u8],
    stored: Option<&'a ClaimsResponse>,
}

const NOT_RUN: &str = "the invocation image did not run";

fn show(v: Option<&String>) -> String {
    match v {
        Some(s) => format!("{:?}", truncate(s, 300)),
        None => "nothing".to_string(),
    }
}

/// Checks one expectation; returns whether it held and what was observed.
fn evaluate(e: &Expectation, ctx: &StepContext<'_>, state: &CaseState) -> (bool, String) {
    let obs = ctx.observation;
    let env = obs.map(|o| o.environment()).unwrap_or_default();
    let files = obs.map(|o| o.files()).unwrap_or_default();
    match e {
        Expectation::Outcome { is, .. } => {
            let ran = obs.is_some();
            let succeeded = ctx.response.outcome == Outcome::Succeeded;
            let ok = match is {
                ExpectedOutcome::Succeeded => succeeded && ran,
                ExpectedOutcome::Failed => !succeeded && ran,
                ExpectedOutcome::Refused => !succeeded && !ran,
                ExpectedOutcome::Error => !succeeded,
            };
            (
                ok,
                format!(
                    "outcome {} ({}); message: {:?}",
                    ctx.response.outcome.as_str(),
                    if ran {
                        "the image ran"
                    } else {
                        "the image did not run"
                    },
                    truncate(&ctx.response.message, 300)
                ),
            )
        }
        Expectation::Env {
            name,
            equals,
            or_refused,
            ..
        } => match obs {
            None if *or_refused && ctx.response.outcome != Outcome::Succeeded => (
                true,
                format!("refused: {:?}", truncate(&ctx.response.message, 300)),
            ),
            None => (false, NOT_RUN.into()),
            Some(_) => (env.get(name) == Some(equals), show(env.get(name))),
        },
        Expectation::EnvAbsent { name, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(_) => (!env.contains_key(name), show(env.get(name))),
        },
        Expectation::File { path, equals, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(_) => (files.get(path) == Some(equals), show(files.get(path))),
        },
        Expectation::FileAbsent { path, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(_) => (!files.contains_key(path), show(files.get(path))),
        },
        Expectation::FileIsBundle { path, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(_) => match files.get(path) {
                None => (false, "no such file".into()),
                Some(t) if t.as_bytes() == ctx.bundle => {
                    (true, format!("{} identical bytes", t.len()))
                }
                Some(t) => (
                    false,
                    format!(
                        "{} bytes that differ from the {}-byte bundle: {:?}",
                        t.len(),
                        ctx.bundle.len(),
                        truncate(t, 200)
                    ),
                ),
            },
        },
        Expectation::FileIsCurrentClaim { path, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(_) => match files.get(path) {
                None => (false, "no such file".into()),
                Some(t) => match serde_json::from_str::<Value>(t) {
                    Err(e) => (false, format!("not JSON: {e}")),
                    Ok(c) => {
                        let field = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
                        let mut problems = Vec::new();
                        if field("action") != ctx.step_action {
                            problems.push(format!("action is {:?}", field("action")));
                        }
                        if field("installation") != ctx.installation {
                            problems.push(format!("installation is {:?}", field("installation")));
                        }
                        if Some(&field("revision").to_string()) != env.get("CNAB_REVISION") {
                            problems.push(format!(
                                "revision {:?} is not CNAB_REVISION {}",
                                field("revision"),
                                show(env.get("CNAB_REVISION"))
                            ));
                        }
                        if state.mounted_claim_ids.contains(field("id")) {
                            problems.push(format!(
                                "claim {:?} was already mounted by an earlier step",
                                field("id")
                            ));
                        }
                        if problems.is_empty() {
                            (
                                true,
                                format!("claim {} for {}", field("id"), field("action")),
                            )
                        } else {
                            (false, problems.join("; "))
                        }
                    }
                },
            },
        },
        Expectation::OutputRequested { name, is, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(o) => {
                let outs = o.outputs();
                let requested = outs.values().any(|v| v == name);
                (
                    requested == *is,
                    format!(
                        "requested outputs: [{}]",
                        outs.values().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            }
        },
        Expectation::Output { name, equals, .. } => {
            let got = ctx.response.outputs.as_ref().and_then(|o| o.get(name));
            (got == Some(equals), show(got))
        }
        Expectation::OutputAbsent { name, .. } => {
            let got = ctx.response.outputs.as_ref().and_then(|o| o.get(name));
            (got.is_none(), show(got))
        }
        Expectation::Revision { is, .. } => match env.get("CNAB_REVISION") {
            None => (
                false,
                if obs.is_none() {
                    NOT_RUN.into()
                } else {
                    "CNAB_REVISION is not set".into()
                },
            ),
            Some(r) => match is {
                RevisionChange::New => (
                    !state.revisions.contains(r),
                    format!("{r:?}; earlier: {:?}", state.revisions),
                ),
                RevisionChange::Same => (
                    state.revisions.last() == Some(r),
                    format!("{r:?}; previous: {}", show(state.revisions.last())),
                ),
            },
        },
        Expectation::EnvPreviousRevision { name, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(_) => (
                env.contains_key(name) && env.get(name) == state.revisions.last(),
                format!(
                    "{}; previous revision: {}",
                    show(env.get(name)),
                    show(state.revisions.last())
                ),
            ),
        },
        Expectation::RevisionIsUlid { .. } => match env.get("CNAB_REVISION") {
            None => (false, "CNAB_REVISION is not set".into()),
            Some(r) => (is_ulid(r), format!("{r:?}")),
        },
        Expectation::ClaimsStored { count, .. } => match ctx.stored {
            None => (false, "the adapter listed no claims".into()),
            Some(s) => (
                s.claims.len() == *count,
                format!("{} claim(s)", s.claims.len()),
            ),
        },
        Expectation::ClaimValid { .. } => match &ctx.response.claim {
            None => (false, "the runtime reported no claim".into()),
            Some(c) => {
                let problems = claim_problems(c);
                if problems.is_empty() {
                    (true, "valid".into())
                } else {
                    (false, problems.join("; "))
                }
            }
        },
        Expectation::ClaimField {
            pointer, equals, ..
        } => match &ctx.response.claim {
            None => (false, "the runtime reported no claim".into()),
            Some(c) => {
                let got = c.pointer(pointer);
                (
                    got == Some(equals),
                    got.map(|v| truncate(&v.to_string(), 300))
                        .unwrap_or_else(|| "nothing".into()),
                )
            }
        },
        Expectation::ResultStatus { equals, .. } => {
            let last = ctx
                .stored
                .and_then(|s| s.results.last())
                .or(ctx.response.result.as_ref());
            let got = last.and_then(|r| r.get("status")).and_then(Value::as_str);
            (
                got == Some(equals.as_str()),
                got.map(|s| format!("{s:?}"))
                    .unwrap_or_else(|| "no result".into()),
            )
        }
        Expectation::ImageIs { equals, .. } => match obs {
            None => (false, NOT_RUN.into()),
            Some(o) => {
                let got = o
                    .operation
                    .as_ref()
                    .and_then(|op| op.pointer("/image/image"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                (got.as_ref() == Some(equals), show(got.as_ref()))
            }
        },
        Expectation::MessageLacks { text, .. } => (
            !ctx.response.message.contains(text.as_str()),
            format!("message: {:?}", truncate(&ctx.response.message, 300)),
        ),
        Expectation::ClaimRetained { action, .. } => match ctx.stored {
            None => (false, "the adapter listed no claims".into()),
            Some(s) => {
                let ids: Vec<&str> = s
                    .claims
                    .iter()
                    .filter(|c| c.get("action").and_then(Value::as_str) == Some(action.as_str()))
                    .filter_map(|c| c.get("id").and_then(Value::as_str))
                    .collect();
                let with_result = ids.iter().any(|id| {
                    s.results
                        .iter()
                        .any(|r| r.get("claimId").and_then(Value::as_str) == Some(id))
                });
                (
                    with_result,
                    format!(
                        "{} claim(s) for {action:?}, {} with a stored result; {} claim(s) in all",
                        ids.len(),
                        if with_result { "one" } else { "none" },
                        s.claims.len()
                    ),
                )
            }
        },
        Expectation::MessageContains { text, .. } => (
            ctx.response.message.contains(text.as_str()),
            format!("message: {:?}", truncate(&ctx.response.message, 300)),
        ),
        Expectation::AbsentFromClaims { text, .. } => {
            let mut docs: Vec<&Value> = Vec::new();
            docs.extend(ctx.response.claim.iter());
            docs.extend(ctx.response.result.iter());
            docs.extend(state.seen_claims.iter());
            if let Some(s) = ctx.stored {
                docs.extend(s.claims.iter());
                docs.extend(s.results.iter());
            }
            // The same document can come from the response and the store.
            let docs: BTreeSet<String> = docs.iter().map(|d| d.to_string()).collect();
            let found = docs.iter().filter(|d| d.contains(text.as_str())).count();
            (
                found == 0,
                format!("found in {found} of {} claim document(s)", docs.len()),
            )
        }
        Expectation::ProbeEnv { name, equals, .. } => match probe_of(obs) {
            Err(why) => (false, why),
            Ok(p) => (p.env.get(name) == Some(equals), show(p.env.get(name))),
        },
        Expectation::ProbeFile {
            path,
            kind,
            equals,
            mode,
            ..
        } => match probe_of(obs) {
            Err(why) => (false, why),
            Ok(p) => match p.files.get(path) {
                None => (false, format!("the probe did not look at {path}")),
                Some(f) => {
                    let want_kind = kind.as_deref().unwrap_or("file");
                    let want_mode = mode.as_deref().and_then(|m| u32::from_str_radix(m, 8).ok());
                    let content = f.content().map(|b| String::from_utf8_lossy(&b).to_string());
                    let ok = f.kind == want_kind
                        && want_mode.is_none_or(|m| f.mode == Some(m))
                        && equals.as_ref().is_none_or(|e| content.as_ref() == Some(e));
                    (ok, describe_file(f))
                }
            },
        },
        Expectation::ProbeFileIsBundle { path, .. } => match probe_of(obs) {
            Err(why) => (false, why),
            Ok(p) => match p.files.get(path).and_then(|f| f.content()) {
                None => (false, format!("no readable file at {path}")),
                Some(b) if b == ctx.bundle => (true, format!("{} identical bytes", b.len())),
                Some(b) => (
                    false,
                    format!(
                        "{} bytes that differ from the {}-byte bundle: {:?}",
                        b.len(),
                        ctx.bundle.len(),
                        truncate(&String::from_utf8_lossy(&b), 200)
                    ),
                ),
            },
        },
        Expectation::ProbeEntrypoint { path, .. } => match probe_of(obs) {
            Err(why) => (false, why),
            Ok(p) => {
                let as_path = p.argv0.as_deref() == Some(path.as_str())
                    || p.executable.as_deref() == Some(path.as_str());
                (
                    as_path && p.entrypoint_is_run == (path == "/cnab/app/run"),
                    format!(
                        "argv0 {}, executable {}",
                        show(p.argv0.as_ref()),
                        show(p.executable.as_ref())
                    ),
                )
            }
        },
    }
}

/// The probe's own observation from inside the container, or why there is
/// none.
fn probe_of(obs: Option<&Observation>) -> Result<cnab_probe::Observation, String> {
    let Some(o) = obs else {
        return Err(NOT_RUN.into());
    };
    let Some(v) = &o.probe else {
        return Err(format!(
            "no probe observation (notes: {})",
            truncate(&o.notes.join("; "), 300)
        ));
    };
    serde_json::from_value(v.clone()).map_err(|e| format!("garbled probe observation: {e}"))
}

fn describe_file(f: &cnab_probe::FileRecord) -> String {
    let mut s = f.kind.clone();
    if let Some(m) = f.mode {
        s.push_str(&format!(" mode {m:04o}"));
    }
    if let (Some(u), Some(g)) = (f.uid, f.gid) {
        s.push_str(&format!(" owner {u}:{g}"));
    }
    if let Some(t) = &f.text {
        s.push_str(&format!(" holding {:?}", truncate(t, 200)));
    } else if f.base64.is_some() {
        s.push_str(" holding binary content");
    }
    if let Some(e) = &f.error {
        s.push_str(&format!(" ({e})"));
    }
    s
}

/// The claims spec's identifier and timestamp syntax, shared with the
/// validator so a claim is judged the same way by both tools.
pub use cnab_model::syntax::{is_rfc3339, is_ulid};

fn claim_validator() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| {
        let find = |f: &str| {
            cnab_validator::schema::embedded::find("cnab-claims/1.0.0", f)
                .ok_or_else(|| format!("embedded schema cnab-claims/1.0.0/{f} is missing"))
        };
        let parse = |t: &str| serde_json::from_str::<Value>(t).map_err(|e| e.to_string());
        let claim = parse(find("claim.schema.json")?)?;
        // The claim schema refers to its siblings by their `$id`s.
        // The bundle schema also points into the draft-07 meta-schema, which
        // the registry holds as a baseline; nothing is fetched.
        let siblings = ["bundle.schema.json", "definitions.schema.json"]
            .into_iter()
            .map(|file| Ok((format!("https://cnab.io/v1/{file}"), parse(find(file)?)?)))
            .collect::<Result<Vec<_>, String>>()?;
        let registry = referencing::SPECIFICATIONS
            .extend(siblings)
            .map_err(|e| e.to_string())?
            .prepare()
            .map_err(|e| e.to_string())?;
        jsonschema::options()
            .with_registry(&registry)
            .build(&claim)
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Everything wrong with a claim: schema errors (CNAB Claims 1.0.0), IDs that
/// are not ULIDs, a `created` that is not RFC 3339.
pub fn claim_problems(claim: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match claim_validator() {
        Err(e) => out.push(format!("cannot compile the claim schema: {e}")),
        Ok(v) => out.extend(
            v.iter_errors(claim)
                .take(5)
                .map(|e| format!("schema: {e} at `{}`", e.instance_path())),
        ),
    }
    for k in ["id", "revision"] {
        if let Some(s) = claim.get(k).and_then(Value::as_str) {
            if !is_ulid(s) {
                out.push(format!("{k} {s:?} is not a ULID"));
            }
        }
    }
    if let Some(s) = claim.get("created").and_then(Value::as_str) {
        if !is_rfc3339(s) {
            out.push(format!("created {s:?} is not an RFC 3339 timestamp"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_forms() {
        assert!(is_rfc3339("2018-08-30T20:39:55.549002887-06:00"));
        assert!(is_rfc3339("2018-08-30T20:39:55Z"));
        assert!(!is_rfc3339("2018-08-30 20:39:55Z"));
        assert!(!is_rfc3339("2018-08-30T20:39:55"));
        assert!(!is_rfc3339("2018-08-30T20:39:55.Z"));
    }

    #[test]
    fn probe_directions_go_under_the_step_action_and_keep_other_custom_keys() {
        let bundle = json!({"name": "b", "custom": {"com.example": {"x": 1}}});
        let step: Step = serde_json::from_value(json!({
            "action": "upgrade",
            "image": {"outputs": {"o": "v"}, "exit_code": 4},
            "expect": [
                {"check": "probe_env", "clauses": ["c"], "name": "EXTRA", "equals": "1"},
                {"check": "probe_file", "clauses": ["c"], "path": "/etc/x"},
                {"check": "outcome", "clauses": ["c"], "is": "failed"}
            ]
        }))
        .unwrap();
        let b = with_probe_directions(&bundle, &step);
        assert_eq!(b["custom"]["com.example"], json!({"x": 1}));
        assert_eq!(
            b["custom"][PROBE_DIRECTIONS_KEY],
            json!({"upgrade": {"outputs": {"o": "v"}, "exitCode": 4, "env": ["EXTRA"], "files": ["/etc/x"]}})
        );
        // The directions read back as the probe reads them.
        let d: cnab_probe::Directions =
            serde_json::from_value(b["custom"][PROBE_DIRECTIONS_KEY]["upgrade"].clone()).unwrap();
        assert_eq!(d.exit_code, 4);
        assert_eq!(d.outputs["o"], "v");
        // A bundle without `custom` gets one.
        let b = with_probe_directions(&json!({"name": "b"}), &step);
        assert!(b["custom"][PROBE_DIRECTIONS_KEY]["upgrade"].is_object());
    }

    #[test]
    fn ulids() {
        assert!(is_ulid("01E5G8ZYP714JVM8NHTJQ4FH15"));
        assert!(!is_ulid("01E5G8ZYP714JVM8NHTJQ4FH1"));
        assert!(!is_ulid("not-a-ulid-not-a-ulid-xxxx"));
    }

    #[test]
    fn spec_example_claim_is_valid_and_a_broken_one_is_not() {
        let mut bad = json!({"action": "install", "created": "yesterday", "id": "x", "installation": "i", "revision": "r", "bundle": {}});
        let p = claim_problems(&bad);
        assert!(p.iter().any(|m| m.contains("schema")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("ULID")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("RFC 3339")), "{p:?}");
        bad["bundle"] = json!({"schemaVersion": "v1.0.0", "name": "b", "version": "1.0.0", "invocationImages": [{"image": "x", "imageType": "docker"}]});
        bad["created"] = json!("2020-01-01T00:00:00Z");
        bad["id"] = json!("01E5G8ZYP714JVM8NHTJQ4FH15");
        bad["revision"] = json!("01E5G8ZYP714JVM8NHTJQ4FH15");
        assert!(
            claim_problems(&bad).is_empty(),
            "{:?}",
            claim_problems(&bad)
        );
    }
}
