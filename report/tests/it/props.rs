//! Properties over generated reports: merging any partition gives back the
//! whole run, the Markdown summary respects any limit, and JUnit stays
//! well-formed XML whatever the evidence holds.

use cnab_report::markdown::render as markdown;
use cnab_report::{merge, render, Format, RunReport};
use proptest::prelude::*;

use crate::sample::{self, Shape};

const POOL: [&str; 6] = [
    "core.runtime.params.env",
    "core.runtime.params.default_used",
    "core.credentials.env.injected",
    "core.runtime.env.CNAB_ACTION",
    "claim.parameters.stored",
    "core.actions.builtin.supported",
];

/// One generated case: verdict kind, clause picks, failing-clause picks, text.
type Spec = (u8, Vec<usize>, usize, String);

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..4,
        prop::collection::vec(0..POOL.len(), 1..4),
        0usize..3,
        any::<String>(),
    )
}

fn build(specs: &[Spec]) -> RunReport {
    let mut r = sample::empty("gen", "1.0");
    r.cases = specs
        .iter()
        .enumerate()
        .map(|(i, (kind, picks, failing, text))| {
            let mut clauses: Vec<&str> = picks.iter().map(|p| POOL[*p]).collect();
            clauses.sort();
            clauses.dedup();
            let id = format!("gen.case-{i}");
            let fail_on = [clauses[failing % clauses.len()]];
            let shape = match kind {
                0 => Shape::Pass,
                1 => Shape::Fail("value = 1", &fail_on, text),
                2 => Shape::Skip(text),
                _ => Shape::Error(text),
            };
            sample::case(&id, "gen", &clauses, shape)
        })
        .collect();
    r.recompute();
    r
}

fn sorted_clauses(r: &RunReport) -> Vec<cnab_report::ClauseReport> {
    let mut c = r.clauses.clone();
    for x in &mut c {
        x.cases.sort();
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merging_any_partition_gives_back_the_run(
        specs in prop::collection::vec(spec(), 1..30),
        assignment in prop::collection::vec(0usize..4, 30),
    ) {
        let whole = build(&specs);
        let shards: Vec<RunReport> = (0..4)
            .map(|k| {
                let mut s = whole.clone();
                s.cases = whole
                    .cases
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| assignment[*i] == k)
                    .map(|(_, c)| c.clone())
                    .collect();
                s.recompute();
                s
            })
            .collect();
        let merged = merge(&shards).unwrap();
        prop_assert_eq!(sorted_clauses(&merged), sorted_clauses(&whole));
        prop_assert_eq!(&merged.totals, &whole.totals);
        prop_assert_eq!(merged.cases.len(), whole.cases.len());
    }

    #[test]
    fn markdown_respects_any_limit(
        specs in prop::collection::vec(spec(), 1..30),
        limit in 1_000usize..70_000,
    ) {
        let r = build(&specs);
        let md = markdown(std::slice::from_ref(&r), limit);
        prop_assert!(md.len() <= limit, "{} > {}", md.len(), limit);
    }

    #[test]
    fn junit_is_well_formed_whatever_the_evidence(specs in prop::collection::vec(spec(), 1..20)) {
        let r = build(&specs);
        let xml = render(std::slice::from_ref(&r), Format::Junit).unwrap();
        let doc = roxmltree::Document::parse(&xml);
        prop_assert!(doc.is_ok(), "{:?}\n{}", doc.err(), xml);
        let doc = doc.unwrap();
        let n = doc.descendants().filter(|n| n.has_tag_name("testcase")).count();
        prop_assert_eq!(n, r.cases.len());
    }
}
