//! The check pipeline: bytes in, a [`Report`] out.
//!
//! [`Validator::check_owned`] reads as the whole sequence: the size limit,
//! the byte order mark and UTF-8; the JSON parse with spans and duplicate
//! keys; the canonical verdict from those spans; the tree moved into a
//! `Value`; kind and version; the JSON Schema of that version; the semantic
//! rules. Every problem with the input is a finding; only reading a file can
//! fail. The stages that need more than a few lines live beside this file:
//! [`canonical`] (the canonical JSON policy), [`locate`] (pointers to spans),
//! [`report`] (the [`Report`] and the finding sink).

mod canonical;
mod locate;
mod report;

use std::borrow::Cow;
use std::path::Path;

use cnab_model::{DocumentKind, Finding, Span, SpecVersion};
use serde_json::Value;

pub use canonical::{first_difference, profile_name, CanonicalMode, CanonicalVerdict};
pub use report::Report;

use crate::detect::{self, Decision, Origin};
use crate::json::canonical::{matches_canonical, Profile};
use crate::json::{self, ParseLimits, Parsed};
use crate::rules::{self, RuleContext, RuleOptions};
use crate::schema;
use locate::{escape_segment, point, LazyTree, Spans};
use report::Sink;

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
impl Validator {
    /// Reads and checks a file. `Err` only when the file cannot be read.
    ///
    /// Reads at most one byte past the size limit, so that a device or pipe
    /// without end (`/dev/zero`) gives a `json.limits` finding instead of
    /// exhausting memory.
    pub fn check_path(&self, path: &Path) -> std::io::Result<Report> {
        let file = std::fs::File::open(path)?;
        let hint = file.metadata().map_or(0, |m| m.len());
        let bytes = self.limits.read(file, hint)?;
        Ok(self.check_read(&path.display().to_string(), bytes))
    }

    /// Checks bytes read with [`ParseLimits::read`] under this validator's
    /// limits: when the read stopped at the limit, the size finding says so
    /// rather than quoting the size read.
    pub fn check_read(&self, name: &str, bytes: Vec<u8>) -> Report {
        let stopped = bytes.len() > self.limits.max_bytes;
        let mut report = self.check_owned(name, bytes);
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
        report
    }

    /// Checks one document. Never fails: every problem is a finding.
    pub fn check(&self, name: &str, bytes: &[u8]) -> Report {
        self.check_owned(name, bytes.to_vec())
    }

    /// Checks one document, moving its bytes into [`Report::source`] instead
    /// of copying them (so a large document is held once, not twice).
    pub fn check_owned(&self, name: &str, bytes: Vec<u8>) -> Report {
        let mut report = Report {
            name: name.to_string(),
            kind: undecided(self.kind),
            version: undecided(self.version),
            canonical: CanonicalVerdict::NotChecked {
                reason: "the document was not parsed".into(),
            },
            findings: Vec::new(),
            source: Vec::new(),
        };
        let mut sink = Sink {
            findings: Vec::new(),
        };
        self.run(&bytes, &mut report, &mut sink);
        report.source = bytes;
        report.findings = sorted(sink.findings);
        report
    }

    /// The stages, in order; each returns early when the document cannot be
    /// checked further.
    fn run(&self, bytes: &[u8], report: &mut Report, sink: &mut Sink) {
        let Some(text) = self.admit(bytes, sink) else {
            return;
        };
        let Some(mut parsed) = self.parse(&text, sink) else {
            return;
        };
        // Whether the text is canonical is settled now, from the tree; the
        // tree then becomes the `Value` the schema and the rules read,
        // without copying its strings. Spans are found, when a finding needs
        // one, in a second parse of the same text (the parse is
        // deterministic), which most documents never need.
        let canonical_matches: Vec<Profile> = self
            .canonical
            .profiles()
            .iter()
            .copied()
            .filter(|&p| matches_canonical(bytes, &parsed, p))
            .collect();
        let root_span = Some(parsed.root.span);
        let duplicates = std::mem::take(&mut parsed.duplicates);
        let doc = parsed.root.into_value();
        let tree = LazyTree::new(&text, &self.limits);
        let spans = Spans::new(&tree);
        let at = |pointer: &str, key: Option<&str>| spans.find(pointer, key).or(root_span);
        report_duplicates(&duplicates, sink);

        let Some(kind) = self.decide_kind(&doc, report, root_span, sink) else {
            return;
        };
        let version = self.decide_version(&doc, kind, report, &at, sink);
        let schema_version = schema_version_for(kind, version, report);
        check_schema(schema_version, kind, &doc, &at, sink);
        report.canonical = canonical::verdict(
            self.canonical,
            kind,
            canonical_matches,
            &|| tree.get(),
            bytes,
            sink,
        );
        let ctx = RuleContext {
            doc: &doc,
            kind,
            version,
            options: &self.rule_options,
        };
        for raw in rules::check(&ctx) {
            // An unknown field is shown at its key, as the schema's
            // `additionalProperties` violations are.
            let span = match raw.pointer.rsplit_once('/') {
                Some((parent, key)) if raw.clause == rules::UNKNOWN_FIELD_CLAUSE => {
                    let key = key.replace("~1", "/").replace("~0", "~");
                    at(parent, Some(&key))
                }
                _ => at(&raw.pointer, None),
            };
            sink.push(raw.clause, &raw.pointer, raw.message, span);
        }
    }

