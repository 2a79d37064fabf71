//! The corpus is deterministic, and its flaws are real: the validator
//! passes every clean document and fails every flawed one.

use cnab_bench::corpus::{self, CorpusSpec, Flaw};
use cnab_validator::Validator;

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let spec = CorpusSpec {
        files: 150,
        seed: 7,
    };
    let a: Vec<_> = corpus::documents(spec).collect();
    let b: Vec<_> = corpus::documents(spec).collect();
    assert_eq!(a, b);
    let c: Vec<_> = corpus::documents(CorpusSpec { seed: 8, ..spec }).collect();
    let same = a.iter().zip(&c).filter(|(x, y)| x.bytes == y.bytes).count();
    assert_eq!(same, 0);
    for (n, d) in a.iter().enumerate() {
        assert_eq!(corpus::path(spec.seed, n), d.path);
        // Document n is the same whether or not the others were made.
        assert_eq!(corpus::document(spec.seed, n), *d);
    }
}

#[test]
fn sizes_and_flaws_are_mixed() {
    let docs: Vec<_> = corpus::documents(CorpusSpec {
        files: 1000,
        seed: 1,
    })
    .collect();
    let large = docs.iter().filter(|d| d.bytes.len() > 1_000_000).count();
    let small = docs.iter().filter(|d| d.bytes.len() < 50_000).count();
    let flawed = docs.iter().filter(|d| d.flaw.is_some()).count();
    let claims = docs.iter().filter(|d| d.claim).count();
    assert!((3..=25).contains(&large), "{large} large documents");
    assert!(small > 800, "{small} small documents");
    assert!((20..=100).contains(&flawed), "{flawed} flawed documents");
    assert!((20..=90).contains(&claims), "{claims} claims");
    assert!(docs.iter().all(|d| d.bytes.len() >= 500));
}

#[test]
fn the_validator_fails_exactly_the_flawed_documents() {
    let v = Validator::default();
    let mut seen = std::collections::BTreeSet::new();
    for d in corpus::documents(CorpusSpec {
        files: 400,
        seed: 3,
    })
    .filter(|d| d.bytes.len() < 200_000)
    {
        let report = v.check(&d.path, &d.bytes);
        match d.flaw {
            None => assert!(
                report.findings.is_empty(),
                "{}: {:?}",
                d.path,
                report.findings
            ),
            Some(flaw) => {
                seen.insert(flaw.as_str());
                assert!(
                    report.fails_at(cnab_model::Level::Must),
                    "{} ({}) passed",
                    d.path,
                    flaw.as_str()
                );
            }
        }
    }
    assert!(seen.contains(Flaw::Pretty.as_str()), "{seen:?}");
    assert!(seen.len() >= 4, "{seen:?}");
}
