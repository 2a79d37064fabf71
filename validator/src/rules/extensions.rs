//! Extension rules (101 § Custom Extensions, § Required Extensions; 500
//! dependencies; 810 parameter sources).
//!
//! The values of the well-known extensions are checked against the embedded
//! schemas of the bundle's version folder, each compiled once per process.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use serde_json::Value;

use super::actions::dotted_name;
use super::reference::ImageReference;
use super::syntax::range_problem;
use super::{ptr, quote, shorten, Bundle, Sink};
use crate::schema::embedded::EMBEDDED;

const DEPENDENCIES: &str = "io.cnab.dependencies";
const PARAMETER_SOURCES: &str = "io.cnab.parameter-sources";

pub(super) fn check(b: &Bundle<'_>, out: &mut Sink) {
    let custom = b.map("custom");
    if let Some(list) = b.doc.get("requiredExtensions").and_then(Value::as_array) {
        let mut seen = BTreeSet::new();
        for (i, entry) in list.iter().enumerate() {
            let pointer = ptr(&["requiredExtensions".to_string(), i.to_string()]);
            let Value::String(name) = entry else {
                out.push(
                    "core.requiredExtensions.in_custom",
                    &pointer,
                    "requiredExtensions entry is not a string naming an extension of custom"
                        .to_string(),
                );
                continue;
            };
            if !seen.insert(name.as_str()) {
                out.push(
                    "core.requiredExtensions.in_custom",
                    &pointer,
                    format!(
                        "required extension {} is listed more than once",
                        quote(name)
                    ),
                );
            } else if !custom.is_some_and(|c| c.contains_key(name)) {
                out.push(
                    "core.requiredExtensions.in_custom",
                    &pointer,
                    format!("required extension {} is not a key of custom", quote(name)),
                );
            }
        }
    }
    let Some(custom) = custom else { return };
    for (name, value) in custom {
        let base = ptr(&["custom", name.as_str()]);
        dotted_name(
            name,
            &base,
            "core.custom.name.dotted",
            "extension name",
            out,
        );
        if name == DEPENDENCIES {
            check_dependencies_in_bundle(value, &b.version.schema_dir(), &base, out);
        } else if name == PARAMETER_SOURCES {
            let dir = b.version.schema_dir();
            let errors = schema_errors(&dir, "parameter-sources.schema.json", value);
            let clean = errors.is_empty();
            for (at, msg) in errors {
                out.push(
                    "ext.paramsources.schema",
                    &format!("{base}{at}"),
                    format!(
                        "{PARAMETER_SOURCES} does not follow the parameter sources schema: {msg}"
                    ),
                );
            }
            if clean {
                refs(value, b.doc, &base, out);
            }
        }
    }
}

/// Checks a bundle's `io.cnab.dependencies` value against the dependencies
/// schema of its version, except for `sequence`: 500 § sequence defines it,
/// but the schema leaves it out of `properties` and closes the object, so the
/// schema would reject the very field the text asks for (CLAUSES.md, schema
/// defect 3). `sequence` is checked here as the schema's own `sequence`
/// definition describes it: an array of dependency names.
fn check_dependencies_in_bundle(value: &Value, dir: &str, base: &str, out: &mut Sink) {
    let mut without_sequence = value.clone();
    let sequence = without_sequence
        .as_object_mut()
        .and_then(|m| m.remove("sequence"));
    for (at, msg) in schema_errors(dir, "dependencies.schema.json", &without_sequence) {
        let clause = if at.starts_with("/requires") {
            "deps.requires.shape"
        } else {
            "deps.key.reserved"
        };
        out.push(
            clause,
            &format!("{base}{at}"),
            format!("{DEPENDENCIES} does not follow the dependencies schema: {msg}"),
        );
    }
    if sequence.is_some() {
        check_sequence(value, base, out);
    }
    check_requires(value, base, out);
}

/// Rules for a standalone `io.cnab.dependencies` value (its schema is the
/// pipeline's job).
pub(super) fn check_dependencies_value(doc: &Value, out: &mut Sink) {
    check_sequence(doc, "", out);
    check_requires(doc, "", out);
}

