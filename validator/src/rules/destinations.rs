//! Where parameters, credentials and outputs go in the invocation image
//! (101 § Parameters, § Credentials, § Outputs, § Resolving Destination
//! Conflicts; 103 § Setting Parameter Values).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::syntax::{
    clean_path, first_non_graphic, in_outputs, is_env_like, strictly_in_outputs, OUTPUTS_DIR,
};
use super::{ptr, quote, Bundle, Sink};
use cnab_model::SpecVersion;

/// The schema of core 1.0.0 gives parameter and credential paths the pattern
/// `^(?!/cnab/app/outputs)/.+$`; a path failing it is the schema's finding.
fn passes_1_0_0_pattern(p: &str) -> bool {
    p.starts_with('/') && p.len() > 1 && !p.starts_with(OUTPUTS_DIR)
}

/// Which section a destination belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Parameter,
    Credential,
}

impl Owner {
    fn noun(self) -> &'static str {
        match self {
            Owner::Parameter => "parameter",
            Owner::Credential => "credential",
        }
    }
}

/// Where an item of a section is, as a pointer built only when a finding
/// needs it (most items have none, and bundles can have thousands).
#[derive(Clone, Copy)]
struct Item<'a> {
    section: &'static str,
    name: &'a str,
}

impl Item<'_> {
    /// The pointer to the item, followed by `tail` (`""` or `/...`).
    fn at(self, tail: &str) -> String {
        let mut p = ptr(&[self.section, self.name]);
        p.push_str(tail);
        p
    }
}

/// A destination seen while walking, kept for the clash checks.
struct Dest<'a> {
    item: Item<'a>,
    /// The destination's field under the item: `/destination/env`, `/path`…
    field: &'static str,
}

pub(super) fn check(b: &Bundle<'_>, out: &mut Sink) {
    let mut envs: [BTreeMap<&str, Dest<'_>>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let mut paths: [BTreeMap<String, Dest<'_>>; 2] = [BTreeMap::new(), BTreeMap::new()];

    if let Some(params) = b.map("parameters") {
        for (name, p) in params {
            let item = Item {
                section: "parameters",
                name,
            };
            if !is_env_like(name) {
                out.push(
                    "core.parameters.name.env_like",
                    &item.at(""),
                    format!("parameter name {} should look like an environment variable name (letters, digits and `_`)", quote(name)),
                );
            }
            check_apply_to(
                b,
                p,
                item,
                "core.parameters.applyTo.semantics",
                "parameter",
                name,
                out,
            );
            let Some(dest) = p.get("destination").and_then(Value::as_object) else {
                continue;
            };
            if !dest.contains_key("env") && !dest.contains_key("path") {
                out.push(
                    "core.parameters.destination.env_or_path",
                    &item.at("/destination"),
                    format!("destination of parameter `{name}` has neither `env` nor `path`; at least one is required"),
                );
            }
            walk_dest(
                b,
                Owner::Parameter,
                item,
                dest,
                &mut envs[0],
                &mut paths[0],
                out,
            );
        }
    }
    if let Some(creds) = b.map("credentials") {
        for (name, c) in creds {
            let item = Item {
                section: "credentials",
                name,
            };
            if name.trim().is_empty() || first_non_graphic(name).is_some() {
                out.push(
                    "core.credentials.name.readable",
                    &item.at(""),
                    format!("credential name {} is not human-readable text", quote(name)),
                );
            }
            // Before core 1.2.0 `applyTo` is an unknown field (`fields`).
            if b.at_least(SpecVersion::Core1_2_0) {
                check_apply_to(
                    b,
                    c,
                    item,
                    "core.credentials.applyTo.semantics",
                    "credential",
                    name,
                    out,
                );
            }
            let Some(obj) = c.as_object() else { continue };
            if !obj.contains_key("env") && !obj.contains_key("path") {
                out.push(
                    "core.credentials.env_or_path",
                    &item.at(""),
                    format!("credential `{name}` has neither `env` nor `path`; at least one is required"),
                );
            }
            walk_dest(
                b,
                Owner::Credential,
                item,
                obj,
                &mut envs[1],
                &mut paths[1],
                out,
            );
        }
    }
    check_clashes(&envs, &paths, out);
    check_outputs(b, out);
}

