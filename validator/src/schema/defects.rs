//! Known defects of the official schemas, where a schema contradicts the
//! spec text. A violation that only a defect causes is dropped, and the
//! semantic rules check what the spec says instead (CLAUSES.md lists the
//! defects).

use cnab_model::DocumentKind;

use super::SchemaViolation;

/// Whether `violation` comes from a known defect of the schema of `kind`.
pub fn is_known_defect(kind: DocumentKind, violation: &SchemaViolation) -> bool {
    // 500 § sequence defines `sequence`, but the schema closes the object
    // without it (schema defect 3): the rules check `sequence` instead.
    kind == DocumentKind::Dependencies
        && violation.pointer.is_empty()
        && violation.keyword == "additionalProperties"
        && violation.message == "property `sequence` is not allowed here"
}
