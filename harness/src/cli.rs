//! The command line: parsing, then thin calls into the library.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use cnab_harness::adapter::reference::Mutant;
use cnab_harness::adapter::{serve_reference_with, Adapter, ProcessAdapter, ReferenceAdapter};
use cnab_harness::case::{self, LoadedCase};
use cnab_harness::coverage;
use cnab_harness::driver::{docker, DockerMode, DriverKind};
use cnab_harness::runner::{run_suite, RunError, RunOptions};
use cnab_harness::selftest::{
    default_mutants, run_selftest_external, run_selftest_with, ExternalRuntime, ENV_MUTANT,
};
use cnab_model::Partition;
use cnab_model::{catalog::render_table, Catalog, CheckKind, Level};
use cnab_report::{RunReport, REPORT_SCHEMA};

/// Every verdict is pass, skip or xfail.
pub const EXIT_OK: u8 = 0;
/// A fail, error or unexpected pass, a broken case file, a surviving mutant.
pub const EXIT_FAILURES: u8 = 1;
/// The suite could not run (usage, I/O, nothing selected).
pub const EXIT_CANNOT_RUN: u8 = 2;

mod report;
mod selftest;
use report::{report_command, ReportCommand};
use selftest::{selftest, selftest_external};

#[derive(Parser)]
#[command(
    name = "cnab-conformance",
    version,
    about = "Conformance suite for CNAB runtimes",
    long_about = "Runs shared conformance cases against a CNAB runtime through an adapter and reports pass/fail/skip/error per spec clause.\n\nExit status: 0 when every verdict is pass, skip or xfail; 1 on any fail, error or unexpected pass; 2 when the suite could not run."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

/// How the reference runtime reaches invocation images (`--driver`).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DriverArg {
    /// The suite plays cnab-go's command driver; no Docker needed.
    Command,
    /// Real containers of the probe image through the Docker engine
    /// (`DOCKER_HOST` or /var/run/docker.sock) and the loopback registry
    /// (`CNAB_TEST_REGISTRY`, default 127.0.0.1:5000).
    Docker,
}

impl DriverArg {
    /// The run's driver: on the Docker path this connects to Docker, builds
    /// and pushes the probe image, and makes Ctrl-C stop the run between
    /// containers; with `engine` (an external runtime, which runs the
    /// containers itself) it also starts the engine observer.
    fn driver_kind(self, engine: bool) -> Result<DriverKind> {
        Ok(match self {
            DriverArg::Command => DriverKind::Command,
            DriverArg::Docker if engine => {
                let mode = docker_mode()?
                    .with_engine_observer()
                    .context("cannot start the engine observer")?;
                eprintln!(
                    "docker: engine observer watching containers labelled {}",
                    mode.probe.container_label()
                );
                DriverKind::Docker(mode)
            }
            DriverArg::Docker => DriverKind::Docker(docker_mode()?),
        })
    }
}

/// Connects to Docker, builds and pushes the probe image, and makes Ctrl-C
/// stop the run between containers.
fn docker_mode() -> Result<DockerMode> {
    docker::catch_interrupts();
    let probe = docker::prepare_probe_image()
        .context("cannot prepare the probe image for --driver docker")?;
    eprintln!(
        "docker: engine {}, probe image {} ({})",
        probe.host, probe.reference, probe.digest
    );
    Ok(DockerMode::new(probe))
}

/// Removes what a Docker run may have left and says so; whether the run was
/// interrupted. A command-driver run leaves no container.
fn docker_cleanup(driver: &DriverKind) -> bool {
    let Some(mode) = driver.docker() else {
        return false;
    };
    match docker::cleanup_run(&mode.run_id) {
        Ok(0) => {}
        Ok(n) => eprintln!("docker: removed {n} leftover container(s) of this run"),
        Err(e) => eprintln!(
            "docker: cannot remove the containers of this run (label io.cnab-conformance.run={}): {e}",
            mode.run_id
        ),
    }
    docker::interrupted()
}

