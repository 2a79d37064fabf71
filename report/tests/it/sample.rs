//! Sample reports built in code: realistic mixes of verdicts for two runtimes,
//! a large synthetic run, and the two reports the harness wrote for the
//! reference runtime and one of its mutants.

use cnab_model::Verdict;
use cnab_report::{
    ActionOutcome, CaseReport, ExpectationReport, ExpectationVerdict, RunReport, StepReport,
};
use serde_json::json;

/// A report with no cases, for one runtime.
pub fn empty(name: &str, version: &str) -> RunReport {
    RunReport::from_json(
        &json!({
            "format": "cnab-conformance-report/1",
            "suite_version": "0.1.0",
            "catalog_version": "0.1.0",
            "protocol": "cnab-conformance-adapter/1",
            "started": "2026-11-27T10:00:00Z",
            "finished": "2026-11-27T10:00:42Z",
            "runtime": {
                "adapter": format!("/usr/local/bin/{name}-adapter"),
                "name": name,
                "version": version,
                "spec_versions": ["cnab-core-1.2.0", "cnab-claims-1.0.0"],
                "capabilities": ["command-driver", "outputs"]
            },
            "environment": {
                "observer": "command-driver",
                "driver": "conformance-observer",
                "timeout_secs": 60,
                "platform": "linux-x86_64"
            },
            "cases": [],
            "clauses": [],
            "totals": {"cases": {}, "clauses": {}}
        })
        .to_string(),
    )
    .expect("the sample skeleton is a valid report")
}

