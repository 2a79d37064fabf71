//! Reading and writing the files a user names, without surprises.
//!
//! Reads ([`read_regular`]) take regular files only, never more than a cap:
//! a FIFO, a device or a link to one (`/dev/zero`) is refused before a byte
//! is read, so no read blocks or runs without end. The caps are
//! [`MAX_FILE`] for reports, expected-failures files and case files, and
//! [`MAX_OBSERVATIONS`] for the observations file of a step.
//!
//! Writes ([`write_file`]) replace a regular file atomically (a temporary
//! file in the same directory, renamed over it), but never replace what is
//! not a regular file: a device (`/dev/null`), a FIFO or a symbolic link
//! (`/dev/stdout`, a `latest.json` link) is written through, so the device
//! or the link stays what it was. A link to a regular file has that file
//! truncated and rewritten in place (not atomically).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The most bytes read from a report, an expected-failures file or a case
/// file: 64 MiB.
pub const MAX_FILE: u64 = 64 << 20;
/// The most bytes read from the observations file of one step: 160 MiB
/// (a record holds an operation, which the observer reads up to 64 MiB, and
/// a step may record more than one).
pub const MAX_OBSERVATIONS: u64 = 160 << 20;

fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Reads a regular file of at most `cap` bytes. Opening does not block (a
/// FIFO is opened non-blocking, then refused); links are followed, and what
/// they lead to must be a regular file too.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({})", kind_of(meta.file_type())),
        ));
    }
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the limit of {cap} bytes"),
        )
    };
    if meta.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_string(path: &Path, cap: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, cap)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `path`: a regular file (or none yet) is replaced
/// atomically with mode 0644, creating the parent directories; anything
/// else is written through (see the module documentation).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => write_atomically(path, bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => write_atomically(path, bytes),
        Err(e) => Err(e),
        Ok(m) if m.is_dir() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        )),
        Ok(_) => write_through(path, bytes),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(bytes)?;
    // A temp file is private (0600); a report is meant to be shared.
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn write_through(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f: File = OpenOptions::new().write(true).open(path)?;
    let meta = f.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    if meta.is_file() {
        f.set_len(0)?;
    }
    f.write_all(bytes)?;
    f.flush()
}

/// Checks, before a run, that [`write_file`] will be able to write `path`:
/// the directory of a regular or missing file must accept a new file (it
/// is created when missing); anything else must be writable.
pub fn check_writable(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        )),
        Ok(m) if !m.is_file() => {
            let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in the path"))?;
            // SAFETY: access on a NUL-terminated path.
            if unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => {
            let dir = parent_dir(path);
            std::fs::create_dir_all(&dir)?;
            tempfile::NamedTempFile::new_in(&dir).map(drop)
        }
    }
}

/// Creates `dir/<stem>.json`, or `dir/<stem>-2.json`, `-3`, ... when that
/// exists, and returns the name it got: two runs never get the same name,
/// even in the same second. The file is empty until written.
pub fn reserve_unique(dir: &Path, stem: &str) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for n in 1u32.. {
        let name = if n == 1 {
            format!("{stem}.json")
        } else {
            format!("{stem}-{n}.json")
        };
        let path = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("some name is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_refuse_devices_fifos_links_to_them_and_oversize_files() {
        let d = tempfile::tempdir().unwrap();
        let zero = d.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = read_regular(&zero, MAX_FILE).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let fifo = d.path().join("fifo.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No writer: a blocking open would hang here.
        let e = read_regular(&fifo, MAX_FILE).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        let big = d.path().join("big.json");
        std::fs::write(&big, vec![b' '; 11]).unwrap();
        assert!(read_regular(&big, 10)
            .unwrap_err()
            .to_string()
            .contains("limit"));
        assert_eq!(read_regular(&big, 11).unwrap().len(), 11);
    }

    #[test]
    fn writes_keep_links_and_devices() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target.json");
        std::fs::write(&target, "old old old").unwrap();
        let link = d.path().join("latest.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_file(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        write_file(Path::new("/dev/null"), b"x").unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        let plain = d.path().join("sub/plain.json");
        write_file(&plain, b"a").unwrap();
        assert_eq!(
            std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }

    #[test]
    fn reserved_names_are_unique() {
        let d = tempfile::tempdir().unwrap();
        let a = reserve_unique(d.path(), "stamp-x").unwrap();
        let b = reserve_unique(d.path(), "stamp-x").unwrap();
        assert_ne!(a, b);
        assert!(b.ends_with("stamp-x-2.json"));
    }
}
