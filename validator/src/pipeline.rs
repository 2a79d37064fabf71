//! The check pipeline: bytes in, a [`Report`] out.
//!
//! Stages: UTF-8 and byte-order-mark check, JSON parse with spans and
//! duplicate keys, kind and version detection, schema validation, the
//! canonical JSON check (bundles only), and the semantic rules. Every problem
//! with the input is a finding; only reading a file can fail.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use cnab_model::{Catalog, DocumentKind, Finding, Span, SpecVersion};
use serde::Serialize;
use serde_json::Value;

use crate::detect::{self, Decision, Origin};
use crate::json::canonical::{is_canonical, matches_canonical, NotCanonical, Profile};
use crate::json::{self, Node, ParseLimits};
use crate::rules::{self, RuleContext, RuleOptions};
use crate::schema;

/// Which canonical JSON profile a bundle must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CanonicalMode {
    /// Either profile is accepted; the report says which matched.
    #[default]
    Auto,
    /// OLPC canonical JSON (docker/go `canonical/json`).
    Olpc,
    /// RFC 8785 JCS (what cnab-go writes).
    Jcs,
    /// No canonical check.
    Off,
}

impl CanonicalMode {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CanonicalMode::Auto => "auto",
            CanonicalMode::Olpc => "olpc",
            CanonicalMode::Jcs => "jcs",
            CanonicalMode::Off => "off",
        }
    }

    fn profiles(self) -> &'static [Profile] {
        match self {
            CanonicalMode::Auto => &[Profile::Olpc, Profile::Jcs],
            CanonicalMode::Olpc => &[Profile::Olpc],
            CanonicalMode::Jcs => &[Profile::Jcs],
            CanonicalMode::Off => &[],
        }
    }
}

impl fmt::Display for CanonicalMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CanonicalMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(CanonicalMode::Auto),
            "olpc" => Ok(CanonicalMode::Olpc),
            "jcs" => Ok(CanonicalMode::Jcs),
            "off" => Ok(CanonicalMode::Off),
            _ => Err(format!(
                "unknown canonical mode `{s}` (known: auto, olpc, jcs, off)"
            )),
        }
    }
}

/// The outcome of the canonical JSON check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum CanonicalVerdict {
    /// Not checked, with the reason (not a bundle, mode off, does not parse).
    NotChecked {
        /// Why.
        reason: String,
    },
    /// The bytes are exactly the canonical form under these profiles.
    Canonical {
        /// Every profile that matched.
        profiles: Vec<Profile>,
    },
    /// The bytes are not canonical under any of the profiles tried.
    NotCanonical {
        /// The profiles tried.
        profiles: Vec<Profile>,
        /// The first byte offset where the input and the canonical form differ
        /// (the smallest over the profiles tried).
        offset: usize,
    },
}

impl CanonicalVerdict {
    /// A short label: `olpc`, `jcs`, `olpc+jcs`, `no` or `not checked`.
    pub fn label(&self) -> String {
        match self {
            CanonicalVerdict::NotChecked { .. } => "not checked".into(),
            CanonicalVerdict::Canonical { profiles } => profiles
                .iter()
                .map(|p| profile_name(*p))
                .collect::<Vec<_>>()
                .join("+"),
            CanonicalVerdict::NotCanonical { .. } => "no".into(),
        }
    }
}

/// The stable name of a profile.
pub fn profile_name(p: Profile) -> &'static str {
    match p {
        Profile::Olpc => "olpc",
        Profile::Jcs => "jcs",
    }
}

/// Everything the pipeline found about one document.
#[derive(Debug, Clone)]
pub struct Report {
    /// The name shown for the document (a path, or `<stdin>`).
    pub name: String,
    /// The document kind and how it was decided.
    pub kind: Decision<DocumentKind>,
    /// The spec version and how it was decided.
    pub version: Decision<SpecVersion>,
    /// The canonical JSON verdict.
    pub canonical: CanonicalVerdict,
    /// Findings, sorted by position (findings without a span last).
    pub findings: Vec<Finding>,
    /// The input bytes, for rendering code frames.
    pub source: Vec<u8>,
}

