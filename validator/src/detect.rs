//! Detection of a document's kind and spec version from its shape.
//!
//! Both can be overridden by the caller; detection only decides what the
//! caller left open, and says how it decided.

use cnab_model::{DocumentKind, SpecFamily, SpecVersion};
use serde::Serialize;
use serde_json::{Map, Value};

/// How a value of a report was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Given by the caller (see [`GIVEN`]).
    Override,
    /// Read from the document.
    Detected,
    /// The document says nothing; the default for its kind was used.
    Default,
    /// The document names something unknown; the newest known value was used.
    Fallback,
    /// Nothing could be decided.
    Unknown,
}

/// The reason of a value the caller gave, which the caller may reword (the
/// command line names its flag); a note may follow it after `; `.
pub const GIVEN: &str = "given by the caller";

/// A decided value with how and why it was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision<T> {
    /// The value, when one was decided.
    pub value: Option<T>,
    /// How it was decided.
    pub origin: Origin,
    /// Why, in a lowercase phrase.
    pub reason: String,
}

impl<T> Decision<T> {
    fn new(value: Option<T>, origin: Origin, reason: impl Into<String>) -> Self {
        Decision {
            value,
            origin,
            reason: reason.into(),
        }
    }
}

fn has(obj: &Map<String, Value>, keys: &[&str]) -> bool {
    keys.iter().all(|k| obj.contains_key(*k))
}

/// Every top-level property of a bundle in any core release.
const BUNDLE_PROPERTIES: &[&str] = &[
    "actions",
    "credentials",
    "custom",
    "definitions",
    "description",
    "images",
    "invocationImages",
    "keywords",
    "license",
    "maintainers",
    "name",
    "outputs",
    "parameters",
    "requiredExtensions",
    "schemaVersion",
    "version",
];

/// Top-level properties that only a bundle has.
const BUNDLE_ONLY: &[&str] = &[
    "actions",
    "credentials",
    "definitions",
    "images",
    "invocationImages",
    "outputs",
    "parameters",
    "requiredExtensions",
];

/// Whether a relocation-mapping key looks like an image reference with a
/// registry, repository path, tag or digest.
fn looks_like_image_reference(key: &str) -> bool {
    !key.is_empty() && !key.contains(char::is_whitespace) && key.contains(['/', ':', '@'])
}

/// Detects the kind of a document from its shape.
pub fn detect_kind(doc: &Value) -> Decision<DocumentKind> {
    use DocumentKind as K;
    let Some(obj) = doc.as_object() else {
        return Decision::new(
            None,
            Origin::Unknown,
            format!("the document is {}, not an object", type_name(doc)),
        );
    };
    let found = |k: K, why: &str| Decision::new(Some(k), Origin::Detected, why);
    if obj.contains_key("invocationImages") {
        return found(K::Bundle, "has `invocationImages`");
    }
    if has(obj, &["schemaVersion", "name", "version"]) && obj["schemaVersion"].is_string() {
        return found(K::Bundle, "has `schemaVersion`, `name` and `version`");
    }
    if has(obj, &["claimId", "status"]) {
        return found(K::ClaimResult, "has `claimId` and `status`");
    }
    if obj.contains_key("bundle")
        && (obj.contains_key("installation")
            || obj.contains_key("action")
            || has(obj, &["name", "revision"])
            || obj.contains_key("modified"))
    {
        return found(K::Claim, "has `bundle` with claim fields");
    }
    if obj.contains_key("requires") && obj.len() == 1 {
        return found(K::Dependencies, "has `requires`");
    }
    if obj.get("status").is_some_and(Value::is_string)
        && obj
            .keys()
            .all(|k| matches!(k.as_str(), "status" | "message" | "components"))
    {
        return found(
            K::Status,
            "has `status` with optional `message` and `components`",
        );
    }
    // Strings from image references; a mapping whose keys all look like image
    // references is still one when some value is not a string, so that the
    // wrong value is a relocation-shape finding and not an unknown kind.
    let strings = obj.values().all(Value::is_string);
    let references = obj.keys().all(|k| looks_like_image_reference(k));
    if !obj.is_empty()
        && ((strings && obj.keys().any(|k| looks_like_image_reference(k)))
            || (references && obj.values().any(Value::is_string)))
    {
        return found(
            K::RelocationMapping,
            "an object from image references to strings",
        );
    }
    if !obj.is_empty()
        && obj.values().all(|v| {
            v.as_object()
                .is_some_and(|o| o.contains_key("priority") || o.contains_key("sources"))
        })
    {
        return found(
            K::ParameterSources,
            "every member has `priority` or `sources`",
        );
    }
    if obj.keys().all(|k| BUNDLE_PROPERTIES.contains(&k.as_str()))
        && obj.keys().any(|k| BUNDLE_ONLY.contains(&k.as_str()))
    {
        return found(K::Bundle, "has only bundle fields (a partial bundle)");
    }
    Decision::new(
        None,
        Origin::Unknown,
        "the shape matches no CNAB document kind",
    )
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The outcome of version detection, with a note when the document named a
/// version this tool does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionDetection {
    /// The decision.
    pub decision: Decision<SpecVersion>,
    /// Set when the version is unknown or missing: what to tell the user.
    pub unknown: Option<String>,
}