/// A parameter and a credential that share an environment variable or a path
/// (101 § Resolving Destination Conflicts).
fn check_clashes(
    envs: &[BTreeMap<&str, Dest<'_>>; 2],
    paths: &[BTreeMap<String, Dest<'_>>; 2],
    out: &mut Sink,
) {
    for (env, p) in &envs[0] {
        if let Some(c) = envs[1].get(env) {
            out.push(
                "core.destinations.env_clash",
                &p.item.at(p.field),
                format!(
                    "parameter `{}` and credential `{}` both use the environment variable `{env}`",
                    p.item.name, c.item.name
                ),
            );
        }
    }
    for (path, p) in &paths[0] {
        if let Some(c) = paths[1].get(path) {
            out.push(
                "core.destinations.path_clash",
                &p.item.at(p.field),
                format!(
                    "parameter `{}` and credential `{}` both write to the path `{path}`",
                    p.item.name, c.item.name
                ),
            );
        }
    }
}

fn walk_dest<'a>(
    b: &Bundle<'_>,
    owner: Owner,
    item: Item<'a>,
    dest: &'a Map<String, Value>,
    envs: &mut BTreeMap<&'a str, Dest<'a>>,
    paths: &mut BTreeMap<String, Dest<'a>>,
    out: &mut Sink,
) {
    let name = item.name;
    // A parameter's destination is an object of its own; a credential's
    // fields sit on the credential.
    let (env_field, path_field) = match owner {
        Owner::Parameter => ("/destination/env", "/destination/path"),
        Owner::Credential => ("/env", "/path"),
    };
    if let Some(Value::String(env)) = dest.get("env") {
        if env.starts_with("CNAB_") {
            out.push(
                "core.destinations.cnab_prefix.declare",
                &item.at(env_field),
                format!("{} `{name}` declares the environment variable `{env}`; the `CNAB_` prefix is reserved for the runtime", owner.noun()),
            );
        }
        envs.entry(env.as_str()).or_insert(Dest {
            item,
            field: env_field,
        });
    }
    let Some(Value::String(path)) = dest.get("path") else {
        return;
    };
    // The 1.0.0 schema reports an absolute path its pattern refuses; a
    // relative one is left to the rule below (`schema::defects`).
    if b.version == SpecVersion::Core1_0_0 && path.starts_with('/') && !passes_1_0_0_pattern(path) {
        return;
    }
    if !path.starts_with('/') {
        let clause = match owner {
            Owner::Parameter => "core.parameters.path.absolute",
            Owner::Credential => "core.credentials.path.absolute",
        };
        out.push(
            clause,
            &item.at(path_field),
            format!(
                "path {} of {} `{name}` is not absolute",
                quote(path),
                owner.noun()
            ),
        );
    }
    let cleaned = clean_path(path);
    if in_outputs(&cleaned) {
        let clause = match owner {
            Owner::Parameter => "core.parameters.path.not_outputs",
            Owner::Credential => "core.credentials.path.not_outputs",
        };
        out.push(
            clause,
            &item.at(path_field),
            format!("path {} of {} `{name}` resolves to `{cleaned}`, inside {OUTPUTS_DIR}, which is reserved for outputs", quote(path), owner.noun()),
        );
    }
    paths.entry(cleaned).or_insert(Dest {
        item,
        field: path_field,
    });
}

fn check_apply_to(
    b: &Bundle<'_>,
    value: &Value,
    item: Item<'_>,
    clause: &'static str,
    noun: &str,
    name: &str,
    out: &mut Sink,
) {
    let Some(list) = value.get("applyTo").and_then(Value::as_array) else {
        return;
    };
    for (i, entry) in list.iter().enumerate() {
        if let Value::String(action) = entry {
            if !b.knows_action(action) {
                out.push(
                    clause,
                    &item.at(&format!("/applyTo/{i}")),
                    format!("applyTo of {noun} `{name}` names {}, which is neither a built-in action nor a key of actions", quote(action)),
                );
            }
        }
    }
}

fn check_outputs(b: &Bundle<'_>, out: &mut Sink) {
    let Some(outputs) = b.map("outputs") else {
        return;
    };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (name, o) in outputs {
        let item = Item {
            section: "outputs",
            name,
        };
        check_apply_to(
            b,
            o,
            item,
            "core.outputs.applyTo.known",
            "output",
            name,
            out,
        );
        let Some(Value::String(path)) = o.get("path") else {
            continue;
        };
        // The schema pattern `^/cnab/app/outputs/.+$` reports paths outside
        // the prefix; what it misses are paths that escape after cleaning.
        let passes_pattern =
            path.starts_with("/cnab/app/outputs/") && path.len() > OUTPUTS_DIR.len() + 1;
        let cleaned = clean_path(path);
        if passes_pattern && !strictly_in_outputs(&cleaned) {
            out.push(
                "core.outputs.path.under_outputs",
                &item.at("/path"),
                format!("path {} of output `{name}` resolves to `{cleaned}`, which is not strictly below {OUTPUTS_DIR}/", quote(path)),
            );
        }
        match seen.get(&cleaned) {
            Some(first) => out.push(
                "core.outputs.path.unique",
                &item.at("/path"),
                format!("output `{name}` writes to `{cleaned}`, the same path as output `{first}`"),
            ),
            None => {
                seen.insert(cleaned, name.clone());
            }
        }
    }
}
