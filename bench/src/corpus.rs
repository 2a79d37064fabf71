//! A deterministic corpus of CNAB documents for benchmarks.
//!
//! The corpus is a pure function of its [`CorpusSpec`]: the same files and
//! seed give the same paths and the same bytes on every machine, because the
//! random numbers come from our own SplitMix64 generator (no crate whose
//! stream could change between versions) and the JSON is written by our own
//! writer (no map whose order depends on a feature flag).
//!
//! Sizes follow what bundle registries hold: most bundles are a few
//! kilobytes, about one in ten is between 50 and 500 KB, and one in a
//! hundred is between 1 and 4 MB (many parameters, definitions and long
//! descriptions). Most documents are canonical bundles that pass every
//! check; about one in twenty has a [`Flaw`] that a real author or tool
//! makes, and one in twenty is a claim with its bundle inside.

use std::fmt::Write as _;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorpusSpec {
    /// How many documents.
    pub files: usize,
    /// The seed of the random stream.
    pub seed: u64,
}

/// A defect put into a document on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Pretty-printed with keys in authoring order: not canonical JSON.
    Pretty,
    /// `version` is not a SemVer 2 version.
    BadVersion,
    /// A parameter names a definition that does not exist.
    MissingDefinition,
    /// The file was cut short while being written.
    Truncated,
    /// `name` occurs twice at the top level.
    DuplicateKey,
    /// The required `invocationImages` is missing.
    NoInvocationImages,
}

impl Flaw {
    /// A short name, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Flaw::Pretty => "pretty",
            Flaw::BadVersion => "bad-version",
            Flaw::MissingDefinition => "missing-definition",
            Flaw::Truncated => "truncated",
            Flaw::DuplicateKey => "duplicate-key",
            Flaw::NoInvocationImages => "no-invocation-images",
        }
    }
}

/// One generated document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The path under the corpus directory (`042/bundle-04213.json`).
    pub path: String,
    /// The bytes of the file.
    pub bytes: Vec<u8>,
    /// The defect put in, if any.
    pub flaw: Option<Flaw>,
    /// Whether it is a claim (else a bundle).
    pub claim: bool,
}

/// The SplitMix64 generator: tiny, fast, and fixed forever.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A JSON value as the generator builds it: objects keep authoring order.
#[derive(Debug, Clone)]
enum J {
    Obj(Vec<(String, J)>),
    Arr(Vec<J>),
    Str(String),
    Int(i64),
    Bool(bool),
}

