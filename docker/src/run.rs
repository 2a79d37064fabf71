//! The container driver: run an invocation image the way a CNAB runtime's
//! Docker driver does, and bring back what it printed and wrote.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateImageOptionsBuilder, DownloadFromContainerOptionsBuilder, KillContainerOptionsBuilder,
    LogsOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;

use crate::archive::{files_archive, read_outputs_archive, FileOwnership};
use crate::engine::{Engine, RUN_LABEL};
use crate::error::{is_not_found, DockerError};

/// The entry point every invocation image is started with.
pub const ENTRYPOINT: &str = "/cnab/app/run";

/// The directory copied out of the container after it exits.
pub const OUTPUTS_DIR: &str = "/cnab/app/outputs";

/// One run of an invocation image.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The value of [`RUN_LABEL`] on the container; lets a caller find and
    /// remove what a run left behind.
    pub run_id: String,
    /// The image reference (tag or digest form).
    pub image: String,
    /// The invocation image's `contentDigest`; when set, the image's
    /// repository digests must include it or no container is created.
    pub content_digest: Option<String>,
    /// Environment variables for the container.
    pub env: BTreeMap<String, String>,
    /// Files to place in the container before it starts: absolute path to
    /// content.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Owner and modes of those files; `None` means cnab-go's choice:
    /// files 0600 and directories 0700, owned by the image's user ID when
    /// it is numeric (else root) and group root.
    pub ownership: Option<FileOwnership>,
    /// The output paths the caller expects (`/cnab/app/outputs/NAME`);
    /// those not found are listed in [`RunOutcome::missing_outputs`].
    /// When empty, nothing is copied out (as cnab-go's Docker driver does
    /// for an operation with no outputs), which saves the engine a copy.
    pub expected_outputs: Vec<String>,
    /// How long the container may run before it is killed.
    pub timeout: Duration,
    /// The most bytes kept of each of stdout and stderr: the first and the
    /// last halves are kept, the middle is dropped.
    pub log_limit: usize,
    /// The most bytes of outputs copied back, in all.
    pub output_limit: u64,
    /// Whether Ctrl-C while the container runs kills and removes it and
    /// ends the run with [`DockerError::Interrupted`].
    ///
    /// Note that tokio then handles SIGINT for the rest of the process: a
    /// caller that enables this should stop when it sees `Interrupted`.
    pub stop_on_ctrl_c: bool,
}

impl RunSpec {
    /// A run of `image` labelled `run_id`, with no digest, env, files or
    /// expected outputs, a five-minute timeout, 4 MiB of each log stream
    /// and 16 MiB of outputs, stopped by Ctrl-C.
    pub fn new(run_id: impl Into<String>, image: impl Into<String>) -> RunSpec {
        RunSpec {
            run_id: run_id.into(),
            image: image.into(),
            content_digest: None,
            env: BTreeMap::new(),
            files: BTreeMap::new(),
            ownership: None,
            expected_outputs: Vec::new(),
            timeout: Duration::from_secs(300),
            log_limit: 4 << 20,
            output_limit: 16 << 20,
            stop_on_ctrl_c: true,
        }
    }
}

/// What the digest check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestCheck {
    /// The `contentDigest` was among the image's repository digests.
    Verified(String),
    /// No `contentDigest` was given, so nothing was checked (the spec says a
    /// runtime should report this: `core.runtime.contentDigest.missing_warns`).
    Missing,
}

impl DigestCheck {
    /// The clause of the catalog the check is about.
    pub fn clause(&self) -> &'static str {
        match self {
            DigestCheck::Verified(_) => crate::error::CLAUSE_DIGEST_VERIFY,
            DigestCheck::Missing => crate::error::CLAUSE_DIGEST_MISSING,
        }
    }
}

