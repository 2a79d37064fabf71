//! The reference runtime: a small, spec-faithful CNAB runtime.
//!
//! It follows CNAB Core 1.2.0 (103 and 101 § Parameters, Credentials, Custom
//! Actions, Outputs) and CNAB Claims 1.0.0, and reaches the invocation image
//! through a [`Driver`]. Its state (claims, results, outputs) lives in a
//! directory the caller gives. A [`Mutant`] can break one rule on purpose.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::mutant::Mutant;
use super::support::{
    applies, new_ulid, now, object, refuse, response, rooted, validate_value, value_text, Store,
};
use crate::adapter::protocol::{ActionOutcome, ClaimsResponse, RunResponse, PROTOCOL};
use crate::driver::{DigestCheck, Driver, Operation};

/// The claims spec version the reference announces in `CNAB_CLAIMS_VERSION`.
pub const CLAIMS_VERSION: &str = "CNAB-Claims-1.0.0";
/// The value cnab-go uses, for the `draft-claims-version` mutant.
const DRAFT_CLAIMS_VERSION: &str = "1.0.0-DRAFT+b5ed2f3";
/// Extensions the reference supports in `requiredExtensions` (none).
pub const SUPPORTED_EXTENSIONS: &[&str] = &[];

/// One action to perform.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// The bundle.json bytes, exactly as given.
    pub bundle: &'a [u8],
    /// The action.
    pub action: &'a str,
    /// The installation name.
    pub installation: &'a str,
    /// User-supplied parameter values.
    pub parameters: &'a BTreeMap<String, Value>,
    /// User-supplied credential values.
    pub credentials: &'a BTreeMap<String, String>,
    /// Where the runtime keeps its state.
    pub state_dir: &'a Path,
}

/// The reference runtime, possibly mutated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reference {
    mutant: Option<Mutant>,
}

impl Reference {
    /// The faithful runtime.
    pub fn new() -> Reference {
        Reference { mutant: None }
    }

    /// A runtime with one deliberate defect.
    pub fn mutated(mutant: Option<Mutant>) -> Reference {
        Reference { mutant }
    }

    fn is(&self, m: Mutant) -> bool {
        self.mutant == Some(m)
    }

    /// Every claim and result stored for an installation.
    pub fn claims(&self, state_dir: &Path, installation: &str) -> ClaimsResponse {
        let store = Store::new(state_dir, installation);
        ClaimsResponse {
            protocol: PROTOCOL.to_string(),
            claims: store.list("claims"),
            results: store.list("results"),
        }
    }