impl Report {
    /// The most severe level among the findings, if any.
    pub fn worst(&self) -> Option<cnab_model::Level> {
        self.findings.iter().map(|f| f.level).max()
    }

    /// Whether any finding is at or above `level`. Findings on tool clauses
    /// (`doc.*`, `json.limits`) are notices and never fail a document.
    pub fn fails_at(&self, level: cnab_model::Level) -> bool {
        let catalog = Catalog::embedded();
        self.findings
            .iter()
            .any(|f| f.level >= level && !catalog.is_tool(&f.clause))
    }
}

/// Builds a [`Validator`]; settings are frozen by [`ValidatorBuilder::build`].
#[derive(Debug, Clone, Default)]
pub struct ValidatorBuilder {
    kind: Option<DocumentKind>,
    version: Option<SpecVersion>,
    canonical: CanonicalMode,
    release: bool,
    bundle: Option<Value>,
    limits: ParseLimits,
}

impl ValidatorBuilder {
    /// A builder with the defaults: detect kind and version, canonical `auto`,
    /// no release strictness, default parse limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Judges every document as this kind instead of detecting it.
    pub fn kind(mut self, kind: Option<DocumentKind>) -> Self {
        self.kind = kind;
        self
    }

    /// Judges every document under this spec version instead of detecting it.
    pub fn spec_version(mut self, version: Option<SpecVersion>) -> Self {
        self.version = version;
        self
    }

    /// The canonical JSON mode for bundles.
    pub fn canonical(mut self, mode: CanonicalMode) -> Self {
        self.canonical = mode;
        self
    }

    /// Release strictness (every image carries a `contentDigest`).
    pub fn release(mut self, release: bool) -> Self {
        self.release = release;
        self
    }

    /// The bundle that relocation mappings and claims are judged against.
    pub fn bundle(mut self, bundle: Option<Value>) -> Self {
        self.bundle = bundle;
        self
    }

