//! The command line of `cnab-validate`: argument definitions and the glue
//! that runs the library and maps outcomes to exit codes (see
//! `cnab_validator::exit`).

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use cnab_model::{
    catalog, Catalog, CheckKind, Clause, DocumentKind, Level, Partition, SpecVersion,
};
use cnab_validator::exit;
use cnab_validator::json::canonical::{canonicalize, is_canonical, Profile};
use cnab_validator::json::{self, LineIndex, ParseLimits};
use cnab_validator::render::{self, Format, RenderOptions};
use cnab_validator::{
    rules, schema, CanonicalMode, Report, Validator, ValidatorBuilder, PIPELINE_CLAUSES,
};
use globset::{Glob, GlobSet, GlobSetBuilder};
use sha2::{Digest, Sha256};

/// Validate CNAB documents (bundles, claims, claim results, relocation
/// mappings, dependencies, parameter sources, status) against the spec.
///
/// With no subcommand, `cnab-validate PATH...` is `cnab-validate check PATH...`.
#[derive(Parser, Debug)]
#[command(
    name = "cnab-validate",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 clean, 1 findings at or above --level, 2 usage or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check documents (the default subcommand).
    Check(CheckArgs),
    /// List the clause catalog.
    Clauses(ClausesArgs),
    /// Explain one clause: level, source, summary, links, notes, example.
    Explain {
        /// The clause ID (`core.bundle.version.semver2`).
        clause: String,
    },
    /// Print, check or rewrite files in canonical JSON form.
    Fmt(FmtArgs),
    /// Print the sha256 digest of a file's canonical form (`sha256:<hex>`).
    Digest {
        /// The canonical JSON profile.
        #[arg(long, value_enum, default_value_t = ProfileArg::Jcs)]
        profile: ProfileArg,
        /// The file (`-` for stdin).
        file: PathBuf,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Merge JSON reports (`--format json`, one per shard) into one: the
    /// `files` arrays are concatenated and sorted by path, and the summary is
    /// recomputed. Exits 1 when a merged file fails, like `check`.
    Merge(MergeArgs),
}

#[derive(Args, Debug)]
struct MergeArgs {
    /// The JSON reports (`-` for stdin).
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
}

