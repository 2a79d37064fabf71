//! The suite on the Docker path: `run --driver docker` against the reference,
//! the refusal of a wrong digest, `selftest --driver docker`, and no container
//! left behind after a passing run, a failing run and an interrupted one.
//!
//! These tests need the engine (`DOCKER_HOST` or /var/run/docker.sock) and
//! the registry (`CNAB_TEST_REGISTRY` or 127.0.0.1:5000). When either is
//! missing they print `skipping: ...` and pass, unless `CI=true`, where they
//! fail.

use std::net::{TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::util::*;
use cnab_model::Verdict;

/// The tests count the suite's containers, so they run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether the engine and the registry answer; prints why not and returns
/// false outside CI, fails in CI.
fn docker_ready() -> bool {
    let why = match cnab_docker::Engine::connect() {
        Err(e) => Some(format!("the docker engine is unavailable: {e}")),
        Ok(_) => {
            let registry = cnab_docker::registry_from_env();
            let reachable = registry
                .to_socket_addrs()
                .ok()
                .and_then(|mut a| a.next())
                .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok());
            if reachable {
                None
            } else {
                Some(format!("the registry at {registry} does not answer"))
            }
        }
    };
    match why {
        None => true,
        Some(why) => {
            assert!(!in_ci(), "CI=true but {why}");
            eprintln!("skipping: {why}");
            false
        }
    }
}

