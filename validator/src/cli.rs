//! The command line of `cnab-validate`: argument definitions and the glue
//! that runs the library and maps outcomes to exit codes (see
//! `cnab_validator::exit`).

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use cnab_model::{catalog, Catalog, CheckKind, Clause, DocumentKind, Level, SpecVersion};
use cnab_validator::exit;
use cnab_validator::json::canonical::{canonicalize, is_canonical, Profile};
use cnab_validator::json::{self, LineIndex, ParseLimits};
use cnab_validator::render::{self, Format, RenderOptions};
use cnab_validator::{rules, schema, CanonicalMode, Report, ValidatorBuilder, PIPELINE_CLAUSES};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
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

    fn read(&self) -> io::Result<Vec<u8>> {
        match self {
            Input::Stdin => {
                let mut buf = Vec::new();
                io::stdin().lock().read_to_end(&mut buf)?;
                Ok(buf)
            }
            Input::File(p) => fs::read(p),
        }
    }
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

/// Expands directories into the files they hold that match the globs.
/// Returns the inputs and the errors met while walking.
fn collect_inputs(args: &CheckArgs) -> Result<(Vec<Input>, Vec<String>)> {
    let include = if args.include.is_empty() {
        globset(&["*.json".to_string()], "--include")?
    } else {
        globset(&args.include, "--include")?
    };
    let exclude = globset(&args.exclude, "--exclude")?;
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        if !path.is_dir() {
            // Files named on the command line are checked whatever their name.
            inputs.push(input_of(path));
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
                    let wanted = include.is_match(rel) || include.is_match(name);
                    let skipped = exclude.is_match(rel) || exclude.is_match(name);
                    if wanted && !skipped {
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
    let (inputs, mut errors) = collect_inputs(&args)?;
    if inputs.is_empty() && errors.is_empty() {
        bail!("no files matched under the given directories");
    }
    // Deeply nested documents (up to the parser's depth limit) recurse in the
    // schema validator and the rules, so the workers get a generous stack.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(64 << 20)
        .build()
        .context("cannot start worker threads")?;
    let results: Vec<Result<Report, String>> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| {
                input
                    .read()
                    .map(|bytes| validator.check(&input.name(), &bytes))
                    .map_err(|e| format!("cannot read `{}`: {e}", input.name()))
            })
            .collect()
    });
    let mut reports = Vec::new();
    for r in results {
        match r {
            Ok(report) => reports.push(report),
            Err(e) => errors.push(e),
        }
    }
    for e in &errors {
        eprintln!("cnab-validate: {e}");
    }
    let level: Level = args.level.into();
    let options = RenderOptions {
        color: use_color(args.color),
        level,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    render::render(args.format.into(), &reports, &options, &mut out)?;
    out.flush()?;
    Ok(if !errors.is_empty() {
        exit::ERROR
    } else if reports.iter().any(|r| r.fails_at(level)) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
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
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &items)?;
                writeln!(out)?;
            } else {
                let width = rows.iter().map(|(c, _)| c.id.len()).max().unwrap_or(0);
                for (c, cov) in &rows {
                    writeln!(out, "{:width$}  {:6}  {}", c.id, c.level.as_str(), cov)?;
                }
                let n = |k: &str| rows.iter().filter(|(_, c)| *c == k).count();
                writeln!(
                    out,
                    "{} static clause(s): {} by schema, {} by rule, {} by both, {} by the pipeline, {} not checkable, {} unchecked",
                    rows.len(),
                    n("schema"),
                    n("rule"),
                    n("schema+rule"),
                    n("pipeline"),
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
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let permissions = fs::metadata(path)?.permissions();
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
