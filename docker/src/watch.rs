//! The engine observer's eyes: containers of one image seen through the
//! engine's event stream, whoever creates them.
//!
//! A [`Watcher`] subscribes to the engine's events for containers carrying a
//! label (the probe image's own label, which every container made from it
//! inherits, however the runtime named the image). On each `create` event it
//! attaches to the container at once, with `logs=true`, so it reads the whole
//! output even when it attached after the start, and keeps reading until the
//! container stops; it inspects the container for its environment and image.
//! When the attach fails it falls back to the container's logs; when the
//! container is gone before either worked, the container is kept with
//! [`Watched::read_by`] = [`ReadBy::Nothing`] and a problem saying so.
//! It needs nothing from the runtime that creates the containers beyond using
//! the same engine.
//!
//! The subscription starts at the time the watcher was made (`since`), so an
//! event that happened before the stream was connected is replayed, not
//! missed; [`Watcher::created_between`] asks the engine which containers were
//! created in a time window, so a caller can wait until the watcher has read
//! every one of them ([`Watcher::wait_read`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::container::LogOutput;
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, EventsOptionsBuilder, LogsOptionsBuilder,
};
use bollard::Docker;
use futures_util::{Stream, StreamExt};

use crate::error::{is_not_found, DockerError};

/// The most bytes kept of each of a watched container's stdout and stderr.
pub const WATCH_LOG_LIMIT: usize = 8 << 20;

/// How long a read goes on after the engine said the container stopped or
/// was removed, for the last bytes in flight.
const GRACE: Duration = Duration::from_secs(2);

/// How a watched container's output was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBy {
    /// Attached at creation (with the log so far replayed).
    Attach,
    /// The attach failed; the container's logs were read instead.
    Logs,
    /// Neither worked: the container was gone.
    Nothing,
}

/// One container of the watched image, as the watcher saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// The container ID.
    pub id: String,
    /// When the engine created it (nanoseconds since the epoch).
    pub created_nanos: i64,
    /// The image as the runtime named it at creation (`Config.Image`).
    pub image: Option<String>,
    /// The engine's ID of that image.
    pub image_id: Option<String>,
    /// The container's environment (`Config.Env`), when it could be
    /// inspected.
    pub env: Option<BTreeMap<String, String>>,
    /// What the container wrote on stdout (bounded by [`WATCH_LOG_LIMIT`]).
    pub stdout: Vec<u8>,
    /// What it wrote on stderr.
    pub stderr: Vec<u8>,
    /// Its exit code, from the engine's `die` event.
    pub exit_code: Option<i64>,
    /// How the output was read.
    pub read_by: ReadBy,
    /// Whether the reading is over (the container stopped or is gone).
    pub done: bool,
    /// Whether the engine removed it.
    pub destroyed: bool,
    /// What went wrong while watching it.
    pub problems: Vec<String>,
}

impl Watched {
    fn new(id: &str, created_nanos: i64) -> Watched {
        Watched {
            id: id.to_string(),
            created_nanos,
            image: None,
            image_id: None,
            env: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            exit_code: None,
            read_by: ReadBy::Attach,
            done: false,
            destroyed: false,
            problems: Vec::new(),
        }
    }

    /// Whether the stdout holds `marker` (the end of the probe's
    /// observation, say), so the caller need not wait for the container to
    /// stop.
    pub fn stdout_contains(&self, marker: &[u8]) -> bool {
        !marker.is_empty() && self.stdout.windows(marker.len()).any(|w| w == marker)
    }
}

#[derive(Default)]
struct State {
    containers: HashMap<String, Watched>,
    /// Per container, a sender that says "it stopped or is gone".
    ended: HashMap<String, tokio::sync::watch::Sender<bool>>,
    /// Why the event stream ended, when it ended.
    stream_error: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn update(&self, id: &str, f: impl FnOnce(&mut Watched)) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = s.containers.get_mut(id) {
            f(w);
        }
        drop(s);
        self.changed.notify_all();
    }
}

