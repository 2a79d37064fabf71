//! Stop signals: SIGINT (Ctrl-C), SIGTERM and SIGHUP during a run.
//!
//! [`catch_stop_signals`] makes each of them set a flag instead of ending the
//! process. Adapter and driver calls in flight see the flag, kill their
//! process group and everything that escaped it
//! ([`crate::adapter::process`]) and answer "interrupted"; the runner starts
//! no further case and marks the cases it could not finish as `error`; the
//! command line then writes the partial report, ends every descendant,
//! removes the scratch directory (and, with `--driver docker`, the run's
//! containers) and exits 2.
//!
//! SIGTERM and SIGHUP are passed on as SIGINT to this process, so that a
//! handler that only listens for Ctrl-C (the Docker engine's, while a
//! container runs) hears them too.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The plain SIGINT handler installed before ours (the Docker driver's), 0
/// when there was none; ours calls it, so its flag is set too.
static PREVIOUS_SIGINT: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_stop(sig: libc::c_int) {
    if sig == libc::SIGINT {
        let previous = PREVIOUS_SIGINT.load(Ordering::SeqCst);
        if previous != 0 {
            // SAFETY: a plain handler (`fn(c_int)`, no SA_SIGINFO) that was
            // installed for SIGINT before this one.
            let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(previous) };
            f(sig);
        }
    }
    let first = SIGNAL
        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    if first && sig != libc::SIGINT {
        // SAFETY: raise is async-signal-safe; SIGINT's handler only stores
        // to atomics (this one finds the flag already set).
        unsafe {
            libc::raise(libc::SIGINT);
        }
    }
}

/// Makes SIGINT, SIGTERM and SIGHUP set the stop flag. A plain SIGINT
/// handler installed before (the Docker driver's) is still called.
pub fn catch_stop_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installing a handler that only touches an atomic and
        // calls raise, both async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            let handler: extern "C" fn(libc::c_int) = on_stop;
            action.sa_sigaction = handler as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, &action, &mut old);
            let previous = old.sa_sigaction;
            if sig == libc::SIGINT
                && old.sa_flags & libc::SA_SIGINFO == 0
                && previous != libc::SIG_DFL
                && previous != libc::SIG_IGN
                && previous != handler as libc::sighandler_t
            {
                PREVIOUS_SIGINT.store(previous, Ordering::SeqCst);
            }
        }
    }
}

/// The name of the first stop signal received, if one was.
pub fn requested() -> Option<&'static str> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        libc::SIGINT => Some("SIGINT"),
        libc::SIGTERM => Some("SIGTERM"),
        libc::SIGHUP => Some("SIGHUP"),
        _ => Some("a signal"),
    }
}

/// Records a stop as if `signal` had arrived (for callers that learn of an
/// interruption another way, such as the Docker engine's Ctrl-C).
pub fn request(signal: libc::c_int) {
    let _ = SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
}
