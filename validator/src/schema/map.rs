//! Maps schema violations to the most specific clause of the catalog.
//!
//! The mapping is one table, read top to bottom: the first row whose kind,
//! instance-pointer pattern, keyword and property all match names the clause.
//! Each kind ends with a catch-all row, so every violation gets a clause.

use cnab_model::DocumentKind;

use super::SchemaViolation;

/// One row of the mapping table.
#[derive(Debug, Clone, Copy)]
pub struct MappingRow {
    /// The document kind the row applies to.
    pub kind: DocumentKind,
    /// An instance pointer pattern: segments separated by `/`, where `*`
    /// matches one segment and a final `**` matches any rest (even none).
    /// The empty pattern matches the root only.
    pub pointer: &'static str,
    /// The failing keyword, or `None` for any.
    pub keyword: Option<&'static str>,
    /// For `required` and `additionalProperties`, the property, or `None` for any.
    pub property: Option<&'static str>,
    /// The clause ID.
    pub clause: &'static str,
}

const fn row(
    kind: DocumentKind,
    pointer: &'static str,
    keyword: Option<&'static str>,
    property: Option<&'static str>,
    clause: &'static str,
) -> MappingRow {
    MappingRow {
        kind,
        pointer,
        keyword,
        property,
        clause,
    }
}

use DocumentKind as D;

const REQ: Option<&str> = Some("required");
const PAT: Option<&str> = Some("pattern");

/// The table, most specific rows first within each kind.
pub static MAPPING: &[MappingRow] = &[
    // Bundles.
    row(
        D::Bundle,
        "",
        REQ,
        Some("schemaVersion"),
        "core.bundle.schemaVersion.present",
    ),
    row(D::Bundle, "", REQ, Some("name"), "core.bundle.name.present"),
    row(
        D::Bundle,
        "",
        REQ,
        Some("version"),
        "core.bundle.version.present",
    ),
    row(D::Bundle, "", REQ, None, "core.bundle.required_fields"),
    row(
        D::Bundle,
        "",
        Some("additionalProperties"),
        None,
        "core.custom.only_there",
    ),
    row(
        D::Bundle,
        "/version",
        PAT,
        None,
        "core.bundle.version.semver2",
    ),
    row(
        D::Bundle,
        "/invocationImages",
        Some("minItems"),
        None,
        "core.bundle.invocationImages.min_one",
    ),
    row(
        D::Bundle,
        "/invocationImages/*",
        REQ,
        Some("image"),
        "core.image.image.present",
    ),
    row(
        D::Bundle,
        "/images/*",
        REQ,
        Some("image"),
        "core.images.image.present",
    ),
    row(
        D::Bundle,
        "/maintainers/**",
        None,
        None,
        "core.bundle.maintainers.shape",
    ),
    row(
        D::Bundle,
        "/parameters/*",
        REQ,
        Some("definition"),
        "core.parameters.definition.present",
    ),
    row(
        D::Bundle,
        "/parameters/*",
        REQ,
        Some("destination"),
        "core.parameters.destination.present",
    ),
    row(
        D::Bundle,
        "/parameters/*/description",
        None,
        None,
        "core.parameters.description.string",
    ),
    row(
        D::Bundle,
        "/parameters/*/destination/path",
        PAT,
        None,
        "core.parameters.path.not_outputs.pattern",
    ),
    row(
        D::Bundle,
        "/credentials/*/path",
        PAT,
        None,
        "core.credentials.path.not_outputs",
    ),
    row(
        D::Bundle,
        "/outputs/*",
        REQ,
        Some("path"),
        "core.outputs.path.present",
    ),
    row(
        D::Bundle,
        "/outputs/*",
        REQ,
        Some("definition"),
        "core.outputs.definition.present",
    ),
    row(
        D::Bundle,
        "/outputs/*/path",
        PAT,
        None,
        "core.outputs.path.under_outputs",
    ),
    row(
        D::Bundle,
        "/outputs/*/description",
        None,
        None,
        "core.outputs.description.string",
    ),
    row(
        D::Bundle,
        "/definitions/**",
        None,
        None,
        "core.definitions.valid_schema",
    ),
    row(D::Bundle, "**", None, None, "core.bundle.schema"),
    // Claims (errors under `/bundle` first go through the bundle rows).
    row(D::Claim, "", REQ, Some("action"), "claim.action.present"),
    row(
        D::Claim,
        "",
        REQ,
        Some("bundle"),
        "claim.bundle.present_valid",
    ),
    row(D::Claim, "", REQ, Some("created"), "claim.created.present"),
    row(D::Claim, "", REQ, Some("id"), "claim.id.present"),
    row(
        D::Claim,
        "",
        REQ,
        Some("installation"),
        "claim.installation.present",
    ),
    row(
        D::Claim,
        "",
        REQ,
        Some("revision"),
        "claim.revision.present",
    ),
    row(
        D::Claim,
        "/bundle/**",
        None,
        None,
        "claim.bundle.present_valid",
    ),
    row(
        D::Claim,
        "/created",
        Some("format"),
        None,
        "claim.created.format",
    ),
    row(D::Claim, "**", None, None, "claim.schema"),
    // Claim results.
    row(
        D::ClaimResult,
        "",
        REQ,
        Some("claimId"),
        "claim.result.claimId.present",
    ),
    row(
        D::ClaimResult,
        "",
        REQ,
        Some("id"),
        "claim.result.id.present",
    ),
    row(
        D::ClaimResult,
        "",
        REQ,
        Some("created"),
        "claim.result.created.present",
    ),
    row(
        D::ClaimResult,
        "",
        REQ,
        Some("status"),
        "claim.result.status.present",
    ),
    row(
        D::ClaimResult,
        "/status",
        Some("enum"),
        None,
        "claim.result.status.enum",
    ),
    row(
        D::ClaimResult,
        "/outputs/**",
        None,
        None,
        "claim.result.outputs.shape",
    ),
    row(D::ClaimResult, "**", None, None, "claim.result.schema"),
    // Extension documents and relocation mappings.
    row(
        D::RelocationMapping,
        "**",
        None,
        None,
        "core.relocation.shape",
    ),
    row(D::Dependencies, "**", None, None, "deps.requires.shape"),
    row(
        D::ParameterSources,
        "**",
        None,
        None,
        "ext.paramsources.schema",
    ),
    row(D::Status, "**", None, None, "ext.status.values"),
];

