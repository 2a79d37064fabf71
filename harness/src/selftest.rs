//! The self-test: the suite measured against the reference runtime's mutants.
//!
//! The reference must pass every case. Each mutant breaks one rule; it is
//! killed when a clause it breaks gets a `fail` verdict from the cases that
//! check that clause. A mutant that survives shows a blind spot of the suite.

use std::path::PathBuf;
use std::time::Duration;

use cnab_model::Verdict;
use serde::{Deserialize, Serialize};

use crate::adapter::reference::{Mutant, ReferenceAdapter};
use crate::adapter::{Adapter, ProcessAdapter};
use crate::case::LoadedCase;
use crate::driver::DriverKind;
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
    /// Whether it was caught.
    pub killed: bool,
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
            if m.killed {
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

/// The mutants a self-test runs by default: all of them on the Docker path,
/// and those the command driver can show otherwise.
pub fn default_mutants(docker: bool) -> Vec<Mutant> {
    Mutant::ALL
        .iter()
        .copied()
        .filter(|m| docker || !m.needs_docker())
        .collect()
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
        });
    }
    Ok(SelfTest {
        reference,
        mutants: results,
    })
}
