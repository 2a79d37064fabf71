//! Property tests over generated bundles.
//!
//! A strategy builds realistic core 1.2.0 bundles: names, SemVer versions,
//! invocation images and component images pinned by real-looking sha256
//! digests, definitions with defaults that satisfy them, parameters with
//! environment or path destinations, credentials, outputs under
//! `/cnab/app/outputs`, custom actions and a required extension.
//! The properties:
//!
//! - such a bundle, written canonically, is clean under the validator;
//! - written pretty, it only breaks `core.bundle.canonical_json`, and `fmt`
//!   (canonicalize under either profile) makes it clean again with the same
//!   meaning (the same serde value);
//! - the canonical forms are fixed points, and OLPC and JCS write the same
//!   bytes for these bundles (ASCII keys, no control characters, integers
//!   far below 2^53);
//! - one mutation of a valid bundle gives exactly the clause it breaks.

use std::collections::{BTreeMap, BTreeSet};

use cnab_model::DocumentKind;
use cnab_validator::json::canonical::{canonicalize, is_canonical, Profile};
use cnab_validator::json::{parse, ParseLimits};
use cnab_validator::{CanonicalVerdict, Validator};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};

const ACTIONS: [&str; 3] = ["install", "upgrade", "uninstall"];

fn digest() -> impl Strategy<Value = String> {
    "[0-9a-f]{64}".prop_map(|hex| format!("sha256:{hex}"))
}

/// A repository path as registries write them: a host, then one or two
/// lower-case path components.
fn repository() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("docker.io"),
            Just("ghcr.io"),
            Just("registry.example.com:5000"),
            Just("localhost:5000"),
        ],
        "[a-z][a-z0-9]{0,8}",
        proptest::option::of("[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4})?"),
    )
        .prop_map(|(host, a, b)| match b {
            Some(b) => format!("{host}/{a}/{b}"),
            None => format!("{host}/{a}"),
        })
}

/// An image pinned by digest, with the same digest as `contentDigest`.
fn image(component: bool) -> impl Strategy<Value = Value> {
    (
        repository(),
        digest(),
        prop_oneof![Just("docker"), Just("oci")],
        proptest::option::of(0u64..1 << 40),
        proptest::option::of("[A-Za-z][a-z ]{0,20}"),
    )
        .prop_map(move |(repo, digest, kind, size, description)| {
            let mut m = Map::new();
            m.insert("image".into(), json!(format!("{repo}@{digest}")));
            m.insert("contentDigest".into(), json!(digest));
            m.insert("imageType".into(), json!(kind));
            if let Some(size) = size {
                m.insert("size".into(), json!(size));
            }
            if let (true, Some(d)) = (component, description) {
                m.insert("description".into(), json!(d));
            }
            Value::Object(m)
        })
}

/// A SemVer 2 version, with an optional pre-release and build.
fn semver() -> impl Strategy<Value = String> {
    (
        0u32..50,
        0u32..50,
        0u32..500,
        proptest::option::of("(rc|preview|dev)(\\.[1-9][0-9]{0,2})?"),
        proptest::option::of("[a-z0-9]{1,8}"),
    )
        .prop_map(|(a, b, c, pre, build)| {
            let mut v = format!("{a}.{b}.{c}");
            if let Some(p) = pre {
                v.push('-');
                v.push_str(&p);
            }
            if let Some(b) = build {
                v.push('+');
                v.push_str(&b);
            }
            v
        })
}

/// A definition (a JSON Schema) and a default that satisfies it.
fn definition() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-z ]{0,12}".prop_map(|d| json!({"type": "string", "default": d})),
        (0i64..1000, 0i64..1000).prop_map(|(lo, span)| {
            json!({"type": "integer", "minimum": lo, "maximum": lo + span, "default": lo + span / 2})
        }),
        any::<bool>().prop_map(|b| json!({"type": "boolean", "default": b})),
        prop::collection::btree_set("[a-z]{1,6}", 1..4).prop_map(|set| {
            let items: Vec<String> = set.into_iter().collect();
            json!({"type": "string", "enum": items.clone(), "default": items[0]})
        }),
        Just(json!({"type": "string", "writeOnly": true})),
    ]
}

/// A subset of the built-in actions, as an `applyTo` list.
fn apply_to() -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(prop::sample::subsequence(ACTIONS.to_vec(), 1..=3).prop_map(|v| json!(v)))
}

