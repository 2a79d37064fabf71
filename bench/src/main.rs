//! `cnab-bench`: how fast `cnab-validate` is, next to a parse-only
//! baseline, and where its time goes.
//!
//! ```text
//! cargo build --release -p cnab-validator -p cnab-bench
//! target/release/cnab-bench validate --files 10000 --seed 1
//! target/release/cnab-bench phases --files 2000
//! cargo build --release -p cnab-harness -p cnab-bench
//! target/release/cnab-bench harness --runs 3
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use cnab_bench::child::{self, Usage};
use cnab_bench::corpus::{self, CorpusSpec};
use cnab_model::{DocumentKind, SpecVersion};
use cnab_validator::json::canonical::{is_canonical, Profile};
use cnab_validator::json::{self, ParseLimits};
use cnab_validator::render::{self, RenderOptions};
use cnab_validator::rules::{self, RuleContext, RuleOptions};
use cnab_validator::{detect, schema, Validator};

mod harness_cmd;
use harness_cmd::harness;

/// The same allocator as `cnab-validate`, so that the baseline and the
/// validator differ in the work they do, not in their allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Benchmark `cnab-validate` on a deterministic corpus.
#[derive(Parser, Debug)]
#[command(name = "cnab-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the parse-only baseline and the `cnab-validate` binary over the
    /// corpus and compare them (wall time, files/s, MB/s, CPU use, peak RSS).
    Validate(ValidateArgs),
    /// Time each phase of the pipeline (parse, schema compile, schema check,
    /// canonical check, rules) through the library API, on one thread.
    Phases(CorpusArgs),
    /// Write the corpus and print its statistics.
    Corpus(CorpusArgs),
    /// Time `cnab-conformance run --driver docker` against the same number
    /// of bare container runs of the probe image (the harness's overhead).
    Harness(HarnessArgs),
    /// Read and parse every corpus file with serde_json (the baseline; run
    /// as a child process by `validate`).
    #[command(hide = true)]
    ParseOnly {
        #[command(flatten)]
        corpus: CorpusArgs,
        /// Worker threads.
        #[arg(long)]
        jobs: usize,
    },
}

#[derive(Args, Debug, Clone)]
struct CorpusArgs {
    /// How many documents.
    #[arg(long, default_value_t = 10_000)]
    files: usize,
    /// The seed of the corpus.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the corpus lives (default: `target/bench-corpus/seed-S-files-N`
    /// next to this binary). Made when missing, reused when it holds the
    /// same corpus, refused when it holds anything else.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ValidateArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Worker threads for both (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Runs of each measurement; the median wall time is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The `cnab-validate` binary (default: next to this one).
    #[arg(long, value_name = "FILE")]
    validator: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct HarnessArgs {
    /// Measured rounds; each runs the suite with `-j1` and with `-jN`, then
    /// as many bare containers as the suite ran, with and without files.
    /// Medians are reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The parallel suite's `-j` (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Also time `docker run --rm --network none IMAGE` through the docker
    /// CLI, the same number of times (CLI start and attach included).
    #[arg(long)]
    cli: bool,
    /// The `cnab-conformance` binary (default: next to this one).
    #[arg(long, value_name = "FILE")]
    conformance: Option<PathBuf>,
}

impl CorpusArgs {
    fn spec(&self) -> CorpusSpec {
        CorpusSpec {
            files: self.files,
            seed: self.seed,
        }
    }