/// Detects the spec version of a document of `kind`.
///
/// Bundles name theirs in `schemaVersion` (`v1.2.0`). Claims and claim
/// results may name a claims version (`1.0.0-DRAFT+b5ed2f3`, `1.0.0`) in
/// `schemaVersion`; without one, the claims model (`installation`, `action`,
/// `id`) is judged under the newest claims version, and the older claim model
/// of core 1.0.0 (`name`) and 1.0.1 (`installation` with `modified`) under
/// that core version. Extension documents and relocation mappings carry none and are
/// judged under the newest core version.
pub fn detect_version(doc: &Value, kind: DocumentKind) -> VersionDetection {
    let ok = |v: SpecVersion, origin: Origin, why: String| VersionDetection {
        decision: Decision::new(Some(v), origin, why),
        unknown: None,
    };
    let latest_core = SpecVersion::latest_core();
    match kind {
        DocumentKind::Bundle => match doc.get("schemaVersion") {
            Some(Value::String(s)) => match core_version(s) {
                Some(v) => ok(v, Origin::Detected, format!("`schemaVersion` is `{s}`")),
                None => VersionDetection {
                    decision: Decision::new(
                        Some(latest_core),
                        Origin::Fallback,
                        format!("`schemaVersion` `{s}` is not known; using the newest, {latest_core}"),
                    ),
                    unknown: Some(format!(
                        "`schemaVersion` `{s}` names no spec version this tool carries (known: {}); checked against {latest_core}, the newest",
                        known_core()
                    )),
                },
            },
            other => {
                let what = match other {
                    None => "the bundle has no `schemaVersion`".to_string(),
                    Some(v) => format!("`schemaVersion` is {}, not a string", type_name(v)),
                };
                VersionDetection {
                    decision: Decision::new(
                        Some(latest_core),
                        Origin::Fallback,
                        format!("{what}; using the newest, {latest_core}"),
                    ),
                    unknown: Some(format!(
                        "{what} (known: {}); checked against {latest_core}, the newest",
                        known_core()
                    )),
                }
            }
        },
        DocumentKind::Claim | DocumentKind::ClaimResult => {
            let latest = SpecVersion::latest_claims();
            if let Some(sv) = doc.get("schemaVersion") {
                let found = sv
                    .as_str()
                    .and_then(|s| SpecVersion::from_family_number(SpecFamily::CnabClaims, s));
                return match found {
                    Some(v) => ok(v, Origin::Detected, format!("`schemaVersion` is `{}`", v.number())),
                    None => VersionDetection {
                        decision: Decision::new(
                            Some(latest),
                            Origin::Fallback,
                            format!("`schemaVersion` {sv} is not known; using the newest, {latest}"),
                        ),
                        unknown: Some(format!(
                            "`schemaVersion` {sv} names no claims version this tool carries (known: {}); checked against {latest}, the newest",
                            known_claims()
                        )),
                    },
                };
            }
            let obj = doc.as_object();
            let key = |k: &str| obj.is_some_and(|o| o.contains_key(k));
            if kind == DocumentKind::Claim && key("modified") && key("name") && !key("installation") {
                ok(
                    SpecVersion::Core1_0_0,
                    Origin::Detected,
                    "older claim model with `name` and `modified` (core 1.0.0)".into(),
                )
            } else if kind == DocumentKind::Claim && key("modified") && !key("action") {
                ok(
                    SpecVersion::Core1_0_1,
                    Origin::Detected,
                    "older claim model with `installation` and `modified` (core 1.0.1)".into(),
                )
            } else {
                ok(latest, Origin::Default, format!("no `schemaVersion`; using {latest}"))
            }
        }
        _ => ok(
            latest_core,
            Origin::Default,
            format!("{kind} documents carry no version; using {latest_core}"),
        ),
    }
}

/// Maps a bundle `schemaVersion` (`v1.2.0`) to a core version. A missing `v`
/// still selects the schema set (the semantic rules report the spelling).
/// Stability markers (`v1.0.0-WD`) are incompatible with every release, so
/// they match nothing.
pub fn core_version(schema_version: &str) -> Option<SpecVersion> {
    let number = schema_version.strip_prefix('v').unwrap_or(schema_version);
    SpecVersion::from_family_number(SpecFamily::CnabCore, number)
}