/// Upper-case names that look like environment variables and stay clear of
/// the reserved `CNAB_` prefix.
fn env_name() -> impl Strategy<Value = String> {
    "[A-Z][A-Z0-9_]{0,10}".prop_filter("not reserved", |s| !s.starts_with("CNAB_"))
}

/// A valid core 1.2.0 bundle as a serde value.
fn bundle() -> impl Strategy<Value = Value> {
    bundle_of("v1.2.0")
}

/// A valid bundle of any core version (credentials take `applyTo` only
/// from 1.2.0 on).
fn any_version_bundle() -> impl Strategy<Value = Value> {
    prop_oneof![
        bundle_of("v1.0.0"),
        bundle_of("v1.0.1"),
        bundle_of("v1.1.0"),
        bundle_of("v1.2.0"),
    ]
}

/// A valid bundle stating `schema_version`.
fn bundle_of(schema_version: &'static str) -> impl Strategy<Value = Value> {
    let head = (
        "[a-z][a-z0-9-]{0,20}",
        semver(),
        proptest::option::of("[A-Za-z][A-Za-z0-9 ,]{0,30}"),
        prop::collection::vec(image(false), 1..3),
        prop::collection::btree_map("[a-z][a-z0-9-]{0,8}", image(true), 0..3),
    );
    let defs = prop::collection::btree_map("[a-z][a-z0-9]{0,8}", definition(), 1..4);
    let params = prop::collection::btree_map(
        env_name(),
        (any::<prop::sample::Index>(), any::<bool>(), apply_to()),
        1..5,
    );
    let creds = prop::collection::btree_map(
        "[a-z][a-z0-9-]{0,10}",
        (any::<bool>(), any::<bool>(), apply_to()),
        0..3,
    );
    let outputs = prop::collection::btree_map(
        "[a-z][a-z0-9_]{0,10}",
        (any::<prop::sample::Index>(), apply_to()),
        0..3,
    );
    let actions = prop::collection::btree_map("[a-z]{1,8}", (any::<bool>(), any::<bool>()), 0..3);
    let custom = proptest::option::of("[a-z]{1,8}");
    (head, defs, params, creds, outputs, actions, custom).prop_map(
        move |(
            (name, version, description, invocation, images),
            defs,
            params,
            creds,
            outputs,
            actions,
            custom,
        )| {
            let mut b = Map::new();
            b.insert("schemaVersion".into(), json!(schema_version));
            b.insert("name".into(), json!(name));
            b.insert("version".into(), json!(version));
            if let Some(d) = description {
                b.insert("description".into(), json!(d));
            }
            b.insert("invocationImages".into(), json!(invocation));
            if !images.is_empty() {
                b.insert("images".into(), json!(images));
            }
            let def_names: Vec<&String> = defs.keys().collect();
            let mut p = Map::new();
            for (name, (def, by_env, apply)) in &params {
                let destination = if *by_env {
                    json!({"env": format!("P_{name}")})
                } else {
                    json!({"path": format!("/etc/params/{}", name.to_lowercase())})
                };
                let mut entry = Map::new();
                entry.insert("definition".into(), json!(def.get(&def_names)));
                entry.insert("destination".into(), destination);
                if let Some(a) = apply {
                    entry.insert("applyTo".into(), a.clone());
                }
                p.insert(name.clone(), Value::Object(entry));
            }
            b.insert("parameters".into(), Value::Object(p));
            b.insert("definitions".into(), json!(defs));
            if !creds.is_empty() {
                b.insert("credentials".into(), credentials_of(&creds, schema_version));
            }
            if !outputs.is_empty() {
                let mut o = Map::new();
                for (name, (def, apply)) in &outputs {
                    let mut entry = Map::new();
                    entry.insert("definition".into(), json!(def.get(&def_names)));
                    entry.insert("path".into(), json!(format!("/cnab/app/outputs/{name}")));
                    if let Some(a) = apply {
                        entry.insert("applyTo".into(), a.clone());
                    }
                    o.insert(name.clone(), Value::Object(entry));
                }
                b.insert("outputs".into(), Value::Object(o));
            }
            if !actions.is_empty() {
                b.insert("actions".into(), actions_of(&actions, schema_version));
            }
            if let Some(ext) = custom {
                let key = format!("com.example.{ext}");
                b.insert("custom".into(), json!({ key.clone(): {"enabled": true} }));
                b.insert("requiredExtensions".into(), json!([key]));
            }
            Value::Object(b)
        },
    )
}