#[derive(Args, Debug, Clone)]
struct CheckArgs {
    /// Files or directories to check (`-` for stdin, shown as `<stdin>`).
    /// Directories are walked recursively.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Glob of files to check inside directories (repeatable; default `*.json`).
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Glob of files to skip inside directories (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Judge every document as this kind instead of detecting it (bundle,
    /// claim, claim-result, output, relocation-mapping, dependencies,
    /// parameter-sources, status).
    #[arg(long)]
    kind: Option<DocumentKind>,
    /// Judge every document under this spec version instead of reading it
    /// from `schemaVersion` (cnab-core-1.0.0, cnab-core-1.0.1,
    /// cnab-core-1.1.0, cnab-core-1.2.0, cnab-claims-1.0.0-DRAFT+b5ed2f3,
    /// cnab-claims-1.0.0; `v1.2.0` and `claims-1.0.0` also work).
    #[arg(long, value_name = "VERSION")]
    spec_version: Option<SpecVersion>,
    /// Which canonical JSON profile bundles must follow; `auto` accepts either.
    #[arg(long, value_enum, default_value_t = CanonicalArg::Auto)]
    canonical: CanonicalArg,
    /// Release strictness: every image must carry a `contentDigest`.
    #[arg(long)]
    release: bool,
    /// The bundle that relocation mappings and claims are judged against.
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this level.
    #[arg(long, value_enum, default_value_t = LevelArg::Must)]
    level: LevelArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// When to colour the human format (`NO_COLOR` turns `auto` off).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Check only shard k of n (`k/n` or `hash:k/n`): a file belongs to
    /// shard `fnv1a64(path relative to its directory argument) % n + 1`, so
    /// it stays there as the corpus grows. The shards are disjoint and
    /// together check every file (merge their JSON with `merge`).
    #[arg(long, value_name = "k/n")]
    partition: Option<Partition>,
    /// Worker threads (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
}

#[derive(Args, Debug)]
struct ClausesArgs {
    /// Only clauses of this level.
    #[arg(long, value_enum)]
    level: Option<LevelArg>,
    /// Only clauses of this check kind.
    #[arg(long, value_enum)]
    kind: Option<CheckArg>,
    /// Show how each static clause is checked (schema, rule, pipeline, not
    /// checkable, unchecked).
    #[arg(long)]
    coverage: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
}

#[derive(Args, Debug)]
struct FmtArgs {
    /// The canonical JSON profile.
    #[arg(long, value_enum, default_value_t = ProfileArg::Jcs)]
    profile: ProfileArg,
    /// Replace each file with its canonical form (atomically; never when it
    /// does not parse).
    #[arg(long, conflicts_with = "check")]
    write: bool,
    /// Exit 1 when a file is not canonical; print nothing else.
    #[arg(long)]
    check: bool,
    /// Files (`-` for stdin, not with --write).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CanonicalArg {
    Auto,
    Olpc,
    Jcs,
    Off,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ProfileArg {
    Olpc,
    Jcs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LevelArg {
    Must,
    Should,
    May,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckArg {
    Static,
    Runtime,
    #[value(name = "n-a")]
    NotApplicable,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ListFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Must => Level::Must,
            LevelArg::Should => Level::Should,
            LevelArg::May => Level::May,
        }
    }
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Olpc => Profile::Olpc,
            ProfileArg::Jcs => Profile::Jcs,
        }
    }
}

impl From<CanonicalArg> for CanonicalMode {
    fn from(c: CanonicalArg) -> CanonicalMode {
        match c {
            CanonicalArg::Auto => CanonicalMode::Auto,
            CanonicalArg::Olpc => CanonicalMode::Olpc,
            CanonicalArg::Jcs => CanonicalMode::Jcs,
            CanonicalArg::Off => CanonicalMode::Off,
        }
    }
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
            FormatArg::Junit => Format::Junit,
        }
    }
}

/// Runs the command line and returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        None => check(cli.check),
        Some(Command::Check(args)) => check(args),
        Some(Command::Clauses(args)) => clauses(args),
        Some(Command::Explain { clause }) => explain(&clause),
        Some(Command::Fmt(args)) => fmt(args),
        Some(Command::Digest { profile, file }) => digest(profile.into(), &file),
        Some(Command::Merge(args)) => merge(args),
        Some(Command::Completions { shell }) => {
            let mut out = io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "cnab-validate", &mut out);
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

/// What to check: a file on disk or stdin.
#[derive(Debug, Clone)]
enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string(),
        }
    }

    /// Reads the input, but never more than one byte over the parser's size
    /// limit: an input known to be too large is not read further, so that
    /// `/dev/zero`, an endless pipe or a huge file cannot exhaust memory.
    fn read(&self) -> io::Result<Vec<u8>> {
        let cap = read_cap();
        let mut buf = Vec::new();
        match self {
            Input::Stdin => {
                io::stdin().lock().take(cap).read_to_end(&mut buf)?;
            }
            Input::File(p) => {
                let file = fs::File::open(p)?;
                let hint = file.metadata().map_or(0, |m| m.len().min(cap));
                buf.reserve_exact(usize::try_from(hint).unwrap_or(0));
                file.take(cap).read_to_end(&mut buf)?;
            }
        }
        Ok(buf)
    }
}

/// The most bytes [`Input::read`] reads: one more than the parser accepts.
fn read_cap() -> u64 {
    u64::try_from(ParseLimits::default().max_bytes).map_or(u64::MAX, |m| m.saturating_add(1))
}

