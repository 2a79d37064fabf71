//! Renders JSON run reports: `cargo run -p cnab-report --example render --
//! FORMAT REPORT.json...`, where FORMAT is junit, markdown, html or badge.
//! A stand-in until the `cnab-conformance` CLI exposes the renderers.

use std::process::ExitCode;

use cnab_report::{render, Format, RunReport};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((format, files)) = args.split_first() else {
        eprintln!("usage: render FORMAT REPORT.json...");
        return ExitCode::from(2);
    };
    let format: Format = match format.parse() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reports = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {file}: {e}");
                return ExitCode::from(2);
            }
        };
        match RunReport::from_json(&text) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {file}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    match render(&reports, format) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
