//! The arguments of `cnab-validate`, as clap reads them, and their
//! conversions to the library's types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use cnab_model::{DocumentKind, Level, Partition, SpecVersion};
use cnab_validator::json::canonical::Profile;
use cnab_validator::render::Format;
use cnab_validator::CanonicalMode;

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
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
pub struct MergeArgs {
    /// The JSON reports (`-` for stdin).
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Files or directories to check (`-` for stdin, shown as `<stdin>`).
    /// Directories are walked recursively.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Glob of files to check inside directories (repeatable; default `*.json`).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Glob of files to skip inside directories (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Judge every document as this kind instead of detecting it (bundle,
    /// claim, claim-result, output, relocation-mapping, dependencies,
    /// parameter-sources, status).
    #[arg(long)]
    pub kind: Option<DocumentKind>,
    /// Judge every document under this spec version instead of reading it
    /// from `schemaVersion` (cnab-core-1.0.0, cnab-core-1.0.1,
    /// cnab-core-1.1.0, cnab-core-1.2.0, cnab-claims-1.0.0-DRAFT+b5ed2f3,
    /// cnab-claims-1.0.0; `v1.2.0` and `claims-1.0.0` also work).
    #[arg(long, value_name = "VERSION")]
    pub spec_version: Option<SpecVersion>,
    /// Which canonical JSON profile bundles must follow; `auto` accepts either.
    #[arg(long, value_enum, default_value_t = CanonicalArg::Auto)]
    pub canonical: CanonicalArg,
    /// Release strictness: every image must carry a `contentDigest`.
    #[arg(long)]
    pub release: bool,
    /// The bundle that relocation mappings and claims are judged against.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this level.
    #[arg(long, value_enum, default_value_t = LevelArg::Must)]
    pub level: LevelArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// When to colour the human format (`NO_COLOR` turns `auto` off).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Check only shard k of n (`k/n` or `hash:k/n`): a file belongs to
    /// shard `fnv1a64(path relative to its directory argument) % n + 1`, so
    /// it stays there as the corpus grows. The shards are disjoint and
    /// together check every file (merge their JSON with `merge`).
    #[arg(long, value_name = "k/n")]
    pub partition: Option<Partition>,
    /// Worker threads (default: the number of cores; at most 256).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Args, Debug)]
pub struct ClausesArgs {
    /// Only clauses of this level.
    #[arg(long, value_enum)]
    pub level: Option<LevelArg>,
    /// Only clauses of this check kind.
    #[arg(long, value_enum)]
    pub kind: Option<CheckArg>,
    /// Show how each static clause is checked (schema, rule, pipeline, not
    /// checkable, unchecked).
    #[arg(long)]
    pub coverage: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// The canonical JSON profile.
    #[arg(long, value_enum, default_value_t = ProfileArg::Jcs)]
    pub profile: ProfileArg,
    /// Replace each file with its canonical form (atomically; never when it
    /// does not parse or repeats a key: exit 2).
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Exit 1 when a file is not canonical; print nothing else.
    #[arg(long)]
    pub check: bool,
    /// Files (`-` for stdin, not with --write).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CanonicalArg {
    Auto,
    Olpc,
    Jcs,
    Off,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileArg {
    Olpc,
    Jcs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelArg {
    Must,
    Should,
    May,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckArg {
    Static,
    Runtime,
    #[value(name = "n-a")]
    NotApplicable,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorArg {
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

impl From<CheckArg> for cnab_model::CheckKind {
    fn from(k: CheckArg) -> cnab_model::CheckKind {
        match k {
            CheckArg::Static => cnab_model::CheckKind::Static,
            CheckArg::Runtime => cnab_model::CheckKind::Runtime,
            CheckArg::NotApplicable => cnab_model::CheckKind::NotApplicable,
        }
    }
}
