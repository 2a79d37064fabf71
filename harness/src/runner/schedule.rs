//! Scheduling: the scratch directory of a run, and the cases spread over the
//! adapter and its forks, each case in its own directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use cnab_report::{CaseReport, RuntimeInfo};

use super::{steps, RunOptions};
use crate::adapter::protocol::InfoResponse;
use crate::adapter::Adapter;
use crate::case::LoadedCase;
use crate::driver::OBSERVER_DRIVER_NAME;

/// The private directory of a run, removed when dropped: the observer link
/// under `bin/` and one directory per case under `cases/`.
pub struct Scratch {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Scratch {
    /// Makes the directory and links the observer (`cnab-<observer driver>`)
    /// to `observer_exe`.
    pub fn new(observer_exe: &Path) -> std::io::Result<Scratch> {
        // Private (0700): case directories hold observation files with
        // credential values.
        let dir = tempfile::Builder::new()
            .prefix("cnab-conformance-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()?;
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin)?;
        std::os::unix::fs::symlink(
            observer_exe,
            bin.join(format!("cnab-{OBSERVER_DRIVER_NAME}")),
        )?;
        Ok(Scratch { dir, bin })
    }

    /// The directory the runtime's driver is looked up in.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// The directory of the `i`-th case.
    fn case_dir(&self, i: usize) -> PathBuf {
        self.dir.path().join("cases").join(format!("{i:04}"))
    }
}

/// Runs every chosen case, in parallel over forks of the adapter when it can
/// fork and `jobs` allows; the reports come back in the order of `chosen`.
pub fn run_cases(
    adapter: &mut dyn Adapter,
    chosen: &[&LoadedCase],
    opts: &RunOptions,
    scratch: &Scratch,
    runtime: &RuntimeInfo,
    info: Option<&InfoResponse>,
) -> Vec<CaseReport> {
    let one_case = |adapter: &mut dyn Adapter, i: usize, lc: &LoadedCase| {
        one_case(adapter, i, lc, opts, scratch, runtime, info)
    };
    let done = AtomicUsize::new(0);
    let progress = |report: &CaseReport| {
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        if opts.progress {
            eprintln!(
                "[{}/{}] {:<15} {}",
                n,
                chosen.len(),
                report.verdict.as_str(),
                report.id
            );
        }
    };

    // Workers: the adapter itself plus up to `jobs - 1` forks of it. An
    // adapter that cannot fork runs the cases one after another.
    let mut forks: Vec<Box<dyn Adapter + Send>> = Vec::new();
    for _ in 1..opts.jobs.max(1).min(chosen.len()) {
        match adapter.fork() {
            Some(f) => forks.push(f),
            None => break,
        }
    }
    if forks.is_empty() {
        return chosen
            .iter()
            .enumerate()
            .map(|(i, lc)| {
                let r = one_case(adapter, i, lc);
                progress(&r);
                r
            })
            .collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<CaseReport>>> = chosen.iter().map(|_| Mutex::new(None)).collect();
    let work = |adapter: &mut dyn Adapter| loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some(lc) = chosen.get(i) else { break };
        let r = one_case(adapter, i, lc);
        progress(&r);
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
    };
    std::thread::scope(|scope| {
        for mut f in forks {
            let work = &work;
            scope.spawn(move || work(f.as_mut()));
        }
        work(adapter);
    });
    slots
        .into_iter()
        .zip(chosen)
        .map(|(slot, lc)| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| {
                    steps::error(
                        steps::skipped(lc, String::new()),
                        "the worker running this case stopped".into(),
                    )
                })
        })
        .collect()
}

/// Runs the `i`-th case in its own directory, or says why it cannot run.
fn one_case(
    adapter: &mut dyn Adapter,
    i: usize,
    lc: &LoadedCase,
    opts: &RunOptions,
    scratch: &Scratch,
    runtime: &RuntimeInfo,
    info: Option<&InfoResponse>,
) -> CaseReport {
    let t0 = Instant::now();
    let workdir = scratch.case_dir(i);
    let cannot = |reason: String| steps::error(steps::skipped(lc, String::new()), reason);
    let mut report = match (info, std::fs::create_dir_all(&workdir)) {
        (_, Err(e)) => cannot(format!("cannot create the case directory: {e}")),
        (None, Ok(())) => cannot(format!(
            "adapter `info` failed: {}",
            runtime.info_error.clone().unwrap_or_default()
        )),
        (Some(_), Ok(())) if super::interrupted().is_some() => cannot(format!(
            "the run was interrupted ({}) before this case started",
            super::interrupted().unwrap_or_default()
        )),
        (Some(info), Ok(())) => {
            steps::run_case(adapter, lc, info, scratch.bin(), &workdir, &opts.driver)
        }
    };
    report.duration_ms = t0.elapsed().as_millis() as u64;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_links_the_observer_and_is_removed_when_dropped() {
        let scratch = Scratch::new(Path::new("/bin/true")).unwrap();
        let link = scratch.bin().join(format!("cnab-{OBSERVER_DRIVER_NAME}"));
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("/bin/true"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(scratch.dir.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(scratch.case_dir(7).ends_with("cases/0007"));
        let root = scratch.dir.path().to_path_buf();
        drop(scratch);
        assert!(!root.exists());
    }
}
