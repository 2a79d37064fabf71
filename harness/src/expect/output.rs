//! Outputs: which ones the runtime asked the image for, and what it reports.

use serde::{Deserialize, Serialize};

use super::{show, CaseState, Check, Fill, Judgement, StepEvidence, NOT_RUN};

/// `output_requested`: the runtime asked the image for this output (or did
/// not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRequested {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The output name.
    pub name: String,
    /// Whether it must be requested.
    pub is: bool,
}

impl Check for OutputRequested {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        if self.is {
            format!("output {} is collected for this action", self.name)
        } else {
            format!("output {} is not collected for this action", self.name)
        }
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.name);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(r) => {
                let outs = r.outputs();
                let requested = outs.values().any(|v| v == &self.name);
                Judgement::new(
                    requested == self.is,
                    format!(
                        "requested outputs: [{}]",
                        outs.values().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            }
        }
    }
}

/// `output`: the runtime reports this output value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputEquals {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The output name.
    pub name: String,
    /// Its value.
    pub equals: String,
}

impl Check for OutputEquals {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("output {} = {:?}", self.name, self.equals)
    }

    fn capability(&self) -> Option<&'static str> {
        Some("outputs")
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.texts([&mut self.name, &mut self.equals]);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        let got = reported(step, &self.name);
        Judgement::new(got == Some(&self.equals), show(got))
    }
}

/// `output_absent`: the runtime reports no value for this output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputAbsent {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// The output name.
    pub name: String,
}

impl Check for OutputAbsent {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("output {} is not reported", self.name)
    }

    fn capability(&self) -> Option<&'static str> {
        Some("outputs")
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.name);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        let got = reported(step, &self.name);
        Judgement::new(got.is_none(), show(got))
    }
}

/// The value the runtime reports for an output.
fn reported<'a>(step: &StepEvidence<'a>, name: &str) -> Option<&'a String> {
    step.response.outputs.as_ref().and_then(|o| o.get(name))
}
