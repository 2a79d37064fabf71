//! The command line: parsing, then thin calls into the library.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use cnab_harness::adapter::{serve_reference, Adapter, ProcessAdapter, ReferenceAdapter};
use cnab_harness::case::{self, LoadedCase};
use cnab_harness::coverage;
use cnab_harness::reference::Mutant;
use cnab_harness::report::REPORT_SCHEMA;
use cnab_harness::runner::{run_suite, RunError, RunOptions};
use cnab_harness::selftest::run_selftest;
use cnab_model::{catalog::render_table, Catalog, CheckKind, Level};

/// Every verdict is pass, skip or xfail.
pub const EXIT_OK: u8 = 0;
/// A fail, error or unexpected pass, a broken case file, a surviving mutant.
pub const EXIT_FAILURES: u8 = 1;
/// The suite could not run (usage, I/O, nothing selected).
pub const EXIT_CANNOT_RUN: u8 = 2;

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
    /// Run the suite against the reference runtime and each of its mutants.
    Selftest {
        /// Only these mutants (default: all).
        #[arg(long = "mutant")]
        mutants: Vec<Mutant>,
        /// Timeout of each adapter call, in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Act as an adapter (`cnab-conformance adapter reference <verb>`).
    Adapter {
        #[command(subcommand)]
        adapter: AdapterCommand,
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
    /// Check case files: schema, unique IDs, known clauses and capabilities.
    Check {
        /// A directory of case files (default: the embedded cases).
        dir: Option<PathBuf>,
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
        /// Run a mutant instead of the faithful runtime.
        #[arg(long)]
        mutant: Option<Mutant>,
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
    /// Only cases whose ID starts with this (repeatable).
    #[arg(long = "case")]
    cases: Vec<String>,
    /// Only cases checking a clause whose ID starts with this (repeatable).
    #[arg(long = "clause")]
    clauses: Vec<String>,
    /// Timeout of each adapter call, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Where to write the JSON report (default: reports/runs/<time>-<runtime>.json).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Read case files from this directory instead of the embedded ones.
    #[arg(long)]
    cases_dir: Option<PathBuf>,
    /// A file listing cases expected to fail (one case ID per line, then an
    /// optional reason; `#` comments).
    #[arg(long)]
    expected_failures: Option<PathBuf>,
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
        Command::Cases { command } => match command {
            CasesCommand::Check { dir } => {
                let files = match &dir {
                    Some(d) => case::read_dir(d)?,
                    None => case::embedded_files(),
                };
                match case::load(&files) {
                    Ok(cases) => {
                        write_stdout(&format!(
                            "{} case file(s), {} case(s): ok\n",
                            files.len(),
                            cases.len()
                        ))?;
                        Ok(ExitCode::from(EXIT_OK))
                    }
                    Err(case::CaseError::Invalid(problems)) => {
                        for p in &problems {
                            eprintln!("{p}");
                        }
                        eprintln!("{} problem(s) in case files", problems.len());
                        Ok(ExitCode::from(EXIT_FAILURES))
                    }
                    Err(e) => Err(e.into()),
                }
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
        },
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
        Command::Selftest { mutants, timeout } => {
            let cases = load_cases(None)?;
            let mutants = if mutants.is_empty() {
                Mutant::ALL.to_vec()
            } else {
                mutants
            };
            let exe = std::env::current_exe().context("cannot find this executable")?;
            let st = run_selftest(
                &cases,
                exe,
                Duration::from_secs(timeout.max(1)),
                &mutants,
                std::io::stderr().is_terminal(),
            )?;
            write_stdout(&st.summary())?;
            Ok(ExitCode::from(if st.is_success() {
                EXIT_OK
            } else {
                EXIT_FAILURES
            }))
        }
        Command::Adapter {
            adapter:
                AdapterCommand::Reference {
                    mutant,
                    timeout,
                    verb,
                },
        } => {
            let mut input = Vec::new();
            std::io::stdin()
                .take(64 << 20)
                .read_to_end(&mut input)
                .context("cannot read the request")?;
            let reply = serve_reference(&verb, &input, mutant, Duration::from_secs(timeout.max(1)));
            write_stdout(&format!("{reply}\n"))?;
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Schema { which } => {
            write_stdout(match which {
                SchemaKind::Report => REPORT_SCHEMA,
                SchemaKind::Case => case::CASE_SCHEMA,
            })?;
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Driver { args } => {
            let code = cnab_harness::observe::driver_main(&args);
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
    }
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let cases = load_cases(args.cases_dir.as_ref())?;
    if args.timeout == 0 {
        bail!("--timeout must be at least 1 second");
    }
    let timeout = Duration::from_secs(args.timeout);
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let mut opts = RunOptions::new(exe);
    opts.timeout = timeout;
    opts.case_filters = args.cases;
    opts.clause_filters = args.clauses;
    if let Some(p) = &args.expected_failures {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read expected failures {}", p.display()))?;
        opts.expected_failures = cnab_harness::runner::parse_expected_failures(&text);
    }
    let mut adapter: Box<dyn Adapter> = if args.runtime == "reference" {
        Box::new(ReferenceAdapter::new(args.mutant, timeout))
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
    let report = match run_suite(adapter.as_mut(), &cases, &opts) {
        Ok(r) => r,
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
            PathBuf::from("reports/runs").join(format!("{stamp}-{}.json", sanitize(name)))
        }
    };
    report
        .write(&out)
        .with_context(|| format!("cannot write the report to {}", out.display()))?;
    match args.format {
        Format::Human => {
            write_stdout(&report.summary())?;
            eprintln!("report: {}", out.display());
        }
        Format::Json => write_stdout(&report.to_json())?,
    }
    Ok(ExitCode::from(if report.is_success() {
        EXIT_OK
    } else {
        EXIT_FAILURES
    }))
}
