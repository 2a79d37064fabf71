//! Tests of the claim checks.

use super::*;
use serde_json::json;

fn good() -> Value {
    json!({
        "action": "install", "created": "2020-01-01T00:00:00Z",
        "id": "01E5G8ZYP714JVM8NHTJQ4FH15", "installation": "i",
        "revision": "01E5G8ZYP714JVM8NHTJQ4FH16",
        "bundle": {"schemaVersion": "v1.0.0", "name": "b", "version": "1.0.0",
                   "invocationImages": [{"image": "x", "imageType": "docker"}]}
    })
}

/// The clauses of the rules a claim breaks, judged as Claims 1.0.0.
fn failing(claim: &Value, format: ClaimsFormat) -> Vec<&'static str> {
    type Rule = fn(&Value, ClaimsFormat) -> Judgement;
    let rules: [(&str, Rule); 4] = [
        (ClaimSchema::CLAUSE, judge_schema),
        (ClaimIdUlid::CLAUSE, judge_id_ulid),
        (ClaimRevisionUlid::CLAUSE, judge_revision_ulid),
        (ClaimCreatedFormat::CLAUSE, judge_created_format),
    ];
    rules
        .iter()
        .filter(|(_, judge)| {
            let j = judge(claim, format);
            !j.held && j.skip.is_none()
        })
        .map(|(c, _)| *c)
        .collect()
}

#[test]
fn a_claim_that_breaks_one_rule_fails_only_that_rules_clause() {
    let f = ClaimsFormat::Claims1_0_0;
    assert!(
        failing(&good(), f).is_empty(),
        "{:?}",
        schema_problems(&good(), f)
    );
    let mut c = good();
    c["id"] = json!("claim-1");
    assert_eq!(failing(&c, f), ["claim.id.ulid"]);
    let mut c = good();
    c["revision"] = json!("rev-1");
    assert_eq!(failing(&c, f), ["claim.revision.ulid"]);
    let mut c = good();
    c["created"] = json!("2018-08-30 20:39:55");
    assert_eq!(failing(&c, f), ["claim.created.format"]);
    let mut c = good();
    c["bundle"] = json!({});
    assert_eq!(failing(&c, f), ["claim.schema"]);
}

/// Judges `claim_revision` for a step that reported a claim with
/// `revision`, after claims with `earlier` revisions (the runner records
/// the step's own claim before judging it).
fn judge_claim_revision(is: RevisionChange, revision: &str, earlier: &[&str]) -> Judgement {
    let claim = json!({"revision": revision});
    let resp: crate::adapter::protocol::RunResponse = serde_json::from_value(json!({
        "protocol": "cnab-conformance-adapter/1", "outcome": "succeeded", "claim": claim
    }))
    .unwrap();
    let mut seen_claims: Vec<Value> = earlier.iter().map(|r| json!({"revision": r})).collect();
    seen_claims.push(claim);
    let case = CaseState {
        seen_claims,
        ..CaseState::default()
    };
    let step = StepEvidence::new("status", "i", &resp, None, b"{}", None);
    let check = ClaimRevision {
        clauses: vec!["c".into()],
        is,
    };
    check.evaluate(&step, &case)
}

#[test]
fn claim_revision_compares_with_the_claims_reported_before() {
    use RevisionChange::{New, Same};
    assert!(judge_claim_revision(Same, "r1", &["r0", "r1"]).held);
    assert!(!judge_claim_revision(Same, "r0", &["r0", "r1"]).held);
    assert!(!judge_claim_revision(Same, "r1", &[]).held);
    assert!(judge_claim_revision(New, "r2", &["r0", "r1"]).held);
    assert!(!judge_claim_revision(New, "r0", &["r0", "r1"]).held);
}

