//! The clause catalog: every requirement of the CNAB specs this project knows.
//!
//! The catalog is data (`cases/catalog.json`), embedded at compile time. Every
//! finding and every verdict names a clause from it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The embedded catalog source.
pub const CATALOG_JSON: &str = include_str!("../../cases/catalog.json");

/// RFC 2119 level of a clause, negation folded into the keyword.
///
/// Ordered by severity: `Must > Should > May`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// MAY / OPTIONAL.
    May,
    /// SHOULD, SHOULD NOT, RECOMMENDED.
    Should,
    /// MUST, MUST NOT, REQUIRED, SHALL, and rules from field lists.
    Must,
}

impl Level {
    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::May => "may",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "must" => Ok(Level::Must),
            "should" => Ok(Level::Should),
            "may" => Ok(Level::May),
            _ => Err(format!("unknown level `{s}` (known: must, should, may)")),
        }
    }
}

/// How a clause can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CheckKind {
    /// Decidable from documents alone.
    #[serde(rename = "static")]
    Static,
    /// Needs a runtime to act, or an image to be inspected.
    #[serde(rename = "runtime")]
    Runtime,
    /// Intent or process; cannot be observed.
    #[serde(rename = "n-a")]
    NotApplicable,
}

impl CheckKind {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Static => "static",
            CheckKind::Runtime => "runtime",
            CheckKind::NotApplicable => "n-a",
        }
    }
}

impl FromStr for CheckKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "static" => Ok(CheckKind::Static),
            "runtime" => Ok(CheckKind::Runtime),
            "n-a" | "na" | "n/a" => Ok(CheckKind::NotApplicable),
            _ => Err(format!(
                "unknown check kind `{s}` (known: static, runtime, n-a)"
            )),
        }
    }
}

/// How much of a static clause the official schema already enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemaCoverage {
    /// The schema enforces it.
    Full,
    /// The schema enforces part of it.
    Partial,
    /// The schema does not enforce it.
    None,
}

/// Whether a clause is a requirement of a spec or the tool's own judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A requirement of a spec text, at the level its keyword sets.
    #[default]
    Spec,
    /// The tool's own judgement (a parser limit, an unknown kind or version):
    /// a notice, never a spec verdict, so never at `must`.
    Tool,
}

impl Category {
    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Spec => "spec",
            Category::Tool => "tool",
        }
    }

    fn is_spec(&self) -> bool {
        *self == Category::Spec
    }
}

/// The sentence of the spec text that sets a clause's level, in the
/// versions where it reads exactly so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceQuote {
    /// The spec versions (folder names under `spec-text/`) where the quote
    /// holds verbatim.
    pub versions: Vec<String>,
    /// The file, relative to `spec-text/`, with `{version}` standing for each
    /// entry of `versions` (`cnab-core/{version}/101-bundle-json.md`).
    pub file: String,
    /// One sentence, verbatim (Markdown kept as written).
    pub quote: String,
}

impl SourceQuote {
    /// The file of one version, relative to `spec-text/`.
    pub fn path_for(&self, version: &str) -> String {
        self.file.replace("{version}", version)
    }

    /// Whether the quote carries an uppercase MUST, MUST NOT, REQUIRED or
    /// SHALL (the keywords that set `must`).
    pub fn has_must_keyword(&self) -> bool {
        self.quote
            .split(|c: char| !c.is_ascii_alphabetic())
            .any(|w| matches!(w, "MUST" | "REQUIRED" | "SHALL"))
    }
}

/// One requirement of a CNAB specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// Stable dotted ID, never reused.
    pub id: String,
    /// Normalised RFC 2119 level.
    pub level: Level,
    /// `spec` (default) or `tool`: a tool clause is a notice about the
    /// tool's judgement, not a spec verdict.
    #[serde(default, skip_serializing_if = "Category::is_spec")]
    pub category: Category,
    /// A `must` that no keyword states but that breaking leaves the
    /// document meaningless; its quotes include the MUST or REQUIRED
    /// sentence it derives from.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
    /// The keyword as the spec writes it (`MUST NOT`, `(list)`, ...).
    pub keyword: String,
    /// The specification (`cnab-core`, `cnab-claims`, `json`, ...).
    pub spec: String,
    /// The source document (`101-bundle-json.md`).
    pub document: String,
    /// The section within the document.
    pub section: String,
    /// The full source reference in short form.
    pub source: String,
    /// How it can be checked.
    pub check: CheckKind,
    /// A one-line summary in our own words.
    pub summary: String,
    /// For static clauses, how much the official schema enforces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaCoverage>,
    /// Spec versions the clause exists in (empty: version independent).
    #[serde(default)]
    pub versions: Vec<String>,
    /// A link to the section per spec version (`main` for unversioned).
    pub links: BTreeMap<String, String>,
    /// The sentences that set the level, verbatim, per version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_quotes: Vec<SourceQuote>,
    /// Notes: schema gaps, contradictions, and how we read the clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// For static clauses that no tool can decide: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_checkable: Option<String>,
    /// For static clauses whose violations are reported under another,
    /// more specific clause: that clause's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_as: Option<String>,
    /// An example of a violation, for `explain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

