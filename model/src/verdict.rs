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
    /// A clause only: every case that checks it stopped before judging it,
    /// because a precondition step (one the case needs to succeed to go on)
    /// did not succeed. Nothing was observed for or against the clause; the
    /// case itself is an `error`. Never a case verdict.
    NotReached,
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
            Verdict::NotReached => "not-reached",
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
    /// wins (error, fail, unexpected pass, xfail, pass, not reached, skip).
    pub fn aggregate(verdicts: impl IntoIterator<Item = Verdict>) -> Option<Verdict> {
        fn rank(v: Verdict) -> u8 {
            match v {
                Verdict::Error => 6,
                Verdict::Fail => 5,
                Verdict::UnexpectedPass => 4,
                Verdict::Xfail => 3,
                Verdict::Pass => 2,
                Verdict::NotReached => 1,
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
        assert_eq!(Verdict::aggregate([NotReached, Skip]), Some(NotReached));
        assert_eq!(Verdict::aggregate([NotReached, Pass]), Some(Pass));
        assert_eq!(Verdict::aggregate([NotReached, Fail]), Some(Fail));
    }
}
