//! The reference runtime against a fake driver.

use super::*;
use crate::driver::{DriverError, OperationResult};
use std::cell::RefCell;

/// A driver that records operations and answers as told.
struct Fake {
    digest: DigestCheck,
    exit: Option<i32>,
    outputs: BTreeMap<String, String>,
    seen: RefCell<Vec<Operation>>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            digest: DigestCheck::NotVisible,
            exit: Some(0),
            outputs: BTreeMap::new(),
            seen: RefCell::new(Vec::new()),
        }
    }
}

impl Driver for Fake {
    fn handles(&self) -> Result<Vec<String>, DriverError> {
        Ok(vec!["docker".into(), "oci".into()])
    }
    fn verify_digest(&self, _image: &Value) -> DigestCheck {
        self.digest.clone()
    }
    fn run(&self, op: &Operation) -> Result<OperationResult, DriverError> {
        self.seen.borrow_mut().push(op.clone());
        Ok(OperationResult {
            exit_code: self.exit,
            outputs: self.outputs.clone(),
            ..OperationResult::default()
        })
    }
}

const BUNDLE: &str = r#"{"schemaVersion":"v1.2.0","name":"b","version":"1.0.0",
  "invocationImages":[{"image":"x@sha256:00","imageType":"docker","contentDigest":"sha256:00"}],
  "definitions":{"s":{"type":"string"}},
  "outputs":{"o":{"definition":"s","path":"/cnab/app/outputs/o"}}}"#;

fn run(driver: &Fake, action: &str, state: &Path) -> RunResponse {
    let none = BTreeMap::new();
    let creds = BTreeMap::new();
    Reference::new().run(
        &Invocation {
            bundle: BUNDLE.as_bytes(),
            action,
            installation: "i",
            parameters: &none,
            credentials: &creds,
            state_dir: state,
        },
        driver,
    )
}

#[test]
fn a_digest_mismatch_is_refused_before_running() {
    let d = tempfile::tempdir().unwrap();
    let mut f = Fake::new();
    f.digest = DigestCheck::Mismatch("repo digest is sha256:11".into());
    let r = run(&f, "install", d.path());
    assert_eq!(r.outcome, ActionOutcome::Refused);
    assert!(r.message.contains("contentDigest"), "{}", r.message);
    assert!(f.seen.borrow().is_empty());
    assert!(Reference::new().claims(d.path(), "i").claims.is_empty());
}

#[test]
fn a_verified_image_runs_and_the_claim_is_stored_with_its_result() {
    let d = tempfile::tempdir().unwrap();
    let mut f = Fake::new();
    f.digest = DigestCheck::Verified;
    f.outputs.insert("o".into(), "v".into());
    let r = run(&f, "install", d.path());
    assert_eq!(r.outcome, ActionOutcome::Succeeded, "{}", r.message);
    let op = &f.seen.borrow()[0];
    assert_eq!(
        op.outputs.get("/cnab/app/outputs/o").map(String::as_str),
        Some("o")
    );
    assert_eq!(op.environment["CNAB_CLAIMS_VERSION"], CLAIMS_VERSION);
    let stored = Reference::new().claims(d.path(), "i");
    assert_eq!(stored.claims.len(), 1);
    assert_eq!(stored.results[0]["status"], "succeeded");
    assert_eq!(stored.results[0]["claimId"], stored.claims[0]["id"]);
}

#[test]
fn upgrade_of_a_missing_installation_is_refused_and_a_killed_image_fails() {
    let d = tempfile::tempdir().unwrap();
    let f = Fake::new();
    assert_eq!(run(&f, "upgrade", d.path()).outcome, ActionOutcome::Refused);
    let mut f = Fake::new();
    f.exit = None;
    let r = run(&f, "install", d.path());
    assert_eq!(r.outcome, ActionOutcome::Failed);
    assert!(r.message.contains("killed"), "{}", r.message);
    assert_eq!(
        Reference::new().claims(d.path(), "i").results[0]["status"],
        "failed"
    );
    Reference::new().cleanup(d.path(), "i").unwrap();
    assert!(Reference::new().claims(d.path(), "i").claims.is_empty());
}
