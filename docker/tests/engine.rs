//! The Docker path against the real engine and the loopback registry.
//!
//! Each test skips with a message when the engine or the registry is absent,
//! unless `CI=true`, where their absence fails the test.

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cnab_docker::{
    build_static_probe, registry_from_env, DigestCheck, DockerError, Engine, FileOwnership,
    ProbeImage, RunSpec, RUN_LABEL,
};
use serde_json::json;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn unavailable(what: &str, why: &str) -> Option<(Engine, ProbeImage)> {
    assert!(!in_ci(), "CI=true but {what} is unavailable: {why}");
    eprintln!("skipping: {what} is unavailable: {why}");
    None
}

/// The engine and the probe image, or `None` (with a message) when they
/// cannot be had outside CI.
fn setup() -> Option<(Engine, ProbeImage)> {
    let engine = match Engine::connect() {
        Ok(engine) => engine,
        Err(e) => return unavailable("the docker engine", &e.to_string()),
    };
    let registry = registry_from_env();
    let reachable = registry
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok());
    if !reachable {
        return unavailable(&format!("the registry at {registry}"), "no answer");
    }
    static PROBE: OnceLock<Result<ProbeImage, String>> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let binary = build_static_probe(workspace).map_err(|e| e.to_string())?;
        engine
            .ensure_probe_image(&binary, &registry)
            .map_err(|e| e.to_string())
    });
    let probe = probe.clone().expect("the probe image builds and pushes");
    Some((engine, probe))
}

