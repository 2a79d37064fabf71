//! Claims and claim results: what the runtime reports for a step and what
//! it stores for the installation.

use std::collections::BTreeSet;

use cnab_model::syntax::{is_rfc3339, is_ulid};
use cnab_model::{DocumentKind, SpecVersion};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ellipsize, CaseState, Check, Fill, Judgement, RevisionChange, StepEvidence};
use crate::adapter::protocol::ClaimsFormat;

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

/// The per-field rules of a claim document, one clause each: replaces the
/// single `claim_valid` check, so a claim that breaks one rule fails only
/// that rule's clause.
macro_rules! claim_rule {
    ($(#[$doc:meta])* $name:ident, $clause:literal, $describe:literal, $judge:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Clauses this checks: exactly the rule's own clause (`cases
            /// check` refuses any other).
            pub clauses: Vec<String>,
        }

        impl $name {
            /// The one clause this check judges.
            pub const CLAUSE: &'static str = $clause;
        }

        impl Check for $name {
            fn clauses(&self) -> &[String] {
                &self.clauses
            }

            fn describe(&self) -> String {
                $describe.to_string()
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
                    Some(c) => $judge(c, step.claims_format),
                }
            }
        }
    };
}

claim_rule!(
    /// `claim_schema`: the reported claim validates against the claim schema
    /// of the declared claims format (CNAB Claims 1.0.0, or the
    /// `claim.schema.json` of Core 1.0.0 / 1.0.1 for the legacy model, which
    /// the catalog checks as `claim.schema`: see `claim.legacy.model`).
    ClaimSchema,
    "claim.schema",
    "the claim validates against the claim schema of its format",
    judge_schema
);
claim_rule!(
    /// `claim_id_ulid`: the reported claim's `id` is a ULID (Claims 1.0.0
    /// only: the Core 1.0.x model has no `id`).
    ClaimIdUlid,
    "claim.id.ulid",
    "the claim id is a ULID",
    judge_id_ulid
);
claim_rule!(
    /// `claim_revision_ulid`: the reported claim's `revision` is a ULID
    /// (Claims 1.0.0 only: the catalog does not apply it to the Core 1.0.x
    /// model, whose schema says "ideally a ULID").
    ClaimRevisionUlid,
    "claim.revision.ulid",
    "the claim revision is a ULID",
    judge_revision_ulid
);
claim_rule!(
    /// `claim_created_format`: the reported claim's `created` is an RFC 3339
    /// timestamp (both formats).
    ClaimCreatedFormat,
    "claim.created.format",
    "the claim's created timestamp is RFC 3339",
    judge_created_format
);

/// The clause checks of claim documents, each with its one clause.
pub const CLAIM_RULE_CLAUSES: &[&str] = &[
    ClaimSchema::CLAUSE,
    ClaimIdUlid::CLAUSE,
    ClaimRevisionUlid::CLAUSE,
    ClaimCreatedFormat::CLAUSE,
];

fn judge_schema(claim: &Value, format: ClaimsFormat) -> Judgement {
    let problems = schema_problems(claim, format);
    if problems.is_empty() {
        Judgement::new(true, format!("valid {} claim", format.name()))
    } else {
        Judgement::fail(problems.join("; "))
    }
}

fn judge_ulid(claim: &Value, key: &str) -> Judgement {
    match claim.get(key) {
        Some(Value::String(s)) if is_ulid(s) => Judgement::new(true, format!("{key} is a ULID")),
        Some(Value::String(s)) => Judgement::fail(format!("{key} {s:?} is not a ULID")),
        Some(other) => Judgement::fail(format!(
            "{key} is {}, not a string",
            ellipsize(&other.to_string(), 100)
        )),
        None => Judgement::fail(format!("the claim has no {key}")),
    }
}

fn judge_id_ulid(claim: &Value, format: ClaimsFormat) -> Judgement {
    if format.is_legacy() {
        return Judgement::skip(legacy_skip(format, "has no claim `id`"));
    }
    judge_ulid(claim, "id")
}

fn judge_revision_ulid(claim: &Value, format: ClaimsFormat) -> Judgement {
    if format.is_legacy() {
        return Judgement::skip(legacy_skip(
            format,
            "only asks for a revision that is \"ideally a ULID\"",
        ));
    }
    judge_ulid(claim, "revision")
}