impl Clause {
    /// Whether the clause is the tool's own judgement rather than a spec
    /// requirement.
    pub fn is_tool(&self) -> bool {
        self.category == Category::Tool
    }
}

/// Errors found while loading a catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The catalog is not valid JSON or does not match the format.
    #[error("catalog does not parse: {0}")]
    Parse(#[from] serde_json::Error),
    /// Two clauses share an ID.
    #[error("duplicate clause id `{0}`")]
    DuplicateId(String),
    /// A clause has an empty required field.
    #[error("clause `{id}` has an empty `{field}`")]
    Empty {
        /// The clause.
        id: String,
        /// The field.
        field: &'static str,
    },
    /// An ID is not a dotted lowercase-start identifier.
    #[error("clause id `{0}` is not a dotted identifier")]
    BadId(String),
    /// A tool clause is at `must`, or marked derived.
    #[error("tool clause `{0}` must be below `must` and not derived")]
    ToolAtMust(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    catalog_version: String,
    clauses: Vec<Clause>,
}

/// The loaded catalog with an index by ID.
#[derive(Debug, Clone)]
pub struct Catalog {
    version: String,
    clauses: Vec<Clause>,
    index: HashMap<String, usize>,
}

impl Catalog {
    /// The catalog embedded in this build. Panics only if the embedded data is
    /// broken, which the test suite rules out.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::from_json(CATALOG_JSON).expect("embedded catalog is checked by tests")
        })
    }

    /// Loads and checks a catalog.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = serde_json::from_str(text)?;
        let mut index = HashMap::new();
        for (i, c) in file.clauses.iter().enumerate() {
            if !is_clause_id(&c.id) {
                return Err(CatalogError::BadId(c.id.clone()));
            }
            for (field, value) in [
                ("summary", &c.summary),
                ("document", &c.document),
                ("source", &c.source),
                ("keyword", &c.keyword),
                ("spec", &c.spec),
            ] {
                if value.trim().is_empty() {
                    return Err(CatalogError::Empty {
                        id: c.id.clone(),
                        field,
                    });
                }
            }
            if c.links.is_empty() {
                return Err(CatalogError::Empty {
                    id: c.id.clone(),
                    field: "links",
                });
            }
            if c.is_tool() && (c.level == Level::Must || c.derived) {
                return Err(CatalogError::ToolAtMust(c.id.clone()));
            }
            if c.checked_as.as_deref().is_some_and(|t| t == c.id) {
                return Err(CatalogError::BadId(c.id.clone()));
            }
            if index.insert(c.id.clone(), i).is_some() {
                return Err(CatalogError::DuplicateId(c.id.clone()));
            }
        }
        Ok(Catalog {
            version: file.catalog_version,
            clauses: file.clauses,
            index,
        })
    }

    /// The catalog's own version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Looks a clause up by ID.
    pub fn get(&self, id: &str) -> Option<&Clause> {
        self.index.get(id).map(|&i| &self.clauses[i])
    }

    /// Whether the ID exists.
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Every clause, in catalog order.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// Clauses matching optional level and check-kind filters.
    pub fn filter(&self, level: Option<Level>, check: Option<CheckKind>) -> Vec<&Clause> {
        self.clauses
            .iter()
            .filter(|c| level.is_none_or(|l| c.level == l))
            .filter(|c| check.is_none_or(|k| c.check == k))
            .collect()
    }

    /// Whether the ID names a tool clause (a notice that never fails a
    /// document by itself).
    pub fn is_tool(&self, id: &str) -> bool {
        self.get(id).is_some_and(Clause::is_tool)
    }

    /// Whether a finding at `level` on clause `id` fails a run whose failing
    /// level is `threshold`: at or above it, and not a tool notice. The one
    /// rule behind every exit code, failed-file count and JUnit failure.
    pub fn fails(&self, id: &str, level: Level, threshold: Level) -> bool {
        level >= threshold && !self.is_tool(id)
    }

    /// The level of a clause, or `Must` when the ID is unknown (a bug that the
    /// tests catch: every ID used in code must exist).
    pub fn level_of(&self, id: &str) -> Level {
        self.get(id).map(|c| c.level).unwrap_or(Level::Must)
    }
}

