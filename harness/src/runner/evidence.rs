//! Evidence: what reached the image, as the report shows it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::driver::OperationRecord;
use crate::expect::probe::probe_of;
use crate::expect::{ellipsize, StepEvidence};

/// What reached the image, for the report: environment and files (contents
/// truncated, credential values masked), requested outputs, notes, and what
/// the probe saw inside the container when it ran.
pub fn observed_excerpt(
    record: &OperationRecord,
    step: &StepEvidence<'_>,
    credentials: &BTreeMap<String, String>,
) -> Value {
    let secrets: Vec<&String> = credentials.values().filter(|v| !v.is_empty()).collect();
    let mask = |v: &str| {
        if secrets.iter().any(|s| v.contains(s.as_str())) {
            "<credential>".to_string()
        } else {
            ellipsize(v, 200)
        }
    };
    let masked = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        m.iter().map(|(k, v)| (k.clone(), mask(v))).collect()
    };
    let mut excerpt = json!({
        "environment": masked(&step.env),
        "files": masked(&step.files),
        "outputs": record.outputs_as_sent(),
        "outputs_written": record.outputs_written,
        "exit_code": record.exit_code,
        "notes": record.notes,
        "operation_error": record.operation_error,
    });
    // What the probe saw inside the container: values masked, files by kind,
    // mode and owner (their content is in the expectations that need it).
    if let Ok(p) = probe_of(Some(record)) {
        let env: BTreeMap<&String, String> = p.env.iter().map(|(k, v)| (k, mask(v))).collect();
        let files: BTreeMap<&String, String> =
            p.files.iter().map(|(k, f)| (k, file_summary(f))).collect();
        excerpt["probe"] = json!({
            "argv0": p.argv0,
            "entrypoint_is_run": p.entrypoint_is_run,
            "uid": p.uid,
            "gid": p.gid,
            "env": env,
            "files": files,
            "outputs_written": p.outputs_written,
            "problems": p.problems,
        });
    }
    excerpt
}

/// A file the probe found, by kind, mode, owner and size.
fn file_summary(f: &cnab_probe::FileRecord) -> String {
    let mut d = f.kind.clone();
    if let Some(m) = f.mode {
        d.push_str(&format!(" mode {m:04o}"));
    }
    if let (Some(u), Some(g)) = (f.uid, f.gid) {
        d.push_str(&format!(" owner {u}:{g}"));
    }
    if let Some(n) = f.size {
        d.push_str(&format!(" {n} bytes"));
    }
    d
}
