//! Deliberate mutants of the reference runtime, each breaking one rule.
//!
//! The self-test runs the suite against every mutant: the cases that target
//! the mutant's clauses must fail, or the suite has a blind spot.

use std::fmt;
use std::str::FromStr;

/// One deliberate defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mutant {
    /// Parameter defaults are not applied.
    DropDefaults,
    /// A required parameter with a default is refused when no value is given.
    RejectRequiredWithDefault,
    /// Required parameters are not checked.
    SkipRequiredCheck,
    /// Strings are injected JSON-quoted.
    QuoteStringParameters,
    /// Non-string values are injected in a non-JSON form.
    NonJsonValues,
    /// An optional parameter with no default gets `null`.
    NullForMissingOptional,
    /// A parameter with both `env` and `path` only gets `env`.
    EnvOnlyWhenBoth,
    /// Supplied parameter values are not validated.
    NoParameterValidation,
    /// `applyTo` of parameters is ignored.
    IgnoreParameterApplyTo,
    /// Credentials are not put in their `env` destination.
    SkipCredentialEnv,
    /// Credentials are not written to their `path` destination.
    SkipCredentialPath,
    /// Stateless actions need their required credentials too.
    RequireCredentialsForStateless,
    /// Credential values are kept in the claim.
    StoreCredentialsInClaim,
    /// A claim is stored for stateless actions.
    RecordStateless,
    /// `upgrade` keeps the previous revision.
    KeepRevisionOnUpgrade,
    /// Custom actions with `modifies: false` get a new revision.
    NewRevisionForNonModifying,
    /// `applyTo` of outputs is ignored.
    IgnoreOutputApplyTo,
    /// Missing outputs are not replaced by their defaults.
    NoOutputDefaults,
    /// Missing outputs without a default are not reported.
    IgnoreMissingOutputs,
    /// A non-zero exit of the image is reported as success.
    SuccessOnNonzeroExit,
    /// Actions not declared in the bundle are run.
    RunUndeclaredActions,
    /// `requiredExtensions` is ignored.
    IgnoreRequiredExtensions,
    /// `/cnab/bundle.json` is a re-serialised copy, not the original bytes.
    ReserializeBundle,
    /// `/cnab/claim.json` is not mounted.
    NoClaimMount,
    /// `/cnab/claim.json` holds the previous claim, not the current one.
    StaleClaimMount,
    /// `CNAB_CLAIMS_VERSION` names the draft.
    DraftClaimsVersion,
    /// `CNAB_INSTALLATION_NAME` is not set.
    NoInstallationNameEnv,
    /// Parameters are left out of the claim.
    NoParametersInClaim,
    /// The last fitting invocation image is run instead of the first.
    LastFittingImage,
    /// Image types are not checked: the first image is run whatever its type.
    IgnoreImageType,
    /// A parameter may set a `CNAB_*` variable, overriding the runtime's value.
    ParameterOverridesCnab,
    /// A parameter sharing a credential's variable replaces the credential.
    ParameterBeatsCredential,
    /// An action is refused when the bundle version differs from the installed one.
    RefuseVersionChange,
    /// The claim's copy of the bundle loses its `custom` section.
    DropCustom,
    /// Only the newest claim and result are kept.
    ForgetPreviousClaims,
    /// Credentials of an earlier action are injected again when not supplied.
    ReuseCredentials,
    /// A missing `contentDigest` is not reported.
    SilentMissingDigest,
    /// Parameter values, `writeOnly` ones included, appear in error messages.
    LeakValuesInMessages,
    /// Every action is refused once an action failed.
    RefuseAfterFailure,
    /// Bundles that declare custom actions are refused.
    RejectCustomActionBundles,
    /// `CNAB_LAST_REVISION` carries the new revision instead of the previous one.
    WrongLastRevision,
    /// A bundle declaring a custom action named `install`, `upgrade` or
    /// `uninstall` is run, the declaration shadowing the built-in action.
    AllowBuiltinNamedCustomActions,
    /// The claim of a custom action with `modifies: false` gets a fresh
    /// revision, while the image still sees the installation's revision.
    NewClaimRevisionForNonModifying,
    /// An install under a name already taken starts a new installation,
    /// replacing the records of the one that had the name.
    ReplaceInstallationOnInstall,
    /// The image is run without checking it against its `contentDigest`
    /// (only a driver that sees digests, the Docker one, can show it).
    SkipDigestCheck,
    /// Dialect: the command driver gets the operation of cnab-go v0.6
    /// (`outputs` a list of paths, no `CNAB_OUTPUT_DIR`, outputs never
    /// collected on this seam).
    OutputsAsList,
    /// Dialect: claims in the Core 1.0.0 claim model (one per installation,
    /// result embedded, status `success`/`failure`), declared in `info` as
    /// `claims_format: cnab-core-1.0.0`.
    CoreClaimsModel,
    /// Dialect: the same claims, written without declaring their format, so
    /// they are judged as CNAB Claims 1.0.0.
    UndeclaredCoreClaimsModel,
}