/// `sequence` (500 § sequence) is an array of dependency names; the schema
/// cannot say so because it leaves the field out of `properties`.
fn check_sequence(deps: &Value, base: &str, out: &mut Sink) {
    let Some(seq) = deps.get("sequence") else {
        return;
    };
    let names = seq
        .as_array()
        .is_some_and(|a| a.iter().all(Value::is_string));
    if !names {
        out.push(
            "deps.key.reserved",
            &format!("{base}/sequence"),
            format!("{DEPENDENCIES} has a `sequence` that is not an array of dependency names"),
        );
    }
}

/// Rules for a standalone `io.cnab.parameter-sources` value, judged against
/// the bundle given with the options.
pub(super) fn check_parameter_source_refs(doc: &Value, bundle: &Value, out: &mut Sink) {
    refs(doc, bundle, "", out);
}

fn check_requires(deps: &Value, base: &str, out: &mut Sink) {
    let Some(requires) = deps.get("requires").and_then(Value::as_object) else {
        return;
    };
    for (alias, dep) in requires {
        if let Some(Value::String(bundle)) = dep.get("bundle") {
            if let Err(e) = ImageReference::parse(bundle) {
                out.push(
                    "deps.requires.shape",
                    &format!("{base}{}", ptr(&["requires", alias.as_str(), "bundle"])),
                    format!("bundle {} of dependency `{alias}` is not a `REGISTRY/NAME` reference: it {e}", quote(bundle)),
                );
            }
        }
        let Some(ranges) = dep.pointer("/version/ranges").and_then(Value::as_array) else {
            continue;
        };
        for (i, r) in ranges.iter().enumerate() {
            let Value::String(range) = r else { continue };
            if let Some(problem) = range_problem(range) {
                out.push(
                    "deps.version.ranges_syntax",
                    &format!(
                        "{base}{}",
                        ptr(&[
                            "requires",
                            alias.as_str(),
                            "version",
                            "ranges",
                            &i.to_string()
                        ])
                    ),
                    format!(
                        "version range {} of dependency `{alias}` is not range syntax: {problem}",
                        quote(range)
                    ),
                );
            }
        }
    }
}

fn refs(sources: &Value, bundle: &Value, base: &str, out: &mut Sink) {
    let Some(map) = sources.as_object() else {
        return;
    };
    let has = |section: &str, name: &str| {
        bundle
            .get(section)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(name))
    };
    for (param, source) in map {
        if !has("parameters", param) {
            out.push(
                "ext.paramsources.references",
                &format!("{base}{}", ptr(&[param.as_str()])),
                format!(
                    "parameter source {} names no parameter of the bundle",
                    quote(param)
                ),
            );
        }
        if let Some(Value::String(output)) = source.pointer("/sources/output/name") {
            if !has("outputs", output) {
                out.push(
                    "ext.paramsources.references",
                    &format!("{base}{}", ptr(&[param.as_str(), "sources", "output", "name"])),
                    format!("parameter source `{param}` reads output {}, which the bundle does not declare", quote(output)),
                );
            }
        }
    }
}

/// Validates `value` against an embedded extension schema; the folder of the
/// version is preferred, then the newest folder that has the file.
fn schema_errors(dir: &str, file: &str, value: &Value) -> Vec<(String, String)> {
    static COMPILED: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        EMBEDDED
            .iter()
            .filter(|s| {
                s.path.ends_with("/dependencies.schema.json")
                    || s.path.ends_with("/parameter-sources.schema.json")
            })
            .filter_map(|s| {
                let schema: Value = serde_json::from_str(s.text).ok()?;
                let v = jsonschema::draft7::options().build(&schema).ok()?;
                Some((s.path, v))
            })
            .collect()
    });
    let wanted = format!("{dir}/{file}");
    let fallback = format!("cnab-core/1.2.0/{file}");
    let Some(v) = compiled
        .get(wanted.as_str())
        .or_else(|| compiled.get(fallback.as_str()))
    else {
        return Vec::new();
    };
    v.iter_errors(value)
        .map(|e| {
            (
                e.instance_path().as_str().to_string(),
                shorten(e.to_string()),
            )
        })
        .collect()
}
