//! The library's hints and given values, worded with this command line's
//! flags: what the user can type to act on a finding, and which flag gave
//! a kind or version.
//!
//! The integration tests include this file too (`tests/it/util.rs`), so
//! that output rendered through the library reads as the binary's; it
//! therefore names the library as `cnab_validator`, never `crate`.

use cnab_validator::detect::GIVEN;
use cnab_validator::{Decision, Hint, Origin, Report};

/// Words every hint of `report` and names the flags that gave its kind and
/// version.
pub fn word(report: &mut Report) {
    for (i, hint) in report.hints() {
        let words = match hint {
            Hint::NameTheKind => " (use --kind to say)",
            Hint::WriteCanonical => "; `cnab-validate fmt --write` fixes it",
            _ => "",
        };
        report.findings[i].message.push_str(words);
    }
    given(&mut report.kind, "--kind");
    given(&mut report.version, "--spec-version");
}

/// Names `flag` in the reason of a value the caller gave.
fn given<T>(decision: &mut Decision<T>, flag: &str) {
    if decision.origin != Origin::Override {
        return;
    }
    if let Some(rest) = decision.reason.strip_prefix(GIVEN) {
        decision.reason = format!("given with {flag}{rest}");
    }
}
