//! The probe's behaviour against a directory that stands for the image root.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use cnab_probe::extract::extract_observation;
use cnab_probe::probe::{run, Context, Outcome};
use serde_json::json;

fn write(root: &Path, path: &str, content: &[u8], mode: u32) {
    let full = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(&full, content).unwrap();
    fs::set_permissions(&full, fs::Permissions::from_mode(mode)).unwrap();
}

fn probe(root: &Path, env: &[(&str, &str)]) -> Outcome {
    run(&Context {
        root: root.to_path_buf(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        args: vec!["/cnab/app/run".into()],
        executable: Some("/cnab/app/run".into()),
    })
}

fn bundle() -> serde_json::Value {
    json!({
        "schemaVersion": "v1.0.0",
        "name": "probe-test",
        "version": "0.1.0",
        "invocationImages": [{"imageType": "docker", "image": "probe:test"}],
        "parameters": {
            "port": {"definition": "port", "destination": {"env": "PORT"}},
            "config": {"definition": "config", "destination": {"path": "/etc/app/config.yaml"}},
            "relative": {"definition": "config", "destination": {"path": "relative/param"}}
        },
        "credentials": {
            "token": {"env": "TOKEN", "path": "/home/app/.token"}
        },
        "custom": {
            "io.cnab-conformance.probe": {
                "install": {
                    "outputs": {"address": "10.0.0.1", "port": "8080"},
                    "exitCode": 0,
                    "env": ["EXTRA"],
                    "files": ["/extra/file"],
                    "stdout": "installing\n",
                    "stderr": "warning: pretend\n"
                },
                "uninstall": {"exitCode": 3, "hang": true},
                "*": {"outputs": {"fallback": "yes"}}
            }
        }
    })
}

#[test]
fn records_env_files_and_identity_and_writes_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "/cnab/bundle.json",
        bundle().to_string().as_bytes(),
        0o644,
    );
    write(root, "/cnab/claim.json", b"{\"installation\":\"x\"}", 0o600);
    write(root, "/etc/app/config.yaml", b"a: 1\n", 0o640);
    write(root, "/relative/param", b"rel", 0o600);
    write(root, "/home/app/.token", &[0, 159, 146, 150], 0o400);
    write(root, "/extra/file", b"extra", 0o600);

    let outcome = probe(
        root,
        &[
            ("CNAB_ACTION", "install"),
            ("CNAB_INSTALLATION_NAME", "demo"),
            ("PORT", "8080"),
            ("TOKEN", "secret"),
            ("EXTRA", "e"),
            ("UNRELATED", "not recorded"),
        ],
    );
    let seen = outcome.observation;
    assert_eq!(seen.action.as_deref(), Some("install"));
    assert!(seen.entrypoint_is_run);
    assert_eq!(seen.problems, Vec::<String>::new());
    assert_eq!(seen.env["CNAB_INSTALLATION_NAME"], "demo");
    assert_eq!(seen.env["PORT"], "8080");
    assert_eq!(seen.env["TOKEN"], "secret");
    assert_eq!(seen.env["EXTRA"], "e");
    assert!(!seen.env.contains_key("UNRELATED"));
    assert!(seen.env_names.contains(&"UNRELATED".to_string()));

    let config = &seen.files["/etc/app/config.yaml"];
    assert_eq!(config.kind, "file");
    assert_eq!(config.mode, Some(0o640));
    assert_eq!(config.text.as_deref(), Some("a: 1\n"));
    let token = &seen.files["/home/app/.token"];
    assert_eq!(token.mode, Some(0o400));
    assert_eq!(token.text, None);
    assert_eq!(token.content().unwrap(), vec![0, 159, 146, 150]);
    assert_eq!(seen.files["relative/param"].text.as_deref(), Some("rel"));
    assert_eq!(seen.files["/extra/file"].text.as_deref(), Some("extra"));
    assert_eq!(seen.files["/cnab/claim.json"].mode, Some(0o600));
    assert!(!seen.files["/cnab/app/image-map.json"].exists());
    assert!(!seen.files["/cnab/app/relocation-mapping.json"].exists());
    // The outputs directory is recorded before the probe writes to it.
    assert!(!seen.files["/cnab/app/outputs"].exists());

    assert_eq!(seen.outputs_written, ["address", "port"]);
    assert_eq!(
        fs::read_to_string(root.join("cnab/app/outputs/address")).unwrap(),
        "10.0.0.1"
    );
    assert_eq!(outcome.stdout.as_deref(), Some("installing\n"));
    assert_eq!(outcome.stderr.as_deref(), Some("warning: pretend\n"));
    assert_eq!(seen.exit_code, 0);
}

