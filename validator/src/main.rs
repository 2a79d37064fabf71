//! `cnab-validate`: a thin shell over the `cnab_validator` library.
//!
//! `main` only parses the arguments, runs, and maps the outcome to an exit
//! code: errors print once with their cause chain and exit 2, a closed
//! stdout (a broken pipe) ends quietly, and a failed write to stdout or
//! stderr exits 2, never 101.

mod cli;

/// mimalloc instead of the system allocator: the pipeline builds and drops
/// two trees per document, and glibc's malloc was a tenth of the profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;
use cnab_validator::exit;

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The message of a panic that `print!`/`eprint!` (and so clap) raise
/// when stdout or stderr cannot be written, if this payload is one.
fn print_failure(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    let msg = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())?;
    msg.starts_with("failed printing to std").then_some(msg)
}

/// A write to a closed pipe ends quietly (exit 0) and any other failed
/// write to stdout or stderr exits 2; neither prints a panic message nor
/// exits 101. Other panics are left as they are.
fn main() -> ExitCode {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if print_failure(info.payload()).is_none() {
            default_hook(info);
        }
    }));
    match std::panic::catch_unwind(real_main) {
        Ok(code) => code,
        Err(payload) => match print_failure(payload.as_ref()) {
            Some(m) if m.contains("Broken pipe") => ExitCode::from(exit::CLEAN),
            Some(_) => ExitCode::from(exit::ERROR),
            None => std::panic::resume_unwind(payload),
        },
    }
}

fn real_main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(exit::CLEAN),
        Err(e) => {
            eprintln!("cnab-validate: {e:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
