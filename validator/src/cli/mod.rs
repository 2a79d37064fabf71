//! The command line of `cnab-validate`, one module per job: [`args`] (what
//! clap reads), [`inputs`] (paths, globs, shards, capped reads),
//! [`parallel`] (the ordered scheduler), [`check`] (the default command,
//! streaming through `cnab_validator::render::Stream`), [`hints`] (the
//! library's hints worded with flags), [`merge`], [`fmt`] (with `digest`
//! and atomic writes) and [`clauses`] (with `explain`). Exit codes are
//! `cnab_validator::exit`.

mod args;
mod check;
mod clauses;
mod fmt;
mod hints;
mod inputs;
mod merge;
mod parallel;

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;
use cnab_validator::exit;

pub use args::Cli;
use args::Command;

/// Runs the command line and returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        None => {
            if let Some(first) = cli.check.paths.first() {
                unknown_command(first)?;
            }
            check::check(cli.check)
        }
        Some(Command::Check(args)) => check::check(args),
        Some(Command::Clauses(args)) => clauses::clauses(args),
        Some(Command::Explain { clause }) => clauses::explain(&clause),
        Some(Command::Fmt(args)) => fmt::fmt(args),
        Some(Command::Digest { profile, file }) => fmt::digest(profile.into(), &file),
        Some(Command::Merge(args)) => merge::merge(args),
        Some(Command::Completions { shell }) => {
            // Generated into memory first: clap_complete panics on a failed
            // write, and a closed or full stdout must be an error, not 101.
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "cnab-validate", &mut text);
            let mut out = io::stdout().lock();
            out.write_all(&text)?;
            out.flush()?;
            Ok(exit::CLEAN)
        }
        Some(Command::Man) => {
            let mut out = io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            out.flush()?;
            Ok(exit::CLEAN)
        }
    }
}

/// Refuses a first path that is no file and reads as a misspelt command
/// (`cnab-validate chek x.json`), rather than reporting a missing file.
fn unknown_command(first: &std::path::Path) -> Result<()> {
    let Some(word) = first.to_str() else {
        return Ok(());
    };
    if word == "-" || word.contains(['.', '/']) || first.exists() {
        return Ok(());
    }
    let command = Cli::command();
    let near = command
        .get_subcommands()
        .map(|c| c.get_name())
        .map(|name| (strsim::damerau_levenshtein(word, name), name))
        .filter(|(d, name)| *d <= (name.len() / 3).max(1))
        .min_by_key(|(d, _)| *d);
    match near {
        Some((_, name)) => {
            anyhow::bail!("unknown command `{word}`; did you mean `{name}`?")
        }
        None => Ok(()),
    }
}
