//! Properties of the extractor and the base64 codec over generated input.

use cnab_probe::base64;
use cnab_probe::extract::{extract_all, extract_observation, render};
use cnab_probe::probe::{run, Context};
use cnab_probe::{ExtractError, Observation, BEGIN_MARKER, END_MARKER};
use proptest::prelude::*;

fn observation(action: &str, env: Vec<(String, String)>) -> Observation {
    let root = std::env::temp_dir().join("cnab-probe-properties-no-such-root");
    let mut env = env;
    env.push(("CNAB_ACTION".into(), action.into()));
    run(&Context {
        root,
        env,
        args: vec!["/cnab/app/run".into()],
        executable: None,
    })
    .observation
}

fn noise() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("no marker in the noise", |s| {
        !s.contains(BEGIN_MARKER) && !s.contains(END_MARKER)
    })
}

proptest! {
    #[test]
    fn any_text_is_read_without_panicking(text in any::<String>()) {
        let _ = extract_all(&text);
        let _ = extract_observation(&text);
    }

    #[test]
    fn a_record_survives_any_noise_around_it(
        before in noise(),
        after in noise(),
        action in "[a-z][a-z-]{0,15}",
        value in any::<String>(),
    ) {
        let record = observation(&action, vec![("CNAB_ANY".into(), value)]);
        let log = format!("{before}{}{after}", render(&record));
        prop_assert_eq!(extract_observation(&log), Ok(record));
    }

    #[test]
    fn a_record_cut_anywhere_before_its_end_marker_is_never_taken_for_whole(
        cut in 0usize..2000,
        before in noise(),
    ) {
        let full = format!("{before}{}", render(&observation("install", Vec::new())));
        let end = full.find(END_MARKER).unwrap();
        let begin = full.find(BEGIN_MARKER).unwrap();
        let cut = cut.min(end);
        if let Some(log) = full.get(..cut) {
            let expected = if cut < begin + BEGIN_MARKER.len() {
                ExtractError::NotFound
            } else {
                ExtractError::Truncated
            };
            prop_assert_eq!(extract_observation(log), Err(expected));
        }
    }

    #[test]
    fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert_eq!(base64::decode(&base64::encode(&bytes)), Some(bytes));
    }

    #[test]
    fn base64_decoding_never_panics(text in any::<String>()) {
        let _ = base64::decode(&text);
    }
}
