//! The kinds of CNAB documents.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of a CNAB document, which selects its schema and rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// `bundle.json` (101).
    Bundle,
    /// A claim (400).
    Claim,
    /// A claim result (400).
    ClaimResult,
    /// An output value that is JSON (400, claim outputs).
    Output,
    /// A relocation mapping (103).
    RelocationMapping,
    /// The value of the `io.cnab.dependencies` extension (500).
    Dependencies,
    /// The value of the `io.cnab.parameter-sources` extension (810).
    ParameterSources,
    /// The `io.cnab.status` output (804).
    Status,
}

impl DocumentKind {
    /// Every kind.
    pub const ALL: [DocumentKind; 8] = [
        DocumentKind::Bundle,
        DocumentKind::Claim,
        DocumentKind::ClaimResult,
        DocumentKind::Output,
        DocumentKind::RelocationMapping,
        DocumentKind::Dependencies,
        DocumentKind::ParameterSources,
        DocumentKind::Status,
    ];

    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Bundle => "bundle",
            DocumentKind::Claim => "claim",
            DocumentKind::ClaimResult => "claim-result",
            DocumentKind::Output => "output",
            DocumentKind::RelocationMapping => "relocation-mapping",
            DocumentKind::Dependencies => "dependencies",
            DocumentKind::ParameterSources => "parameter-sources",
            DocumentKind::Status => "status",
        }
    }

    /// The schema file that describes this kind, if there is one.
    pub fn schema_file(self) -> Option<&'static str> {
        match self {
            DocumentKind::Bundle => Some("bundle.schema.json"),
            DocumentKind::Claim => Some("claim.schema.json"),
            DocumentKind::ClaimResult => Some("claim-result.schema.json"),
            DocumentKind::Output => None,
            DocumentKind::RelocationMapping => Some("relocation-mapping.schema.json"),
            DocumentKind::Dependencies => Some("dependencies.schema.json"),
            DocumentKind::ParameterSources => Some("parameter-sources.schema.json"),
            DocumentKind::Status => Some("status.schema.json"),
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an unknown document kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document kind `{0}` (known: bundle, claim, claim-result, output, relocation-mapping, dependencies, parameter-sources, status)")]
pub struct UnknownKind(pub String);

impl FromStr for DocumentKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}