/// A run ID unique to this test in this process.
fn run_id(test: &str) -> String {
    format!("test-{}-{test}", std::process::id())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The container events (`create`, `start`, `destroy`, ...) the engine
/// recorded for `run_id` since `since`.
fn container_events(run_id: &str, since: u64) -> Vec<String> {
    let output = Command::new("docker")
        .args(["events", "--since", &since.to_string()])
        .args(["--until", &(now() + 1).to_string()])
        .args(["--filter", "type=container"])
        .args(["--filter", &format!("label={RUN_LABEL}={run_id}")])
        .args(["--format", "{{.Action}}"])
        .output()
        .expect("the docker CLI runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn assert_nothing_left(engine: &Engine, run_id: &str) {
    assert_eq!(
        engine.labelled_containers(Some(run_id)).unwrap(),
        Vec::<String>::new(),
        "containers of {run_id} were left behind"
    );
}

fn bundle(probe: &ProbeImage) -> serde_json::Value {
    json!({
        "schemaVersion": "v1.2.0",
        "name": "probe-docker-test",
        "version": "0.1.0",
        "invocationImages": [{
            "imageType": "docker",
            "image": probe.reference,
            "contentDigest": probe.digest
        }],
        "parameters": {
            "config": {"definition": "text", "destination": {"path": "/etc/app/config.yaml"}},
            "port": {"definition": "text", "destination": {"env": "PORT"}}
        },
        "custom": {
            "io.cnab-conformance.probe": {
                "install": {
                    "outputs": {"address": "10.0.0.1", "port": "8080"},
                    "files": ["/cnab", "/cnab/app", "/etc/app", "/cnab/app/run"]
                },
                "upgrade": {"hang": true},
                "uninstall": {"exitCode": 3, "stderr": "uninstall failed on purpose\n"}
            }
        }
    })
}

fn spec(probe: &ProbeImage, id: &str, action: &str) -> RunSpec {
    let mut spec = RunSpec::new(id, probe.reference.clone());
    spec.content_digest = Some(probe.digest.clone());
    spec.env = BTreeMap::from([
        ("CNAB_ACTION".to_string(), action.to_string()),
        ("CNAB_INSTALLATION_NAME".to_string(), "demo".to_string()),
        ("PORT".to_string(), "8080".to_string()),
    ]);
    spec.files = BTreeMap::from([
        (
            "/cnab/bundle.json".to_string(),
            bundle(probe).to_string().into_bytes(),
        ),
        ("/cnab/app/image-map.json".to_string(), b"{}".to_vec()),
        ("/etc/app/config.yaml".to_string(), b"a: 1\n".to_vec()),
    ]);
    spec.expected_outputs = vec![
        "/cnab/app/outputs/address".to_string(),
        "/cnab/app/outputs/never".to_string(),
    ];
    spec.timeout = Duration::from_secs(120);
    spec
}

#[test]
fn the_probe_image_is_reused_for_the_same_binary_and_its_digest_is_a_repo_digest() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    assert!(cnab_docker::is_sha256_digest(&probe.digest), "{probe:?}");
    assert_eq!(
        probe.pinned,
        format!("{}@{}", probe.repository, probe.digest)
    );
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let binary = build_static_probe(workspace).unwrap();
    let again = engine
        .ensure_probe_image(&binary, &registry_from_env())
        .unwrap();
    assert!(!again.built, "the same binary must not be rebuilt");
    assert_eq!(again.digest, probe.digest);
    assert_eq!(again.image_id, probe.image_id);

    let labels = Command::new("docker")
        .args(["image", "ls", "-q", "--no-trunc"])
        .args(["--filter", "label=io.cnab-conformance=probe"])
        .output()
        .unwrap();
    let ids = String::from_utf8_lossy(&labels.stdout);
    assert!(ids.lines().any(|l| l == probe.image_id), "{ids}");
}

#[test]
fn a_matching_digest_runs_and_the_probe_sees_env_files_and_modes() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("matching");
    let since = now().saturating_sub(1);
    let outcome = engine.run(&spec(&probe, &id, "install")).unwrap();

    assert_eq!(outcome.digest, DigestCheck::Verified(probe.digest.clone()));
    assert_eq!(outcome.exit_code, 0);
    assert!(!outcome.timed_out);
    let seen = outcome.observation().unwrap();
    assert_eq!(seen.problems, Vec::<String>::new());
    assert_eq!(seen.action.as_deref(), Some("install"));
    assert!(seen.entrypoint_is_run, "{seen:?}");
    assert_eq!(seen.argv0.as_deref(), Some("/cnab/app/run"));
    assert_eq!(seen.env["CNAB_INSTALLATION_NAME"], "demo");
    assert_eq!(seen.env["PORT"], "8080");
    assert_eq!(seen.uid, Some(0));

    let bundle_file = &seen.files["/cnab/bundle.json"];
    assert_eq!(bundle_file.kind, "file");
    assert_eq!(bundle_file.mode, Some(0o600));
    assert_eq!((bundle_file.uid, bundle_file.gid), (Some(0), Some(0)));
    assert_eq!(
        bundle_file.text.as_deref(),
        Some(bundle(&probe).to_string().as_str())
    );
    let config = &seen.files["/etc/app/config.yaml"];
    assert_eq!(config.text.as_deref(), Some("a: 1\n"));
    assert_eq!(config.mode, Some(0o600));
    assert!(!seen.files["/cnab/claim.json"].exists());
    assert!(!seen.files["/cnab/app/outputs"].exists());
    // As cnab-go does, every parent directory is written with mode 0700,
    // also those the image already had.
    for dir in ["/cnab", "/cnab/app", "/etc/app"] {
        assert_eq!(seen.files[dir].kind, "dir", "{dir}");
        assert_eq!(seen.files[dir].mode, Some(0o700), "{dir}");
    }
    assert_eq!(seen.files["/cnab/app/run"].mode, Some(0o755));

    assert_eq!(
        outcome.outputs,
        BTreeMap::from([
            (
                "/cnab/app/outputs/address".to_string(),
                b"10.0.0.1".to_vec()
            ),
            ("/cnab/app/outputs/port".to_string(), b"8080".to_vec()),
        ])
    );
    assert_eq!(outcome.missing_outputs, ["/cnab/app/outputs/never"]);
    assert!(outcome.ignored_outputs.is_empty());

    let events = container_events(&id, since);
    assert!(events.iter().any(|e| e == "create"), "{events:?}");
    assert!(events.iter().any(|e| e == "destroy"), "{events:?}");
    assert_nothing_left(&engine, &id);
}

