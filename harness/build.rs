//! Embeds every runtime case file (`cases/runtime/*.json`) in the binary, so
//! `cnab-conformance run` needs no checkout at run time.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets the manifest dir"));
    let dir = manifest.join("../cases/runtime");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && p.file_name().is_some_and(|n| n != "case.schema.json")
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut code = String::from("/// Every embedded case file: (file name, text).\npub static EMBEDDED_CASE_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        let canonical = fs::canonicalize(f).expect("case file path resolves");
        println!("cargo:rerun-if-changed={}", canonical.display());
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            f.file_name().expect("file has a name").to_string_lossy(),
            canonical.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_cases.rs");
    fs::write(out, code).expect("write embedded case list");
}
