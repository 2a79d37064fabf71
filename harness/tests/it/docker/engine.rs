//! The Docker path through the engine observer: runtimes that run the
//! probe's containers themselves.

use super::*;

/// The example runtime over the docker CLI (`examples/runtimes/docker-cli`).
fn docker_cli_runtime() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/runtimes/docker-cli/cnab-docker-cli")
        .canonicalize()
        .expect("the example runtime exists")
        .display()
        .to_string()
}

/// The docker-cli example needs jq; in CI its absence is a failure.
fn jq_ready() -> bool {
    let ok = Command::new("jq")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!in_ci(), "CI=true but jq is missing");
        eprintln!("skipping: jq is missing");
    }
    ok
}

/// `run --driver docker` with an external runtime, on the Docker cases;
/// the report.
fn run_external(
    test: &str,
    runtime: &[&str],
    env: &[(&str, &str)],
    code: i32,
) -> (cnab_report::RunReport, String) {
    let id = run_id(test);
    let d = tempfile::tempdir().unwrap();
    let report_path = d.path().join("r.json");
    let mut args = vec!["run", "--driver", "docker", "--runtime", runtime[0]];
    for a in &runtime[1..] {
        args.extend(["--runtime-arg", a]);
    }
    args.extend([
        "--case",
        "images-docker.",
        "--case",
        "images.missing-digest",
        "--out",
        report_path.to_str().unwrap(),
    ]);
    let out = run_labelled_env(d.path(), &id, &args, env);
    let reasons = std::fs::read_to_string(&report_path).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}\nreport: {reasons}",
        text(&out)
    );
    assert_eq!(
        labelled(&id),
        Vec::<String>::new(),
        "the run left containers behind"
    );
    (read_report(&report_path), id)
}

fn seen_by_the_engine_observer(report: &cnab_report::RunReport) {
    assert_eq!(report.environment.observer, "docker-engine");
    let verified = report
        .cases
        .iter()
        .find(|c| c.id == "images-docker.digest-verified")
        .unwrap();
    let observed = verified.steps[0].observed.as_ref().unwrap();
    assert_eq!(observed["probe"]["argv0"], "/cnab/app/run", "{observed}");
    assert!(
        observed["notes"][0]
            .as_str()
            .is_some_and(|n| n.starts_with("seen by the engine observer")),
        "{observed}"
    );
}

#[test]
fn the_docker_cli_example_passes_the_docker_cases_through_the_engine_observer() {
    if !docker_ready() || !jq_ready() {
        return;
    }
    let _serial = lock();
    let rt = docker_cli_runtime();
    let (report, _) = run_external("cli", &[&rt], &[], 0);
    assert_eq!(report.cases.len(), 7);
    for c in &report.cases {
        // The example keeps no claims, so the claims case skips.
        let want = if c.id == "images-docker.claim-mount" {
            Verdict::Skip
        } else {
            Verdict::Pass
        };
        assert_eq!(c.verdict, want, "{}: {:?}", c.id, c.reason);
    }
    seen_by_the_engine_observer(&report);
    let wrong = report
        .cases
        .iter()
        .find(|c| c.id == "images-docker.digest-mismatch")
        .unwrap();
    assert!(!wrong.steps[0].image_ran, "no container for a wrong digest");
}

#[test]
fn the_docker_cli_example_without_its_digest_check_fails_only_the_digest_case() {
    if !docker_ready() || !jq_ready() {
        return;
    }
    let _serial = lock();
    let rt = docker_cli_runtime();
    let (report, _) = run_external("cli-skip", &[&rt], &[("SKIP_DIGEST_CHECK", "1")], 1);
    for c in &report.cases {
        let want = match c.id.as_str() {
            "images-docker.digest-mismatch" => Verdict::Fail,
            "images-docker.claim-mount" => Verdict::Skip,
            _ => Verdict::Pass,
        };
        assert_eq!(c.verdict, want, "{}: {:?}", c.id, c.reason);
    }
    let wrong = report
        .cases
        .iter()
        .find(|c| c.id == "images-docker.digest-mismatch")
        .unwrap();
    assert!(
        wrong.steps[0].image_ran,
        "the observer saw the wrong image run"
    );
}

