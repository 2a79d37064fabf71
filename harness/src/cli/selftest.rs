//! `cnab-conformance selftest`: the mutation score, of the built-in reference or of an external runtime.

use super::*;

/// `selftest`: the reference and its mutants.
pub(super) fn selftest(mutants: Vec<Mutant>, driver: DriverArg, timeout: u64) -> Result<ExitCode> {
    let cases = load_cases(None)?;
    let docker = driver == DriverArg::Docker;
    let mutants = if mutants.is_empty() {
        default_mutants(docker)
    } else {
        mutants
    };
    if let Some(m) = mutants.iter().find(|m| m.needs_docker() && !docker) {
        bail!("mutant `{m}` can only be caught with --driver docker");
    }
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let driver = driver.driver_kind(false)?;
    cnab_harness::procs::become_subreaper();
    cnab_harness::stop::catch_stop_signals();
    let st = run_selftest_with(
        &cases,
        exe,
        Duration::from_secs(timeout.max(1)),
        &mutants,
        std::io::stderr().is_terminal(),
        driver.clone(),
    );
    end_leftovers();
    if docker_cleanup(&driver) | cnab_harness::stop::requested().is_some() {
        eprintln!("cnab-conformance: interrupted");
        return Ok(ExitCode::from(EXIT_CANNOT_RUN));
    }
    let st = st?;
    write_stdout(&st.summary())?;
    Ok(ExitCode::from(if st.is_success() {
        EXIT_OK
    } else {
        EXIT_FAILURES
    }))
}

/// `selftest --runtime`: an external runtime and the mutants it can play.
pub(super) fn selftest_external(
    mutants: Vec<Mutant>,
    runtime: ExternalRuntime,
    driver: DriverArg,
    timeout: u64,
) -> Result<ExitCode> {
    if !runtime.program.is_file() {
        bail!("adapter `{}` is not a file", runtime.program.display());
    }
    let cases = load_cases(None)?;
    let docker = driver == DriverArg::Docker;
    let mutants = if !mutants.is_empty() {
        mutants
    } else if docker {
        // The mutants only a real container shows.
        Mutant::ALL
            .iter()
            .copied()
            .filter(|m| m.needs_docker())
            .collect()
    } else {
        default_mutants(false)
    };
    if let Some(m) = mutants.iter().find(|m| m.needs_docker() && !docker) {
        bail!("mutant `{m}` can only be caught with --driver docker");
    }
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let driver = driver.driver_kind(true)?;
    let mut opts = RunOptions::new(exe);
    opts.timeout = Duration::from_secs(timeout.max(1));
    opts.driver = driver.clone();
    let st = run_selftest_external(
        &cases,
        opts,
        &mutants,
        &runtime,
        std::io::stderr().is_terminal(),
    );
    if docker_cleanup(&driver) {
        eprintln!("cnab-conformance: interrupted");
        return Ok(ExitCode::from(EXIT_CANNOT_RUN));
    }
    let st = st?;
    write_stdout(&st.summary())?;
    Ok(ExitCode::from(if st.is_success() {
        EXIT_OK
    } else {
        EXIT_FAILURES
    }))
}
