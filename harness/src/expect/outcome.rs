//! The runtime's answer to a step: its outcome and its message.

use serde::{Deserialize, Serialize};

use super::{ellipsize, Check, Fill, Judgement, StepEvidence};
use crate::adapter::protocol::ActionOutcome;
use crate::expect::CaseState;

/// The outcome a step must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpectedOutcome {
    /// The runtime reports success.
    Succeeded,
    /// The runtime reports an error after the image ran.
    Failed,
    /// The runtime reports an error and the image never ran.
    Refused,
    /// The runtime reports an error, whether or not the image ran.
    Error,
}

impl ExpectedOutcome {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedOutcome::Succeeded => "succeeded",
            ExpectedOutcome::Failed => "failed",
            ExpectedOutcome::Refused => "refused",
            ExpectedOutcome::Error => "error",
        }
    }
}

/// `outcome`: the runtime's outcome, and whether the image ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeIs {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The outcome.
    pub is: ExpectedOutcome,
}

impl Check for OutcomeIs {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("outcome is {}", self.is.as_str())
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        let ran = step.record.is_some();
        let succeeded = step.response.outcome == ActionOutcome::Succeeded;
        let held = match self.is {
            ExpectedOutcome::Succeeded => succeeded && ran,
            ExpectedOutcome::Failed => !succeeded && ran,
            ExpectedOutcome::Refused => !succeeded && !ran,
            ExpectedOutcome::Error => !succeeded,
        };
        Judgement::new(
            held,
            format!(
                "outcome {} ({}); message: {:?}",
                step.response.outcome.as_str(),
                if ran {
                    "the image ran"
                } else {
                    "the image did not run"
                },
                ellipsize(&step.response.message, 300)
            ),
        )
    }
}

/// `message_contains`: the runtime's message mentions this text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageContains {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The text.
    pub text: String,
    /// Compare without regard to case.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_case: bool,
    /// A control: the mention must be in a part of the message (split at
    /// `;` and line breaks) that the message of this earlier step (1-based)
    /// does not have, so boilerplate every message carries cannot pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beyond_step: Option<usize>,
}

impl MessageContains {
    fn mentions(&self, part: &str) -> bool {
        if self.ignore_case {
            part.to_lowercase().contains(&self.text.to_lowercase())
        } else {
            part.contains(self.text.as_str())
        }
    }
}

/// The parts of a message: split at `;` and line breaks, trimmed.
fn parts(message: &str) -> impl Iterator<Item = &str> {
    message
        .split([';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

impl Check for MessageContains {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        let mut s = format!("the runtime's message mentions {:?}", self.text);
        if self.ignore_case {
            s.push_str(" (any case)");
        }
        if let Some(n) = self.beyond_step {
            s.push_str(&format!(", in words step {n}'s message does not have"));
        }
        s
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.text);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        let here = &step.response.message;
        let Some(n) = self.beyond_step else {
            return Judgement::new(self.mentions(here), message(step));
        };
        let Some(control) = n.checked_sub(1).and_then(|i| case.messages.get(i)) else {
            return Judgement::fail(format!("no step {n} ran before this one"));
        };
        let held = parts(here).any(|p| self.mentions(p) && !parts(control).any(|c| c == p));
        Judgement::new(
            held,
            format!(
                "{}; step {n}'s message: {:?}",
                message(step),
                ellipsize(control, 300)
            ),
        )
    }
}

/// `message_lacks`: the runtime's message does not mention this text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageLacks {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The text.
    pub text: String,
}

impl Check for MessageLacks {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("the runtime's message does not mention {:?}", self.text)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.text);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        Judgement::new(
            !step.response.message.contains(self.text.as_str()),
            message(step),
        )
    }
}

/// The runtime's message, cut, as the report shows it.
fn message(step: &StepEvidence<'_>) -> String {
    format!("message: {:?}", ellipsize(&step.response.message, 300))
}
