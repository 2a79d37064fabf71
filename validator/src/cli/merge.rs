//! `cnab-validate merge`: JSON reports of shards joined into one.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use cnab_model::Level;
use cnab_validator::exit;
use cnab_validator::render::{self, Summary};

use super::args::MergeArgs;
use super::inputs::Input;

/// Concatenates JSON reports (from `check --format json`, one per shard)
/// into one, sorted by path, with the summary recomputed.
pub fn merge(args: MergeArgs) -> Result<u8> {
    let mut files = Vec::new();
    let mut level: Option<Level> = None;
    for path in &args.reports {
        let input = Input::of(path);
        let name = input.name();
        let bytes = input
            .read()
            .with_context(|| format!("cannot read `{name}`"))?;
        let report: render::json::JsonReport = serde_json::from_slice(&bytes)
            .with_context(|| format!("`{name}` is not a cnab-validate JSON report"))?;
        if report.format_version != render::json::FORMAT_VERSION {
            bail!(
                "`{name}` has format_version {}, this cnab-validate reads {}",
                report.format_version,
                render::json::FORMAT_VERSION
            );
        }
        match level {
            Some(l) if l != report.summary.level => bail!(
                "`{name}` was made with --level {}, an earlier report with --level {l}",
                report.summary.level
            ),
            _ => level = Some(report.summary.level),
        }
        files.extend(report.files);
    }
    let level = level.unwrap_or(Level::Must);
    // Path order is the walk order of one root (components compare one by
    // one, as the walk sorts each directory by name).
    files.sort_by(|a, b| Path::new(&a.path).cmp(Path::new(&b.path)));
    let mut summary = Summary::new(level);
    for f in &files {
        summary.add_file(f.findings.iter().map(|x| (x.level, x.clause.as_str())));
    }
    let failed = summary.fails();
    let doc = render::json::JsonReport {
        format_version: render::json::FORMAT_VERSION,
        files,
        summary: render::json::JsonSummary::from(&summary),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    // Through `io::Error`, so that a closed stdout is seen as a broken pipe.
    serde_json::to_writer_pretty(&mut out, &doc).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(if failed { exit::FINDINGS } else { exit::CLEAN })
}