#[test]
fn directions_are_chosen_by_action_with_a_fallback() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "/cnab/bundle.json",
        bundle().to_string().as_bytes(),
        0o600,
    );
    let uninstall = probe(dir.path(), &[("CNAB_ACTION", "uninstall")]).observation;
    assert_eq!(uninstall.exit_code, 3);
    assert!(uninstall.directions.hang);
    assert!(uninstall.outputs_written.is_empty());
    let custom = probe(dir.path(), &[("CNAB_ACTION", "backup")]).observation;
    assert_eq!(custom.exit_code, 0);
    assert_eq!(custom.outputs_written, ["fallback"]);
}

#[test]
fn bad_directions_are_reported_and_the_good_parts_still_apply() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = json!({
        "custom": {"io.cnab-conformance.probe": {"install": {
            "exitCode": "seven",
            "outputs": {"ok": "1", "bad": 2, "../escape": "x"},
            "colour": "blue",
            "hang": "yes"
        }}}
    });
    write(
        dir.path(),
        "/cnab/bundle.json",
        bundle.to_string().as_bytes(),
        0o600,
    );
    let seen = probe(dir.path(), &[("CNAB_ACTION", "install")]).observation;
    assert_eq!(seen.exit_code, 0);
    assert_eq!(seen.outputs_written, ["ok"]);
    assert_eq!(seen.problems.len(), 5, "{:?}", seen.problems);
    assert!(!seen.directions.hang);
    assert!(seen
        .problems
        .iter()
        .any(|p| p.contains("unknown key `colour`")));
    assert!(seen.problems.iter().any(|p| p.contains("exitCode")));
    assert!(seen.problems.iter().any(|p| p.contains("../escape")));
    assert!(!dir.path().join("cnab/app/escape").exists());
}

#[test]
fn a_missing_or_broken_bundle_is_a_problem_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let seen = probe(dir.path(), &[]).observation;
    assert_eq!(seen.action, None);
    assert_eq!(seen.exit_code, 0);
    assert!(seen.problems[0].starts_with("cannot read /cnab/bundle.json"));

    write(dir.path(), "/cnab/bundle.json", b"{not json", 0o600);
    let seen = probe(dir.path(), &[("CNAB_ACTION", "install")]).observation;
    assert!(seen.problems[0].contains("not JSON"), "{:?}", seen.problems);
    assert_eq!(
        seen.files["/cnab/bundle.json"].text.as_deref(),
        Some("{not json")
    );
}

#[test]
fn large_files_are_cut_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![b'a'; cnab_probe::probe::MAX_FILE_BYTES as usize + 10];
    write(dir.path(), "/cnab/claim.json", &big, 0o600);
    let seen = probe(dir.path(), &[]).observation;
    let claim = &seen.files["/cnab/claim.json"];
    assert!(claim.truncated);
    assert_eq!(claim.size, Some(big.len() as u64));
    assert_eq!(
        claim.text.as_ref().unwrap().len() as u64,
        cnab_probe::probe::MAX_FILE_BYTES
    );
}

#[test]
fn the_binary_prints_a_marked_observation_and_is_not_run_from_cnab_app() {
    let output = Command::new(env!("CARGO_BIN_EXE_cnab-probe"))
        .env("CNAB_ACTION", "status")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let seen = extract_observation(&String::from_utf8_lossy(&output.stdout)).unwrap();
    assert_eq!(seen.action.as_deref(), Some("status"));
    assert!(!seen.entrypoint_is_run);
    assert!(seen
        .executable
        .as_deref()
        .is_some_and(|e| e.ends_with("cnab-probe")));
}
