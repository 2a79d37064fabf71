//! The probe's entry point: `/cnab/app/run` inside the probe image.

use std::io::Write;

fn main() {
    let context = cnab_probe::probe::Context {
        root: "/".into(),
        env: std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        args: std::env::args_os().collect(),
        executable: std::fs::read_link("/proc/self/exe").ok(),
    };
    let outcome = cnab_probe::probe::run(&context);
    if let Some(text) = &outcome.stderr {
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    let mut stdout = std::io::stdout().lock();
    if let Some(text) = &outcome.stdout {
        let _ = stdout.write_all(text.as_bytes());
    }
    let _ = stdout.write_all(cnab_probe::extract::render(&outcome.observation).as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    if outcome.observation.directions.hang {
        // Stay alive until the runtime kills the container.
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    std::process::exit(outcome.observation.exit_code);
}
