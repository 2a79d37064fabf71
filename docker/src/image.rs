//! The probe image: built FROM scratch, pushed to a loopback registry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bollard::query_parameters::{BuildImageOptionsBuilder, PushImageOptionsBuilder};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::archive::probe_build_context;
use crate::engine::{Engine, IMAGE_LABEL, PROBE_LABEL_VALUE};
use crate::error::{is_not_found, DockerError};

/// The registry used when `CNAB_TEST_REGISTRY` is not set.
pub const DEFAULT_REGISTRY: &str = "127.0.0.1:5000";

/// The repository, under the registry, that holds the probe image.
pub const PROBE_REPOSITORY: &str = "cnab-conformance/probe";

/// The label that carries the probe binary's sha256 on the image.
pub const BINARY_LABEL: &str = "io.cnab-conformance.probe.sha256";

/// The Dockerfile of the probe image; nothing is pulled to build it.
pub const PROBE_DOCKERFILE: &str = "FROM scratch\n\
COPY run /cnab/app/run\n\
LABEL io.cnab-conformance=probe\n\
ENTRYPOINT [\"/cnab/app/run\"]\n";

/// The registry named by `CNAB_TEST_REGISTRY`, or [`DEFAULT_REGISTRY`].
pub fn registry_from_env() -> String {
    std::env::var("CNAB_TEST_REGISTRY")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REGISTRY.to_string())
}

/// The probe image as pushed to a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeImage {
    /// `REGISTRY/cnab-conformance/probe`.
    pub repository: String,
    /// The tagged reference, `REPOSITORY:TAG`, with a tag derived from the
    /// binary's sha256.
    pub reference: String,
    /// The manifest digest the registry reported, `sha256:...`: what a
    /// bundle's `contentDigest` should hold.
    pub digest: String,
    /// `REPOSITORY@DIGEST`.
    pub pinned: String,
    /// The engine's image ID.
    pub image_id: String,
    /// The sha256 of the probe binary, in hex.
    pub binary_sha256: String,
    /// Whether this call built the image (false when the tag existed).
    pub built: bool,
}

impl Engine {
    /// Makes sure the probe image for `binary` exists and is in `registry`,
    /// and returns its reference and repository digest.
    ///
    /// The tag is derived from the binary's sha256, so an image already
    /// built from the same binary is reused; the push is always done, so a
    /// registry that was emptied is filled again.
    pub fn ensure_probe_image(
        &self,
        binary: &Path,
        registry: &str,
    ) -> Result<ProbeImage, DockerError> {
        let bytes = std::fs::read(binary)
            .map_err(|e| DockerError::io(format!("read {}", binary.display()), e))?;
        let binary_sha256 = hex::encode(Sha256::digest(&bytes));
        let repository = format!("{}/{PROBE_REPOSITORY}", registry.trim_end_matches('/'));
        let tag = format!("sha256-{}", &binary_sha256[..32]);
        let reference = format!("{repository}:{tag}");
        let client = self.client(Duration::from_secs(600));

        let existing = self.runtime.block_on(client.inspect_image(&reference));
        let built = match existing {
            Ok(_) => false,
            Err(e) if is_not_found(&e) => {
                self.build_probe(&client, &bytes, &reference, &binary_sha256)?;
                true
            }
            Err(e) => return Err(DockerError::engine(format!("inspect image {reference}"), e)),
        };

        let pushed_digest = self.push(&client, &repository, &tag)?;
        let inspect = self
            .runtime
            .block_on(client.inspect_image(&reference))
            .map_err(|e| DockerError::engine(format!("inspect image {reference}"), e))?;
        let repo_digests = inspect.repo_digests.unwrap_or_default();
        let from_inspect = repo_digests
            .iter()
            .filter_map(|d| d.strip_prefix(&format!("{repository}@")))
            .map(str::to_string)
            .collect::<Vec<_>>();
        let digest = match pushed_digest {
            Some(d) if from_inspect.contains(&d) => d,
            Some(d) => {
                return Err(DockerError::Push {
                    reference,
                    message: format!(
                        "the registry reported {d} but the engine records {repo_digests:?}"
                    ),
                })
            }
            None => from_inspect
                .first()
                .cloned()
                .ok_or_else(|| DockerError::Push {
                    reference: reference.clone(),
                    message: "no digest in the push stream nor in the image's repository digests"
                        .into(),
                })?,
        };
        Ok(ProbeImage {
            pinned: format!("{repository}@{digest}"),
            repository,
            reference,
            digest,
            image_id: inspect.id.unwrap_or_default(),
            binary_sha256,
            built,
        })
    }

