//! Fields a bundle's version does not define (101 § Custom Extensions).
//!
//! The policy, one for every object of a bundle: a field outside `custom`
//! that the schema of the document's version does not define is an error
//! (`core.custom.only_there`, "Tools MUST NOT define additional fields
//! anywhere else in the bundle descriptor"), whether no version defines it
//! or only a later one does (`applyTo` on a credential before core 1.2.0).
//! 101 lets an implementation ignore or reject unknown fields as long as it
//! is consistent (`core.custom.unknown_fields.consistent`); the validator
//! rejects, as the schema already does at the top level. Free-form places are
//! left alone: `custom`, `labels`, and `definitions` (JSON Schemas).
//!
//! Each unknown key is its own finding at its own pointer, with the closest
//! known key when one is near and the version that defines it when a later
//! one does.

use std::collections::HashMap;
use std::sync::OnceLock;

use cnab_model::SpecVersion;
use serde_json::{Map, Value};

use super::{ptr, quote, Bundle, Sink};
use crate::schema::embedded;

use super::UNKNOWN_FIELD_CLAUSE as CLAUSE;

/// The core bundle schemas, parsed once per process, by schema directory.
fn schemas() -> &'static HashMap<String, Value> {
    static SCHEMAS: OnceLock<HashMap<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        SpecVersion::ALL
            .into_iter()
            .filter_map(|v| {
                let dir = v.schema_dir();
                let text = embedded::find(&dir, "bundle.schema.json")?;
                let value = serde_json::from_str(text).ok()?;
                Some((dir, value))
            })
            .collect()
    })
}

/// The newest core version with a bundle schema.
const NEWEST: SpecVersion = SpecVersion::Core1_2_0;

/// An unknown key: where it is and the keys known there.
struct Unknown {
    pointer: String,
    key: String,
    known: Vec<String>,
}

pub(super) fn check(b: &Bundle<'_>, out: &mut Sink) {
    let Some(schema) = schemas().get(&b.version.schema_dir()) else {
        // Claims embed a bundle whose fields their own schema judges.
        return;
    };
    let mut unknown = Vec::new();
    walk(schema, schema, b.doc, &mut Vec::new(), &mut unknown);
    if unknown.is_empty() {
        return;
    }
    // Which of them a later version defines.
    let mut newer = Vec::new();
    let mut compared = false;
    if b.version != NEWEST {
        if let Some(newest) = schemas().get(&NEWEST.schema_dir()) {
            walk(newest, newest, b.doc, &mut Vec::new(), &mut newer);
            compared = true;
        }
    }
    for u in unknown {
        // An action's `title` before 1.1.0 has its own clause and rule
        // (`core.actions.title`); one defect, one finding.
        if u.key == "title"
            && u.pointer.starts_with("/actions/")
            && u.pointer.matches('/').count() == 3
        {
            continue;
        }
        let defined_later = compared && !newer.iter().any(|n| n.pointer == u.pointer);
        let message = if defined_later {
            format!(
                "field {} is defined from core {} on, not in core {}; state that `schemaVersion` or remove the field",
                quote(&u.key),
                NEWEST.number(),
                b.version.number()
            )
        } else {
            match closest(&u.key, &u.known) {
                Some(near) => format!(
                    "unknown field {}; did you mean `{near}`? (a tool's own fields belong in `custom`)",
                    quote(&u.key)
                ),
                None => format!(
                    "unknown field {}; a tool's own fields belong in `custom`",
                    quote(&u.key)
                ),
            }
        };
        out.push(CLAUSE, &u.pointer, message);
    }
}

/// The known key nearest to `key`, when one is near enough to be a typo.
pub(crate) fn closest<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    let folded = key.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&folded, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Follows a local `$ref`; anything else (another file) is open.
fn resolve<'s>(root: &'s Value, schema: &'s Value) -> Option<&'s Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        None => Some(schema),
        Some(r) => root.pointer(r.strip_prefix('#')?),
    }
}

fn walk(root: &Value, schema: &Value, doc: &Value, at: &mut Vec<String>, out: &mut Vec<Unknown>) {
    let Some(schema) = resolve(root, schema) else {
        return;
    };
    match doc {
        Value::Object(members) => walk_object(root, schema, members, at, out),
        Value::Array(items) => {
            let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) else {
                return;
            };
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                walk(root, item_schema, item, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn walk_object(
    root: &Value,
    schema: &Value,
    members: &Map<String, Value>,
    at: &mut Vec<String>,
    out: &mut Vec<Unknown>,
) {
    let props = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    if props.is_none() && additional.is_none() {
        return;
    }
    for (key, value) in members {
        let sub = props.and_then(|p| p.get(key));
        let next = match (sub, additional) {
            (Some(s), _) => s,
            (None, Some(s @ Value::Object(_))) => s,
            (None, Some(Value::Bool(true))) => continue,
            _ => {
                at.push(key.clone());
                out.push(Unknown {
                    pointer: ptr(at),
                    key: key.clone(),
                    known: props
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default(),
                });
                at.pop();
                continue;
            }
        };
        at.push(key.clone());
        walk(root, next, value, at, out);
        at.pop();
    }
}
