//! Files that reached the invocation image, as the operation carried them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ellipsize, show, CaseState, Check, Fill, Judgement, StepEvidence, NOT_RUN};

/// `file`: a file reached the image with this content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEquals {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// Absolute path in the image.
    pub path: String,
    /// Its content.
    pub equals: String,
}

impl Check for FileEquals {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("file {} holds {:?}", self.path, self.equals)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.texts([&mut self.path, &mut self.equals]);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(_) => {
                let got = step.files.get(&self.path);
                Judgement::new(got == Some(&self.equals), show(got))
            }
        }
    }
}

/// `file_absent`: a file did not reach the image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAbsent {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// Absolute path in the image.
    pub path: String,
}

impl Check for FileAbsent {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("file {} is not injected", self.path)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.path);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(_) => Judgement::new(
                !step.files.contains_key(&self.path),
                show(step.files.get(&self.path)),
            ),
        }
    }
}

/// `file_present`: a file reached the image, whatever its content (that
/// files are in place before the run, apart from what they hold).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilePresent {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// Absolute path in the image.
    pub path: String,
}

impl Check for FilePresent {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("file {} is injected", self.path)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.path);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(_) => Judgement::new(
                step.files.contains_key(&self.path),
                show(step.files.get(&self.path)),
            ),
        }
    }
}

/// `file_is_bundle`: a file holds exactly the bytes of the bundle given to
/// the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileIsBundle {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// Absolute path in the image.
    pub path: String,
}

impl Check for FileIsBundle {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("file {} is the bundle, byte for byte", self.path)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.path);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, _: &CaseState) -> Judgement {
        match step.record {
            None => Judgement::fail(NOT_RUN),
            Some(_) => match step.files.get(&self.path) {
                None => Judgement::fail("no such file"),
                Some(t) => bundle_bytes(t.as_bytes(), step.bundle, t),
            },
        }
    }
}

/// Whether `got` is the bundle, and what the report says about it; `text`
/// is what `got` reads as.
pub(super) fn bundle_bytes(got: &[u8], bundle: &[u8], text: &str) -> Judgement {
    if got == bundle {
        Judgement::new(true, format!("{} identical bytes", got.len()))
    } else {
        Judgement::fail(format!(
            "{} bytes that differ from the {}-byte bundle: {:?}",
            got.len(),
            bundle.len(),
            ellipsize(text, 200)
        ))
    }
}

/// `file_is_current_claim`: a file holds the claim of this operation: valid
/// JSON whose action, installation and revision match what the image was
/// told, and not a claim an earlier step mounted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileIsCurrentClaim {
    /// Clauses this checks.
    pub clauses: Vec<String>,
    /// Absolute path in the image.
    pub path: String,
}

impl Check for FileIsCurrentClaim {
    fn clauses(&self) -> &[String] {
        &self.clauses
    }

    fn describe(&self) -> String {
        format!("file {} is the claim of this operation", self.path)
    }

    fn fill(&mut self, fill: &Fill<'_>) {
        fill.texts(&mut self.clauses);
        fill.text(&mut self.path);
    }

    fn evaluate(&self, step: &StepEvidence<'_>, case: &CaseState) -> Judgement {
        if step.record.is_none() {
            return Judgement::fail(NOT_RUN);
        }
        let Some(t) = step.files.get(&self.path) else {
            return Judgement::fail("no such file");
        };
        let c = match serde_json::from_str::<Value>(t) {
            Err(e) => return Judgement::fail(format!("not JSON: {e}")),
            Ok(c) => c,
        };
        let field = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
        let mut problems = Vec::new();
        if field("action") != step.action {
            problems.push(format!("action is {:?}", field("action")));
        }
        if field("installation") != step.installation {
            problems.push(format!("installation is {:?}", field("installation")));
        }
        if Some(&field("revision").to_string()) != step.env.get("CNAB_REVISION") {
            problems.push(format!(
                "revision {:?} is not CNAB_REVISION {}",
                field("revision"),
                show(step.env.get("CNAB_REVISION"))
            ));
        }
        if case.mounted_claim_ids.contains(field("id")) {
            problems.push(format!(
                "claim {:?} was already mounted by an earlier step",
                field("id")
            ));
        }
        if problems.is_empty() {
            Judgement::new(
                true,
                format!("claim {} for {}", field("id"), field("action")),
            )
        } else {
            Judgement::fail(problems.join("; "))
        }
    }
}
