//! `cnab-validate fmt` and `digest`: canonical forms printed, checked,
//! written back atomically, or hashed.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use cnab_validator::exit;
use cnab_validator::json::canonical::{canonicalize, is_canonical, Profile};
use cnab_validator::json::{self, LineIndex, ParseLimits};
use sha2::{Digest, Sha256};

use super::args::FmtArgs;
use super::inputs::Input;

/// Why a document has no canonical form: the exit code it earns and the
/// message for stderr.
type Refusal = (u8, String);

/// Parses `bytes` and writes its canonical form, or says why it cannot.
///
/// A document that is not JSON, or that repeats a key, is refused with
/// exit 2: canonicalizing it would silently keep one of the values and drop
/// the others, so `fmt --write` and `digest` never lose data. A well-formed
/// document that the profile cannot express (a float under OLPC) is a
/// finding (exit 1).
fn canonical_form(
    name: &str,
    bytes: &[u8],
    profile: Profile,
) -> std::result::Result<(Vec<u8>, json::Parsed), Refusal> {
    let parsed = json::parse(bytes, &ParseLimits::default()).map_err(|e| {
        let (line, col) = LineIndex::new(bytes).line_col(bytes, e.offset);
        (
            exit::ERROR,
            format!("{name}:{line}:{col}: not JSON: {}", e.message),
        )
    })?;
    if let Some(dup) = parsed.duplicates.first() {
        let index = LineIndex::new(bytes);
        let (line, col) = index.line_col(bytes, dup.second.start);
        let (fline, fcol) = index.line_col(bytes, dup.first.start);
        let key = dup
            .pointer
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace("~1", "/")
            .replace("~0", "~");
        let more = parsed.duplicates.len() - 1;
        let others = if more > 0 {
            format!(" ({more} more duplicate key(s))")
        } else {
            String::new()
        };
        return Err((
            exit::ERROR,
            format!(
                "{name}:{line}:{col}: duplicate key `{key}` (first at {fline}:{fcol}); \
                 refusing to canonicalize, which would drop one of the values{others}"
            ),
        ));
    }
    if profile == Profile::Olpc {
        if let Some(offset) = control_character(&parsed.root) {
            let (line, col) = LineIndex::new(bytes).line_col(bytes, offset);
            return Err((
                exit::FINDINGS,
                format!(
                    "{name}:{line}:{col}: a string holds a control character, which OLPC \
                     writes raw (not JSON); use `--profile jcs`, which escapes it"
                ),
            ));
        }
    }
    let out = canonicalize(&parsed.root, profile).map_err(|e| {
        (
            exit::FINDINGS,
            format!(
                "{name}: cannot be written as {profile} canonical JSON at `{}`: {}",
                e.pointer, e.message
            ),
        )
    })?;
    Ok((out, parsed))
}

/// The start of the first string token (key or value) holding a control
/// character (U+0000 to U+001F), walking without recursion.
fn control_character(root: &json::Node) -> Option<usize> {
    use json::NodeValue;
    let has = |s: &str| s.chars().any(|c| u32::from(c) < 0x20);
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            NodeValue::String(s) if has(s) => return Some(node.span.start),
            NodeValue::Array(items) => stack.extend(items.iter().rev()),
            NodeValue::Object(members) => {
                for m in members {
                    if has(&m.key) {
                        return Some(m.key_span.start);
                    }
                }
                stack.extend(members.iter().rev().map(|m| &m.value));
            }
            _ => {}
        }
    }
    None
}

pub fn fmt(args: FmtArgs) -> Result<u8> {
    let profile: Profile = args.profile.into();
    if args.write && args.files.iter().any(|f| f.as_os_str() == "-") {
        bail!("--write cannot rewrite stdin");
    }
    let mut code = exit::CLEAN;
    let mut out = io::BufWriter::new(io::stdout().lock());
    for file in &args.files {
        let input = Input::of(file);
        let name = input.name();
        let bytes = match input.read() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("cnab-validate: cannot read `{name}`: {e}");
                code = exit::ERROR;
                continue;
            }
        };
        let (canonical, parsed) = match canonical_form(&name, &bytes, profile) {
            Ok(c) => c,
            Err((refusal, msg)) => {
                eprintln!("cnab-validate: {msg}");
                code = code.max(refusal);
                continue;
            }
        };
        if args.check {
            if let Err(e) = is_canonical(&bytes, &parsed, profile) {
                let (line, col) = LineIndex::new(&bytes).line_col(&bytes, e.offset);
                writeln!(
                    out,
                    "{name}:{line}:{col}: not {profile} canonical JSON: {}",
                    e.message
                )?;
                code = code.max(exit::FINDINGS);
            }
        } else if args.write {
            if canonical != bytes {
                match write_atomically(file, &canonical) {
                    Ok(()) => eprintln!("cnab-validate: rewrote `{name}` ({profile})"),
                    Err(e) => {
                        eprintln!("cnab-validate: cannot write `{name}`: {e:#}");
                        code = exit::ERROR;
                    }
                }
            }
        } else {
            out.write_all(&canonical)?;
            if args.files.len() > 1 {
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    Ok(code)
}

/// Replaces `path` with `bytes` through a temporary file in the same
/// directory and a rename, keeping the file's permissions.
///
/// A symbolic link is refused rather than followed or replaced: following it
/// would write outside the directory the user named, and replacing it would
/// silently turn the link into a copy. Anything but a regular file (a FIFO,
/// a device) is refused too, and so is a file with more than one hard link:
/// the rename would leave the other names pointing at the old content.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        bail!("it is a symbolic link; --write rewrites regular files only (give the path of its target)");
    }
    if !meta.is_file() {
        bail!("it is not a regular file; --write rewrites regular files only");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            bail!(
                "it has {} hard links; --write would split it from its other names \
                 (rewrite a copy, or print with `fmt` and redirect)",
                meta.nlink()
            );
        }
    }
    let permissions = meta.permissions();
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    fs::set_permissions(tmp.path(), permissions)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Keeping the owner needs privilege; without it the new file is the
        // caller's, as any editor would leave it.
        let _ = std::os::unix::fs::chown(tmp.path(), Some(meta.uid()), Some(meta.gid()));
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

pub fn digest(profile: Profile, file: &Path) -> Result<u8> {
    let input = Input::of(file);
    let name = input.name();
    let bytes = input
        .read()
        .with_context(|| format!("cannot read `{name}`"))?;
    match canonical_form(&name, &bytes, profile) {
        Ok((canonical, _)) => {
            let mut out = io::stdout().lock();
            writeln!(out, "sha256:{}", hex::encode(Sha256::digest(&canonical)))?;
            out.flush()?;
            Ok(exit::CLEAN)
        }
        Err((refusal, msg)) => {
            eprintln!("cnab-validate: {msg}");
            Ok(refusal)
        }
    }
}
