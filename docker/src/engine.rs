//! The connection to the Docker engine, behind a blocking facade.

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};
use bollard::Docker;

use crate::error::{is_not_found, DockerError};

/// The label put on every container this crate creates; its value is the
/// run ID the caller chose.
pub const RUN_LABEL: &str = "io.cnab-conformance.run";

/// The label put on the probe image, with the value [`PROBE_LABEL_VALUE`].
pub const IMAGE_LABEL: &str = "io.cnab-conformance";

/// The value of [`IMAGE_LABEL`] on the probe image.
pub const PROBE_LABEL_VALUE: &str = "probe";

/// A connected Docker engine with its own single-threaded tokio runtime.
///
/// Every method blocks until the engine has answered.
/// Do not call them from inside another tokio runtime (use
/// `spawn_blocking` there): the facade drives its own runtime.
pub struct Engine {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) docker: Docker,
    host: String,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("host", &self.host).finish()
    }
}

impl Engine {
    /// Connects to the engine named by `DOCKER_HOST`, or to
    /// `/var/run/docker.sock`, checks that it answers and lowers the API
    /// version to what it speaks (dockerd 20.10 speaks 1.41).
    pub fn connect() -> Result<Engine, DockerError> {
        let host = std::env::var("DOCKER_HOST")
            .unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DockerError::io("start the tokio runtime", e))?;
        let connect_error = |source| DockerError::Connect {
            host: host.clone(),
            source,
        };
        let docker = Docker::connect_with_defaults().map_err(connect_error)?;
        let docker = runtime.block_on(async {
            docker.ping().await?;
            docker.negotiate_version().await
        });
        let docker = docker.map_err(connect_error)?;
        Ok(Engine {
            runtime,
            docker,
            host,
        })
    }

    /// Where the engine was reached.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The bollard client, with a request timeout of `timeout`.
    pub(crate) fn client(&self, timeout: Duration) -> Docker {
        self.docker.clone().with_timeout(timeout)
    }

    /// The IDs of every container, running or not, that carries
    /// [`RUN_LABEL`]; only those of `run_id` when given.
    pub fn labelled_containers(&self, run_id: Option<&str>) -> Result<Vec<String>, DockerError> {
        let label = match run_id {
            Some(id) => format!("{RUN_LABEL}={id}"),
            None => RUN_LABEL.to_string(),
        };
        let filters = HashMap::from([("label", vec![label])]);
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        let list = self
            .runtime
            .block_on(self.docker.list_containers(Some(options)))
            .map_err(|e| DockerError::engine("list labelled containers", e))?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
    }

    /// Removes, by force, every container that carries [`RUN_LABEL`],
    /// whatever run made it, and returns how many were removed.
    ///
    /// [`Engine::run`](crate::Engine::run) removes its container itself, also
    /// on error and on Ctrl-C; this is for a process that was killed before it
    /// could, and for a binary's own interrupt handler.
    pub fn cleanup_labelled(&self) -> Result<usize, DockerError> {
        self.remove_labelled(None)
    }

    /// Removes, by force, every container of run `run_id` and returns how
    /// many were removed.
    pub fn cleanup_run(&self, run_id: &str) -> Result<usize, DockerError> {
        self.remove_labelled(Some(run_id))
    }

    fn remove_labelled(&self, run_id: Option<&str>) -> Result<usize, DockerError> {
        let ids = self.labelled_containers(run_id)?;
        let mut removed = 0;
        for id in &ids {
            match self.runtime.block_on(self.remove_container(id)) {
                Ok(()) => removed += 1,
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(DockerError::engine(format!("remove container {id}"), e)),
            }
        }
        Ok(removed)
    }

    pub(crate) async fn remove_container(&self, id: &str) -> Result<(), bollard::errors::Error> {
        let options = RemoveContainerOptionsBuilder::new()
            .force(true)
            .v(true)
            .build();
        self.docker.remove_container(id, Some(options)).await
    }
}
