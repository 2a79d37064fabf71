//! Expectations: what a step of a case must show, and how each is judged.
//!
//! [`Expectation`] is the `expect` entry of a case file, tagged by `check`.
//! Each variant holds a type from the module of its family, and that type
//! owns everything about the check ([`Check`]): its clauses, its description
//! in the report, the capability it needs, how placeholders are filled in,
//! and how it is judged against what a step showed ([`StepEvidence`]).
//!
//! - [`outcome`]: the runtime's answer (`outcome`, `message_contains`,
//!   `message_lacks`);
//! - [`env`]: variables that reached the image (`env`, `env_absent`);
//! - [`revision`]: `CNAB_REVISION` across steps (`revision`,
//!   `env_previous_revision`, `revision_is_ulid`);
//! - [`file`]: files that reached the image (`file`, `file_absent`,
//!   `file_present`, `file_is_bundle`, `file_is_current_claim`);
//! - [`image`]: the invocation image the runtime ran (`image_is`);
//! - [`output`]: outputs (`output_requested`, `output`, `output_absent`);
//! - [`claim`]: claims and results (`claims_stored`, `claim_schema`,
//!   `claim_id_ulid`, `claim_revision_ulid`, `claim_created_format`,
//!   `claim_field`, `claim_revision`, `earlier_claims_stored`, `result_status`, `claim_retained`, `absent_from_claims`),
//!   each judged by the claims format the runtime declares;
//! - [`probe`]: what the probe saw inside the container (`probe_env`,
//!   `probe_file`, `probe_file_is_bundle`, `probe_entrypoint`).

pub mod claim;
pub mod env;
pub mod file;
pub mod image;
pub mod outcome;
pub mod output;
pub mod probe;
pub mod revision;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::adapter::protocol::{ClaimsFormat, ClaimsResponse, RunResponse};
use crate::driver::OperationRecord;

pub use claim::{
    format_skip, schema_problems, AbsentFromClaims, ClaimCreatedFormat, ClaimField, ClaimIdUlid,
    ClaimRetained, ClaimRevision, ClaimRevisionUlid, ClaimSchema, ClaimsStored,
    EarlierClaimsStored, ResultStatus, CLAIM_RULE_CLAUSES, LEGACY_MODEL_CLAUSES,
};
pub use env::{EnvAbsent, EnvEquals};
pub use file::{FileAbsent, FileEquals, FileIsBundle, FileIsCurrentClaim, FilePresent};
pub use image::ImageIs;
pub use outcome::{ExpectedOutcome, MessageContains, MessageLacks, OutcomeIs};
pub use output::{OutputAbsent, OutputEquals, OutputRequested};
pub use probe::{ProbeEntrypoint, ProbeEnv, ProbeFile, ProbeFileIsBundle};
pub use revision::{EnvPreviousRevision, RevisionChange, RevisionIs, RevisionIsUlid};