fn judge_created_format(claim: &Value, _: ClaimsFormat) -> Judgement {
    match claim.get("created") {
        Some(Value::String(s)) if is_rfc3339(s) => {
            Judgement::new(true, "created is an RFC 3339 timestamp")
        }
        Some(Value::String(s)) => {
            Judgement::fail(format!("created {s:?} is not an RFC 3339 timestamp"))
        }
        Some(other) => Judgement::fail(format!(
            "created is {}, not a string",
            ellipsize(&other.to_string(), 100)
        )),
        None => Judgement::fail("the claim has no created"),
    }
}

/// Why a rule is skipped for a runtime that declares a Core 1.0.x format.
fn legacy_skip(format: ClaimsFormat, what: &str) -> String {
    format!(
        "the runtime declares claims format {}, whose claim model {what}",
        format.name()
    )
}

/// The `claim.*` clauses the Core 1.0.x claim model has a rule for (its
/// `claim.schema.json`: the schema itself, the required `created`,
/// `revision`, installation and `bundle`, and the embedded `result` with its
/// action and status). For a runtime that declares that model, an
/// expectation naming any other `claim.*` clause is skipped, not judged.
pub const LEGACY_MODEL_CLAUSES: &[&str] = &[
    "claim.schema",
    "claim.created.present",
    "claim.created.format",
    "claim.revision.present",
    "claim.installation.present",
    "claim.bundle.present_valid",
    "claim.action.present",
    "claim.result.status.enum",
    "claim.result.final_recorded",
    "claim.result.status.from_exit",
    "claim.result.status.settle",
];

/// Why an expectation naming these clauses is not judged for a runtime
/// writing `format`: it names a `claim.*` clause that format has no rule
/// for. `None` when it is judged.
pub fn format_skip(format: ClaimsFormat, clauses: &[String]) -> Option<String> {
    if !format.is_legacy() {
        return None;
    }
    let missing: Vec<&str> = clauses
        .iter()
        .map(String::as_str)
        .filter(|c| c.starts_with("claim.") && !LEGACY_MODEL_CLAUSES.contains(c))
        .collect();
    (!missing.is_empty())
        .then(|| legacy_skip(format, &format!("has no rule for {}", missing.join(", "))))
}

/// Where a field of a Claims 1.0.0 claim lives in the claim model of
/// `format`: `/action` in the embedded result, the installation in `name`
/// under Core 1.0.0. `None` when the model has no such field.
fn pointer_in(format: ClaimsFormat, pointer: &str) -> Option<String> {
    if !format.is_legacy() {
        return Some(pointer.to_string());
    }
    let first = pointer.split('/').nth(1).unwrap_or("");
    match first {
        "action" => Some(pointer.replacen("/action", "/result/action", 1)),
        "installation" if format == ClaimsFormat::Core1_0_0 => {
            Some(pointer.replacen("/installation", "/name", 1))
        }
        "id" | "bundleReference" => None,
        _ => Some(pointer.to_string()),
    }
}

/// A Claims 1.0.0 result status in the vocabulary of `format`.
fn status_in(format: ClaimsFormat, status: &str) -> String {
    match (format.is_legacy(), status) {
        (true, "succeeded") => "success".to_string(),
        (true, "failed") => "failure".to_string(),
        _ => status.to_string(),
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
        let Some(pointer) = pointer_in(step.claims_format, &self.pointer) else {
            return Judgement::skip(legacy_skip(
                step.claims_format,
                &format!("has no field {}", self.pointer),
            ));
        };
        match &step.response.claim {
            None => Judgement::fail(NO_CLAIM),
            Some(c) => {
                let got = c.pointer(&pointer);
                Judgement::new(
                    got == Some(&self.equals),
                    got.map(|v| ellipsize(&v.to_string(), 300))
                        .unwrap_or_else(|| "nothing".into()),
                )
            }
        }
    }
}

/// `claim_revision`: the reported claim's `revision` is new, or the one of
/// the claim the previous step reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRevision {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// `new`: differs from the revision of every claim reported earlier in
    /// the case; `same`: equals that of the last claim reported before.
    pub is: RevisionChange,
}

