//! What to check: the paths given, directories walked with the globs, the
//! shard kept, and each input read no further than the parser's size limit.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use cnab_validator::json::{self, LineIndex, ParseLimits};
use globset::{Glob, GlobSet, GlobSetBuilder};

use super::args::CheckArgs;

/// What to check: a file on disk or stdin.
#[derive(Debug, Clone)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// The input a path names (`-` is stdin).
    pub fn of(path: &Path) -> Input {
        if path.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(path.to_path_buf())
        }
    }

    /// The name shown for the input.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string(),
        }
    }

    /// Reads the input, but never more than one byte over the parser's size
    /// limit (see [`ParseLimits::read`]).
    pub fn read(&self) -> io::Result<Vec<u8>> {
        let limits = ParseLimits::default();
        match self {
            Input::Stdin => limits.read(io::stdin().lock(), 0),
            Input::File(p) => {
                let file = fs::File::open(p)?;
                let hint = file.metadata().map_or(0, |m| m.len());
                limits.read(file, hint)
            }
        }
    }
}

fn globset(patterns: &[String], flag: &str) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).with_context(|| format!("invalid {flag} glob `{p}`"))?);
    }
    Ok(b.build()?)
}

/// Reads and parses the bundle given with `--bundle`.
pub fn load_bundle(path: &Path) -> Result<serde_json::Value> {
    let bytes = Input::of(path)
        .read()
        .with_context(|| format!("cannot read --bundle `{}`", path.display()))?;
    let parsed = json::parse(&bytes, &ParseLimits::default()).map_err(|e| {
        let (line, col) = LineIndex::new(&bytes).line_col(&bytes, e.offset);
        anyhow!(
            "--bundle `{}` is not JSON: {} at {line}:{col}",
            path.display(),
            e.message
        )
    })?;
    Ok(parsed.root.to_value())
}

/// The partition key of a path: its components joined with `/`.
fn partition_key(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Expands directories into the files they hold that match the globs, and
/// keeps those of the partition. Returns the inputs and the errors met while
/// walking.
pub fn collect_inputs(args: &CheckArgs) -> Result<(Vec<Input>, Vec<String>)> {
    let include = if args.include.is_empty() {
        globset(&["*.json".to_string()], "--include")?
    } else {
        globset(&args.include, "--include")?
    };
    let exclude = globset(&args.exclude, "--exclude")?;
    let wanted = |key: &str| args.partition.is_none_or(|p| p.contains(key));
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            if wanted("<stdin>") {
                inputs.push(Input::Stdin);
            }
            continue;
        }
        if !path.is_dir() {
            // Files named on the command line are checked whatever their name.
            if wanted(&partition_key(path)) {
                inputs.push(Input::of(path));
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e.path().strip_prefix(path).unwrap_or(e.path());
                    let name = e.file_name();
                    let matched = include.is_match(rel) || include.is_match(name);
                    let skipped = exclude.is_match(rel) || exclude.is_match(name);
                    if matched && !skipped && wanted(&partition_key(rel)) {
                        inputs.push(Input::File(e.path().to_path_buf()));
                    }
                }
                Ok(_) => {}
                Err(e) => errors.push(format!("cannot walk `{}`: {e}", path.display())),
            }
        }
    }
    Ok((inputs, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_join_components_with_slashes() {
        assert_eq!(partition_key(Path::new("a/b/c.json")), "a/b/c.json");
        assert_eq!(partition_key(Path::new("./a//b.json")), "./a/b.json");
    }
}
