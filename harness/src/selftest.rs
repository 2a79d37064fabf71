//! The self-test: the suite measured against the reference runtime's mutants.
//!
//! The reference must pass every case. Each mutant breaks one rule; it is
//! killed when a clause it breaks gets a `fail` verdict from the cases that
//! check that clause. A mutant that survives shows a blind spot of the suite.
//!
//! A dialect mutant is another way real runtimes work (cnab-go v0.6's
//! operation, the Core 1.0.0 claim model). It runs every case and must be
//! judged exactly: no case is an `error`, the clauses it fails are within the
//! set it lists, and that set is empty exactly when it fails nothing. A
//! runtime that declares a Core 1.0.x claims format must also see the rules
//! only Claims 1.0.0 has skipped, never failed.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use cnab_model::Verdict;
use serde::{Deserialize, Serialize};

use crate::adapter::reference::{Mutant, ReferenceAdapter};
use crate::adapter::{Adapter, ProcessAdapter};
use crate::case::LoadedCase;
use crate::driver::DriverKind;
use crate::expect::LEGACY_MODEL_CLAUSES;
use crate::runner::{run_suite, RunError, RunOptions};

/// What happened to one mutant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutantResult {
    /// The mutant's name.
    pub mutant: String,
    /// The clauses it breaks.
    pub clauses: Vec<String>,
    /// The cases that check those clauses.
    pub cases: Vec<String>,
    /// The cases that failed on it.
    pub killed_by: Vec<String>,
    /// Whether it was caught (a dialect: whether it was judged exactly).
    pub killed: bool,
    /// Whether it is a dialect, judged exactly.
    #[serde(default)]
    pub dialect: bool,
    /// A dialect: the clauses it failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// A dialect: how it was not judged exactly (empty when it was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// The self-test result.
#[derive(Debug, Clone)]
pub struct SelfTest {
    /// The run against the faithful reference.
    pub reference: cnab_report::RunReport,
    /// One entry per mutant.
    pub mutants: Vec<MutantResult>,
}

impl SelfTest {
    /// Killed mutants over all mutants.
    pub fn score(&self) -> (usize, usize) {
        (
            self.mutants.iter().filter(|m| m.killed).count(),
            self.mutants.len(),
        )
    }

    /// Whether the reference passed and no mutant survived.
    pub fn is_success(&self) -> bool {
        self.reference.is_success()
            && self
                .reference
                .cases
                .iter()
                .all(passes_or_needs_other_driver)
            && self.mutants.iter().all(|m| m.killed)
    }

    /// A human summary.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let bad: Vec<_> = self
            .reference
            .cases
            .iter()
            .filter(|c| !passes_or_needs_other_driver(c))
            .collect();
        let other = self
            .reference
            .cases
            .iter()
            .filter(|c| c.verdict == Verdict::Skip)
            .count();
        if bad.is_empty() && other == 0 {
            out.push_str(&format!(
                "reference: all {} cases pass\n",
                self.reference.cases.len()
            ));
        } else if bad.is_empty() {
            out.push_str(&format!(
                "reference: all {} cases pass ({other} skipped: they need the other driver)\n",
                self.reference.cases.len() - other
            ));
        } else {
            out.push_str(&format!("reference: {} case(s) do not pass:\n", bad.len()));
            for c in bad {
                out.push_str(&format!("  {} {}\n", c.verdict.as_str(), c.id));
            }
        }
        for m in &self.mutants {
            if m.dialect {
                if m.killed {
                    out.push_str(&format!(
                        "exact     {} (dialect; failed {})\n",
                        m.mutant,
                        if m.failed.is_empty() {
                            "nothing".to_string()
                        } else {
                            m.failed.join(", ")
                        }
                    ));
                } else {
                    out.push_str(&format!(
                        "INEXACT   {} (dialect): {}\n",
                        m.mutant,
                        m.problems.join("; ")
                    ));
                }
            } else if m.killed {
                out.push_str(&format!(
                    "killed    {} (by {})\n",
                    m.mutant,
                    m.killed_by.join(", ")
                ));
            } else {
                out.push_str(&format!(
                    "SURVIVED  {} (clauses {}; cases checking them: {})\n",
                    m.mutant,
                    m.clauses.join(", "),
                    if m.cases.is_empty() {
                        "none".to_string()
                    } else {
                        m.cases.join(", ")
                    }
                ));
            }
        }
        let (k, n) = self.score();
        out.push_str(&format!("mutation score: {k}/{n}\n"));
        out
    }
}

