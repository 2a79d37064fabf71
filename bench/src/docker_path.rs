//! The harness's overhead on the Docker path: the suite's wall time next to
//! the time the same number of bare container runs take.
//!
//! The suite (`cnab-conformance run --driver docker`) runs the probe image
//! once for every step whose report says `image_ran`; everything else it does
//! (the adapter protocol, the digest check, copying files in and outputs
//! out, reading logs, the claim store, judging, the report) is overhead.
//! A bare run is the floor the engine sets for one container of the same
//! image: create, start, wait, remove ([`cnab_docker::Engine::run_bare`]).

use std::time::Duration;

use serde_json::Value;

/// How many container runs a `cnab-conformance` JSON report records: the
/// steps, over all cases, whose `image_ran` is true.
pub fn container_runs(report: &Value) -> Result<usize, String> {
    let cases = report
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("the report has no `cases` array")?;
    let mut runs = 0;
    for case in cases {
        let steps = case
            .get("steps")
            .and_then(Value::as_array)
            .ok_or("a case of the report has no `steps` array")?;
        runs += steps
            .iter()
            .filter(|s| s.get("image_ran").and_then(Value::as_bool) == Some(true))
            .count();
    }
    Ok(runs)
}

/// The cases of a report by verdict: `(total, passed)`.
pub fn case_verdicts(report: &Value) -> (usize, usize) {
    let cases = report
        .get("cases")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let passed = cases
        .iter()
        .filter(|c| c.get("verdict").and_then(Value::as_str) == Some("pass"))
        .count();
    (cases.len(), passed)
}

/// The overhead of `suite` over `bare`, as a fraction of `bare`:
/// `(suite - bare) / bare`; negative when the suite was faster.
pub fn overhead(suite: Duration, bare: Duration) -> f64 {
    let bare = bare.as_secs_f64();
    (suite.as_secs_f64() - bare) / bare.max(1e-9)
}

/// The median of `values` (the upper one of an even count); zero for none.
pub fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_the_steps_that_ran_the_image() {
        let report = json!({"cases": [
            {"verdict": "pass", "steps": [{"image_ran": true}, {"image_ran": false}, {}]},
            {"verdict": "fail", "steps": [{"image_ran": true}, {"image_ran": true}]},
            {"verdict": "skip", "steps": []},
        ]});
        assert_eq!(container_runs(&report), Ok(3));
        assert_eq!(case_verdicts(&report), (3, 1));
    }

    #[test]
    fn a_report_without_cases_or_steps_is_refused() {
        assert!(container_runs(&json!({})).is_err());
        assert!(container_runs(&json!({"cases": [{"id": "x"}]})).is_err());
    }

    #[test]
    fn overhead_is_relative_to_the_bare_time() {
        let s = Duration::from_secs;
        assert!((overhead(s(12), s(10)) - 0.2).abs() < 1e-9);
        assert!((overhead(s(9), s(10)) + 0.1).abs() < 1e-9);
        assert_eq!(median(&[s(3), s(1), s(2)]), s(2));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
