//! Verdicts: what the harness concludes about a case or a clause.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The outcome of one conformance case (or the aggregate for one clause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every expectation held.
    Pass,
    /// The runtime was observed breaking an expectation.
    Fail,
    /// The case was not run, with a reason (an optional capability is missing).
    Skip,
    /// The adapter or the harness broke; nothing can be said about the runtime.
    Error,
    /// A failure listed in the runtime's expected-failures file.
    Xfail,
    /// A case listed as an expected failure passed.
    UnexpectedPass,
}

impl Verdict {
    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
            Verdict::Error => "error",
            Verdict::Xfail => "xfail",
            Verdict::UnexpectedPass => "unexpected-pass",
        }
    }

    /// Whether this verdict makes a run unsuccessful.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Verdict::Fail | Verdict::Error | Verdict::UnexpectedPass
        )
    }

    /// Combines the verdicts of several cases into one for a clause: the worst
    /// wins (error, fail, unexpected pass, xfail, pass, skip).
    pub fn aggregate(verdicts: impl IntoIterator<Item = Verdict>) -> Option<Verdict> {
        fn rank(v: Verdict) -> u8 {
            match v {
                Verdict::Error => 5,
                Verdict::Fail => 4,
                Verdict::UnexpectedPass => 3,
                Verdict::Xfail => 2,
                Verdict::Pass => 1,
                Verdict::Skip => 0,
            }
        }
        verdicts.into_iter().max_by_key(|v| rank(*v))
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_verdict_wins() {
        use Verdict::*;
        assert_eq!(Verdict::aggregate([Pass, Skip, Fail, Pass]), Some(Fail));
        assert_eq!(Verdict::aggregate([Pass, Skip]), Some(Pass));
        assert_eq!(Verdict::aggregate([Fail, Error]), Some(Error));
        assert_eq!(Verdict::aggregate([]), None);
    }
}
