//! What the pipeline hands back ([`Report`]) and how it collects findings
//! on the way ([`Sink`]).

use cnab_model::{Catalog, DocumentKind, Finding, Span, SpecVersion};

use super::canonical::CanonicalVerdict;
use crate::detect::Decision;
use crate::hint::Hint;

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

    /// Whether any finding is at or above `level`.
    /// Findings on tool clauses (`doc.*`, `json.limits`) are notices and
    /// never fail a document.
    pub fn fails_at(&self, level: cnab_model::Level) -> bool {
        let catalog = cnab_model::Catalog::embedded();
        self.findings
            .iter()
            .any(|f| catalog.fails(&f.clause, f.level, level))
    }

    /// The findings a caller can offer a way out of, by index into
    /// [`Report::findings`], for the caller to word.
    pub fn hints(&self) -> Vec<(usize, Hint)> {
        self.findings
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Hint::of(f).map(|h| (i, h)))
            .collect()
    }
}

/// Collects findings, giving each its level from the catalog.
pub(super) struct Sink {
    pub(super) findings: Vec<Finding>,
}

impl Sink {
    pub(super) fn push(
        &mut self,
        clause: &str,
        pointer: &str,
        message: String,
        span: Option<Span>,
    ) {
        self.push_full(clause, pointer, message, span, None);
    }

    pub(super) fn push_full(
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
