//! The scheduler of `check`: documents are checked on worker threads and
//! written in input order, as soon as each and every earlier one are done.

/// Runs `work` over `items` on `jobs` worker threads and hands each result to
/// `emit` in input order, as soon as it and every earlier one are done.
///
/// Workers never run more than `window` items ahead of the next one to emit,
/// so at most `jobs` items are being worked on and at most `window` results
/// wait for an earlier one. `emit` is called on the calling thread; when it
/// fails, the workers stop taking items and the error is returned. `flush`
/// is called whenever no further result is ready.
pub fn ordered_parallel<I, T, E>(
    items: &[I],
    jobs: usize,
    window: usize,
    work: impl Fn(&I) -> T + Sync,
    mut emit: impl FnMut(T) -> std::result::Result<(), E>,
    mut flush: impl FnMut() -> std::result::Result<(), E>,
) -> std::result::Result<(), E>
where
    I: Sync,
    T: Send,
{
    use std::collections::BTreeMap;
    use std::sync::{mpsc, Condvar, Mutex};

    struct Progress {
        next: usize,
        emitted: usize,
        stop: bool,
    }
    let window = window.max(1);
    let state = Mutex::new(Progress {
        next: 0,
        emitted: 0,
        stop: false,
    });
    let moved = Condvar::new();
    let (tx, rx) = mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            let tx = tx.clone();
            let (state, moved, work) = (&state, &moved, &work);
            // Deeply nested documents (up to the parser's depth limit)
            // recurse in the schema validator and the rules, so the workers
            // get a generous stack.
            std::thread::Builder::new()
                .name("cnab-validate-worker".into())
                .stack_size(64 << 20)
                .spawn_scoped(scope, move || loop {
                    let i = {
                        let mut p = state.lock().unwrap_or_else(|e| e.into_inner());
                        while !p.stop && p.next < items.len() && p.next >= p.emitted + window {
                            p = moved.wait(p).unwrap_or_else(|e| e.into_inner());
                        }
                        if p.stop || p.next >= items.len() {
                            return;
                        }
                        p.next += 1;
                        p.next - 1
                    };
                    let done =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&items[i])));
                    let result = match done {
                        Ok(result) => result,
                        Err(panic) => {
                            // The other workers would wait forever for this
                            // item to be written: stop them, then let the
                            // panic reach the scope.
                            state.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
                            moved.notify_all();
                            std::panic::resume_unwind(panic);
                        }
                    };
                    if tx.send((i, result)).is_err() {
                        return;
                    }
                })
                .expect("the operating system starts a worker thread");
        }
        drop(tx);
        let mut pending: BTreeMap<usize, T> = BTreeMap::new();
        let mut emitted = 0;
        let mut outcome = Ok(());
        while emitted < items.len() {
            let Ok(first) = rx.recv() else { break };
            pending.insert(first.0, first.1);
            // Take every result that is already waiting, so that the output
            // is flushed once per batch rather than once per file.
            while let Ok((i, result)) = rx.try_recv() {
                pending.insert(i, result);
            }
            let before = emitted;
            while let Some(result) = pending.remove(&emitted) {
                if let Err(e) = emit(result) {
                    outcome = Err(e);
                    break;
                }
                emitted += 1;
            }
            if outcome.is_ok() && emitted > before {
                outcome = flush();
            }
            let mut p = state.lock().unwrap_or_else(|e| e.into_inner());
            p.emitted = emitted;
            p.stop = outcome.is_err();
            moved.notify_all();
            drop(p);
            if outcome.is_err() {
                break;
            }
        }
        drop(rx);
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_worker_does_not_leave_the_others_waiting() {
        let items: Vec<usize> = (0..100).collect();
        // A narrow window: without the stop, the other worker would wait
        // forever for item 3 to be written.
        let outcome = std::panic::catch_unwind(|| {
            ordered_parallel(
                &items,
                2,
                2,
                |i| {
                    assert_ne!(*i, 3, "a worker fails on item 3");
                    *i
                },
                |_| Ok::<(), ()>(()),
                || Ok(()),
            )
        });
        assert!(outcome.is_err());
    }

    #[test]
    fn ordered_parallel_keeps_the_order_and_stops_on_error() {
        let items: Vec<usize> = (0..200).collect();
        let mut seen = Vec::new();
        let r: std::result::Result<(), String> = ordered_parallel(
            &items,
            3,
            4,
            |i| {
                // Uneven work lets later items finish before earlier ones.
                let spins = (i * 7919) % 13 * 1000;
                (0..spins).fold(*i, |a, b| std::hint::black_box(a ^ b) ^ b) * 2
            },
            |v| {
                seen.push(v);
                Ok(())
            },
            || Ok(()),
        );
        assert!(r.is_ok());
        assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let mut count = 0;
        let r = ordered_parallel(
            &items,
            2,
            4,
            |i| *i,
            |v| {
                count += 1;
                if v == 10 {
                    Err(format!("stop at {v}"))
                } else {
                    Ok(())
                }
            },
            || Ok(()),
        );
        assert_eq!(r, Err("stop at 10".to_string()));
        assert_eq!(count, 11);
    }
}
