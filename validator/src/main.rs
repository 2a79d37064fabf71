//! `cnab-validate`: a thin shell over the `cnab_validator` library.
//!
//! `main` only parses the arguments, runs, and maps the outcome to an exit
//! code: errors print once with their cause chain and exit 2, and a closed
//! stdout (a broken pipe) ends quietly.

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

fn main() -> ExitCode {
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