/// What a finished run brought back.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The ID of the (now removed) container.
    pub container_id: String,
    /// The ID of the image that ran.
    pub image_id: String,
    /// What the digest check found.
    pub digest: DigestCheck,
    /// The container's exit code (137 after a kill).
    pub exit_code: i64,
    /// Whether the container was killed for running past the timeout.
    pub timed_out: bool,
    /// What the container printed on stdout, bounded by the log limit.
    pub stdout: Vec<u8>,
    /// What it printed on stderr, bounded likewise.
    pub stderr: Vec<u8>,
    /// Whether some of the logs were dropped.
    pub logs_truncated: bool,
    /// The regular files found under `/cnab/app/outputs`, by in-image path.
    pub outputs: BTreeMap<String, Vec<u8>>,
    /// The expected outputs that were not found.
    pub missing_outputs: Vec<String>,
    /// Entries of the outputs directory that were not copied back, each with
    /// the reason (links, special files, escapes, over the limit).
    pub ignored_outputs: Vec<String>,
}

impl RunOutcome {
    /// The probe's observation, when the image was the probe.
    pub fn observation(&self) -> Result<cnab_probe::Observation, cnab_probe::ExtractError> {
        cnab_probe::extract::extract_observation_bytes(&self.stdout)
    }
}

/// Removes its container when dropped, whatever happened before.
struct ContainerGuard<'a> {
    engine: &'a Engine,
    id: String,
}

impl Drop for ContainerGuard<'_> {
    fn drop(&mut self) {
        // A failed removal is left to `cleanup_labelled`; the label names it.
        let _ = self
            .engine
            .runtime
            .block_on(self.engine.remove_container(&self.id));
    }
}

enum Waited {
    Exited(i64),
    TimedOut,
    Interrupted,
}

impl Engine {
    /// Runs `spec`: checks the digest (before anything is created), creates
    /// the container with no network and entry point `/cnab/app/run`, copies
    /// the files in, starts it, waits (killing it at the timeout), collects
    /// the logs and the outputs, and removes the container, also when any
    /// step fails.
    pub fn run(&self, spec: &RunSpec) -> Result<RunOutcome, DockerError> {
        let client = self.client(spec.timeout + Duration::from_secs(120));
        let image = self.image_present(&client, &spec.image)?;
        let image_id = image.id.clone().unwrap_or_default();
        let digest = digest_check(&spec.image, &image, spec.content_digest.as_deref())?;
        let ownership = spec.ownership.unwrap_or_else(|| {
            let (uid, gid) = numeric_user(
                image
                    .config
                    .as_ref()
                    .and_then(|c| c.user.as_deref())
                    .unwrap_or(""),
            );
            FileOwnership {
                uid,
                gid,
                ..FileOwnership::default()
            }
        });
        // Checked before the container exists, so a bad path or name creates
        // nothing.
        let archive = files_archive(&spec.files, ownership)?;
        for name in spec.env.keys() {
            check_env_name(name)?;
        }

        // The checked image, by ID, so that a re-tag in between cannot swap
        // it.
        let target = if image_id.is_empty() {
            spec.image.clone()
        } else {
            image_id.clone()
        };
        let env = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let guard = self.create(&client, target, &spec.image, &spec.run_id, env)?;
        let id = guard.id.as_str();

        if !spec.files.is_empty() {
            self.copy_in(&client, id, archive)?;
        }
        // Listening starts before the container does, so that no Ctrl-C
        // after the start can end the process with the container alive.
        let mut interrupt = if spec.stop_on_ctrl_c {
            let _context = self.runtime.enter();
            let listener =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                    .map_err(|e| DockerError::io("listen for ctrl-c", e))?;
            Some(listener)
        } else {
            None
        };
        self.runtime
            .block_on(client.start_container(id, None))
            .map_err(|e| DockerError::engine("start the container", e))?;

        let waited = self.runtime.block_on(async {
            let wait = wait_for_exit(&client, id);
            let ctrl_c = async {
                if let Some(listener) = interrupt.as_mut() {
                    if listener.recv().await.is_some() {
                        return;
                    }
                }
                std::future::pending::<()>().await
            };
            tokio::select! {
                code = wait => code.map(Waited::Exited),
                _ = tokio::time::sleep(spec.timeout) => Ok(Waited::TimedOut),
                _ = ctrl_c => Ok(Waited::Interrupted),
            }
        })?;
        let (exit_code, timed_out) = match waited {
            Waited::Exited(code) => (code, false),
            Waited::Interrupted => {
                return Err(DockerError::Interrupted {
                    container: id.to_string(),
                })
            }
            Waited::TimedOut => {
                let kill = KillContainerOptionsBuilder::new().signal("KILL").build();
                let code = self.runtime.block_on(async {
                    // The container may have ended on its own in between.
                    let _ = client.kill_container(id, Some(kill)).await;
                    wait_for_exit(&client, id).await
                })?;
                (code, true)
            }
        };

        let (stdout, stderr, logs_truncated) = self.collect_logs(&client, id, spec.log_limit)?;
        let extracted = if spec.expected_outputs.is_empty() {
            crate::archive::ExtractedOutputs::default()
        } else {
            self.collect_outputs(&client, id, spec.output_limit)?
        };
        let missing_outputs = spec
            .expected_outputs
            .iter()
            .filter(|p| !extracted.files.contains_key(p.as_str()))
            .cloned()
            .collect();
        let container_id = guard.id.clone();
        drop(guard);
        Ok(RunOutcome {
            container_id,
            image_id,
            digest,
            exit_code,
            timed_out,
            stdout,
            stderr,
            logs_truncated,
            outputs: extracted.files,
            missing_outputs,
            ignored_outputs: extracted.ignored,
        })
    }

