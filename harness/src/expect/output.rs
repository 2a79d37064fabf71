//! Outputs: which ones the runtime asked the image for, and what it reports.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{show, CaseState, Check, Fill, Judgement, StepEvidence, NOT_RUN};
use crate::driver::observer::RequestedOutputs;

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
                let outs = match r.outputs() {
                    Ok(o) => o,
                    Err(e) => return Judgement::error(e),
                };
                let bundle = serde_json::from_slice(step.bundle).unwrap_or(Value::Null);
                let (names, unnamed) = outs.names(&bundle);
                let mut observed = format!(
                    "requested outputs: [{}]",
                    names.iter().cloned().collect::<Vec<_>>().join(", ")
                );
                if let RequestedOutputs::Paths(_) = outs {
                    observed.push_str(" (sent as a list of paths)");
                }
                if !unnamed.is_empty() {
                    observed.push_str(&format!(
                        "; paths no output declares: [{}]",
                        unnamed.join(", ")
                    ));
                }
                Judgement::new(names.contains(&self.name) == self.is, observed)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::protocol::RunResponse;
    use crate::driver::OperationRecord;
    use serde_json::json;

    const BUNDLE: &[u8] = br#"{"outputs": {"token": {"definition": "s", "path": "/cnab/app/outputs/token"}, "log": {"definition": "s", "path": "/cnab/app/outputs/log"}}}"#;

    fn judge(outputs: Option<serde_json::Value>, check: &OutputRequested) -> Judgement {
        let mut op = json!({"action": "install", "environment": {}, "files": {}});
        if let Some(o) = outputs {
            op["outputs"] = o;
        }
        let record = OperationRecord {
            operation: Some(op),
            ..OperationRecord::default()
        };
        let resp: RunResponse = serde_json::from_value(json!({
            "protocol": "cnab-conformance-adapter/1", "outcome": "succeeded"
        }))
        .unwrap();
        let step = StepEvidence::new("install", "i", &resp, Some(&record), BUNDLE, None);
        check.evaluate(&step, &CaseState::default())
    }

    fn requested(name: &str, is: bool) -> OutputRequested {
        OutputRequested {
            clauses: vec!["c".into()],
            name: name.into(),
            is,
        }
    }

    #[test]
    fn a_list_of_paths_names_outputs_through_the_bundle() {
        // cnab-go v0.6 sends the paths only: `token` is requested, so a check
        // that it is not must fail, not pass on an empty map.
        let list = json!(["/cnab/app/outputs/token"]);
        let j = judge(Some(list.clone()), &requested("token", false));
        assert!(!j.held, "{j:?}");
        assert!(j.error.is_none(), "{j:?}");
        assert!(judge(Some(list.clone()), &requested("token", true)).held);
        assert!(judge(Some(list), &requested("log", false)).held);
        // The map form still works.
        let map = json!({"/cnab/app/outputs/log": "log"});
        assert!(judge(Some(map.clone()), &requested("log", true)).held);
        assert!(!judge(Some(map), &requested("token", true)).held);
        // No `outputs` at all asks for none.
        assert!(judge(None, &requested("token", false)).held);
    }

    #[test]
    fn an_unknown_outputs_shape_is_an_error_never_a_pass() {
        for shape in [
            json!("/cnab/app/outputs/token"),
            json!(7),
            json!([1, 2]),
            json!({"/cnab/app/outputs/token": 1}),
        ] {
            for is in [false, true] {
                let j = judge(Some(shape.clone()), &requested("token", is));
                assert!(!j.held, "{shape}: {j:?}");
                assert!(
                    j.error.as_deref().is_some_and(|e| e.contains("`outputs`")),
                    "{shape}: {j:?}"
                );
            }
        }
    }
}