/// The credentials of a generated bundle; `applyTo` only from core 1.2.0 on.
fn credentials_of(
    creds: &BTreeMap<String, (bool, bool, Option<Value>)>,
    schema_version: &str,
) -> Value {
    let mut c = Map::new();
    for (name, (by_env, required, apply)) in creds {
        let mut entry = Map::new();
        if *by_env {
            let env = format!("C_{}", name.to_uppercase().replace('-', "_"));
            entry.insert("env".into(), json!(env));
        } else {
            entry.insert("path".into(), json!(format!("/etc/creds/{name}")));
        }
        entry.insert("required".into(), json!(required));
        if let (Some(a), "v1.2.0") = (apply, schema_version) {
            entry.insert("applyTo".into(), a.clone());
        }
        c.insert(name.clone(), Value::Object(entry));
    }
    Value::Object(c)
}

/// The custom actions of a generated bundle.
fn actions_of(actions: &BTreeMap<String, (bool, bool)>, schema_version: &str) -> Value {
    let mut a = Map::new();
    for (name, (modifies, stateless)) in actions {
        let mut action = json!({
            "modifies": modifies,
            "stateless": *stateless && !modifies,
            "description": format!("runs {name}"),
        });
        // Actions have a title only from core 1.1.0 on.
        if !schema_version.starts_with("v1.0.") {
            action["title"] = json!(format!("Run {name}"));
        }
        a.insert(format!("io.example.{name}"), action);
    }
    Value::Object(a)
}

/// The canonical bytes of a value as serde_json writes it: keys sorted by
/// bytes, no whitespace. For ASCII keys and integers this is both OLPC and
/// JCS, and the tests below check that the validator agrees.
fn compact(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("serializes")
}

fn clauses(bytes: &[u8]) -> BTreeSet<String> {
    Validator::default()
        .check("gen.json", bytes)
        .findings
        .into_iter()
        .map(|f| f.clause)
        .collect()
}

/// One defect put into a valid bundle, with the clause it must break.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    NoInvocationImages,
    VersionNotSemver(u8),
    CnabPrefixedEnv,
    ParameterPathUnderOutputs,
    BadDigest,
    UndeclaredDefinition,
    BuiltinActionRedeclared(u8),
    OutputPathOutsideOutputs,
    OutputWithoutDefinition,
    EnvClash,
    RequiredExtensionMissing,
    DefaultOutsideDefinition,
    RelativeParameterPath,
    CustomActionApplyUnknown,
    ImageByTag,
    NameNotGraphic,
    UndottedCustomAction,
    CredentialWithoutDestination,
    OutputPathShared,
}

impl Mutation {
    fn clause(self) -> &'static str {
        match self {
            Mutation::NoInvocationImages => "core.bundle.invocationImages.min_one",
            Mutation::VersionNotSemver(_) => "core.bundle.version.semver2",
            Mutation::CnabPrefixedEnv => "core.destinations.cnab_prefix.declare",
            Mutation::ParameterPathUnderOutputs => "core.parameters.path.not_outputs",
            Mutation::BadDigest => "core.image.contentDigest.oci_format",
            Mutation::UndeclaredDefinition => "core.parameters.definition.resolves",
            Mutation::BuiltinActionRedeclared(_) => "core.actions.builtin_not_declared",
            Mutation::OutputPathOutsideOutputs => "core.outputs.path.under_outputs",
            Mutation::OutputWithoutDefinition => "core.outputs.definition.present",
            Mutation::EnvClash => "core.destinations.env_clash",
            Mutation::RequiredExtensionMissing => "core.requiredExtensions.in_custom",
            Mutation::DefaultOutsideDefinition => "core.definitions.default_valid",
            Mutation::RelativeParameterPath => "core.parameters.path.absolute",
            Mutation::CustomActionApplyUnknown => "core.outputs.applyTo.known",
            Mutation::ImageByTag => "core.images.image.by_digest",
            Mutation::NameNotGraphic => "core.bundle.name.graphic",
            Mutation::UndottedCustomAction => "core.actions.name.dotted",
            Mutation::CredentialWithoutDestination => "core.credentials.env_or_path",
            Mutation::OutputPathShared => "core.outputs.path.unique",
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::NoInvocationImages),
        any::<u8>().prop_map(Mutation::VersionNotSemver),
        Just(Mutation::CnabPrefixedEnv),
        Just(Mutation::ParameterPathUnderOutputs),
        Just(Mutation::BadDigest),
        Just(Mutation::UndeclaredDefinition),
        any::<u8>().prop_map(Mutation::BuiltinActionRedeclared),
        Just(Mutation::OutputPathOutsideOutputs),
        Just(Mutation::OutputWithoutDefinition),
        Just(Mutation::EnvClash),
        Just(Mutation::RequiredExtensionMissing),
        Just(Mutation::DefaultOutsideDefinition),
        Just(Mutation::RelativeParameterPath),
        Just(Mutation::CustomActionApplyUnknown),
        Just(Mutation::ImageByTag),
        Just(Mutation::NameNotGraphic),
        Just(Mutation::UndottedCustomAction),
        Just(Mutation::CredentialWithoutDestination),
        Just(Mutation::OutputPathShared),
    ]
}