    /// The size limit, the byte order mark and UTF-8: the text to parse, or
    /// `None` when the document cannot be read as JSON text at all.
    fn admit<'b>(&self, bytes: &'b [u8], sink: &mut Sink) -> Option<Cow<'b, [u8]>> {
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
            return None;
        }
        // A byte order mark is reported, then read as whitespace so that the
        // rest of the document is still checked and every span stays valid.
        let mut text = Cow::Borrowed(bytes);
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
            text = Cow::Owned(owned);
        }
        if let Err(e) = std::str::from_utf8(&text) {
            let at = e.valid_up_to();
            sink.push(
                "json.wellformed",
                "",
                format!("the document is not valid UTF-8 (bad byte 0x{:02X} at offset {at}); not checked", text[at]),
                Some(point(at, len)),
            );
            return None;
        }
        Some(text)
    }

    /// The first parse, or the finding that says why there is none.
    fn parse(&self, text: &[u8], sink: &mut Sink) -> Option<Parsed> {
        match json::parse(text, &self.limits) {
            Ok(p) => Some(p),
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
                    Some(point(e.offset, text.len())),
                );
                None
            }
        }
    }

    /// The kind, given or detected; `None` (and a finding) when it cannot
    /// be told.
    fn decide_kind(
        &self,
        doc: &Value,
        report: &mut Report,
        root_span: Option<Span>,
        sink: &mut Sink,
    ) -> Option<DocumentKind> {
        if self.kind.is_none() {
            report.kind = detect::detect_kind(doc);
        } else {
            report.kind.reason = detect::GIVEN.into();
        }
        if report.kind.value.is_none() {
            sink.push(
                "doc.kind.known",
                "",
                format!(
                    "cannot tell which CNAB document this is: {}",
                    report.kind.reason
                ),
                root_span,
            );
            report.canonical = CanonicalVerdict::NotChecked {
                reason: "the document kind is unknown".into(),
            };
        }
        report.kind.value
    }

    /// The spec version, given or read from `schemaVersion` (the newest core
    /// version when it cannot be read).
    fn decide_version(
        &self,
        doc: &Value,
        kind: DocumentKind,
        report: &mut Report,
        at: &dyn Fn(&str, Option<&str>) -> Option<Span>,
        sink: &mut Sink,
    ) -> SpecVersion {
        if self.version.is_none() {
            let d = detect::detect_version(doc, kind);
            if let Some(msg) = d.unknown {
                sink.push(
                    "doc.schemaVersion.known",
                    "/schemaVersion",
                    msg,
                    at("/schemaVersion", None),
                );
            }
            report.version = d.decision;
        } else {
            report.version.reason = detect::GIVEN.into();
        }
        report.version.value.unwrap_or(SpecVersion::latest_core())
    }
}

/// A value the check has not decided yet: the caller's, or none.
fn undecided<T>(given: Option<T>) -> Decision<T> {
    let origin = if given.is_some() {
        Origin::Override
    } else {
        Origin::Unknown
    };
    Decision {
        value: given,
        origin,
        reason: "not decided: the check stopped earlier".into(),
    }
}

/// Reports every repeated key.
fn report_duplicates(duplicates: &[json::Duplicate], sink: &mut Sink) {
    for d in duplicates {
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

/// The version whose schema judges a document of `kind`: `version`, or,
/// when it has no schema for this kind (parameter sources before core
/// 1.1.0), the newest that has one, which the version's reason then names.
fn schema_version_for(
    kind: DocumentKind,
    version: SpecVersion,
    report: &mut Report,
) -> SpecVersion {
    if kind.schema_file().is_none() || schema::schema_path(version, kind).is_some() {
        return version;
    }
    // `max_by_key` keeps the last of equal keys: the newest, since `ALL`
    // lists each family oldest first.
    let Some(v) = SpecVersion::ALL
        .iter()
        .copied()
        .filter(|v| schema::schema_path(*v, kind).is_some())
        .max_by_key(|v| v.family() == version.family())
    else {
        return version;
    };
    report.version.reason.push_str(&format!(
        "; {version} has no {kind} schema, so the one of {v} is used"
    ));
    v
}

/// The JSON Schema check, each violation turned into a finding of its
/// clause (see [`schema::map`]), less the schemas' known defects.
fn check_schema(
    version: SpecVersion,
    kind: DocumentKind,
    doc: &Value,
    at: &dyn Fn(&str, Option<&str>) -> Option<Span>,
    sink: &mut Sink,
) {
    match schema::validate(version, kind, doc) {
        Ok(Some(violations)) => {
            for v in violations {
                if schema::defects::is_known_defect(kind, &v, doc) {
                    continue;
                }
                let clause = schema::clause_for(kind, &v);
                let (pointer, span) = match (v.keyword.as_str(), &v.property) {
                    ("additionalProperties", Some(p)) => (
                        format!("{}/{}", v.pointer, escape_segment(p)),
                        at(&v.pointer, Some(p)),
                    ),
                    _ => (v.pointer.clone(), at(&v.pointer, None)),
                };
                sink.push_full(clause, &pointer, v.message, span, Some(v.schema_path));
            }
        }
        Ok(None) => {}
        Err(e) => {
            // A defect of this build, reported rather than hidden.
            sink.push(
                "doc.schemaVersion.known",
                "",
                format!("the schema set of {version} cannot be used: {e}"),
                at("", None),
            );
        }
    }
}

/// Findings by position (those without a span last), then clause and
/// pointer, without repeats.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        let pos = |f: &Finding| f.span.map_or(usize::MAX, |s| s.start);
        pos(a)
            .cmp(&pos(b))
            .then_with(|| a.clause.cmp(&b.clause))
            .then_with(|| a.pointer.cmp(&b.pointer))
    });
    findings.dedup();
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::canonical::Profile;
    use crate::json::ParseLimits;
    use cnab_model::Catalog;
    use std::path::Path;

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
}
