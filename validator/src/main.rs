//! `cnab-validate`: a thin shell over the `cnab_validator` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cnab_model::{catalog, Catalog, CheckKind, Level};

/// Validate CNAB documents against the spec.
#[derive(Parser)]
#[command(name = "cnab-validate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the clause catalog.
    Clauses {
        /// Only clauses of this level (must, should, may).
        #[arg(long)]
        level: Option<Level>,
        /// Only clauses of this check kind (static, runtime, n-a).
        #[arg(long)]
        kind: Option<CheckKind>,
        /// Output format.
        #[arg(long, default_value = "human")]
        format: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Clauses {
            level,
            kind,
            format,
        } => {
            let cat = Catalog::embedded();
            let list = cat.filter(level, kind);
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&list).unwrap()),
                _ => print!("{}", catalog::render_table(&list)),
            }
            ExitCode::SUCCESS
        }
    }
}
