//! `cnab-bench harness`: the suite on the Docker path against as many bare
//! container runs of the probe image, with and without the copy-in.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use cnab_bench::child::{self, Usage};

use super::*;

/// One timed suite run: its usage and its report.
fn suite_run(conformance: &Path, jobs: usize, report: &Path) -> Result<(Usage, serde_json::Value)> {
    let mut cmd = Command::new(conformance);
    cmd.args(["run", "--driver", "docker", "--jobs", &jobs.to_string()])
        .arg("--out")
        .arg(report)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let usage = child::run(&mut cmd)?;
    if !matches!(usage.code, Some(0 | 1)) {
        bail!(
            "`{} run --driver docker` failed ({:?}); run it by hand to see why",
            conformance.display(),
            usage.code
        );
    }
    let text = fs::read(report).context("the suite wrote no report")?;
    let value = serde_json::from_slice(&text).context("the suite's report is not JSON")?;
    Ok((usage, value))
}

/// The files a CNAB Docker driver copies into every container of a suite
/// step, at their typical sizes: the bundle, the claim, the image map.
fn typical_files() -> std::collections::BTreeMap<String, Vec<u8>> {
    let bundle = serde_json::json!({
        "schemaVersion": "v1.2.0",
        "name": "conformance-bench",
        "version": "0.1.0",
        "invocationImages": [{"imageType": "docker", "image": "probe"}],
        "parameters": {"port": {"definition": "port", "destination": {"env": "PORT"}}},
        "definitions": {"port": {"type": "integer", "default": 8080}},
        "outputs": {"address": {"definition": "address", "path": "/cnab/app/outputs/address"}},
        "custom": {"io.cnab-conformance.probe": {"install": {"exitCode": 0}}},
    });
    let claim = serde_json::json!({
        "schemaVersion": "CNAB-Claims-1.0.0",
        "id": "01M8FWRVJBMJZ1TXFAYQBDFAHA",
        "installation": "bench",
        "revision": "01M8FWRVJBMJZ1TXFAYQBDFAHA",
        "created": "2026-11-28T00:00:00Z",
        "action": "install",
        "bundle": bundle,
        "parameters": {"port": 8080},
    });
    [
        ("/cnab/bundle.json", bundle.to_string()),
        ("/cnab/claim.json", claim.to_string()),
        ("/cnab/app/image-map.json", "{}".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_bytes()))
    .collect()
}

/// The wall times of `harness`, one per round.
struct Walls {
    serial: Vec<Duration>,
    parallel: Vec<Duration>,
    bare: Vec<Duration>,
    copied: Vec<Duration>,
    cli: Vec<Duration>,
}

/// Writes the table of wall times and the harness overhead of `harness`.
fn write_walls(out: &mut impl Write, jobs: usize, containers: usize, w: &Walls) -> Result<()> {
    use cnab_bench::docker_path::{median, overhead};

    let Walls {
        serial,
        parallel,
        bare,
        copied,
        cli,
    } = w;
    let secs = |d: Duration| d.as_secs_f64();
    let rows: Vec<(String, &Vec<Duration>)> = [
        ("suite -j1, wall".to_string(), serial),
        (format!("suite -j{jobs}, wall"), parallel),
        (
            format!("{containers} bare runs: create/start/wait/remove"),
            bare,
        ),
        (format!("{containers} bare runs + copy files in"), copied),
        (format!("{containers} x docker run --rm (CLI)"), cli),
    ]
    .into_iter()
    .filter(|(_, walls)| !walls.is_empty())
    .collect();
    for (label, walls) in &rows {
        let m = median(walls);
        writeln!(
            out,
            "{label:<44} {:>7.2} s {:>7.2} s {:>7.2} s {:>8.1} ms",
            secs(m),
            secs(*walls.iter().min().unwrap_or(&m)),
            secs(*walls.iter().max().unwrap_or(&m)),
            1e3 * secs(m) / containers as f64
        )?;
    }
    writeln!(out, "harness overhead, (suite wall - bare sum) / bare sum:")?;
    let pct = |s: &[Duration], b: &[Duration]| 100.0 * overhead(median(s), median(b));
    writeln!(
        out,
        "  suite -j{jobs} against bare runs:            {:+6.1}%",
        pct(parallel, bare)
    )?;
    writeln!(
        out,
        "  suite -j1 against bare runs:            {:+6.1}%",
        pct(serial, bare)
    )?;
    writeln!(
        out,
        "  suite -j1 against bare runs + copy-in:  {:+6.1}%",
        pct(serial, copied)
    )?;
    if !cli.is_empty() {
        writeln!(
            out,
            "  suite -j1 against docker run --rm:      {:+6.1}%",
            pct(serial, cli)
        )?;
    }
    Ok(())
}

