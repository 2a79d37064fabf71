//! Relocation mapping rules (103 § Image Relocation).

use std::collections::BTreeMap;

use serde_json::Value;

use super::reference::ImageReference;
use super::{options_bundle, ptr, quote, RuleOptions, Sink};

pub(super) fn check(doc: &Value, options: &RuleOptions, out: &mut Sink) {
    let Some(map) = doc.as_object() else { return };
    // Normalised key -> (original key, normalised value).
    let mut by_meaning: BTreeMap<String, (&str, Option<String>)> = BTreeMap::new();
    for (key, value) in map {
        let pointer = ptr(&[key.as_str()]);
        let key_ref = match ImageReference::parse(key) {
            Ok(r) => Some(r),
            Err(e) => {
                out.push(
                    "core.relocation.shape",
                    &pointer,
                    format!("key {} is not a valid image reference: it {e}", quote(key)),
                );
                None
            }
        };
        let value_ref = match value {
            Value::String(v) => {
                match ImageReference::parse(v) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        out.push(
                        "core.relocation.shape",
                        &pointer,
                        format!("relocated reference {} for {} is not a valid image reference: it {e}", quote(v), quote(key)),
                    );
                        None
                    }
                }
            }
            _ => None,
        };
        let Some(k) = key_ref else { continue };
        let norm_value = value_ref.map(|v| v.normalized());
        match by_meaning.get(&k.normalized()) {
            Some((first, first_value)) => {
                if let (Some(a), Some(b)) = (first_value, &norm_value) {
                    if a != b {
                        out.push(
                            "core.relocation.equivalents",
                            &pointer,
                            format!("{} and {} name the same image but are relocated to different images", quote(first), quote(key)),
                        );
                    }
                }
            }
            None => {
                by_meaning.insert(k.normalized(), (key.as_str(), norm_value));
            }
        }
    }
    let Some(bundle) = options_bundle(options) else {
        return;
    };
    for reference in bundle_references(bundle) {
        if !map.contains_key(&reference) {
            out.push(
                "core.relocation.keys_complete",
                "",
                format!(
                    "the mapping has no key for the bundle's image {}",
                    quote(&reference)
                ),
            );
        }
    }
}

/// Every image reference of a bundle: invocation images, then images.
fn bundle_references(bundle: &Value) -> Vec<String> {
    let mut refs = Vec::new();
    if let Some(list) = bundle.get("invocationImages").and_then(Value::as_array) {
        refs.extend(
            list.iter()
                .filter_map(|i| i.get("image")?.as_str().map(str::to_string)),
        );
    }
    if let Some(map) = bundle.get("images").and_then(Value::as_object) {
        refs.extend(
            map.values()
                .filter_map(|i| i.get("image")?.as_str().map(str::to_string)),
        );
    }
    refs.dedup();
    refs
}
