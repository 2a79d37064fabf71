//! The one error type of the crate.

/// Why a Docker operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DockerError {
    /// No engine answered.
    #[error("cannot reach the docker engine at {host}: {source}")]
    Connect {
        /// Where the engine was looked for.
        host: String,
        /// What bollard reported.
        #[source]
        source: bollard::errors::Error,
    },
    /// The engine refused or failed a request.
    #[error("failed to {action}: {source}")]
    Engine {
        /// What was being done, as a fragment that fits "failed to ...".
        action: String,
        /// What bollard reported.
        #[source]
        source: bollard::errors::Error,
    },
    /// The image's repository digests do not include the bundle's
    /// `contentDigest`; no container was created (clause
    /// `core.runtime.contentDigest.verify`).
    #[error(
        "refusing to run {image}: content digest {expected} is not among its repository digests {found:?}"
    )]
    DigestMismatch {
        /// The image reference.
        image: String,
        /// The `contentDigest` the bundle declares.
        expected: String,
        /// The repository digests the engine knows for the image.
        found: Vec<String>,
    },
    /// The image is neither present nor pullable.
    #[error("image {image} is not available: {reason}")]
    ImageUnavailable {
        /// The image reference.
        image: String,
        /// Why it could not be had.
        reason: String,
    },
    /// A path in the run's file set cannot be placed in a container.
    #[error("invalid container path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An environment variable name cannot be passed to a container.
    #[error("invalid environment variable name {name:?}: {reason}")]
    InvalidEnv {
        /// The name as given.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An image build failed.
    #[error("failed to build image {tag}: {message}")]
    Build {
        /// The tag being built.
        tag: String,
        /// The builder's message.
        message: String,
    },
    /// A push to the registry failed or yielded no digest.
    #[error("failed to push {reference}: {message}")]
    Push {
        /// The reference being pushed.
        reference: String,
        /// What went wrong.
        message: String,
    },
    /// The static probe binary could not be built.
    #[error("failed to build the static probe binary: {0}")]
    ProbeBuild(String),
    /// A local file or an in-memory archive could not be read or written.
    #[error("failed to {action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Ctrl-C arrived while a container ran; the container was removed.
    #[error("interrupted while container {container} ran; it was removed")]
    Interrupted {
        /// The container's ID.
        container: String,
    },
}

/// The clause a runtime meets by checking an image against its
/// `contentDigest` before running it.
pub const CLAUSE_DIGEST_VERIFY: &str = "core.runtime.contentDigest.verify";

/// The clause about an invocation image without `contentDigest`.
pub const CLAUSE_DIGEST_MISSING: &str = "core.runtime.contentDigest.missing_warns";

/// The clause that makes a `docker` or `oci` image's `contentDigest` its
/// registry (repository) digest, which is what the probe image's digest is.
pub const CLAUSE_REPO_DIGEST: &str = "core.image.contentDigest.repo_digest";

impl DockerError {
    /// The clause of the catalog this error stands for, when it stands for
    /// one.
    pub fn clause(&self) -> Option<&'static str> {
        match self {
            DockerError::DigestMismatch { .. } => Some(CLAUSE_DIGEST_VERIFY),
            _ => None,
        }
    }

    pub(crate) fn engine(action: impl Into<String>, source: bollard::errors::Error) -> Self {
        DockerError::Engine {
            action: action.into(),
            source,
        }
    }

    pub(crate) fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        DockerError::Io {
            action: action.into(),
            source,
        }
    }
}

/// Whether a bollard error is the engine's 404.
pub(crate) fn is_not_found(error: &bollard::errors::Error) -> bool {
    matches!(
        error,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
