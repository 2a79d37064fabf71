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
use super::support::{applies, new_ulid, now, object, refuse, response, value_text, Store};
use crate::adapter::protocol::{ActionOutcome, ClaimsResponse, RunResponse, PROTOCOL};
use crate::driver::{DigestCheck, Driver, Operation};

/// The claims spec version the reference announces in `CNAB_CLAIMS_VERSION`.
pub const CLAIMS_VERSION: &str = "CNAB-Claims-1.0.0";
/// The value cnab-go uses, for the `draft-claims-version` mutant.
const DRAFT_CLAIMS_VERSION: &str = "1.0.0-DRAFT+b5ed2f3";
/// The built-in actions (101 § Custom Actions).
const BUILTIN_ACTIONS: &[&str] = &["install", "upgrade", "uninstall"];
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
        match self.perform(inv, driver) {
            Ok(done) | Err(Stop(done)) => *done,
        }
    }

    /// The phases of one action, in the order the spec asks for them; a
    /// phase that refuses ends the action with its reply.
    fn perform(&self, inv: &Invocation<'_>, driver: &dyn Driver) -> Phase<Box<RunResponse>> {
        let (bundle, bundle_text) = parse_bundle(inv.bundle)?;
        self.check_extensions(&bundle)?;
        let kind = self.action_kind(&bundle, inv.action)?;
        let installation = self.open_installation(&bundle, inv, &kind)?;
        let mut injection = Injection::default();
        self.apply_parameters(&bundle, inv, &mut injection)?;
        self.apply_credentials(&bundle, inv.action, &kind, &installation, &mut injection)?;
        let mut warnings: Vec<String> = Vec::new();
        let image = self.choose_image(&bundle, driver, &mut warnings)?;
        let (revision, last_revision) = self.revision(inv.action, &kind, &installation);
        let claim_revision = if self.is(Mutant::NewClaimRevisionForNonModifying) && !kind.modifies {
            new_ulid()
        } else {
            revision.clone()
        };
        let claim = self.open_claim(&bundle, inv, &claim_revision, &injection);
        let record = !kind.stateless || self.is(Mutant::RecordStateless);
        if record {
            self.record_claim(&installation.store, &claim)?;
        }
        let mut environment = std::mem::take(&mut injection.environment);
        self.set_cnab_environment(&mut environment, &bundle, inv, &revision, last_revision);
        environment.extend(std::mem::take(&mut injection.late_env));
        let mut files = std::mem::take(&mut injection.files);
        self.mount_files(&mut files, &bundle, bundle_text, &claim, &installation);
        let wanted = self.wanted_outputs(&bundle, inv.action);
        let op = Operation {
            installation_name: inv.installation.to_string(),
            revision,
            action: inv.action.to_string(),
            parameters: injection.op_parameters,
            image,
            environment,
            files,
            outputs: wanted
                .iter()
                .filter_map(|(name, o)| {
                    o.get("path")
                        .and_then(Value::as_str)
                        .map(|p| (p.to_string(), name.clone()))
                })
                .collect(),
            bundle: bundle.clone(),
        };
        let mut ran = self.run_operation(driver, &op, warnings);
        self.settle_outputs(&bundle, &wanted, &mut ran);
        Ok(Box::new(self.finish(
            &installation.store,
            claim,
            record,
            ran,
        )))
    }

    /// Required extensions are checked before anything else (101).
    fn check_extensions(&self, bundle: &Value) -> Phase<()> {
        if self.is(Mutant::IgnoreRequiredExtensions) {
            return Ok(());
        }
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
        if missing.is_empty() {
            return Ok(());
        }
        stop(format!(
            "bundle requires extension(s) this runtime does not support: {}",
            missing.join(", ")
        ))
    }

    /// The action: built in, or declared in `actions`.
    fn action_kind(&self, bundle: &Value, action: &str) -> Phase<ActionKind> {
        let actions = object(bundle, "actions");
        // 101 § Custom Actions: no custom action may be named like a
        // built-in one; such a bundle is refused whatever the action.
        let shadowing: Vec<&str> = BUILTIN_ACTIONS
            .iter()
            .copied()
            .filter(|b| actions.contains_key(*b))
            .collect();
        if !shadowing.is_empty() && !self.is(Mutant::AllowBuiltinNamedCustomActions) {
            return stop(format!(
                "the bundle declares custom action(s) named like built-in actions: {}",
                shadowing.join(", ")
            ));
        }
        let builtin = BUILTIN_ACTIONS.contains(&action);
        let declared = actions.get(action);
        if !builtin && declared.is_none() && !self.is(Mutant::RunUndeclaredActions) {
            return stop(format!(
                "action `{action}` is neither built in nor declared in the bundle"
            ));
        }
        if self.is(Mutant::RejectCustomActionBundles) && !actions.is_empty() {
            return stop("custom actions are not supported");
        }
        let flag = |k: &str| {
            declared
                .and_then(|a| a.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Ok(ActionKind {
            stateless: !builtin && flag("stateless"),
            modifies: builtin || flag("modifies"),
        })
    }

    /// The installation's records, and the credentials this action sees.
    fn open_installation(
        &self,
        bundle: &Value,
        inv: &Invocation<'_>,
        kind: &ActionKind,
    ) -> Phase<Installation> {
        let store = Store::new(inv.state_dir, inv.installation);
        if self.is(Mutant::ReplaceInstallationOnInstall) && inv.action == "install" {
            // The defect: a second installation under a name already taken,
            // replacing the first one's records.
            let _ = std::fs::remove_dir_all(store.dir.join("claims"));
            let _ = std::fs::remove_dir_all(store.dir.join("results"));
        }
        let last_claim = store.list("claims").last().cloned();
        if !kind.stateless && inv.action != "install" && last_claim.is_none() {
            return stop(format!(
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
            return stop("the last action on this installation failed");
        }
        let credentials = if self.is(Mutant::ReuseCredentials) {
            let mut remembered: BTreeMap<String, String> =
                std::fs::read(store.dir.join("credentials.json"))
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or_default();
            remembered.extend(inv.credentials.iter().map(|(k, v)| (k.clone(), v.clone())));
            let _ = std::fs::create_dir_all(&store.dir);
            let _ = std::fs::write(
                store.dir.join("credentials.json"),
                serde_json::to_vec(&remembered).expect("credentials serialize"),
            );
            remembered
        } else {
            inv.credentials.clone()
        };
        if self.is(Mutant::RefuseVersionChange) {
            let installed = last_claim
                .as_ref()
                .and_then(|c| c.pointer("/bundle/version"))
                .and_then(Value::as_str);
            let current = bundle.get("version").and_then(Value::as_str);
            if installed.is_some() && installed != current {
                return stop("the bundle version differs from the installed one");
            }
        }
        Ok(Installation {
            store,
            last_claim,
            credentials,
        })
    }

    /// The invocation image: the first one the driver handles (101), checked
    /// against its `contentDigest`.
    fn choose_image(
        &self,
        bundle: &Value,
        driver: &dyn Driver,
        warnings: &mut Vec<String>,
    ) -> Phase<Value> {
        let handled = match driver.handles() {
            Ok(h) => h,
            Err(e) => return stop(format!("cannot ask the driver what it handles: {e}")),
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
        let Some(mut image) = chosen else {
            return stop("no invocation image fits this driver");
        };
        let check = driver.verify_digest(&image);
        if self.is(Mutant::SkipDigestCheck) {
            // The defect: no check at all, and the driver is not asked to
            // check either.
            if let Some(i) = image.as_object_mut() {
                i.remove("contentDigest");
            }
            return Ok(image);
        }
        self.judge_digest(check, &image, warnings)?;
        Ok(image)
    }

    fn judge_digest(
        &self,
        check: DigestCheck,
        image: &Value,
        warnings: &mut Vec<String>,
    ) -> Phase<()> {
        const MISSING: &str = "warning: the invocation image has no contentDigest";
        match check {
            DigestCheck::Mismatch(m) => {
                return stop(format!(
                    "invocation image does not match its contentDigest: {m}"
                ))
            }
            DigestCheck::Failed(m) => {
                return stop(format!(
                    "cannot check the invocation image against its contentDigest: {m}"
                ))
            }
            DigestCheck::Verified => {}
            // 101 § Invocation Images: the runtime SHOULD report the missing
            // digest and MAY let the user go on; the reference goes on and
            // reports it.
            DigestCheck::Absent => {
                if !self.is(Mutant::SilentMissingDigest) {
                    warnings.push(MISSING.to_string());
                }
            }
            DigestCheck::NotVisible => {
                if image.get("contentDigest").is_some() {
                    warnings.push(
                        "warning: this driver cannot verify the image's contentDigest".to_string(),
                    );
                } else if !self.is(Mutant::SilentMissingDigest) {
                    warnings.push(MISSING.to_string());
                }
            }
        }
        Ok(())
    }

    /// This action's revision and the installation's last one (103 § The
    /// CNAB Revision Variable).
    fn revision(
        &self,
        action: &str,
        kind: &ActionKind,
        installation: &Installation,
    ) -> (String, Option<String>) {
        let last_revision = installation
            .last_claim
            .as_ref()
            .and_then(|c| c.get("revision"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let new_revision = if action == "upgrade" && self.is(Mutant::KeepRevisionOnUpgrade) {
            false
        } else {
            kind.modifies || self.is(Mutant::NewRevisionForNonModifying) || last_revision.is_none()
        };
        let revision = if new_revision {
            new_ulid()
        } else {
            last_revision.clone().unwrap_or_else(new_ulid)
        };
        (revision, last_revision)
    }

    /// The claim of this operation (Claims 1.0.0), created before running.
    fn open_claim(
        &self,
        bundle: &Value,
        inv: &Invocation<'_>,
        revision: &str,
        injection: &Injection,
    ) -> Value {
        if self.mutant.is_some_and(Mutant::writes_core_claims) {
            return core_claim(bundle, inv, revision, injection);
        }
        let mut claim = json!({
            "action": inv.action,
            "bundle": bundle,
            "created": now(),
            "id": new_ulid(),
            "installation": inv.installation,
            "parameters": if self.is(Mutant::NoParametersInClaim) { json!({}) } else { json!(injection.resolved) },
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
        claim
    }

    fn record_claim(&self, store: &Store, claim: &Value) -> Phase<()> {
        if self.is(Mutant::ForgetPreviousClaims) {
            let _ = std::fs::remove_dir_all(store.dir.join("claims"));
            let _ = std::fs::remove_dir_all(store.dir.join("results"));
        }
        // The Core 1.0.0 model keeps one claim per installation.
        let id = claim["id"].as_str().unwrap_or(CORE_CLAIM_KEY);
        store.save("claims", id, claim).map_err(|e| {
            Stop(Box::new(response(
                ActionOutcome::Failed,
                format!("cannot store the claim: {e}"),
            )))
        })
    }

    /// The `CNAB_*` variables (103 § Environment Variables).
    fn set_cnab_environment(
        &self,
        environment: &mut BTreeMap<String, String>,
        bundle: &Value,
        inv: &Invocation<'_>,
        revision: &str,
        last_revision: Option<String>,
    ) {
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
        environment.insert("CNAB_REVISION".into(), revision.to_string());
        // Core 1.0.0 to 1.1.0 ask for the previous revision on upgrade and
        // uninstall ("" when there is none); 1.2.0 dropped the variable.
        let legacy = matches!(
            bundle.get("schemaVersion").and_then(Value::as_str),
            Some("v1.0.0" | "v1.0.1" | "v1.1.0")
        );
        if legacy && matches!(inv.action, "upgrade" | "uninstall") {
            let last = if self.is(Mutant::WrongLastRevision) {
                revision.to_string()
            } else {
                last_revision.unwrap_or_default()
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
    }

    /// The bundle, the image map and the claim, mounted under `/cnab`.
    fn mount_files(
        &self,
        files: &mut BTreeMap<String, String>,
        bundle: &Value,
        bundle_text: &str,
        claim: &Value,
        installation: &Installation,
    ) {
        files.insert(
            "/cnab/bundle.json".into(),
            if self.is(Mutant::ReserializeBundle) {
                serde_json::to_string_pretty(bundle).expect("a bundle serializes")
            } else {
                bundle_text.to_string()
            },
        );
        files.insert(
            "/cnab/app/image-map.json".into(),
            Value::Object(object(bundle, "images")).to_string(),
        );
        if !self.is(Mutant::NoClaimMount) {
            let mounted = if self.is(Mutant::StaleClaimMount) {
                installation.last_claim.as_ref().unwrap_or(claim)
            } else {
                claim
            };
            files.insert(
                "/cnab/claim.json".into(),
                serde_json::to_string(mounted).expect("a claim serializes"),
            );
        }
    }
}

/// A phase's result: a value, or the reply that ends the action.
type Phase<T> = Result<T, Stop>;

/// The reply that ends an action early.
struct Stop(Box<RunResponse>);

/// Ends the action with a refusal.
fn stop<T>(message: impl Into<String>) -> Phase<T> {
    Err(Stop(Box::new(refuse(message))))
}

fn parse_bundle(bytes: &[u8]) -> Phase<(Value, &str)> {
    let bundle: Value = match serde_json::from_slice(bytes) {
        Ok(b @ Value::Object(_)) => b,
        Ok(_) => return stop("bundle.json is not a JSON object"),
        Err(e) => return stop(format!("bundle.json is not JSON: {e}")),
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return stop("bundle.json is not UTF-8");
    };
    Ok((bundle, text))
}

/// What kind of action this is.
struct ActionKind {
    /// A custom action declared `stateless`: no installation, no claim.
    stateless: bool,
    /// The action modifies the installation (built-in actions always do).
    modifies: bool,
}

/// The installation the action works on.
struct Installation {
    store: Store,
    last_claim: Option<Value>,
    /// The credentials this action sees (the user's, unless a mutant
    /// remembers earlier ones).
    credentials: BTreeMap<String, String>,
}

/// What the parameters and credentials put into the operation.
#[derive(Default)]
struct Injection {
    environment: BTreeMap<String, String>,
    files: BTreeMap<String, String>,
    /// Resolved parameter values, for the claim.
    resolved: BTreeMap<String, Value>,
    op_parameters: BTreeMap<String, Value>,
    /// Which parameter set which variable.
    param_envs: BTreeMap<String, String>,
    /// Values applied after everything else (only mutants use this).
    late_env: Vec<(String, String)>,
}

/// What a run gave back.
struct Ran {
    ok: bool,
    messages: Vec<String>,
    collected: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
}

mod finish;
mod inject;
use finish::*;

#[cfg(test)]
mod tests;
