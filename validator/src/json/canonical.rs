//! Canonical JSON: the OLPC profile (as docker/go `canonical/json` writes it)
//! and the JCS profile (RFC 8785).

use super::Node;

/// A canonical JSON profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// OLPC canonical JSON as docker/go writes it.
    Olpc,
    /// RFC 8785 JSON Canonicalization Scheme.
    Jcs,
}

/// Why a value cannot be written in a profile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CanonicalError {
    /// A lowercase message without a final period.
    pub message: String,
    /// JSON Pointer to the value that cannot be represented.
    pub pointer: String,
}

/// Writes `node` in canonical form under `profile`.
pub fn canonicalize(node: &Node, profile: Profile) -> Result<Vec<u8>, CanonicalError> {
    let _ = (node, profile);
    Err(CanonicalError {
        message: "canonical JSON not implemented yet".into(),
        pointer: String::new(),
    })
}