/// Checks bytes read by [`Input::read`]. When the read stopped at the cap,
/// the size finding says so rather than quoting the size read.
fn check_read(validator: &Validator, name: &str, bytes: Vec<u8>) -> Report {
    let stopped = u64::try_from(bytes.len()).is_ok_and(|n| n >= read_cap());
    let mut report = validator.check_owned(name, bytes);
    if stopped {
        for f in report
            .findings
            .iter_mut()
            .filter(|f| f.clause == "json.limits")
        {
            f.message = format!(
                "the document is larger than the limit of {} bytes (reading stopped there); not checked",
                ParseLimits::default().max_bytes
            );
        }
    }
    report
}

fn input_of(path: &Path) -> Input {
    if path.as_os_str() == "-" {
        Input::Stdin
    } else {
        Input::File(path.to_path_buf())
    }
}

fn globset(patterns: &[String], flag: &str) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).with_context(|| format!("invalid {flag} glob `{p}`"))?);
    }
    Ok(b.build()?)
}

fn use_color(choice: ColorArg) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal(),
    }
}

fn load_bundle(path: &Path) -> Result<serde_json::Value> {
    let bytes = input_of(path)
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
fn collect_inputs(args: &CheckArgs) -> Result<(Vec<Input>, Vec<String>)> {
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
                inputs.push(input_of(path));
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

/// What a worker hands back for one document: the part of the output the
/// format needs, already rendered or reduced, plus the counts. The document's
/// bytes are dropped before this leaves the worker.
enum Piece {
    /// Human and GitHub formats: the finished text.
    Text(Vec<u8>),
    /// JSON format: the document's entry of `files`.
    Json(Box<render::json::JsonFile>),
    /// SARIF: the document's results and the rules they name.
    Sarif {
        results: Vec<serde_json::Value>,
        rules: Vec<serde_json::Value>,
    },
    /// JUnit: the document's test suite.
    Junit(cnab_junit::JunitSuite),
}

/// The counts of one document, for the summary and the exit code.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    fails: bool,
    must: usize,
    should: usize,
    may: usize,
}

impl Tally {
    fn of(report: &Report, level: Level) -> Tally {
        let mut t = Tally {
            fails: report.fails_at(level),
            ..Tally::default()
        };
        for f in &report.findings {
            match f.level {
                Level::Must => t.must += 1,
                Level::Should => t.should += 1,
                Level::May => t.may += 1,
            }
        }
        t
    }
}

/// Reduces a report to the piece of output its format needs.
fn piece(format: Format, mut report: Report, options: &RenderOptions) -> io::Result<Piece> {
    if report.findings.is_empty() {
        // The source is only read to locate findings; without any, the
        // renderers need not index its lines.
        report.source = Vec::new();
    }
    let one = std::slice::from_ref(&report);
    Ok(match format {
        Format::Human => {
            let mut text = Vec::new();
            render::human::render(one, options, &mut text)?;
            // The renderer ends with a one-line summary of the reports it was
            // given; the run's summary is written once, at the end.
            let body = text[..text.len().saturating_sub(1)]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            text.truncate(body);
            Piece::Text(text)
        }
        Format::Github => {
            let mut text = Vec::new();
            render::github::render(one, options, &mut text)?;
            Piece::Text(text)
        }
        Format::Json => {
            let mut doc = render::json::build(one, options);
            Piece::Json(Box::new(doc.files.remove(0)))
        }
        Format::Sarif => {
            let mut doc = render::sarif::build(one);
            let run = &mut doc["runs"][0];
            let take = |v: &mut serde_json::Value| match v.take() {
                serde_json::Value::Array(a) => a,
                _ => Vec::new(),
            };
            Piece::Sarif {
                results: take(&mut run["results"]),
                rules: take(&mut run["tool"]["driver"]["rules"]),
            }
        }
        Format::Junit => Piece::Junit(
            render::junit::suites(one, options)
                .pop()
                .unwrap_or_default(),
        ),
    })
}

/// Collects pieces in input order and writes the output. Text formats are
/// written as they come; the single-document formats (json, sarif, junit)
/// keep only the small per-file pieces until the end.
struct Output<W: Write> {
    out: W,
    format: Format,
    options: RenderOptions,
    files: usize,
    totals: Tally,
    failed_files: usize,
    json: Vec<render::json::JsonFile>,
    sarif_results: Vec<serde_json::Value>,
    sarif_rules: std::collections::BTreeMap<String, serde_json::Value>,
    junit: Vec<cnab_junit::JunitSuite>,
}

impl<W: Write> Output<W> {
    fn new(out: W, format: Format, options: RenderOptions) -> Self {
        Output {
            out,
            format,
            options,
            files: 0,
            totals: Tally::default(),
            failed_files: 0,
            json: Vec::new(),
            sarif_results: Vec::new(),
            sarif_rules: Default::default(),
            junit: Vec::new(),
        }
    }

    fn push(&mut self, piece: Piece, tally: Tally) -> io::Result<()> {
        self.files += 1;
        self.failed_files += usize::from(tally.fails);
        self.totals.fails |= tally.fails;
        self.totals.must += tally.must;
        self.totals.should += tally.should;
        self.totals.may += tally.may;
        match piece {
            Piece::Text(t) => self.out.write_all(&t)?,
            Piece::Json(f) => self.json.push(*f),
            Piece::Sarif { results, rules } => {
                self.sarif_results.extend(results);
                for rule in rules {
                    let id = rule["id"].as_str().unwrap_or_default().to_string();
                    self.sarif_rules.entry(id).or_insert(rule);
                }
            }
            Piece::Junit(s) => self.junit.push(s),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes what comes after the last file and returns whether any file
    /// fails at the chosen level.
    fn finish(mut self) -> io::Result<bool> {
        let t = self.totals;
        let level = self.options.level;
        match self.format {
            Format::Human => writeln!(
                self.out,
                "checked {} file(s): {} finding(s) ({} must, {} should, {} may); {} file(s) fail at level {}",
                self.files,
                t.must + t.should + t.may,
                t.must,
                t.should,
                t.may,
                self.failed_files,
                level
            )?,
            Format::Github => {}
            Format::Json => {
                let doc = render::json::JsonReport {
                    format_version: render::json::FORMAT_VERSION,
                    files: std::mem::take(&mut self.json),
                    summary: render::json::JsonSummary {
                        files: self.files,
                        failed_files: self.failed_files,
                        findings: t.must + t.should + t.may,
                        must: t.must,
                        should: t.should,
                        may: t.may,
                        level,
                    },
                };
                serde_json::to_writer_pretty(&mut self.out, &doc)?;
                writeln!(self.out)?;
            }
            Format::Sarif => {
                let mut doc = render::sarif::build(&[]);
                let run = &mut doc["runs"][0];
                run["results"] = serde_json::Value::Array(std::mem::take(&mut self.sarif_results));
                run["tool"]["driver"]["rules"] = serde_json::Value::Array(
                    std::mem::take(&mut self.sarif_rules).into_values().collect(),
                );
                serde_json::to_writer_pretty(&mut self.out, &doc)?;
                writeln!(self.out)?;
            }
            Format::Junit => cnab_junit::write_junit(&mut self.out, "cnab-validate", &self.junit)?,
        }
        self.out.flush()?;
        Ok(t.fails)
    }
}

/// Runs `work` over `items` on `jobs` worker threads and hands each result to
/// `emit` in input order, as soon as it and every earlier one are done.
///
/// Workers never run more than `window` items ahead of the next one to emit,
/// so at most `jobs` items are being worked on and at most `window` results
/// wait for an earlier one. `emit` is called on the calling thread; when it
/// fails, the workers stop taking items and the error is returned. `flush`
/// is called whenever no further result is ready.
fn ordered_parallel<I, T, E>(
    items: &[I],
    jobs: usize,
    window: usize,
    work: impl Fn(&I) -> T + Sync,
    mut emit: impl FnMut(T) -> std::result::Result<(), E>,
    mut flush: impl FnMut() -> std::result::Result<(), E>,
) -> std::result::Result<(), E>
where
    I: Sync,
    T: Send,
{
    use std::collections::BTreeMap;
    use std::sync::{mpsc, Condvar, Mutex};

    struct Progress {
        next: usize,
        emitted: usize,
        stop: bool,
    }
    let window = window.max(1);
    let state = Mutex::new(Progress {
        next: 0,
        emitted: 0,
        stop: false,
    });
    let moved = Condvar::new();
    let (tx, rx) = mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            let tx = tx.clone();
            let (state, moved, work) = (&state, &moved, &work);
            // Deeply nested documents (up to the parser's depth limit)
            // recurse in the schema validator and the rules, so the workers
            // get a generous stack.
            std::thread::Builder::new()
                .name("cnab-validate-worker".into())
                .stack_size(64 << 20)
                .spawn_scoped(scope, move || loop {
                    let i = {
                        let mut p = state.lock().unwrap_or_else(|e| e.into_inner());
                        while !p.stop && p.next < items.len() && p.next >= p.emitted + window {
                            p = moved.wait(p).unwrap_or_else(|e| e.into_inner());
                        }
                        if p.stop || p.next >= items.len() {
                            return;
                        }
                        p.next += 1;
                        p.next - 1
                    };
                    let done =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&items[i])));
                    let result = match done {
                        Ok(result) => result,
                        Err(panic) => {
                            // The other workers would wait forever for this
                            // item to be written: stop them, then let the
                            // panic reach the scope.
                            state.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
                            moved.notify_all();
                            std::panic::resume_unwind(panic);
                        }
                    };
                    if tx.send((i, result)).is_err() {
                        return;
                    }
                })
                .expect("the operating system starts a worker thread");
        }
        drop(tx);
        let mut pending: BTreeMap<usize, T> = BTreeMap::new();
        let mut emitted = 0;
        let mut outcome = Ok(());
        while emitted < items.len() {
            let Ok(first) = rx.recv() else { break };
            pending.insert(first.0, first.1);
            // Take every result that is already waiting, so that the output
            // is flushed once per batch rather than once per file.
            while let Ok((i, result)) = rx.try_recv() {
                pending.insert(i, result);
            }
            let before = emitted;
            while let Some(result) = pending.remove(&emitted) {
                if let Err(e) = emit(result) {
                    outcome = Err(e);
                    break;
                }
                emitted += 1;
            }
            if outcome.is_ok() && emitted > before {
                outcome = flush();
            }
            let mut p = state.lock().unwrap_or_else(|e| e.into_inner());
            p.emitted = emitted;
            p.stop = outcome.is_err();
            moved.notify_all();
            drop(p);
            if outcome.is_err() {
                break;
            }
        }
        drop(rx);
        outcome
    })
}

