//! The counts of a run, kept once for every format.

use cnab_model::{Catalog, Level};

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
    /// Findings at or above `level` that fail the run (tool notices never do).
    pub failing: usize,
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
            failing: 0,
        }
    }

    /// Counts one checked document.
    pub fn add(&mut self, report: &Report) {
        self.add_file(report.findings.iter().map(|f| (f.level, f.clause.as_str())));
    }

    /// Counts one document given by the level and clause of each finding.
    /// A finding on a tool clause (the tool's own notice, not a spec
    /// verdict) is counted but never fails the document.
    pub fn add_file<'a>(&mut self, findings: impl IntoIterator<Item = (Level, &'a str)>) {
        let catalog = Catalog::embedded();
        let mut any = false;
        let mut fails = false;
        for (level, clause) in findings {
            any = true;
            let failing = catalog.fails(clause, level, self.level);
            fails |= failing;
            self.failing += usize::from(failing);
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

    /// Findings that fail the run: at or above `level`, tool notices aside.
    pub fn failing_findings(&self) -> usize {
        self.failing
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
        s.add_file([(Level::May, "core.bundle.schema")]);
        s.add_file([]);
        s.add_file([
            (Level::Must, "core.bundle.schema"),
            (Level::Should, "core.bundle.schema"),
            (Level::May, "core.bundle.schema"),
        ]);
        assert_eq!(
            (s.files, s.files_with_findings, s.failed_files, s.findings),
            (3, 2, 1, 4)
        );
        assert_eq!((s.must, s.should, s.may), (1, 1, 2));
        assert_eq!(s.failing_findings(), 2);
        assert!(s.fails());
        assert!(!Summary::new(Level::Must).fails());
    }

    #[test]
    fn tool_notices_are_counted_but_never_fail() {
        let mut s = Summary::new(Level::May);
        s.add_file([(Level::May, "doc.kind.known")]);
        assert_eq!((s.files_with_findings, s.findings, s.may), (1, 1, 1));
        assert_eq!((s.failed_files, s.failing_findings()), (0, 0));
        assert!(!s.fails());
    }
}
