//! Files opened and looked at relative to their directory.
//!
//! The walk visits files directory by directory, and every `open` or `stat` by full path makes
//! the kernel look up each component of that path again: on the benchmark corpus, path lookups
//! were a tenth of the kernel's time. Holding the file's directory open (`O_PATH`, which needs no
//! read permission) and calling `openat`/`statat` with the file's name looks up one component
//! instead. Where the directory cannot be held (another OS, or an error opening it), the full
//! path is used, so the outcome is the same either way; only the cost differs.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// What the walk and the nightly state need to know of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub size: u64,
    /// Modification time in nanoseconds since the epoch, 0 if unknown or before it.
    pub modified_ns: i128,
}

/// The directory of the last file looked at, held open while the next files are in it.
#[derive(Debug, Default)]
pub struct ParentDir {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: Option<rustix::fd::OwnedFd>,
}

impl ParentDir {
    /// Opens `path` for reading.
    pub fn open(&mut self, path: &Path) -> io::Result<File> {
        #[cfg(target_os = "linux")]
        if let Some((dir, name)) = self.held(path) {
            use rustix::fs::{Mode, OFlags};
            let fd =
                rustix::fs::openat(dir, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?;
            return Ok(File::from(fd));
        }
        File::open(path)
    }

    /// The size and modification time of `path`; of a link's target only if `follow`.
    pub fn stat(&mut self, path: &Path, follow: bool) -> io::Result<FileStat> {
        #[cfg(target_os = "linux")]
        if let Some((dir, name)) = self.held(path) {
            use rustix::fs::AtFlags;
            let flags = if follow {
                AtFlags::empty()
            } else {
                AtFlags::SYMLINK_NOFOLLOW
            };
            let stat = rustix::fs::statat(dir, name, flags)?;
            let modified_ns = if stat.st_mtime >= 0 {
                i128::from(stat.st_mtime) * 1_000_000_000 + i128::from(stat.st_mtime_nsec)
            } else {
                0
            };
            return Ok(FileStat {
                size: u64::try_from(stat.st_size).unwrap_or(0),
                modified_ns,
            });
        }
        let metadata = if follow {
            std::fs::metadata(path)?
        } else {
            std::fs::symlink_metadata(path)?
        };
        Ok(FileStat {
            size: metadata.len(),
            modified_ns: metadata
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128),
        })
    }

    /// The held directory of `path` and the name in it, opening the directory when `path` is
    /// in another one; `None` when it cannot be held.
    #[cfg(target_os = "linux")]
    fn held<'p>(
        &mut self,
        path: &'p Path,
    ) -> Option<(rustix::fd::BorrowedFd<'_>, &'p std::ffi::OsStr)> {
        use rustix::fd::AsFd;
        use rustix::fs::{Mode, OFlags};
        use std::os::unix::ffi::OsStrExt;
        // Split at the last `/` on the bytes: `Path::parent` and `Path`'s `==` parse components,
        // which showed in the walker's profile.
        let bytes = path.as_os_str().as_bytes();
        let slash = memchr::memrchr(b'/', bytes)?;
        let (dir, name) = (&bytes[..slash], &bytes[slash + 1..]);
        if dir.is_empty() || matches!(name, b"" | b"." | b"..") {
            return None;
        }
        if self.path.as_os_str().as_bytes() != dir {
            self.path = PathBuf::from(std::ffi::OsStr::from_bytes(dir));
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            self.fd = rustix::fs::open(dir, flags, Mode::empty()).ok();
        }
        Some((self.fd.as_ref()?.as_fd(), std::ffi::OsStr::from_bytes(name)))
    }
}

std::thread_local! {
    /// Each worker thread reads files in walk order, so it holds the directory it is in.
    static WORKER_DIR: std::cell::RefCell<ParentDir> = std::cell::RefCell::default();
}

/// Opens `path` for reading, relative to the directory this thread last read a file in.
pub fn open(path: &Path) -> io::Result<File> {
    WORKER_DIR.with_borrow_mut(|dir| dir.open(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_full_path_calls_agree() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("one.txt"), "hello").unwrap();
        std::fs::write(sub.join("two.txt"), "hi").unwrap();
        let mut held = ParentDir::default();
        for name in ["one.txt", "two.txt"] {
            let path = sub.join(name);
            let full = std::fs::metadata(&path).unwrap();
            let stat = held.stat(&path, false).unwrap();
            assert_eq!(stat.size, full.len());
            let modified = full
                .modified()
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH);
            assert_eq!(stat.modified_ns, modified.unwrap().as_nanos() as i128);
            let text = std::io::read_to_string(held.open(&path).unwrap()).unwrap();
            assert_eq!(text, std::fs::read_to_string(&path).unwrap());
        }
        let missing = held.open(&sub.join("missing.txt")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        let gone = held
            .stat(&dir.path().join("gone/x.txt"), false)
            .unwrap_err();
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_looked_at_itself_unless_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("target.txt"), "0123456789").unwrap();
        std::os::unix::fs::symlink("target.txt", dir.path().join("link.txt")).unwrap();
        let mut held = ParentDir::default();
        let link = dir.path().join("link.txt");
        assert_eq!(held.stat(&link, true).unwrap().size, 10);
        assert_eq!(
            held.stat(&link, false).unwrap().size,
            std::fs::symlink_metadata(&link).unwrap().len()
        );
    }
}