    fn dir(&self) -> Result<PathBuf> {
        if let Some(d) = &self.dir {
            return Ok(d.clone());
        }
        let exe = std::env::current_exe().context("cannot find this program's path")?;
        // target/release/cnab-bench -> target/bench-corpus/...
        let target = exe
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        Ok(target
            .join("bench-corpus")
            .join(format!("seed-{}-files-{}", self.seed, self.files)))
    }
}

/// The corpus directory's marker: which corpus it holds.
const MARKER: &str = "CORPUS";

fn marker_text(spec: CorpusSpec) -> String {
    format!(
        "cnab-bench corpus v1 seed={} files={}\n",
        spec.seed, spec.files
    )
}

/// Statistics of a corpus on disk.
struct Stats {
    files: usize,
    bytes: u64,
    largest: u64,
    paths: Vec<PathBuf>,
}

/// Makes sure `dir` holds the corpus of `spec` and returns its files.
fn ensure_corpus(spec: CorpusSpec, dir: &Path) -> Result<Stats> {
    let marker = dir.join(MARKER);
    let wanted = marker_text(spec);
    match fs::read_to_string(&marker) {
        Ok(text) if text == wanted => {}
        Ok(text) => bail!(
            "`{}` holds another corpus ({}); choose another --dir",
            dir.display(),
            text.trim()
        ),
        Err(_) => {
            if dir.exists() && fs::read_dir(dir)?.next().is_some() {
                bail!(
                    "`{}` exists, is not empty and is not a cnab-bench corpus; choose another --dir",
                    dir.display()
                );
            }
            eprintln!(
                "cnab-bench: writing {} documents (seed {}) to {}",
                spec.files,
                spec.seed,
                dir.display()
            );
            for doc in corpus::documents(spec) {
                let path = dir.join(&doc.path);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create `{}`", parent.display()))?;
                }
                fs::write(&path, &doc.bytes)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
            }
            // The marker is written last: a corpus cut short is not reused.
            fs::write(&marker, &wanted)
                .with_context(|| format!("cannot write `{}`", marker.display()))?;
        }
    }
    let mut stats = Stats {
        files: 0,
        bytes: 0,
        largest: 0,
        paths: Vec::with_capacity(spec.files),
    };
    for n in 0..spec.files {
        let path = dir.join(corpus::path(spec.seed, n));
        let len = fs::metadata(&path)
            .with_context(|| {
                format!(
                    "the corpus lacks `{}`; delete the directory",
                    path.display()
                )
            })?
            .len();
        stats.files += 1;
        stats.bytes += len;
        stats.largest = stats.largest.max(len);
        stats.paths.push(path);
    }
    Ok(stats)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn jobs_default(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Reads and parses every file on `jobs` threads; the baseline.
fn parse_only(paths: &[PathBuf], jobs: usize) -> Result<usize> {
    let next = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { return };
                let ok = fs::read(path)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .is_some();
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    Ok(failed.into_inner())
}

/// The median run by wall time.
fn median(mut runs: Vec<Usage>) -> Usage {
    runs.sort_by_key(|u| u.wall);
    runs[runs.len() / 2]
}

fn row(out: &mut impl Write, label: &str, u: &Usage, stats: &Stats) -> Result<()> {
    let secs = u.wall.as_secs_f64();
    writeln!(
        out,
        "{label:<28} {secs:>8.2} s {:>10.0} {:>9.1} {:>7.0}% {:>9.1} MB",
        stats.files as f64 / secs,
        mb(stats.bytes) / secs,
        100.0 * u.cpu_ratio(),
        mb(u.max_rss)
    )?;
    Ok(())
}

/// The four measurements of `validate`: the parse-only baseline and
/// cnab-validate, each on `jobs` threads and on one.
struct Timings {
    base_n: Usage,
    base_1: Usage,
    val_n: Usage,
    val_1: Usage,
}

/// Writes the corpus, the timing table and the ratios of `validate`.
fn write_timings(
    out: &mut impl Write,
    stats: &Stats,
    spec: CorpusSpec,
    dir: &Path,
    jobs: usize,
    runs: usize,
    t: &Timings,
) -> Result<()> {
    let Timings {
        base_n,
        base_1,
        val_n,
        val_1,
    } = t;
    writeln!(
        out,
        "corpus: {} files, {:.1} MB, largest {:.2} MB (seed {}) in {}",
        stats.files,
        mb(stats.bytes),
        mb(stats.largest),
        spec.seed,
        dir.display()
    )?;
    writeln!(
        out,
        "machine: {} core(s); median of {runs} run(s) each",
        jobs_default(None)
    )?;
    writeln!(
        out,
        "{:<28} {:>10} {:>10} {:>9} {:>8} {:>12}",
        "", "wall", "files/s", "MB/s", "cpu", "peak RSS"
    )?;
    row(out, &format!("parse-only, {jobs} thread(s)"), base_n, stats)?;
    row(out, "parse-only, 1 thread", base_1, stats)?;
    row(out, &format!("cnab-validate -j{jobs}"), val_n, stats)?;
    row(out, "cnab-validate -j1", val_1, stats)?;
    writeln!(
        out,
        "validate / parse-only ({jobs} thread(s)): {:.2}x",
        val_n.wall.as_secs_f64() / base_n.wall.as_secs_f64()
    )?;
    let cpu = |u: &Usage| (u.user + u.sys).as_secs_f64();
    writeln!(
        out,
        "validate / parse-only by CPU time (less sensitive to other load): {:.2}x",
        cpu(val_n) / cpu(base_n).max(1e-9)
    )?;
    writeln!(
        out,
        "cnab-validate speed-up, 1 -> {jobs} thread(s): {:.2}x",
        val_1.wall.as_secs_f64() / val_n.wall.as_secs_f64()
    )?;
    writeln!(
        out,
        "peak RSS of cnab-validate -j{jobs}: {:.1} MB = {:.1}x the largest file",
        mb(val_n.max_rss),
        val_n.max_rss as f64 / stats.largest.max(1) as f64
    )?;
    Ok(())
}

fn validate(args: ValidateArgs) -> Result<u8> {
    let spec = args.corpus.spec();
    let dir = args.corpus.dir()?;
    let stats = ensure_corpus(spec, &dir)?;
    let jobs = jobs_default(args.jobs);
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    let validator = match args.validator {
        Some(v) => v,
        None => exe.with_file_name("cnab-validate"),
    };
    if !validator.is_file() {
        bail!(
            "no cnab-validate at `{}`: build it with `cargo build --release -p cnab-validator` or pass --validator",
            validator.display()
        );
    }
    let runs = args.runs.max(1);
    let out_dir = std::env::temp_dir().join(format!("cnab-bench-{}", std::process::id()));
    fs::create_dir_all(&out_dir)?;
    let report_path = out_dir.join("report.json");

    // Warm the page cache, so that every measurement reads from memory.
    for p in &stats.paths {
        fs::read(p)?;
    }
    let baseline = |jobs: usize| -> Result<Usage> {
        let mut all = Vec::new();
        for _ in 0..runs {
            let mut cmd = Command::new(&exe);
            cmd.args(["parse-only", "--jobs", &jobs.to_string()])
                .args(["--files", &spec.files.to_string()])
                .args(["--seed", &spec.seed.to_string()])
                .arg("--dir")
                .arg(&dir)
                .stdout(Stdio::null());
            let u = child::run(&mut cmd)?;
            if u.code != Some(0) {
                bail!("the parse-only baseline failed ({:?})", u.code);
            }
            all.push(u);
        }
        Ok(median(all))
    };
    let checked = |jobs: usize| -> Result<Usage> {
        let mut all = Vec::new();
        for _ in 0..runs {
            let file = fs::File::create(&report_path)?;
            let mut cmd = Command::new(&validator);
            cmd.args(["--format", "json", "--jobs", &jobs.to_string()])
                .arg(&dir)
                .stdout(file);
            let u = child::run(&mut cmd)?;
            if !matches!(u.code, Some(0 | 1)) {
                bail!("cnab-validate failed ({:?})", u.code);
            }
            all.push(u);
        }
        Ok(median(all))
    };
    let base_n = baseline(jobs)?;
    let base_1 = baseline(1)?;
    let val_n = checked(jobs)?;
    let val_1 = checked(1)?;

    // The last report is of a one-thread run; read it back to show that
    // every file was checked and the flawed ones were caught.
    let report: render::json::JsonReport = serde_json::from_slice(&fs::read(&report_path)?)
        .context("cnab-validate wrote a report that does not read back")?;
    let _ = fs::remove_dir_all(&out_dir);
    let flawed: Vec<String> = (0..spec.files)
        .map(|n| corpus::document(spec.seed, n))
        .filter(|d| d.flaw.is_some())
        .map(|d| dir.join(d.path).display().to_string())
        .collect();
    let failing: std::collections::BTreeSet<&str> = report
        .files
        .iter()
        .filter(|f| f.findings.iter().any(|x| x.level >= report.summary.level))
        .map(|f| f.path.as_str())
        .collect();
    let caught = flawed
        .iter()
        .filter(|p| failing.contains(p.as_str()))
        .count();

    let mut out = std::io::stdout().lock();
    let timings = Timings {
        base_n,
        base_1,
        val_n,
        val_1,
    };
    write_timings(&mut out, &stats, spec, &dir, jobs, runs, &timings)?;
    writeln!(
        out,
        "report: {} files, {} fail at level {}; {caught} of {} flawed documents caught",
        report.summary.files,
        report.summary.failed_files,
        report.summary.level,
        flawed.len()
    )?;
    if report.summary.files != stats.files {
        bail!(
            "cnab-validate checked {} files, the corpus has {}",
            report.summary.files,
            stats.files
        );
    }
    Ok(0)
}

/// Time spent in one phase, over the corpus.
#[derive(Default)]
struct Phase {
    time: Duration,
}

impl Phase {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let r = f();
        self.time += start.elapsed();
        r
    }
}

fn phases(args: CorpusArgs) -> Result<u8> {
    let spec = args.spec();
    let dir = args.dir()?;
    let stats = ensure_corpus(spec, &dir)?;
    let limits = ParseLimits::default();
    let options = RuleOptions::default();
    let validator = Validator::default();
    let render_options = RenderOptions::default();

    // Every schema set is compiled once per process; this is that once.
    let mut compile = Phase::default();
    let mut compiled = 0;
    for v in SpecVersion::ALL {
        for k in DocumentKind::ALL {
            if compile.time(|| schema::validator(v, k))?.is_some() {
                compiled += 1;
            }
        }
    }
    let names = [
        "read",
        "serde_json::from_slice (baseline)",
        "parse with spans",
        "move into serde_json::Value",
        "detect kind and version",
        "schema check",
        "canonical check (olpc, then jcs)",
        "semantic rules",
        "render json entry",
        "whole check (Validator::check)",
    ];
    let mut t: Vec<Phase> = names.iter().map(|_| Phase::default()).collect();
    for path in &stats.paths {
        let bytes = t[0].time(|| fs::read(path))?;
        let _ = t[1].time(|| serde_json::from_slice::<serde_json::Value>(&bytes));
        let Ok(parsed) = t[2].time(|| json::parse(&bytes, &limits)) else {
            continue;
        };
        // As in the pipeline: the canonical check reads the tree, which is
        // then moved into the `Value` (every document is checked here; the
        // pipeline uses the answer for bundles only).
        t[6].time(|| {
            let _ = is_canonical(&bytes, &parsed, Profile::Olpc);
            let _ = is_canonical(&bytes, &parsed, Profile::Jcs);
        });
        let doc = t[3].time(|| parsed.root.into_value());
        let (kind, version) = t[4].time(|| {
            let kind = detect::detect_kind(&doc).value;
            let version = kind.and_then(|k| detect::detect_version(&doc, k).decision.value);
            (kind, version)
        });
        let Some(kind) = kind else { continue };
        let version = version.unwrap_or(SpecVersion::latest_core());
        let _ = t[5].time(|| schema::validate(version, kind, &doc));
        let ctx = RuleContext {
            doc: &doc,
            kind,
            version,
            options: &options,
        };
        let _ = t[7].time(|| rules::check(&ctx));
        drop(doc);
        let report = t[9].time(|| validator.check("doc", &bytes));
        let _ = t[8].time(|| render::json::build(std::slice::from_ref(&report), &render_options));
    }
    let whole = t[9].time.as_secs_f64().max(1e-9);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "corpus: {} files, {:.1} MB (seed {}), one thread",
        stats.files,
        mb(stats.bytes),
        spec.seed
    )?;
    writeln!(
        out,
        "schema compile: {compiled} schema(s) in {:.1} ms, once per process",
        compile.time.as_secs_f64() * 1e3
    )?;
    writeln!(
        out,
        "{:<36} {:>9} {:>9} {:>12}",
        "phase", "seconds", "MB/s", "% of check"
    )?;
    for (name, p) in names.iter().zip(&t) {
        let secs = p.time.as_secs_f64();
        writeln!(
            out,
            "{name:<36} {secs:>9.3} {:>9.1} {:>11.1}%",
            mb(stats.bytes) / secs.max(1e-9),
            100.0 * secs / whole
        )?;
    }
    Ok(0)
}

fn write_corpus(args: CorpusArgs) -> Result<u8> {
    let dir = args.dir()?;
    let stats = ensure_corpus(args.spec(), &dir)?;
    println!(
        "{} files, {:.1} MB, largest {:.2} MB in {}",
        stats.files,
        mb(stats.bytes),
        mb(stats.largest),
        dir.display()
    );
    Ok(0)
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Cmd::Validate(a) => validate(a),
        Cmd::Phases(a) => phases(a),
        Cmd::Corpus(a) => write_corpus(a),
        Cmd::Harness(a) => harness(a),
        Cmd::ParseOnly { corpus, jobs } => {
            let spec = corpus.spec();
            let stats = ensure_corpus(spec, &corpus.dir()?)?;
            let failed = parse_only(&stats.paths, jobs)?;
            println!("{failed} file(s) are not JSON");
            Ok(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cnab-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}
