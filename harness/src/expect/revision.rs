//! `CNAB_REVISION` across the steps of a case.

use cnab_model::syntax::is_ulid;
use serde::{Deserialize, Serialize};

use super::{show, CaseState, Check, Fill, Judgement, StepEvidence, NOT_RUN};

/// Whether the revision of a step is new or the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevisionChange {
    /// Differs from every revision seen earlier in the case.
    New,
    /// Equals the revision of the previous step that ran the image.
    Same,
}

/// `revision`: `CNAB_REVISION` is new, or the same as before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionIs {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The change.
    pub is: RevisionChange,
    /// Also holds when the image ran without `CNAB_REVISION` (where no rule
    /// requires the variable, as for a custom action with `modifies: false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub or_absent: bool,
}

impl Check for RevisionIs {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        let s = match self.is {
            RevisionChange::New => "CNAB_REVISION is a new revision",
            RevisionChange::Same => "CNAB_REVISION is the previous revision",
        };
        if self.or_absent {
            format!("{s}, or not set")
        } else {
            s.to_string()
        }
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        match step.env.get("CNAB_REVISION") {
            None if self.or_absent && step.record.is_some() => {
                Judgement::new(true, "CNAB_REVISION is not set")
            }
            None => Judgement::fail(if step.record.is_none() {
                NOT_RUN
            } else {
                "CNAB_REVISION is not set"
            }),
            Some(r) => match self.is {
                RevisionChange::New => Judgement::new(
                    !case.revisions.contains(r),
                    format!("{r:?}; earlier: {:?}", case.revisions),
                ),
                RevisionChange::Same => Judgement::new(
                    case.revisions.last() == Some(r),
                    format!("{r:?}; previous: {}", show(case.revisions.last())),
                ),
            },
        }
    }
}

/// `env_previous_revision`: a variable holds the revision of the previous
/// step that ran the image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvPreviousRevision {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The variable (`CNAB_LAST_REVISION`).
    pub name: String,
}

impl Check for EnvPreviousRevision {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("env {} is the previous revision", self.name)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.name);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(_) => {
                let got = step.env.get(&self.name);
                Judgement::new(
                    got.is_some() && got == case.revisions.last(),
                    format!(
                        "{}; previous revision: {}",
                        show(got),
                        show(case.revisions.last())
                    ),
                )
            }
        }
    }
}

/// `revision_is_ulid`: `CNAB_REVISION` is a ULID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionIsUlid {
    /// Clauses this checks.
    pub clauses: Vec<String>,
}

impl Check for RevisionIsUlid {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        "CNAB_REVISION is a ULID".to_string()
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.env.get("CNAB_REVISION") {
            None => Judgement::fail("CNAB_REVISION is not set"),
            Some(r) => Judgement::new(is_ulid(r), format!("{r:?}")),
        }
    }
}
