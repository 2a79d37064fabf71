//! Semantic rules: the static clauses of the catalog that the official schema
//! of a version does not enforce.
//!
//! The pipeline calls [`check`] after the schema check and converts each
//! [`RawFinding`] into a `Finding` (level from the catalog, span from the
//! pointer). A rule never reports what the schema of the same version already
//! reports, so one defect gives one finding.
//!
//! One file per spec area: `identity` (name, version, schemaVersion and
//! stability markers), `images`, `definitions`, `destinations` (parameters,
//! credentials and outputs), `actions`, `extensions` (required extensions,
//! dependencies, parameter sources), `claims` and `relocation`. The small
//! grammars they share (dotted names, digests, ULIDs, timestamps, paths,
//! version ranges) live in `syntax`, and image references in `reference`.
//!
//! Which version a rule applies to follows the schema of that version: a
//! defect the schema reports (the core 1.0.0 path pattern, the output path
//! pattern, definitions checked against their meta-schema, the claim result
//! status enum) is left to it, and the rule only reports what it misses
//! (`/cnab/app/../app/outputs`, `/cnab/app/outputs/../x`, a fractional
//! `default` the older meta-schema lets through).

mod actions;
mod claims;
mod definitions;
mod destinations;
mod extensions;
mod fields;
mod identity;
mod images;
mod reference;
mod relocation;
mod syntax;

pub use cnab_model::syntax::{is_rfc3339, is_ulid};

use cnab_model::{DocumentKind, SpecVersion};
use serde_json::Value;

pub use reference::{ImageReference, ReferenceError};

/// The clause of an unknown field (`fields`); its findings point at a key.
pub const UNKNOWN_FIELD_CLAUSE: &str = "core.custom.only_there";

/// Options that change which rules apply.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// Release strictness: every image must carry a `contentDigest`.
    pub release: bool,
    /// The bundle a relocation mapping or claim is judged against.
    pub bundle: Option<serde_json::Value>,
}

/// What a rule sees.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    /// The parsed document.
    pub doc: &'a serde_json::Value,
    /// Its kind.
    pub kind: DocumentKind,
    /// The spec version it is judged under.
    pub version: SpecVersion,
    /// Options.
    pub options: &'a RuleOptions,
}

/// A finding before the pipeline adds its level and span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// The clause ID; must exist in the catalog.
    pub clause: &'static str,
    /// RFC 6901 pointer to the offending value.
    pub pointer: String,
    /// A lowercase message without a final period.
    pub message: String,
}

/// Every clause a rule of this module can emit.
///
/// A test checks that each exists in the catalog and has at least one invalid
/// and one valid case under `cases/documents/rules/`.
pub fn implemented_clauses() -> &'static [&'static str] {
    &[
        // Identity.
        "core.bundle.version.semver2",
        "core.bundle.name.graphic",
        "core.bundle.schemaVersion.semver",
        "proc.marker.no_alpha_beta",
        "proc.marker.not_in_production",
        // Images.
        "core.bundle.invocationImages.min_one",
        "core.image.contentDigest.oci_format",
        "core.images.contentDigest.oci_format",
        "core.image.contentDigest.required_for_release",
        "core.image.contentDigest.required_for_release.v1_0",
        "core.image.image.reference",
        "core.images.image.reference",
        "core.images.image.by_digest",
        "core.image.size.non_negative",
        "doc.digest.algorithm.registered",
        // Definitions.
        "core.parameters.definition.resolves",
        "core.outputs.definition.present",
        "core.definitions.default_valid",
        "core.definitions.integers_only",
        "core.definitions.kw.enum",
        // Destinations.
        "core.parameters.destination.env_or_path",
        "core.credentials.env_or_path",
        "core.destinations.cnab_prefix.declare",
        "core.parameters.path.absolute",
        "core.credentials.path.absolute",
        "core.parameters.path.not_outputs",
        "core.credentials.path.not_outputs",
        "core.outputs.path.under_outputs",
        "core.outputs.path.unique",
        "core.destinations.env_clash",
        "core.destinations.path_clash",
        "core.parameters.applyTo.semantics",
        "core.credentials.applyTo.semantics",
        "core.outputs.applyTo.known",
        "core.parameters.name.env_like",
        "core.credentials.name.readable",
        // Actions.
        "core.actions.builtin_not_declared",
        "core.actions.name.dotted",
        "core.actions.title.disambiguate",
        "core.actions.title",
        // Fields outside `custom`.
        "core.custom.only_there",
        // Extensions.
        "core.requiredExtensions.in_custom",
        "core.custom.name.dotted",
        "deps.key.reserved",
        "deps.requires.shape",
        "deps.version.ranges_syntax",
        "ext.paramsources.schema",
        "ext.paramsources.references",
        // Claims.
        "claim.id.ulid",
        "claim.revision.ulid",
        "claim.result.id.present",
        "claim.result.claimId.ulid",
        "claim.created.format",
        "claim.action.known",
        "claim.bundleReference.digested",
        "claim.result.outputs.shape",
        "claim.parameters.resolved",
        "core.runtime.installation.graphic",
        // Relocation.
        "core.relocation.shape",
        "core.relocation.keys_complete",
        "core.relocation.equivalents",
    ]
}