impl Check for ClaimRevision {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        match self.is {
            RevisionChange::New => "claim revision is a new revision".to_string(),
            RevisionChange::Same => "claim revision is the previous claim's".to_string(),
        }
    }

    fn capability(&self) -> Option<&'static str> {
        Some("claims")
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        let Some(claim) = &step.response.claim else {
            return Judgement::fail(NO_CLAIM);
        };
        let revision = |c: &Value| {
            c.get("revision")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let Some(got) = revision(claim) else {
            return Judgement::fail("the reported claim has no string `revision`");
        };
        // The runner records this step's claim before judging it.
        let earlier: Vec<String> = match case.seen_claims.split_last() {
            Some((last, rest)) if last == claim => rest.iter().filter_map(revision).collect(),
            _ => case.seen_claims.iter().filter_map(revision).collect(),
        };
        match self.is {
            RevisionChange::New => Judgement::new(
                !earlier.contains(&got),
                format!("{got:?}; earlier: {earlier:?}"),
            ),
            RevisionChange::Same => Judgement::new(
                earlier.last() == Some(&got),
                format!(
                    "{got:?}; previous claim's: {}",
                    earlier
                        .last()
                        .map(|r| format!("{r:?}"))
                        .unwrap_or_else(|| "no earlier claim".into())
                ),
            ),
        }
    }
}

/// `earlier_claims_stored`: every claim the runtime reported earlier in the
/// case (by `id`) is still stored for the installation; whatever this step
/// did, it did not replace the installation's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlierClaimsStored {
    /// Clauses this checks.
    pub clauses: Vec<String>,
}

impl Check for EarlierClaimsStored {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        "the claims reported by earlier steps are still stored".to_string()
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

    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        if step.claims_format.is_legacy() {
            return Judgement::skip(legacy_skip(
                step.claims_format,
                "keeps one claim per installation, without `id`",
            ));
        }
        let Some(s) = step.stored else {
            return Judgement::fail(NO_STORE);
        };
        let id = |c: &Value| c.get("id").and_then(Value::as_str).map(str::to_string);
        let mut earlier: Vec<&Value> = case.seen_claims.iter().collect();
        // The runner records this step's claim before judging it.
        if step.response.claim.is_some() {
            earlier.pop();
        }
        let stored: BTreeSet<String> = s.claims.iter().filter_map(id).collect();
        let lost: Vec<String> = earlier
            .into_iter()
            .filter_map(id)
            .filter(|i| !stored.contains(i))
            .collect();
        Judgement::new(
            lost.is_empty(),
            if lost.is_empty() {
                format!("{} claim(s) stored, earlier ones among them", stored.len())
            } else {
                format!("no longer stored: {}", lost.join(", "))
            },
        )
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
        let format = step.claims_format;
        // The Core 1.0.x model embeds the result in the one claim it keeps.
        let last = if format.is_legacy() {
            step.stored
                .and_then(|s| s.claims.last())
                .or(step.response.claim.as_ref())
                .and_then(|c| c.get("result"))
        } else {
            step.stored
                .and_then(|s| s.results.last())
                .or(step.response.result.as_ref())
        };
        let got = last.and_then(|r| r.get("status")).and_then(Value::as_str);
        Judgement::new(
            got == Some(status_in(format, &self.equals).as_str()),
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

/// The schema errors of a claim under the claim schema of `format`: the
/// validator's embedded CNAB Claims 1.0.0 schema, or the `claim.schema.json`
/// of Core 1.0.0 / 1.0.1 for the legacy model.
pub fn schema_problems(claim: &Value, format: ClaimsFormat) -> Vec<String> {
    let version = match format {
        ClaimsFormat::Claims1_0_0 => SpecVersion::Claims1_0_0,
        ClaimsFormat::Core1_0_0 => SpecVersion::Core1_0_0,
        ClaimsFormat::Core1_0_1 => SpecVersion::Core1_0_1,
    };
    match cnab_validator::schema::validate(version, DocumentKind::Claim, claim) {
        Err(e) => vec![format!("cannot compile the claim schema: {e}")],
        Ok(None) => vec![format!("no claim schema for {}", format.name())],
        Ok(Some(errors)) => errors
            .iter()
            .take(5)
            .map(|e| format!("schema: {} at `{}`", e.message, e.pointer))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
