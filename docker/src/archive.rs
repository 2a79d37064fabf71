//! Tar archives in memory: files into a container, outputs out of it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Component, Path};

use crate::error::DockerError;

/// Who owns the files copied into a container, and with which modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileOwnership {
    /// The owner's user ID.
    pub uid: u64,
    /// The owner's group ID.
    pub gid: u64,
    /// The mode of every file.
    pub file_mode: u32,
    /// The mode of every parent directory, each written to the archive as
    /// its own entry (so the engine applies it, also to directories that
    /// already exist), or `None` to write no directory entries (the engine
    /// then creates missing parents as root with mode 0755).
    pub dir_mode: Option<u32>,
}

impl Default for FileOwnership {
    /// What cnab-go's Docker driver does: files 0600 and parent directories
    /// 0700, owned by root (the caller puts the image's user here).
    fn default() -> Self {
        FileOwnership {
            uid: 0,
            gid: 0,
            file_mode: 0o600,
            dir_mode: Some(0o700),
        }
    }
}

/// Checks that `path` is absolute and plain (no `.`, `..` or empty parts)
/// and returns it without the leading slash, as archives want it.
pub(crate) fn archive_path(path: &str) -> Result<String, DockerError> {
    let invalid = |reason| DockerError::InvalidPath {
        path: path.to_string(),
        reason,
    };
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| invalid("not absolute"))?;
    if rest.is_empty() {
        return Err(invalid("names the root directory"));
    }
    if rest
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(invalid("has an empty, `.` or `..` component"));
    }
    if rest.contains('\0') {
        return Err(invalid("contains a NUL byte"));
    }
    Ok(rest.to_string())
}

/// A tar archive that places each of `files` (absolute path to content) at
/// its path when extracted at `/`.
pub fn files_archive(
    files: &BTreeMap<String, Vec<u8>>,
    ownership: FileOwnership,
) -> Result<Vec<u8>, DockerError> {
    let mut entries: BTreeMap<String, Option<&[u8]>> = BTreeMap::new();
    for (path, content) in files {
        let relative = archive_path(path)?;
        if ownership.dir_mode.is_some() {
            let mut parent = Path::new(&relative).parent();
            while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
                entries
                    .entry(format!("{}/", dir.to_string_lossy()))
                    .or_insert(None);
                parent = dir.parent();
            }
        }
        entries.insert(relative, Some(content.as_slice()));
    }
    let mut builder = tar::Builder::new(Vec::new());
    // Sorted order puts every directory before what it holds.
    for (name, content) in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_uid(ownership.uid);
        header.set_gid(ownership.gid);
        header.set_mtime(0);
        let data: &[u8] = match content {
            Some(bytes) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(ownership.file_mode);
                bytes
            }
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(ownership.dir_mode.unwrap_or(0o755));
                &[]
            }
        };
        header.set_size(data.len() as u64);
        builder
            .append_data(&mut header, name, data)
            .map_err(|e| DockerError::io(format!("add {name} to the archive"), e))?;
    }
    builder
        .into_inner()
        .map_err(|e| DockerError::io("finish the archive", e))
}

/// The build context of the probe image: a Dockerfile and the binary.
pub fn probe_build_context(binary: &[u8], dockerfile: &str) -> Result<Vec<u8>, DockerError> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data, mode) in [
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("run", binary, 0o755),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(mode);
        header.set_mtime(0);
        header.set_size(data.len() as u64);
        builder
            .append_data(&mut header, name, data)
            .map_err(|e| DockerError::io(format!("add {name} to the build context"), e))?;
    }
    builder
        .into_inner()
        .map_err(|e| DockerError::io("finish the build context", e))
}

/// What came out of a container's outputs directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractedOutputs {
    /// Regular files, keyed by their path in the image.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Entries that were refused (links, devices, escapes, over the limit),
    /// each with the reason.
    pub ignored: Vec<String>,
}

