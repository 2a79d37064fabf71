//! Claims and claim results: what the runtime reports for a step and what
//! it stores for the installation.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use cnab_model::syntax::{is_rfc3339, is_ulid};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ellipsize, CaseState, Check, Fill, Judgement, StepEvidence};

/// What the report says when an expectation needs the store and the adapter
/// listed nothing.
const NO_STORE: &str = "the adapter listed no claims";
/// What the report says when the step reported no claim.
const NO_CLAIM: &str = "the runtime reported no claim";

/// `claims_stored`: after the step the runtime stores this many claims for
/// the installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsStored {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The count.
    pub count: usize,
}

impl Check for ClaimsStored {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("{} claim(s) stored for the installation", self.count)
    }

    fn capability(&self) -> Option<&'static str> {
        Some("claims")
    }

    fn needs_store(&self) -> bool {
        true
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.stored {
            None => Judgement::fail(NO_STORE),
            Some(s) => Judgement::new(
                s.claims.len() == self.count,
                format!("{} claim(s)", s.claims.len()),
            ),
        }
    }
}

/// `claim_valid`: the claim the runtime reports for this step validates
/// against the CNAB Claims 1.0.0 schema and uses ULIDs and RFC 3339
/// timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimValid {
    /// Clauses this checks.
    pub clauses: Vec<String>,
}

impl Check for ClaimValid {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        "the claim is a valid CNAB Claims 1.0.0 claim".to_string()
    }

    fn capability(&self) -> Option<&'static str> {
        Some("claims")
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match &step.response.claim {
            None => Judgement::fail(NO_CLAIM),
            Some(c) => {
                let problems = claim_problems(c);
                if problems.is_empty() {
                    Judgement::new(true, "valid")
                } else {
                    Judgement::fail(problems.join("; "))
                }
            }
        }
    }
}

/// `claim_field`: a field of the reported claim (JSON Pointer) has this
/// value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimField {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// JSON Pointer into the claim.
    pub pointer: String,
    /// The value.
    pub equals: Value,
}

impl Check for ClaimField {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("claim {} = {}", self.pointer, self.equals)
    }

    fn capability(&self) -> Option<&'static str> {
        Some("claims")
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.pointer);
        fill.value(&mut self.equals);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match &step.response.claim {
            None => Judgement::fail(NO_CLAIM),
            Some(c) => {
                let got = c.pointer(&self.pointer);
                Judgement::new(
                    got == Some(&self.equals),
                    got.map(|v| ellipsize(&v.to_string(), 300))
                        .unwrap_or_else(|| "nothing".into()),
                )
            }
        }
    }
}

/// `result_status`: the last stored claim result has this status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultStatus {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The status (`succeeded`, `failed`).
    pub equals: String,
}

impl Check for ResultStatus {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("claim result status is {}", self.equals)
    }

    fn capability(&self) -> Option<&'static str> {
        Some("claims")
    }

    fn needs_store(&self) -> bool {
        true
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.equals);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        let last = step
            .stored
            .and_then(|s| s.results.last())
            .or(step.response.result.as_ref());
        let got = last.and_then(|r| r.get("status")).and_then(Value::as_str);
        Judgement::new(
            got == Some(self.equals.as_str()),
            got.map(|s| format!("{s:?}"))
                .unwrap_or_else(|| "no result".into()),
        )
    }
}

/// `claim_retained`: the runtime still stores a claim for this action, with
/// its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRetained {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The action of the claim.
    pub action: String,
}

impl Check for ClaimRetained {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!(
            "a claim for {:?} and its result are still stored",
            self.action
        )
    }

    fn capability(&self) -> Option<&'static str> {
        Some("claims")
    }

    fn needs_store(&self) -> bool {
        true
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.action);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        let Some(s) = step.stored else {
            return Judgement::fail(NO_STORE);
        };
        let action = &self.action;
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
        Judgement::new(
            with_result,
            format!(
                "{} claim(s) for {action:?}, {} with a stored result; {} claim(s) in all",
                ids.len(),
                if with_result { "one" } else { "none" },
                s.claims.len()
            ),
        )
    }
}

/// `absent_from_claims`: this text appears in no claim or result the
/// runtime reports or stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsentFromClaims {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The secret text.
    pub text: String,
}

impl Check for AbsentFromClaims {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("{:?} appears in no claim or claim result", self.text)
    }

    fn capability(&self) -> Option<&'static str> {
        Some("claims")
    }

    fn needs_store(&self) -> bool {
        true
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.text);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        let mut docs: Vec<&Value> = Vec::new();
        docs.extend(step.response.claim.iter());
        docs.extend(step.response.result.iter());
        docs.extend(case.seen_claims.iter());
        if let Some(s) = step.stored {
            docs.extend(s.claims.iter());
            docs.extend(s.results.iter());
        }
        // The same document can come from the response and the store.
        let docs: BTreeSet<String> = docs.iter().map(|d| d.to_string()).collect();
        let found = docs
            .iter()
            .filter(|d| d.contains(self.text.as_str()))
            .count();
        Judgement::new(
            found == 0,
            format!("found in {found} of {} claim document(s)", docs.len()),
        )
    }
}

/// The CNAB Claims 1.0.0 claim schema, compiled once from the validator's
/// embedded copy.
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
/// are not ULIDs, a `created` that is not RFC 3339. The ULID and RFC 3339
/// checks are `cnab_model::syntax`'s, so the validator judges a claim the
/// same way.
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
    use serde_json::json;

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