/// Watches the engine for containers carrying one label; see the module
/// documentation.
pub struct Watcher {
    runtime: Option<tokio::runtime::Runtime>,
    docker: Docker,
    shared: Arc<Shared>,
    label: String,
    started: SystemTime,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("label", &self.label)
            .finish()
    }
}

/// `seconds.nanoseconds`, the engine's timestamp syntax.
fn engine_time(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:09}", d.as_secs(), d.subsec_nanos())
}

fn filters(label: &str, events: &[&str]) -> HashMap<String, Vec<String>> {
    HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        ("label".to_string(), vec![label.to_string()]),
        (
            "event".to_string(),
            events.iter().map(|e| e.to_string()).collect(),
        ),
    ])
}

impl Watcher {
    /// Connects to the engine (`DOCKER_HOST` or `/var/run/docker.sock`) and
    /// starts watching containers with `label` (`KEY` or `KEY=VALUE`) created
    /// from now on.
    pub fn start(label: &str) -> Result<Watcher, DockerError> {
        let host = std::env::var("DOCKER_HOST")
            .unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cnab-engine-observer")
            .enable_all()
            .build()
            .map_err(|e| DockerError::io("start the tokio runtime", e))?;
        let connect_error = |source| DockerError::Connect {
            host: host.clone(),
            source,
        };
        let docker = Docker::connect_with_defaults().map_err(connect_error)?;
        let docker = runtime
            .block_on(async {
                docker.ping().await?;
                docker.negotiate_version().await
            })
            .map_err(connect_error)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        // From now: an event the stream delivers late is replayed, not lost.
        let started = SystemTime::now();
        let since = engine_time(started);
        runtime.spawn(watch_events(
            docker.clone(),
            shared.clone(),
            label.to_string(),
            since,
        ));
        Ok(Watcher {
            runtime: Some(runtime),
            docker,
            shared,
            label: label.to_string(),
            started,
        })
    }

    /// The label this watcher follows.
    pub fn label(&self) -> &str {
        &self.label
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the watcher")
            .handle()
            .block_on(f)
    }

    /// The IDs of the watched containers the engine created between `since`
    /// and `until`, from the engine's event log (not from this watcher's
    /// stream, so a caller can tell whether the watcher has caught up);
    /// never before the watcher started, so every one of them also reaches
    /// the watcher's stream.
    pub fn created_between(
        &self,
        since: SystemTime,
        until: SystemTime,
    ) -> Result<Vec<String>, DockerError> {
        let since = since.max(self.started);
        let options = EventsOptionsBuilder::new()
            .since(&engine_time(since))
            .until(&engine_time(until))
            .filters(&filters(&self.label, &["create"]))
            .build();
        let docker = self.docker.clone().with_timeout(Duration::from_secs(30));
        self.block_on(async move {
            let mut ids = Vec::new();
            let mut stream = docker.events(Some(options));
            while let Some(ev) = stream.next().await {
                let ev = ev.map_err(|e| DockerError::engine("read the engine's event log", e))?;
                if let Some(id) = ev.actor.and_then(|a| a.id) {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            Ok(ids)
        })
    }

    /// Waits until every container in `ids` has been seen and is `settled`
    /// (its reading is over, say, or its stdout holds a marker), or until
    /// `timeout` has passed; returns what is known of them then, in the
    /// order of `ids` (a container the stream never reported is left out).
    pub fn wait_read(
        &self,
        ids: &[String],
        settled: &dyn Fn(&Watched) -> bool,
        timeout: Duration,
    ) -> Vec<Watched> {
        let deadline = Instant::now() + timeout;
        let mut s = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let ready = ids
                .iter()
                .all(|id| s.containers.get(id).is_some_and(settled));
            let now = Instant::now();
            if ready || now >= deadline || s.stream_error.is_some() {
                break;
            }
            s = self
                .shared
                .changed
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        ids.iter()
            .filter_map(|id| s.containers.get(id).cloned())
            .collect()
    }

    /// Every container seen so far, oldest first.
    pub fn seen(&self) -> Vec<Watched> {
        let s = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<Watched> = s.containers.values().cloned().collect();
        all.sort_by_key(|w| w.created_nanos);
        all
    }

    /// Forgets containers whose reading is over, so a long run does not
    /// keep every output.
    pub fn forget(&self, ids: &[String]) {
        let mut s = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            if s.containers.get(id).is_some_and(|w| w.done) {
                s.containers.remove(id);
                s.ended.remove(id);
            }
        }
    }

    /// Why the event stream stopped, when it did.
    pub fn stream_error(&self) -> Option<String> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stream_error
            .clone()
    }