    /// The floor of a container run, for the benchmark: create a container
    /// of `image` (already present) with no network and entry point
    /// `/cnab/app/run`, copy `files` in when there are any, start it, wait
    /// for it and remove it, and return its exit code.
    ///
    /// No digest check, no logs, no outputs. With no files it is what
    /// `docker run --rm --network none IMAGE` asks of the engine, without
    /// the CLI's process start and attach; with files it is what any CNAB
    /// Docker driver must ask, since the files must be in place before the
    /// container starts.
    pub fn run_bare(
        &self,
        image: &str,
        run_id: &str,
        files: &BTreeMap<String, Vec<u8>>,
    ) -> Result<i64, DockerError> {
        let archive = files_archive(files, FileOwnership::default())?;
        let client = self.client(Duration::from_secs(300));
        let guard = self.create(&client, image.to_string(), image, run_id, Vec::new())?;
        if !files.is_empty() {
            self.copy_in(&client, &guard.id, archive)?;
        }
        self.runtime
            .block_on(client.start_container(&guard.id, None))
            .map_err(|e| DockerError::engine("start the container", e))?;
        let code = self.runtime.block_on(wait_for_exit(&client, &guard.id))?;
        drop(guard);
        Ok(code)
    }

    /// Creates a container of `image` (`shown` names it in errors) with no
    /// network, entry point `/cnab/app/run`, the run label and `env`; the
    /// guard removes it when dropped.
    fn create(
        &self,
        client: &bollard::Docker,
        image: String,
        shown: &str,
        run_id: &str,
        env: Vec<String>,
    ) -> Result<ContainerGuard<'_>, DockerError> {
        let body = ContainerCreateBody {
            image: Some(image),
            entrypoint: Some(vec![ENTRYPOINT.to_string()]),
            env: Some(env),
            labels: Some(HashMap::from([(RUN_LABEL.to_string(), run_id.to_string())])),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                network_mode: Some("none".to_string()),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        };
        let created = self
            .runtime
            .block_on(client.create_container(None, body))
            .map_err(|e| DockerError::engine(format!("create a container from {shown}"), e))?;
        Ok(ContainerGuard {
            engine: self,
            id: created.id,
        })
    }

    /// Copies a tar `archive` into container `id` at `/`.
    fn copy_in(
        &self,
        client: &bollard::Docker,
        id: &str,
        archive: Vec<u8>,
    ) -> Result<(), DockerError> {
        let options = UploadToContainerOptionsBuilder::new().path("/").build();
        self.runtime
            .block_on(client.upload_to_container(
                id,
                Some(options),
                bollard::body_full(bytes::Bytes::from(archive)),
            ))
            .map_err(|e| DockerError::engine("copy files into the container", e))
    }

    /// Checks `image` (pulled first when absent) against `content_digest`
    /// the way [`Engine::run`] does, without running anything:
    /// [`DockerError::DigestMismatch`] when its repository digests do not
    /// include the digest.
    pub fn check_digest(
        &self,
        image: &str,
        content_digest: Option<&str>,
    ) -> Result<DigestCheck, DockerError> {
        let client = self.client(Duration::from_secs(600));
        let inspected = self.image_present(&client, image)?;
        digest_check(image, &inspected, content_digest)
    }

    /// Inspects `image`, pulling it first when the engine does not have it.
    fn image_present(
        &self,
        client: &bollard::Docker,
        image: &str,
    ) -> Result<bollard::models::ImageInspect, DockerError> {
        match self.runtime.block_on(client.inspect_image(image)) {
            Ok(found) => return Ok(found),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(DockerError::engine(format!("inspect image {image}"), e)),
        }
        let options = CreateImageOptionsBuilder::new().from_image(image).build();
        let pulled: Result<(), String> = self.runtime.block_on(async {
            let mut stream = client.create_image(Some(options), None, None);
            while let Some(item) = stream.next().await {
                let info = item.map_err(|e| e.to_string())?;
                if let Some(detail) = info.error_detail {
                    return Err(detail.message.unwrap_or_else(|| "pull failed".into()));
                }
            }
            Ok(())
        });
        pulled.map_err(|reason| DockerError::ImageUnavailable {
            image: image.to_string(),
            reason,
        })?;
        self.runtime
            .block_on(client.inspect_image(image))
            .map_err(|e| DockerError::ImageUnavailable {
                image: image.to_string(),
                reason: e.to_string(),
            })
    }

    fn collect_logs(
        &self,
        client: &bollard::Docker,
        id: &str,
        limit: usize,
    ) -> Result<(Vec<u8>, Vec<u8>, bool), DockerError> {
        let options = LogsOptionsBuilder::new().stdout(true).stderr(true).build();
        self.runtime.block_on(async {
            let mut stdout = Bounded::new(limit);
            let mut stderr = Bounded::new(limit);
            let mut stream = client.logs(id, Some(options));
            while let Some(item) = stream.next().await {
                match item.map_err(|e| DockerError::engine("read the container's logs", e))? {
                    bollard::container::LogOutput::StdErr { message } => stderr.push(&message),
                    bollard::container::LogOutput::StdOut { message }
                    | bollard::container::LogOutput::Console { message } => stdout.push(&message),
                    bollard::container::LogOutput::StdIn { .. } => {}
                }
            }
            let truncated = stdout.omitted > 0 || stderr.omitted > 0;
            Ok((stdout.finish(), stderr.finish(), truncated))
        })
    }

    fn collect_outputs(
        &self,
        client: &bollard::Docker,
        id: &str,
        limit: u64,
    ) -> Result<crate::archive::ExtractedOutputs, DockerError> {
        let options = DownloadFromContainerOptionsBuilder::new()
            .path(OUTPUTS_DIR)
            .build();
        let archive: Result<Vec<u8>, bollard::errors::Error> = self.runtime.block_on(async {
            let mut stream = client.download_from_container(id, Some(options));
            let mut archive = Vec::new();
            while let Some(chunk) = stream.next().await {
                archive.extend_from_slice(&chunk?);
            }
            Ok(archive)
        });
        match archive {
            Ok(bytes) => read_outputs_archive(&bytes, OUTPUTS_DIR, limit),
            // No outputs directory: no outputs.
            Err(e) if is_not_found(&e) => Ok(Default::default()),
            Err(e) => Err(DockerError::engine(
                "copy the outputs out of the container",
                e,
            )),
        }
    }
}