    /// Parser limits (size, depth).
    pub fn limits(mut self, limits: ParseLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Freezes the settings.
    pub fn build(self) -> Validator {
        Validator {
            kind: self.kind,
            version: self.version,
            canonical: self.canonical,
            limits: self.limits,
            rule_options: RuleOptions {
                release: self.release,
                bundle: self.bundle,
            },
        }
    }
}

/// Checks documents. Build it once (with [`ValidatorBuilder`]) and call
/// [`Validator::check`] for each document; the compiled schemas are shared by
/// every check in the process.
#[derive(Debug, Clone)]
pub struct Validator {
    kind: Option<DocumentKind>,
    version: Option<SpecVersion>,
    canonical: CanonicalMode,
    limits: ParseLimits,
    rule_options: RuleOptions,
}

impl Default for Validator {
    fn default() -> Self {
        ValidatorBuilder::new().build()
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The clauses the pipeline itself reports (the schema mapping and the
/// semantic rules report the others).
pub const PIPELINE_CLAUSES: &[&str] = &[
    "json.wellformed",
    "json.unique_keys",
    "json.limits",
    "doc.kind.known",
    "doc.schemaVersion.known",
    "core.bundle.canonical_json",
];

/// Collects findings, giving each its level from the catalog.
struct Sink {
    findings: Vec<Finding>,
}

impl Sink {
    fn push(&mut self, clause: &str, pointer: &str, message: String, span: Option<Span>) {
        self.push_full(clause, pointer, message, span, None);
    }

    fn push_full(
        &mut self,
        clause: &str,
        pointer: &str,
        message: String,
        span: Option<Span>,
        schema_path: Option<String>,
    ) {
        self.findings.push(Finding {
            clause: clause.to_string(),
            level: Catalog::embedded().level_of(clause),
            message,
            pointer: pointer.to_string(),
            schema_path,
            span,
        });
    }
}

/// Finds the spans of JSON Pointers in the parsed tree.
///
/// An object with many members gets a key index the first time a pointer
/// goes through it, so that many findings inside one large object cost
/// linear time: with a linear search per finding, a bundle of 20,000
/// parameters with one finding each took 17 seconds to check.
struct Locator<'a> {
    root: &'a Node,
    objects: RefCell<HashMap<*const Node, HashMap<&'a str, usize>>>,
}

/// Objects up to this size are searched directly.
const INDEX_FROM: usize = 16;

impl<'a> Locator<'a> {
    fn new(root: &'a Node) -> Self {
        Locator {
            root,
            objects: RefCell::new(HashMap::new()),
        }
    }

    /// The member `key` of `node`, the last one when the key repeats (as
    /// [`Node::pointer`] and serde_json decide).
    fn member(&self, node: &'a Node, key: &str) -> Option<&'a json::Member> {
        let json::NodeValue::Object(members) = &node.value else {
            return None;
        };
        if members.len() <= INDEX_FROM {
            return members.iter().rev().find(|m| m.key == key);
        }
        let mut objects = self.objects.borrow_mut();
        let index = objects.entry(node as *const Node).or_insert_with(|| {
            let mut index = HashMap::with_capacity(members.len());
            for (i, m) in members.iter().enumerate() {
                index.insert(m.key.as_str(), i);
            }
            index
        });
        index.get(key).map(|&i| &members[i])
    }

    /// The node at `pointer` (RFC 6901), like [`Node::pointer`].
    fn node(&self, pointer: &str) -> Option<&'a Node> {
        if pointer.is_empty() {
            return Some(self.root);
        }
        let mut node = self.root;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = json::unescape_token(raw)?;
            node = match &node.value {
                json::NodeValue::Object(_) => &self.member(node, &token)?.value,
                json::NodeValue::Array(items) => {
                    let canonical = !token.is_empty()
                        && token.bytes().all(|b| b.is_ascii_digit())
                        && (token == "0" || !token.starts_with('0'));
                    if !canonical {
                        return None;
                    }
                    items.get(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// The span of the value at `pointer`, or of the key `key` inside it.
    fn span(&self, pointer: &str, key: Option<&str>) -> Option<Span> {
        let node = self.node(pointer)?;
        if let Some(m) = key.and_then(|k| self.member(node, k)) {
            return Some(m.key_span);
        }
        Some(node.span)
    }
}

fn escape_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// A one-byte span at `offset`, clipped to the input (empty at its end).
fn point(offset: usize, len: usize) -> Span {
    let start = offset.min(len);
    Span {
        start,
        end: (start + 1).min(len),
    }
}

impl Validator {
    /// Reads and checks a file. `Err` only when the file cannot be read.
    ///
    /// Reads at most one byte past the size limit, so that a device or pipe
    /// without end (`/dev/zero`) gives a `json.limits` finding instead of
    /// exhausting memory.
    pub fn check_path(&self, path: &Path) -> std::io::Result<Report> {
        use std::io::Read;
        let cap = u64::try_from(self.limits.max_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut bytes = Vec::new();
        std::fs::File::open(path)?
            .take(cap)
            .read_to_end(&mut bytes)?;
        let stopped = u64::try_from(bytes.len()).is_ok_and(|n| n >= cap);
        let mut report = self.check_owned(&path.display().to_string(), bytes);
        if stopped {
            for f in report
                .findings
                .iter_mut()
                .filter(|f| f.clause == "json.limits")
            {
                f.message = format!(
                    "the document is larger than the limit of {} bytes (reading stopped there); not checked",
                    self.limits.max_bytes
                );
            }
        }
        Ok(report)
    }

    /// Checks one document. Never fails: every problem is a finding.
    pub fn check(&self, name: &str, bytes: &[u8]) -> Report {
        self.check_owned(name, bytes.to_vec())
    }

    /// Checks one document, moving its bytes into [`Report::source`] instead
    /// of copying them (so a large document is held once, not twice).
    pub fn check_owned(&self, name: &str, bytes: Vec<u8>) -> Report {
        let mut sink = Sink {
            findings: Vec::new(),
        };
        let mut report = Report {
            name: name.to_string(),
            kind: Decision {
                value: self.kind,
                origin: if self.kind.is_some() {
                    Origin::Override
                } else {
                    Origin::Unknown
                },
                reason: "not decided: the check stopped earlier".into(),
            },
            version: Decision {
                value: self.version,
                origin: if self.version.is_some() {
                    Origin::Override
                } else {
                    Origin::Unknown
                },
                reason: "not decided: the check stopped earlier".into(),
            },
            canonical: CanonicalVerdict::NotChecked {
                reason: "the document was not parsed".into(),
            },
            findings: Vec::new(),
            source: Vec::new(),
        };
        self.run(&bytes, &mut report, &mut sink);
        report.source = bytes;
        let mut findings = sink.findings;
        findings.sort_by(|a, b| {
            let pos = |f: &Finding| f.span.map_or(usize::MAX, |s| s.start);
            pos(a)
                .cmp(&pos(b))
                .then_with(|| a.clause.cmp(&b.clause))
                .then_with(|| a.pointer.cmp(&b.pointer))
        });
        findings.dedup();
        report.findings = findings;
        report
    }

    fn run(&self, bytes: &[u8], report: &mut Report, sink: &mut Sink) {
        let len = bytes.len();
        if len > self.limits.max_bytes {
            sink.push(
                "json.limits",
                "",
                format!(
                    "the document is {len} bytes, over the limit of {} bytes; not checked",
                    self.limits.max_bytes
                ),
                Some(point(0, len)),
            );
            return;
        }
        // A byte order mark is reported, then read as whitespace so that the
        // rest of the document is still checked and every span stays valid.
        let mut text = std::borrow::Cow::Borrowed(bytes);
        if bytes.starts_with(BOM) {
            sink.push(
                "json.wellformed",
                "",
                "the document starts with a UTF-8 byte order mark, which JSON text must not have"
                    .into(),
                Some(Span { start: 0, end: 3 }),
            );
            let mut owned = bytes.to_vec();
            owned[..3].copy_from_slice(b"   ");
            text = std::borrow::Cow::Owned(owned);
        }
        if let Err(e) = std::str::from_utf8(&text) {
            let at = e.valid_up_to();
            sink.push(
                "json.wellformed",
                "",
                format!("the document is not valid UTF-8 (bad byte 0x{:02X} at offset {at}); not checked", text[at]),
                Some(point(at, len)),
            );
            return;
        }
        let mut parsed = match json::parse(&text, &self.limits) {
            Ok(p) => p,
            Err(e) => {
                let clause = if e.limit {
                    "json.limits"
                } else {
                    "json.wellformed"
                };
                sink.push(
                    clause,
                    "",
                    format!("{}; not checked further", e.message),
                    Some(point(e.offset, len)),
                );
                return;
            }
        };
        // Whether the text is canonical is settled now, from the tree; the
        // tree then becomes the `Value` the schema and the rules read,
        // without copying its strings. Spans are found, when a finding needs
        // one, in a second parse of the same text (the parse is
        // deterministic), which most documents never need.
        let canonical_matches: Vec<Profile> = match self.canonical {
            CanonicalMode::Off => Vec::new(),
            _ => self
                .canonical
                .profiles()
                .iter()
                .copied()
                .filter(|&p| matches_canonical(bytes, &parsed, p))
                .collect(),
        };
        let root_span = Some(parsed.root.span);
        let duplicates = std::mem::take(&mut parsed.duplicates);
        let doc = parsed.root.into_value();
        let reparsed: OnceCell<Option<json::Parsed>> = OnceCell::new();
        let tree = || {
            reparsed
                .get_or_init(|| json::parse(&text, &self.limits).ok())
                .as_ref()
        };
        let locator_cell: OnceCell<Option<Locator<'_>>> = OnceCell::new();
        let locate = |pointer: &str, key: Option<&str>| {
            locator_cell
                .get_or_init(|| tree().map(|t| Locator::new(&t.root)))
                .as_ref()
                .and_then(|l| l.span(pointer, key))
        };
        {
            for d in &duplicates {
                let key = d.pointer.rsplit('/').next().unwrap_or_default();
                sink.push(
                    "json.unique_keys",
                    &d.pointer,
                    format!(
                        "key `{}` occurs more than once in the same object (first at byte {})",
                        key.replace("~1", "/").replace("~0", "~"),
                        d.first.start
                    ),
                    Some(d.second),
                );
            }
        }

        // Kind.
        if self.kind.is_none() {
            report.kind = detect::detect_kind(&doc);
        } else {
            report.kind.reason = "given with --kind".into();
        }
        let Some(kind) = report.kind.value else {
            sink.push(
                "doc.kind.known",
                "",
                format!(
                    "cannot tell which CNAB document this is: {} (use --kind to say)",
                    report.kind.reason
                ),
                root_span,
            );
            report.canonical = CanonicalVerdict::NotChecked {
                reason: "the document kind is unknown".into(),
            };
            return;
        };

        // Version.
        if self.version.is_none() {
            let d = detect::detect_version(&doc, kind);
            if let Some(msg) = d.unknown {
                let span = locate("/schemaVersion", None).or(root_span);
                sink.push("doc.schemaVersion.known", "/schemaVersion", msg, span);
            }
            report.version = d.decision;
        } else {
            report.version.reason = "given with --spec-version".into();
        }
        let version = report.version.value.unwrap_or(SpecVersion::latest_core());

        // Schema. A version without a schema for this kind (parameter sources
        // before core 1.1.0) borrows the newest schema of that kind, and says so.
        let mut schema_version = version;
        if kind.schema_file().is_some() && schema::schema_path(version, kind).is_none() {
            // `max_by_key` keeps the last of equal keys: the newest, since
            // `ALL` lists each family oldest first.
            if let Some(v) = SpecVersion::ALL
                .iter()
                .copied()
                .filter(|v| schema::schema_path(*v, kind).is_some())
                .max_by_key(|v| v.family() == version.family())
            {
                schema_version = v;
                report.version.reason.push_str(&format!(
                    "; {version} has no {kind} schema, so the one of {v} is used"
                ));
            }
        }
        match schema::validate(schema_version, kind, &doc) {
            Ok(Some(violations)) => {
                for v in violations {
                    // 500 § sequence defines `sequence`, but the schema closes
                    // the object without it (CLAUSES.md, schema defect 3):
                    // the rules check `sequence` instead.
                    if kind == DocumentKind::Dependencies
                        && v.pointer.is_empty()
                        && v.keyword == "additionalProperties"
                        && v.message == "property `sequence` is not allowed here"
                    {
                        continue;
                    }
                    let clause = schema::clause_for(kind, &v);
                    let (pointer, span) = match (v.keyword.as_str(), &v.property) {
                        ("additionalProperties", Some(p)) => (
                            format!("{}/{}", v.pointer, escape_segment(p)),
                            locate(&v.pointer, Some(p)),
                        ),
                        _ => (v.pointer.clone(), locate(&v.pointer, None)),
                    };
                    sink.push_full(
                        clause,
                        &pointer,
                        v.message,
                        span.or(root_span),
                        Some(v.schema_path),
                    );
                }
            }
            Ok(None) => {}
            Err(e) => {
                // A defect of this build, reported rather than hidden.
                sink.push(
                    "doc.schemaVersion.known",
                    "",
                    format!("the schema set of {version} cannot be used: {e}"),
                    root_span,
                );
            }
        }

        // Canonical form.
        report.canonical = self.canonical_verdict(kind, canonical_matches, &tree, bytes, sink);

        // Semantic rules.
        let ctx = RuleContext {
            doc: &doc,
            kind,
            version,
            options: &self.rule_options,
        };
        for raw in rules::check(&ctx) {
            let span = locate(&raw.pointer, None).or(root_span);
            sink.push(raw.clause, &raw.pointer, raw.message, span);
        }
    }

    /// The canonical verdict of a document of `kind`, given the profiles
    /// its text `matches` (from [`matches_canonical`]); `tree` parses the
    /// text again when the difference must be explained.
    fn canonical_verdict<'t>(
        &self,
        kind: DocumentKind,
        matches: Vec<Profile>,
        tree: &dyn Fn() -> Option<&'t json::Parsed>,
        bytes: &[u8],
        sink: &mut Sink,
    ) -> CanonicalVerdict {
        if kind != DocumentKind::Bundle {
            return CanonicalVerdict::NotChecked {
                reason: format!("only bundles must be canonical, not {kind} documents"),
            };
        }
        if self.canonical == CanonicalMode::Off {
            return CanonicalVerdict::NotChecked {
                reason: "--canonical off".into(),
            };
        }
        let tried = self.canonical.profiles();
        if !matches.is_empty() {
            return CanonicalVerdict::Canonical { profiles: matches };
        }
        let Some(parsed) = tree() else {
            // Unreachable: the same text parsed a moment ago.
            return CanonicalVerdict::NotChecked {
                reason: "the document did not parse a second time".into(),
            };
        };
        let mut matched = Vec::new();
        let mut first: Option<(Profile, NotCanonical)> = None;
        // When both profiles write the same bytes, OLPC's answer is JCS's
        // too: a match for both, or the same first difference (and OLPC is
        // kept as the first on a tie).
        let agree = tried.len() > 1 && profiles_agree(bytes, &parsed.root);
        for &p in tried {
            if agree && p == Profile::Jcs {
                if matched.contains(&Profile::Olpc) {
                    matched.push(p);
                }
                continue;
            }
            match is_canonical(bytes, parsed, p) {
                Ok(()) => matched.push(p),
                Err(e) => {
                    if first.as_ref().is_none_or(|(_, f)| e.offset < f.offset) {
                        first = Some((p, e));
                    }
                }
            }
        }
        if !matched.is_empty() {
            return CanonicalVerdict::Canonical { profiles: matched };
        }
        let names = tried
            .iter()
            .map(|p| profile_name(*p))
            .collect::<Vec<_>>()
            .join(" or ");
        let (offset, detail, pointer) = match first {
            Some((p, e)) => (
                e.offset,
                format!("{}: {}", profile_name(p), e.message),
                e.pointer.unwrap_or_default(),
            ),
            None => (0, String::new(), String::new()),
        };
        sink.push(
            "core.bundle.canonical_json",
            &pointer,
            format!(
                "the bundle is not canonical JSON ({names}): first difference at byte {offset} ({detail}); `cnab-validate fmt --write` fixes it"
            ),
            Some(point(offset, bytes.len())),
        );
        CanonicalVerdict::NotCanonical {
            profiles: tried.to_vec(),
            offset,
        }
    }
}

/// Whether the OLPC and JCS canonical forms of this document are the same
/// bytes, so that checking one profile answers for both.
///
/// They are when the text has no escape sequence (so no string holds a
/// control character, `"` or `\`, the only characters the two profiles write
/// differently), every key is ASCII (so byte order and UTF-16 order agree),
/// and every number is an integer of at most 15 digits (written as its
/// digits by both, and exact as a double).
fn profiles_agree(bytes: &[u8], root: &Node) -> bool {
    if bytes.contains(&b'\\') {
        return false;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            json::NodeValue::Number(raw) => {
                let digits = raw.strip_prefix('-').unwrap_or(raw);
                if digits.is_empty()
                    || digits.len() > 15
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return false;
                }
            }
            json::NodeValue::Array(items) => stack.extend(items),
            json::NodeValue::Object(members) => {
                for m in members {
                    if !m.key.is_ascii() {
                        return false;
                    }
                    stack.push(&m.value);
                }
            }
            _ => {}
        }
    }
    true
}

/// The first offset where `a` and `b` differ (the shorter length when one is
/// a prefix of the other).
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clauses(r: &Report) -> Vec<&str> {
        r.findings.iter().map(|f| f.clause.as_str()).collect()
    }

    #[test]
    fn pipeline_clauses_are_in_the_catalog() {
        for c in PIPELINE_CLAUSES {
            assert!(Catalog::embedded().contains(c), "{c}");
        }
    }

    #[test]
    fn findings_are_sorted_by_position() {
        let doc = br#"{"b":{"status":1},"a":"x","status":"Ready","status":"Failed"}"#;
        let r = ValidatorBuilder::new()
            .kind(Some(DocumentKind::Status))
            .build()
            .check("t", doc);
        let starts: Vec<usize> = r
            .findings
            .iter()
            .filter_map(|f| f.span.map(|s| s.start))
            .collect();
        let mut sorted = starts.clone();
        sorted.sort();
        assert_eq!(starts, sorted);
        assert!(
            clauses(&r).contains(&"json.unique_keys"),
            "{:?}",
            r.findings
        );
        assert_eq!(r.kind.origin, Origin::Override);
    }

    #[test]
    fn size_limit_is_a_finding() {
        let r = ValidatorBuilder::new()
            .limits(ParseLimits {
                max_depth: 512,
                max_bytes: 8,
            })
            .build()
            .check("t", br#"{"status":"Ready"}"#);
        assert_eq!(clauses(&r), ["json.limits"]);
        assert!(r.findings[0].message.contains("over the limit of 8 bytes"));
    }

    #[test]
    fn the_locator_agrees_with_node_pointer() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!(r#""k{i}":{{"a/b":[{i}]}},"#));
        }
        text.push_str(r#""k7":"last","~":1}"#);
        let parsed = json::parse(text.as_bytes(), &ParseLimits::default()).unwrap();
        let locator = Locator::new(&parsed.root);
        for pointer in [
            "",
            "/k0",
            "/k7",
            "/k39/a~1b",
            "/k39/a~1b/0",
            "/~0",
            "/k1/a~1b/01",
            "/nope",
            "/k1/a~2b",
        ] {
            assert_eq!(
                locator.node(pointer).map(|n| n.span),
                parsed.root.pointer(pointer).map(|n| n.span),
                "{pointer}"
            );
        }
        let last = locator.span("", Some("k7")).unwrap();
        assert_eq!(&text[last.start..last.end], r#""k7""#);
        assert!(last.start > text.len() / 2, "the last `k7` wins");
    }

    #[test]
    fn an_endless_file_is_read_only_to_the_limit() {
        let r = ValidatorBuilder::new()
            .limits(ParseLimits {
                max_depth: 512,
                max_bytes: 1024,
            })
            .build()
            .check_path(Path::new("/dev/zero"))
            .expect("readable");
        assert_eq!(clauses(&r), ["json.limits"]);
        assert_eq!(r.source.len(), 1025);
        assert!(
            r.findings[0]
                .message
                .contains("larger than the limit of 1024 bytes"),
            "{}",
            r.findings[0].message
        );
    }

    #[test]
    fn canonical_verdicts_name_the_profiles() {
        let d = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let bundle = format!(
            r#"{{"invocationImages":[{{"contentDigest":"{d}","image":"a/b@{d}"}}],"name":"x","schemaVersion":"v1.2.0","version":"1.0.0"}}"#
        );
        let v = Validator::default();
        let r = v.check("t", bundle.as_bytes());
        assert_eq!(
            r.canonical,
            CanonicalVerdict::Canonical {
                profiles: vec![Profile::Olpc, Profile::Jcs]
            }
        );
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        let spaced = bundle.replacen(':', ": ", 1);
        let r = v.check("t", spaced.as_bytes());
        assert_eq!(
            r.canonical,
            CanonicalVerdict::NotCanonical {
                profiles: vec![Profile::Olpc, Profile::Jcs],
                offset: 20
            }
        );
        assert_eq!(clauses(&r), ["core.bundle.canonical_json"]);
        assert_eq!(r.findings[0].span, Some(Span { start: 20, end: 21 }));
    }

    #[test]
    fn a_version_without_the_kind_schema_borrows_the_newest() {
        let r = ValidatorBuilder::new()
            .spec_version(Some(SpecVersion::Core1_0_0))
            .build()
            .check("t", br#"{"p": {"priority": ["nowhere"], "sources": {}}}"#);
        assert_eq!(r.kind.value, Some(DocumentKind::ParameterSources));
        assert!(
            r.version
                .reason
                .contains("the one of cnab-core-1.2.0 is used"),
            "{}",
            r.version.reason
        );
        assert!(
            clauses(&r).contains(&"ext.paramsources.schema"),
            "{:?}",
            r.findings
        );
    }

    #[test]
    fn claims_are_not_checked_for_canonical_form() {
        let r = Validator::default().check("t", br#"{ "claimId": "x", "status": "succeeded" }"#);
        assert!(matches!(r.canonical, CanonicalVerdict::NotChecked { .. }));
        assert!(!clauses(&r).contains(&"core.bundle.canonical_json"));
    }

    #[test]
    fn profiles_agree_only_when_olpc_and_jcs_write_the_same_bytes() {
        use crate::json::canonical::canonicalize;
        let docs: &[(&str, bool)] = &[
            (
                r#"{"b":[1,-2,0,-0,123456789012345],"a":{"z":null,"y":true},"é":1}"#,
                false,
            ),
            (
                r#"{"b":[1,-2,0,-0,123456789012345],"a":{"z":null,"y":"é😀"}}"#,
                true,
            ),
            (r#"{"a":"x\ty"}"#, false),
            (r#"{"a":"\u0001"}"#, false),
            (r#"{"a":1.0}"#, false),
            (r#"{"a":1e2}"#, false),
            (r#"{"a":1234567890123456789}"#, false),
            (r#"{"":1,"😀":2}"#, false),
            (r#"[{"b":1,"a":2},"plain"]"#, true),
        ];
        for (doc, expected) in docs {
            let parsed = json::parse(doc.as_bytes(), &ParseLimits::default()).unwrap();
            let agree = profiles_agree(doc.as_bytes(), &parsed.root);
            assert_eq!(agree, *expected, "{doc}");
            if agree {
                assert_eq!(
                    canonicalize(&parsed.root, Profile::Olpc),
                    canonicalize(&parsed.root, Profile::Jcs),
                    "{doc}"
                );
            }
        }
        // Where the shortcut does not apply, the profiles really can differ.
        for doc in [r#"{"a":"x\ty"}"#, r#"{"":1,"😀":2}"#] {
            let parsed = json::parse(doc.as_bytes(), &ParseLimits::default()).unwrap();
            assert_ne!(
                canonicalize(&parsed.root, Profile::Olpc),
                canonicalize(&parsed.root, Profile::Jcs),
                "{doc}"
            );
        }
    }

    #[test]
    fn definitions_that_differ_only_in_annotations_are_judged_on_their_own_defaults() {
        // The rules share one compiled validator between these definitions;
        // each default must still be judged by itself.
        let d = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let bundle = format!(
            r#"{{"definitions":{{"a":{{"default":"x","type":"string"}},"b":{{"default":5,"description":"d","type":"string"}},"c":{{"default":"y","title":"t","type":"string"}},"d":{{"default":"z","maxLength":0,"type":"string"}}}},"invocationImages":[{{"contentDigest":"{d}","image":"a/b@{d}"}}],"name":"x","schemaVersion":"v1.2.0","version":"1.0.0"}}"#
        );
        for _ in 0..2 {
            let r = Validator::default().check("t", bundle.as_bytes());
            let pointers: Vec<&str> = r
                .findings
                .iter()
                .filter(|f| f.clause == "core.definitions.default_valid")
                .map(|f| f.pointer.as_str())
                .collect();
            assert_eq!(
                pointers,
                ["/definitions/b/default", "/definitions/d/default"],
                "{:?}",
                r.findings
            );
        }
    }

    #[test]
    fn first_difference_finds_the_offset() {
        assert_eq!(first_difference(b"abc", b"abd"), 2);
        assert_eq!(first_difference(b"ab", b"abc"), 2);
        assert_eq!(first_difference(b"", b"x"), 0);
    }

    #[test]
    fn canonical_mode_parses() {
        assert_eq!("jcs".parse::<CanonicalMode>().unwrap(), CanonicalMode::Jcs);
        assert!("x".parse::<CanonicalMode>().unwrap_err().contains("auto"));
    }
}