    /// The engine's ID of image `reference`, when the engine has it.
    pub fn image_id(&self, reference: &str) -> Option<String> {
        let docker = self.docker.clone().with_timeout(Duration::from_secs(30));
        self.block_on(async move { docker.inspect_image(reference).await.ok()?.id })
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The event loop: a task per created container; `die` and `destroy` end
/// the reads.
async fn watch_events(docker: Docker, shared: Arc<Shared>, label: String, since: String) {
    let options = EventsOptionsBuilder::new()
        .since(&since)
        .filters(&filters(&label, &["create", "die", "destroy"]))
        .build();
    let mut stream = docker.events(Some(options));
    while let Some(item) = stream.next().await {
        let ev = match item {
            Ok(ev) => ev,
            Err(e) => {
                let mut s = shared.state.lock().unwrap_or_else(|e| e.into_inner());
                s.stream_error = Some(format!("the engine's event stream failed: {e}"));
                drop(s);
                shared.changed.notify_all();
                return;
            }
        };
        let Some(actor) = ev.actor else { continue };
        let Some(id) = actor.id else { continue };
        let attrs = actor.attributes.unwrap_or_default();
        match ev.action.as_deref() {
            Some("create") => {
                let (tx, rx) = tokio::sync::watch::channel(false);
                let mut s = shared.state.lock().unwrap_or_else(|e| e.into_inner());
                if s.containers.contains_key(&id) {
                    continue;
                }
                let nanos = ev
                    .time_nano
                    .or(ev.time.map(|t| t * 1_000_000_000))
                    .unwrap_or(0);
                let mut w = Watched::new(&id, nanos);
                w.image = attrs.get("image").cloned();
                s.containers.insert(id.clone(), w);
                s.ended.insert(id.clone(), tx);
                drop(s);
                shared.changed.notify_all();
                tokio::spawn(follow(docker.clone(), shared.clone(), id, rx));
            }
            Some(action @ ("die" | "destroy")) => {
                let mut s = shared.state.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(w) = s.containers.get_mut(&id) {
                    if action == "die" {
                        w.exit_code = attrs.get("exitCode").and_then(|c| c.parse().ok());
                    } else {
                        w.destroyed = true;
                    }
                }
                if let Some(tx) = s.ended.get(&id) {
                    let _ = tx.send(true);
                }
                drop(s);
                shared.changed.notify_all();
            }
            _ => {}
        }
    }
    let mut s = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    s.stream_error = Some("the engine's event stream ended".into());
    drop(s);
    shared.changed.notify_all();
}

type LogStream =
    std::pin::Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

/// Reads one container: attach first (the output from the start, even if
/// the container already runs), inspect, and fall back to the logs.
async fn follow(
    docker: Docker,
    shared: Arc<Shared>,
    id: String,
    ended: tokio::sync::watch::Receiver<bool>,
) {
    let attach = docker
        .attach_container(
            &id,
            Some(
                AttachContainerOptionsBuilder::new()
                    .logs(true)
                    .stream(true)
                    .stdout(true)
                    .stderr(true)
                    .build(),
            ),
        )
        .await;
    match docker.inspect_container(&id, None).await {
        Ok(info) => shared.update(&id, |w| {
            let config = info.config.unwrap_or_default();
            if let Some(image) = config.image {
                w.image = Some(image);
            }
            w.image_id = info.image;
            w.env = Some(
                config
                    .env
                    .unwrap_or_default()
                    .iter()
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (kv.clone(), String::new()),
                    })
                    .collect(),
            );
        }),
        Err(e) => shared.update(&id, |w| {
            w.problems.push(if is_not_found(&e) {
                "the container was gone before it could be inspected".to_string()
            } else {
                format!("cannot inspect the container: {e}")
            })
        }),
    }
    let attached = match attach {
        Ok(a) => read(&shared, &id, a.output, ended.clone()).await == Ok(true),
        Err(e) => {
            shared.update(&id, |w| {
                w.problems
                    .push(format!("cannot attach to the container: {e}"))
            });
            false
        }
    };
    // Nothing came through the attach (it failed, or the container was gone
    // by then): the logs, when the container is still there.
    if !attached {
        let logs: LogStream = Box::pin(
            docker.logs(
                &id,
                Some(
                    LogsOptionsBuilder::new()
                        .follow(true)
                        .stdout(true)
                        .stderr(true)
                        .build(),
                ),
            ),
        );
        shared.update(&id, |w| {
            w.read_by = ReadBy::Logs;
            w.stdout.clear();
            w.stderr.clear();
        });
        if read(&shared, &id, logs, ended).await.is_err() {
            shared.update(&id, |w| {
                w.read_by = ReadBy::Nothing;
                w.problems.push(
                    "the container was gone before the observer could read its output".into(),
                );
            });
        }
    }
    shared.update(&id, |w| w.done = true);
}

