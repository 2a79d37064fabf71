//! Spec versions whose schema sets this project carries.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The specification a version number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecFamily {
    /// CNAB Core (documents 100–104).
    CnabCore,
    /// CNAB Claims (document 400).
    CnabClaims,
}

impl SpecFamily {
    /// The family's name as used in schema folders (`cnab-core`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpecFamily::CnabCore => "cnab-core",
            SpecFamily::CnabClaims => "cnab-claims",
        }
    }
}

/// One released version of a CNAB specification, with its vendored schema set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SpecVersion {
    /// CNAB Core 1.0.0 (tag `cnab-core-1.0`).
    #[serde(rename = "cnab-core-1.0.0")]
    Core1_0_0,
    /// CNAB Core 1.0.1 (branch `cnab-core-1.0.1`).
    #[serde(rename = "cnab-core-1.0.1")]
    Core1_0_1,
    /// CNAB Core 1.1.0.
    #[serde(rename = "cnab-core-1.1.0")]
    Core1_1_0,
    /// CNAB Core 1.2.0.
    #[serde(rename = "cnab-core-1.2.0")]
    Core1_2_0,
    /// CNAB Claims 1.0.0-DRAFT+b5ed2f3.
    #[serde(rename = "cnab-claims-1.0.0-DRAFT+b5ed2f3")]
    ClaimsDraft,
    /// CNAB Claims 1.0.0.
    #[serde(rename = "cnab-claims-1.0.0")]
    Claims1_0_0,
}

impl SpecVersion {
    /// Every version, oldest first within each family.
    pub const ALL: [SpecVersion; 6] = [
        SpecVersion::Core1_0_0,
        SpecVersion::Core1_0_1,
        SpecVersion::Core1_1_0,
        SpecVersion::Core1_2_0,
        SpecVersion::ClaimsDraft,
        SpecVersion::Claims1_0_0,
    ];

    /// The specification family.
    pub fn family(self) -> SpecFamily {
        match self {
            SpecVersion::ClaimsDraft | SpecVersion::Claims1_0_0 => SpecFamily::CnabClaims,
            _ => SpecFamily::CnabCore,
        }
    }

    /// The bare version number, as in `schemaVersion` without the `v`.
    pub fn number(self) -> &'static str {
        match self {
            SpecVersion::Core1_0_0 => "1.0.0",
            SpecVersion::Core1_0_1 => "1.0.1",
            SpecVersion::Core1_1_0 => "1.1.0",
            SpecVersion::Core1_2_0 => "1.2.0",
            SpecVersion::ClaimsDraft => "1.0.0-DRAFT+b5ed2f3",
            SpecVersion::Claims1_0_0 => "1.0.0",
        }
    }

    /// The stable textual name, `<family>-<number>` (`cnab-core-1.2.0`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::Core1_0_0 => "cnab-core-1.0.0",
            SpecVersion::Core1_0_1 => "cnab-core-1.0.1",
            SpecVersion::Core1_1_0 => "cnab-core-1.1.0",
            SpecVersion::Core1_2_0 => "cnab-core-1.2.0",
            SpecVersion::ClaimsDraft => "cnab-claims-1.0.0-DRAFT+b5ed2f3",
            SpecVersion::Claims1_0_0 => "cnab-claims-1.0.0",
        }
    }

    /// The folder of the vendored schema set, relative to `schemas/`.
    pub fn schema_dir(self) -> String {
        format!("{}/{}", self.family().as_str(), self.number())
    }

    /// The git ref of the spec repository this version was taken from.
    pub fn git_ref(self) -> &'static str {
        match self {
            SpecVersion::Core1_0_0 => "cnab-core-1.0",
            SpecVersion::Core1_0_1 => "cnab-core-1.0.1",
            SpecVersion::Core1_1_0 => "cnab-core-1.1.0",
            SpecVersion::Core1_2_0 => "cnab-core-1.2.0",
            SpecVersion::ClaimsDraft => "cnab-claim-1.0.0-DRAFT+b5ed2f3",
            SpecVersion::Claims1_0_0 => "cnab-claims-1.0.0",
        }
    }

    /// The newest core version.
    pub fn latest_core() -> SpecVersion {
        SpecVersion::Core1_2_0
    }

    /// The newest claims version.
    pub fn latest_claims() -> SpecVersion {
        SpecVersion::Claims1_0_0
    }

    /// Finds the version of `family` whose number is `number` (no leading `v`).
    pub fn from_family_number(family: SpecFamily, number: &str) -> Option<SpecVersion> {
        SpecVersion::ALL
            .into_iter()
            .find(|v| v.family() == family && v.number() == number)
    }

    /// A comma-separated list of every known version, for messages.
    pub fn known_list() -> String {
        SpecVersion::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a spec version name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown spec version `{given}` (known: {known})")]
pub struct UnknownSpecVersion {
    /// What was given.
    pub given: String,
    /// The known versions, comma separated.
    pub known: String,
}

impl FromStr for SpecVersion {
    type Err = UnknownSpecVersion;

    /// Accepts `cnab-core-1.2.0`, `core-1.2.0`, `claims-1.0.0`, and for core a
    /// bare `1.2.0` or `v1.2.0`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let found = SpecVersion::ALL.into_iter().find(|v| {
            let full = v.as_str();
            t == full
                || t == full.trim_start_matches("cnab-")
                || (v.family() == SpecFamily::CnabCore && t.trim_start_matches('v') == v.number())
        });
        found.ok_or_else(|| UnknownSpecVersion {
            given: s.to_string(),
            known: SpecVersion::known_list(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in SpecVersion::ALL {
            assert_eq!(v.as_str().parse::<SpecVersion>().unwrap(), v);
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
        }
    }

    #[test]
    fn short_forms() {
        assert_eq!(
            "v1.2.0".parse::<SpecVersion>().unwrap(),
            SpecVersion::Core1_2_0
        );
        assert_eq!(
            "claims-1.0.0".parse::<SpecVersion>().unwrap(),
            SpecVersion::Claims1_0_0
        );
        let err = "1.3.0".parse::<SpecVersion>().unwrap_err();
        assert!(err.to_string().contains("cnab-core-1.2.0"), "{err}");
    }
}
