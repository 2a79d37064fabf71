//! `cnab-validate check`: inputs checked on worker threads and streamed to
//! stdout in input order through the format's renderer.

use std::io::{self, IsTerminal};

use anyhow::{bail, Result};
use cnab_validator::render::{Format, RenderOptions, Stream};
use cnab_validator::{exit, Report, ValidatorBuilder};

use super::args::{CheckArgs, ColorArg};
use super::hints;
use super::inputs::{collect_inputs, load_bundle};
use super::parallel::ordered_parallel;

fn use_color(choice: ColorArg) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal(),
    }
}

/// The most worker threads `--jobs` starts: more only adds threads
/// waiting on the disk.
pub const MAX_JOBS: usize = 256;

/// Checks the documents and returns the exit code.
pub fn check(args: CheckArgs) -> Result<u8> {
    if args.paths.is_empty() {
        bail!("no input: give files, directories or `-` for stdin (see --help)");
    }
    let bundle = args.bundle.as_deref().map(load_bundle).transpose()?;
    let validator = ValidatorBuilder::new()
        .kind(args.kind)
        .spec_version(args.spec_version)
        .canonical(args.canonical.into())
        .release(args.release)
        .bundle(bundle)
        .build();
    let (inputs, walk_errors) = collect_inputs(&args)?;
    if inputs.is_empty() && walk_errors.is_empty() && args.partition.is_none() {
        bail!("no files matched under the given directories");
    }
    if inputs.is_empty() && walk_errors.is_empty() {
        eprintln!("cnab-validate: note: this shard selects none of the files; nothing to check");
    }
    for e in &walk_errors {
        eprintln!("cnab-validate: {e}");
    }
    let jobs = match args.jobs {
        Some(0) => bail!("--jobs must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
    .min(MAX_JOBS);
    let options = RenderOptions {
        color: use_color(args.color),
        level: args.level.into(),
    };
    let format: Format = args.format.into();
    let stream = std::cell::RefCell::new(Stream::new(
        format,
        options,
        io::BufWriter::new(io::stdout().lock()),
    )?);
    let mut read_errors = 0usize;
    ordered_parallel(
        &inputs,
        jobs,
        16 * jobs,
        |input| -> std::result::Result<Report, String> {
            let bytes = input
                .read()
                .map_err(|e| format!("cannot read `{}`: {e}", input.name()))?;
            let mut report = validator.check_read(&input.name(), bytes);
            if report.findings.is_empty() {
                // The source is only read to locate findings; without any,
                // the document's bytes need not leave the worker.
                report.source = Vec::new();
            }
            hints::word(&mut report);
            Ok(report)
        },
        |done| -> io::Result<()> {
            match done {
                Ok(report) => stream.borrow_mut().file(&report),
                Err(e) => {
                    read_errors += 1;
                    eprintln!("cnab-validate: {e}");
                    Ok(())
                }
            }
        },
        || stream.borrow_mut().flush(),
    )?;
    let summary = stream.into_inner().finish()?;
    Ok(if read_errors > 0 || !walk_errors.is_empty() {
        exit::ERROR
    } else if summary.fails() {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}
