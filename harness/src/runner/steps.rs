//! One case: capabilities checked, the case instantiated, each step run
//! through the adapter with the run's driver, judged, and the installations
//! cleaned up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cnab_model::Verdict;
use cnab_report::{
    ActionOutcome, CaseReport, ExpectationReport, ExpectationVerdict, Precondition, StepReport,
};
use serde_json::{json, Value};

use super::evidence::observed_excerpt;
use crate::adapter::protocol::{
    ClaimsFormat, ClaimsResponse, DriverInfo, InfoResponse, InstallationRequest, RunRequest,
    RunResponse, PROTOCOL,
};
use crate::adapter::Adapter;
use crate::case::{
    Case, LoadedCase, Step, PLACEHOLDER_DIGEST, PLACEHOLDER_IMAGE, PLACEHOLDER_INSTALLATION,
};
use crate::driver::engine::READ_WAIT;
use crate::driver::{
    read_records, DriverKind, OperationRecord, ENV_OBSERVATIONS, ENV_RUN_ID, ENV_SCRIPT,
};
use crate::expect::probe::probe_reads;
use crate::expect::{ellipsize, format_skip, CaseState, Judgement, StepEvidence};

/// The key of the probe's directions under the bundle's `custom`.
pub const PROBE_DIRECTIONS_KEY: &str = "io.cnab-conformance.probe";

/// Why a case that reads what the probe sees inside a real container is
/// skipped on the command-driver path, even for a runtime that declares
/// `docker-driver`.
pub const NEEDS_DOCKER_PATH: &str =
    "needs the Docker path (`--driver docker`): it reads what the probe image sees inside a real container";
/// Why a case that needs the command driver is skipped on the Docker path.
pub const NEEDS_COMMAND_PATH: &str = "needs the command-driver path (`--driver command`)";

/// Why the case cannot run on this run's path, whatever the runtime
/// declares: a Docker-only case on the command-driver path, or the other way
/// round.
fn wrong_path(case: &Case, driver: &DriverKind) -> Option<&'static str> {
    let needs = case.required_capabilities_with(driver.capability());
    let needs = |c: &str| needs.iter().any(|n| n == c);
    match driver {
        DriverKind::Command if needs("docker-driver") => Some(NEEDS_DOCKER_PATH),
        DriverKind::Docker(_) if needs("command-driver") => Some(NEEDS_COMMAND_PATH),
        _ => None,
    }
}

