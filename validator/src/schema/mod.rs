//! Schema sets per spec version, compiled once from the embedded copies.
//!
//! Every spec version folder under `schemas/` gets its own reference registry,
//! because the schemas' `$id`s are not versioned: `https://cnab.io/v1/bundle.schema.json`
//! names a different document in every release. Validators are compiled
//! lazily, once per process for each (version, kind) pair, and shared.
//!
//! The registry's retriever refuses every request, so a `$ref` that does not
//! resolve to an embedded copy (or to the draft-07 meta-schema that the
//! `referencing` crate carries) is a compile error, never a network access.

pub mod defects;
pub mod embedded;
mod map;

use std::sync::OnceLock;

use cnab_model::{DocumentKind, SpecVersion};
use jsonschema::{PatternOptions, Registry, Retrieve, Uri, ValidationError, Validator};
use serde_json::Value;

pub use map::{clause_for, MappingRow, MAPPING};

/// Why a schema set could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// An embedded schema is not JSON (a build defect the tests rule out).
    #[error("embedded schema `{path}` does not parse: {message}")]
    NotJson {
        /// The embedded path.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The registry or a validator could not be built.
    #[error("schema `{path}` does not compile: {message}")]
    Compile {
        /// The embedded path.
        path: String,
        /// The compiler's message.
        message: String,
    },
}

/// A retriever that never fetches: everything must already be embedded.
struct Refuse;

/// The error a refused retrieval reports.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not embedded and the validator never fetches",
            self.0
        )
    }
}

impl std::error::Error for Refused {}

impl Retrieve for Refuse {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(Box::new(Refused(uri.as_str().to_string())))
    }
}

fn version_index(v: SpecVersion) -> usize {
    SpecVersion::ALL
        .iter()
        .position(|x| *x == v)
        .expect("every version is in ALL")
}

fn kind_index(k: DocumentKind) -> usize {
    DocumentKind::ALL
        .iter()
        .position(|x| *x == k)
        .expect("every kind is in ALL")
}

/// The other scheme's spelling of an `http(s)://` URI, so that a `$ref` written
/// with `http` finds a schema whose `$id` uses `https`, and the reverse.
fn other_scheme(id: &str) -> Option<String> {
    if let Some(rest) = id.strip_prefix("https://") {
        Some(format!("http://{rest}"))
    } else {
        id.strip_prefix("http://")
            .map(|rest| format!("https://{rest}"))
    }
}

type Prepared = Result<Registry<'static>, SchemaError>;

fn registry(version: SpecVersion) -> &'static Prepared {
    static REGISTRIES: [OnceLock<Prepared>; 6] = [const { OnceLock::new() }; 6];
    REGISTRIES[version_index(version)].get_or_init(|| build_registry(version))
}

fn build_registry(version: SpecVersion) -> Prepared {
    let dir = version.schema_dir();
    let mut resources: Vec<(String, Value)> = Vec::new();
    for schema in embedded::EMBEDDED {
        let Some(rest) = schema.path.strip_prefix(&dir) else {
            continue;
        };
        if !rest.starts_with('/') {
            continue;
        }
        let value: Value = serde_json::from_str(schema.text).map_err(|e| SchemaError::NotJson {
            path: schema.path.to_string(),
            message: e.to_string(),
        })?;
        let Some(id) = value.get("$id").and_then(Value::as_str) else {
            continue;
        };
        let id = id.trim_end_matches('#').to_string();
        if let Some(alias) = other_scheme(&id) {
            resources.push((alias, value.clone()));
        }
        resources.push((id, value));
    }
    // The draft-07 meta-schema, as the `referencing` crate embeds it: the CNAB
    // schemas `$ref` parts of it (`description`, and the whole of it for
    // definitions).
    let meta = (**referencing::meta::DRAFT7).clone();
    resources.push(("http://json-schema.org/draft-07/schema".to_string(), meta));
    let compile_err = |e: jsonschema::ReferencingError| SchemaError::Compile {
        path: dir.clone(),
        message: e.to_string(),
    };
    Registry::new()
        .retriever(Refuse)
        .extend(resources)
        .map_err(compile_err)?
        .prepare()
        .map_err(compile_err)
}