/// Runs every rule that applies to the document's kind and version.
pub fn check(ctx: &RuleContext<'_>) -> Vec<RawFinding> {
    let mut out = Sink::new("");
    match ctx.kind {
        DocumentKind::Bundle => check_bundle(ctx.doc, ctx.version, ctx.options, &mut out),
        DocumentKind::Claim => claims::check_claim(ctx.doc, ctx.version, ctx.options, &mut out),
        DocumentKind::ClaimResult => claims::check_result(ctx.doc, ctx.options, &mut out),
        DocumentKind::RelocationMapping => relocation::check(ctx.doc, ctx.options, &mut out),
        DocumentKind::Dependencies => extensions::check_dependencies_value(ctx.doc, &mut out),
        DocumentKind::ParameterSources => {
            if let Some(bundle) = options_bundle(ctx.options) {
                extensions::check_parameter_source_refs(ctx.doc, bundle, &mut out);
            }
        }
        DocumentKind::Output | DocumentKind::Status => {}
    }
    out.findings
}

/// Runs the bundle rules on `doc`, reporting under the sink's prefix.
fn check_bundle(doc: &Value, version: SpecVersion, options: &RuleOptions, out: &mut Sink) {
    if !doc.is_object() {
        return;
    }
    let b = Bundle { doc, version };
    identity::check(&b, out);
    images::check(&b, options, out);
    definitions::check(&b, out);
    destinations::check(&b, out);
    actions::check(&b, out);
    extensions::check(&b, out);
    fields::check(&b, out);
}

/// The bundle given with the options, unwrapping a claim if one was given.
fn options_bundle(options: &RuleOptions) -> Option<&Value> {
    let b = options.bundle.as_ref()?;
    match b.get("bundle") {
        Some(inner) if inner.is_object() && b.get("invocationImages").is_none() => Some(inner),
        _ => Some(b),
    }
}

/// A bundle document with the version it is judged under.
#[derive(Clone, Copy)]
struct Bundle<'a> {
    doc: &'a Value,
    version: SpecVersion,
}

impl<'a> Bundle<'a> {
    /// An object member of the bundle, as a map.
    fn map(&self, key: &str) -> Option<&'a serde_json::Map<String, Value>> {
        self.doc.get(key).and_then(Value::as_object)
    }

    /// Whether `action` names a built-in action or a key of `actions`.
    fn knows_action(&self, action: &str) -> bool {
        is_builtin_action(action) || self.map("actions").is_some_and(|a| a.contains_key(action))
    }

    /// Whether this version is at least `v` (within the core family).
    fn at_least(&self, v: SpecVersion) -> bool {
        core_rank(self.version) >= core_rank(v)
    }
}

