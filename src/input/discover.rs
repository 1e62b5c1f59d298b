//! Finds the inputs: walks the roots in a stable order and says what every entry is.
//!
//! Sorted order is what makes the output deterministic and the dedup winner "the first in sorted
//! `source` order", so the walk sorts each directory's entries by name and yields files depth
//! first: the order of their paths compared component by component. It streams — memory grows
//! with the depth of the tree, not the number of files. Every entry that is an input but cannot be
//! read as one (a symbolic link not followed, a link loop, a FIFO, an unreadable directory) is
//! yielded as a [`Discovered::Problem`], so it ends in `rejects.jsonl` instead of vanishing.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::at_dir::ParentDir;

#[cfg(unix)]
mod links;
use super::{InputPlan, InputRoot};
use crate::article::RejectReason;

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    /// The path relative to its root, `/`-separated, prefixed with the root's name when there
    /// are several roots.
    pub source: String,
    /// Size when walked (the read enforces the limit again, in case the file grew).
    pub size: u64,
    /// Modification time in nanoseconds since the epoch, 0 if unknown.
    pub modified_ns: i128,
    /// What the nightly state knew of this file, when it was read before with another time.
    pub known: Option<crate::state::FileStamp>,
}

/// What the walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovered {
    File(Source),
    /// Part of a large JSON Lines dump, read by the walker so it streams through the run.
    Chunk(super::dump::DumpChunk),
    /// Part of a large WARC archive, read by the walker for the same reason.
    WarcChunk(super::warc::WarcChunk),
    /// A file the nightly state read before, unchanged: it is not read again.
    Unchanged {
        source: String,
    },
    /// A streamed file the nightly state is to remember (whole files are remembered as read).
    Streamed {
        source: String,
        stamp: crate::state::FileStamp,
    },
    Problem {
        source: String,
        reason: RejectReason,
        detail: String,
    },
}

/// Walks all roots in order. `skip_dir` is a directory never to enter (the output directory, so
/// a second run does not read the first one's output).
pub fn walk<'p>(
    plan: &'p InputPlan,
    skip_dir: Option<PathBuf>,
) -> impl Iterator<Item = Discovered> + 'p {
    plan.roots
        .iter()
        .flat_map(move |root| walk_root(plan, root, skip_dir.clone()))
}

/// Counts the files a walk will yield and their bytes, for a progress bar with an ETA.
pub fn count(plan: &InputPlan, skip_dir: Option<PathBuf>) -> (u64, u64) {
    walk(plan, skip_dir).fold((0, 0), |(files, bytes), found| match found {
        Discovered::File(source) => (files + 1, bytes + source.size),
        Discovered::Problem { .. }
        | Discovered::Chunk(_)
        | Discovered::WarcChunk(_)
        | Discovered::Unchanged { .. } => (files + 1, bytes),
        Discovered::Streamed { .. } => (files, bytes),
    })
}

fn walk_root<'p>(
    plan: &'p InputPlan,
    root: &'p InputRoot,
    skip_dir: Option<PathBuf>,
) -> Box<dyn Iterator<Item = Discovered> + 'p> {
    let skip = std::rc::Rc::new(skip_dir.map(SkipDir::new));
    #[cfg(unix)]
    if plan.follow_symlinks {
        return links::walk_following(plan, root, skip);
    }
    let walker = WalkDir::new(&root.path)
        .follow_links(plan.follow_symlinks)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(move |entry| enters(plan, root, &skip, entry));
    let mut parent = ParentDir::default();
    Box::new(walker.filter_map(move |entry| classify(plan, root, entry, &mut parent)))
}

/// Whether the walk goes into `entry`: not into an excluded directory or the output directory.
fn enters(
    plan: &InputPlan,
    root: &InputRoot,
    skip: &Option<SkipDir>,
    entry: &walkdir::DirEntry,
) -> bool {
    if entry.depth() == 0 || !entry.file_type().is_dir() {
        return true;
    }
    let relative = relative_raw(&root.path, entry.path());
    if plan.exclude.is_match(path_of(&relative)) {
        return false;
    }
    skip.as_ref().is_none_or(|skip| !skip.is(entry))
}

