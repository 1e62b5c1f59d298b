//! The walk with `input.follow_symlinks = true`: links to directories are walked into, and a
//! link back to a directory above it is a `symlink_loop`, known by (device, inode).
//!
//! walkdir follows links itself, but checks each followed link against its ancestors by opening
//! every ancestor again (by full path), which grows with the square of the depth for each link.
//! Here the walk never follows links; it keeps the identity of every directory from the root down
//! to where it is (one `stat` as each directory is entered), and a link to a directory is a
//! compare against that stack, then a walk of its own, spliced in at the link's sorted place, as
//! walkdir would have yielded it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use walkdir::WalkDir;

use super::{Discovered, InputPlan, InputRoot, ParentDir, SkipDir, classify, enters};
use crate::article::RejectReason;

/// A directory between the root's file system root and where the walk is.
#[derive(Debug, Clone)]
struct Ancestor {
    /// (device, inode); `None` when it could not be had.
    id: Option<(u64, u64)>,
    path: PathBuf,
}

fn id_of(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The walk of one root, following links.
pub(super) fn walk_following<'p>(
    plan: &'p InputPlan,
    root: &'p InputRoot,
    skip: Rc<Option<SkipDir>>,
) -> Box<dyn Iterator<Item = Discovered> + 'p> {
    // The directories above the root count too: a link to one of them is a loop.
    let mut above = Vec::new();
    if let Ok(canonical) = root.path.canonicalize() {
        let mut path = canonical.parent();
        while let Some(dir) = path {
            above.push(Ancestor {
                id: id_of(dir),
                path: dir.to_path_buf(),
            });
            path = dir.parent();
        }
        above.reverse();
    }
    walk_from(plan, root, root.path.clone(), skip, above)
}

/// The walk of the tree at `start` (the root, or a followed link under it), below `ancestors`.
fn walk_from<'p>(
    plan: &'p InputPlan,
    root: &'p InputRoot,
    start: PathBuf,
    skip: Rc<Option<SkipDir>>,
    ancestors: Vec<Ancestor>,
) -> Box<dyn Iterator<Item = Discovered> + 'p> {
    let skip_entry = Rc::clone(&skip);
    let walker = WalkDir::new(&start)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(move |entry| enters(plan, root, &skip_entry, entry));
    let base = ancestors.len();
    let mut stack = ancestors;
    let mut parent = ParentDir::default();
    Box::new(
        walker.flat_map(move |entry| -> Box<dyn Iterator<Item = Discovered> + 'p> {
            if let Ok(entry) = &entry {
                // The stack holds the directories above this entry, and a directory itself.
                stack.truncate(base + entry.depth());
                // The start of a walk from a followed link is that link: a directory here.
                let start = entry.depth() == 0 && entry.path().is_dir();
                if entry.file_type().is_dir() || start {
                    stack.push(Ancestor {
                        id: id_of(entry.path()),
                        path: entry.path().to_path_buf(),
                    });
                    return Box::new(std::iter::empty());
                }
                if entry.file_type().is_symlink() {
                    let target = std::fs::metadata(entry.path()).ok();
                    if let Some(target) = target.filter(|t| t.is_dir()) {
                        let id = Some((target.dev(), target.ino()));
                        if let Some(ancestor) = stack.iter().find(|a| a.id == id) {
                            return Box::new(std::iter::once(Discovered::Problem {
                                source: super::source_name(root, entry.path()),
                                reason: RejectReason::SymlinkLoop,
                                detail: format!("link leads back to {}", ancestor.path.display()),
                            }));
                        }
                        let relative = super::relative_raw(&root.path, entry.path());
                        let skipped = skip.as_ref().as_ref().is_some_and(|s| s.is_id(id));
                        if plan.exclude.is_match(super::path_of(&relative)) || skipped {
                            return Box::new(std::iter::empty());
                        }
                        return walk_from(
                            plan,
                            root,
                            entry.path().to_path_buf(),
                            Rc::clone(&skip),
                            stack.clone(),
                        );
                    }
                }
            }
            Box::new(classify(plan, root, entry, &mut parent).into_iter())
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{plan_for, sources};

    #[test]
    fn links_to_directories_are_walked_in_place_and_loops_found_by_identity() {
        let dir = tempfile::tempdir().unwrap();
        for path in ["a/x.txt", "c/y.txt", "d/z.txt"] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        // b -> c: walked as b/…, in b's place; c/back -> .. loops to the root; d/far -> / loops
        // to a directory above the root.
        std::os::unix::fs::symlink("c", dir.path().join("b")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("c/back")).unwrap();
        std::os::unix::fs::symlink("/", dir.path().join("d/far")).unwrap();
        std::os::unix::fs::symlink("x.txt", dir.path().join("a/w.txt")).unwrap();
        let mut plan = plan_for(dir.path());
        plan.follow_symlinks = true;
        assert_eq!(
            sources(&plan),
            [
                "a/w.txt",
                "a/x.txt",
                "b/back (symlink_loop)",
                "b/y.txt",
                "c/back (symlink_loop)",
                "c/y.txt",
                "d/far (symlink_loop)",
                "d/z.txt"
            ]
        );
    }
}