/// One expectation, tied to the clauses it checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Expectation {
    /// The runtime's outcome.
    Outcome(OutcomeIs),
    /// An environment variable reached the image with this value.
    Env(EnvEquals),
    /// An environment variable did not reach the image.
    EnvAbsent(EnvAbsent),
    /// A file reached the image with this content.
    File(FileEquals),
    /// A file did not reach the image.
    FileAbsent(FileAbsent),
    /// A file reached the image, whatever its content.
    FilePresent(FilePresent),
    /// A file holds exactly the bytes of the bundle given to the runtime.
    FileIsBundle(FileIsBundle),
    /// A file holds the claim of this operation.
    FileIsCurrentClaim(FileIsCurrentClaim),
    /// The runtime asked the image for this output (or did not).
    OutputRequested(OutputRequested),
    /// The runtime reports this output value.
    Output(OutputEquals),
    /// The runtime reports no value for this output.
    OutputAbsent(OutputAbsent),
    /// `CNAB_REVISION` is new, or the same as before.
    Revision(RevisionIs),
    /// A variable holds the revision of the previous step that ran the image.
    EnvPreviousRevision(EnvPreviousRevision),
    /// `CNAB_REVISION` is a ULID.
    RevisionIsUlid(RevisionIsUlid),
    /// After the step the runtime stores this many claims for the installation.
    ClaimsStored(ClaimsStored),
    /// The reported claim validates against the schema of its format.
    ClaimSchema(ClaimSchema),
    /// The reported claim's `id` is a ULID.
    ClaimIdUlid(ClaimIdUlid),
    /// The reported claim's `revision` is a ULID.
    ClaimRevisionUlid(ClaimRevisionUlid),
    /// The reported claim's `created` is an RFC 3339 timestamp.
    ClaimCreatedFormat(ClaimCreatedFormat),
    /// A field of the reported claim has this value.
    ClaimField(ClaimField),
    /// The reported claim's `revision` is new, or the previous claim's.
    ClaimRevision(ClaimRevision),
    /// The claims reported by earlier steps are still stored.
    EarlierClaimsStored(EarlierClaimsStored),
    /// The last stored claim result has this status.
    ResultStatus(ResultStatus),
    /// The invocation image the runtime ran has this `image` reference.
    ImageIs(ImageIs),
    /// The runtime still stores a claim for this action, with its result.
    ClaimRetained(ClaimRetained),
    /// The runtime's message does not mention this text.
    MessageLacks(MessageLacks),
    /// The runtime's message mentions this text.
    MessageContains(MessageContains),
    /// This text appears in no claim or result the runtime reports or stores.
    AbsentFromClaims(AbsentFromClaims),
    /// Inside the container, the probe saw this variable with this value.
    ProbeEnv(ProbeEnv),
    /// Inside the container, the probe found this path as described.
    ProbeFile(ProbeFile),
    /// Inside the container, this file holds the bundle, byte for byte.
    ProbeFileIsBundle(ProbeFileIsBundle),
    /// The container was started with this program as its entry point.
    ProbeEntrypoint(ProbeEntrypoint),
}

/// What every kind of expectation knows about itself.
pub trait Check {
    /// The clauses it checks.
    fn clauses(&self) -> &[String];
    /// A short human description, the `check` of the report.
    fn describe(&self) -> String;
    /// The capability a runtime must declare for it, if any.
    fn capability(&self) -> Option<&'static str> {
        None
    }
    /// Whether judging it needs the claims the runtime stores after the step.
    fn needs_store(&self) -> bool {
        false
    }
    /// Replaces placeholders in every string it holds.
    fn fill(&mut self, fill: &Fill<'_>);
    /// Judges it against what the step showed.
    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement;
}

/// The one list of tags: every variant holds a [`Check`], reached by
/// reference or by mutable reference.
macro_rules! each_check {
    ($expectation:expr) => {
        match $expectation {
            Expectation::Outcome(c) => c,
            Expectation::Env(c) => c,
            Expectation::EnvAbsent(c) => c,
            Expectation::File(c) => c,
            Expectation::FileAbsent(c) => c,
            Expectation::FilePresent(c) => c,
            Expectation::FileIsBundle(c) => c,
            Expectation::FileIsCurrentClaim(c) => c,
            Expectation::OutputRequested(c) => c,
            Expectation::Output(c) => c,
            Expectation::OutputAbsent(c) => c,
            Expectation::Revision(c) => c,
            Expectation::EnvPreviousRevision(c) => c,
            Expectation::RevisionIsUlid(c) => c,
            Expectation::ClaimsStored(c) => c,
            Expectation::ClaimSchema(c) => c,
            Expectation::ClaimIdUlid(c) => c,
            Expectation::ClaimRevisionUlid(c) => c,
            Expectation::ClaimCreatedFormat(c) => c,
            Expectation::ClaimField(c) => c,
            Expectation::ClaimRevision(c) => c,
            Expectation::EarlierClaimsStored(c) => c,
            Expectation::ResultStatus(c) => c,
            Expectation::ImageIs(c) => c,
            Expectation::ClaimRetained(c) => c,
            Expectation::MessageLacks(c) => c,
            Expectation::MessageContains(c) => c,
            Expectation::AbsentFromClaims(c) => c,
            Expectation::ProbeEnv(c) => c,
            Expectation::ProbeFile(c) => c,
            Expectation::ProbeFileIsBundle(c) => c,
            Expectation::ProbeEntrypoint(c) => c,
        }
    };
}

