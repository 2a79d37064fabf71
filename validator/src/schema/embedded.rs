//! The vendored CNAB schemas, embedded at compile time.
//!
//! Nothing is read from `schemas/` or the network at run time. The list below
//! mirrors `schemas/PROVENANCE.json`; a test checks that both agree and that
//! every file's sha256 matches its provenance record.

/// One vendored schema file.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedSchema {
    /// Path relative to `schemas/` (`cnab-core/1.2.0/bundle.schema.json`).
    pub path: &'static str,
    /// The exact text of the file.
    pub text: &'static str,
}

/// Every vendored schema.
pub static EMBEDDED: &[EmbeddedSchema] = &[
    EmbeddedSchema {
        path: "cnab-core/1.0.0/bundle.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.0/bundle.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.0/claim.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.0/claim.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.0/definitions.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.0/definitions.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.0/dependencies.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.0/dependencies.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.0/relocation-mapping.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.0/relocation-mapping.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.0/status.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.0/status.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.1/bundle.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.1/bundle.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.1/claim.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.1/claim.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.1/definitions.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.1/definitions.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.1/dependencies.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.1/dependencies.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.1/relocation-mapping.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.1/relocation-mapping.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.0.1/status.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.0.1/status.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/bundle.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/bundle.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/claim-result.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/claim-result.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/claim.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/claim.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/definitions.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/definitions.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/dependencies.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/dependencies.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/parameter-sources.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/parameter-sources.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/relocation-mapping.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/relocation-mapping.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.1.0/status.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.1.0/status.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.2.0/bundle.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.2.0/bundle.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.2.0/claim-result.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.2.0/claim-result.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.2.0/claim.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.2.0/claim.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.2.0/dependencies.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.2.0/dependencies.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.2.0/parameter-sources.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.2.0/parameter-sources.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.2.0/relocation-mapping.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.2.0/relocation-mapping.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-core/1.2.0/status.schema.json",
        text: include_str!("../../../schemas/cnab-core/1.2.0/status.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0-DRAFT+b5ed2f3/bundle.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0-DRAFT+b5ed2f3/bundle.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0-DRAFT+b5ed2f3/claim-result.schema.json",
        text: include_str!(
            "../../../schemas/cnab-claims/1.0.0-DRAFT+b5ed2f3/claim-result.schema.json"
        ),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0-DRAFT+b5ed2f3/claim.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0-DRAFT+b5ed2f3/claim.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0-DRAFT+b5ed2f3/definitions.schema.json",
        text: include_str!(
            "../../../schemas/cnab-claims/1.0.0-DRAFT+b5ed2f3/definitions.schema.json"
        ),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0-DRAFT+b5ed2f3/dependencies.schema.json",
        text: include_str!(
            "../../../schemas/cnab-claims/1.0.0-DRAFT+b5ed2f3/dependencies.schema.json"
        ),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0-DRAFT+b5ed2f3/relocation-mapping.schema.json",
        text: include_str!(
            "../../../schemas/cnab-claims/1.0.0-DRAFT+b5ed2f3/relocation-mapping.schema.json"
        ),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0-DRAFT+b5ed2f3/status.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0-DRAFT+b5ed2f3/status.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/bundle.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/bundle.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/claim-result.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/claim-result.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/claim.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/claim.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/definitions.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/definitions.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/dependencies.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/dependencies.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/parameter-sources.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/parameter-sources.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/relocation-mapping.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/relocation-mapping.schema.json"),
    },
    EmbeddedSchema {
        path: "cnab-claims/1.0.0/status.schema.json",
        text: include_str!("../../../schemas/cnab-claims/1.0.0/status.schema.json"),
    },
];

/// The provenance record, embedded for `--version` style reporting and tests.
pub const PROVENANCE_JSON: &str = include_str!("../../../schemas/PROVENANCE.json");

/// Finds the schema text for a spec version folder and file name.
pub fn find(dir: &str, file: &str) -> Option<&'static str> {
    EMBEDDED
        .iter()
        .find(|s| s.path.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) == Some(file))
        .map(|s| s.text)
}
