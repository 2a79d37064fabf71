//! The invocation image the runtime handed to the driver.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{show, CaseState, Check, Fill, Judgement, StepEvidence, NOT_RUN};

/// `image_is`: the invocation image the runtime ran has this `image`
/// reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageIs {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The image reference.
    pub equals: String,
}

impl Check for ImageIs {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("the image run is {:?}", self.equals)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.equals);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(r) => {
                let got = r
                    .operation
                    .as_ref()
                    .and_then(|op| op.pointer("/image/image"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                Judgement::new(got.as_ref() == Some(&self.equals), show(got.as_ref()))
            }
        }
    }
}
