//! The Docker path of cnab-conformance.
//!
//! Three parts, behind one blocking facade, [`Engine`]:
//!
//! - **The probe image** ([`Engine::ensure_probe_image`]): the static
//!   `cnab-probe` binary (see [`build_static_probe`]) at `/cnab/app/run` in
//!   an image built FROM scratch through the engine's build API, from a build
//!   context made in memory, so nothing is pulled.
//!   Its tag comes from the binary's sha256, so an unchanged binary is not
//!   rebuilt; it is pushed to a loopback registry ([`registry_from_env`]) and
//!   the repository digest the registry reports is what cases put in a
//!   bundle's `contentDigest`.
//!   The image carries the label `io.cnab-conformance=probe`.
//! - **The container driver** ([`Engine::run`] with a [`RunSpec`]): what a
//!   CNAB runtime's Docker driver does, as cnab-go does it: check the
//!   `contentDigest` against the image's repository digests before anything is
//!   created, create the container with no network and entry point
//!   `/cnab/app/run`, copy the files in as a tar (0600 files and 0700
//!   directories owned by the image's user unless told otherwise), start,
//!   wait with a timeout, collect the logs and `/cnab/app/outputs`, and
//!   remove the container whatever happened.
//! - **The engine observer's eyes** ([`Watcher`]): containers of the probe
//!   image that any runtime creates on the same engine, seen through the
//!   engine's event stream and read by attaching at creation.
//! - **Cleanup**: every container carries the label [`RUN_LABEL`] with the
//!   caller's run ID; [`Engine::cleanup_labelled`] removes them all.
//!
//! The probe's observation is read back from a run's stdout with
//! [`RunOutcome::observation`].
#![deny(missing_docs)]

mod archive;
mod engine;
mod error;
mod image;
mod run;
mod watch;

pub use archive::{files_archive, read_outputs_archive, ExtractedOutputs, FileOwnership};
pub use engine::{Engine, IMAGE_LABEL, PROBE_LABEL_VALUE, RUN_LABEL};
pub use error::{DockerError, CLAUSE_DIGEST_MISSING, CLAUSE_DIGEST_VERIFY, CLAUSE_REPO_DIGEST};
pub use image::{
    build_static_probe, is_sha256_digest, registry_from_env, ProbeImage, BINARY_LABEL,
    DEFAULT_REGISTRY, PROBE_DOCKERFILE, PROBE_REPOSITORY,
};
pub use run::{DigestCheck, RunOutcome, RunSpec, ENTRYPOINT, OUTPUTS_DIR};
pub use watch::{ReadBy, Watched, Watcher, WATCH_LOG_LIMIT};
