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

impl DockerError {
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