/// The directory the walk must not enter, known by its identity: comparing canonical paths
/// cost a `stat` per component of every directory, quadratic in the depth of the tree (1,500
/// levels took 46 s).
pub(super) struct SkipDir {
    #[cfg(not(unix))]
    path: PathBuf,
    /// Device and inode, when they can be had.
    #[cfg(unix)]
    id: Option<(u64, u64)>,
}

impl SkipDir {
    fn new(path: PathBuf) -> SkipDir {
        SkipDir {
            #[cfg(unix)]
            id: std::fs::metadata(&path).ok().map(|m| {
                use std::os::unix::fs::MetadataExt;
                (m.dev(), m.ino())
            }),
            #[cfg(not(unix))]
            path,
        }
    }

    /// Whether a directory of this (device, inode) is the one to skip.
    #[cfg(unix)]
    fn is_id(&self, id: Option<(u64, u64)>) -> bool {
        self.id.is_some() && self.id == id
    }

    fn is(&self, entry: &walkdir::DirEntry) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            use walkdir::DirEntryExt;
            // The inode comes with the directory listing; only a match costs a `stat`.
            let Some((dev, ino)) = self.id else {
                return false;
            };
            entry.ino() == ino && entry.metadata().is_ok_and(|m| m.dev() == dev)
        }
        #[cfg(not(unix))]
        entry.path().canonicalize().is_ok_and(|p| p == self.path)
    }
}

/// Relative path bytes as a path, for glob matching.
fn path_of(bytes: &[u8]) -> &Path {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Path::new(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    Path::new(std::str::from_utf8(bytes).unwrap_or_default())
}

pub(super) fn classify(
    plan: &InputPlan,
    root: &InputRoot,
    entry: walkdir::Result<walkdir::DirEntry>,
    parent: &mut ParentDir,
) -> Option<Discovered> {
    let entry = match entry {
        Ok(entry) => entry,
        Err(error) => {
            let path = error.path().unwrap_or(&root.path);
            let source = source_name(root, path);
            if let Some(ancestor) = error.loop_ancestor() {
                return Some(Discovered::Problem {
                    source,
                    reason: RejectReason::SymlinkLoop,
                    detail: format!("link leads back to {}", ancestor.display()),
                });
            }
            let detail = match error.io_error() {
                Some(io) => io.to_string(),
                None => error.to_string(),
            };
            return Some(Discovered::Problem {
                source,
                reason: RejectReason::Unreadable,
                detail,
            });
        }
    };
    let mut file_type = entry.file_type();
    // Followed, a link is what it leads to (links to directories are walked in `links`).
    if file_type.is_symlink() && plan.follow_symlinks {
        match std::fs::metadata(entry.path()) {
            Ok(target) => file_type = target.file_type(),
            Err(error) => {
                return Some(Discovered::Problem {
                    source: source_name(root, entry.path()),
                    reason: RejectReason::Unreadable,
                    detail: error.to_string(),
                });
            }
        }
    }
    if file_type.is_dir() {
        return None;
    }
    let relative = relative_raw(&root.path, entry.path());
    let relative = if relative.is_empty() {
        // A root that is itself a file is named by its file name.
        name_bytes(entry.file_name())
    } else {
        relative
    };
    // Globs match the name as it is, not as it is escaped.
    let raw = path_of(&relative);
    if !plan.include.is_match(raw) || plan.exclude.is_match(raw) {
        return None;
    }
    let source = format!("{}{}", root.source_prefix, escape_name(&relative));
    if file_type.is_symlink() {
        return Some(Discovered::Problem {
            source,
            reason: RejectReason::Symlink,
            detail: "symbolic link not followed (input.follow_symlinks = false)".into(),
        });
    }
    if !file_type.is_file() {
        return Some(Discovered::Problem {
            source,
            reason: RejectReason::NotAFile,
            detail: "not a regular file (FIFO, socket or device)".into(),
        });
    }
    let (size, modified_ns) = match parent.stat(entry.path(), plan.follow_symlinks) {
        Ok(stat) => (stat.size, stat.modified_ns),
        Err(error) => {
            return Some(Discovered::Problem {
                source,
                reason: RejectReason::Unreadable,
                detail: error.to_string(),
            });
        }
    };
    Some(Discovered::File(Source {
        path: entry.into_path(),
        source,
        size,
        modified_ns,
        known: None,
    }))
}

/// `path` relative to `root`, `/`-separated, as a `source`: escaped by [`escape_name`]; empty
/// for the root itself.
fn relative(root: &Path, path: &Path) -> String {
    escape_name(&relative_raw(root, path))
}

/// `path` relative to `root`, `/`-separated, in the file system's own bytes (what globs match);
/// empty for the root itself.
fn relative_raw<'a>(root: &Path, path: &'a Path) -> std::borrow::Cow<'a, [u8]> {
    // The walk joins names to the root with `/`, so the bytes after the root are the answer
    // when they hold only plain names; component parsing, which showed in the walker's
    // profile, is left for anything else.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (root, path) = (root.as_os_str().as_bytes(), path.as_os_str().as_bytes());
        if let Some(rest) = path.strip_prefix(root) {
            let rest = match rest {
                [b'/', rest @ ..] => rest,
                _ if root.ends_with(b"/") => rest,
                _ => &[][..],
            };
            let plain = |rest: &[u8]| {
                rest.split(|&b| b == b'/')
                    .all(|name| !matches!(name, b"" | b"." | b".."))
            };
            if !rest.is_empty() && plain(rest) {
                return std::borrow::Cow::Borrowed(rest);
            }
        }
    }
    std::borrow::Cow::Owned(relative_by_components(root, path))
}