/// The embedded path of the schema for `kind` under `version`, when there is one.
pub fn schema_path(version: SpecVersion, kind: DocumentKind) -> Option<String> {
    let file = kind.schema_file()?;
    let path = format!("{}/{}", version.schema_dir(), file);
    embedded::EMBEDDED
        .iter()
        .any(|s| s.path == path)
        .then_some(path)
}

type Compiled = Result<Option<Validator>, SchemaError>;

/// The compiled validator for `kind` under `version`: `Ok(None)` when that
/// version has no schema for the kind (outputs never do).
pub fn validator(
    version: SpecVersion,
    kind: DocumentKind,
) -> Result<Option<&'static Validator>, SchemaError> {
    static VALIDATORS: [OnceLock<Compiled>; 48] = [const { OnceLock::new() }; 48];
    let slot = &VALIDATORS[version_index(version) * DocumentKind::ALL.len() + kind_index(kind)];
    match slot.get_or_init(|| compile(version, kind)) {
        Ok(v) => Ok(v.as_ref()),
        Err(e) => Err(e.clone()),
    }
}

fn compile(version: SpecVersion, kind: DocumentKind) -> Compiled {
    let Some(path) = schema_path(version, kind) else {
        return Ok(None);
    };
    let text = embedded::EMBEDDED
        .iter()
        .find(|s| s.path == path)
        .map(|s| s.text)
        .unwrap_or_default();
    let schema: Value = serde_json::from_str(text).map_err(|e| SchemaError::NotJson {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let registry = registry(version).as_ref().map_err(Clone::clone)?;
    let mut options = jsonschema::draft7::options()
        .with_registry(registry)
        .with_retriever(Refuse)
        .with_pattern_options(PatternOptions::fancy_regex());
    if schema.get("$id").is_none() {
        options = options.with_base_uri(format!("urn:cnab-conformance:{path}"));
    }
    options
        .build(&schema)
        .map(Some)
        .map_err(|e| SchemaError::Compile {
            path,
            message: e.to_string(),
        })
}

/// One schema violation, reduced to what the pipeline needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// RFC 6901 pointer to the offending instance.
    pub pointer: String,
    /// The keyword location in the schema.
    pub schema_path: String,
    /// The failing keyword (`required`, `pattern`, ...).
    pub keyword: String,
    /// For `required`, the missing property; for `additionalProperties`, the
    /// first unexpected one.
    pub property: Option<String>,
    /// A lowercase message without a final period.
    pub message: String,
}

/// Validates `instance` against the schema of `kind` under `version`.
///
/// Returns `Ok(None)` when there is no schema for that pair.
pub fn validate(
    version: SpecVersion,
    kind: DocumentKind,
    instance: &Value,
) -> Result<Option<Vec<SchemaViolation>>, SchemaError> {
    let Some(validator) = validator(version, kind)? else {
        return Ok(None);
    };
    // Most documents are valid, and `is_valid` answers without building
    // errors or their paths.
    if validator.is_valid(instance) {
        return Ok(Some(Vec::new()));
    }
    Ok(Some(
        validator
            .iter_errors(instance)
            .map(|e| violation(&e))
            .collect(),
    ))
}

/// Shortens a rendered JSON value for a message.
fn brief(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        text
    } else {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    }
}

fn violation(e: &ValidationError<'_>) -> SchemaViolation {
    use jsonschema::error::ValidationErrorKind as K;
    let pointer = e.instance_path().as_str().to_string();
    let schema_path = e.schema_path().as_str().to_string();
    let kind = e.kind();
    let keyword = kind.keyword().to_string();
    let mut property = None;
    let message = match kind {
        K::Required { property: p } => {
            let name = p
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| p.to_string());
            let m = format!("missing required property `{name}`");
            property = Some(name);
            m
        }
        K::AdditionalProperties { unexpected } => {
            property = unexpected.first().cloned();
            let list = unexpected
                .iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("property {list} is not allowed here")
        }
        K::Pattern { pattern } => format!(
            "{} does not match the pattern `{pattern}`",
            brief(e.instance())
        ),
        K::Type { kind } => format!(
            "{} is not of type {}",
            brief(e.instance()),
            type_names(kind)
        ),
        K::Enum { options } => format!("{} is not one of {}", brief(e.instance()), brief(options)),
        K::Format { format } => format!("{} is not a valid `{format}`", brief(e.instance())),
        K::MinItems { limit } => format!("needs at least {limit} item(s)"),
        K::MinProperties { limit } => format!("needs at least {limit} member(s)"),
        K::MinLength { limit } => format!("needs at least {limit} character(s)"),
        K::AnyOf { .. } | K::OneOfNotValid { .. } => {
            format!("{} matches none of the allowed shapes", brief(e.instance()))
        }
        K::OneOfMultipleValid { .. } => {
            format!(
                "{} matches more than one allowed shape",
                brief(e.instance())
            )
        }
        K::FalseSchema => "no value is allowed here".to_string(),
        _ => {
            let text = e.to_string();
            let mut m: String = text.chars().take(160).collect();
            if text.chars().count() > 160 {
                m.push_str("...");
            }
            m
        }
    };
    SchemaViolation {
        pointer,
        schema_path,
        keyword,
        property,
        message,
    }
}

fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => format!("`{t}`"),
        jsonschema::error::TypeKind::Multiple(set) => set
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_version_and_kind_with_a_schema_compiles_offline() {
        let mut compiled = 0;
        for v in SpecVersion::ALL {
            for k in DocumentKind::ALL {
                match validator(v, k) {
                    Ok(Some(_)) => compiled += 1,
                    Ok(None) => assert!(schema_path(v, k).is_none(), "{v} {k}"),
                    Err(e) => panic!("{v} {k}: {e}"),
                }
            }
        }
        assert!(compiled >= 35, "{compiled}");
    }

    #[test]
    fn references_outside_the_embedded_set_are_refused() {
        let schema = json!({"$ref": "https://example.com/elsewhere.schema.json"});
        let Err(err) = jsonschema::draft7::options()
            .with_retriever(Refuse)
            .build(&schema)
        else {
            panic!("an unknown reference must not compile");
        };
        assert!(err.to_string().contains("never fetches"), "{err}");
    }

    #[test]
    fn outputs_have_no_schema() {
        assert!(validator(SpecVersion::Core1_2_0, DocumentKind::Output)
            .unwrap()
            .is_none());
    }

    #[test]
    fn core_1_0_0_look_ahead_pattern_rejects_outputs_paths() {
        let bundle = json!({
            "schemaVersion": "v1.0.0",
            "name": "x",
            "version": "1.0.0",
            "invocationImages": [{"image": "x"}],
            "definitions": {"s": {"type": "string"}},
            "parameters": {
                "p": {"definition": "s", "destination": {"path": "/cnab/app/outputs/p"}}
            }
        });
        let v = validate(SpecVersion::Core1_0_0, DocumentKind::Bundle, &bundle)
            .unwrap()
            .unwrap();
        assert!(
            v.iter()
                .any(|e| e.pointer == "/parameters/p/destination/path" && e.keyword == "pattern"),
            "{v:?}"
        );
        let mut ok = bundle.clone();
        ok["parameters"]["p"]["destination"]["path"] = json!("/tmp/p");
        let v = validate(SpecVersion::Core1_0_0, DocumentKind::Bundle, &ok)
            .unwrap()
            .unwrap();
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn claim_schema_reaches_the_bundle_schema_of_its_folder() {
        let claim = json!({
            "action": "install",
            "bundle": {"name": "x"},
            "created": "2020-01-01T00:00:00Z",
            "id": "01E2ZZ2FKSE0V41DCXFCSW5D1M",
            "installation": "i",
            "revision": "01E2ZZ2FKSE0V41DCXFCSW5D1M"
        });
        let v = validate(SpecVersion::Claims1_0_0, DocumentKind::Claim, &claim)
            .unwrap()
            .unwrap();
        assert!(
            v.iter()
                .any(|e| e.pointer == "/bundle" && e.property.as_deref() == Some("version")),
            "{v:?}"
        );
    }

    #[test]
    fn required_violations_name_the_property() {
        let v = validate(SpecVersion::Core1_2_0, DocumentKind::Bundle, &json!({}))
            .unwrap()
            .unwrap();
        let mut props: Vec<_> = v.iter().filter_map(|e| e.property.clone()).collect();
        props.sort();
        assert_eq!(
            props,
            ["invocationImages", "name", "schemaVersion", "version"]
        );
    }

    #[test]
    fn relocation_mapping_without_id_compiles() {
        let v = validate(
            SpecVersion::Core1_2_0,
            DocumentKind::RelocationMapping,
            &json!({"a": 1}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].pointer, "/a");
    }
}