fn obj(members: Vec<(&str, J)>) -> J {
    J::Obj(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn s(text: impl Into<String>) -> J {
    J::Str(text.into())
}

/// Writes a string; generated text is printable ASCII without `"` or `\`,
/// where OLPC and JCS agree, but both are escaped anyway.
fn write_str(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Compact with keys sorted by code point: canonical under both profiles
/// for the values the generator makes (ASCII strings, integers).
fn write_canonical(v: &J, out: &mut String) {
    match v {
        J::Obj(members) => {
            let mut sorted: Vec<&(String, J)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        J::Arr(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        J::Str(t) => write_str(t, out),
        J::Int(n) => {
            let _ = write!(out, "{n}");
        }
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

/// Two-space indentation, keys in authoring order.
fn write_pretty(v: &J, depth: usize, out: &mut String) {
    let pad = |d: usize, out: &mut String| {
        out.push('\n');
        for _ in 0..d {
            out.push_str("  ");
        }
    };
    match v {
        J::Obj(members) if !members.is_empty() => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(depth + 1, out);
                write_str(k, out);
                out.push_str(": ");
                write_pretty(v, depth + 1, out);
            }
            pad(depth, out);
            out.push('}');
        }
        J::Arr(items) if !items.is_empty() => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(depth + 1, out);
                write_pretty(v, depth + 1, out);
            }
            pad(depth, out);
            out.push(']');
        }
        other => write_canonical(other, out),
    }
}

const WORDS: &[&str] = &[
    "the",
    "bundle",
    "installs",
    "a",
    "database",
    "cluster",
    "with",
    "replicas",
    "and",
    "backups",
    "configures",
    "network",
    "policy",
    "for",
    "each",
    "tenant",
    "when",
    "upgrade",
    "runs",
    "it",
    "migrates",
    "schema",
    "version",
    "of",
    "service",
    "mesh",
    "sidecar",
    "storage",
    "class",
    "region",
    "credentials",
    "are",
    "read",
    "from",
    "environment",
    "default",
    "value",
    "is",
    "used",
    "unless",
    "set",
    "operator",
    "controls",
    "rollout",
    "timeout",
    "seconds",
    "retry",
    "count",
    "endpoint",
    "certificate",
    "authority",
    "log",
    "level",
    "metrics",
    "exporter",
];

fn words(rng: &mut Rng, count: u64) -> String {
    let mut out = String::new();
    for i in 0..count {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(WORDS));
    }
    out
}

fn hex64(rng: &mut Rng) -> String {
    let mut out = String::with_capacity(64);
    for _ in 0..4 {
        let _ = write!(out, "{:016x}", rng.next_u64());
    }
    out
}

fn image(rng: &mut Rng, name: &str) -> (String, String) {
    let digest = format!("sha256:{}", hex64(rng));
    let host = rng.pick(&["registry.example.com", "ghcr.io", "docker.io"]);
    (format!("{host}/acme/{name}@{digest}"), digest)
}

/// The members of an object being built, in order.
type Members = Vec<(String, J)>;

/// The bundle's component images, zero to three.
fn component_images(rng: &mut Rng) -> Members {
    let mut images = Vec::new();
    for i in 0..rng.range(0, 4) {
        let (r, d) = image(rng, &format!("component-{i}"));
        images.push((
            format!("component-{i}"),
            obj(vec![
                ("imageType", s("docker")),
                ("image", s(r)),
                ("contentDigest", s(d)),
                ("description", s(words(rng, 6))),
            ]),
        ));
    }
    images
}

/// Parameters and their definitions, as many as make about `target` bytes.
fn parameters(rng: &mut Rng, target: usize, flaw: Option<Flaw>) -> (Members, Members) {
    // Long descriptions make the large bundles large; parameters grow with
    // the target size.
    let long = target > 500_000;
    let desc_words = |rng: &mut Rng| {
        if long {
            rng.range(80, 300)
        } else {
            rng.range(3, 30)
        }
    };
    let mut parameters = Vec::new();
    let mut definitions = Vec::new();
    let mut size = 1_000;
    let mut i = 0;
    while size < target {
        let pname = format!("param_{i:04}");
        let dname = format!("{pname}_type");
        let count = desc_words(rng);
        let description = words(rng, count);
        let definition = match rng.below(3) {
            0 => obj(vec![
                ("type", s("string")),
                ("default", s(words(rng, 2))),
                ("maxLength", J::Int(200)),
                ("description", s(description.clone())),
            ]),
            1 => {
                let lo = rng.below(10) as i64;
                obj(vec![
                    ("type", s("integer")),
                    ("minimum", J::Int(lo)),
                    ("maximum", J::Int(lo + 1000)),
                    ("default", J::Int(lo + rng.below(1000) as i64)),
                ])
            }
            _ => obj(vec![
                ("type", s("boolean")),
                ("default", J::Bool(rng.below(2) == 0)),
            ]),
        };
        let definition_ref = if flaw == Some(Flaw::MissingDefinition) && i == 0 {
            format!("{dname}_missing")
        } else {
            dname.clone()
        };
        parameters.push((
            pname.clone(),
            obj(vec![
                ("definition", s(definition_ref)),
                ("description", s(description.clone())),
                (
                    "destination",
                    obj(vec![("env", s(format!("PARAM_{}", pname.to_uppercase())))]),
                ),
            ]),
        ));
        definitions.push((dname, definition));
        size += 260 + 2 * description.len();
        i += 1;
    }
    (parameters, definitions)
}

/// A bundle of about `target` bytes once written.
fn bundle(rng: &mut Rng, n: usize, target: usize, flaw: Option<Flaw>) -> J {
    let name = format!("app-{n:05}");
    let version = match flaw {
        Some(Flaw::BadVersion) => rng.pick(&["v1.0", "1.0", "1.2.3.4", "latest"]).to_string(),
        _ => format!("{}.{}.{}", rng.below(5), rng.below(20), rng.below(100)),
    };
    let (ii_ref, ii_digest) = image(rng, &format!("{name}-installer"));
    let mut top: Vec<(&str, J)> = vec![
        (
            "schemaVersion",
            s(rng.pick(&["v1.0.0", "v1.1.0", "v1.2.0", "v1.2.0"])),
        ),
        ("name", s(name.clone())),
        ("version", s(version)),
        ("description", s(words(rng, 12))),
        (
            "keywords",
            J::Arr((0..rng.range(1, 5)).map(|_| s(rng.pick(WORDS))).collect()),
        ),
        (
            "maintainers",
            J::Arr(vec![obj(vec![
                ("name", s("Platform Team")),
                ("email", s("platform@example.com")),
                ("url", s("https://example.com/platform")),
            ])]),
        ),
    ];
    if flaw != Some(Flaw::NoInvocationImages) {
        top.push((
            "invocationImages",
            J::Arr(vec![obj(vec![
                ("imageType", s("docker")),
                ("image", s(ii_ref)),
                ("contentDigest", s(ii_digest)),
            ])]),
        ));
    }
    let images = component_images(rng);
    if !images.is_empty() {
        top.push(("images", J::Obj(images)));
    }
    let (parameters, mut definitions) = parameters(rng, target, flaw);
    let mut outputs = Vec::new();
    for o in 0..rng.range(0, 3) {
        let oname = format!("output_{o}");
        definitions.push((format!("{oname}_type"), obj(vec![("type", s("string"))])));
        outputs.push((
            oname.clone(),
            obj(vec![
                ("definition", s(format!("{oname}_type"))),
                ("path", s(format!("/cnab/app/outputs/{oname}"))),
                ("description", s(words(rng, 5))),
            ]),
        ));
    }
    let credentials: Vec<(String, J)> = (0..rng.range(0, 3))
        .map(|c| {
            (
                format!("cred_{c}"),
                obj(vec![
                    ("env", s(format!("CRED_{c}"))),
                    ("description", s(words(rng, 4))),
                ]),
            )
        })
        .collect();
    if !parameters.is_empty() {
        top.push(("parameters", J::Obj(parameters)));
    }
    if !definitions.is_empty() {
        top.push(("definitions", J::Obj(definitions)));
    }
    if !outputs.is_empty() {
        top.push(("outputs", J::Obj(outputs)));
    }
    if !credentials.is_empty() {
        top.push(("credentials", J::Obj(credentials)));
    }
    if rng.below(3) == 0 {
        top.push((
            "actions",
            obj(vec![(
                "io.cnab.status",
                obj(vec![
                    ("modifies", J::Bool(false)),
                    ("stateless", J::Bool(true)),
                    ("description", s("reports the state of the installation")),
                ]),
            )]),
        ));
    }
    J::Obj(top.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A claim about an installation of a small bundle.
fn claim(rng: &mut Rng, n: usize) -> J {
    let mut ulid = || -> String {
        let chars = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        // The first character carries the top bits of the time: 0 to 7.
        (0..26)
            .map(|i| chars[rng.below(if i == 0 { 2 } else { 32 }) as usize] as char)
            .collect()
    };
    let (id, revision) = (ulid(), ulid());
    let inner = bundle(rng, n, 2_000, None);
    obj(vec![
        ("schemaVersion", s("1.0.0")),
        ("id", s(id)),
        ("installation", s(format!("install-{n:05}"))),
        ("revision", s(revision)),
        ("created", s("2024-03-01T10:20:30Z")),
        ("action", s(rng.pick(&["install", "upgrade", "uninstall"]))),
        ("bundle", inner),
        ("parameters", J::Obj(Vec::new())),
    ])
}

/// The target size of one document: 90 % from 1 to 50 KB, 9 % from 50 to
/// 500 KB, 1 % from 1 to 4 MB (log-uniform within each class).
fn target_size(rng: &mut Rng) -> usize {
    let (lo, hi) = match rng.below(100) {
        0 => (1_000_000.0, 4_000_000.0),
        1..=9 => (50_000.0, 500_000.0),
        _ => (1_000.0, 50_000.0),
    };
    (lo * f64::powf(hi / lo, rng.unit())) as usize
}

fn flaw(rng: &mut Rng) -> Option<Flaw> {
    match rng.below(1000) {
        0..=29 => Some(Flaw::Pretty),
        30..=37 => Some(Flaw::BadVersion),
        38..=42 => Some(Flaw::MissingDefinition),
        43..=47 => Some(Flaw::Truncated),
        48..=51 => Some(Flaw::DuplicateKey),
        52..=54 => Some(Flaw::NoInvocationImages),
        _ => None,
    }
}

/// The random stream of document `n`: each document has its own, so any
/// one can be made without the others.
fn stream(seed: u64, n: usize) -> Rng {
    let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0xd134_2543_de82_ef95));
    rng.next_u64();
    rng
}

fn file_name(n: usize, is_claim: bool) -> String {
    format!(
        "{:03}/{}-{n:05}.json",
        n / 100,
        if is_claim { "claim" } else { "bundle" }
    )
}

/// The path of document `n` under the corpus directory, without making it.
pub fn path(seed: u64, n: usize) -> String {
    file_name(n, stream(seed, n).below(20) == 0)
}

/// Document number `n` of the corpus with this seed.
pub fn document(seed: u64, n: usize) -> Document {
    let mut rng = stream(seed, n);
    let is_claim = rng.below(20) == 0;
    let flaw = if is_claim { None } else { flaw(&mut rng) };
    let target = target_size(&mut rng);
    let value = if is_claim {
        claim(&mut rng, n)
    } else {
        bundle(&mut rng, n, target, flaw)
    };
    let mut text = String::with_capacity(target + target / 8);
    if flaw == Some(Flaw::Pretty) {
        write_pretty(&value, 0, &mut text);
        text.push('\n');
    } else {
        write_canonical(&value, &mut text);
    }
    if flaw == Some(Flaw::DuplicateKey) {
        text.insert_str(1, &format!("\"name\":\"app-{n:05}-old\","));
    }
    let mut bytes = text.into_bytes();
    if flaw == Some(Flaw::Truncated) {
        let keep = 1 + rng.below(bytes.len() as u64 - 1) as usize;
        bytes.truncate(keep);
    }
    Document {
        path: file_name(n, is_claim),
        bytes,
        flaw,
        claim: is_claim,
    }
}

/// Every document of the corpus, in order.
pub fn documents(spec: CorpusSpec) -> impl Iterator<Item = Document> {
    (0..spec.files).map(move |n| document(spec.seed, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_the_published_stream() {
        // The first outputs of SplitMix64 seeded with 0.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn canonical_writer_sorts_keys_and_pretty_keeps_order() {
        let v = obj(vec![("b", J::Int(1)), ("a", J::Arr(vec![s("x\"y")]))]);
        let mut c = String::new();
        write_canonical(&v, &mut c);
        assert_eq!(c, r#"{"a":["x\"y"],"b":1}"#);
        let mut p = String::new();
        write_pretty(&v, 0, &mut p);
        assert_eq!(p, "{\n  \"b\": 1,\n  \"a\": [\n    \"x\\\"y\"\n  ]\n}");
    }
}
