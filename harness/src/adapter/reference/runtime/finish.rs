//! The end of an action: running the operation, its outputs, and the
//! claim and result it leaves.

use super::*;

impl Reference {
    /// Outputs that apply to this action.
    pub(super) fn wanted_outputs(&self, bundle: &Value, action: &str) -> BTreeMap<String, Value> {
        object(bundle, "outputs")
            .into_iter()
            .filter(|(_, o)| applies(o, action) || self.is(Mutant::IgnoreOutputApplyTo))
            .collect()
    }

    /// Runs the operation; what came back, with the messages so far.
    pub(super) fn run_operation(
        &self,
        driver: &dyn Driver,
        op: &Operation,
        warnings: Vec<String>,
    ) -> Ran {
        let mut messages = warnings;
        match driver.run(op) {
            Err(e) => {
                messages.push(format!("driver failed: {e}"));
                Ran {
                    ok: false,
                    messages,
                    collected: BTreeMap::new(),
                    outputs: BTreeMap::new(),
                }
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
                Ran {
                    ok,
                    messages,
                    collected: r.outputs,
                    outputs: BTreeMap::new(),
                }
            }
        }
    }

    /// Missing outputs: the default, or an error (101 § Outputs).
    pub(super) fn settle_outputs(
        &self,
        bundle: &Value,
        wanted: &BTreeMap<String, Value>,
        ran: &mut Ran,
    ) {
        let definitions = object(bundle, "definitions");
        for (name, o) in wanted {
            if let Some(v) = ran.collected.get(name) {
                ran.outputs.insert(name.clone(), v.clone());
                continue;
            }
            if !ran.ok {
                continue;
            }
            let def = o
                .get("definition")
                .and_then(Value::as_str)
                .and_then(|d| definitions.get(d));
            match def.and_then(|d| d.get("default")) {
                Some(d) if !self.is(Mutant::NoOutputDefaults) => {
                    ran.outputs.insert(name.clone(), value_text(d));
                }
                _ => {
                    if !self.is(Mutant::IgnoreMissingOutputs) {
                        ran.ok = false;
                        ran.messages.push(format!(
                            "required output `{name}` is missing and has no default"
                        ));
                    }
                }
            }
        }
    }

    /// The claim result, stored next to the claim, and the reply.
    pub(super) fn finish(
        &self,
        store: &Store,
        claim: Value,
        record: bool,
        ran: Ran,
    ) -> RunResponse {
        if self.mutant.is_some_and(Mutant::writes_core_claims) {
            return finish_core_claim(store, claim, record, ran);
        }
        let Ran {
            ok,
            mut messages,
            outputs,
            ..
        } = ran;
        let status = if ok { "succeeded" } else { "failed" };
        let result = json!({
            "claimId": claim["id"].as_str().unwrap_or_default(),
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

/// The file name of the one claim the Core 1.0.0 model keeps.
pub(super) const CORE_CLAIM_KEY: &str = "installation";

/// A claim of the Core 1.0.0 claim model (`claim.schema.json` of that
/// release): the installation in `name`, `modified`, and the result embedded,
/// `underway` until the image has run.
pub(super) fn core_claim(
    bundle: &Value,
    inv: &Invocation<'_>,
    revision: &str,
    injection: &Injection,
) -> Value {
    let created = now();
    json!({
        "name": inv.installation,
        "revision": revision,
        "created": created,
        "modified": created,
        "bundle": bundle,
        "parameters": injection.resolved,
        "outputs": {},
        "custom": {},
        "result": {"action": inv.action, "message": "", "status": "underway"},
    })
}

/// The Core 1.0.0 claim completed with its result and output values, stored
/// in place of the installation's claim; there is no result document.
pub(super) fn finish_core_claim(
    store: &Store,
    mut claim: Value,
    record: bool,
    ran: Ran,
) -> RunResponse {
    let Ran {
        ok,
        mut messages,
        outputs,
        ..
    } = ran;
    claim["modified"] = json!(now());
    claim["outputs"] = json!(outputs);
    claim["result"]["status"] = json!(if ok { "success" } else { "failure" });
    claim["result"]["message"] = json!(messages.join("; "));
    if record {
        if let Err(e) = store.save("claims", CORE_CLAIM_KEY, &claim) {
            messages.push(format!("cannot store the claim: {e}"));
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
        claim: record.then_some(claim),
        result: None,
        outputs: Some(outputs),
    }
}
