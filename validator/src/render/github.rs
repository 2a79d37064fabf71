//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice`
//! line per finding (`must`, `should`, `may`), titled with the clause ID.

use std::io::{self, Write};

use cnab_model::Level;

use super::{locate, Renderer, Summary};
use crate::Report;

/// Escapes a message for a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value for a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The GitHub renderer: one workflow command per finding, nothing else.
pub struct Github;

impl Renderer for Github {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn file(&mut self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for l in locate(report) {
            let f = l.finding;
            let command = match f.level {
                Level::Must => "error",
                Level::Should => "warning",
                Level::May => "notice",
            };
            let name = super::human::printable(&report.name);
            let mut props = vec![format!("file={}", escape_property(&name))];
            if let Some((line, col)) = l.start {
                props.push(format!("line={line}"));
                props.push(format!("col={col}"));
            }
            props.push(format!("title={}", escape_property(&f.clause)));
            writeln!(
                out,
                "::{command} {}::{}",
                props.join(","),
                escape_data(&super::human::printable(&f.message))
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("a\nb:c"), "a%0Ab:c");
    }
}
