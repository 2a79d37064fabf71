//! Finding observations in runtime logs.

use cnab_probe::extract::{extract_all, extract_observation, extract_observation_bytes, render};
use cnab_probe::probe::{run, Context};
use cnab_probe::{ExtractError, Observation, BEGIN_MARKER, END_MARKER};

fn sample(action: &str) -> Observation {
    let root = tempfile::tempdir().unwrap();
    run(&Context {
        root: root.path().to_path_buf(),
        env: vec![("CNAB_ACTION".into(), action.into())],
        args: vec!["/cnab/app/run".into()],
        executable: None,
    })
    .observation
}

#[test]
fn finds_the_record_among_noise_on_both_sides() {
    let observation = sample("install");
    let log = format!(
        "Pulling image...\nexecuting install action\npartial line without newline{}\x1b[0mdone\nerror: something else\n",
        render(&observation)
    );
    assert_eq!(extract_observation(&log).unwrap(), observation);
}

#[test]
fn finds_the_record_when_a_runtime_prefixes_lines() {
    let observation = sample("upgrade");
    let json = serde_json::to_string(&observation).unwrap();
    let log = format!("[probe] {BEGIN_MARKER}\n[probe] {json}\n[probe] {END_MARKER}\n");
    assert_eq!(extract_observation(&log).unwrap(), observation);
}

#[test]
fn a_log_without_markers_has_no_record() {
    assert_eq!(
        extract_observation("just some output\n{\"format\":1}\n"),
        Err(ExtractError::NotFound)
    );
}

#[test]
fn a_missing_end_marker_is_truncation() {
    let observation = sample("install");
    let full = render(&observation);
    let cut = &full[..full.find(END_MARKER).unwrap() + 10];
    assert_eq!(extract_observation(cut), Err(ExtractError::Truncated));
    let cut_in_json = &full[..full.len() / 2];
    assert_eq!(
        extract_observation(cut_in_json),
        Err(ExtractError::Truncated)
    );
}

#[test]
fn a_record_cut_short_and_followed_by_another_is_reported_as_truncated() {
    let first = render(&sample("install"));
    let second = render(&sample("uninstall"));
    let cut = &first[..first.find(END_MARKER).unwrap()];
    let log = format!("{cut}{second}");
    let all = extract_all(&log);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], Err(ExtractError::Truncated));
    assert_eq!(
        all[1].as_ref().unwrap().action.as_deref(),
        Some("uninstall")
    );
}

#[test]
fn several_records_are_read_in_order_and_refused_where_one_is_expected() {
    let log = format!(
        "{}{}",
        render(&sample("install")),
        render(&sample("status"))
    );
    let actions: Vec<_> = extract_all(&log)
        .into_iter()
        .map(|r| r.unwrap().action.unwrap())
        .collect();
    assert_eq!(actions, ["install", "status"]);
    assert_eq!(extract_observation(&log), Err(ExtractError::Several(2)));
}

#[test]
fn garbage_between_markers_is_malformed() {
    let log = format!("{BEGIN_MARKER}\nnot json at all\n{END_MARKER}\n");
    assert!(matches!(
        extract_observation(&log),
        Err(ExtractError::Malformed(_))
    ));
    let log = format!("{BEGIN_MARKER}\n{{\"format\":1,\"action\":\n{END_MARKER}\n");
    assert!(matches!(
        extract_observation(&log),
        Err(ExtractError::Malformed(_))
    ));
}

#[test]
fn an_unknown_format_version_is_refused() {
    let log = format!("{BEGIN_MARKER}\n{{\"format\":2}}\n{END_MARKER}\n");
    assert_eq!(
        extract_observation(&log),
        Err(ExtractError::UnsupportedFormat(2))
    );
}

#[test]
fn bytes_that_are_not_utf8_around_the_record_do_not_matter() {
    let observation = sample("install");
    let mut log = vec![0xff, 0xfe, b'\n'];
    log.extend_from_slice(render(&observation).as_bytes());
    log.extend_from_slice(&[0xc3, 0x28]);
    assert_eq!(extract_observation_bytes(&log).unwrap(), observation);
}

#[test]
fn errors_read_as_lowercase_fragments() {
    for error in [
        ExtractError::NotFound,
        ExtractError::Truncated,
        ExtractError::Malformed("x".into()),
        ExtractError::UnsupportedFormat(9),
        ExtractError::Several(3),
    ] {
        let text = error.to_string();
        assert!(text.chars().next().unwrap().is_lowercase(), "{text}");
        assert!(!text.ends_with('.'), "{text}");
    }
}
