//! What the reference runtime needs besides its rules: the store of claims
//! and results per installation, and small helpers over bundle JSON.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::adapter::protocol::{ActionOutcome, RunResponse, PROTOCOL};

pub(super) fn now() -> String {
    humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string()
}

pub(super) fn new_ulid() -> String {
    ulid::Ulid::generate().to_string()
}

pub(super) fn response(outcome: ActionOutcome, message: impl Into<String>) -> RunResponse {
    RunResponse {
        protocol: PROTOCOL.to_string(),
        outcome,
        message: message.into(),
        claim: None,
        result: None,
        outputs: None,
    }
}

pub(super) fn refuse(message: impl Into<String>) -> RunResponse {
    response(ActionOutcome::Refused, message)
}

/// The text injected for a resolved value: strings raw, others JSON text.
pub(super) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn rooted(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

pub(super) fn applies(entry: &Value, action: &str) -> bool {
    match entry.get("applyTo").and_then(Value::as_array) {
        None => true,
        Some(list) if list.is_empty() => true,
        Some(list) => list.iter().any(|a| a.as_str() == Some(action)),
    }
}

pub(super) fn object(v: &Value, key: &str) -> Map<String, Value> {
    v.get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Where one installation's records live.
pub(super) struct Store {
    pub(super) dir: PathBuf,
}

impl Store {
    pub(super) fn new(state_dir: &Path, installation: &str) -> Store {
        Store {
            dir: state_dir
                .join("installations")
                .join(hex::encode(installation.as_bytes())),
        }
    }

    pub(super) fn list(&self, kind: &str) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(self.dir.join(kind)) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| serde_json::from_slice(&b).ok())
            .collect()
    }

    pub(super) fn save(&self, kind: &str, id: &str, value: &Value) -> std::io::Result<()> {
        let dir = self.dir.join(kind);
        std::fs::create_dir_all(&dir)?;
        let seq = std::fs::read_dir(&dir)?.count();
        let text = serde_json::to_vec_pretty(value).expect("a record serializes");
        let tmp = dir.join(format!(".{id}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(format!("{seq:06}-{id}.json")))
    }
}

/// Validates a supplied value against its definition (a JSON Schema).
/// On failure returns the failing schema locations (safe to show) and the
/// validator's messages (which quote the value).
pub(super) fn validate_value(definition: &Value, value: &Value) -> Result<(), (String, String)> {
    let validator = jsonschema::draft7::new(definition).map_err(|e| {
        (
            "a definition that is not a usable schema".to_string(),
            e.to_string(),
        )
    })?;
    let errors: Vec<_> = validator.iter_errors(value).collect();
    if errors.is_empty() {
        return Ok(());
    }
    let keywords = errors
        .iter()
        .map(|e| format!("`{}`", e.schema_path()))
        .collect::<Vec<_>>()
        .join(", ");
    let detail = errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    Err((keywords, detail))
}
