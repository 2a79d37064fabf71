//! `cnab-conformance report`: render, diff, merge and expected failures of run reports.

use super::*;

#[derive(Subcommand)]
pub(super) enum ReportCommand {
    /// Render reports: junit, markdown, html (several runtimes side by side)
    /// or badge (one report).
    Render {
        /// The format.
        #[arg(long)]
        format: cnab_report::Format,
        /// The JSON reports.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
    /// Compare two reports; exits 1 when a case got worse.
    Diff {
        /// The older report.
        old: PathBuf,
        /// The newer report.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Merge the reports of the shards of one run.
    Merge {
        /// The shard reports.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Where to write the merged report (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn read_reports(paths: &[PathBuf]) -> Result<Vec<RunReport>> {
    paths
        .iter()
        .map(|p| {
            let text = cnab_harness::io::read_regular_string(p, cnab_harness::io::MAX_FILE)
                .with_context(|| format!("cannot read {}", p.display()))?;
            RunReport::from_json(&text).with_context(|| format!("in {}", p.display()))
        })
        .collect()
}

pub(super) fn report_command(command: ReportCommand) -> Result<ExitCode> {
    match command {
        ReportCommand::Render { format, reports } => {
            let reports = read_reports(&reports)?;
            write_stdout(&cnab_report::render(&reports, format)?)?;
            Ok(ExitCode::from(EXIT_OK))
        }
        ReportCommand::Diff { old, new, format } => {
            let r = read_reports(&[old, new])?;
            let d = cnab_report::diff(&r[0], &r[1]);
            match format {
                Format::Human => write_stdout(&format!("{d}\n"))?,
                Format::Json => write_stdout(&format!("{}\n", serde_json::to_string_pretty(&d)?))?,
            }
            Ok(ExitCode::from(if d.regressions().next().is_some() {
                EXIT_FAILURES
            } else {
                EXIT_OK
            }))
        }
        ReportCommand::Merge { reports, out } => {
            let merged = cnab_report::merge(&read_reports(&reports)?)?;
            match out {
                Some(p) => write_report(&merged, &p)
                    .with_context(|| format!("cannot write {}", p.display()))?,
                None => write_stdout(&merged.to_json())?,
            }
            Ok(ExitCode::from(EXIT_OK))
        }
    }
}
