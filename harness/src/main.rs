//! `cnab-conformance`: runs the conformance cases against a CNAB runtime.
//!
//! Invoked as `cnab-<name>` (through the observer symlink the harness puts on
//! the runtime's PATH), the binary acts as a cnab-go command driver instead.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv0 = std::env::args().next().unwrap_or_default();
    if cnab_harness::driver::observer::invoked_as_driver(&argv0) {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let code = cnab_harness::driver::observer::driver_main(&args);
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    match cli::main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cnab-conformance: error: {e:#}");
            ExitCode::from(cli::EXIT_CANNOT_RUN)
        }
    }
}