/// Reads a stream of a container's output into its record until the stream
/// ends, or until [`GRACE`] after the engine said it stopped: whether any
/// byte came, or `Err` when the stream failed before anything came.
async fn read(
    shared: &Shared,
    id: &str,
    mut stream: LogStream,
    mut ended: tokio::sync::watch::Receiver<bool>,
) -> Result<bool, ()> {
    let mut got_any = false;
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        if deadline.is_none() && *ended.borrow() {
            deadline = Some(tokio::time::Instant::now() + GRACE);
        }
        let item = match deadline {
            Some(d) => match tokio::time::timeout_at(d, stream.next()).await {
                Ok(item) => item,
                Err(_) => return Ok(got_any),
            },
            None => {
                tokio::select! {
                    item = stream.next() => item,
                    _ = ended.changed() => continue,
                }
            }
        };
        match item {
            None => return Ok(got_any),
            Some(Err(e)) => {
                if !got_any {
                    return Err(());
                }
                shared.update(id, |w| w.problems.push(format!("reading the output: {e}")));
                return Ok(true);
            }
            Some(Ok(out)) => {
                got_any = true;
                shared.update(id, |w| {
                    let (buf, bytes) = match out {
                        LogOutput::StdErr { message } => (&mut w.stderr, message),
                        LogOutput::StdOut { message } | LogOutput::Console { message } => {
                            (&mut w.stdout, message)
                        }
                        LogOutput::StdIn { .. } => return,
                    };
                    let room = WATCH_LOG_LIMIT.saturating_sub(buf.len());
                    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
                    if bytes.len() > room && room > 0 {
                        w.problems
                            .push(format!("output cut at {WATCH_LOG_LIMIT} bytes"));
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_time_has_nanoseconds() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 42);
        assert_eq!(engine_time(t), "1700000000.000000042");
    }

    #[test]
    fn a_marker_is_found_in_stdout() {
        let mut w = Watched::new("x", 0);
        w.stdout = b"noise\n-----END X-----\n".to_vec();
        assert!(w.stdout_contains(b"-----END X-----"));
        assert!(!w.stdout_contains(b"BEGIN"));
        assert!(!w.stdout_contains(b""));
    }
}
