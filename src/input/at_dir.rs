//! Files opened and looked at relative to their directory.
//!
//! The walk visits files directory by directory, and every `open` or `stat` by full path makes
//! the kernel look up each component of that path again: on the benchmark corpus, path lookups
//! were a tenth of the kernel's time. Holding the file's directory open (`O_PATH`, which needs no
//! read permission) and calling `openat`/`statat` with the file's name looks up one component
//! instead. Where the directory cannot be held (another OS, or an error opening it), the full
//! path is used, so the outcome is the same either way; only the cost differs.
//!
//! It is also where a file is opened safely: between the walk and the read a file can be swapped
//! for a FIFO (whose open would block a worker forever) or a link, so the open never blocks or
//! follows a link it should not, and what the descriptor is decides whether it is read.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::article::RejectReason;

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
    /// Opens `path` for reading without ever blocking: `O_NONBLOCK`, so a FIFO put in a file's
    /// place after the walk opens at once (and is then refused by [`open_regular`]); and
    /// `O_NOFOLLOW` unless `follow`, so a file swapped for a link after the walk is not read
    /// through it.
    pub fn open(&mut self, path: &Path, follow: bool) -> io::Result<File> {
        #[cfg(unix)]
        use rustix::fs::OFlags;
        #[cfg(unix)]
        let flags = if follow {
            OFlags::NONBLOCK
        } else {
            OFlags::NONBLOCK | OFlags::NOFOLLOW
        };
        #[cfg(target_os = "linux")]
        if let Some((dir, name)) = self.held(path) {
            use rustix::fs::Mode;
            let flags = OFlags::RDONLY | OFlags::CLOEXEC | flags;
            let fd = rustix::fs::openat(dir, name, flags, Mode::empty())?;
            return Ok(File::from(fd));
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(flags.bits() as i32);
        }
        #[cfg(not(unix))]
        let _ = follow;
        options.open(path)
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

/// Opens the file the walk found at `path` for reading, relative to the directory this thread
/// last read a file in, and checks what the descriptor is: the walk's look is stale by now, and
/// only a regular file is read. Gives the file and its size as opened, or the reject it is.
pub(crate) fn open_regular(
    path: &Path,
    follow: bool,
) -> Result<(File, u64), (RejectReason, String)> {
    let file = WORKER_DIR
        .with_borrow_mut(|dir| dir.open(path, follow))
        .map_err(|error| {
            #[cfg(unix)]
            if !follow && error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                return (
                    RejectReason::Symlink,
                    "became a symbolic link after the walk, not followed \
                     (input.follow_symlinks = false)"
                        .to_string(),
                );
            }
            (RejectReason::Unreadable, error.to_string())
        })?;
    let metadata = file
        .metadata()
        .map_err(|error| (RejectReason::Unreadable, error.to_string()))?;
    if !metadata.is_file() {
        return Err((
            RejectReason::NotAFile,
            format!("not a regular file when opened ({})", kind(&metadata)),
        ));
    }
    Ok((file, metadata.len()))
}

/// What a file that is not a regular one is, in words.
fn kind(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO";
        } else if kind.is_char_device() {
            return "a character device";
        } else if kind.is_block_device() {
            return "a block device";
        } else if kind.is_socket() {
            return "a socket";
        }
    }
    if metadata.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
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
            let text = std::io::read_to_string(held.open(&path, false).unwrap()).unwrap();
            assert_eq!(text, std::fs::read_to_string(&path).unwrap());
        }
        let missing = held.open(&sub.join("missing.txt"), false).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        let gone = held
            .stat(&dir.path().join("gone/x.txt"), false)
            .unwrap_err();
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
    }

    /// `open_regular` on another thread, so that a blocking open fails the test instead of
    /// hanging it.
    #[cfg(unix)]
    fn open_in_time(path: &Path, follow: bool) -> Result<u64, (RejectReason, String)> {
        let (send, receive) = std::sync::mpsc::channel();
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let _ = send.send(open_regular(&path, follow).map(|(_, size)| size));
        });
        receive
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the open blocked")
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_swapped_in_after_the_walk_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("article.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success(), "mkfifo");
        for follow in [false, true] {
            let (reason, detail) = open_in_time(&fifo, follow).unwrap_err();
            assert_eq!(reason, RejectReason::NotAFile, "{detail}");
            assert!(detail.contains("FIFO"), "{detail}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_swapped_in_after_the_walk_is_not_followed_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("article.txt");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let (reason, _) = open_in_time(&link, false).unwrap_err();
        assert_eq!(reason, RejectReason::Symlink);
        // Followed, it leads to a device, which is no file either.
        let (reason, detail) = open_in_time(&link, true).unwrap_err();
        assert_eq!(reason, RejectReason::NotAFile, "{detail}");
        std::fs::write(dir.path().join("real.txt"), "12345").unwrap();
        let real = dir.path().join("real-link.txt");
        std::os::unix::fs::symlink("real.txt", &real).unwrap();
        assert_eq!(open_in_time(&real, true).unwrap(), 5);
        assert_eq!(
            open_in_time(&dir.path().join("real.txt"), false).unwrap(),
            5
        );
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