/// Whether `id` looks like a clause ID: dotted segments of ASCII letters,
/// digits, `_` and `-`, at least two segments.
pub fn is_clause_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// Renders clauses as an aligned text table, one per line.
pub fn render_table(clauses: &[&Clause]) -> String {
    let width = clauses.iter().map(|c| c.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in clauses {
        out.push_str(&format!(
            "{:width$}  {:6}  {:7}  {}\n",
            c.id,
            c.level.as_str(),
            c.check.as_str(),
            c.summary,
            width = width
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_and_is_large() {
        let cat = Catalog::embedded();
        assert!(cat.clauses().len() >= 200, "{}", cat.clauses().len());
    }

    #[test]
    fn every_clause_names_its_source_and_links_every_version() {
        for c in Catalog::embedded().clauses() {
            assert!(!c.source.is_empty(), "{}", c.id);
            for v in &c.versions {
                if c.spec == "cnab-core" || c.spec == "cnab-claims" {
                    assert!(c.links.contains_key(v), "{} lacks a link for {v}", c.id);
                }
            }
            for url in c.links.values() {
                assert!(url.starts_with("https://"), "{}: {url}", c.id);
            }
        }
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let one = r#"{"id":"a.b","level":"must","keyword":"MUST","spec":"s","document":"d","section":"x","source":"d","check":"static","summary":"s","links":{"main":"https://x"}}"#;
        let text = format!(r#"{{"catalog_version":"0","clauses":[{one},{one}]}}"#);
        assert!(matches!(
            Catalog::from_json(&text),
            Err(CatalogError::DuplicateId(id)) if id == "a.b"
        ));
    }

    #[test]
    fn unknown_level_or_kind_is_rejected() {
        let bad = r#"{"catalog_version":"0","clauses":[{"id":"a.b","level":"perhaps","keyword":"MUST","spec":"s","document":"d","section":"x","source":"d","check":"static","summary":"s","links":{"main":"https://x"}}]}"#;
        assert!(Catalog::from_json(bad).is_err());
        let bad = bad.replace("perhaps", "must").replace("static", "dynamic");
        assert!(Catalog::from_json(&bad).is_err());
    }

    #[test]
    fn a_finding_fails_at_or_above_the_threshold_unless_it_is_a_tool_notice() {
        let c = Catalog::embedded();
        assert!(c.contains("core.bundle.schema") && c.is_tool("doc.kind.known"));
        assert!(c.fails("core.bundle.schema", Level::Must, Level::Must));
        assert!(c.fails("core.bundle.schema", Level::Should, Level::Should));
        assert!(!c.fails("core.bundle.schema", Level::Should, Level::Must));
        assert!(!c.fails("doc.kind.known", Level::May, Level::May));
    }

    #[test]
    fn tool_clauses_are_never_must_and_optional_fields_default() {
        let base = r#"{"id":"a.b","level":"must","keyword":"MUST","spec":"s","document":"d","section":"x","source":"d","check":"static","summary":"s","links":{"main":"https://x"}}"#;
        let one = |c: &str| format!(r#"{{"catalog_version":"0","clauses":[{c}]}}"#);
        let plain = Catalog::from_json(&one(base)).unwrap();
        let c = plain.get("a.b").unwrap();
        assert_eq!(c.category, Category::Spec);
        assert!(!c.derived && c.source_quotes.is_empty());
        assert!(!plain.is_tool("a.b"));
        let tool = base.replace(r#""level":"must""#, r#""level":"must","category":"tool""#);
        assert!(matches!(
            Catalog::from_json(&one(&tool)),
            Err(CatalogError::ToolAtMust(id)) if id == "a.b"
        ));
        let tool = tool.replace(r#""level":"must""#, r#""level":"may""#);
        assert!(Catalog::from_json(&one(&tool)).unwrap().is_tool("a.b"));
        let quoted = base.replace(
            r#""links""#,
            r#""source_quotes":[{"versions":["1.0.0"],"file":"x/{version}/y.md","quote":"It MUST be."}],"links""#,
        );
        let cat = Catalog::from_json(&one(&quoted)).unwrap();
        let q = &cat.get("a.b").unwrap().source_quotes[0];
        assert_eq!(q.path_for("1.0.0"), "x/1.0.0/y.md");
        assert!(q.has_must_keyword());
        let should = SourceQuote {
            quote: "It SHOULD be; a must-have is not MUSTY.".into(),
            ..q.clone()
        };
        assert!(!should.has_must_keyword());
    }

    #[test]
    fn filter_by_level_and_kind() {
        let cat = Catalog::embedded();
        let s = cat.filter(Some(Level::Should), Some(CheckKind::Static));
        assert!(!s.is_empty());
        assert!(s
            .iter()
            .all(|c| c.level == Level::Should && c.check == CheckKind::Static));
    }

    #[test]
    fn checked_as_names_a_known_clause() {
        let cat = Catalog::embedded();
        for c in cat.clauses() {
            if let Some(t) = &c.checked_as {
                assert!(cat.contains(t), "{} is checked as unknown {t}", c.id);
                assert!(
                    c.not_checkable.is_none(),
                    "{}: both checked_as and not_checkable",
                    c.id
                );
            }
        }
    }

    #[test]
    fn ids_are_dotted() {
        assert!(is_clause_id("core.bundle.version.semver2"));
        assert!(!is_clause_id("core"));
        assert!(!is_clause_id("core..x"));
        assert!(!is_clause_id("core.a b"));
    }
}