impl Mutant {
    /// Every mutant.
    pub const ALL: &'static [Mutant] = &[
        Mutant::DropDefaults,
        Mutant::RejectRequiredWithDefault,
        Mutant::SkipRequiredCheck,
        Mutant::QuoteStringParameters,
        Mutant::NonJsonValues,
        Mutant::NullForMissingOptional,
        Mutant::EnvOnlyWhenBoth,
        Mutant::NoParameterValidation,
        Mutant::IgnoreParameterApplyTo,
        Mutant::SkipCredentialEnv,
        Mutant::SkipCredentialPath,
        Mutant::RequireCredentialsForStateless,
        Mutant::StoreCredentialsInClaim,
        Mutant::RecordStateless,
        Mutant::KeepRevisionOnUpgrade,
        Mutant::NewRevisionForNonModifying,
        Mutant::IgnoreOutputApplyTo,
        Mutant::NoOutputDefaults,
        Mutant::IgnoreMissingOutputs,
        Mutant::SuccessOnNonzeroExit,
        Mutant::RunUndeclaredActions,
        Mutant::IgnoreRequiredExtensions,
        Mutant::ReserializeBundle,
        Mutant::NoClaimMount,
        Mutant::StaleClaimMount,
        Mutant::DraftClaimsVersion,
        Mutant::NoInstallationNameEnv,
        Mutant::NoParametersInClaim,
        Mutant::LastFittingImage,
        Mutant::IgnoreImageType,
        Mutant::ParameterOverridesCnab,
        Mutant::ParameterBeatsCredential,
        Mutant::RefuseVersionChange,
        Mutant::DropCustom,
        Mutant::ForgetPreviousClaims,
        Mutant::ReuseCredentials,
        Mutant::SilentMissingDigest,
        Mutant::LeakValuesInMessages,
        Mutant::RefuseAfterFailure,
        Mutant::RejectCustomActionBundles,
        Mutant::WrongLastRevision,
        Mutant::AllowBuiltinNamedCustomActions,
        Mutant::NewClaimRevisionForNonModifying,
        Mutant::ReplaceInstallationOnInstall,
        Mutant::SkipDigestCheck,
        Mutant::OutputsAsList,
        Mutant::CoreClaimsModel,
        Mutant::UndeclaredCoreClaimsModel,
    ];

    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::DropDefaults => "drop-defaults",
            Mutant::RejectRequiredWithDefault => "reject-required-with-default",
            Mutant::SkipRequiredCheck => "skip-required-check",
            Mutant::QuoteStringParameters => "quote-string-parameters",
            Mutant::NonJsonValues => "non-json-values",
            Mutant::NullForMissingOptional => "null-for-missing-optional",
            Mutant::EnvOnlyWhenBoth => "env-only-when-both",
            Mutant::NoParameterValidation => "no-parameter-validation",
            Mutant::IgnoreParameterApplyTo => "ignore-parameter-apply-to",
            Mutant::SkipCredentialEnv => "skip-credential-env",
            Mutant::SkipCredentialPath => "skip-credential-path",
            Mutant::RequireCredentialsForStateless => "require-credentials-for-stateless",
            Mutant::StoreCredentialsInClaim => "store-credentials-in-claim",
            Mutant::RecordStateless => "record-stateless",
            Mutant::KeepRevisionOnUpgrade => "keep-revision-on-upgrade",
            Mutant::NewRevisionForNonModifying => "new-revision-for-non-modifying",
            Mutant::IgnoreOutputApplyTo => "ignore-output-apply-to",
            Mutant::NoOutputDefaults => "no-output-defaults",
            Mutant::IgnoreMissingOutputs => "ignore-missing-outputs",
            Mutant::SuccessOnNonzeroExit => "success-on-nonzero-exit",
            Mutant::RunUndeclaredActions => "run-undeclared-actions",
            Mutant::IgnoreRequiredExtensions => "ignore-required-extensions",
            Mutant::ReserializeBundle => "reserialize-bundle",
            Mutant::NoClaimMount => "no-claim-mount",
            Mutant::StaleClaimMount => "stale-claim-mount",
            Mutant::DraftClaimsVersion => "draft-claims-version",
            Mutant::NoInstallationNameEnv => "no-installation-name-env",
            Mutant::NoParametersInClaim => "no-parameters-in-claim",
            Mutant::LastFittingImage => "last-fitting-image",
            Mutant::IgnoreImageType => "ignore-image-type",
            Mutant::ParameterOverridesCnab => "parameter-overrides-cnab",
            Mutant::ParameterBeatsCredential => "parameter-beats-credential",
            Mutant::RefuseVersionChange => "refuse-version-change",
            Mutant::DropCustom => "drop-custom",
            Mutant::ForgetPreviousClaims => "forget-previous-claims",
            Mutant::ReuseCredentials => "reuse-credentials",
            Mutant::SilentMissingDigest => "silent-missing-digest",
            Mutant::LeakValuesInMessages => "leak-values-in-messages",
            Mutant::RefuseAfterFailure => "refuse-after-failure",
            Mutant::RejectCustomActionBundles => "reject-custom-action-bundles",
            Mutant::WrongLastRevision => "wrong-last-revision",
            Mutant::AllowBuiltinNamedCustomActions => "allow-builtin-named-custom-actions",
            Mutant::NewClaimRevisionForNonModifying => "new-claim-revision-for-non-modifying",
            Mutant::ReplaceInstallationOnInstall => "replace-installation-on-install",
            Mutant::SkipDigestCheck => "skip-digest-check",
            Mutant::OutputsAsList => "outputs-as-list",
            Mutant::CoreClaimsModel => "core-claims-model",
            Mutant::UndeclaredCoreClaimsModel => "undeclared-core-claims-model",
        }
    }

    /// The clauses this mutant breaks; a case checking one of them must fail.
    /// For a dialect ([`Mutant::is_dialect`]) the exact set of clauses it may
    /// fail: every case runs, and a fail outside the set, or none when the set
    /// is not empty, is a self-test failure.
    pub fn clauses(self) -> &'static [&'static str] {
        match self {
            Mutant::DropDefaults => &["core.runtime.params.default_used"],
            Mutant::RejectRequiredWithDefault => {
                &["core.runtime.params.required_default_satisfies"]
            }
            Mutant::SkipRequiredCheck => &[
                "core.runtime.params.required_missing",
                "core.parameters.required.enforced",
            ],
            Mutant::QuoteStringParameters | Mutant::NonJsonValues => {
                &["core.runtime.params.json_text"]
            }
            Mutant::NullForMissingOptional => &["core.runtime.params.empty_string"],
            Mutant::EnvOnlyWhenBoth => &[
                "core.runtime.params.both",
                "core.parameters.both_destinations",
            ],
            Mutant::NoParameterValidation => &["core.runtime.params.invalid_stops"],
            Mutant::IgnoreParameterApplyTo => &["core.runtime.params.applyTo"],
            Mutant::SkipCredentialEnv => &["core.credentials.env.injected"],
            Mutant::SkipCredentialPath => &["core.credentials.path.injected"],
            Mutant::RequireCredentialsForStateless => {
                &["core.actions.stateless.no_credential_block"]
            }
            Mutant::StoreCredentialsInClaim => &[
                "claim.credentials.not_stored",
                "core.credentials.never_stored",
            ],
            Mutant::RecordStateless => &["core.actions.stateless.no_record"],
            Mutant::KeepRevisionOnUpgrade => &["core.runtime.revision.new_per_builtin"],
            Mutant::NewRevisionForNonModifying => &["core.runtime.revision.custom_modifies"],
            Mutant::IgnoreOutputApplyTo => &["core.outputs.applyTo.semantics"],
            Mutant::NoOutputDefaults => &["core.runtime.outputs.default_written"],
            Mutant::IgnoreMissingOutputs => &["core.runtime.outputs.missing_reported"],
            Mutant::SuccessOnNonzeroExit => &["core.runtime.failure.propagate"],
            Mutant::RunUndeclaredActions => &["core.runtime.action.known"],
            Mutant::IgnoreRequiredExtensions => &[
                "core.runtime.requiredExtensions.check",
                "core.runtime.requiredExtensions.notify",
            ],
            Mutant::ReserializeBundle => &["core.runtime.mount.bundle_json"],
            Mutant::NoClaimMount => &["claim.mount.claim_json"],
            Mutant::StaleClaimMount => &["claim.mount.claim_json.current"],
            Mutant::DraftClaimsVersion => &["claim.env.CNAB_CLAIMS_VERSION"],
            Mutant::NoInstallationNameEnv => &["core.runtime.env.CNAB_INSTALLATION_NAME"],
            Mutant::NoParametersInClaim => &["claim.parameters.stored"],
            Mutant::LastFittingImage => &["core.runtime.invocation_image.first_match"],
            Mutant::IgnoreImageType => &["core.runtime.invocation_image.none_fits"],
            Mutant::ParameterOverridesCnab => &["core.destinations.cnab_prefix.override"],
            Mutant::ParameterBeatsCredential => &["core.destinations.credential_wins"],
            Mutant::RefuseVersionChange => &["core.runtime.no_version_compare"],
            Mutant::DropCustom => &["core.custom.preserve"],
            Mutant::ForgetPreviousClaims => {
                &["claim.retain.last_modifying", "claim.result.retain_last"]
            }
            Mutant::ReuseCredentials => &["core.credentials.never_stored"],
            Mutant::SilentMissingDigest => &["core.runtime.contentDigest.missing_warns"],
            Mutant::LeakValuesInMessages => &["core.definitions.writeOnly.no_leak"],
            Mutant::RefuseAfterFailure => &["core.runtime.failure.uninstall_resolves"],
            Mutant::RejectCustomActionBundles => &["core.actions.unsupported_tolerated"],
            Mutant::WrongLastRevision => &["core.runtime.env.CNAB_LAST_REVISION"],
            Mutant::AllowBuiltinNamedCustomActions => &["core.actions.builtin_names_refused"],
            Mutant::NewClaimRevisionForNonModifying => &["claim.revision.stable_on_readonly"],
            Mutant::ReplaceInstallationOnInstall => &["core.runtime.installation.unique"],
            Mutant::SkipDigestCheck => &["core.runtime.contentDigest.verify"],
            // Outputs are not collected: the rules that need collected
            // values break; which outputs are requested does not.
            Mutant::OutputsAsList => OUTPUTS_AS_LIST_MAY_FAIL,
            // A faithful runtime of the declared model breaks nothing.
            Mutant::CoreClaimsModel => &[],
            Mutant::UndeclaredCoreClaimsModel => UNDECLARED_CORE_CLAIMS_MAY_FAIL,
        }
    }

    /// Whether this mutant is a dialect: another way real runtimes work,
    /// judged exactly by the self-test (see [`Mutant::clauses`]).
    pub fn is_dialect(self) -> bool {
        matches!(
            self,
            Mutant::OutputsAsList | Mutant::CoreClaimsModel | Mutant::UndeclaredCoreClaimsModel
        )
    }

    /// The claims format the mutant declares in `info`, if it declares one.
    pub fn declared_claims_format(self) -> Option<&'static str> {
        (self == Mutant::CoreClaimsModel).then_some("cnab-core-1.0.0")
    }

    /// Whether the mutant writes claims in the Core 1.0.0 model.
    pub fn writes_core_claims(self) -> bool {
        matches!(
            self,
            Mutant::CoreClaimsModel | Mutant::UndeclaredCoreClaimsModel
        )
    }

    /// Whether only the Docker driver can show this mutant's defect (the
    /// command driver sees no image digests), so that `selftest` runs it
    /// only with `--driver docker`.
    pub fn needs_docker(self) -> bool {
        matches!(self, Mutant::SkipDigestCheck)
    }
}