/// Unescapes one RFC 6901 segment.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .strip_prefix('/')
            .unwrap_or(pointer)
            .split('/')
            .map(unescape)
            .collect()
    }
}

/// Whether `pointer` matches the row pattern `pattern`.
fn matches(pattern: &str, pointer: &[String]) -> bool {
    let pat: Vec<&str> = if pattern.is_empty() {
        Vec::new()
    } else {
        pattern.trim_start_matches('/').split('/').collect()
    };
    let mut i = 0;
    for (n, p) in pat.iter().enumerate() {
        if *p == "**" && n == pat.len() - 1 {
            return true;
        }
        match pointer.get(i) {
            Some(seg) if *p == "*" || p == seg => i += 1,
            _ => return false,
        }
    }
    i == pointer.len()
}

fn lookup(kind: DocumentKind, pointer: &[String], v: &SchemaViolation) -> Option<&'static str> {
    MAPPING
        .iter()
        .filter(|r| r.kind == kind)
        .find(|r| {
            matches(r.pointer, pointer)
                && r.keyword.is_none_or(|k| k == v.keyword)
                && r.property.is_none_or(|p| v.property.as_deref() == Some(p))
        })
        .map(|r| r.clause)
}

/// The clause for a violation found in a document of `kind`.
///
/// Inside a claim, a violation under `/bundle` is first looked up with the
/// bundle rows (so a bad bundle `version` names `core.bundle.version.semver2`);
/// when only the bundle catch-all matches, the claim's own clause is used.
pub fn clause_for(kind: DocumentKind, v: &SchemaViolation) -> &'static str {
    let segs = segments(&v.pointer);
    if kind == DocumentKind::Claim && segs.first().map(String::as_str) == Some("bundle") {
        let inner = &segs[1..];
        if let Some(c) = lookup(DocumentKind::Bundle, inner, v) {
            if c != "core.bundle.schema" {
                return c;
            }
        }
    }
    lookup(kind, &segs, v).unwrap_or(match kind {
        DocumentKind::Bundle | DocumentKind::Output => "core.bundle.schema",
        DocumentKind::Claim => "claim.schema",
        DocumentKind::ClaimResult => "claim.result.schema",
        DocumentKind::RelocationMapping => "core.relocation.shape",
        DocumentKind::Dependencies => "deps.requires.shape",
        DocumentKind::ParameterSources => "ext.paramsources.schema",
        DocumentKind::Status => "ext.status.values",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnab_model::Catalog;

    fn v(pointer: &str, keyword: &str, property: Option<&str>) -> SchemaViolation {
        SchemaViolation {
            pointer: pointer.into(),
            schema_path: String::new(),
            keyword: keyword.into(),
            property: property.map(str::to_string),
            message: String::new(),
        }
    }

    #[test]
    fn every_clause_in_the_table_is_in_the_catalog() {
        let cat = Catalog::embedded();
        for r in MAPPING {
            assert!(cat.contains(r.clause), "{}", r.clause);
        }
    }

    #[test]
    fn every_kind_with_a_schema_has_a_catch_all() {
        for k in DocumentKind::ALL {
            if k.schema_file().is_none() {
                continue;
            }
            assert!(
                MAPPING
                    .iter()
                    .any(|r| r.kind == k && r.pointer == "**" && r.keyword.is_none()),
                "{k}"
            );
        }
    }

    #[test]
    fn bundle_rows() {
        let b = DocumentKind::Bundle;
        let cases = [
            (v("", "required", Some("name")), "core.bundle.name.present"),
            (
                v("", "required", Some("schemaVersion")),
                "core.bundle.schemaVersion.present",
            ),
            (
                v("", "required", Some("invocationImages")),
                "core.bundle.required_fields",
            ),
            (
                v("/version", "pattern", None),
                "core.bundle.version.semver2",
            ),
            (
                v("/parameters/p", "required", Some("definition")),
                "core.parameters.definition.present",
            ),
            (
                v("/parameters/p", "required", Some("destination")),
                "core.parameters.destination.present",
            ),
            (
                v("/outputs/o/path", "pattern", None),
                "core.outputs.path.under_outputs",
            ),
            (
                v("/outputs/o", "required", Some("path")),
                "core.outputs.path.present",
            ),
            (
                v("/invocationImages/0", "required", Some("image")),
                "core.image.image.present",
            ),
            (
                v("/images/x", "required", Some("image")),
                "core.images.image.present",
            ),
            (
                v("/maintainers/0/name", "type", None),
                "core.bundle.maintainers.shape",
            ),
            (
                v("", "additionalProperties", Some("x")),
                "core.custom.only_there",
            ),
            (v("/images", "type", None), "core.bundle.schema"),
            (
                v("/parameters/p/destination", "type", None),
                "core.bundle.schema",
            ),
        ];
        for (viol, clause) in cases {
            assert_eq!(clause_for(b, &viol), clause, "{viol:?}");
        }
    }

    #[test]
    fn a_pattern_row_does_not_match_deeper_pointers() {
        assert_eq!(
            clause_for(DocumentKind::Bundle, &v("/version/x", "pattern", None)),
            "core.bundle.schema"
        );
    }

    #[test]
    fn claim_rows_reuse_bundle_rows_under_bundle() {
        let c = DocumentKind::Claim;
        assert_eq!(
            clause_for(c, &v("/bundle/version", "pattern", None)),
            "core.bundle.version.semver2"
        );
        assert_eq!(
            clause_for(c, &v("/bundle", "required", Some("name"))),
            "core.bundle.name.present"
        );
        assert_eq!(
            clause_for(c, &v("/bundle/images", "type", None)),
            "claim.bundle.present_valid"
        );
        assert_eq!(
            clause_for(c, &v("", "required", Some("installation"))),
            "claim.installation.present"
        );
        assert_eq!(
            clause_for(c, &v("", "required", Some("name"))),
            "claim.schema"
        );
        assert_eq!(
            clause_for(c, &v("/bundle", "type", None)),
            "claim.bundle.present_valid"
        );
    }

    #[test]
    fn result_and_extension_rows() {
        assert_eq!(
            clause_for(DocumentKind::ClaimResult, &v("/status", "enum", None)),
            "claim.result.status.enum"
        );
        assert_eq!(
            clause_for(
                DocumentKind::ClaimResult,
                &v("", "required", Some("claimId"))
            ),
            "claim.result.claimId.present"
        );
        assert_eq!(
            clause_for(DocumentKind::RelocationMapping, &v("/a", "type", None)),
            "core.relocation.shape"
        );
        assert_eq!(
            clause_for(
                DocumentKind::Dependencies,
                &v("", "required", Some("requires"))
            ),
            "deps.requires.shape"
        );
        assert_eq!(
            clause_for(DocumentKind::Status, &v("/status", "enum", None)),
            "ext.status.values"
        );
    }

    #[test]
    fn pointer_segments_are_unescaped() {
        assert_eq!(segments("/a~1b/c~0d"), ["a/b", "c~d"]);
        assert!(matches("/parameters/*", &segments("/parameters/a~1b")));
    }
}
