//! Bundle content cannot make the reference runtime's command driver read
//! outside the output directory: a hostile image that plants a symlink to a
//! secret, and output paths with `..`, yield no secret, only notes.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use cnab_harness::driver::{CommandDriver, Driver, Operation};

#[test]
fn hostile_output_paths_and_symlinks_never_leak_a_file_outside_the_output_dir() {
    let d = tempfile::tempdir().unwrap();
    let secret = d.path().join("secret.txt");
    std::fs::write(&secret, "SECRET-VALUE").unwrap();
    // The "image": writes one honest output, a symlink to the secret, and a
    // file next to the output directory.
    let script = d.path().join("cnab-evil");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat >/dev/null\no=\"$CNAB_OUTPUT_DIR/cnab/app/outputs\"\nmkdir -p \"$o\"\n\
             printf honest > \"$o/ok\"\nln -s {} \"$o/leak\"\nprintf outside > \"$CNAB_OUTPUT_DIR/../outside\"\n",
            secret.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    let env: BTreeMap<String, String> = BTreeMap::from([(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    )]);
    let driver = CommandDriver::locate(
        "evil",
        &[d.path().to_path_buf()],
        env,
        d.path(),
        Duration::from_secs(30),
    )
    .unwrap();
    let op = Operation {
        installation_name: "i".into(),
        revision: "01E5G8ZYP714JVM8NHTJQ4FH15".into(),
        action: "install".into(),
        parameters: BTreeMap::new(),
        image: serde_json::json!({"image": "example.com/x:1", "imageType": "docker"}),
        environment: BTreeMap::new(),
        files: BTreeMap::new(),
        outputs: BTreeMap::from([
            ("/cnab/app/outputs/ok".to_string(), "ok".to_string()),
            ("/cnab/app/outputs/leak".to_string(), "leak".to_string()),
            (
                "/cnab/app/outputs/../../../outside".to_string(),
                "up".to_string(),
            ),
            (secret.display().to_string(), "absolute".to_string()),
        ]),
        bundle: serde_json::json!({}),
    };
    let result = driver.run(&op).unwrap();
    assert_eq!(result.exit_code, Some(0), "{result:?}");
    assert_eq!(result.outputs.get("ok").map(String::as_str), Some("honest"));
    for (name, value) in &result.outputs {
        assert!(!value.contains("SECRET"), "output {name} leaked the secret");
        assert!(
            !value.contains("outside"),
            "output {name} read outside the dir"
        );
    }
    for name in ["leak", "up", "absolute"] {
        assert!(!result.outputs.contains_key(name), "{name}: {result:?}");
    }
    assert!(
        result.notes.iter().any(|n| n.starts_with("output leak:")),
        "the symlink is noted: {:?}",
        result.notes
    );
}