    fn build_probe(
        &self,
        client: &bollard::Docker,
        binary: &[u8],
        reference: &str,
        binary_sha256: &str,
    ) -> Result<(), DockerError> {
        let context = probe_build_context(binary, PROBE_DOCKERFILE)?;
        let labels = HashMap::from([
            (IMAGE_LABEL, PROBE_LABEL_VALUE),
            (BINARY_LABEL, binary_sha256),
        ]);
        let options = BuildImageOptionsBuilder::new()
            .dockerfile("Dockerfile")
            .t(reference)
            .labels(&labels)
            .rm(true)
            .forcerm(true)
            .build();
        let build_error = |message: String| DockerError::Build {
            tag: reference.to_string(),
            message,
        };
        self.runtime.block_on(async {
            let mut stream = client.build_image(
                options,
                None,
                Some(bollard::body_full(bytes::Bytes::from(context))),
            );
            let mut transcript = String::new();
            while let Some(item) = stream.next().await {
                let info = item.map_err(|e| build_error(e.to_string()))?;
                if let Some(detail) = info.error_detail {
                    return Err(build_error(detail.message.unwrap_or(transcript)));
                }
                if let Some(text) = info.stream {
                    transcript.push_str(&text);
                }
            }
            Ok(())
        })
    }

    /// Pushes `repository:tag` and returns the digest the push reported.
    fn push(
        &self,
        client: &bollard::Docker,
        repository: &str,
        tag: &str,
    ) -> Result<Option<String>, DockerError> {
        let reference = format!("{repository}:{tag}");
        let options = PushImageOptionsBuilder::new().tag(tag).build();
        self.runtime.block_on(async {
            let mut stream = client.push_image(repository, Some(options), None);
            let mut digest = None;
            while let Some(item) = stream.next().await {
                let info = item.map_err(|e| DockerError::Push {
                    reference: reference.clone(),
                    message: e.to_string(),
                })?;
                if let Some(found) = info.status.as_deref().and_then(digest_in_status) {
                    digest = Some(found);
                }
            }
            Ok(digest)
        })
    }
}

/// The digest in a push's final status line,
/// `TAG: digest: sha256:HEX size: N`.
pub(crate) fn digest_in_status(status: &str) -> Option<String> {
    let rest = status.split("digest: ").nth(1)?;
    let digest = rest.split_whitespace().next()?;
    is_sha256_digest(digest).then(|| digest.to_string())
}

/// Whether `text` is `sha256:` followed by 64 lowercase hex digits.
pub fn is_sha256_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Builds the `cnab-probe` binary statically (glibc, `crt-static`) into
/// `TARGET/probe-static` under the workspace at `workspace`, and returns its
/// path; cargo does nothing when it is up to date.
///
/// The command, for reference:
/// `RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -p cnab-probe
/// --target x86_64-unknown-linux-gnu --target-dir target/probe-static`.
pub fn build_static_probe(workspace: &Path) -> Result<PathBuf, DockerError> {
    let target_dir = workspace.join("target").join("probe-static");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
        .args(["build", "--release", "--quiet", "-p", "cnab-probe"])
        .args(["--target", "x86_64-unknown-linux-gnu", "--target-dir"])
        .arg(&target_dir)
        .output()
        .map_err(|e| DockerError::ProbeBuild(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(DockerError::ProbeBuild(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    let binary = target_dir
        .join("x86_64-unknown-linux-gnu")
        .join("release")
        .join("cnab-probe");
    if !binary.is_file() {
        return Err(DockerError::ProbeBuild(format!(
            "cargo succeeded but {} is missing",
            binary.display()
        )));
    }
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_digest_from_the_push_status() {
        let hex = "a".repeat(64);
        assert_eq!(
            digest_in_status(&format!("sha256-1: digest: sha256:{hex} size: 528")),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(digest_in_status("Pushed"), None);
        assert_eq!(digest_in_status("x: digest: sha256:abc size: 1"), None);
    }

    #[test]
    fn digests_must_be_sha256_hex() {
        assert!(is_sha256_digest(&format!("sha256:{}", "0f".repeat(32))));
        assert!(!is_sha256_digest(&format!("sha256:{}", "0F".repeat(32))));
        assert!(!is_sha256_digest(&format!("sha512:{}", "0f".repeat(32))));
        assert!(!is_sha256_digest("sha256:"));
    }
}
