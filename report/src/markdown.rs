//! A Markdown summary that fits a pull-request comment.
//!
//! It holds a totals table (one row per runtime), then for each runtime a
//! table per clause family and every case that did not pass, with its
//! evidence folded under `<details>`. Expected failures and skips follow as
//! short lists. Evidence is cut to [`EVIDENCE_MAX`] bytes per case, and the
//! whole text stays under a limit ([`LIMIT`] by default, below GitHub's
//! 65,536 characters per comment): entries that would cross it are left out
//! and counted in a closing note.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cnab_model::Verdict;

use crate::html::escape_html;
use crate::model::{truncate_bytes_with_note, CaseReport, RunReport, VERDICTS};

/// The default size limit of the summary, in bytes (at least as many as
/// characters).
pub const LIMIT: usize = 65_000;

/// The longest evidence shown for one case, in bytes.
pub const EVIDENCE_MAX: usize = 1_500;

/// Room kept for the closing note.
const NOTE_RESERVE: usize = 400;

/// Text that grows until a limit, then refuses more and counts what it refused.
struct Budget {
    out: String,
    limit: usize,
    full: bool,
    omitted: usize,
}

impl Budget {
    /// Adds a block if it fits (and nothing was refused before); else counts it.
    fn add(&mut self, block: &str) {
        if !self.full && self.out.len() + block.len() + NOTE_RESERVE <= self.limit {
            self.out.push_str(block);
        } else {
            self.full = true;
            self.omitted += 1;
        }
    }
}

/// Renders one or several reports under `limit` bytes.
pub fn render(reports: &[RunReport], limit: usize) -> String {
    let labels = crate::labels(reports);
    let mut b = Budget {
        out: String::new(),
        limit,
        full: false,
        omitted: 0,
    };
    b.add("## CNAB conformance\n\n");
    b.add(&totals_table(reports, &labels));
    for (report, label) in reports.iter().zip(&labels) {
        b.add(&format!("\n### {}\n\n", inline(label)));
        b.add(&run_line(report));
        b.add(&family_table(report));
        let bad: Vec<&CaseReport> = report.cases.iter().filter(|c| c.verdict.is_bad()).collect();
        if !bad.is_empty() {
            b.add(&format!("\n#### Failures ({})\n\n", bad.len()));
            for case in bad {
                b.add(&failure_block(case));
            }
        }
        for (verdict, title) in [
            (Verdict::Xfail, "Expected failures"),
            (Verdict::Skip, "Skipped"),
        ] {
            let listed: Vec<&CaseReport> = report
                .cases
                .iter()
                .filter(|c| c.verdict == verdict)
                .collect();
            if listed.is_empty() {
                continue;
            }
            b.add(&format!("\n#### {title} ({})\n\n", listed.len()));
            for case in listed {
                b.add(&format!(
                    "- {}: {}\n",
                    code(&case.id),
                    inline(&truncate_bytes_with_note(&case.headline(), 300))
                ));
            }
        }
    }
    let mut out = b.out;
    if b.omitted > 0 {
        let _ = write!(
            out,
            "\n> **Note:** {} more entries are not shown, to keep this summary under {limit} characters. \
             The JSON report and the HTML page hold everything.\n",
            b.omitted
        );
    }
    out
}

fn totals_table(reports: &[RunReport], labels: &[String]) -> String {
    let mut t = String::from("| runtime | cases |");
    for v in VERDICTS {
        let _ = write!(t, " {} |", v.as_str());
    }
    t.push_str(" clauses passing |\n|---|---:|");
    for _ in VERDICTS {
        t.push_str("---:|");
    }
    t.push_str("---:|\n");
    for (r, label) in reports.iter().zip(labels) {
        let _ = write!(t, "| {} | {} |", cell(label), r.cases.len());
        for v in VERDICTS {
            let _ = write!(t, " {} |", r.count(v));
        }
        let passing = r
            .clauses
            .iter()
            .filter(|c| c.verdict == Verdict::Pass)
            .count();
        let _ = writeln!(t, " {passing}/{} |", r.clauses.len());
    }
    t
}

fn run_line(r: &RunReport) -> String {
    let mut s = format!(
        "Suite {}, catalog {}, adapter {}, {} to {}.\n",
        inline(&r.suite_version),
        inline(&r.catalog_version),
        code(&r.runtime.adapter),
        inline(&r.started),
        inline(&r.finished)
    );
    if let Some(e) = &r.runtime.info_error {
        let _ = writeln!(s, "The runtime's `info` failed: {}.", inline(e));
    }
    s.push('\n');
    s
}

fn family_table(r: &RunReport) -> String {
    let mut per: BTreeMap<String, BTreeMap<Verdict, usize>> = BTreeMap::new();
    for c in &r.cases {
        *per.entry(c.clause_family())
            .or_default()
            .entry(c.verdict)
            .or_default() += 1;
    }
    if per.is_empty() {
        return "No case ran.\n".to_string();
    }
    let mut t = String::from("| family |");
    for v in VERDICTS {
        let _ = write!(t, " {} |", v.as_str());
    }
    t.push_str("\n|---|");
    for _ in VERDICTS {
        t.push_str("---:|");
    }
    t.push('\n');
    for (family, counts) in per {
        let _ = write!(t, "| {} |", code(&family));
        for v in VERDICTS {
            match counts.get(&v) {
                Some(n) => {
                    let _ = write!(t, " {n} |");
                }
                None => t.push_str(" · |"),
            }
        }
        t.push('\n');
    }
    t
}

fn failure_block(case: &CaseReport) -> String {
    let evidence = truncate_bytes_with_note(case.evidence().trim_end(), EVIDENCE_MAX);
    let fence = "`".repeat(longest_backtick_run(&evidence).max(2) + 1);
    format!(
        "<details><summary><b>{}</b> <code>{}</code>: {}</summary>\n\n{}\n\nClauses: {}\n\n{fence}text\n{evidence}\n{fence}\n\n</details>\n\n",
        case.verdict.as_str(),
        escape_html(&case.id),
        escape_html(&truncate_bytes_with_note(&case.headline(), 300)),
        inline(&case.description),
        case.clauses.iter().map(|c| code(c)).collect::<Vec<_>>().join(", "),
    )
}

fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// Inline code, with a delimiter longer than any backtick run inside.
fn code(s: &str) -> String {
    let s = s.replace('\n', " ");
    let ticks = "`".repeat(longest_backtick_run(&s) + 1);
    if s.starts_with('`') || s.ends_with('`') {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

/// Text on one line, with the characters Markdown or HTML would act on escaped.
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A table cell: inline text (whose `|` is already escaped).
fn cell(s: &str) -> String {
    inline(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a.b"), "`a.b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn inline_escapes_markup() {
        assert_eq!(
            inline("a|b <i>*x*</i>\nc"),
            "a\\|b &lt;i&gt;\\*x\\*&lt;/i&gt; c"
        );
    }
}