    /// Forgets an installation.
    pub fn cleanup(&self, state_dir: &Path, installation: &str) -> std::io::Result<()> {
        let store = Store::new(state_dir, installation);
        match std::fs::remove_dir_all(&store.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Performs one action through `driver`.
    pub fn run(&self, inv: &Invocation<'_>, driver: &dyn Driver) -> RunResponse {
        let bundle: Value = match serde_json::from_slice(inv.bundle) {
            Ok(b @ Value::Object(_)) => b,
            Ok(_) => return refuse("bundle.json is not a JSON object"),
            Err(e) => return refuse(format!("bundle.json is not JSON: {e}")),
        };
        let Ok(bundle_text) = std::str::from_utf8(inv.bundle) else {
            return refuse("bundle.json is not UTF-8");
        };
        let mut warnings: Vec<String> = Vec::new();

        // Required extensions are checked before anything else (101).
        if !self.is(Mutant::IgnoreRequiredExtensions) {
            let missing: Vec<String> = bundle
                .get("requiredExtensions")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .filter(|e| !SUPPORTED_EXTENSIONS.contains(e))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            if !missing.is_empty() {
                return refuse(format!(
                    "bundle requires extension(s) this runtime does not support: {}",
                    missing.join(", ")
                ));
            }
        }

        // The action: built in, or declared in `actions`.
        let actions = object(&bundle, "actions");
        let builtin = matches!(inv.action, "install" | "upgrade" | "uninstall");
        let declared = actions.get(inv.action);
        if !builtin && declared.is_none() && !self.is(Mutant::RunUndeclaredActions) {
            return refuse(format!(
                "action `{}` is neither built in nor declared in the bundle",
                inv.action
            ));
        }
        if self.is(Mutant::RejectCustomActionBundles) && !actions.is_empty() {
            return refuse("custom actions are not supported");
        }
        let flag = |k: &str| {
            declared
                .and_then(|a| a.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let stateless = !builtin && flag("stateless");
        let modifies = builtin || flag("modifies");

        let store = Store::new(inv.state_dir, inv.installation);
        let previous = store.list("claims");
        let last_claim = previous.last().cloned();
        if !stateless && inv.action != "install" && last_claim.is_none() {
            return refuse(format!(
                "installation `{}` does not exist",
                inv.installation
            ));
        }

        if self.is(Mutant::RefuseAfterFailure)
            && store
                .list("results")
                .last()
                .and_then(|r| r.get("status"))
                .and_then(Value::as_str)
                == Some("failed")
        {
            return refuse("the last action on this installation failed");
        }
        let mut remembered: BTreeMap<String, String> = BTreeMap::new();
        if self.is(Mutant::ReuseCredentials) {
            remembered = std::fs::read(store.dir.join("credentials.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            remembered.extend(inv.credentials.iter().map(|(k, v)| (k.clone(), v.clone())));
            let _ = std::fs::create_dir_all(&store.dir);
            let _ = std::fs::write(
                store.dir.join("credentials.json"),
                serde_json::to_vec(&remembered).expect("credentials serialize"),
            );
        }
        let supplied_credentials = if self.is(Mutant::ReuseCredentials) {
            &remembered
        } else {
            inv.credentials
        };
        if self.is(Mutant::RefuseVersionChange) {
            let installed = last_claim
                .as_ref()
                .and_then(|c| c.pointer("/bundle/version"))
                .and_then(Value::as_str);
            let current = bundle.get("version").and_then(Value::as_str);
            if installed.is_some() && installed != current {
                return refuse("the bundle version differs from the installed one");
            }
        }

        // Parameters (103 § Setting Parameter Values).
        let definitions = object(&bundle, "definitions");
        let parameters = object(&bundle, "parameters");
        for name in inv.parameters.keys() {
            if !parameters.contains_key(name) {
                return refuse(format!("parameter `{name}` is not declared in the bundle"));
            }
        }
        let mut environment: BTreeMap<String, String> = BTreeMap::new();
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        let mut resolved: BTreeMap<String, Value> = BTreeMap::new();
        let mut op_parameters: BTreeMap<String, Value> = BTreeMap::new();
        let mut param_envs: BTreeMap<String, String> = BTreeMap::new();
        // Values applied after everything else (only mutants use this).
        let mut late_env: Vec<(String, String)> = Vec::new();
        for (name, p) in &parameters {
            if !applies(p, inv.action) && !self.is(Mutant::IgnoreParameterApplyTo) {
                continue;
            }
            let def_name = p.get("definition").and_then(Value::as_str).unwrap_or("");
            let Some(def) = definitions.get(def_name) else {
                return refuse(format!(
                    "parameter `{name}` names definition `{def_name}`, which does not exist"
                ));
            };
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            let default = if self.is(Mutant::DropDefaults) {
                None
            } else {
                def.get("default").cloned()
            };
            let value = match inv.parameters.get(name) {
                Some(v) => {
                    if !self.is(Mutant::NoParameterValidation) {
                        if let Err((keywords, detail)) = validate_value(def, v) {
                            // Values can be secrets (`writeOnly`): name the
                            // failing keywords, never the value.
                            return refuse(if self.is(Mutant::LeakValuesInMessages) {
                                format!("parameter `{name}`: value {v} does not match definition `{def_name}`: {detail}")
                            } else {
                                format!("parameter `{name}` does not match definition `{def_name}` (fails {keywords})")
                            });
                        }
                    }
                    Some(v.clone())
                }
                None => {
                    let missing = default.is_none() || self.is(Mutant::RejectRequiredWithDefault);
                    if required && missing && !self.is(Mutant::SkipRequiredCheck) {
                        return refuse(format!("parameter `{name}` is required and has no value"));
                    }
                    default
                }
            };
            let text = match &value {
                Some(Value::String(s)) if self.is(Mutant::QuoteStringParameters) => {
                    Value::String(s.clone()).to_string()
                }
                Some(Value::Bool(b)) if self.is(Mutant::NonJsonValues) => {
                    if *b { "True" } else { "False" }.to_string()
                }
                Some(v @ (Value::Object(_) | Value::Array(_)))
                    if self.is(Mutant::NonJsonValues) =>
                {
                    serde_json::to_string_pretty(v).expect("a value serializes")
                }
                Some(v) => value_text(v),
                None if self.is(Mutant::NullForMissingOptional) => "null".to_string(),
                None => String::new(),
            };
            if let Some(v) = &value {
                resolved.insert(name.clone(), v.clone());
            }
            op_parameters.insert(
                name.clone(),
                value.clone().unwrap_or(Value::String(text.clone())),
            );
            let dest = p.get("destination").cloned().unwrap_or(Value::Null);
            let env = dest.get("env").and_then(Value::as_str);
            let path = dest.get("path").and_then(Value::as_str);
            if let Some(env) = env {
                if env.starts_with("CNAB_") {
                    if !self.is(Mutant::ParameterOverridesCnab) {
                        return refuse(format!(
                            "parameter `{name}` may not set the reserved variable `{env}`"
                        ));
                    }
                    late_env.push((env.to_string(), text.clone()));
                }
                environment.insert(env.to_string(), text.clone());
                param_envs.insert(env.to_string(), name.clone());
            }
            if let Some(path) = path {
                if !(env.is_some() && self.is(Mutant::EnvOnlyWhenBoth)) {
                    files.insert(rooted(path), text.clone());
                }
            }
        }

        // Credentials (101 § Credentials); stateless actions need none.
        let credentials = object(&bundle, "credentials");
        for (name, c) in &credentials {
            if !applies(c, inv.action) {
                continue;
            }
            let required = c.get("required").and_then(Value::as_bool).unwrap_or(false);
            let Some(value) = supplied_credentials.get(name) else {
                if required && (!stateless || self.is(Mutant::RequireCredentialsForStateless)) {
                    return refuse(format!(
                        "credential `{name}` is required and was not supplied"
                    ));
                }
                continue;
            };
            if let Some(env) = c.get("env").and_then(Value::as_str) {
                if env.starts_with("CNAB_") {
                    return refuse(format!(
                        "credential `{name}` may not set the reserved variable `{env}`"
                    ));
                }
                if let Some(p) = param_envs.get(env) {
                    if !self.is(Mutant::ParameterBeatsCredential) {
                        return refuse(format!(
                            "credential `{name}` and parameter `{p}` both use the variable `{env}`"
                        ));
                    }
                    if let Some(v) = environment.get(env) {
                        late_env.push((env.to_string(), v.clone()));
                    }
                }
                if !self.is(Mutant::SkipCredentialEnv) {
                    environment.insert(env.to_string(), value.clone());
                }
            }
            if let Some(path) = c.get("path").and_then(Value::as_str) {
                let path = rooted(path);
                if files.contains_key(&path) {
                    return refuse(format!(
                        "credential `{name}` and a parameter both use the path `{path}`"
                    ));
                }
                if !self.is(Mutant::SkipCredentialPath) {
                    files.insert(path, value.clone());
                }
            }
        }

        // The invocation image: the first one the driver handles (101).
        let handled = match driver.handles() {
            Ok(h) => h,
            Err(e) => return refuse(format!("cannot ask the driver what it handles: {e}")),
        };
        let images = bundle
            .get("invocationImages")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let fits = |i: &Value| {
            let t = i.get("imageType").and_then(Value::as_str).unwrap_or("oci");
            self.is(Mutant::IgnoreImageType) || handled.iter().any(|h| h == t)
        };
        let chosen = if self.is(Mutant::LastFittingImage) {
            images.into_iter().rev().find(fits)
        } else {
            images.into_iter().find(fits)
        };
        let Some(image) = chosen else {
            return refuse("no invocation image fits this driver");
        };
        let mut image = image;
        let check = driver.verify_digest(&image);
        if self.is(Mutant::SkipDigestCheck) {
            // The defect: no check at all, and the driver is not asked to
            // check either.
            if let Some(i) = image.as_object_mut() {
                i.remove("contentDigest");
            }
        }
        match check {
            _ if self.is(Mutant::SkipDigestCheck) => {}
            DigestCheck::Mismatch(m) => {
                return refuse(format!(
                    "invocation image does not match its contentDigest: {m}"
                ))
            }
            DigestCheck::Failed(m) => {
                return refuse(format!(
                    "cannot check the invocation image against its contentDigest: {m}"
                ))
            }
            DigestCheck::Verified => {}
            DigestCheck::Absent => {
                // 101 § Invocation Images: the runtime SHOULD report the
                // missing digest and MAY let the user go on; the reference
                // goes on and reports it.
                if !self.is(Mutant::SilentMissingDigest) {
                    warnings.push("warning: the invocation image has no contentDigest".to_string());
                }
            }
            DigestCheck::NotVisible => {
                if image.get("contentDigest").is_none() {
                    if !self.is(Mutant::SilentMissingDigest) {
                        warnings
                            .push("warning: the invocation image has no contentDigest".to_string());
                    }
                } else {
                    warnings.push(
                        "warning: this driver cannot verify the image's contentDigest".to_string(),
                    );
                }
            }
        }

        // Revision (103 § The CNAB Revision Variable).
        let last_revision = last_claim
            .as_ref()
            .and_then(|c| c.get("revision"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let new_revision = if inv.action == "upgrade" && self.is(Mutant::KeepRevisionOnUpgrade) {
            false
        } else {
            modifies || self.is(Mutant::NewRevisionForNonModifying) || last_revision.is_none()
        };
        let revision = if new_revision {
            new_ulid()
        } else {
            last_revision.clone().unwrap_or_else(new_ulid)
        };

        // The claim of this operation (Claims 1.0.0), created before running.
        let mut claim = json!({
            "action": inv.action,
            "bundle": bundle,
            "created": now(),
            "id": new_ulid(),
            "installation": inv.installation,
            "parameters": if self.is(Mutant::NoParametersInClaim) { json!({}) } else { json!(resolved) },
            "revision": revision,
            "custom": {},
        });
        if self.is(Mutant::DropCustom) {
            if let Some(b) = claim["bundle"].as_object_mut() {
                b.remove("custom");
            }
        }
        if self.is(Mutant::StoreCredentialsInClaim) {
            claim["custom"] = json!({ "credentials": inv.credentials });
        }
        let claim_id = claim["id"].as_str().unwrap_or_default().to_string();
        let record = !stateless || self.is(Mutant::RecordStateless);
        if record {
            if self.is(Mutant::ForgetPreviousClaims) {
                let _ = std::fs::remove_dir_all(store.dir.join("claims"));
                let _ = std::fs::remove_dir_all(store.dir.join("results"));
            }
            if let Err(e) = store.save("claims", &claim_id, &claim) {
                return response(
                    ActionOutcome::Failed,
                    format!("cannot store the claim: {e}"),
                );
            }
        }

        environment.insert("CNAB_ACTION".into(), inv.action.to_string());
        if !self.is(Mutant::NoInstallationNameEnv) {
            environment.insert(
                "CNAB_INSTALLATION_NAME".into(),
                inv.installation.to_string(),
            );
        }
        let text_of = |k: &str| {
            bundle
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        environment.insert("CNAB_BUNDLE_NAME".into(), text_of("name"));
        environment.insert("CNAB_BUNDLE_VERSION".into(), text_of("version"));
        environment.insert("CNAB_REVISION".into(), revision.clone());
        // Core 1.0.0 to 1.1.0 ask for the previous revision on upgrade and
        // uninstall ("" when there is none); 1.2.0 dropped the variable.
        let legacy = matches!(
            bundle.get("schemaVersion").and_then(Value::as_str),
            Some("v1.0.0" | "v1.0.1" | "v1.1.0")
        );
        if legacy && matches!(inv.action, "upgrade" | "uninstall") {
            let last = if self.is(Mutant::WrongLastRevision) {
                revision.clone()
            } else {
                last_revision.clone().unwrap_or_default()
            };
            environment.insert("CNAB_LAST_REVISION".into(), last);
        }
        environment.insert(
            "CNAB_CLAIMS_VERSION".into(),
            if self.is(Mutant::DraftClaimsVersion) {
                DRAFT_CLAIMS_VERSION
            } else {
                CLAIMS_VERSION
            }
            .to_string(),
        );

        for (k, v) in late_env {
            environment.insert(k, v);
        }
        files.insert(
            "/cnab/bundle.json".into(),
            if self.is(Mutant::ReserializeBundle) {
                serde_json::to_string_pretty(&bundle).expect("a bundle serializes")
            } else {
                bundle_text.to_string()
            },
        );
        files.insert(
            "/cnab/app/image-map.json".into(),
            Value::Object(object(&bundle, "images")).to_string(),
        );
        if !self.is(Mutant::NoClaimMount) {
            let mounted = if self.is(Mutant::StaleClaimMount) {
                last_claim.as_ref().unwrap_or(&claim)
            } else {
                &claim
            };
            files.insert(
                "/cnab/claim.json".into(),
                serde_json::to_string(mounted).expect("a claim serializes"),
            );
        }

        // Outputs that apply to this action.
        let outputs_decl = object(&bundle, "outputs");
        let wanted: BTreeMap<String, Value> = outputs_decl
            .iter()
            .filter(|(_, o)| applies(o, inv.action) || self.is(Mutant::IgnoreOutputApplyTo))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let op_outputs: BTreeMap<String, String> = wanted
            .iter()
            .filter_map(|(name, o)| {
                o.get("path")
                    .and_then(Value::as_str)
                    .map(|p| (p.to_string(), name.clone()))
            })
            .collect();

        let op = Operation {
            installation_name: inv.installation.to_string(),
            revision: revision.clone(),
            action: inv.action.to_string(),
            parameters: op_parameters,
            image,
            environment,
            files,
            outputs: op_outputs,
            bundle: bundle.clone(),
        };
        let ran = driver.run(&op);
        let mut messages = warnings;
        let (mut ok, collected) = match ran {
            Err(e) => {
                messages.push(format!("driver failed: {e}"));
                (false, BTreeMap::new())
            }
            Ok(r) => {
                messages.extend(r.notes.iter().cloned());
                let code = r.exit_code;
                let ok = code == Some(0) || self.is(Mutant::SuccessOnNonzeroExit);
                if code != Some(0) {
                    let tail: String = r
                        .stderr
                        .trim()
                        .chars()
                        .rev()
                        .take(400)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    messages.push(match code {
                        Some(c) => format!("invocation image exited with code {c}: {tail}"),
                        None => format!("invocation image was killed: {tail}"),
                    });
                }
                (ok, r.outputs)
            }
        };

        // Missing outputs: the default, or an error (101 § Outputs).
        let mut outputs: BTreeMap<String, String> = BTreeMap::new();
        for (name, o) in &wanted {
            if let Some(v) = collected.get(name) {
                outputs.insert(name.clone(), v.clone());
                continue;
            }
            if !ok {
                continue;
            }
            let def = o
                .get("definition")
                .and_then(Value::as_str)
                .and_then(|d| definitions.get(d));
            match def.and_then(|d| d.get("default")) {
                Some(d) if !self.is(Mutant::NoOutputDefaults) => {
                    outputs.insert(name.clone(), value_text(d));
                }
                _ => {
                    if !self.is(Mutant::IgnoreMissingOutputs) {
                        ok = false;
                        messages.push(format!(
                            "required output `{name}` is missing and has no default"
                        ));
                    }
                }
            }
        }

        let status = if ok { "succeeded" } else { "failed" };
        let result = json!({
            "claimId": claim_id,
            "created": now(),
            "id": new_ulid(),
            "message": messages.join("; "),
            "outputs": outputs.iter().map(|(k, v)| {
                (k.clone(), json!({"contentDigest": format!("sha256:{}", hex::encode(Sha256::digest(v.as_bytes())))}))
            }).collect::<Map<String, Value>>(),
            "status": status,
        });
        if record {
            let rid = result["id"].as_str().unwrap_or_default().to_string();
            if let Err(e) = store.save("results", &rid, &result) {
                messages.push(format!("cannot store the claim result: {e}"));
            }
        }
        RunResponse {
            protocol: PROTOCOL.to_string(),
            outcome: if ok {
                ActionOutcome::Succeeded
            } else {
                ActionOutcome::Failed
            },
            message: messages.join("; "),
            claim: if record { Some(claim) } else { None },
            result: if record { Some(result) } else { None },
            outputs: Some(outputs),
        }
    }
}

#[cfg(test)]
mod tests;
