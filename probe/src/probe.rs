//! What the probe does when a runtime starts it: observe, then act.
//!
//! [`run`] works against a root directory, `/` inside the image, so that the
//! whole behaviour can be tested in a temporary directory.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::base64;
use crate::observation::{Directions, FileRecord, Observation, FORMAT_VERSION};

/// The key under the bundle's `custom` object that holds the directions.
pub const DIRECTIONS_KEY: &str = "io.cnab-conformance.probe";

/// Where the probe is expected to live inside the image.
pub const RUN_PATH: &str = "/cnab/app/run";

/// The directory outputs are written to.
pub const OUTPUTS_DIR: &str = "/cnab/app/outputs";

/// The most bytes of one file the observation carries.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The paths the probe always records.
pub const WELL_KNOWN_FILES: [&str; 5] = [
    "/cnab/bundle.json",
    "/cnab/claim.json",
    "/cnab/app/image-map.json",
    "/cnab/app/relocation-mapping.json",
    OUTPUTS_DIR,
];

/// What the probe is given by the process that starts it.
#[derive(Debug, Clone)]
pub struct Context {
    /// The directory that stands for `/`.
    pub root: PathBuf,
    /// The environment, in order.
    pub env: Vec<(String, String)>,
    /// The arguments, `argv[0]` first.
    pub args: Vec<OsString>,
    /// The target of `/proc/self/exe`.
    pub executable: Option<PathBuf>,
}

/// What the probe prints and how it ends.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The observation to print between the markers.
    pub observation: Observation,
    /// Text to print on stdout before the observation.
    pub stdout: Option<String>,
    /// Text to print on stderr.
    pub stderr: Option<String>,
}

/// Observes what is in `context`, writes the outputs the directions ask for
/// and returns the observation.
pub fn run(context: &Context) -> Outcome {
    let mut problems = Vec::new();
    let env: BTreeMap<&str, &str> = context
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let action = env.get("CNAB_ACTION").map(|s| s.to_string());

    let bundle = read_bundle(&context.root, &mut problems);
    let directions = bundle
        .as_ref()
        .map(|b| directions_for(b, action.as_deref(), &mut problems))
        .unwrap_or_default();

    let mut env_wanted: BTreeSet<String> = BTreeSet::new();
    let mut paths_wanted: BTreeSet<String> =
        WELL_KNOWN_FILES.iter().map(|s| s.to_string()).collect();
    if let Some(bundle) = &bundle {
        declared_destinations(bundle, &mut env_wanted, &mut paths_wanted);
    }
    env_wanted.extend(directions.env.iter().cloned());
    paths_wanted.extend(directions.files.iter().cloned());

    let recorded_env: BTreeMap<String, String> = context
        .env
        .iter()
        .filter(|(k, _)| k.starts_with("CNAB_") || env_wanted.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let env_names: Vec<String> = env.keys().map(|k| k.to_string()).collect();

    let files: BTreeMap<String, FileRecord> = paths_wanted
        .iter()
        .map(|p| (p.clone(), record_file(&resolve(&context.root, p))))
        .collect();

    let argv0 = context
        .args
        .first()
        .map(|a| a.to_string_lossy().into_owned());
    let args = context
        .args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let executable = context
        .executable
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let entrypoint_is_run =
        argv0.as_deref() == Some(RUN_PATH) || executable.as_deref() == Some(RUN_PATH);
    let (uid, gid) = match fs::metadata(context.root.join("proc/self")) {
        Ok(meta) => (Some(meta.uid()), Some(meta.gid())),
        Err(_) => (None, None),
    };

    let outputs_written = write_outputs(&context.root, &directions, &mut problems);

    Outcome {
        stdout: directions.stdout.clone(),
        stderr: directions.stderr.clone(),
        observation: Observation {
            format: FORMAT_VERSION,
            action,
            argv0,
            args,
            executable,
            entrypoint_is_run,
            uid,
            gid,
            env: recorded_env,
            env_names,
            files,
            exit_code: directions.exit_code,
            directions,
            outputs_written,
            problems,
        },
    }
}

/// The path inside `root` for an in-image path; relative paths are taken as
/// rooted, as the spec says runtimes should treat them.
fn resolve(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

fn read_bundle(root: &Path, problems: &mut Vec<String>) -> Option<Value> {
    let path = resolve(root, "/cnab/bundle.json");
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            problems.push(format!("cannot read /cnab/bundle.json: {e}"));
            return None;
        }
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) if value.is_object() => Some(value),
        Ok(_) => {
            problems.push("/cnab/bundle.json is not a JSON object".into());
            None
        }
        Err(e) => {
            problems.push(format!("/cnab/bundle.json is not JSON: {e}"));
            None
        }
    }
}

/// The directions for `action`, or for `*` when the action has none.
fn directions_for(bundle: &Value, action: Option<&str>, problems: &mut Vec<String>) -> Directions {
    let Some(all) = bundle.get("custom").and_then(|c| c.get(DIRECTIONS_KEY)) else {
        return Directions::default();
    };
    let Some(all) = all.as_object() else {
        problems.push(format!("custom.{DIRECTIONS_KEY} is not an object"));
        return Directions::default();
    };
    let entry = action.and_then(|a| all.get(a)).or_else(|| all.get("*"));
    let Some(entry) = entry else {
        return Directions::default();
    };
    parse_directions(entry, problems)
}

