//! `cnab-conformance`: runs the conformance cases against a CNAB runtime.
//!
//! Invoked as `cnab-<name>` (through the observer symlink the harness puts on
//! the runtime's PATH), the binary acts as a cnab-go command driver instead.

mod cli;

use std::io::Write;
use std::process::ExitCode;

/// The message of a panic that `print!`/`eprint!` raise when stdout or
/// stderr cannot be written, if this payload is one.
fn print_failure(payload: &(dyn std::any::Any + Send)) -> bool {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .is_some_and(|m| m.starts_with("failed printing to std"))
}

/// A failed write to stdout or stderr (closed pipe, full disk) ends the
/// command quietly with exit 2 after the usual cleanup (destructors run),
/// never with a panic message and 101. Other panics are left as they are.
fn main() -> ExitCode {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !print_failure(info.payload()) {
            default_hook(info);
        }
    }));
    match std::panic::catch_unwind(real_main) {
        Ok(code) => code,
        Err(payload) if print_failure(payload.as_ref()) => ExitCode::from(cli::EXIT_CANNOT_RUN),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

fn real_main() -> ExitCode {
    let argv0 = std::env::args().next().unwrap_or_default();
    if cnab_harness::driver::observer::invoked_as_driver(&argv0) {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let code = cnab_harness::driver::observer::driver_main(&args);
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    match cli::main() {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "cnab-conformance: error: {e:#}");
            ExitCode::from(cli::EXIT_CANNOT_RUN)
        }
    }
}