#[test]
fn a_wrong_digest_is_refused_before_any_container_is_created() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("wrong-digest");
    let since = now().saturating_sub(1);
    let mut spec = spec(&probe, &id, "install");
    let wrong = format!("sha256:{}", "0".repeat(64));
    spec.content_digest = Some(wrong.clone());
    let error = engine.run(&spec).unwrap_err();
    match &error {
        DockerError::DigestMismatch {
            expected, found, ..
        } => {
            assert_eq!(expected, &wrong);
            assert!(found.contains(&probe.pinned), "{found:?}");
        }
        other => panic!("expected a digest mismatch, got {other}"),
    }
    assert!(error.to_string().starts_with("refusing to run"));
    assert_eq!(container_events(&id, since), Vec::<String>::new());
    assert_nothing_left(&engine, &id);
}

#[test]
fn a_missing_digest_runs_and_says_so() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("missing-digest");
    let mut spec = spec(&probe, &id, "install");
    spec.content_digest = None;
    let outcome = engine.run(&spec).unwrap();
    assert_eq!(outcome.digest, DigestCheck::Missing);
    assert_eq!(outcome.exit_code, 0);
    assert_eq!(
        outcome.observation().unwrap().action.as_deref(),
        Some("install")
    );
    assert_nothing_left(&engine, &id);
}

#[test]
fn a_pinned_reference_runs_too() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("pinned");
    let mut spec = spec(&probe, &id, "install");
    spec.image = probe.pinned.clone();
    let outcome = engine.run(&spec).unwrap();
    assert_eq!(outcome.digest, DigestCheck::Verified(probe.digest.clone()));
    assert_eq!(outcome.image_id, probe.image_id);
    assert_nothing_left(&engine, &id);
}

#[test]
fn no_expected_outputs_means_nothing_is_copied_out() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("no-outputs");
    let mut spec = spec(&probe, &id, "install");
    spec.expected_outputs.clear();
    let outcome = engine.run(&spec).unwrap();
    assert_eq!(outcome.exit_code, 0);
    // The probe wrote address and port, and said so; none is copied back.
    let seen = outcome.observation().unwrap();
    assert_eq!(seen.outputs_written.len(), 2, "{seen:?}");
    assert!(outcome.outputs.is_empty());
    assert!(outcome.missing_outputs.is_empty());
    assert_nothing_left(&engine, &id);
}

#[test]
fn a_non_zero_exit_code_is_read_as_the_exit_code() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("exit-code");
    let outcome = engine.run(&spec(&probe, &id, "uninstall")).unwrap();
    assert_eq!(outcome.exit_code, 3);
    assert_eq!(outcome.observation().unwrap().exit_code, 3);
    assert_eq!(
        String::from_utf8_lossy(&outcome.stderr),
        "uninstall failed on purpose\n"
    );
    assert!(outcome.outputs.is_empty());
    assert_eq!(outcome.missing_outputs.len(), 2);
    assert_nothing_left(&engine, &id);
}

#[test]
fn file_modes_and_owner_are_configurable() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("modes");
    let mut spec = spec(&probe, &id, "status");
    spec.ownership = Some(FileOwnership {
        uid: 1000,
        gid: 2000,
        file_mode: 0o644,
        dir_mode: None,
    });
    let outcome = engine.run(&spec).unwrap();
    let seen = outcome.observation().unwrap();
    let config = &seen.files["/etc/app/config.yaml"];
    assert_eq!(config.mode, Some(0o644));
    assert_eq!((config.uid, config.gid), (Some(1000), Some(2000)));
    assert_eq!(seen.action.as_deref(), Some("status"));
    assert_nothing_left(&engine, &id);
}

#[test]
fn an_invalid_file_path_creates_nothing() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("bad-path");
    let since = now().saturating_sub(1);
    let mut spec = spec(&probe, &id, "install");
    spec.files
        .insert("/cnab/../etc/passwd".to_string(), b"x".to_vec());
    let error = engine.run(&spec).unwrap_err();
    assert!(matches!(error, DockerError::InvalidPath { .. }), "{error}");
    assert_eq!(container_events(&id, since), Vec::<String>::new());
}

