//! Reading and writing files under a root directory without escaping it.
//!
//! Paths come from documents (`/cnab/app/outputs/NAME`); a `..` segment or a
//! symbolic link planted inside the root must never let a write or a read
//! reach outside it.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// Why a confined access was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    /// The path would leave the root.
    #[error("path `{0}` escapes its directory")]
    Escape(String),
    /// A symbolic link is in the way.
    #[error("path `{0}` goes through a symbolic link")]
    Symlink(String),
    /// The file does not exist.
    #[error("path `{0}` does not exist")]
    Missing(String),
    /// The file is larger than allowed.
    #[error("file `{0}` is larger than {1} bytes")]
    TooLarge(String, u64),
    /// Another I/O error.
    #[error("cannot access `{path}`: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Splits an image path into its normal segments, refusing `..`.
fn segments(image_path: &str) -> Result<Vec<String>, ConfineError> {
    let mut out = Vec::new();
    for c in Path::new(image_path).components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(s) => out.push(s.to_string_lossy().to_string()),
            Component::ParentDir | Component::Prefix(_) => {
                return Err(ConfineError::Escape(image_path.to_string()))
            }
        }
    }
    if out.is_empty() {
        return Err(ConfineError::Escape(image_path.to_string()));
    }
    Ok(out)
}

/// Writes `content` at `root` + `image_path`, creating directories, refusing
/// `..` segments and symbolic links on the way.
pub fn write(root: &Path, image_path: &str, content: &[u8]) -> Result<PathBuf, ConfineError> {
    let segs = segments(image_path)?;
    let io = |path: &Path, source| ConfineError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut cur = root.to_path_buf();
    for (i, s) in segs.iter().enumerate() {
        cur.push(s);
        let last = i + 1 == segs.len();
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(ConfineError::Symlink(image_path.to_string()))
            }
            Ok(m) if !last && !m.is_dir() => {
                return Err(io(
                    &cur,
                    std::io::Error::other("a file is in the way of a directory"),
                ))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !last {
                    fs::create_dir(&cur).map_err(|e| io(&cur, e))?;
                }
            }
            Err(e) => return Err(io(&cur, e)),
        }
    }
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&cur)
        .map_err(|e| io(&cur, e))?;
    f.write_all(content).map_err(|e| io(&cur, e))?;
    Ok(cur)
}

/// Reads `root` + `image_path`, refusing `..` segments and symbolic links,
/// and files larger than `cap` bytes.
pub fn read(root: &Path, image_path: &str, cap: u64) -> Result<Vec<u8>, ConfineError> {
    let segs = segments(image_path)?;
    let mut cur = root.to_path_buf();
    for s in &segs {
        cur.push(s);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(ConfineError::Symlink(image_path.to_string()))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfineError::Missing(image_path.to_string()))
            }
            Err(e) => {
                return Err(ConfineError::Io {
                    path: cur.display().to_string(),
                    source: e,
                })
            }
        }
    }
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&cur)
        .map_err(|e| ConfineError::Io {
            path: cur.display().to_string(),
            source: e,
        })?;
    let mut buf = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ConfineError::Io {
            path: cur.display().to_string(),
            source: e,
        })?;
    if buf.len() as u64 > cap {
        return Err(ConfineError::TooLarge(image_path.to_string(), cap));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_inside() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "/cnab/app/outputs/x", b"hi").unwrap();
        assert_eq!(read(d.path(), "/cnab/app/outputs/x", 10).unwrap(), b"hi");
        assert!(matches!(
            read(d.path(), "/cnab/app/outputs/x", 1),
            Err(ConfineError::TooLarge(..))
        ));
        assert!(matches!(
            read(d.path(), "/cnab/app/outputs/y", 10),
            Err(ConfineError::Missing(_))
        ));
    }

    #[test]
    fn refuses_parent_segments() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(
            write(d.path(), "/cnab/../../etc/x", b"x"),
            Err(ConfineError::Escape(_))
        ));
        assert!(matches!(
            read(d.path(), "/../x", 10),
            Err(ConfineError::Escape(_))
        ));
    }

    #[test]
    fn refuses_symlinks_out() {
        let outside = tempfile::tempdir().unwrap();
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("cnab/app")).unwrap();
        std::os::unix::fs::symlink(outside.path(), d.path().join("cnab/app/outputs")).unwrap();
        assert!(matches!(
            write(d.path(), "/cnab/app/outputs/x", b"x"),
            Err(ConfineError::Symlink(_))
        ));
        assert!(!outside.path().join("x").exists());
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), d.path().join("cnab/app/y"))
            .unwrap();
        assert!(matches!(
            read(d.path(), "/cnab/app/y", 10),
            Err(ConfineError::Symlink(_))
        ));
    }
}