/// Refuses names the engine would misread: empty, or holding `=` or NUL.
fn check_env_name(name: &str) -> Result<(), DockerError> {
    let reason = if name.is_empty() {
        "empty"
    } else if name.contains('=') {
        "contains `=`"
    } else if name.contains('\0') {
        "contains a NUL byte"
    } else {
        return Ok(());
    };
    Err(DockerError::InvalidEnv {
        name: name.to_string(),
        reason,
    })
}

/// Compares `expected` with the repository digests of `inspected`.
fn digest_check(
    image: &str,
    inspected: &bollard::models::ImageInspect,
    expected: Option<&str>,
) -> Result<DigestCheck, DockerError> {
    let Some(expected) = expected else {
        return Ok(DigestCheck::Missing);
    };
    let found = inspected.repo_digests.clone().unwrap_or_default();
    let matches = found.iter().any(|d| {
        d.rsplit_once('@')
            .is_some_and(|(_, digest)| digest == expected)
    });
    if !matches {
        return Err(DockerError::DigestMismatch {
            image: image.to_string(),
            expected: expected.to_string(),
            found,
        });
    }
    Ok(DigestCheck::Verified(expected.to_string()))
}

/// Waits for the container to exit and returns its exit code; bollard
/// reports a non-zero exit as an error that carries the code.
async fn wait_for_exit(client: &bollard::Docker, id: &str) -> Result<i64, DockerError> {
    let mut stream = client.wait_container(id, None);
    match stream.next().await {
        Some(Ok(response)) => Ok(response.status_code),
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
        Some(Err(e)) => Err(DockerError::engine("wait for the container", e)),
        None => Err(DockerError::engine(
            "wait for the container",
            bollard::errors::Error::DockerStreamError {
                error: "the engine closed the wait without an exit code".into(),
            },
        )),
    }
}