#[test]
fn earlier_claims_stored_fails_when_an_earlier_claim_is_gone() {
    let judge = |stored: &[&str], format: ClaimsFormat| {
        let resp: crate::adapter::protocol::RunResponse = serde_json::from_value(json!({
            "protocol": "cnab-conformance-adapter/1", "outcome": "succeeded",
            "claim": {"id": "c2"}
        }))
        .unwrap();
        let store = crate::adapter::protocol::ClaimsResponse {
            protocol: "cnab-conformance-adapter/1".into(),
            claims: stored.iter().map(|i| json!({"id": i})).collect(),
            results: vec![],
        };
        let case = CaseState {
            seen_claims: vec![json!({"id": "c1"}), json!({"id": "c2"})],
            ..CaseState::default()
        };
        let step = StepEvidence::new("install", "i", &resp, None, b"{}", Some(&store))
            .with_claims_format(format);
        EarlierClaimsStored {
            clauses: vec!["c".into()],
        }
        .evaluate(&step, &case)
    };
    assert!(judge(&["c1", "c2"], ClaimsFormat::Claims1_0_0).held);
    assert!(judge(&["c1"], ClaimsFormat::Claims1_0_0).held);
    let j = judge(&["c2"], ClaimsFormat::Claims1_0_0);
    assert!(!j.held && j.skip.is_none(), "{j:?}");
    assert!(judge(&["c2"], ClaimsFormat::Core1_0_0).skip.is_some());
}

/// A claim of the Core 1.0.0 model, as cnab-go v0.6 wrote it.
fn legacy() -> Value {
    json!({
        "name": "i", "revision": "01E5G8ZYP714JVM8NHTJQ4FH16",
        "created": "2019-11-07T12:01:44.719151-06:00",
        "modified": "2019-11-07T12:01:44.719151-06:00",
        "bundle": {"schemaVersion": "v1.0.0", "name": "b", "version": "1.0.0",
                   "invocationImages": [{"image": "x", "imageType": "docker"}]},
        "parameters": {}, "outputs": {},
        "result": {"action": "install", "message": "", "status": "success"}
    })
}

#[test]
fn a_legacy_claim_is_judged_by_the_declared_format() {
    // Judged as Claims 1.0.0 it breaks the schema and has no id.
    assert_eq!(
        failing(&legacy(), ClaimsFormat::Claims1_0_0),
        ["claim.schema", "claim.id.ulid"]
    );
    // Declared, it breaks nothing, and the rules its model lacks skip.
    assert!(failing(&legacy(), ClaimsFormat::Core1_0_0).is_empty());
    assert!(judge_id_ulid(&legacy(), ClaimsFormat::Core1_0_0)
        .skip
        .is_some());
    assert!(judge_revision_ulid(&legacy(), ClaimsFormat::Core1_0_0)
        .skip
        .is_some());
    assert!(judge_schema(&legacy(), ClaimsFormat::Core1_0_0).held);
    // Core 1.0.1 names the installation `installation`, not `name`.
    assert_eq!(
        failing(&legacy(), ClaimsFormat::Core1_0_1),
        ["claim.schema"]
    );
    let mut bad = legacy();
    bad["result"]["status"] = json!("succeeded");
    assert_eq!(failing(&bad, ClaimsFormat::Core1_0_0), ["claim.schema"]);
}

#[test]
fn fields_and_statuses_are_read_where_the_format_keeps_them() {
    let f = ClaimsFormat::Core1_0_0;
    assert_eq!(pointer_in(f, "/action").as_deref(), Some("/result/action"));
    assert_eq!(pointer_in(f, "/installation").as_deref(), Some("/name"));
    assert_eq!(
        pointer_in(ClaimsFormat::Core1_0_1, "/installation").as_deref(),
        Some("/installation")
    );
    assert_eq!(pointer_in(f, "/id"), None);
    assert_eq!(
        pointer_in(f, "/parameters/a").as_deref(),
        Some("/parameters/a")
    );
    assert_eq!(status_in(f, "failed"), "failure");
    assert_eq!(status_in(ClaimsFormat::Claims1_0_0, "failed"), "failed");
}

#[test]
fn only_claims_clauses_of_the_legacy_model_are_judged_for_it() {
    let c = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let legacy = ClaimsFormat::Core1_0_0;
    assert!(format_skip(legacy, &c(&["core.runtime.env.CNAB_ACTION"])).is_none());
    assert!(format_skip(legacy, &c(&["claim.schema"])).is_none());
    let why = format_skip(legacy, &c(&["claim.env.CNAB_CLAIMS_VERSION"])).unwrap();
    assert!(why.contains("cnab-core-1.0.0"), "{why}");
    assert!(format_skip(ClaimsFormat::Claims1_0_0, &c(&["claim.env.CNAB_ACTION"])).is_none());
    let cat = cnab_model::Catalog::embedded();
    for clause in LEGACY_MODEL_CLAUSES.iter().chain(CLAIM_RULE_CLAUSES) {
        assert!(cat.contains(clause), "{clause}");
    }
}
