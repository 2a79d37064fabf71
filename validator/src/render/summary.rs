//! The counts of a run, kept once for every format.

use cnab_model::Level;

use crate::Report;

/// Files and findings of a run, counted as the files come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The level at which a finding fails the run.
    pub level: Level,
    /// Documents checked.
    pub files: usize,
    /// Documents with a finding at or above `level`.
    pub failed_files: usize,
    /// Documents with any finding.
    pub files_with_findings: usize,
    /// All findings.
    pub findings: usize,
    /// Findings at level must.
    pub must: usize,
    /// Findings at level should.
    pub should: usize,
    /// Findings at level may.
    pub may: usize,
}

impl Summary {
    /// Nothing counted yet.
    pub fn new(level: Level) -> Summary {
        Summary {
            level,
            files: 0,
            failed_files: 0,
            files_with_findings: 0,
            findings: 0,
            must: 0,
            should: 0,
            may: 0,
        }
    }

    /// Counts one checked document.
    pub fn add(&mut self, report: &Report) {
        self.add_file(report.findings.iter().map(|f| f.level));
    }

    /// Counts one document given by the levels of its findings.
    pub fn add_file(&mut self, levels: impl IntoIterator<Item = Level>) {
        let mut any = false;
        let mut fails = false;
        for level in levels {
            any = true;
            fails |= level >= self.level;
            self.findings += 1;
            match level {
                Level::Must => self.must += 1,
                Level::Should => self.should += 1,
                Level::May => self.may += 1,
            }
        }
        self.files += 1;
        self.files_with_findings += usize::from(any);
        self.failed_files += usize::from(fails);
    }

    /// Findings at or above `level`.
    pub fn failing_findings(&self) -> usize {
        [
            (Level::Must, self.must),
            (Level::Should, self.should),
            (Level::May, self.may),
        ]
        .iter()
        .filter(|(l, _)| *l >= self.level)
        .map(|(_, n)| n)
        .sum()
    }

    /// Whether any document fails at `level`.
    pub fn fails(&self) -> bool {
        self.failed_files > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_files_findings_and_failures_at_the_level() {
        let mut s = Summary::new(Level::Should);
        s.add_file([Level::May]);
        s.add_file([]);
        s.add_file([Level::Must, Level::Should, Level::May]);
        assert_eq!(
            (s.files, s.files_with_findings, s.failed_files, s.findings),
            (3, 2, 1, 4)
        );
        assert_eq!((s.must, s.should, s.may), (1, 1, 2));
        assert_eq!(s.failing_findings(), 2);
        assert!(s.fails());
        assert!(!Summary::new(Level::Must).fails());
    }
}