/// The owner cnab-go gives copied files: the user ID of the image's `User`
/// when it is numeric (`UID` or `UID:GID`, the group being ignored), root
/// otherwise, since a name cannot be resolved without the image's
/// `/etc/passwd`; the group is always root.
pub(crate) fn numeric_user(user: &str) -> (u64, u64) {
    let uid = user.split(':').next().unwrap_or("");
    (uid.parse::<u64>().unwrap_or(0), 0)
}

/// Keeps the first and the last half of a byte stream.
struct Bounded {
    limit: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    omitted: u64,
}

impl Bounded {
    fn new(limit: usize) -> Bounded {
        Bounded {
            limit,
            head: Vec::new(),
            tail: VecDeque::new(),
            omitted: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let head_room = (self.limit / 2).saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(head_room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        let tail_limit = self.limit - self.limit / 2;
        self.tail.extend(rest);
        while self.tail.len() > tail_limit {
            self.tail.pop_front();
            self.omitted += 1;
        }
    }

    fn finish(self) -> Vec<u8> {
        let mut out = self.head;
        if self.omitted > 0 {
            out.extend_from_slice(format!("\n[{} bytes omitted]\n", self.omitted).as_bytes());
        }
        out.extend(self.tail);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_users_are_understood_and_names_fall_back_to_root() {
        assert_eq!(numeric_user(""), (0, 0));
        assert_eq!(numeric_user("1000"), (1000, 0));
        assert_eq!(numeric_user("1000:50"), (1000, 0));
        assert_eq!(numeric_user("1000:staff"), (1000, 0));
        assert_eq!(numeric_user("app"), (0, 0));
        assert_eq!(numeric_user("-1"), (0, 0));
    }

    #[test]
    fn env_names_the_engine_would_misread_are_refused() {
        assert!(check_env_name("CNAB_ACTION").is_ok());
        assert!(check_env_name("lower.case-ok").is_ok());
        for bad in ["", "A=B", "A\0B"] {
            assert!(
                matches!(check_env_name(bad), Err(DockerError::InvalidEnv { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bounded_logs_keep_head_and_tail() {
        let mut small = Bounded::new(10);
        small.push(b"hello");
        assert_eq!(small.finish(), b"hello");

        let mut big = Bounded::new(10);
        for chunk in [&b"0123"[..], b"456789abc", b"defghij"] {
            big.push(chunk);
        }
        assert_eq!(big.omitted, 10);
        assert_eq!(big.finish(), b"01234\n[10 bytes omitted]\nfghij");
    }
}