/// The IDs of every container labelled with run `run_id`.
fn labelled(run_id: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter"])
        .arg(format!("label=io.cnab-conformance.run={run_id}"))
        .output()
        .expect("the docker command runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// A run ID unique to this test process and test, given to the binary
/// through `CNAB_CONFORMANCE_RUN_ID`, so that runs of other processes do not
/// count.
fn run_id(test: &str) -> String {
    format!(
        "cnab-conformance-test-{}-{test}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// A guard against a hang, not a measurement: a self-test over real
/// containers on a loaded two-core machine takes minutes.
const LONG_GUARD: Duration = Duration::from_secs(900);

/// Runs the binary in `cwd` with the run ID set; kills it past the guard.
fn run_labelled(cwd: &std::path::Path, id: &str, args: &[&str]) -> std::process::Output {
    run_labelled_env(cwd, id, args, &[])
}

/// [`run_labelled`] with more variables in the binary's environment.
fn run_labelled_env(
    cwd: &std::path::Path,
    id: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    use wait_timeout::ChildExt;
    let mut child = Command::new(bin())
        .env("CNAB_CONFORMANCE_RUN_ID", id)
        .envs(env.iter().copied())
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let read = |r: &mut dyn std::io::Read| {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        v
    };
    let out_t = std::thread::spawn(move || read(&mut out_pipe));
    let err_t = std::thread::spawn(move || read(&mut err_pipe));
    let status = match child.wait_timeout(LONG_GUARD).unwrap() {
        Some(s) => s,
        None => {
            let _ = child.kill();
            panic!("cnab-conformance {args:?} ran past the {LONG_GUARD:?} guard");
        }
    };
    std::process::Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn run_with_the_docker_driver_passes_every_case_and_leaves_no_container() {
    if !docker_ready() {
        return;
    }
    let _serial = lock();
    let id = run_id("pass");
    let d = tempfile::tempdir().unwrap();
    let report_path = d.path().join("docker.json");
    let out = run_labelled(
        d.path(),
        &id,
        &[
            "run",
            "--driver",
            "docker",
            "--out",
            report_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_report(&report_path);
    assert_eq!(report.environment.observer, "docker");
    assert_eq!(report.environment.driver, "docker");
    assert!(report
        .runtime
        .capabilities
        .contains(&"docker-driver".to_string()));
    assert!(!report
        .runtime
        .capabilities
        .contains(&"command-driver".to_string()));
    let cases = cnab_harness::case::load_embedded().unwrap();
    assert_eq!(report.cases.len(), cases.len());
    for c in &report.cases {
        let lc = cases.iter().find(|l| l.case.id == c.id).unwrap();
        let command_only = lc.case.requires.contains(&"command-driver".to_string());
        if command_only {
            assert_eq!(c.verdict, Verdict::Skip, "{}", c.id);
        } else {
            assert_eq!(c.verdict, Verdict::Pass, "{}: {:?}", c.id, c.reason);
        }
    }
    // Docker-only cases ran, and the probe reported from inside.
    let verified = report
        .cases
        .iter()
        .find(|c| c.id == "images-docker.digest-verified")
        .unwrap();
    let observed = verified.steps[0].observed.as_ref().unwrap();
    assert_eq!(observed["probe"]["argv0"], "/cnab/app/run", "{observed}");
    assert_eq!(observed["probe"]["env"]["CNAB_ACTION"], "install");
    // The wrong digest was refused before any container ran.
    let wrong = report
        .cases
        .iter()
        .find(|c| c.id == "images-docker.digest-mismatch")
        .unwrap();
    assert_eq!(wrong.verdict, Verdict::Pass);
    assert_eq!(wrong.steps[0].outcome.as_str(), "refused");
    assert!(!wrong.steps[0].image_ran);
    assert!(
        wrong.steps[0].message.contains("contentDigest"),
        "{}",
        wrong.steps[0].message
    );
    assert_eq!(
        labelled(&id),
        Vec::<String>::new(),
        "the run left containers behind"
    );
}

#[test]
fn the_skip_digest_check_mutant_runs_the_wrong_image_and_fails_only_the_digest_case() {
    if !docker_ready() {
        return;
    }
    let _serial = lock();
    let id = run_id("mutant");
    let d = tempfile::tempdir().unwrap();
    let report_path = d.path().join("mutant.json");
    let out = run_labelled(
        d.path(),
        &id,
        &[
            "run",
            "--driver",
            "docker",
            "--mutant",
            "skip-digest-check",
            "--case",
            "images-docker.digest",
            "--out",
            report_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = read_report(&report_path);
    let verdict = |id: &str| {
        report
            .cases
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.verdict)
            .unwrap()
    };
    assert_eq!(verdict("images-docker.digest-mismatch"), Verdict::Fail);
    assert_eq!(verdict("images-docker.digest-verified"), Verdict::Pass);
    let wrong = report
        .cases
        .iter()
        .find(|c| c.id == "images-docker.digest-mismatch")
        .unwrap();
    assert!(wrong.steps[0].image_ran, "the mutant ran the image");
    assert_eq!(
        labelled(&id),
        Vec::<String>::new(),
        "a failing run left containers behind"
    );
}

#[test]
fn selftest_with_the_docker_driver_kills_every_mutant_including_skip_digest_check() {
    if !docker_ready() {
        return;
    }
    let _serial = lock();
    let id = run_id("selftest");
    let d = tempfile::tempdir().unwrap();
    let out = run_labelled(d.path(), &id, &["selftest", "--driver", "docker"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    // Every mutant but the command driver's operation dialect.
    let n = cnab_harness::selftest::default_mutants(true).len();
    assert_eq!(n, cnab_harness::adapter::reference::Mutant::ALL.len() - 1);
    assert!(s.contains(&format!("mutation score: {n}/{n}")), "{s}");
    assert!(
        s.contains("killed    skip-digest-check (by images-docker.digest-mismatch)"),
        "{s}"
    );
    assert_eq!(
        labelled(&id),
        Vec::<String>::new(),
        "the self-test left containers behind"
    );
}

#[test]
fn an_interrupted_docker_run_removes_its_containers() {
    if !docker_ready() {
        return;
    }
    let _serial = lock();
    let id = run_id("interrupted");
    let d = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .env("CNAB_CONFORMANCE_RUN_ID", &id)
        .args(["run", "--driver", "docker", "-j", "1", "--out"])
        .arg(d.path().join("interrupted.json"))
        .current_dir(d.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Wait until one of the run's containers exists, then press Ctrl-C.
    // The deadline only guards against a hang; it measures nothing.
    let guard = Instant::now() + Duration::from_secs(120);
    let mut seen = false;
    while Instant::now() < guard {
        if !labelled(&id).is_empty() {
            seen = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(seen, "no container of the run appeared");
    // SAFETY: kill(2) on our own child's PID.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > guard {
            let _ = child.kill();
            panic!("the interrupted run did not stop");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    use std::io::Read;
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        labelled(&id),
        Vec::<String>::new(),
        "the interrupted run left containers behind"
    );
}

#[test]
fn the_docker_driver_without_an_engine_is_a_clear_error_not_a_panic() {
    // Needs no engine: it points at a socket that does not exist.
    let d = tempfile::tempdir().unwrap();
    let sock = d.path().join("no-engine.sock");
    let out = Command::new(bin())
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .args(["run", "--driver", "docker", "--out"])
        .arg(d.path().join("r.json"))
        .current_dir(d.path())
        .stdin(Stdio::null())
        .output()
        .expect("the binary starts");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot prepare the probe image for --driver docker")
            && err.contains("cannot reach the docker engine"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!d.path().join("r.json").exists());
}

#[test]
fn an_adapter_declaring_docker_driver_gets_skips_not_fails_on_the_command_path() {
    // Needs no engine: on the command-driver path the Docker-only cases do
    // not run, even for a runtime that declares `docker-driver`.
    let d = tempfile::tempdir().unwrap();
    let report_path = d.path().join("r.json");
    let exe = bin();
    let out = run_in(
        d.path(),
        &[
            "run",
            "--runtime",
            exe.to_str().unwrap(),
            "--runtime-arg",
            "adapter",
            "--runtime-arg",
            "reference",
            "--runtime-arg",
            "--docker",
            "--case",
            "images-docker.",
            "--out",
            report_path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_report(&report_path);
    assert!(report
        .runtime
        .capabilities
        .contains(&"docker-driver".to_string()));
    // Every images-docker case (the claims one as well: the reference
    // declares claims) skips for the path, not for a capability.
    assert_eq!(report.cases.len(), 6);
    for c in &report.cases {
        assert_eq!(c.verdict, Verdict::Skip, "{}: {:?}", c.id, c.reason);
        assert_eq!(
            c.reason.as_deref(),
            Some(cnab_harness::runner::steps::NEEDS_DOCKER_PATH)
        );
    }
}

mod engine;

#[test]
fn a_docker_only_mutant_in_a_command_driver_selftest_is_a_usage_error() {
    // Needs no engine: the self-test refuses before anything runs.
    let out = run(&["selftest", "--mutant", "skip-digest-check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("mutant `skip-digest-check` can only be caught with --driver docker"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_docker_driver_checks_digests_and_records_what_the_probe_saw() {
    use cnab_harness::driver::docker::{prepare_probe_image, DockerDriver};
    use cnab_harness::driver::{DigestCheck, Driver, Operation};
    use serde_json::json;
    if !docker_ready() {
        return;
    }
    let _serial = lock();
    let probe = prepare_probe_image().expect("the probe image is ready");
    let id = run_id("driver");
    let d = tempfile::tempdir().unwrap();
    let obs_file = d.path().join("obs.jsonl");
    let driver = DockerDriver::connect(&id, Duration::from_secs(120), Some(obs_file.clone()))
        .expect("the engine answers");
    assert_eq!(driver.handles().unwrap(), ["docker", "oci"]);
    let image = |digest: Option<&str>| {
        let mut i = json!({"image": probe.reference, "imageType": "docker"});
        if let Some(d) = digest {
            i["contentDigest"] = json!(d);
        }
        i
    };
    assert_eq!(
        driver.verify_digest(&image(Some(&probe.digest))),
        DigestCheck::Verified
    );
    assert_eq!(driver.verify_digest(&image(None)), DigestCheck::Absent);
    let wrong = format!("sha256:{}", "ab".repeat(32));
    assert!(matches!(
        driver.verify_digest(&image(Some(&wrong))),
        DigestCheck::Mismatch(m) if m.contains(&wrong)
    ));
    let missing = json!({"image": "127.0.0.1:1/no/such:image", "contentDigest": wrong});
    assert!(matches!(
        driver.verify_digest(&missing),
        DigestCheck::Failed(_)
    ));

    let bundle = json!({
        "schemaVersion": "v1.2.0", "name": "b", "version": "1.0.0",
        "invocationImages": [image(Some(&probe.digest))],
        "custom": {"io.cnab-conformance.probe": {"install": {"outputs": {"o": "out"}, "exitCode": 5}}}
    });
    let op = Operation {
        installation_name: "i".into(),
        revision: "r".into(),
        action: "install".into(),
        parameters: Default::default(),
        image: image(Some(&probe.digest)),
        environment: [("CNAB_ACTION".to_string(), "install".to_string())].into(),
        files: [("/cnab/bundle.json".to_string(), bundle.to_string())].into(),
        outputs: [("/cnab/app/outputs/o".to_string(), "o".to_string())].into(),
        bundle: bundle.clone(),
    };
    let result = driver.run(&op).expect("the container ran");
    assert_eq!(result.exit_code, Some(5));
    assert_eq!(result.outputs.get("o").map(String::as_str), Some("out"));
    let recorded = cnab_harness::driver::read_records(&obs_file).unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].exit_code, 5);
    assert_eq!(recorded[0].outputs_written, ["o"]);
    assert_eq!(recorded[0].action().as_deref(), Some("install"));
    let inside = recorded[0].probe.as_ref().expect("the probe reported");
    assert_eq!(inside.env["CNAB_ACTION"], "install");
    assert_eq!(
        inside.files["/cnab/bundle.json"].text,
        Some(bundle.to_string())
    );
    // A wrong digest in the operation itself is refused by the engine check
    // too, and nothing is recorded.
    let mut bad = op.clone();
    bad.image = image(Some(&wrong));
    assert!(driver.run(&bad).is_err());
    assert_eq!(
        cnab_harness::driver::read_records(&obs_file).unwrap().len(),
        1
    );
    assert_eq!(labelled(&id), Vec::<String>::new());
}