fn section<'a>(b: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    b.as_object_mut()
        .expect("bundle object")
        .entry(key)
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("section object")
}

/// The first parameter (there is always one).
fn first_parameter(b: &mut Value) -> &mut Map<String, Value> {
    section(b, "parameters")
        .values_mut()
        .next()
        .expect("a parameter")
        .as_object_mut()
        .expect("parameter object")
}

/// Applies `m` to a valid bundle, with `pick` choosing among the targets.
fn apply(b: &mut Value, m: Mutation, pick: usize) {
    let first_def = section(b, "definitions")
        .keys()
        .next()
        .expect("a definition")
        .clone();
    match m {
        Mutation::NoInvocationImages => {
            b["invocationImages"] = json!([]);
        }
        Mutation::VersionNotSemver(n) => {
            let bad = [
                "1.0", "v1.0.0", "01.2.3", "1.2.3-", "1.2.3+", "latest", "1..2",
            ];
            b["version"] = json!(bad[usize::from(n) % bad.len()]);
        }
        Mutation::CnabPrefixedEnv => {
            first_parameter(b).insert("destination".into(), json!({"env": "CNAB_INJECTED"}));
        }
        Mutation::ParameterPathUnderOutputs => {
            first_parameter(b).insert(
                "destination".into(),
                json!({"path": "/cnab/app/outputs/leak"}),
            );
        }
        Mutation::BadDigest => {
            let images = b["invocationImages"].as_array_mut().expect("array");
            let i = pick % images.len();
            images[i]["contentDigest"] = json!("sha256:not-a-digest");
        }
        Mutation::UndeclaredDefinition => {
            first_parameter(b).insert("definition".into(), json!("undeclared"));
        }
        Mutation::BuiltinActionRedeclared(n) => {
            let name = ACTIONS[usize::from(n) % ACTIONS.len()];
            section(b, "actions").insert(name.into(), json!({"modifies": true}));
        }
        Mutation::OutputPathOutsideOutputs => {
            section(b, "outputs").insert(
                "stray".into(),
                json!({"definition": first_def, "path": "/tmp/stray"}),
            );
        }
        Mutation::OutputWithoutDefinition => {
            section(b, "outputs").insert(
                "nodef".into(),
                json!({"definition": "missing", "path": "/cnab/app/outputs/no-def"}),
            );
        }
        Mutation::EnvClash => {
            first_parameter(b).insert("destination".into(), json!({"env": "SHARED_ENV"}));
            section(b, "credentials").insert("clash".into(), json!({"env": "SHARED_ENV"}));
        }
        Mutation::RequiredExtensionMissing => {
            b["requiredExtensions"] = json!(["com.example.absent"]);
        }
        Mutation::DefaultOutsideDefinition => {
            section(b, "definitions").insert(
                "bounded".into(),
                json!({"type": "integer", "minimum": 10, "maximum": 20, "default": 21}),
            );
        }
        Mutation::RelativeParameterPath => {
            first_parameter(b).insert("destination".into(), json!({"path": "etc/relative"}));
        }
        Mutation::CustomActionApplyUnknown => {
            section(b, "outputs").insert(
                "unknown_action".into(),
                json!({"definition": first_def, "path": "/cnab/app/outputs/unknown-action", "applyTo": ["io.example.nowhere-declared"]}),
            );
        }
        Mutation::ImageByTag => {
            section(b, "images").insert(
                "tagged".into(),
                json!({"image": "docker.io/library/nginx:1.27", "imageType": "docker"}),
            );
        }
        Mutation::NameNotGraphic => {
            let name = b["name"].as_str().expect("name").to_string();
            b["name"] = json!(format!("{name}\u{7}"));
        }
        Mutation::UndottedCustomAction => {
            section(b, "actions").insert("backup".into(), json!({"modifies": false}));
        }
        Mutation::CredentialWithoutDestination => {
            section(b, "credentials").insert("nowhere".into(), json!({"required": true}));
        }
        Mutation::OutputPathShared => {
            let outputs = section(b, "outputs");
            for name in ["first", "second"] {
                outputs.insert(
                    name.into(),
                    json!({"definition": first_def, "path": "/cnab/app/outputs/shared-path"}),
                );
            }
        }
    }
}