/// What a case ran into.
pub enum Shape<'a> {
    /// Every expectation held.
    Pass,
    /// One expectation failed: check, the clauses it names, observed.
    Fail(&'a str, &'a [&'a str], &'a str),
    /// Not run, with a reason.
    Skip(&'a str),
    /// The adapter broke, with a reason.
    Error(&'a str),
}

/// A case with one install step.
pub fn case(id: &str, family: &str, clauses: &[&str], shape: Shape<'_>) -> CaseReport {
    let installation = format!("cnabconf-{}-{}", id.replace('.', "-"), "k3j9x2");
    let pass_exp = |check: &str, cl: &[&str]| ExpectationReport {
        check: check.to_string(),
        clauses: cl.iter().map(|s| s.to_string()).collect(),
        verdict: ExpectationVerdict::Pass,
        observed: "as expected".to_string(),
    };
    let step =
        |expectations: Vec<ExpectationReport>, outcome: ActionOutcome, message: &str| StepReport {
            action: "install".to_string(),
            installation: installation.clone(),
            outcome,
            message: message.to_string(),
            image_ran: outcome != ActionOutcome::Refused,
            observed: Some(json!({"environment": {"CNAB_ACTION": "install"}, "exit_code": 0})),
            adapter_stderr: None,
            precondition: None,
            expectations,
        };
    let (verdict, reason, steps) = match shape {
        Shape::Pass => (
            Verdict::Pass,
            None,
            vec![step(
                vec![pass_exp("outcome is succeeded", clauses)],
                ActionOutcome::Succeeded,
                "",
            )],
        ),
        Shape::Fail(check, cl, observed) => {
            let others: Vec<&str> = clauses
                .iter()
                .copied()
                .filter(|c| !cl.contains(c))
                .collect();
            let mut exps = Vec::new();
            if !others.is_empty() {
                exps.push(pass_exp("outcome is succeeded", &others));
            }
            exps.push(ExpectationReport {
                check: check.to_string(),
                clauses: cl.iter().map(|s| s.to_string()).collect(),
                verdict: ExpectationVerdict::Fail,
                observed: observed.to_string(),
            });
            let mut s = step(exps, ActionOutcome::Succeeded, "installed");
            s.adapter_stderr = Some("level=warn msg=\"no contentDigest\"".to_string());
            (Verdict::Fail, None, vec![s])
        }
        Shape::Skip(r) => (Verdict::Skip, Some(r.to_string()), Vec::new()),
        Shape::Error(r) => (
            Verdict::Error,
            Some(r.to_string()),
            vec![step(
                Vec::new(),
                ActionOutcome::Failed,
                "adapter exited with status 2",
            )],
        ),
    };
    CaseReport {
        id: id.to_string(),
        family: family.to_string(),
        description: format!("Shows that {id} behaves as the spec says."),
        verdict,
        reason,
        duration_ms: 1234,
        clauses: clauses.iter().map(|s| s.to_string()).collect(),
        steps,
    }
}

fn finish(mut r: RunReport, cases: Vec<CaseReport>) -> RunReport {
    r.cases = cases;
    r.recompute();
    r
}

/// The first runtime: pass, fail, skip, error, xfail and unexpected pass.
pub fn runtime_a() -> RunReport {
    let mut xfailed = case(
        "outputs.default-written",
        "outputs",
        &["core.runtime.outputs.default_written"],
        Shape::Fail(
            "output greeting = \"hello\"",
            &["core.runtime.outputs.default_written"],
            "no output greeting",
        ),
    );
    xfailed.verdict = Verdict::Xfail;
    xfailed.reason = Some(
        "expected failure: core.runtime.outputs.default_written: defaults are not written yet (https://example.com/acme/issues/7)"
            .to_string(),
    );
    let mut upass = case(
        "env.revision-ulid",
        "environment",
        &["core.runtime.revision.ulid"],
        Shape::Pass,
    );
    upass.verdict = Verdict::UnexpectedPass;
    upass.reason = Some(
        "unexpected pass: listed as an expected failure (env.revision-ulid: revisions are UUIDs)"
            .to_string(),
    );
    finish(
        empty("acme", "2.3.1"),
        vec![
            case(
                "params.default-used",
                "parameters",
                &[
                    "core.runtime.params.default_used",
                    "core.runtime.params.env",
                ],
                Shape::Pass,
            ),
            case(
                "params.required-missing",
                "parameters",
                &[
                    "core.runtime.params.env",
                    "core.runtime.params.required_missing",
                ],
                Shape::Fail(
                    "outcome is refused",
                    &["core.runtime.params.required_missing"],
                    "outcome succeeded (the image ran); message: \"installed\"",
                ),
            ),
            case(
                "creds.env-injected",
                "credentials",
                &["core.credentials.env.injected"],
                Shape::Pass,
            ),
            case(
                "creds.path-injected",
                "credentials",
                &["core.credentials.path.injected"],
                Shape::Skip("the runtime does not declare the capability credential-files"),
            ),
            case(
                "actions.custom",
                "actions",
                &["core.actions.builtin.supported"],
                Shape::Error("the adapter timed out after 60 s"),
            ),
            xfailed,
            upass,
            case(
                "env.action",
                "environment",
                &["core.runtime.env.CNAB_ACTION"],
                Shape::Pass,
            ),
        ],
    )
}

/// The second runtime: other verdicts for the same cases, one case not run,
/// and evidence full of characters renderers must escape.
pub fn runtime_b() -> RunReport {
    finish(
        empty("reference", "0.1.0"),
        vec![
            case(
                "params.default-used",
                "parameters",
                &[
                    "core.runtime.params.default_used",
                    "core.runtime.params.env",
                ],
                Shape::Fail(
                    "env SIZE = \"7\"",
                    &["core.runtime.params.default_used"],
                    "<script>alert(1)</script> & ``` | not set",
                ),
            ),
            case(
                "params.required-missing",
                "parameters",
                &[
                    "core.runtime.params.env",
                    "core.runtime.params.required_missing",
                ],
                Shape::Pass,
            ),
            case(
                "creds.env-injected",
                "credentials",
                &["core.credentials.env.injected"],
                Shape::Pass,
            ),
            case(
                "creds.path-injected",
                "credentials",
                &["core.credentials.path.injected"],
                Shape::Pass,
            ),
            case(
                "actions.custom",
                "actions",
                &["core.actions.builtin.supported"],
                Shape::Pass,
            ),
            case(
                "outputs.default-written",
                "outputs",
                &["core.runtime.outputs.default_written"],
                Shape::Pass,
            ),
            case(
                "env.action",
                "environment",
                &["core.runtime.env.CNAB_ACTION"],
                Shape::Pass,
            ),
        ],
    )
}

/// A run of `n` cases over many families, a fifth of them failing with long
/// evidence, some skipped and some erroring.
pub fn synthetic(n: usize) -> RunReport {
    let families = [
        "core.runtime",
        "core.parameters",
        "core.credentials",
        "core.outputs",
        "core.actions",
        "claim.result",
        "core.image",
    ];
    let long = "observed a very long value ".repeat(200);
    let cases = (0..n)
        .map(|i| {
            let family = families[i % families.len()];
            let clause = format!("{family}.synthetic_{i}");
            let id = format!("synthetic.case-{i:04}");
            let cl = [clause.as_str()];
            match i % 10 {
                0 | 1 => case(&id, "synthetic", &cl, Shape::Fail("value = 1", &cl, &long)),
                2 => case(&id, "synthetic", &cl, Shape::Skip("capability missing")),
                3 => case(&id, "synthetic", &cl, Shape::Error(&long)),
                _ => case(&id, "synthetic", &cl, Shape::Pass),
            }
        })
        .collect();
    finish(empty("bulk", "9.9.9"), cases)
}

/// The report the harness wrote for the reference runtime.
pub fn harness_reference() -> RunReport {
    RunReport::from_json(include_str!("../fixtures/reference.json")).expect("fixture parses")
}

/// The report the harness wrote for the `drop-defaults` mutant.
pub fn harness_mutant() -> RunReport {
    RunReport::from_json(include_str!("../fixtures/reference-drop-defaults.json"))
        .expect("fixture parses")
}

/// Whether tests that need an external tool must fail rather than skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Finds an executable on PATH.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
