//! Identity rules (101 § Schema Version, § Name and Version, 901 markers).

use super::syntax::{describe_char, first_non_graphic};
use super::{quote, Bundle, Sink};

pub(super) fn check(b: &Bundle<'_>, out: &mut Sink) {
    if let Some(version) = b.doc.get("version").and_then(|v| v.as_str()) {
        check_version(version, out);
    }
    if let Some(name) = b.doc.get("name").and_then(|v| v.as_str()) {
        if let Some(c) = first_non_graphic(name) {
            out.push(
                "core.bundle.name.graphic",
                "/name",
                format!(
                    "bundle name {} contains {}, but a name may hold only unicode graphic characters (letters, marks, numbers, punctuation, symbols, spaces)",
                    quote(name),
                    describe_char(c)
                ),
            );
        }
    }
    if let Some(sv) = b.doc.get("schemaVersion").and_then(|v| v.as_str()) {
        check_schema_version(sv, out);
    }
}

fn check_version(version: &str, out: &mut Sink) {
    // The schema's unanchored pattern already rejects strings without a digit.
    if !version.bytes().any(|c| c.is_ascii_digit()) {
        return;
    }
    if let Err(e) = semver::Version::parse(version) {
        let hint = if version.starts_with('v') {
            " (semver has no leading `v`)".to_string()
        } else {
            format!(" ({e})")
        };
        out.push(
            "core.bundle.version.semver2",
            "/version",
            format!(
                "bundle version {} is not a semver 2 version{hint}",
                quote(version)
            ),
        );
    }
}

fn check_schema_version(sv: &str, out: &mut Sink) {
    let parsed = sv
        .strip_prefix('v')
        .filter(|rest| *rest == "1" || semver::Version::parse(rest).is_ok());
    let Some(rest) = parsed else {
        out.push(
            "core.bundle.schemaVersion.semver",
            "/schemaVersion",
            format!(
                "schemaVersion {} is not `v` followed by a semver 2 version, such as \"v1.2.0\"",
                quote(sv)
            ),
        );
        return;
    };
    let Ok(v) = semver::Version::parse(rest) else {
        return;
    };
    for id in v.pre.as_str().split('.') {
        let upper = id.to_ascii_uppercase();
        if upper.contains("ALPHA") || upper.contains("BETA") {
            out.push(
                "proc.marker.no_alpha_beta",
                "/schemaVersion",
                format!("schemaVersion {} carries the marker `{id}`, but cnab versions use WD, CR or DRAFT, never alpha or beta markers", quote(sv)),
            );
            return;
        }
        if matches!(upper.as_str(), "WD" | "CR" | "DRAFT") || upper.starts_with("DRAFT") {
            out.push(
                "proc.marker.not_in_production",
                "/schemaVersion",
                format!("schemaVersion {} names an unstable `{id}` version of the specification, which production bundles should not use", quote(sv)),
            );
            return;
        }
    }
}
