//! The runtime case format: a file holds a family of cases, a case holds a
//! bundle template and steps, a step holds an action and expectations
//! ([`crate::expect`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::expect::{Expectation, Fill};

/// The placeholder replaced by the installation name the harness picks.
pub const PLACEHOLDER_INSTALLATION: &str = "{{installation}}";
/// The placeholder replaced by the invocation image reference.
pub const PLACEHOLDER_IMAGE: &str = "{{image}}";
/// The placeholder replaced by the invocation image's real repository digest
/// (Docker mode; a fixed well-formed digest with the command driver).
pub const PLACEHOLDER_DIGEST: &str = "{{digest}}";

/// One case file: a family of cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The family name (`parameters`, `outputs`, ...).
    pub family: String,
    /// What the family covers.
    pub description: String,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One conformance case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable ID, unique across all files (`params.default-used`).
    pub id: String,
    /// What the case shows, one sentence.
    pub description: String,
    /// The spec version of the bundle (`cnab-core-1.2.0`); a runtime that does
    /// not declare it skips the case.
    pub spec: String,
    /// Capabilities needed beyond those the steps imply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The bundle template; string values may hold placeholders.
    pub bundle: Value,
    /// The steps, run in order against one installation.
    pub steps: Vec<Step>,
}

/// One action against the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The action to run.
    pub action: String,
    /// A bundle template replacing the case's bundle from this step on
    /// (for example a new version for an upgrade).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<Value>,
    /// The installation name; defaults to the case's own installation.
    #[serde(default = "default_installation")]
    pub installation: String,
    /// The case needs this step to succeed (the runtime reports success and
    /// the image runs) to go on. When it does not, the case is an `error`
    /// with the runtime's message and its remaining clauses are not reached;
    /// a precondition is never a clause verdict.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub precondition: bool,
    /// Parameter values supplied by the user.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Value>,
    /// Credential values supplied by the user.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credentials: BTreeMap<String, String>,
    /// What the invocation image does in this step.
    #[serde(default)]
    pub image: ImageScript,
    /// What must be observed.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

fn default_installation() -> String {
    PLACEHOLDER_INSTALLATION.to_string()
}

/// Directions for the invocation image (played by the observer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageScript {
    /// Outputs to write, by output name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, String>,
    /// The exit code.
    #[serde(default)]
    pub exit_code: i32,
}

impl Case {
    /// Every clause the case checks, sorted and unique.
    pub fn clauses(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self
            .steps
            .iter()
            .flat_map(|s| s.expect.iter().flat_map(|e| e.clauses()))
            .collect();
        set.into_iter().cloned().collect()
    }

    /// The capabilities the case needs: `command-driver` (how the suite
    /// observes), the declared ones, and those its steps imply.
    pub fn required_capabilities(&self) -> Vec<String> {
        self.required_capabilities_with("command-driver")
    }

    /// The capabilities the case needs when the suite observes through
    /// `observer` (`command-driver` or `docker-driver`): that one, the
    /// declared ones, and those its steps imply. A step running a custom
    /// action its bundle declares needs `custom-actions`; one running an
    /// action the bundle does not declare does not (every runtime must
    /// refuse it).
    pub fn required_capabilities_with(&self, observer: &str) -> Vec<String> {
        let mut set: BTreeSet<String> = self.requires.iter().cloned().collect();
        set.insert(observer.to_string());
        let mut bundle = &self.bundle;
        for s in &self.steps {
            if let Some(b) = &s.bundle {
                bundle = b;
            }
            let declared = bundle
                .get("actions")
                .and_then(Value::as_object)
                .is_some_and(|a| a.contains_key(&s.action));
            if !is_builtin_action(&s.action) && declared {
                set.insert("custom-actions".to_string());
            }
            for e in &s.expect {
                if let Some(c) = e.capability() {
                    set.insert(c.to_string());
                }
            }
        }
        set.into_iter().collect()
    }

    /// Whether the case checks `clause` or a clause starting with it.
    pub fn matches_clause(&self, prefix: &str) -> bool {
        self.clauses().iter().any(|c| c.starts_with(prefix))
    }
}

/// Whether the action is one of the three built-ins.
pub fn is_builtin_action(action: &str) -> bool {
    matches!(action, "install" | "upgrade" | "uninstall")
}

impl Case {
    /// The case with placeholders (`{{installation}}`, `{{image}}`,
    /// `{{digest}}`) replaced by `vars` in every string value: the bundles,
    /// the steps and their expectations. Map keys are left alone.
    pub fn instantiate(&self, vars: &BTreeMap<&str, String>) -> Case {
        let fill = Fill::new(vars);
        let mut case = self.clone();
        fill.texts([&mut case.id, &mut case.description, &mut case.spec]);
        fill.texts(&mut case.requires);
        fill.value(&mut case.bundle);
        for step in &mut case.steps {
            fill.text(&mut step.action);
            if let Some(b) = &mut step.bundle {
                fill.value(b);
            }
            fill.text(&mut step.installation);
            step.parameters.values_mut().for_each(|v| fill.value(v));
            fill.texts(step.credentials.values_mut());
            fill.texts(step.image.outputs.values_mut());
            step.expect.iter_mut().for_each(|e| e.fill(&fill));
        }
        case
    }
}

/// Instantiates a case: placeholders in the bundle, steps and expectations are
/// replaced by `vars` ([`Case::instantiate`]).
pub fn instantiate(case: &Case, vars: &BTreeMap<&str, String>) -> Case {
    case.instantiate(vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(actions: Value, action: &str) -> Case {
        serde_json::from_value(json!({
            "id": "x", "description": "d", "spec": "cnab-core-1.2.0",
            "bundle": {"actions": actions},
            "steps": [{"action": action, "precondition": true}]
        }))
        .unwrap()
    }

    #[test]
    fn only_a_declared_custom_action_needs_custom_action_support() {
        let declared = case(json!({"io.x.status": {}}), "io.x.status");
        assert!(declared
            .required_capabilities()
            .contains(&"custom-actions".to_string()));
        let undeclared = case(json!({}), "io.x.undeclared");
        assert_eq!(undeclared.required_capabilities(), ["command-driver"]);
    }
}
