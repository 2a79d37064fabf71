//! Known defects of the official schemas, where a schema contradicts the
//! spec text. A violation that only a defect causes is dropped, and the
//! semantic rules check what the spec says instead (CLAUSES.md lists the
//! defects).

use cnab_model::DocumentKind;
use serde_json::Value;

use super::SchemaViolation;

/// Whether `violation` comes from a known defect of the schema of `kind`.
pub fn is_known_defect(kind: DocumentKind, violation: &SchemaViolation, doc: &Value) -> bool {
    // Core 1.0.0's path pattern `^(?!/cnab/app/outputs)/.+$` also fails a
    // relative path, which is another clause (103: "A `path` MUST be
    // absolute"; a credential's is "the absolute path"): the rules report
    // that one under its own clause.
    if kind == DocumentKind::Bundle
        && violation.keyword == "pattern"
        && is_destination_path(&violation.pointer)
        && doc
            .pointer(&violation.pointer)
            .and_then(Value::as_str)
            .is_some_and(|p| !p.starts_with('/'))
    {
        return true;
    }
    // Not a defect but a double: the rule `fields` reports each unknown key of
    // a bundle at its own pointer, so the schema's one violation for all of
    // them is dropped.
    if kind == DocumentKind::Bundle && violation.keyword == "additionalProperties" {
        return true;
    }
    // 500 § sequence defines `sequence`, but the schema closes the object
    // without it (schema defect 3): the rules check `sequence` instead.
    kind == DocumentKind::Dependencies
        && violation.pointer.is_empty()
        && violation.keyword == "additionalProperties"
        && violation.message == "property `sequence` is not allowed here"
}

/// `/parameters/*/destination/path` or `/credentials/*/path`.
fn is_destination_path(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').collect();
    matches!(
        segments.as_slice(),
        ["", "parameters", _, "destination", "path"] | ["", "credentials", _, "path"]
    )
}