impl Expectation {
    /// The check behind the tag.
    pub fn check(&self) -> &dyn Check {
        each_check!(self)
    }

    /// The check behind the tag, to fill in.
    fn check_mut(&mut self) -> &mut dyn Check {
        each_check!(self)
    }

    /// The clauses this expectation checks.
    pub fn clauses(&self) -> &[String] {
        self.check().clauses()
    }

    /// The capability this expectation needs, if any.
    pub fn capability(&self) -> Option<&'static str> {
        self.check().capability()
    }

    /// A short human description of the check.
    pub fn describe(&self) -> String {
        self.check().describe()
    }

    /// Whether judging it needs the claims the runtime stores.
    pub fn needs_store(&self) -> bool {
        self.check().needs_store()
    }

    /// Replaces placeholders in every string it holds.
    pub fn fill(&mut self, fill: &Fill<'_>) {
        self.check_mut().fill(fill)
    }

    /// Judges it against what the step showed.
    pub fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        self.check().evaluate(step, case)
    }
}

/// Whether an expectation held, and what was observed; or why it could not
/// be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Whether it held (never true when `error` or `skip` is set).
    pub held: bool,
    /// What was observed, for the report.
    pub observed: String,
    /// Why the evidence cannot be read (a shape the suite does not know):
    /// the case is an `error`, never a pass or a fail.
    pub error: Option<String>,
    /// Why the rule does not apply to this runtime (the claims format it
    /// declares has no such rule): the expectation is a `skip`.
    pub skip: Option<String>,
}

impl Judgement {
    /// A judgement from whether it held and what was seen.
    pub fn new(held: bool, observed: impl Into<String>) -> Judgement {
        Judgement {
            held,
            observed: observed.into(),
            error: None,
            skip: None,
        }
    }

    /// A failed judgement.
    pub fn fail(observed: impl Into<String>) -> Judgement {
        Judgement::new(false, observed)
    }

    /// No judgement: the evidence has a shape the suite does not know.
    pub fn error(reason: impl Into<String>) -> Judgement {
        let reason = reason.into();
        Judgement {
            held: false,
            observed: reason.clone(),
            error: Some(reason),
            skip: None,
        }
    }

    /// No judgement: the rule does not apply to this runtime.
    pub fn skip(reason: impl Into<String>) -> Judgement {
        let reason = reason.into();
        Judgement {
            held: false,
            observed: reason.clone(),
            error: None,
            skip: Some(reason),
        }
    }
}

/// Placeholder values (`{{installation}}`, `{{image}}`, `{{digest}}`) to
/// put in the strings of a case.
#[derive(Debug, Clone, Copy)]
pub struct Fill<'a> {
    vars: &'a BTreeMap<&'a str, String>,
}

impl<'a> Fill<'a> {
    /// Fills with these values, by placeholder.
    pub fn new(vars: &'a BTreeMap<&'a str, String>) -> Fill<'a> {
        Fill { vars }
    }

    /// Replaces the placeholders in one string.
    pub fn text(&self, s: &mut String) {
        for (k, v) in self.vars {
            if s.contains(k) {
                *s = s.replace(k, v);
            }
        }
    }

    /// Replaces the placeholders in each string.
    pub fn texts<'s>(&self, strings: impl IntoIterator<Item = &'s mut String>) {
        for s in strings {
            self.text(s);
        }
    }

    /// Replaces the placeholders in every string value of a JSON value
    /// (object keys are left alone).
    pub fn value(&self, value: &mut Value) {
        match value {
            Value::String(s) => self.text(s),
            Value::Array(a) => a.iter_mut().for_each(|v| self.value(v)),
            Value::Object(o) => o.values_mut().for_each(|v| self.value(v)),
            _ => {}
        }
    }
}

