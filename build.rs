//! Puts the git revision into `scour --version` (and the dataset card) when built from a
//! checkout; a build from a source tarball, without `.git` or without git, says only the
//! package version.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let inside = git(&["rev-parse", "--show-toplevel"]).is_some_and(|top| {
        let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        Path::new(&top).canonicalize().ok() == Path::new(&manifest).canonicalize().ok()
    });
    // Only our own checkout: a tarball unpacked inside some other repository has no revision.
    let revision = inside
        .then(|| git(&["rev-parse", "--short=10", "HEAD"]))
        .flatten();
    if let Some(revision) = &revision {
        // A new commit or checkout changes HEAD or the branch it points at.
        for path in ["HEAD", "packed-refs"] {
            if let Some(path) = git(&["rev-parse", "--git-path", path]) {
                println!("cargo:rerun-if-changed={}", absolute(&path));
            }
        }
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            if let Some(path) = git(&["rev-parse", "--git-path", &branch]) {
                println!("cargo:rerun-if-changed={}", absolute(&path));
            }
        }
        println!("cargo:rustc-env=SCOUR_VERSION={version} (rev {revision})");
    } else {
        println!("cargo:rustc-env=SCOUR_VERSION={version}");
    }
}

/// `git rev-parse --git-path` answers relative to the manifest directory.
fn absolute(path: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    Path::new(&dir).join(path).display().to_string()
}
