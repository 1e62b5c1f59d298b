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
) -> impl Iterator<Item = Discovered> + 'p {
    let skip = skip_dir.map(SkipDir::new);
    let walker = WalkDir::new(&root.path)
        .follow_links(plan.follow_symlinks)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(move |entry| {
            if entry.depth() == 0 || !entry.file_type().is_dir() {
                return true;
            }
            let relative = relative(&root.path, entry.path());
            if plan.exclude.is_match(&relative) {
                return false;
            }
            skip.as_ref().is_none_or(|skip| !skip.is(entry))
        });
    let mut parent = ParentDir::default();
    walker.filter_map(move |entry| classify(plan, root, entry, &mut parent))
}

/// The directory the walk must not enter, known by its identity: comparing canonical paths
/// cost a `stat` per component of every directory, quadratic in the depth of the tree (1,500
/// levels took 46 s).
struct SkipDir {
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

fn classify(
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
    let file_type = entry.file_type();
    if file_type.is_dir() {
        return None;
    }
    let relative = relative(&root.path, entry.path());
    let relative = if relative.is_empty() {
        // A root that is itself a file is named by its file name.
        entry.file_name().to_string_lossy().into_owned()
    } else {
        relative
    };
    if !plan.include.is_match(&relative) || plan.exclude.is_match(&relative) {
        return None;
    }
    let source = format!("{}{relative}", root.source_prefix);
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

/// `path` relative to `root`, `/`-separated; empty for the root itself.
fn relative(root: &Path, path: &Path) -> String {
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
                if let Ok(rest) = std::str::from_utf8(rest) {
                    return rest.to_string();
                }
            }
        }
    }
    relative_by_components(root, path)
}

fn relative_by_components(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for component in relative.components() {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(&component.as_os_str().to_string_lossy());
    }
    out
}

fn source_name(root: &InputRoot, path: &Path) -> String {
    let relative = relative(&root.path, path);
    if relative.is_empty() {
        format!("{}{}", root.source_prefix, root.path.display())
    } else {
        format!("{}{relative}", root.source_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::plan::{Overrides, build};

    fn plan_for(dir: &Path) -> InputPlan {
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

    fn sources(plan: &InputPlan) -> Vec<String> {
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
                relative(root, path),
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