fn check(args: CheckArgs) -> Result<u8> {
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
    for e in &walk_errors {
        eprintln!("cnab-validate: {e}");
    }
    let jobs = match args.jobs {
        Some(0) => bail!("--jobs must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let level: Level = args.level.into();
    let options = RenderOptions {
        color: use_color(args.color),
        level,
    };
    let format: Format = args.format.into();
    let output = std::cell::RefCell::new(Output::new(
        io::BufWriter::new(io::stdout().lock()),
        format,
        options,
    ));
    let mut read_errors = 0usize;
    ordered_parallel(
        &inputs,
        jobs,
        16 * jobs,
        |input| -> std::result::Result<(io::Result<Piece>, Tally), String> {
            let bytes = input
                .read()
                .map_err(|e| format!("cannot read `{}`: {e}", input.name()))?;
            let report = check_read(&validator, &input.name(), bytes);
            let tally = Tally::of(&report, level);
            Ok((piece(format, report, &options), tally))
        },
        |done| -> io::Result<()> {
            match done {
                Ok((piece, tally)) => output.borrow_mut().push(piece?, tally),
                Err(e) => {
                    read_errors += 1;
                    eprintln!("cnab-validate: {e}");
                    Ok(())
                }
            }
        },
        || output.borrow_mut().flush(),
    )?;
    let fails = output.into_inner().finish()?;
    Ok(if read_errors > 0 || !walk_errors.is_empty() {
        exit::ERROR
    } else if fails {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}

/// Concatenates JSON reports (from `check --format json`, one per shard)
/// into one, sorted by path, with the summary recomputed.
fn merge(args: MergeArgs) -> Result<u8> {
    let mut files = Vec::new();
    let mut level: Option<Level> = None;
    for path in &args.reports {
        let input = input_of(path);
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
    let mut summary = render::json::JsonSummary {
        files: files.len(),
        failed_files: 0,
        findings: 0,
        must: 0,
        should: 0,
        may: 0,
        level,
    };
    for f in &files {
        summary.failed_files += usize::from(
            f.findings
                .iter()
                .any(|x| x.level >= level && !catalog::Catalog::embedded().is_tool(&x.clause)),
        );
        for x in &f.findings {
            summary.findings += 1;
            match x.level {
                Level::Must => summary.must += 1,
                Level::Should => summary.should += 1,
                Level::May => summary.may += 1,
            }
        }
    }
    let failed = summary.failed_files > 0;
    let doc = render::json::JsonReport {
        format_version: render::json::FORMAT_VERSION,
        files,
        summary,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    // Through `io::Error`, so that a closed stdout is seen as a broken pipe.
    serde_json::to_writer_pretty(&mut out, &doc).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(if failed { exit::FINDINGS } else { exit::CLEAN })
}

/// How a static clause is checked.
fn coverage(c: &Clause) -> &'static str {
    let by_schema = schema::MAPPING.iter().any(|r| r.clause == c.id);
    let by_rule = rules::implemented_clauses().contains(&c.id.as_str());
    match (by_schema, by_rule) {
        (true, true) => "schema+rule",
        (true, false) => "schema",
        (false, true) => "rule",
        _ if PIPELINE_CLAUSES.contains(&c.id.as_str()) => "pipeline",
        _ if c.checked_as.is_some() => "as-other",
        _ if c.not_checkable.is_some() => "not-checkable",
        _ if c.check != CheckKind::Static => "n/a",
        _ => "unchecked",
    }
}

fn clauses(args: ClausesArgs) -> Result<u8> {
    let cat = Catalog::embedded();
    let kind = args.kind.map(|k| match k {
        CheckArg::Static => CheckKind::Static,
        CheckArg::Runtime => CheckKind::Runtime,
        CheckArg::NotApplicable => CheckKind::NotApplicable,
    });
    let list = cat.filter(args.level.map(Level::from), kind);
    let mut out = io::BufWriter::new(io::stdout().lock());
    match (args.format, args.coverage) {
        (ListFormat::Json, false) => {
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        (ListFormat::Human, false) => write!(out, "{}", catalog::render_table(&list))?,
        (format, true) => {
            let rows: Vec<(&Clause, &str)> = list
                .iter()
                .filter(|c| c.check == CheckKind::Static)
                .map(|c| (*c, coverage(c)))
                .collect();
            if format == ListFormat::Json {
                let items: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(c, cov)| {
                        serde_json::json!({
                            "id": c.id, "level": c.level, "check": c.check, "source": c.source, "coverage": cov,
                            "checked_as": c.checked_as, "not_checkable": c.not_checkable,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &items)?;
                writeln!(out)?;
            } else {
                let width = rows.iter().map(|(c, _)| c.id.len()).max().unwrap_or(0);
                for (c, cov) in &rows {
                    match &c.checked_as {
                        Some(t) if *cov == "as-other" => writeln!(
                            out,
                            "{:width$}  {:6}  {} ({})",
                            c.id,
                            c.level.as_str(),
                            cov,
                            t
                        )?,
                        _ => writeln!(out, "{:width$}  {:6}  {}", c.id, c.level.as_str(), cov)?,
                    }
                }
                let n = |k: &str| rows.iter().filter(|(_, c)| *c == k).count();
                writeln!(
                    out,
                    "{} static clause(s): {} by schema, {} by rule, {} by both, {} by the pipeline, {} under another clause, {} not checkable, {} unchecked",
                    rows.len(),
                    n("schema"),
                    n("rule"),
                    n("schema+rule"),
                    n("pipeline"),
                    n("as-other"),
                    n("not-checkable"),
                    n("unchecked")
                )?;
            }
        }
    }
    out.flush()?;
    Ok(exit::CLEAN)
}

fn explain(id: &str) -> Result<u8> {
    let cat = Catalog::embedded();
    let Some(c) = cat.get(id) else {
        let near: Vec<&str> = cat
            .clauses()
            .iter()
            .map(|c| c.id.as_str())
            .filter(|c| {
                let stem = id.rsplit_once('.').map_or(id, |(a, _)| a);
                c.starts_with(stem) || c.contains(id)
            })
            .take(8)
            .collect();
        if near.is_empty() {
            bail!("unknown clause `{id}` (list them with `cnab-validate clauses`)");
        }
        bail!("unknown clause `{id}`; did you mean: {}", near.join(", "));
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "{}", c.id)?;
    writeln!(out, "  level:    {} ({})", c.level, c.keyword)?;
    writeln!(out, "  check:    {}", c.check.as_str())?;
    writeln!(out, "  coverage: {}", coverage(c))?;
    writeln!(out, "  spec:     {} {} {}", c.spec, c.document, c.section)?;
    writeln!(out, "  source:   {}", c.source)?;
    writeln!(out, "  summary:  {}", c.summary)?;
    if !c.versions.is_empty() {
        writeln!(out, "  versions: {}", c.versions.join(", "))?;
    }
    writeln!(out, "  links:")?;
    for (version, url) in &c.links {
        writeln!(out, "    {version}: {url}")?;
    }
    if let Some(n) = &c.notes {
        writeln!(out, "  notes:    {n}")?;
    }
    if let Some(n) = &c.not_checkable {
        writeln!(out, "  not checkable: {n}")?;
    }
    if let Some(e) = &c.example {
        writeln!(out, "  example:  {e}")?;
    }
    out.flush()?;
    Ok(exit::CLEAN)
}

/// Parses `bytes` and writes its canonical form, or says why it cannot.
fn canonical_form(
    name: &str,
    bytes: &[u8],
    profile: Profile,
) -> std::result::Result<(Vec<u8>, json::Parsed), String> {
    let parsed = json::parse(bytes, &ParseLimits::default()).map_err(|e| {
        let (line, col) = LineIndex::new(bytes).line_col(bytes, e.offset);
        format!("{name}:{line}:{col}: not JSON: {}", e.message)
    })?;
    let out = canonicalize(&parsed.root, profile).map_err(|e| {
        format!(
            "{name}: cannot be written as {profile} canonical JSON at `{}`: {}",
            e.pointer, e.message
        )
    })?;
    Ok((out, parsed))
}

fn fmt(args: FmtArgs) -> Result<u8> {
    let profile: Profile = args.profile.into();
    if args.write && args.files.iter().any(|f| f.as_os_str() == "-") {
        bail!("--write cannot rewrite stdin");
    }
    let mut code = exit::CLEAN;
    let mut out = io::BufWriter::new(io::stdout().lock());
    for file in &args.files {
        let input = input_of(file);
        let name = input.name();
        let bytes = match input.read() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("cnab-validate: cannot read `{name}`: {e}");
                code = exit::ERROR;
                continue;
            }
        };
        let (canonical, parsed) = match canonical_form(&name, &bytes, profile) {
            Ok(c) => c,
            Err(msg) => {
                eprintln!("cnab-validate: {msg}");
                code = code.max(exit::FINDINGS);
                continue;
            }
        };
        if args.check {
            if let Err(e) = is_canonical(&bytes, &parsed, profile) {
                let (line, col) = LineIndex::new(&bytes).line_col(&bytes, e.offset);
                writeln!(
                    out,
                    "{name}:{line}:{col}: not {profile} canonical JSON: {}",
                    e.message
                )?;
                code = code.max(exit::FINDINGS);
            }
        } else if args.write {
            if canonical != bytes {
                if let Err(e) = write_atomically(file, &canonical) {
                    eprintln!("cnab-validate: cannot write `{name}`: {e:#}");
                    code = exit::ERROR;
                }
            }
        } else {
            out.write_all(&canonical)?;
            if args.files.len() > 1 {
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    Ok(code)
}

/// Replaces `path` with `bytes` through a temporary file in the same
/// directory and a rename, keeping the file's permissions.
///
/// A symbolic link is refused rather than followed or replaced: following it
/// would write outside the directory the user named, and replacing it would
/// silently turn the link into a copy. Anything but a regular file (a FIFO,
/// a device) is refused too.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        bail!("it is a symbolic link; --write rewrites regular files only (give the path of its target)");
    }
    if !meta.is_file() {
        bail!("it is not a regular file; --write rewrites regular files only");
    }
    let permissions = meta.permissions();
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    fs::set_permissions(tmp.path(), permissions)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn digest(profile: Profile, file: &Path) -> Result<u8> {
    let input = input_of(file);
    let name = input.name();
    let bytes = input
        .read()
        .with_context(|| format!("cannot read `{name}`"))?;
    match canonical_form(&name, &bytes, profile) {
        Ok((canonical, _)) => {
            let mut out = io::stdout().lock();
            writeln!(out, "sha256:{}", hex::encode(Sha256::digest(&canonical)))?;
            out.flush()?;
            Ok(exit::CLEAN)
        }
        Err(msg) => {
            eprintln!("cnab-validate: {msg}");
            Ok(exit::FINDINGS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_join_components_with_slashes() {
        assert_eq!(partition_key(Path::new("a/b/c.json")), "a/b/c.json");
        assert_eq!(partition_key(Path::new("./a//b.json")), "./a/b.json");
    }

    #[test]
    fn a_panicking_worker_does_not_leave_the_others_waiting() {
        let items: Vec<usize> = (0..100).collect();
        // A narrow window: without the stop, the other worker would wait
        // forever for item 3 to be written.
        let outcome = std::panic::catch_unwind(|| {
            ordered_parallel(
                &items,
                2,
                2,
                |i| {
                    assert_ne!(*i, 3, "a worker fails on item 3");
                    *i
                },
                |_| Ok::<(), ()>(()),
                || Ok(()),
            )
        });
        assert!(outcome.is_err());
    }

    #[test]
    fn ordered_parallel_keeps_the_order_and_stops_on_error() {
        let items: Vec<usize> = (0..200).collect();
        let mut seen = Vec::new();
        let r: std::result::Result<(), String> = ordered_parallel(
            &items,
            3,
            4,
            |i| {
                // Uneven work lets later items finish before earlier ones.
                let spins = (i * 7919) % 13 * 1000;
                (0..spins).fold(*i, |a, b| std::hint::black_box(a ^ b) ^ b) * 2
            },
            |v| {
                seen.push(v);
                Ok(())
            },
            || Ok(()),
        );
        assert!(r.is_ok());
        assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let mut count = 0;
        let r = ordered_parallel(
            &items,
            2,
            4,
            |i| *i,
            |v| {
                count += 1;
                if v == 10 {
                    Err(format!("stop at {v}"))
                } else {
                    Ok(())
                }
            },
            || Ok(()),
        );
        assert_eq!(r, Err("stop at 10".to_string()));
        assert_eq!(count, 11);
    }
}
