//! The clause IDs this crate names exist in the catalog.

use cnab_docker::{
    DigestCheck, DockerError, CLAUSE_DIGEST_MISSING, CLAUSE_DIGEST_VERIFY, CLAUSE_REPO_DIGEST,
};
use cnab_model::Catalog;

#[test]
fn every_clause_named_by_the_crate_is_in_the_catalog() {
    let catalog = Catalog::embedded();
    for id in [
        CLAUSE_DIGEST_VERIFY,
        CLAUSE_DIGEST_MISSING,
        CLAUSE_REPO_DIGEST,
    ] {
        assert!(catalog.contains(id), "{id} is not in cases/catalog.json");
    }
}

#[test]
fn digest_outcomes_name_their_clauses() {
    assert_eq!(
        DigestCheck::Verified("sha256:x".into()).clause(),
        CLAUSE_DIGEST_VERIFY
    );
    assert_eq!(DigestCheck::Missing.clause(), CLAUSE_DIGEST_MISSING);
    let mismatch = DockerError::DigestMismatch {
        image: "i".into(),
        expected: "sha256:x".into(),
        found: Vec::new(),
    };
    assert_eq!(mismatch.clause(), Some(CLAUSE_DIGEST_VERIFY));
    assert_eq!(DockerError::ProbeBuild("x".into()).clause(), None);
}