fn known_claims() -> String {
    SpecVersion::ALL
        .iter()
        .filter(|v| v.family() == SpecFamily::CnabClaims)
        .map(|v| v.number())
        .collect::<Vec<_>>()
        .join(", ")
}

fn known_core() -> String {
    SpecVersion::ALL
        .iter()
        .filter(|v| v.family() == SpecFamily::CnabCore)
        .map(|v| format!("v{}", v.number()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(v: Value) -> Option<DocumentKind> {
        detect_kind(&v).value
    }

    #[test]
    fn kinds_from_shape() {
        use DocumentKind as K;
        assert_eq!(kind(json!({"invocationImages": []})), Some(K::Bundle));
        assert_eq!(
            kind(json!({"schemaVersion": "v1.2.0", "name": "a", "version": "1"})),
            Some(K::Bundle)
        );
        assert_eq!(
            kind(json!({"claimId": "x", "status": "succeeded"})),
            Some(K::ClaimResult)
        );
        assert_eq!(
            kind(json!({"bundle": {}, "installation": "i", "action": "install"})),
            Some(K::Claim)
        );
        assert_eq!(
            kind(json!({"bundle": {}, "name": "i", "revision": "r", "modified": "m"})),
            Some(K::Claim)
        );
        assert_eq!(kind(json!({"requires": {}})), Some(K::Dependencies));
        assert_eq!(kind(json!({"status": "Ready"})), Some(K::Status));
        assert_eq!(kind(json!({"a/b:1": "c/d:1"})), Some(K::RelocationMapping));
        assert_eq!(
            kind(json!({"a/b:1": "c/d:1", "e/f:2": 7})),
            Some(K::RelocationMapping)
        );
        assert_eq!(
            kind(json!({"p": {"priority": ["output"], "sources": {}}})),
            Some(K::ParameterSources)
        );
        assert_eq!(kind(json!({"parameters": {}})), Some(K::Bundle));
        assert_eq!(kind(json!({"parameters": {}, "environment": {}})), None);
        assert_eq!(kind(json!({"_id": "abc", "installation": "x"})), None);
    }

    #[test]
    fn unknown_kinds() {
        assert_eq!(kind(json!([1])), None);
        assert_eq!(kind(json!({})), None);
        assert_eq!(
            kind(json!({"schemaVersion": 2, "config": {}, "layers": []})),
            None
        );
        assert!(detect_kind(&json!("x")).reason.contains("a string"));
    }

    #[test]
    fn bundle_versions() {
        let d = detect_version(&json!({"schemaVersion": "v1.1.0"}), DocumentKind::Bundle);
        assert_eq!(d.decision.value, Some(SpecVersion::Core1_1_0));
        assert_eq!(d.decision.origin, Origin::Detected);
        assert!(d.unknown.is_none());
        let d = detect_version(&json!({"schemaVersion": "v1.0.0-WD"}), DocumentKind::Bundle);
        assert_eq!(d.decision.value, Some(SpecVersion::Core1_2_0));
        assert_eq!(d.decision.origin, Origin::Fallback);
        assert!(d.unknown.unwrap().contains("v1.2.0"));
        let d = detect_version(&json!({}), DocumentKind::Bundle);
        assert!(d.unknown.unwrap().contains("no `schemaVersion`"));
        assert_eq!(core_version("1.2.0"), Some(SpecVersion::Core1_2_0));
        assert_eq!(core_version("v99.98"), None);
    }

    #[test]
    fn claim_versions_from_schema_version() {
        let d = |v: Value| detect_version(&v, DocumentKind::Claim);
        let draft = d(json!({"schemaVersion": "1.0.0-DRAFT+b5ed2f3", "action": "install"}));
        assert_eq!(draft.decision.value, Some(SpecVersion::ClaimsDraft));
        assert!(draft.unknown.is_none());
        let bad = d(json!({"schemaVersion": "2.0.0"}));
        assert_eq!(bad.decision.value, Some(SpecVersion::Claims1_0_0));
        assert!(bad.unknown.unwrap().contains("1.0.0-DRAFT+b5ed2f3"));
        let r = detect_version(
            &json!({"schemaVersion": "1.0.0"}),
            DocumentKind::ClaimResult,
        );
        assert_eq!(r.decision.value, Some(SpecVersion::Claims1_0_0));
    }

    #[test]
    fn claim_versions() {
        let v = |d: Value| detect_version(&d, DocumentKind::Claim).decision.value;
        assert_eq!(
            v(json!({"bundle": {}, "action": "install"})),
            Some(SpecVersion::Claims1_0_0)
        );
        assert_eq!(
            v(json!({"bundle": {}, "name": "n", "modified": "m"})),
            Some(SpecVersion::Core1_0_0)
        );
        assert_eq!(
            v(json!({"bundle": {}, "installation": "n", "modified": "m"})),
            Some(SpecVersion::Core1_0_1)
        );
    }
}