#[derive(Subcommand)]
enum Command {
    /// Run the cases against a runtime (the built-in reference by default).
    Run(RunArgs),
    /// List the clause catalog.
    Clauses {
        /// Only clauses of this level (must, should, may).
        #[arg(long)]
        level: Option<Level>,
        /// Only clauses of this check kind (static, runtime, n-a).
        #[arg(long)]
        kind: Option<CheckKind>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Work with runtime case files.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Show which runtime clauses of the catalog have cases.
    Coverage {
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Run the suite against the reference runtime and each of its mutants,
    /// or against an external runtime that can play mutants (`--runtime`).
    Selftest {
        /// Only these mutants (default: all those the driver can show;
        /// `skip-digest-check` needs `--driver docker`; with `--runtime` on
        /// the Docker path, the Docker-relevant ones).
        #[arg(long = "mutant")]
        mutants: Vec<Mutant>,
        /// An external adapter that plays the mutant named by
        /// `CNAB_CONFORMANCE_MUTANT` (unset: the faithful runtime); with
        /// `--driver docker` it runs the containers itself and the engine
        /// observer watches them.
        #[arg(long)]
        runtime: Option<PathBuf>,
        /// An argument given to the external adapter before the verb
        /// (repeatable).
        #[arg(long = "runtime-arg", allow_hyphen_values = true)]
        runtime_args: Vec<String>,
        /// How the reference reaches invocation images.
        #[arg(long, value_enum, default_value = "command")]
        driver: DriverArg,
        /// Timeout of each adapter call, in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Act as an adapter (`cnab-conformance adapter reference <verb>`).
    Adapter {
        #[command(subcommand)]
        adapter: AdapterCommand,
    },
    /// Render, compare or merge run reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Print a JSON Schema: `report` or `case`.
    Schema {
        /// Which schema.
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Act as a cnab-go command driver (what `cnab-<name>` does).
    #[command(hide = true)]
    Driver {
        /// Driver arguments (`--handles`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Report,
    Case,
}

#[derive(Subcommand)]
enum CasesCommand {
    /// Check case files: schema, unique IDs, known clauses and capabilities
    /// for runtime cases; schema, unique IDs, known clauses and existing
    /// documents for document cases.
    Check {
        /// A directory of runtime case files (default: the embedded cases).
        dir: Option<PathBuf>,
        /// The document cases to check too (default: `cases/documents` when
        /// it exists below the current directory).
        #[arg(long)]
        documents: Option<PathBuf>,
    },
    /// List the cases.
    List {
        /// A directory of case files (default: the embedded cases).
        #[arg(long)]
        cases_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AdapterCommand {
    /// The reference runtime as an external adapter.
    Reference {
        /// Run a mutant instead of the faithful runtime (default: the one
        /// named by `CNAB_CONFORMANCE_MUTANT`, when set).
        #[arg(long)]
        mutant: Option<Mutant>,
        /// Declare `docker-driver` as well as `command-driver`: a `run`
        /// request with driver kind `docker` runs a real container (for the
        /// Docker path through the engine observer).
        #[arg(long)]
        docker: bool,
        /// Timeout of each driver run, in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// The verb: info, run, claims, cleanup.
        verb: String,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The adapter executable; `reference` (the default) is the built-in one.
    #[arg(long, default_value = "reference")]
    runtime: String,
    /// An argument given to the adapter before the verb (repeatable).
    #[arg(long = "runtime-arg", allow_hyphen_values = true)]
    runtime_args: Vec<String>,
    /// Run the built-in reference as this mutant.
    #[arg(long)]
    mutant: Option<Mutant>,
    /// How the built-in reference reaches invocation images: `command` (the
    /// suite plays cnab-go's command driver) or `docker` (real containers of
    /// the probe image; Docker-only cases run, command-only ones are skipped).
    #[arg(long, value_enum, default_value = "command")]
    driver: DriverArg,
    /// Only cases whose ID starts with this (repeatable).
    #[arg(long = "case")]
    cases: Vec<String>,
    /// Only cases checking a clause whose ID starts with this (repeatable).
    #[arg(long = "clause")]
    clauses: Vec<String>,
    /// Timeout of each adapter call, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Where to write the JSON report (default: reports/runs/<time>-<runtime>.json,
    /// with `-2`, `-3`... when taken). A device, FIFO or link is written
    /// through, never replaced; checked before the run starts.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Read case files from this directory instead of the embedded ones.
    #[arg(long)]
    cases_dir: Option<PathBuf>,
    /// The runtime's expected-failures file (TOML or JSON, see
    /// docs/reports.md): listed failures become xfail, listed passes
    /// unexpected-pass.
    #[arg(long)]
    expected_failures: Option<PathBuf>,
    /// Run one shard of the cases: `k/n` or `hash:k/n` (a case belongs to
    /// shard `fnv1a64(case ID) % n + 1`, as `cnab-validate --partition` does
    /// for files).
    #[arg(long)]
    partition: Option<Partition>,
    /// How many cases run at once. Default: the number of CPUs for the
    /// built-in reference runtime, 1 for an external `--runtime` (which may
    /// not be safe to drive in parallel; raise it when yours is).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Print the report JSON on stdout instead of the summary.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

fn load_cases(dir: Option<&PathBuf>) -> Result<Vec<LoadedCase>> {
    let files = match dir {
        Some(d) => case::read_dir(d)?,
        None => case::embedded_files(),
    };
    Ok(case::load(&files)?)
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn main() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
        Command::Clauses {
            level,
            kind,
            format,
        } => {
            let clauses = Catalog::embedded().filter(level, kind);
            match format {
                Format::Human => write_stdout(&render_table(&clauses))?,
                Format::Json => {
                    write_stdout(&format!("{}\n", serde_json::to_string_pretty(&clauses)?))?
                }
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Cases { command } => cases_command(command),
        Command::Coverage { format } => {
            let cov = coverage::coverage(&load_cases(None)?);
            match format {
                Format::Human => write_stdout(&coverage::render(&cov))?,
                Format::Json => {
                    write_stdout(&format!("{}\n", serde_json::to_string_pretty(&cov)?))?
                }
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Selftest {
            mutants,
            runtime,
            runtime_args,
            driver,
            timeout,
        } => match runtime {
            None => selftest(mutants, driver, timeout),
            Some(program) => selftest_external(
                mutants,
                ExternalRuntime {
                    program,
                    args: runtime_args,
                },
                driver,
                timeout,
            ),
        },
        Command::Adapter {
            adapter:
                AdapterCommand::Reference {
                    mutant,
                    docker,
                    timeout,
                    verb,
                },
        } => {
            let mutant = match mutant {
                Some(m) => Some(m),
                None => match std::env::var(ENV_MUTANT) {
                    Ok(name) if !name.is_empty() => Some(
                        *Mutant::ALL
                            .iter()
                            .find(|m| m.name() == name)
                            .with_context(|| format!("{ENV_MUTANT}: unknown mutant `{name}`"))?,
                    ),
                    _ => None,
                },
            };
            let mut input = Vec::new();
            std::io::stdin()
                .take(64 << 20)
                .read_to_end(&mut input)
                .context("cannot read the request")?;
            let reply = serve_reference_with(
                &verb,
                &input,
                mutant,
                Duration::from_secs(timeout.max(1)),
                docker,
            );
            write_stdout(&format!("{reply}\n"))?;
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Report { command } => report_command(command),
        Command::Schema { which } => {
            write_stdout(match which {
                SchemaKind::Report => REPORT_SCHEMA,
                SchemaKind::Case => case::CASE_SCHEMA,
            })?;
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Driver { args } => {
            let code = cnab_harness::driver::observer::driver_main(&args);
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
    }
}

/// `cases check` and `cases list`.
fn cases_command(command: CasesCommand) -> Result<ExitCode> {
    match command {
        CasesCommand::Check { dir, documents } => {
            let files = match &dir {
                Some(d) => case::read_dir(d)?,
                None => case::embedded_files(),
            };
            let mut failed = false;
            match case::load(&files) {
                Ok(cases) => write_stdout(&format!(
                    "runtime cases: {} file(s), {} case(s): ok\n",
                    files.len(),
                    cases.len()
                ))?,
                Err(case::CaseError::Invalid(problems)) => {
                    for p in &problems {
                        eprintln!("{p}");
                    }
                    eprintln!("{} problem(s) in runtime case files", problems.len());
                    failed = true;
                }
                Err(e) => return Err(e.into()),
            }
            let documents = documents.or_else(|| {
                let d = PathBuf::from("cases/documents");
                d.is_dir().then_some(d)
            });
            if let Some(d) = documents {
                let check = cnab_harness::case::doccases::check_documents(&d)
                    .with_context(|| format!("cannot read document cases in {}", d.display()))?;
                if check.problems.is_empty() {
                    write_stdout(&format!("document cases: {} case(s): ok\n", check.cases))?;
                } else {
                    for p in &check.problems {
                        eprintln!("{}: {p}", d.display());
                    }
                    eprintln!("{} problem(s) in document case files", check.problems.len());
                    failed = true;
                }
            }
            Ok(ExitCode::from(if failed { EXIT_FAILURES } else { EXIT_OK }))
        }
        CasesCommand::List { cases_dir } => {
            let cases = load_cases(cases_dir.as_ref())?;
            let width = cases.iter().map(|c| c.case.id.len()).max().unwrap_or(0);
            let mut out = String::new();
            for c in &cases {
                out.push_str(&format!("{:width$}  {}\n", c.case.id, c.case.description));
            }
            write_stdout(&out)?;
            Ok(ExitCode::from(EXIT_OK))
        }
    }
}

/// Applies an expected-failures list through the renderers' library, so
/// there is one reading of that file. Entries for cases outside this run
/// (filters, shards) are left out.
fn with_expected_failures(
    report: RunReport,
    expected: &cnab_report::ExpectedFailures,
) -> Result<RunReport> {
    let mut relevant = expected.clone();
    relevant.expected.retain(|e| {
        report.cases.iter().any(|c| c.id == e.id) || Catalog::embedded().contains(&e.id)
    });
    Ok(cnab_report::apply_expected_failures(
        &report,
        &relevant,
        Catalog::embedded(),
    )?)
}

/// Writes a report: a regular file atomically (temp file then rename,
/// creating parents), a device, FIFO or link written through, never
/// replaced ([`cnab_harness::io::write_file`]).
fn write_report(report: &RunReport, path: &Path) -> std::io::Result<()> {
    cnab_harness::io::write_file(path, report.to_json().as_bytes())
}

/// Ends what a run left: every descendant process (the suite is their
/// subreaper), and says so when there were any.
fn end_leftovers() {
    let n = cnab_harness::procs::end_descendants();
    if n > 0 {
        eprintln!("cnab-conformance: ended {n} process(es) the adapter left running");
    }
}

/// Reads the runtime's expected-failures file; every ID must name a case or
/// a clause, so that a typo cannot hide a failure.
fn load_expected_failures(p: &Path, cases: &[LoadedCase]) -> Result<cnab_report::ExpectedFailures> {
    let text = cnab_harness::io::read_regular_string(p, cnab_harness::io::MAX_FILE)
        .with_context(|| format!("cannot read expected failures {}", p.display()))?;
    let parsed = cnab_report::ExpectedFailures::from_toml_or_json(&text)
        .with_context(|| format!("in {}", p.display()))?;
    // A typo must not hide a failure: every ID names a case or a clause.
    let catalog = Catalog::embedded();
    let unknown: Vec<&str> = parsed
        .expected
        .iter()
        .map(|e| e.id.as_str())
        .filter(|id| !catalog.contains(id) && !cases.iter().any(|c| c.case.id == *id))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "{}: expected failures name unknown IDs (neither a case nor a clause): {}",
            p.display(),
            unknown.join(", ")
        );
    }
    Ok(parsed)
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let cases = load_cases(args.cases_dir.as_ref())?;
    if let Some(out) = &args.out {
        cnab_harness::io::check_writable(out)
            .with_context(|| format!("cannot write the report to {}", out.display()))?;
    }
    if args.timeout == 0 {
        bail!("--timeout must be at least 1 second");
    }
    let timeout = Duration::from_secs(args.timeout);
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let mut opts = RunOptions::new(exe);
    opts.timeout = timeout;
    opts.case_filters = args.cases;
    opts.clause_filters = args.clauses;
    opts.partition = args.partition;
    opts.jobs = match args.jobs {
        Some(0) => bail!("--jobs must be at least 1"),
        Some(n) => n,
        None if args.runtime != "reference" => 1,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let expected = match &args.expected_failures {
        None => None,
        Some(p) => Some(load_expected_failures(p, &cases)?),
    };
    let docker = args.driver == DriverArg::Docker;
    if let Some(m) = args.mutant.filter(|m| m.needs_docker() && !docker) {
        eprintln!("cnab-conformance: note: mutant `{m}` only shows with --driver docker");
    }
    let mut adapter: Box<dyn Adapter> = if args.runtime == "reference" {
        Box::new(ReferenceAdapter::new(args.mutant, timeout).with_docker(docker))
    } else {
        if args.mutant.is_some() {
            bail!("--mutant applies only to the built-in reference runtime");
        }
        let path = PathBuf::from(&args.runtime);
        if !path.is_file() {
            bail!("adapter `{}` is not a file", path.display());
        }
        Box::new(ProcessAdapter::new(path, args.runtime_args, timeout))
    };
    if opts.partition.is_some()
        && !cases
            .iter()
            .any(|c| cnab_harness::runner::selected(&c.case, &opts))
        && cases.iter().any(|c| {
            let mut all = opts.clone();
            all.partition = None;
            cnab_harness::runner::selected(&c.case, &all)
        })
    {
        eprintln!("cnab-conformance: note: this shard selects no case; nothing to run");
        return Ok(ExitCode::from(EXIT_OK));
    }
    opts.driver = args.driver.driver_kind(args.runtime != "reference")?;
    cnab_harness::procs::become_subreaper();
    cnab_harness::stop::catch_stop_signals();
    let ran = run_suite(adapter.as_mut(), &cases, &opts);
    end_leftovers();
    let interrupted = docker_cleanup(&opts.driver) | cnab_harness::stop::requested().is_some();
    let report = match ran {
        Ok(r) => match &expected {
            None => r,
            Some(x) => with_expected_failures(r, x)?,
        },
        Err(RunError::NothingSelected) => {
            eprintln!("cnab-conformance: no case matches the filters");
            return Ok(ExitCode::from(EXIT_CANNOT_RUN));
        }
        Err(e) => return Err(e.into()),
    };
    let out = match args.out {
        Some(p) => p,
        None => {
            let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                .to_string()
                .replace([':', '-'], "");
            let name = if report.runtime.name.is_empty() {
                "unknown"
            } else {
                &report.runtime.name
            };
            let dir = PathBuf::from("reports/runs");
            cnab_harness::io::reserve_unique(&dir, &format!("{stamp}-{}", sanitize(name)))
                .with_context(|| format!("cannot write the report in {}", dir.display()))?
        }
    };
    write_report(&report, &out)
        .with_context(|| format!("cannot write the report to {}", out.display()))?;
    match args.format {
        Format::Human => {
            write_stdout(&report.summary())?;
            eprintln!("report: {}", out.display());
        }
        Format::Json => write_stdout(&report.to_json())?,
    }
    if interrupted {
        eprintln!(
            "cnab-conformance: interrupted ({}); the report is partial, the adapter's processes were ended{}",
            report.interrupted.as_deref().unwrap_or("SIGINT"),
            if docker { " and the run's containers removed" } else { "" }
        );
        return Ok(ExitCode::from(EXIT_CANNOT_RUN));
    }
    Ok(ExitCode::from(if report.is_success() {
        EXIT_OK
    } else {
        EXIT_FAILURES
    }))
}
