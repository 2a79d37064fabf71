//! The exit codes of `cnab-validate`, in one place.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | every document is clean at the chosen `--level` (`fmt --check`: every file is canonical) |
//! | 1 | some finding is at or above `--level` (`fmt --check`: some file is not canonical or does not parse) |
//! | 2 | usage error (bad flag, unknown clause), or a file could not be read or written |

/// Everything checked is clean.
pub const CLEAN: u8 = 0;
/// Findings at or above the chosen level.
pub const FINDINGS: u8 = 1;
/// Usage or I/O error.
pub const ERROR: u8 = 2;
