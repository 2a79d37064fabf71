//! Claim and claim result rules (400 § Claims, § Claim Results; the legacy
//! claim model of core 1.0.0 and 1.0.1).
//!
//! The embedded bundle is checked with the bundle rules, pointers prefixed
//! with `/bundle`, under the version chosen by `bundle_version`.

use serde_json::Value;

use super::definitions::validation_problem;
use super::reference::ImageReference;
use super::syntax::{describe_char, digest_problem, first_non_graphic};
use super::{check_bundle, is_builtin_action, options_bundle, ptr, quote, RuleOptions, Sink};
use cnab_model::syntax::{is_rfc3339, is_ulid};
use cnab_model::{SpecFamily, SpecVersion};

pub(super) fn check_claim(
    doc: &Value,
    version: SpecVersion,
    options: &RuleOptions,
    out: &mut Sink,
) {
    let Some(obj) = doc.as_object() else { return };
    let legacy = matches!(version, SpecVersion::Core1_0_0 | SpecVersion::Core1_0_1);
    let bundle = obj.get("bundle").filter(|b| b.is_object());

    if legacy {
        // 1.0.0 names the installation `name`, 1.0.1 `installation`.
        for key in ["name", "installation"] {
            check_installation(obj.get(key), key, out);
        }
        for key in ["created", "modified"] {
            check_timestamp(obj.get(key), &format!("/{key}"), out);
        }
        if let Some(Value::String(action)) = doc.pointer("/result/action") {
            check_action(action, bundle, "/result/action", out);
        }
    } else {
        check_installation(obj.get("installation"), "installation", out);
        if let Some(Value::String(id)) = obj.get("id") {
            if !is_ulid(id) {
                out.push(
                    "claim.id.ulid",
                    "/id",
                    format!(
                        "claim id {} is not a ulid (26 crockford base32 characters)",
                        quote(id)
                    ),
                );
            }
        }
        if let Some(Value::String(rev)) = obj.get("revision") {
            if !is_ulid(rev) {
                out.push(
                    "claim.revision.ulid",
                    "/revision",
                    format!(
                        "claim revision {} is not a ulid (26 crockford base32 characters)",
                        quote(rev)
                    ),
                );
            }
        }
        check_timestamp(obj.get("created"), "/created", out);
        if let Some(Value::String(action)) = obj.get("action") {
            check_action(action, bundle, "/action", out);
        }
        if let Some(Value::String(r)) = obj.get("bundleReference") {
            let digested = ImageReference::parse(r)
                .ok()
                .is_some_and(|p| p.digest.is_some());
            if !digested {
                out.push(
                    "claim.bundleReference.digested",
                    "/bundleReference",
                    format!("bundleReference {} should be a reference with a digest (`name@sha256:...`)", quote(r)),
                );
            }
        }
        if let (Some(b), Some(params)) = (bundle, obj.get("parameters").and_then(Value::as_object))
        {
            check_parameters(b, params, out);
        }
    }

    if let Some(b) = bundle {
        let v = bundle_version(b, version);
        let mut inner = Sink::new(&format!("{}/bundle", out.prefix));
        check_bundle(b, v, options, &mut inner);
        out.findings.extend(inner.findings);
    }
}

pub(super) fn check_result(doc: &Value, options: &RuleOptions, out: &mut Sink) {
    let Some(obj) = doc.as_object() else { return };
    if let Some(Value::String(id)) = obj.get("id") {
        if !is_ulid(id) {
            out.push(
                "claim.result.id.present",
                "/id",
                format!(
                    "claim result id {} is not a ulid (26 crockford base32 characters)",
                    quote(id)
                ),
            );
        }
    }
    if let Some(Value::String(id)) = obj.get("claimId") {
        if !is_ulid(id) {
            out.push(
                "claim.result.claimId.ulid",
                "/claimId",
                format!(
                    "claimId {} is not a ulid (26 crockford base32 characters), as the id of a claim is",
                    quote(id)
                ),
            );
        }
    }
    check_timestamp(obj.get("created"), "/created", out);
    let Some(outputs) = obj.get("outputs").and_then(Value::as_object) else {
        return;
    };
    let declared = options_bundle(options)
        .and_then(|b| b.get("outputs"))
        .and_then(Value::as_object);
    for (name, meta) in outputs {
        let base = ptr(&["outputs", name.as_str()]);
        if options.bundle.is_some() && !declared.is_some_and(|d| d.contains_key(name)) {
            out.push(
                "claim.result.outputs.shape",
                &base,
                format!("output `{name}` is not an output of the bundle"),
            );
        }
        if let Some(Value::String(d)) = meta.get("contentDigest") {
            super::check_algorithm(d, &format!("{base}/contentDigest"), out);
            if let Some(problem) = digest_problem(d) {
                out.push(
                    "claim.result.outputs.shape",
                    &format!("{base}/contentDigest"),
                    format!(
                        "contentDigest {} of output `{name}` is not an oci digest: it {problem}",
                        quote(d)
                    ),
                );
            }
        }
    }
}