pub(crate) fn harness(args: HarnessArgs) -> Result<u8> {
    use cnab_bench::docker_path::{case_verdicts, container_runs};

    let exe = std::env::current_exe().context("cannot find this program's path")?;
    let conformance = args
        .conformance
        .unwrap_or_else(|| exe.with_file_name("cnab-conformance"));
    if !conformance.is_file() {
        bail!(
            "no cnab-conformance at `{}`: build it with `cargo build --release -p cnab-harness` or pass --conformance",
            conformance.display()
        );
    }
    let jobs = jobs_default(args.jobs);
    let engine = cnab_docker::Engine::connect().context("no Docker engine")?;
    let probe = cnab_harness::driver::docker::prepare_probe_image()
        .map_err(|e| anyhow::anyhow!("cannot prepare the probe image: {e}"))?;
    let out_dir = std::env::temp_dir().join(format!("cnab-bench-harness-{}", std::process::id()));
    fs::create_dir_all(&out_dir)?;
    let report_path = out_dir.join("report.json");
    let run_id = format!("cnab-bench-{}", std::process::id());
    let no_files = std::collections::BTreeMap::new();
    let files = typical_files();

    // The warm-up: page cache, probe image check and push, engine caches.
    let (_, warm) = suite_run(&conformance, 1, &report_path)?;
    let containers = container_runs(&warm).map_err(anyhow::Error::msg)?;
    if containers == 0 {
        bail!("the suite ran no container; is the Docker path in use?");
    }
    let (cases, passed) = case_verdicts(&warm);
    engine.run_bare(&probe.reference, &run_id, &files)?;

    let timed = |f: &dyn Fn() -> Result<()>| -> Result<Duration> {
        let start = Instant::now();
        for _ in 0..containers {
            f()?;
        }
        Ok(start.elapsed())
    };
    let suite = |jobs: usize, round: usize| -> Result<Duration> {
        let (usage, report) = suite_run(&conformance, jobs, &report_path)?;
        let ran = container_runs(&report).map_err(anyhow::Error::msg)?;
        if ran != containers {
            bail!("round {round}: the suite ran {ran} containers, the warm-up {containers}");
        }
        Ok(usage.wall)
    };
    let (mut serial, mut parallel, mut bare, mut copied, mut cli) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..args.runs.max(1) {
        serial.push(suite(1, round)?);
        parallel.push(suite(jobs, round)?);
        bare.push(timed(&|| {
            engine.run_bare(&probe.reference, &run_id, &no_files)?;
            Ok(())
        })?);
        copied.push(timed(&|| {
            engine.run_bare(&probe.reference, &run_id, &files)?;
            Ok(())
        })?);
        if args.cli {
            cli.push(timed(&|| {
                let status = Command::new("docker")
                    .args(["run", "--rm", "--network", "none", &probe.reference])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .context("cannot run the docker CLI")?;
                if !status.success() {
                    bail!("`docker run --rm {}` failed: {status}", probe.reference);
                }
                Ok(())
            })?);
        }
    }
    let _ = fs::remove_dir_all(&out_dir);
    let _ = engine.cleanup_run(&run_id);

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "docker: engine {}, probe image {}",
        engine.host(),
        probe.reference
    )?;
    writeln!(
        out,
        "suite: `cnab-conformance run --driver docker`: {cases} cases ({passed} pass), {containers} container runs; median of {} round(s)",
        serial.len()
    )?;
    writeln!(
        out,
        "{:<44} {:>9} {:>9} {:>9} {:>11}",
        "", "median", "min", "max", "per run"
    )?;
    let walls = Walls {
        serial,
        parallel,
        bare,
        copied,
        cli,
    };
    write_walls(&mut out, jobs, containers, &walls)?;
    Ok(0)
}