/// The report of a case that did not run, with the reason.
pub(super) fn skipped(lc: &LoadedCase, reason: String) -> CaseReport {
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

/// The report turned into an `error` for this reason.
pub(super) fn error(mut r: CaseReport, reason: String) -> CaseReport {
    r.verdict = Verdict::Error;
    r.reason = Some(reason);
    r
}

/// Runs one case: skipped when the runtime lacks a capability or the spec
/// version, else its steps, then a cleanup of every installation it used.
pub(super) fn run_case(
    adapter: &mut dyn Adapter,
    lc: &LoadedCase,
    info: &InfoResponse,
    bin: &Path,
    workdir: &Path,
    driver: &DriverKind,
) -> CaseReport {
    let required = lc.case.required_capabilities_with(driver.capability());
    let missing: Vec<&String> = required
        .iter()
        .filter(|c| !info.capabilities.contains(c))
        .collect();
    if !missing.is_empty() {
        return skipped(
            lc,
            format!(
                "runtime does not declare capability {}",
                missing
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if let Some(reason) = wrong_path(&lc.case, driver) {
        return skipped(lc, reason.to_string());
    }
    if !info.spec_versions.contains(&lc.case.spec) {
        return skipped(
            lc,
            format!("runtime does not declare spec version {}", lc.case.spec),
        );
    }
    // Claims are judged by the format the runtime declares; one the suite
    // does not know cannot be judged at all.
    let claims_format = match info.claims_format() {
        Ok(f) => f,
        Err(reason) if required.iter().any(|c| c == "claims") => {
            return error(skipped(lc, String::new()), reason)
        }
        Err(_) => ClaimsFormat::default(),
    };
    let nonce = ulid::Ulid::generate().to_string()[20..].to_lowercase();
    let installation = format!("cnabconf-{}-{nonce}", lc.case.id.replace('.', "-"));
    let (image, digest) = driver.image_and_digest();
    let vars = BTreeMap::from([
        (PLACEHOLDER_INSTALLATION, installation),
        (PLACEHOLDER_IMAGE, image),
        (PLACEHOLDER_DIGEST, digest),
    ]);
    let case = lc.case.instantiate(&vars);
    let report = CaseRun {
        adapter: &mut *adapter,
        bin,
        workdir,
        driver,
        claims_format,
    }
    .run(lc, &case);
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

/// The bundle with the probe's directions for this step's action put under
/// `custom["io.cnab-conformance.probe"]`: the outputs and exit code of the
/// step's `image`, and the variables and paths the step's probe checks read.
pub fn with_probe_directions(bundle: &Value, step: &Step) -> Value {
    let (env, files) = probe_reads(&step.expect);
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

/// What the steps of one case share: the adapter, the driver directory, the
/// case directory and the run's driver.
struct CaseRun<'a> {
    adapter: &'a mut dyn Adapter,
    bin: &'a Path,
    workdir: &'a Path,
    driver: &'a DriverKind,
    claims_format: ClaimsFormat,
}

/// The bundle a step gives the runtime: its bytes and where they are.
struct BundleFile {
    bytes: Vec<u8>,
    path: PathBuf,
}

impl CaseRun<'_> {
    /// Runs the steps in order; the first step the adapter cannot answer
    /// makes the case an `error`.
    fn run(&mut self, lc: &LoadedCase, case: &Case) -> CaseReport {
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
        let mut bundle = match self.write_bundle(&case.bundle, self.workdir.join("bundle.json")) {
            Ok(b) => b,
            Err(reason) => return error(report, reason),
        };
        let mut state = CaseState::default();
        let mut template = &case.bundle;
        for (i, step) in case.steps.iter().enumerate() {
            if let Some(b) = &step.bundle {
                template = b;
            }
            // On the Docker path each step's bundle carries the probe's
            // directions for that step; the bundle the runtime gets is the
            // one the expectations compare with.
            let per_step = match self.driver {
                DriverKind::Docker(_) => Some(with_probe_directions(template, step)),
                DriverKind::Command => step.bundle.is_some().then(|| template.clone()),
            };
            if let Some(b) = per_step {
                match self.write_bundle(&b, self.workdir.join(format!("bundle-{i}.json"))) {
                    Ok(b) => bundle = b,
                    Err(reason) => return error(report, reason),
                }
            }
            match self.run_step(i, step, &bundle, &mut state) {
                Ok((s, unjudged)) => {
                    if s.expectations
                        .iter()
                        .any(|e| e.verdict == ExpectationVerdict::Fail)
                    {
                        report.verdict = Verdict::Fail;
                    }
                    let stop = (s.precondition == Some(Precondition::NotMet))
                        .then(|| not_met(i, case.steps.len(), &s));
                    report.steps.push(s);
                    if let Some(reason) = stop {
                        return error(report, reason);
                    }
                    // Evidence the suite cannot read is an error, whatever
                    // the other expectations say.
                    if let Some(reason) = unjudged {
                        return error(
                            report,
                            format!("step {} ({}): {reason}", i + 1, step.action),
                        );
                    }
                }
                Err(reason) => return error(report, reason),
            }
        }
        report
    }

    /// Writes a bundle for the runtime to read.
    fn write_bundle(&self, bundle: &Value, path: PathBuf) -> Result<BundleFile, String> {
        let bytes = serde_json::to_vec(bundle).expect("a bundle serializes");
        std::fs::write(&path, &bytes).map_err(|e| format!("cannot write the bundle: {e}"))?;
        Ok(BundleFile { bytes, path })
    }

    /// Runs one step and judges it; `Err` is the reason the case is an
    /// `error` before any judgement, the second value the reason it is one
    /// after (an expectation could not be judged).
    fn run_step(
        &mut self,
        i: usize,
        step: &Step,
        bundle: &BundleFile,
        state: &mut CaseState,
    ) -> Result<(StepReport, Option<String>), String> {
        let script = self.workdir.join(format!("step-{i}.script.json"));
        let records_file = self.workdir.join(format!("step-{i}.observations.jsonl"));
        std::fs::write(
            &script,
            serde_json::to_vec(&step.image).expect("a script serializes"),
        )
        .map_err(|e| format!("cannot write the image script: {e}"))?;
        let request = self.request(step, bundle, &script, &records_file);
        let since = std::time::SystemTime::now();
        let resp = self.adapter.run(&request).map_err(|e| {
            let stderr = ellipsize(&self.adapter.last_stderr(), 2000);
            let reason = format!("step {} ({}): {e}", i + 1, step.action);
            if stderr.is_empty() {
                reason
            } else {
                format!("{reason}; adapter stderr: {stderr}")
            }
        })?;
        // A stop during the step leaves its evidence incomplete: the case
        // is an error, whatever the adapter said.
        if let Some(sig) = super::interrupted() {
            return Err(format!(
                "step {} ({}): the run was interrupted ({sig})",
                i + 1,
                step.action
            ));
        }
        let records = match self.driver.engine_observer() {
            None => read_records(&records_file)?,
            Some(observer) => {
                // The runtime ran the containers itself: what the engine
                // observer saw of this step's installation.
                let seen = observer.collect(
                    &step.installation,
                    since,
                    std::time::SystemTime::now(),
                    READ_WAIT,
                );
                if !seen.lost.is_empty() {
                    return Err(format!(
                        "step {} ({}): the engine observer could not read what reached the image: {}",
                        i + 1,
                        step.action,
                        seen.lost.join("; ")
                    ));
                }
                seen.records
            }
        };
        let stored = if step.expect.iter().any(|e| e.needs_store()) {
            let listed = self.adapter.claims(&InstallationRequest {
                protocol: PROTOCOL.to_string(),
                installation: step.installation.clone(),
                workdir: self.workdir.to_path_buf(),
            });
            Some(listed.map_err(|e| format!("step {} claims: {e}", i + 1))?)
        } else {
            None
        };
        let record = records
            .iter()
            .rev()
            .find(|r| r.operation.is_some() || r.operation_error.is_some());
        Ok(self.judge(step, &resp, record, &bundle.bytes, stored.as_ref(), state))
    }

    /// The `run` request of a step.
    fn request(
        &self,
        step: &Step,
        bundle: &BundleFile,
        script: &Path,
        records_file: &Path,
    ) -> RunRequest {
        let mut env = BTreeMap::new();
        // With the engine observer the runtime's own Docker driver runs the
        // image; nothing is recorded through a file.
        if self.driver.engine_observer().is_none() {
            env.insert(
                ENV_OBSERVATIONS.to_string(),
                records_file.display().to_string(),
            );
            env.insert(ENV_SCRIPT.to_string(), script.display().to_string());
        }
        if let Some(d) = self.driver.docker() {
            env.insert(ENV_RUN_ID.to_string(), d.run_id.clone());
        }
        RunRequest {
            protocol: PROTOCOL.to_string(),
            bundle: bundle.path.clone(),
            action: step.action.clone(),
            installation: step.installation.clone(),
            parameters: step.parameters.clone(),
            credentials: step.credentials.clone(),
            driver: DriverInfo {
                kind: self.driver.request_kind().to_string(),
                name: self.driver.driver_name().to_string(),
                path: self.bin.to_path_buf(),
                env,
            },
            workdir: self.workdir.to_path_buf(),
        }
    }

    /// Judges every expectation of a step, remembers what later steps
    /// compare with, and writes the step's report, with the reason the case
    /// is an `error` when an expectation could not be judged.
    fn judge(
        &self,
        step: &Step,
        resp: &RunResponse,
        record: Option<&OperationRecord>,
        bundle: &[u8],
        stored: Option<&ClaimsResponse>,
        state: &mut CaseState,
    ) -> (StepReport, Option<String>) {
        if let Some(c) = &resp.claim {
            state.seen_claims.push(c.clone());
        }
        let evidence = StepEvidence::new(
            &step.action,
            &step.installation,
            resp,
            record,
            bundle,
            stored,
        )
        .with_claims_format(self.claims_format);
        let met = resp.outcome == ActionOutcome::Succeeded && record.is_some();
        let precondition = step.precondition.then_some(if met {
            Precondition::Met
        } else {
            Precondition::NotMet
        });
        let mut unjudged = None;
        let expectations: Vec<ExpectationReport> = step
            .expect
            .iter()
            .map(|e| {
                if precondition == Some(Precondition::NotMet) {
                    return ExpectationReport {
                        check: e.describe(),
                        clauses: e.clauses().to_vec(),
                        verdict: ExpectationVerdict::NotReached,
                        observed: format!(
                            "not judged: the step is a precondition and it did not succeed ({})",
                            outcome_words(resp, record.is_some())
                        ),
                    };
                }
                // A rule the declared claims format does not have is not
                // judged at all.
                let j = match format_skip(self.claims_format, e.clauses()) {
                    Some(reason) => Judgement::skip(reason),
                    None => e.evaluate(&evidence, state),
                };
                if let Some(reason) = &j.error {
                    unjudged.get_or_insert_with(|| format!("{}: {reason}", e.describe()));
                }
                ExpectationReport {
                    check: e.describe(),
                    clauses: e.clauses().to_vec(),
                    verdict: if j.skip.is_some() {
                        ExpectationVerdict::Skip
                    } else if j.held {
                        ExpectationVerdict::Pass
                    } else {
                        ExpectationVerdict::Fail
                    },
                    observed: j.observed,
                }
            })
            .collect();
        // Remember what this step showed, for later checks.
        state.messages.push(resp.message.clone());
        if record.is_some() {
            if let Some(r) = evidence.env.get("CNAB_REVISION") {
                state.revisions.push(r.clone());
            }
            if let Some(id) = evidence
                .files
                .get("/cnab/claim.json")
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .and_then(|c| c.get("id").and_then(Value::as_str).map(str::to_string))
            {
                state.mounted_claim_ids.insert(id);
            }
        }
        let stderr = ellipsize(&self.adapter.last_stderr(), 2000);
        let report = StepReport {
            action: step.action.clone(),
            installation: step.installation.clone(),
            outcome: resp.outcome,
            message: ellipsize(&resp.message, 2000),
            image_ran: record.is_some(),
            observed: record.map(|r| observed_excerpt(r, &evidence, &step.credentials)),
            adapter_stderr: (!stderr.is_empty()).then_some(stderr),
            precondition,
            expectations,
        };
        (report, unjudged)
    }
}

/// The runtime's answer in words: `refused`, `failed`, or `succeeded` with
/// the image not run.
fn outcome_words(resp: &RunResponse, image_ran: bool) -> String {
    let mut s = format!("the runtime reported {}", resp.outcome.as_str());
    if !image_ran {
        s.push_str(" and the invocation image did not run");
    }
    s
}

/// The reason a case stopped at step `i`, whose precondition was not met.
fn not_met(i: usize, steps: usize, s: &StepReport) -> String {
    let mut reason = format!(
        "precondition not met at step {} ({}): the case needs it to succeed, but the runtime reported {}{}",
        i + 1,
        s.action,
        s.outcome.as_str(),
        if s.image_ran {
            ""
        } else {
            " and the invocation image did not run"
        }
    );
    if !s.message.is_empty() {
        reason.push_str(&format!(": {}", s.message));
    }
    if i + 1 < steps {
        reason.push_str(&format!("; steps {} to {steps} not run", i + 2));
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