fn check_installation(v: Option<&Value>, key: &str, out: &mut Sink) {
    let Some(Value::String(name)) = v else { return };
    if let Some(c) = first_non_graphic(name) {
        out.push(
            "core.runtime.installation.graphic",
            &format!("/{key}"),
            format!(
                "installation name {} contains {}, but it may hold only unicode graphic characters",
                quote(name),
                describe_char(c)
            ),
        );
    }
}

fn check_timestamp(v: Option<&Value>, pointer: &str, out: &mut Sink) {
    let Some(Value::String(ts)) = v else { return };
    if !is_rfc3339(ts) {
        out.push(
            "claim.created.format",
            pointer,
            format!("timestamp {} is not an rfc 3339 date-time such as \"2018-08-30T20:39:55.549002887-06:00\"", quote(ts)),
        );
    }
}

fn check_action(action: &str, bundle: Option<&Value>, pointer: &str, out: &mut Sink) {
    let declared = bundle
        .and_then(|b| b.get("actions"))
        .and_then(Value::as_object)
        .is_some_and(|a| a.contains_key(action));
    if !(is_builtin_action(action) || declared || action == "unknown") {
        out.push(
            "claim.action.known",
            pointer,
            format!("action {} is neither a built-in action, a custom action of the bundle, nor `unknown`", quote(action)),
        );
    }
}

/// Stored parameters are resolved values: each names a parameter of the
/// bundle and validates against its definition.
fn check_parameters(bundle: &Value, params: &serde_json::Map<String, Value>, out: &mut Sink) {
    let declared = bundle.get("parameters").and_then(Value::as_object);
    for (name, value) in params {
        let pointer = ptr(&["parameters", name.as_str()]);
        let Some(decl) = declared.and_then(|d| d.get(name)) else {
            out.push(
                "claim.parameters.resolved",
                &pointer,
                format!("parameter `{name}` is not a parameter of the claim's bundle"),
            );
            continue;
        };
        let def = decl
            .get("definition")
            .and_then(Value::as_str)
            .and_then(|d| bundle.get("definitions").and_then(|defs| defs.get(d)));
        if let Some(problem) = def.and_then(|d| validation_problem(d, value)) {
            out.push(
                "claim.parameters.resolved",
                &pointer,
                format!("value of parameter `{name}` does not validate against its definition: {problem}"),
            );
        }
    }
}

/// The version whose rules apply to the embedded bundle. A core-family claim
/// validates its bundle with the bundle schema of its own folder, so the
/// claim's version decides. A claims-family claim embeds a schema close to
/// core 1.1.0; the bundle's own `schemaVersion` decides there, except that
/// core 1.0.0 rules assume the 1.0.0 path pattern, which that schema lacks.
fn bundle_version(bundle: &Value, claim_version: SpecVersion) -> SpecVersion {
    if claim_version.family() == SpecFamily::CnabCore {
        return claim_version;
    }
    let named = bundle
        .get("schemaVersion")
        .and_then(Value::as_str)
        .and_then(|s| s.strip_prefix('v'))
        .and_then(|n| SpecVersion::from_family_number(SpecFamily::CnabCore, n));
    match named {
        Some(SpecVersion::Core1_0_0) => SpecVersion::Core1_0_1,
        Some(v) => v,
        None => SpecVersion::Core1_1_0,
    }
}
