//! Definition rules (101 § Definitions, § Parameters, § Outputs).
//!
//! Whether each definition is itself a valid schema is left to the official
//! schema of every version: 1.2.0 checks definitions against the draft-07
//! meta-schema and older versions against `definitions.schema.json`.

use std::fmt::Write as _;

use serde_json::Value;

use super::{ptr, quote, shorten, Bundle, Sink};
use cnab_model::SpecVersion;

pub(super) fn check(b: &Bundle<'_>, out: &mut Sink) {
    let defs = b.map("definitions");
    let has = |name: &str| defs.is_some_and(|d| d.contains_key(name));
    for (section, clause) in [
        ("parameters", "core.parameters.definition.resolves"),
        ("outputs", "core.outputs.definition.present"),
    ] {
        let Some(map) = b.map(section) else { continue };
        for (name, item) in map {
            if let Some(Value::String(def)) = item.get("definition") {
                if !has(def) {
                    out.push(
                        clause,
                        &ptr(&[section, name.as_str(), "definition"]),
                        format!(
                            "definition {} of {} `{name}` is not a key of definitions",
                            quote(def),
                            singular(section)
                        ),
                    );
                }
            }
        }
    }
    let Some(defs) = defs else { return };
    let integers_only = !b.at_least(SpecVersion::Core1_2_0);
    for (name, def) in defs {
        let base = ptr(&["definitions", name.as_str()]);
        let mut fractional_default = false;
        if integers_only {
            let mut found = Vec::new();
            find_fractions(def, &mut base.clone(), false, &mut found);
            for p in found {
                fractional_default |= p.starts_with(&format!("{base}/default"));
                out.push(
                    "core.definitions.integers_only",
                    &p,
                    format!("definition `{name}` holds a non-integer number, but before core 1.2.0 numbers in definitions are integers"),
                );
            }
        }
        // Before 1.2.0 the definitions meta-schema has `minItems: 1`; the
        // draft-07 meta-schema of 1.2.0 lets `enum: []` through.
        if !integers_only {
            if let Some(Value::Array(items)) = def.get("enum") {
                if items.is_empty() {
                    out.push(
                        "core.definitions.kw.enum",
                        &format!("{base}/enum"),
                        format!("`enum` of definition `{name}` is empty, so no value is valid; list the allowed values or remove `enum`"),
                    );
                }
            }
        }
        if fractional_default {
            continue;
        }
        if let Some(default) = def.get("default") {
            if let Some(problem) = validation_problem(def, default) {
                out.push(
                    "core.definitions.default_valid",
                    &format!("{base}/default"),
                    format!("default of definition `{name}` does not validate against the definition: {problem}"),
                );
            }
        }
    }
}

fn singular(section: &str) -> &'static str {
    if section == "parameters" {
        "parameter"
    } else {
        "output"
    }
}

/// Collects pointers to fractional numbers held in value keywords
/// (`default`, `enum`, `const`, `examples`), which the older definitions
/// meta-schema leaves unchecked.
///
/// `at` is the pointer of `v`; it is extended and restored on the way down,
/// so a pointer string is only made for a number that is found.
fn find_fractions(v: &Value, at: &mut String, in_value: bool, found: &mut Vec<String>) {
    match v {
        Value::Number(n)
            if in_value
                && !n.is_i64()
                && !n.is_u64()
                && n.as_f64().is_some_and(|f| f.fract() != 0.0) =>
        {
            found.push(at.clone());
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                let _ = write!(at, "/{i}");
                find_fractions(item, at, in_value, found);
                at.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let value_kw =
                    in_value || matches!(k.as_str(), "default" | "enum" | "const" | "examples");
                let len = at.len();
                at.push_str(&ptr(&[k.as_str()]));
                find_fractions(item, at, value_kw, found);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Validates `value` against the definition `def`; returns the first problem.
///
/// A definition that cannot be compiled offline (an unresolvable `$ref`, an
/// invalid keyword) yields no problem: the schema check reports those.
///
/// Compiling a schema costs far more than checking one value, and bundles
/// repeat the same few definitions (`{"type": "string"}` with another default
/// or description), so compiled definitions are kept per thread, keyed by the
/// definition without its annotation keywords.
pub(super) fn validation_problem(def: &Value, value: &Value) -> Option<String> {
    let key = cache_key(def)?;
    COMPILED.with_borrow_mut(|cache| {
        if cache.len() >= CACHE_LIMIT && !cache.contains_key(&key) {
            cache.clear();
        }
        let validator = cache
            .entry(key)
            .or_insert_with(|| jsonschema::draft7::options().build(def).ok())
            .as_ref()?;
        let err = validator.iter_errors(value).next()?;
        let at = err.instance_path().as_str().to_string();
        let msg = shorten(err.to_string());
        Some(if at.is_empty() {
            msg
        } else {
            format!("at {at}: {msg}")
        })
    })
}

/// Keywords that only annotate: under draft 7 they never change whether a
/// value is valid, so definitions that differ only in them share a compiled
/// validator.
const ANNOTATIONS: &[&str] = &[
    "default",
    "description",
    "title",
    "examples",
    "$comment",
    "readOnly",
    "writeOnly",
];

/// The most compiled definitions a thread keeps; past it the cache starts
/// over, which bounds memory on corpora with many distinct definitions.
const CACHE_LIMIT: usize = 1024;

thread_local! {
    static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Option<jsonschema::Validator>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The definition's JSON text without its top-level annotation keywords.
///
/// For an object, each kept member is written as its JSON key, `:`, its JSON
/// value and `,`: JSON tokens delimit themselves, so different definitions
/// never share a key, and no filtered copy of the object is made.
fn cache_key(def: &Value) -> Option<String> {
    let Value::Object(m) = def else {
        return serde_json::to_string(def).ok();
    };
    let mut key = Vec::with_capacity(64);
    key.push(b'{');
    for (k, v) in m {
        if ANNOTATIONS.contains(&k.as_str()) {
            continue;
        }
        serde_json::to_writer(&mut key, k).ok()?;
        key.push(b':');
        serde_json::to_writer(&mut key, v).ok()?;
        key.push(b',');
    }
    String::from_utf8(key).ok()
}