/// Reads one directions entry field by field, so that one bad field is
/// reported and the rest still apply.
pub fn parse_directions(entry: &Value, problems: &mut Vec<String>) -> Directions {
    let mut directions = Directions::default();
    let Some(entry) = entry.as_object() else {
        problems.push("directions entry is not an object".into());
        return directions;
    };
    for (key, value) in entry {
        match key.as_str() {
            "outputs" => match value.as_object() {
                Some(map) => {
                    for (name, content) in map {
                        match content.as_str() {
                            Some(text) => {
                                directions.outputs.insert(name.clone(), text.to_string());
                            }
                            None => problems.push(format!(
                                "directions: output {name:?} content is not a string"
                            )),
                        }
                    }
                }
                None => problems.push("directions: `outputs` is not an object".into()),
            },
            "exitCode" => match value.as_i64().and_then(|c| i32::try_from(c).ok()) {
                Some(code) => directions.exit_code = code,
                None => problems.push("directions: `exitCode` is not a 32-bit integer".into()),
            },
            "env" => directions.env = string_list(key, value, problems),
            "files" => directions.files = string_list(key, value, problems),
            "stdout" | "stderr" => match value.as_str() {
                Some(text) if key == "stdout" => directions.stdout = Some(text.to_string()),
                Some(text) => directions.stderr = Some(text.to_string()),
                None => problems.push(format!("directions: `{key}` is not a string")),
            },
            "hang" => match value.as_bool() {
                Some(hang) => directions.hang = hang,
                None => problems.push("directions: `hang` is not a boolean".into()),
            },
            other => problems.push(format!("directions: unknown key `{other}`")),
        }
    }
    directions
}

fn string_list(key: &str, value: &Value, problems: &mut Vec<String>) -> Vec<String> {
    match value.as_array() {
        Some(items) => items
            .iter()
            .filter_map(|item| {
                let text = item.as_str().map(str::to_string);
                if text.is_none() {
                    problems.push(format!("directions: `{key}` holds a non-string"));
                }
                text
            })
            .collect(),
        None => {
            problems.push(format!("directions: `{key}` is not an array"));
            Vec::new()
        }
    }
}

/// Collects the env and path destinations of every parameter and credential
/// the bundle declares.
fn declared_destinations(bundle: &Value, env: &mut BTreeSet<String>, paths: &mut BTreeSet<String>) {
    if let Some(parameters) = bundle.get("parameters").and_then(Value::as_object) {
        for parameter in parameters.values() {
            if let Some(destination) = parameter.get("destination") {
                collect_destination(destination, "env", "path", env, paths);
            }
        }
    }
    if let Some(credentials) = bundle.get("credentials").and_then(Value::as_object) {
        for credential in credentials.values() {
            collect_destination(credential, "env", "path", env, paths);
        }
    }
}

fn collect_destination(
    holder: &Value,
    env_key: &str,
    path_key: &str,
    env: &mut BTreeSet<String>,
    paths: &mut BTreeSet<String>,
) {
    if let Some(name) = holder.get(env_key).and_then(Value::as_str) {
        if !name.is_empty() {
            env.insert(name.to_string());
        }
    }
    if let Some(path) = holder.get(path_key).and_then(Value::as_str) {
        if !path.is_empty() {
            paths.insert(path.to_string());
        }
    }
}

/// What is at `path`, with the content of a regular file.
pub fn record_file(path: &Path) -> FileRecord {
    let mut record = FileRecord {
        kind: "missing".into(),
        mode: None,
        uid: None,
        gid: None,
        size: None,
        text: None,
        base64: None,
        truncated: false,
        error: None,
    };
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return record,
        Err(e) => {
            record.kind = "other".into();
            record.error = Some(e.to_string());
            return record;
        }
    };
    let file_type = meta.file_type();
    record.kind = if file_type.is_file() {
        "file"
    } else if file_type.is_dir() {
        "dir"
    } else if file_type.is_symlink() {
        "symlink"
    } else {
        "other"
    }
    .into();
    record.mode = Some(meta.mode() & 0o7777);
    record.uid = Some(meta.uid());
    record.gid = Some(meta.gid());
    record.size = Some(meta.len());
    if !file_type.is_file() {
        return record;
    }
    let mut content = Vec::new();
    let read = fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES).read_to_end(&mut content));
    if let Err(e) = read {
        record.error = Some(e.to_string());
        return record;
    }
    record.truncated = meta.len() > MAX_FILE_BYTES;
    match String::from_utf8(content) {
        Ok(text) => record.text = Some(text),
        Err(e) => record.base64 = Some(base64::encode(e.as_bytes())),
    }
    record
}

/// Writes each directed output to the outputs directory; returns the names
/// written.
fn write_outputs(root: &Path, directions: &Directions, problems: &mut Vec<String>) -> Vec<String> {
    let mut written = Vec::new();
    if directions.outputs.is_empty() {
        return written;
    }
    let dir = resolve(root, OUTPUTS_DIR);
    if let Err(e) = fs::create_dir_all(&dir) {
        problems.push(format!("cannot create {OUTPUTS_DIR}: {e}"));
        return written;
    }
    for (name, content) in &directions.outputs {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            problems.push(format!("refusing output name {name:?}"));
            continue;
        }
        match fs::write(dir.join(name), content) {
            Ok(()) => written.push(name.clone()),
            Err(e) => problems.push(format!("cannot write output {name:?}: {e}")),
        }
    }
    written
}
