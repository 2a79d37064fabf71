//! The runner: cases in, verdicts and evidence out.
//!
//! [`run_suite`] picks the cases ([`selected`]), asks the adapter for `info`,
//! and schedules the cases over the adapter and its forks ([`schedule`]).
//! Each case is instantiated and its steps run through the adapter with the
//! run's driver ([`steps`]); what reached the image is judged by the step's
//! expectations ([`crate::expect`]) and summarized for the report
//! ([`evidence`]). Per-clause verdicts and totals come last ([`aggregate`]).
//! A broken adapter gives an `error` verdict for that case and the run goes
//! on.

pub mod aggregate;
pub mod evidence;
pub mod schedule;
pub mod steps;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use cnab_model::{Catalog, Partition};
use cnab_report::{Environment, RunReport, RuntimeInfo, REPORT_FORMAT};

use crate::adapter::protocol::{InfoResponse, PROTOCOL};
use crate::adapter::Adapter;
use crate::case::{Case, LoadedCase};
use crate::driver::DriverKind;

pub use steps::{with_probe_directions, PROBE_DIRECTIONS_KEY};

/// How to run the suite.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The executable the observer symlink points to (this binary).
    pub observer_exe: PathBuf,
    /// The timeout of each adapter call.
    pub timeout: Duration,
    /// Case ID prefixes to select (empty: all).
    pub case_filters: Vec<String>,
    /// Clause ID prefixes to select (empty: all).
    pub clause_filters: Vec<String>,
    /// Print progress on stderr.
    pub progress: bool,
    /// Run only the cases of this shard.
    pub partition: Option<Partition>,
    /// How many cases run at once (at least 1). Cases are independent: each
    /// has its own installation name, scratch directory and state.
    pub jobs: usize,
    /// How invocation images are reached: the suite plays the command
    /// driver, or real containers run through Docker.
    pub driver: DriverKind,
}

impl RunOptions {
    /// Options with the default timeout, no filters and the command driver.
    pub fn new(observer_exe: PathBuf) -> RunOptions {
        RunOptions {
            observer_exe,
            timeout: Duration::from_secs(60),
            case_filters: Vec::new(),
            clause_filters: Vec::new(),
            progress: std::io::stderr().is_terminal(),
            partition: None,
            jobs: 1,
            driver: DriverKind::Command,
        }
    }
}

/// Why the suite could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scratch directory or the observer link could not be made.
    #[error("cannot prepare the run: {0}")]
    Setup(#[from] std::io::Error),
    /// The filters select no case.
    #[error("no case matches the filters")]
    NothingSelected,
}

/// Whether a case passes the ID and clause filters.
pub fn selected(case: &Case, opts: &RunOptions) -> bool {
    let by_id = opts.case_filters.is_empty()
        || opts
            .case_filters
            .iter()
            .any(|f| case.id.starts_with(f.as_str()));
    let by_clause = opts.clause_filters.is_empty()
        || opts.clause_filters.iter().any(|f| case.matches_clause(f));
    let by_shard = opts.partition.is_none_or(|p| p.contains(&case.id));
    by_id && by_clause && by_shard
}

/// Runs the selected cases against one adapter.
pub fn run_suite(
    adapter: &mut dyn Adapter,
    cases: &[LoadedCase],
    opts: &RunOptions,
) -> Result<RunReport, RunError> {
    let chosen: Vec<&LoadedCase> = cases.iter().filter(|c| selected(&c.case, opts)).collect();
    if chosen.is_empty() {
        return Err(RunError::NothingSelected);
    }
    let started = now();
    let scratch = schedule::Scratch::new(&opts.observer_exe)?;
    let (runtime, info) = runtime_info(adapter);
    let reports = schedule::run_cases(adapter, &chosen, opts, &scratch, &runtime, info.as_ref());
    let clauses = aggregate::clauses(&chosen, &reports);
    let totals = aggregate::totals(&reports, &clauses);
    Ok(RunReport {
        format: REPORT_FORMAT.to_string(),
        suite_version: crate::case::suite_version().to_string(),
        catalog_version: Catalog::embedded().version().to_string(),
        protocol: PROTOCOL.to_string(),
        started,
        finished: now(),
        runtime,
        environment: Environment {
            observer: opts.driver.observer().to_string(),
            driver: opts.driver.driver_name().to_string(),
            timeout_secs: opts.timeout.as_secs(),
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        },
        cases: reports,
        clauses,
        totals,
        interrupted: interrupted().map(str::to_string),
    })
}

/// The stop signal that interrupted the run, if one did: SIGINT, SIGTERM
/// or SIGHUP ([`crate::stop`]), or Ctrl-C seen by the Docker engine.
pub fn interrupted() -> Option<&'static str> {
    crate::stop::requested().or_else(|| crate::driver::docker::interrupted().then_some("SIGINT"))
}

/// The time now, RFC 3339 to the second.
fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The runtime under test as the report describes it, and its `info` reply
/// when it gave one.
fn runtime_info(adapter: &mut dyn Adapter) -> (RuntimeInfo, Option<InfoResponse>) {
    match adapter.info() {
        Ok(i) => (
            RuntimeInfo {
                adapter: adapter.describe(),
                name: i.name.clone(),
                version: i.version.clone(),
                spec_versions: i.spec_versions.clone(),
                capabilities: i.capabilities.clone(),
                info_error: None,
            },
            Some(i),
        ),
        Err(e) => (
            RuntimeInfo {
                adapter: adapter.describe(),
                name: String::new(),
                version: String::new(),
                spec_versions: Vec::new(),
                capabilities: Vec::new(),
                info_error: Some(e.to_string()),
            },
            None,
        ),
    }
}