/// What one step showed: the runtime's reply, what reached the image (read
/// once per step), the bundle given and the claims stored.
#[derive(Debug)]
pub struct StepEvidence<'a> {
    /// The step's action.
    pub action: &'a str,
    /// The step's installation.
    pub installation: &'a str,
    /// The runtime's reply.
    pub response: &'a RunResponse,
    /// What reached the image, when it ran.
    pub record: Option<&'a OperationRecord>,
    /// The operation's environment (empty when the image did not run).
    pub env: BTreeMap<String, String>,
    /// The operation's files (empty when the image did not run).
    pub files: BTreeMap<String, String>,
    /// The bundle bytes the runtime was given.
    pub bundle: &'a [u8],
    /// The claims the runtime stores, when an expectation needs them.
    pub stored: Option<&'a ClaimsResponse>,
    /// The claims format the runtime declares: claim checks judge by its
    /// rules.
    pub claims_format: ClaimsFormat,
}

impl<'a> StepEvidence<'a> {
    /// The evidence of a step, with the operation's environment and files
    /// read from the record once.
    pub fn new(
        action: &'a str,
        installation: &'a str,
        response: &'a RunResponse,
        record: Option<&'a OperationRecord>,
        bundle: &'a [u8],
        stored: Option<&'a ClaimsResponse>,
    ) -> StepEvidence<'a> {
        StepEvidence {
            action,
            installation,
            response,
            record,
            env: record.map(|r| r.environment()).unwrap_or_default(),
            files: record.map(|r| r.files()).unwrap_or_default(),
            bundle,
            stored,
            claims_format: ClaimsFormat::default(),
        }
    }

    /// The same evidence, judged by the rules of this claims format.
    pub fn with_claims_format(mut self, format: ClaimsFormat) -> StepEvidence<'a> {
        self.claims_format = format;
        self
    }
}

/// What earlier steps of the case showed, for checks across steps.
#[derive(Debug, Default)]
pub struct CaseState {
    /// `CNAB_REVISION` of each earlier step that ran the image.
    pub revisions: Vec<String>,
    /// IDs of the claims mounted at `/cnab/claim.json` by earlier steps.
    pub mounted_claim_ids: BTreeSet<String>,
    /// Every claim the runtime reported so far.
    pub seen_claims: Vec<Value>,
    /// The runtime's message at each earlier step, in order.
    pub messages: Vec<String>,
}

/// What the report says when the image never ran.
pub const NOT_RUN: &str = "the invocation image did not run";

/// Cuts `s` to at most `max` characters, marking a cut with `…`.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// A value for the report: quoted and cut, or `nothing`.
pub fn show(v: Option<&String>) -> String {
    match v {
        Some(s) => format!("{:?}", ellipsize(s, 300)),
        None => "nothing".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_tag_selects_the_check_and_unknown_fields_are_refused() {
        let e: Expectation = serde_json::from_value(
            json!({"check": "env", "clauses": ["c"], "name": "A", "equals": "1"}),
        )
        .unwrap();
        assert_eq!(e.describe(), "env A = \"1\"");
        assert_eq!(e.clauses(), ["c".to_string()]);
        let back = serde_json::to_value(&e).unwrap();
        assert_eq!(
            back,
            json!({"check": "env", "clauses": ["c"], "name": "A", "equals": "1"})
        );
        let bad = serde_json::from_value::<Expectation>(
            json!({"check": "env", "clauses": ["c"], "name": "A", "equals": "1", "x": 1}),
        );
        assert!(bad.unwrap_err().to_string().contains("unknown field `x`"));
    }

    #[test]
    fn fill_replaces_placeholders_in_values_not_keys() {
        let vars = BTreeMap::from([("{{i}}", "inst".to_string())]);
        let mut v = json!({"{{i}}": ["a {{i}}", {"k": "{{i}}"}], "n": 1});
        Fill::new(&vars).value(&mut v);
        assert_eq!(v, json!({"{{i}}": ["a inst", {"k": "inst"}], "n": 1}));
    }

    #[test]
    fn ellipsize_counts_characters() {
        assert_eq!(ellipsize("ééé", 2), "éé…");
        assert_eq!(ellipsize("abc", 3), "abc");
    }
}
