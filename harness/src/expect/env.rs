//! Environment variables that reached the invocation image.

use serde::{Deserialize, Serialize};

use super::{ellipsize, show, CaseState, Check, Fill, Judgement, StepEvidence, NOT_RUN};
use crate::adapter::protocol::ActionOutcome;

/// `env`: a variable reached the image with this value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvEquals {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The variable.
    pub name: String,
    /// Its value.
    pub equals: String,
    /// Also hold when the runtime refused the action (the image did not
    /// run and an error was reported): for rules a refusal satisfies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub or_refused: bool,
}

impl Check for EnvEquals {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        let (name, equals) = (&self.name, &self.equals);
        if self.or_refused {
            format!("env {name} = {equals:?}, or the action is refused")
        } else {
            format!("env {name} = {equals:?}")
        }
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.texts([&mut self.name, &mut self.equals]);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None if self.or_refused && step.response.outcome != ActionOutcome::Succeeded => {
                Judgement::new(
                    true,
                    format!("refused: {:?}", ellipsize(&step.response.message, 300)),
                )
            }
            None => Judgement::fail(NOT_RUN),
            Some(_) => {
                let got = step.env.get(&self.name);
                Judgement::new(got == Some(&self.equals), show(got))
            }
        }
    }
}

/// `env_absent`: a variable did not reach the image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvAbsent {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The variable.
    pub name: String,
}

impl Check for EnvAbsent {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("env {} is not set", self.name)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.name);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(_) => Judgement::new(
                !step.env.contains_key(&self.name),
                show(step.env.get(&self.name)),
            ),
        }
    }
}