/// Reads the archive the engine returns for directory `dir` (an absolute
/// in-image path) and keeps the regular files inside it.
///
/// The engine names entries after the directory's last component; anything
/// outside it, any `..`, absolute path, link or special file is ignored, and
/// no file is read past `limit` bytes in all.
pub fn read_outputs_archive(
    archive: &[u8],
    dir: &str,
    limit: u64,
) -> Result<ExtractedOutputs, DockerError> {
    let dir = dir.trim_end_matches('/');
    let base = Path::new(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = ExtractedOutputs::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut budget = limit;
    let mut tar = tar::Archive::new(archive);
    let entries = tar
        .entries()
        .map_err(|e| DockerError::io("read the outputs archive", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| DockerError::io("read the outputs archive", e))?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = Path::new(&raw);
        let mut parts = Vec::new();
        let mut confined = true;
        for component in path.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::CurDir => {}
                _ => confined = false,
            }
        }
        if !confined || parts.first() != Some(&base) {
            out.ignored.push(format!("{raw}: outside {dir}"));
            continue;
        }
        let entry_type = entry.header().entry_type();
        if entry_type.is_dir() {
            continue;
        }
        if !entry_type.is_file() {
            out.ignored.push(format!("{raw}: not a regular file"));
            continue;
        }
        let in_image = format!("{dir}/{}", parts[1..].join("/"));
        if parts.len() < 2 || !seen.insert(in_image.clone()) {
            out.ignored.push(format!("{raw}: duplicate or unnamed"));
            continue;
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > budget {
            out.ignored.push(format!("{raw}: over the size limit"));
            continue;
        }
        let mut content = Vec::new();
        entry
            .by_ref()
            .take(budget)
            .read_to_end(&mut content)
            .map_err(|e| DockerError::io(format!("read {raw} from the outputs archive"), e))?;
        budget -= content.len() as u64;
        out.files.insert(in_image, content);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(archive: &[u8]) -> Vec<(String, u32, u64, bool)> {
        tar::Archive::new(archive)
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.entry_type().is_dir(),
                )
            })
            .collect()
    }

    #[test]
    fn files_archive_writes_parents_first_with_modes_and_owner() {
        let files = BTreeMap::from([
            ("/cnab/app/image-map.json".to_string(), b"{}".to_vec()),
            ("/cnab/bundle.json".to_string(), b"{\"a\":1}".to_vec()),
        ]);
        let ownership = FileOwnership {
            uid: 1000,
            ..FileOwnership::default()
        };
        let archive = files_archive(&files, ownership).unwrap();
        assert_eq!(
            list(&archive),
            [
                ("cnab/".to_string(), 0o700, 1000, true),
                ("cnab/app/".to_string(), 0o700, 1000, true),
                ("cnab/app/image-map.json".to_string(), 0o600, 1000, false),
                ("cnab/bundle.json".to_string(), 0o600, 1000, false),
            ]
        );
    }

    #[test]
    fn files_archive_can_leave_directories_to_the_engine() {
        let files = BTreeMap::from([("/a/b/c".to_string(), b"x".to_vec())]);
        let ownership = FileOwnership {
            dir_mode: None,
            file_mode: 0o644,
            ..FileOwnership::default()
        };
        let archive = files_archive(&files, ownership).unwrap();
        assert_eq!(list(&archive), [("a/b/c".to_string(), 0o644, 0, false)]);
    }

    #[test]
    fn paths_that_are_not_absolute_and_plain_are_refused() {
        for bad in ["relative/path", "/", "/a/../b", "/a//b", "/a/./b", "/a/"] {
            let files = BTreeMap::from([(bad.to_string(), Vec::new())]);
            let err = files_archive(&files, FileOwnership::default()).unwrap_err();
            assert!(
                matches!(err, DockerError::InvalidPath { ref path, .. } if path == bad),
                "{bad}: {err}"
            );
        }
    }

    fn outputs_tar(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, kind, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_mode(0o644);
            header.set_size(data.len() as u64);
            if kind.is_symlink() {
                header.set_size(0);
                builder
                    .append_link(&mut header, name, "/etc/passwd")
                    .unwrap();
            } else {
                // Write the name bytes as they are, so that `..` reaches the
                // reader untouched.
                let bytes = name.as_bytes();
                header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
                header.set_cksum();
                builder.append(&header, *data).unwrap();
            }
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn outputs_are_confined_to_their_directory() {
        let archive = outputs_tar(&[
            ("outputs/", tar::EntryType::Directory, b""),
            ("outputs/address", tar::EntryType::Regular, b"10.0.0.1"),
            ("outputs/nested/port", tar::EntryType::Regular, b"80"),
            ("outputs/link", tar::EntryType::Symlink, b""),
            ("outputs/../../etc/shadow", tar::EntryType::Regular, b"x"),
            ("elsewhere/file", tar::EntryType::Regular, b"y"),
        ]);
        let out = read_outputs_archive(&archive, "/cnab/app/outputs", 1 << 20).unwrap();
        assert_eq!(
            out.files,
            BTreeMap::from([
                (
                    "/cnab/app/outputs/address".to_string(),
                    b"10.0.0.1".to_vec()
                ),
                ("/cnab/app/outputs/nested/port".to_string(), b"80".to_vec()),
            ])
        );
        assert_eq!(out.ignored.len(), 3, "{:?}", out.ignored);
    }

    #[test]
    fn outputs_past_the_limit_are_refused() {
        let archive = outputs_tar(&[
            ("outputs/small", tar::EntryType::Regular, b"12345"),
            ("outputs/big", tar::EntryType::Regular, b"123456"),
        ]);
        let out = read_outputs_archive(&archive, "/cnab/app/outputs/", 8).unwrap();
        assert_eq!(out.files.len(), 1);
        assert_eq!(out.files["/cnab/app/outputs/small"], b"12345");
        assert_eq!(out.ignored, ["outputs/big: over the size limit"]);
    }

    #[test]
    fn a_broken_archive_is_an_error_not_a_panic() {
        let garbage = vec![0x41u8; 1024];
        assert!(read_outputs_archive(&garbage, "/cnab/app/outputs", 1024).is_err());
    }
}