/// What `outputs-as-list` may fail: no output value is collected, so an
/// output that applies to the action is missing and, having no default,
/// fails the action; both are judged under `core.outputs.applyTo.semantics`
/// (the install of an outputs case is not a precondition: its failure is
/// what the case observes). Which outputs are requested is right, and must
/// be judged so.
const OUTPUTS_AS_LIST_MAY_FAIL: &[&str] = &["core.outputs.applyTo.semantics"];

/// What `undeclared-core-claims-model` may fail: Claims 1.0.0 rules a Core
/// 1.0.0 claim does not follow (no `id` or `action`, the installation in
/// `name`, no separate results, a result status of another vocabulary), and
/// the mounted claim, which is not a Claims 1.0.0 claim of the operation.
const UNDECLARED_CORE_CLAIMS_MAY_FAIL: &[&str] = &[
    "claim.schema",
    "claim.id.ulid",
    "claim.action.present",
    "claim.installation.present",
    "claim.result.final_recorded",
    "claim.result.status.from_exit",
    "claim.result.status.settle",
    "claim.retain.last_modifying",
    "claim.result.retain_last",
    "claim.mount.claim_json",
    "claim.mount.claim_json.current",
    "claim.emit_to_image",
    "claim.injection.conform",
];

impl fmt::Display for Mutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mutant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mutant::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown mutant `{s}` (known: {})",
                    Mutant::ALL
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_clauses_exist() {
        let cat = cnab_model::Catalog::embedded();
        for m in Mutant::ALL {
            assert_eq!(m.name().parse::<Mutant>().unwrap(), *m);
            assert!(m.is_dialect() || !m.clauses().is_empty(), "{m}");
            for c in m.clauses() {
                assert!(cat.contains(c), "{m}: unknown clause {c}");
            }
        }
    }
}
