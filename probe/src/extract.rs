//! Finding the probe's observation in a log stream.
//!
//! The probe prints its record between [`BEGIN_MARKER`] and [`END_MARKER`],
//! each on a line of its own, so that any runtime that passes the image's
//! output on (to a terminal, a log file, a JSON field) carries it back.
//! The markers are searched anywhere in the text, so a runtime that prefixes
//! lines or mixes the image's output with its own still works, as long as the
//! record's own line reaches us whole.

use std::fmt;

use crate::observation::{Observation, FORMAT_VERSION};

/// The line printed before the observation.
pub const BEGIN_MARKER: &str = "-----BEGIN CNAB-CONFORMANCE OBSERVATION v1-----";

/// The line printed after the observation.
pub const END_MARKER: &str = "-----END CNAB-CONFORMANCE OBSERVATION v1-----";

/// Why no observation could be taken from a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The begin marker does not occur at all.
    NotFound,
    /// A begin marker occurs but no end marker follows it.
    Truncated,
    /// The text between the markers is not an observation.
    Malformed(String),
    /// The observation has a format version this crate does not read.
    UnsupportedFormat(u32),
    /// More than one observation was found where one was expected.
    Several(usize),
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::NotFound => write!(f, "no probe observation in the output"),
            ExtractError::Truncated => {
                write!(
                    f,
                    "probe observation truncated: begin marker without end marker"
                )
            }
            ExtractError::Malformed(why) => write!(f, "malformed probe observation: {why}"),
            ExtractError::UnsupportedFormat(v) => {
                write!(f, "unsupported probe observation format {v}")
            }
            ExtractError::Several(n) => {
                write!(f, "expected one probe observation, found {n}")
            }
        }
    }
}

impl std::error::Error for ExtractError {}

/// Every observation in `log`, in order, each parsed on its own.
///
/// A begin marker without an end marker after it yields
/// [`ExtractError::Truncated`] as the last item.
pub fn extract_all(log: &str) -> Vec<Result<Observation, ExtractError>> {
    let mut found = Vec::new();
    let mut rest = log;
    while let Some(begin) = rest.find(BEGIN_MARKER) {
        let after_begin = &rest[begin + BEGIN_MARKER.len()..];
        // A second begin marker before the end marker means the first record
        // was cut short.
        let end = after_begin.find(END_MARKER);
        let next_begin = after_begin.find(BEGIN_MARKER);
        match (end, next_begin) {
            (Some(end), Some(next)) if next < end => {
                found.push(Err(ExtractError::Truncated));
                rest = &after_begin[next..];
            }
            (Some(end), _) => {
                found.push(parse_body(&after_begin[..end]));
                rest = &after_begin[end + END_MARKER.len()..];
            }
            (None, _) => {
                found.push(Err(ExtractError::Truncated));
                break;
            }
        }
    }
    found
}

/// The one observation in `log`.
///
/// Fails when there is none, when it is cut short or malformed, and when
/// there are several (a log that holds several actions should be read with
/// [`extract_all`]).
pub fn extract_observation(log: &str) -> Result<Observation, ExtractError> {
    let mut all = extract_all(log);
    match all.len() {
        0 => Err(ExtractError::NotFound),
        1 => all.remove(0),
        n => Err(ExtractError::Several(n)),
    }
}

/// The same as [`extract_observation`] for bytes that may not be UTF-8.
pub fn extract_observation_bytes(log: &[u8]) -> Result<Observation, ExtractError> {
    extract_observation(&String::from_utf8_lossy(log))
}

fn parse_body(body: &str) -> Result<Observation, ExtractError> {
    // The record is one line; anything a runtime put around it on the lines
    // between the markers is ignored by starting at the first brace.
    let body = body.trim();
    let start = body
        .find('{')
        .ok_or_else(|| ExtractError::Malformed("no JSON object between the markers".into()))?;
    let end = body
        .rfind('}')
        .ok_or_else(|| ExtractError::Malformed("no JSON object between the markers".into()))?;
    if end < start {
        return Err(ExtractError::Malformed(
            "no JSON object between the markers".into(),
        ));
    }
    let json = &body[start..=end];
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| ExtractError::Malformed(e.to_string()))?;
    match value.get("format").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => {
            return Err(ExtractError::UnsupportedFormat(
                u32::try_from(v).unwrap_or(u32::MAX),
            ))
        }
        None => {
            return Err(ExtractError::Malformed(
                "missing integer field `format`".into(),
            ))
        }
    }
    serde_json::from_value(value).map_err(|e| ExtractError::Malformed(e.to_string()))
}

/// The text the probe prints for `observation`: markers and record, each on
/// its own line, starting with a newline so that the begin marker is on a
/// line of its own even after output without a final newline.
pub fn render(observation: &Observation) -> String {
    let json = serde_json::to_string(observation).unwrap_or_else(|e| {
        // Serializing plain strings, maps and integers cannot fail; should it
        // ever, the reader still gets a marked record that says why.
        format!(
            "{{\"format\":{FORMAT_VERSION},\"serialization_error\":{}}}",
            serde_json::Value::String(e.to_string())
        )
    });
    format!("\n{BEGIN_MARKER}\n{json}\n{END_MARKER}\n")
}