/// A case the reference passes, or skips only because it needs the driver
/// this run does not use (`command-driver` or `docker-driver`).
fn passes_or_needs_other_driver(c: &cnab_report::CaseReport) -> bool {
    c.verdict == Verdict::Pass
        || (c.verdict == Verdict::Skip
            && c.reason.as_deref().is_some_and(|r| {
                r == "runtime does not declare capability docker-driver"
                    || r == "runtime does not declare capability command-driver"
                    || r == crate::runner::steps::NEEDS_DOCKER_PATH
                    || r == crate::runner::steps::NEEDS_COMMAND_PATH
            }))
}

/// The mutants a self-test runs by default: those the run's driver can
/// show (the Docker driver sees digests; only the command driver speaks an
/// operation dialect).
pub fn default_mutants(docker: bool) -> Vec<Mutant> {
    Mutant::ALL
        .iter()
        .copied()
        .filter(|m| {
            if docker {
                *m != Mutant::OutputsAsList
            } else {
                !m.needs_docker()
            }
        })
        .collect()
}

/// Judges a dialect mutant's run: no error, the failed clauses within the
/// listed set, none exactly when the set is empty; a declared Core 1.0.x
/// claims format fails no rule only Claims 1.0.0 has, and skips some.
pub fn judge_dialect(m: Mutant, report: &cnab_report::RunReport) -> (Vec<String>, Vec<String>) {
    use cnab_report::ExpectationVerdict as E;
    let may: BTreeSet<&str> = m.clauses().iter().copied().collect();
    let mut failed = BTreeSet::new();
    let mut skipped = 0;
    let mut problems = Vec::new();
    for c in &report.cases {
        if c.verdict == Verdict::Error {
            problems.push(format!(
                "case {} is an error: {}",
                c.id,
                c.reason.as_deref().unwrap_or("")
            ));
        }
        for e in c.steps.iter().flat_map(|s| &s.expectations) {
            match e.verdict {
                E::Fail => failed.extend(e.clauses.iter().cloned()),
                E::Skip => skipped += 1,
                E::Pass | E::NotReached => {}
            }
        }
    }
    let outside: Vec<&String> = failed
        .iter()
        .filter(|c| !may.contains(c.as_str()))
        .collect();
    if !outside.is_empty() {
        problems.push(format!(
            "failed outside the clauses it may fail: {}",
            outside
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if failed.is_empty() && !may.is_empty() {
        problems.push("failed nothing: a false pass".to_string());
    }
    if m.declared_claims_format().is_some() {
        let newer_only: Vec<&String> = failed
            .iter()
            .filter(|c| c.starts_with("claim.") && !LEGACY_MODEL_CLAUSES.contains(&c.as_str()))
            .collect();
        if !newer_only.is_empty() {
            problems.push(format!(
                "failed on Claims 1.0.0 rules its declared format does not have: {}",
                newer_only
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if skipped == 0 {
            problems.push(
                "skipped no Claims 1.0.0 rule: the declared claims format was ignored".to_string(),
            );
        }
    }
    (failed.into_iter().collect(), problems)
}

/// Runs the reference and every mutant in `mutants` with the command driver.
pub fn run_selftest(
    cases: &[LoadedCase],
    observer_exe: PathBuf,
    timeout: Duration,
    mutants: &[Mutant],
    progress: bool,
) -> Result<SelfTest, RunError> {
    run_selftest_with(
        cases,
        observer_exe,
        timeout,
        mutants,
        progress,
        DriverKind::Command,
    )
}

/// Runs the reference and every mutant in `mutants` with the given driver.
pub fn run_selftest_with(
    cases: &[LoadedCase],
    observer_exe: PathBuf,
    timeout: Duration,
    mutants: &[Mutant],
    progress: bool,
    driver: DriverKind,
) -> Result<SelfTest, RunError> {
    let with_docker = driver.docker().is_some();
    let mut opts = RunOptions::new(observer_exe);
    opts.timeout = timeout;
    opts.progress = false;
    opts.jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    opts.driver = driver;
    let make = |m: Option<Mutant>| -> Box<dyn Adapter> {
        Box::new(ReferenceAdapter::new(m, timeout).with_docker(with_docker))
    };
    selftest_over(cases, &opts, mutants, progress, &make)
}

/// The variable that tells an external runtime which mutant to play in
/// `selftest --runtime`: the mutant's name (`skip-digest-check`), unset for
/// the faithful runtime.
pub const ENV_MUTANT: &str = "CNAB_CONFORMANCE_MUTANT";

/// An external runtime for `selftest --runtime`: `program [args...] <verb>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRuntime {
    /// The adapter executable.
    pub program: PathBuf,
    /// Arguments before the verb.
    pub args: Vec<String>,
}

/// The self-test of an external runtime that can play mutants: the faithful
/// runtime on the cases that check the mutants' clauses, then each mutant,
/// named to the adapter by [`ENV_MUTANT`]. `opts` gives the timeout, the
/// jobs and the driver; its filters are replaced by the mutants' clauses.
pub fn run_selftest_external(
    cases: &[LoadedCase],
    mut opts: RunOptions,
    mutants: &[Mutant],
    runtime: &ExternalRuntime,
    progress: bool,
) -> Result<SelfTest, RunError> {
    let timeout = opts.timeout;
    opts.progress = false;
    opts.case_filters.clear();
    opts.clause_filters = mutants
        .iter()
        .flat_map(|m| m.clauses().iter().map(|c| c.to_string()))
        .collect();
    let make = |m: Option<Mutant>| -> Box<dyn Adapter> {
        let a = ProcessAdapter::new(runtime.program.clone(), runtime.args.clone(), timeout);
        Box::new(match m {
            Some(m) => a.with_env(ENV_MUTANT, m.name()),
            None => a,
        })
    };
    selftest_over(cases, &opts, mutants, progress, &make)
}

/// The faithful runtime with `opts`, then each mutant on the cases that
/// check its clauses.
fn selftest_over(
    cases: &[LoadedCase],
    opts: &RunOptions,
    mutants: &[Mutant],
    progress: bool,
    make: &dyn Fn(Option<Mutant>) -> Box<dyn Adapter>,
) -> Result<SelfTest, RunError> {
    let reference = run_suite(make(None).as_mut(), cases, opts)?;
    if progress {
        eprintln!("reference: {} cases run", reference.cases.len());
    }
    let mut results = Vec::new();
    for m in mutants {
        let clauses: Vec<String> = m.clauses().iter().map(|c| c.to_string()).collect();
        if m.is_dialect() {
            let report = run_suite(make(Some(*m)).as_mut(), cases, opts)?;
            let (failed, problems) = judge_dialect(*m, &report);
            if progress {
                eprintln!(
                    "{:<40} {}",
                    m.name(),
                    if problems.is_empty() {
                        "exact"
                    } else {
                        "inexact"
                    }
                );
            }
            results.push(MutantResult {
                mutant: m.name().to_string(),
                cases: report.cases.iter().map(|c| c.id.clone()).collect(),
                killed_by: Vec::new(),
                killed: problems.is_empty(),
                dialect: true,
                clauses,
                failed,
                problems,
            });
            continue;
        }
        let mut mopts = opts.clone();
        mopts.clause_filters = clauses.clone();
        let targeted: Vec<String> = cases
            .iter()
            .filter(|c| clauses.iter().any(|cl| c.case.clauses().contains(cl)))
            .map(|c| c.case.id.clone())
            .collect();
        let mut killed_by = Vec::new();
        if !targeted.is_empty() {
            let report = run_suite(make(Some(*m)).as_mut(), cases, &mopts)?;
            for c in &report.cases {
                let failed_on_clause = c.steps.iter().any(|s| {
                    s.expectations.iter().any(|e| {
                        e.verdict == cnab_report::ExpectationVerdict::Fail
                            && e.clauses.iter().any(|x| clauses.contains(x))
                    })
                });
                if failed_on_clause {
                    killed_by.push(c.id.clone());
                }
            }
        }
        if progress {
            eprintln!(
                "{:<40} {}",
                m.name(),
                if killed_by.is_empty() {
                    "survived"
                } else {
                    "killed"
                }
            );
        }
        results.push(MutantResult {
            mutant: m.name().to_string(),
            clauses,
            cases: targeted,
            killed: !killed_by.is_empty(),
            killed_by,
            dialect: false,
            failed: Vec::new(),
            problems: Vec::new(),
        });
    }
    Ok(SelfTest {
        reference,
        mutants: results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnab_report::{
        ActionOutcome, CaseReport, ExpectationReport, ExpectationVerdict, RunReport, StepReport,
    };

    /// A run report with one case whose expectations have these clauses and
    /// verdicts.
    fn report(expectations: &[(&str, ExpectationVerdict)]) -> RunReport {
        let mut r = RunReport::from_json(include_str!("../tests/golden/run-reference.json"))
            .expect("the golden report reads");
        r.cases = vec![CaseReport {
            id: "x".into(),
            family: "f".into(),
            description: String::new(),
            verdict: Verdict::Pass,
            reason: None,
            duration_ms: 0,
            clauses: Vec::new(),
            steps: vec![StepReport {
                action: "install".into(),
                installation: "i".into(),
                outcome: ActionOutcome::Succeeded,
                message: String::new(),
                image_ran: true,
                observed: None,
                adapter_stderr: None,
                precondition: None,
                expectations: expectations
                    .iter()
                    .map(|(c, v)| ExpectationReport {
                        check: "c".into(),
                        clauses: vec![c.to_string()],
                        verdict: *v,
                        observed: String::new(),
                    })
                    .collect(),
            }],
        }];
        r
    }

    use ExpectationVerdict::{Fail, Pass, Skip};

    #[test]
    fn a_dialect_fails_within_its_set_and_not_nothing() {
        let m = Mutant::OutputsAsList;
        let (failed, problems) =
            judge_dialect(m, &report(&[("core.outputs.applyTo.semantics", Fail)]));
        assert_eq!(failed, ["core.outputs.applyTo.semantics"]);
        assert!(problems.is_empty(), "{problems:?}");
        // A fail outside the set is a wrong verdict.
        let (_, problems) = judge_dialect(m, &report(&[("core.runtime.params.env", Fail)]));
        assert!(problems[0].contains("outside"), "{problems:?}");
        // No fail at all is a false pass.
        let (_, problems) = judge_dialect(m, &report(&[("core.outputs.applyTo.semantics", Pass)]));
        assert!(problems[0].contains("false pass"), "{problems:?}");
        // An error is never judged exactly.
        let mut r = report(&[("core.outputs.applyTo.semantics", Fail)]);
        r.cases[0].verdict = Verdict::Error;
        assert!(!judge_dialect(m, &r).1.is_empty());
    }

    #[test]
    fn a_declared_legacy_claims_format_skips_the_newer_rules_and_fails_none() {
        let m = Mutant::CoreClaimsModel;
        let ok = report(&[("claim.schema", Pass), ("claim.id.ulid", Skip)]);
        assert!(judge_dialect(m, &ok).1.is_empty());
        let (_, problems) = judge_dialect(
            m,
            &report(&[
                ("claim.env.CNAB_CLAIMS_VERSION", Fail),
                ("claim.id.ulid", Skip),
            ]),
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("Claims 1.0.0 rules its declared format does not have")),
            "{problems:?}"
        );
        let (_, problems) = judge_dialect(m, &report(&[("claim.schema", Pass)]));
        assert!(
            problems.iter().any(|p| p.contains("ignored")),
            "{problems:?}"
        );
    }
}