#[test]
fn an_absent_image_is_reported_as_unavailable() {
    let Some((engine, _probe)) = setup() else {
        return;
    };
    let id = run_id("absent");
    let image = format!("{}/cnab-conformance/absent:nothing", registry_from_env());
    let error = engine.run(&RunSpec::new(&id, image)).unwrap_err();
    assert!(
        matches!(error, DockerError::ImageUnavailable { .. }),
        "{error}"
    );
    assert_nothing_left(&engine, &id);
}

#[test]
fn cleanup_removes_what_a_killed_process_left_behind() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("leftover");
    // A container made outside the driver stands for one whose process died.
    let created = Command::new("docker")
        .args(["create", "--network", "none"])
        .args(["--label", &format!("{RUN_LABEL}={id}")])
        .arg(&probe.reference)
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    assert_eq!(engine.labelled_containers(Some(&id)).unwrap().len(), 1);
    assert_eq!(engine.cleanup_run(&id).unwrap(), 1);
    assert_nothing_left(&engine, &id);
    assert_eq!(engine.cleanup_run(&id).unwrap(), 0);
}

#[test]
fn a_container_past_its_timeout_is_killed_and_removed() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("timeout");
    let mut spec = spec(&probe, &id, "upgrade");
    // The probe never exits on its own for this action, so only the
    // timeout can end it, however fast or slow the machine is.
    spec.timeout = Duration::from_secs(2);
    let outcome = engine.run(&spec).unwrap();
    assert!(outcome.timed_out);
    assert_eq!(outcome.exit_code, 137);
    assert_eq!(
        outcome.observation().unwrap().action.as_deref(),
        Some("upgrade")
    );
    assert_nothing_left(&engine, &id);
}

#[test]
fn the_digest_can_be_checked_without_running() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    assert_eq!(
        engine
            .check_digest(&probe.reference, Some(&probe.digest))
            .unwrap(),
        DigestCheck::Verified(probe.digest.clone())
    );
    assert_eq!(
        engine.check_digest(&probe.reference, None).unwrap(),
        DigestCheck::Missing
    );
    let wrong = format!("sha256:{}", "1".repeat(64));
    assert!(matches!(
        engine.check_digest(&probe.reference, Some(&wrong)),
        Err(DockerError::DigestMismatch { .. })
    ));
}

/// Set in the child process of the Ctrl-C test, to the run ID it must use.
const CTRL_C_CHILD: &str = "CNAB_DOCKER_TEST_CTRL_C_RUN_ID";

