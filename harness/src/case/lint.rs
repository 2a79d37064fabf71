//! The checks of a case that its JSON Schema cannot express: ID syntax,
//! spec version, known clauses and capabilities, declared outputs, octal
//! modes.

use cnab_model::{Catalog, CheckKind};
use serde_json::Value;

use super::{Case, Step};
use crate::adapter::protocol::is_known_capability;
use crate::expect::{
    ClaimCreatedFormat, ClaimIdUlid, ClaimRevisionUlid, ClaimSchema, Expectation, ExpectedOutcome,
    OutputAbsent, OutputEquals, OutputRequested, ProbeFile,
};

/// The clause that a runtime runs `/cnab/app/run`: only a check that sees the
/// tool run may name it.
const RUN_TOOL: &str = "core.runtime.exec.run_tool";

/// The one clause a per-field claim check judges.
fn claim_rule_clause(e: &Expectation) -> Option<&'static str> {
    match e {
        Expectation::ClaimSchema(_) => Some(ClaimSchema::CLAUSE),
        Expectation::ClaimIdUlid(_) => Some(ClaimIdUlid::CLAUSE),
        Expectation::ClaimRevisionUlid(_) => Some(ClaimRevisionUlid::CLAUSE),
        Expectation::ClaimCreatedFormat(_) => Some(ClaimCreatedFormat::CLAUSE),
        _ => None,
    }
}

fn is_case_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

/// Semantic checks the schema cannot express.
pub(super) fn check_case(case: &Case) -> Vec<String> {
    let mut out = check_header(case);
    // CNAB Claims is optional for a Core runtime (400): a claim.* clause is
    // judged only where the case requires `claims`.
    let claims_required = case.required_capabilities().iter().any(|c| c == "claims");
    let mut bundle = &case.bundle;
    for (i, s) in case.steps.iter().enumerate() {
        if let Some(b) = &s.bundle {
            bundle = b;
        }
        let n = i + 1;
        check_outputs(n, s, bundle, &mut out);
        if s.expect.is_empty() && !s.precondition {
            out.push(format!(
                "step {n} has no expectations and is not a precondition"
            ));
        }
        for e in &s.expect {
            check_expectation(n, s.precondition, claims_required, e, &mut out);
        }
    }
    out
}

/// The case's ID, spec version, capabilities, steps and clauses.
fn check_header(case: &Case) -> Vec<String> {
    let mut out = Vec::new();
    if !is_case_id(&case.id) {
        out.push("id must be dotted lowercase segments of [a-z0-9_-]".to_string());
    }
    match case.spec.parse::<cnab_model::SpecVersion>() {
        Err(_) => out.push(format!("unknown spec version `{}`", case.spec)),
        Ok(v) => {
            let want = format!("v{}", v.number());
            let bundles = std::iter::once(&case.bundle)
                .chain(case.steps.iter().filter_map(|s| s.bundle.as_ref()));
            for b in bundles {
                let got = b.get("schemaVersion").and_then(Value::as_str).unwrap_or("");
                if got != want {
                    out.push(format!(
                        "bundle schemaVersion `{got}` does not match the case's spec `{}`",
                        case.spec
                    ));
                }
            }
        }
    }
    for r in &case.requires {
        if !is_known_capability(r) {
            out.push(format!("unknown capability `{r}`"));
        }
    }
    if case.steps.is_empty() {
        out.push("has no steps".to_string());
    }
    if case.clauses().is_empty() {
        out.push("checks no clause".to_string());
    }
    out
}

/// Output names a step's image writes or its expectations name must be
/// declared in the step's bundle, or the case tests a typo.
fn check_outputs(n: usize, s: &Step, bundle: &Value, out: &mut Vec<String>) {
    let declared = |name: &str| bundle.pointer(&format!("/outputs/{name}")).is_some();
    let mut names: Vec<&String> = s.image.outputs.keys().collect();
    for e in &s.expect {
        if let Expectation::Output(OutputEquals { name, .. })
        | Expectation::OutputAbsent(OutputAbsent { name, .. })
        | Expectation::OutputRequested(OutputRequested { name, .. }) = e
        {
            names.push(name);
        }
    }
    for name in names {
        if name.contains('/') || name.contains('~') || !declared(name) {
            out.push(format!(
                "step {n}: output `{name}` is not declared in the bundle"
            ));
        }
    }
}

/// One expectation of step `n`: what it may be charged to, and its fields.
fn check_expectation(
    n: usize,
    precondition: bool,
    claims_required: bool,
    e: &Expectation,
    out: &mut Vec<String>,
) {
    if precondition && matches!(e, Expectation::Outcome(o) if o.is == ExpectedOutcome::Succeeded) {
        out.push(format!(
            "step {n}: `{}`: a precondition step already needs success, so this would never be judged a failure; drop one of the two",
            e.describe()
        ));
    }
    let observes_run = matches!(e, Expectation::ProbeEntrypoint(_));
    if e.clauses().iter().any(|c| c == RUN_TOOL) && !observes_run {
        out.push(format!(
            "step {n}: `{}`: `{RUN_TOOL}` needs a check that observes the tool being run (`probe_entrypoint`); a step the case needs to succeed is a `precondition`",
            e.describe()
        ));
    }
    if let Expectation::ProbeFile(ProbeFile {
        mode: Some(m),
        kind,
        ..
    }) = e
    {
        if m.is_empty() || u32::from_str_radix(m, 8).is_err() {
            out.push(format!("step {n}: mode {m:?} is not octal"));
        }
        if kind.as_deref() == Some("missing") {
            out.push(format!("step {n}: a missing path has no mode"));
        }
    }
    if !claims_required {
        if let Some(c) = e.clauses().iter().find(|c| c.starts_with("claim.")) {
            out.push(format!(
                "step {n}: `{}` names Claims clause `{c}` in a case that does not require `claims`",
                e.describe()
            ));
        }
    }
    // One check, one clause: a claim rule charges only its own.
    if let Some(own) = claim_rule_clause(e) {
        if e.clauses() != [own] {
            out.push(format!(
                "step {n}: `{}` must name exactly `{own}`",
                e.describe()
            ));
        }
    }
    if e.clauses().is_empty() {
        out.push(format!("step {n}: `{}` names no clause", e.describe()));
    }
    let catalog = Catalog::embedded();
    for c in e.clauses() {
        match catalog.get(c) {
            None => out.push(format!("step {n}: unknown clause `{c}`")),
            Some(cl) if cl.check == CheckKind::NotApplicable => out.push(format!(
                "step {n}: clause `{c}` cannot be checked (kind n-a)"
            )),
            Some(_) => {}
        }
    }
}