fn relative_by_components(root: &Path, path: &Path) -> Vec<u8> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut out = Vec::new();
    for component in relative.components() {
        if !out.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(&name_bytes(component.as_os_str()));
    }
    out
}

/// A name's bytes as the file system holds them (on Unix; elsewhere its UTF-8, lossily).
fn name_bytes(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(name.as_bytes())
    }
    #[cfg(not(unix))]
    match name.to_string_lossy() {
        std::borrow::Cow::Borrowed(text) => std::borrow::Cow::Borrowed(text.as_bytes()),
        std::borrow::Cow::Owned(text) => std::borrow::Cow::Owned(text.into_bytes()),
    }
}

/// A file name (or path) as it appears in a `source`: unchanged when it is UTF-8 without `%` or
/// `#`; otherwise each byte that is not UTF-8, and each `%` and `#`, becomes `%XX` (its
/// hexadecimal value). Lossless and one-to-one, so that `bad\xff.txt` and `bad\xfe.txt` are two
/// sources, and a file named `a.jsonl#1` (`a.jsonl%231`) is never record 1 of `a.jsonl`; and
/// the nightly state, keyed by source, keys every file apart.
pub fn escape_name(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '%' => out.push_str("%25"),
                '#' => out.push_str("%23"),
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A root's own name as it starts its sources (with several roots), escaped as any name.
pub fn escape_root_name(name: &std::ffi::OsStr) -> String {
    escape_name(&name_bytes(name))
}

fn source_name(root: &InputRoot, path: &Path) -> String {
    let relative = relative(&root.path, path);
    if relative.is_empty() {
        format!(
            "{}{}",
            root.source_prefix,
            escape_name(&name_bytes(root.path.as_os_str()))
        )
    } else {
        format!("{}{relative}", root.source_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::plan::{Overrides, build};

    pub(super) fn plan_for(dir: &Path) -> InputPlan {
        build(
            None,
            &Overrides {
                inputs: vec![dir.to_path_buf()],
                ..Overrides::default()
            },
        )
        .unwrap()
        .input
    }

    pub(super) fn sources(plan: &InputPlan) -> Vec<String> {
        walk(plan, None)
            .map(|d| match d {
                Discovered::File(s) => s.source,
                Discovered::Chunk(c) => c.source,
                Discovered::WarcChunk(c) => c.source,
                Discovered::Unchanged { source } | Discovered::Streamed { source, .. } => source,
                Discovered::Problem { source, reason, .. } => {
                    format!("{source} ({})", reason.code())
                }
            })
            .collect()
    }

    #[test]
    fn relative_paths_by_bytes_agree_with_components() {
        let cases = [
            ("in", "in/a/b.txt"),
            ("in/", "in/a/b.txt"),
            ("./in", "./in/a.txt"),
            ("in", "in"),
            ("in", "in/./a.txt"),
            ("in", "in//a.txt"),
            ("in", "inner/a.txt"),
            ("/", "/a/b.txt"),
        ];
        for (root, path) in cases {
            let (root, path) = (Path::new(root), Path::new(path));
            assert_eq!(
                relative_raw(root, path).into_owned(),
                relative_by_components(root, path),
                "{root:?} {path:?}"
            );
        }
    }

    #[test]
    fn files_come_in_component_order_and_hidden_entries_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            "b.txt",
            "a/z.txt",
            "a.txt",
            "a/b/c.txt",
            ".git/config",
            "c/.hidden",
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        assert_eq!(
            sources(&plan_for(dir.path())),
            ["a/b/c.txt", "a/z.txt", "a.txt", "b.txt"]
        );
    }

    #[test]
    fn escaped_names_are_unchanged_when_plain_and_one_to_one_otherwise() {
        assert_eq!(escape_name(b"news/2024/a-b_c.txt"), "news/2024/a-b_c.txt");
        assert_eq!(escape_name("서울/기사.txt".as_bytes()), "서울/기사.txt");
        assert_eq!(escape_name(b"bad\xff.txt"), "bad%FF.txt");
        assert_eq!(escape_name(b"bad\xfe.txt"), "bad%FE.txt");
        assert_eq!(escape_name(b"a.jsonl#1"), "a.jsonl%231");
        // `%` itself is escaped, so no name can pass for another's escape.
        assert_eq!(escape_name(b"bad%FF.txt"), "bad%25FF.txt");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn names_that_are_not_utf8_or_hold_the_record_separator_get_distinct_sources() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        for name in [
            &b"bad\xff.txt"[..],
            b"bad\xfe.txt",
            b"a.jsonl#1",
            b"100%.txt",
        ] {
            let path = dir.path().join(std::ffi::OsStr::from_bytes(name));
            std::fs::write(path, "x").unwrap();
        }
        assert_eq!(
            sources(&plan_for(dir.path())),
            ["100%25.txt", "a.jsonl%231", "bad%FE.txt", "bad%FF.txt"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_and_fifos_are_reported_not_followed_or_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.txt"), "x").unwrap();
        std::os::unix::fs::symlink("real.txt", dir.path().join("link.txt")).unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        let mut expected = vec!["link.txt (symlink)"];
        if status.is_ok_and(|s| s.success()) {
            expected.push("pipe (not_a_file)");
        }
        expected.push("real.txt");
        assert_eq!(sources(&plan_for(dir.path())), expected);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_loop_is_a_problem_when_following_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("d/up")).unwrap();
        std::fs::write(dir.path().join("d/f.txt"), "x").unwrap();
        let mut plan = plan_for(dir.path());
        plan.follow_symlinks = true;
        assert_eq!(sources(&plan), ["d/f.txt", "d/up (symlink_loop)"]);
    }
}