fn config() -> Config {
    Config {
        cases: 128,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_bundles_are_clean(b in any_version_bundle()) {
        let bytes = compact(&b);
        let report = Validator::default().check("gen.json", &bytes);
        prop_assert!(
            report.findings.is_empty(),
            "{}\n{:#?}",
            String::from_utf8_lossy(&bytes),
            report.findings
        );
        prop_assert_eq!(report.kind.value, Some(DocumentKind::Bundle));
        prop_assert_eq!(
            report.canonical,
            CanonicalVerdict::Canonical { profiles: vec![Profile::Olpc, Profile::Jcs] }
        );
    }

    #[test]
    fn fmt_keeps_bundles_clean_and_their_meaning(b in bundle(), profile in prop_oneof![Just(Profile::Olpc), Just(Profile::Jcs)]) {
        let pretty = serde_json::to_vec_pretty(&b).expect("serializes");
        let before: Vec<String> = clauses(&pretty).into_iter().collect();
        prop_assert_eq!(before, vec!["core.bundle.canonical_json".to_string()]);
        let parsed = parse(&pretty, &ParseLimits::default()).expect("parses");
        let canonical = canonicalize(&parsed.root, profile).expect("canonicalizes");
        prop_assert_eq!(&canonical, &compact(&b));
        prop_assert!(clauses(&canonical).is_empty());
        let back: Value = serde_json::from_slice(&canonical).expect("json");
        prop_assert_eq!(back, b);
    }

    #[test]
    fn canonical_forms_are_fixed_points_and_profiles_agree(b in bundle()) {
        let pretty = serde_json::to_vec_pretty(&b).expect("serializes");
        let parsed = parse(&pretty, &ParseLimits::default()).expect("parses");
        let olpc = canonicalize(&parsed.root, Profile::Olpc).expect("olpc");
        let jcs = canonicalize(&parsed.root, Profile::Jcs).expect("jcs");
        prop_assert_eq!(&olpc, &jcs, "the profiles agree on ASCII keys and small integers");
        for profile in Profile::ALL {
            let again = parse(&olpc, &ParseLimits::default()).expect("reparses");
            prop_assert_eq!(&canonicalize(&again.root, profile).expect("again"), &olpc);
            prop_assert!(is_canonical(&olpc, &again, profile).is_ok());
            prop_assert!(is_canonical(&pretty, &parsed, profile).is_err());
        }
    }

}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn one_mutation_breaks_exactly_its_clause(b in bundle(), m in mutation(), pick in any::<usize>()) {
        let mut mutated = b.clone();
        apply(&mut mutated, m, pick);
        let bytes = compact(&mutated);
        let report = Validator::default().check("gen.json", &bytes);
        let found: BTreeSet<&str> = report.findings.iter().map(|f| f.clause.as_str()).collect();
        let by_clause: BTreeMap<&str, Vec<&str>> = report.findings.iter().fold(BTreeMap::new(), |mut acc, f| {
            acc.entry(f.clause.as_str()).or_default().push(f.message.as_str());
            acc
        });
        prop_assert_eq!(
            found,
            BTreeSet::from([m.clause()]),
            "{:?} on\n{}\nfound: {:#?}",
            m,
            String::from_utf8_lossy(&bytes),
            by_clause
        );
    }
}