#[test]
fn ctrl_c_while_a_container_runs_removes_it() {
    if let Ok(id) = std::env::var(CTRL_C_CHILD) {
        // The child: run a container that never exits and expect Ctrl-C.
        let (engine, probe) = setup().expect("the parent checked the engine");
        let mut spec = spec(&probe, &id, "upgrade");
        spec.timeout = Duration::from_secs(600);
        match engine.run(&spec) {
            Err(DockerError::Interrupted { .. }) => println!("child: interrupted"),
            other => panic!("expected an interruption, got {other:?}"),
        }
        return;
    }
    let Some((engine, _probe)) = setup() else {
        return;
    };
    let id = run_id("ctrl-c");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "ctrl_c_while_a_container_runs_removes_it"])
        .args(["--nocapture", "--test-threads=1"])
        .env(CTRL_C_CHILD, &id)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait, within bounds, for the child's container to run.
    let mut running = false;
    for _ in 0..1200 {
        let ps = Command::new("docker")
            .args(["ps", "-q", "--filter", "status=running"])
            .args(["--filter", &format!("label={RUN_LABEL}={id}")])
            .output()
            .unwrap();
        if !String::from_utf8_lossy(&ps.stdout).trim().is_empty() {
            running = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if !running {
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        panic!("the child's container never ran: {output:?}");
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("child: interrupted"), "{stdout}");
    assert_nothing_left(&engine, &id);
}

#[test]
fn files_belong_to_the_images_numeric_user_by_default() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    // The probe image with a numeric user, built from the local image only.
    let tag = format!(
        "cnab-conformance/probe-user:{}",
        probe.reference.rsplit(':').next().unwrap()
    );
    let mut build = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "--label",
            "io.cnab-conformance=probe",
            "-t",
            &tag,
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = build.stdin.take().unwrap();
        write!(stdin, "FROM {}\nUSER 1234:5678\n", probe.reference).unwrap();
    }
    let built = build.wait_with_output().unwrap();
    assert!(built.status.success(), "{built:?}");

    let id = run_id("image-user");
    let mut spec = spec(&probe, &id, "install");
    spec.image = tag;
    spec.content_digest = None;
    let outcome = engine.run(&spec).unwrap();
    let seen = outcome.observation().unwrap();
    assert_eq!((seen.uid, seen.gid), (Some(1234), Some(5678)));
    let bundle_file = &seen.files["/cnab/bundle.json"];
    assert_eq!((bundle_file.uid, bundle_file.gid), (Some(1234), Some(0)));
    assert_eq!(bundle_file.mode, Some(0o600));
    let app = &seen.files["/cnab/app"];
    assert_eq!((app.uid, app.mode), (Some(1234), Some(0o700)));
    // The user can write its outputs, and they come back.
    assert_eq!(
        outcome.outputs["/cnab/app/outputs/address"],
        b"10.0.0.1".to_vec()
    );
    assert_nothing_left(&engine, &id);
}

#[test]
fn a_container_killed_from_outside_mid_run_is_read_as_killed_and_removed() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("killed");
    // The probe hangs on `upgrade`; only the outside kill can end it well
    // before the timeout.
    let mut spec = spec(&probe, &id, "upgrade");
    spec.timeout = Duration::from_secs(90);
    let label = format!("{}={id}", cnab_docker::RUN_LABEL);
    let killer = std::thread::spawn(move || {
        for _ in 0..600 {
            let out = std::process::Command::new("docker")
                .args(["ps", "-q", "--filter", &format!("label={label}")])
                .output()
                .expect("the docker CLI runs");
            let ids = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !ids.is_empty() {
                let status = std::process::Command::new("docker")
                    .args(["kill", &ids])
                    .status()
                    .expect("docker kill runs");
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    });
    let outcome = engine.run(&spec).unwrap();
    assert!(
        killer.join().unwrap(),
        "the running container was never seen"
    );
    assert!(!outcome.timed_out, "ended by the kill, not the timeout");
    assert_eq!(outcome.exit_code, 137, "SIGKILL reads as 128 + 9");
    assert_nothing_left(&engine, &id);
}

#[test]
fn a_bare_run_gives_the_exit_code_and_leaves_nothing() {
    let Some((engine, probe)) = setup() else {
        return;
    };
    let id = run_id("bare");
    // No bundle, no directions: the probe records what it saw and exits 0.
    let none = BTreeMap::new();
    assert_eq!(engine.run_bare(&probe.reference, &id, &none).unwrap(), 0);
    assert_nothing_left(&engine, &id);
    // The files any CNAB driver copies in before the start.
    let files = spec(&probe, &id, "install").files;
    assert_eq!(engine.run_bare(&probe.reference, &id, &files).unwrap(), 0);
    assert_nothing_left(&engine, &id);
    // A path the archive cannot hold is refused before anything is created.
    let bad = BTreeMap::from([("relative/path".to_string(), b"x".to_vec())]);
    assert!(engine.run_bare(&probe.reference, &id, &bad).is_err());
    assert_nothing_left(&engine, &id);
    let absent = format!("{}:no-such-tag", probe.repository);
    let err = engine.run_bare(&absent, &id, &none).unwrap_err();
    assert!(err.to_string().contains("no-such-tag"), "{err}");
    assert_nothing_left(&engine, &id);
}