/// The built-in actions every runtime supports.
const BUILTIN_ACTIONS: [&str; 3] = ["install", "upgrade", "uninstall"];

fn is_builtin_action(name: &str) -> bool {
    BUILTIN_ACTIONS.contains(&name)
}

/// Orders core versions; claims versions embed a bundle close to core 1.1.0.
fn core_rank(v: SpecVersion) -> u8 {
    match v {
        SpecVersion::Core1_0_0 => 0,
        SpecVersion::Core1_0_1 => 1,
        SpecVersion::Core1_1_0 | SpecVersion::ClaimsDraft | SpecVersion::Claims1_0_0 => 2,
        SpecVersion::Core1_2_0 => 3,
    }
}

/// Collects findings, prefixing every pointer (for a bundle inside a claim).
struct Sink {
    prefix: String,
    findings: Vec<RawFinding>,
}

impl Sink {
    fn new(prefix: &str) -> Self {
        Sink {
            prefix: prefix.to_string(),
            findings: Vec::new(),
        }
    }

    /// Records a finding at `pointer` (relative to the sink's prefix).
    fn push(&mut self, clause: &'static str, pointer: &str, message: String) {
        self.findings.push(RawFinding {
            clause,
            pointer: format!("{}{}", self.prefix, pointer),
            message,
        });
    }
}

/// A notice for a well-formed digest whose algorithm the OCI image spec does
/// not register.
fn check_algorithm(digest: &str, pointer: &str, out: &mut Sink) {
    if let Some(alg) = syntax::unregistered_algorithm(digest) {
        out.push(
            "doc.digest.algorithm.registered",
            pointer,
            format!(
                "digest {} uses `{alg}`, an algorithm the OCI image spec does not register ({}); a runtime may not be able to verify it",
                quote(digest),
                syntax::REGISTERED_ALGORITHMS.join(", ")
            ),
        );
    }
}

/// Builds an RFC 6901 pointer from segments, escaping `~` and `/`.
fn ptr<S: AsRef<str>>(segments: &[S]) -> String {
    let mut s = String::new();
    for seg in segments {
        s.push('/');
        let seg = seg.as_ref();
        // Most segments need no escape; skip the two copies `replace` makes.
        if seg.contains(['~', '/']) {
            s.push_str(&seg.replace('~', "~0").replace('/', "~1"));
        } else {
            s.push_str(seg);
        }
    }
    s
}

/// Quotes a value for a message in JSON string syntax, escaping every
/// character that is not graphic so that invisible ones show.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if syntax::is_graphic(c) => q.push(c),
            c if (c as u32) < 0x10000 => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    q.push('"');
    q
}

/// Keeps messages that quote a whole instance (schema errors) readable.
fn shorten(msg: String) -> String {
    const MAX: usize = 200;
    match msg.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &msg[..cut]),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_tilde_and_slash() {
        assert_eq!(ptr(&["custom", "a/b~c"]), "/custom/a~1b~0c");
        assert_eq!(ptr::<&str>(&[]), "");
    }

    #[test]
    fn quotes_show_invisible_characters() {
        assert_eq!(quote("a\tb"), r#""a\tb""#);
        assert_eq!(quote("a\u{200b}b"), r#""a\u200bb""#);
        assert_eq!(quote("say \"hi\" \\ ü"), r#""say \"hi\" \\ ü""#);
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(shorten("short".to_string()), "short");
        let long = "é".repeat(300);
        let cut = shorten(long);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn every_implemented_clause_is_in_the_catalog() {
        let cat = cnab_model::Catalog::embedded();
        for id in implemented_clauses() {
            assert!(cat.get(id).is_some(), "clause {id} is not in the catalog");
        }
    }
}