#[test]
fn the_reference_as_an_external_adapter_runs_through_the_engine_observer() {
    if !docker_ready() {
        return;
    }
    let _serial = lock();
    let exe = bin();
    let (report, _) = run_external(
        "ext-ref",
        &[exe.to_str().unwrap(), "adapter", "reference", "--docker"],
        &[],
        0,
    );
    for c in &report.cases {
        assert_eq!(c.verdict, Verdict::Pass, "{}: {:?}", c.id, c.reason);
    }
    seen_by_the_engine_observer(&report);
}

#[test]
fn selftest_through_the_engine_observer_kills_the_docker_mutants() {
    if !docker_ready() || !jq_ready() {
        return;
    }
    let _serial = lock();
    let rt = docker_cli_runtime();
    let exe = bin();
    for runtime in [
        vec![rt.as_str()],
        vec![exe.to_str().unwrap(), "adapter", "reference", "--docker"],
    ] {
        let id = run_id("selftest-engine");
        let d = tempfile::tempdir().unwrap();
        let mut args = vec!["selftest", "--driver", "docker", "--runtime", runtime[0]];
        for a in &runtime[1..] {
            args.extend(["--runtime-arg", a]);
        }
        let out = run_labelled(d.path(), &id, &args);
        assert_eq!(out.status.code(), Some(0), "{runtime:?}: {}", text(&out));
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(
            s.contains("killed    skip-digest-check (by images-docker.digest-mismatch)"),
            "{s}"
        );
        assert!(s.contains("mutation score: 1/1"), "{s}");
        assert_eq!(labelled(&id), Vec::<String>::new());
    }
}

#[test]
fn a_container_gone_before_the_observer_read_it_makes_the_step_an_error() {
    if !docker_ready() {
        return;
    }
    let _serial = lock();
    let d = tempfile::tempdir().unwrap();
    // A runtime that creates the probe container and removes it at once,
    // never starting it: nothing can be read.
    let adapter = script(
        d.path(),
        "vanishing",
        r#"verb=$1; req=$(cat); p=cnab-conformance-adapter/1
case $verb in
info) echo "{\"protocol\":\"$p\",\"name\":\"vanishing\",\"version\":\"1\",\"spec_versions\":[\"cnab-core-1.2.0\"],\"capabilities\":[\"docker-driver\"]}" ;;
run)
  inst=$(printf '%s' "$req" | jq -r .installation)
  image=$(jq -r '.invocationImages[0].image' "$(printf '%s' "$req" | jq -r .bundle)")
  c=$(docker create --label "io.cnab-conformance.run=$CNAB_CONFORMANCE_RUN_ID" -e "CNAB_INSTALLATION_NAME=$inst" "$image")
  docker rm -f "$c" >/dev/null
  echo "{\"protocol\":\"$p\",\"outcome\":\"succeeded\",\"message\":\"\"}" ;;
*) echo "{\"protocol\":\"$p\"}" ;;
esac
"#,
    );
    if !jq_ready() {
        return;
    }
    let (report, _) = run_external("vanishing", &[adapter.to_str().unwrap()], &[], 1);
    let mounts = report
        .cases
        .iter()
        .find(|c| c.id == "images-docker.mounts")
        .unwrap();
    assert_eq!(mounts.verdict, Verdict::Error, "{:?}", mounts.reason);
    assert!(
        mounts
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("the engine observer could not read")),
        "{:?}",
        mounts.reason
    );
    assert!(report
        .cases
        .iter()
        .all(|c| c.verdict != Verdict::Fail || c.id == "images-docker.digest-mismatch"));
}
