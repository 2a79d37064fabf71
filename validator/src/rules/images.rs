//! Image rules (101 § Invocation Images, § The Image Map).

use serde_json::Value;

use super::reference::ImageReference;
use super::syntax::digest_problem;
use cnab_model::SpecVersion;

use super::{ptr, quote, Bundle, RuleOptions, Sink};

/// The clauses for one of the two image lists.
struct Clauses {
    digest: &'static str,
    reference: &'static str,
}

const INVOCATION: Clauses = Clauses {
    digest: "core.image.contentDigest.oci_format",
    reference: "core.image.image.reference",
};

const IMAGES: Clauses = Clauses {
    digest: "core.images.contentDigest.oci_format",
    reference: "core.images.image.reference",
};

pub(super) fn check(b: &Bundle<'_>, options: &RuleOptions, out: &mut Sink) {
    // Release strictness: uppercase MUST from 1.1.0 on, lowercase "must" before.
    let release = options.release.then(|| {
        if b.at_least(SpecVersion::Core1_1_0) {
            "core.image.contentDigest.required_for_release"
        } else {
            "core.image.contentDigest.required_for_release.v1_0"
        }
    });
    if let Some(list) = b.doc.get("invocationImages").and_then(Value::as_array) {
        if list.is_empty() {
            out.push(
                "core.bundle.invocationImages.min_one",
                "/invocationImages",
                "invocationImages is empty, but a bundle needs at least one invocation image"
                    .to_string(),
            );
        }
        for (i, img) in list.iter().enumerate() {
            let base = ptr(&["invocationImages".to_string(), i.to_string()]);
            check_image(img, &base, &INVOCATION, release, out);
        }
    }
    if let Some(map) = b.map("images") {
        for (key, img) in map {
            let base = ptr(&["images", key.as_str()]);
            check_image(img, &base, &IMAGES, release, out);
            let by_digest = img
                .get("image")
                .and_then(Value::as_str)
                .and_then(|s| ImageReference::parse(s).ok())
                .map(|r| r.digest.is_some());
            if by_digest == Some(false) {
                let s = img.get("image").and_then(Value::as_str).unwrap_or_default();
                out.push(
                    "core.images.image.by_digest",
                    &format!("{base}/image"),
                    format!("image {} of `{key}` uses a tag; it should be a content-addressed reference (`name@sha256:...`)", quote(s)),
                );
            }
        }
    }
}

fn check_image(
    img: &Value,
    base: &str,
    clauses: &Clauses,
    release: Option<&'static str>,
    out: &mut Sink,
) {
    let Some(obj) = img.as_object() else {
        return;
    };
    match obj.get("contentDigest") {
        Some(Value::String(d)) => {
            super::check_algorithm(d, &format!("{base}/contentDigest"), out);
            if let Some(problem) = digest_problem(d) {
                out.push(
                    clauses.digest,
                    &format!("{base}/contentDigest"),
                    format!(
                        "contentDigest {} is not an oci digest: it {problem}",
                        quote(d)
                    ),
                );
            }
        }
        Some(_) => {}
        None => {
            if let Some(clause) = release {
                out.push(
                    clause,
                    base,
                    "image has no contentDigest, which a bundle ready for distribution must carry for every image".to_string(),
                );
            }
        }
    }
    // Only OCI and Docker images use registry references; other types are open.
    let oci_like = match obj.get("imageType") {
        None => true,
        Some(Value::String(t)) => t == "oci" || t == "docker",
        Some(_) => false,
    };
    if let (true, Some(Value::String(r))) = (oci_like, obj.get("image")) {
        if let Some((_, d)) = r.split_once('@') {
            super::check_algorithm(d, &format!("{base}/image"), out);
        }
        if let Err(e) = ImageReference::parse(r) {
            out.push(
                clauses.reference,
                &format!("{base}/image"),
                format!("image {} is not a valid image reference: it {e}", quote(r)),
            );
        }
    }
    if let Some(size) = obj.get("size").and_then(Value::as_i64) {
        if size < 0 {
            out.push(
                "core.image.size.non_negative",
                &format!("{base}/size"),
                format!("size {size} is negative, but it counts the bytes of the image"),
            );
        }
    }
}
