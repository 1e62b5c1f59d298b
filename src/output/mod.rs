//! Writes the run's files so that a killed run never leaves output that looks complete.
//!
//! Records stream into a private `.scour-tmp-<pid>` directory inside the output directory. Only
//! when the run has finished are the files moved into place with `rename` — the JSONL files first,
//! `report.json` last — so `report.json` marks a complete run: if it is there, the three JSONL
//! files beside it are whole and belong to it. `--force` deletes the previous run's files first
//! (the report before the data), so an interrupted forced run cannot leave old and new mixed.
//!
//! A run holds a lock on its output directory from the moment it prepares it until it has
//! published, so a second run there is refused instead of clearing the first one's staging
//! files. A run without a state killed while publishing is redone by the same command: the
//! files it had already moved are exactly those its staged `report.json` lists, and no
//! `report.json` in the directory means they are not a complete run, so they are removed.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lock::{self, Lock, LockError};
use crate::report::RunSummary;

/// The three record files, by stem: `clean.jsonl`, or `clean-00000.jsonl.zst` when rotated and
/// compressed.
/// Compression of the record files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputCompression {
    None,
    Zstd,
    Gzip,
}

pub const CLEAN: &str = "clean";
pub const DUPLICATES: &str = "duplicates";
pub const REJECTS: &str = "rejects";
pub const REPORT_FILE: &str = "report.json";
/// The page drawn from `report.json`, published just before it.
pub const REPORT_HTML: &str = "report.html";
const TEMP_PREFIX: &str = ".scour-tmp-";

/// How the record files are written (`[output]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFormat {
    pub compression: OutputCompression,
    /// Start a new numbered file after this many records (0: never).
    pub max_records_per_file: u64,
    /// Start a new numbered file before this many uncompressed bytes are exceeded (0: never).
    pub max_bytes_per_file: u64,
    /// zstd compresses on this many threads of its own, so compressing never serialises a run.
    pub threads: usize,
}

impl OutputFormat {
    fn rotates(&self) -> bool {
        self.max_records_per_file > 0 || self.max_bytes_per_file > 0
    }

    /// The name of part `part` of the file with this stem.
    fn file_name(&self, stem: &str, part: u32) -> String {
        let extension = match self.compression {
            OutputCompression::None => "",
            OutputCompression::Zstd => ".zst",
            OutputCompression::Gzip => ".gz",
        };
        if self.rotates() {
            format!("{stem}-{part:05}.jsonl{extension}")
        } else {
            format!("{stem}.jsonl{extension}")
        }
    }
}

impl Default for OutputFormat {
    fn default() -> Self {
        OutputFormat {
            compression: OutputCompression::None,
            max_records_per_file: 0,
            max_bytes_per_file: 0,
            threads: 1,
        }
    }
}

/// Whether `name` is one of the files a run writes (for `--force` to remove, and nothing else).
fn is_output_name(name: &str) -> bool {
    if name == REPORT_FILE || name == REPORT_HTML || name == card::CARD_FILE {
        return true;
    }
    let Some((stem, rest)) = name.split_once('.') else {
        return false;
    };
    let stem = stem
        .rsplit_once('-')
        .filter(|(_, part)| part.len() == 5 && part.bytes().all(|b| b.is_ascii_digit()))
        .map_or(stem, |(stem, _)| stem);
    [CLEAN, DUPLICATES, REJECTS].contains(&stem)
        && ["jsonl", "jsonl.zst", "jsonl.gz"].contains(&rest)
}

pub mod card;
mod writer;
pub use writer::{JsonlWriter, WriterMark};

/// The three record outputs of a run in progress.
#[derive(Debug)]
pub struct Outputs {
    dir: PathBuf,
    temp_dir: PathBuf,
    /// The output directory's lock, held until the run is published.
    lock: Option<Lock>,
    pub clean: JsonlWriter,
    pub duplicates: JsonlWriter,
    pub rejects: JsonlWriter,
}

impl Outputs {
    /// Prepares `dir`: refuses a non-empty one unless `force`, removes what a killed run left.
    /// A publish that a killed run without state left half done is undone first.
    pub fn create(dir: &Path, force: bool, format: OutputFormat) -> Result<Outputs> {
        let lock = lock_output_dir(dir)?;
        undo_interrupted_publish(dir)?;
        Outputs::prepare(dir, force, format, std::process::id().to_string(), lock)
    }

    /// Like [`Outputs::create`], staging in `.scour-tmp-<staging>`: a run with a nightly state
    /// names it after the run, so that a resumed attempt finds it.
    pub fn create_staged(
        dir: &Path,
        force: bool,
        format: OutputFormat,
        staging: String,
    ) -> Result<Outputs> {
        let lock = lock_output_dir(dir)?;
        Outputs::prepare(dir, force, format, staging, lock)
    }

    fn prepare(
        dir: &Path,
        force: bool,
        format: OutputFormat,
        staging: String,
        lock: Option<Lock>,
    ) -> Result<Outputs> {
        let io_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Output { path, source }
        };
        let mut occupied = false;
        for entry in fs::read_dir(dir).map_err(io_error(dir))? {
            let entry = entry.map_err(io_error(dir))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(TEMP_PREFIX) {
                // A killed run's leftovers are never a result; clear them.
                fs::remove_dir_all(entry.path()).map_err(io_error(&entry.path()))?;
            } else {
                occupied = true;
            }
        }
        if occupied {
            if !force {
                return Err(Error::OutputNotEmpty {
                    path: dir.to_path_buf(),
                });
            }
            // The report first: without it, what remains no longer looks like a complete run.
            let mut previous: Vec<PathBuf> = Vec::new();
            for entry in fs::read_dir(dir).map_err(io_error(dir))? {
                let entry = entry.map_err(io_error(dir))?;
                if is_output_name(&entry.file_name().to_string_lossy()) {
                    previous.push(entry.path());
                }
            }
            previous.sort_by_key(|path| !path.ends_with(REPORT_FILE));
            for path in previous {
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error(&path)(e)),
                }
            }
        }
        let temp_dir = dir.join(format!("{TEMP_PREFIX}{staging}"));
        fs::create_dir(&temp_dir).map_err(io_error(&temp_dir))?;
        Ok(Outputs {
            dir: dir.to_path_buf(),
            lock,
            clean: JsonlWriter::create(&temp_dir, CLEAN, format)?,
            duplicates: JsonlWriter::create(&temp_dir, DUPLICATES, format)?,
            rejects: JsonlWriter::create(&temp_dir, REJECTS, format)?,
            temp_dir,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes every record written so far durable; the marks let [`Outputs::resume`] go on
    /// from here.
    pub fn checkpoint(&mut self) -> Result<[WriterMark; 3]> {
        Ok([
            self.clean.checkpoint()?,
            self.duplicates.checkpoint()?,
            self.rejects.checkpoint()?,
        ])
    }

    /// Reopens the staged outputs of a killed run at its last checkpoint.
    pub fn resume(
        dir: &Path,
        staging_name: &str,
        format: OutputFormat,
        marks: &[WriterMark; 3],
    ) -> Result<Outputs> {
        let temp_dir = dir.join(staging_name);
        Ok(Outputs {
            dir: dir.to_path_buf(),
            lock: lock_output_dir(dir)?,
            clean: JsonlWriter::resume(&temp_dir, CLEAN, format, &marks[0])?,
            duplicates: JsonlWriter::resume(&temp_dir, DUPLICATES, format, &marks[1])?,
            rejects: JsonlWriter::resume(&temp_dir, REJECTS, format, &marks[2])?,
            temp_dir,
        })
    }

    /// The private directory the files are written in, until published.
    pub fn staging_path(&self) -> &Path {
        &self.temp_dir
    }

    /// The name of the private directory the files are written in, until published.
    pub fn staging_name(&self) -> String {
        self.temp_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Publishes the run: data files first, `report.json` last.
    pub fn finish(self, summary: &mut RunSummary) -> Result<()> {
        self.stage(summary, &card::Provenance::default())?.publish()
    }

    /// Ends every file and writes the dataset card and `report.json`, all synced, still in the
    /// staging directory: what is staged is whole, and only needs [`Staged::publish`] to appear.
    /// The card is staged and published like the records, so a killed publish undoes it too.
    pub fn stage(self, summary: &mut RunSummary, about: &card::Provenance) -> Result<Staged> {
        summary.bytes.output = self.clean.bytes;
        let mut published = Vec::new();
        let mut configs = Vec::new();
        for (stem, writer) in [
            (CLEAN, self.clean),
            (DUPLICATES, self.duplicates),
            (REJECTS, self.rejects),
        ] {
            let parts = writer.finish()?;
            configs.push(card::ConfigFiles {
                stem,
                files: parts.iter().map(|(_, name)| name.clone()).collect(),
            });
            published.extend(parts);
        }
        // Counted as in report.json, which the card's numbers must agree with.
        let card_path = self.temp_dir.join(card::CARD_FILE);
        write_synced(
            &card_path,
            card::render(about, &configs, summary).as_bytes(),
        )?;
        let dir = std::path::absolute(&self.dir).unwrap_or_else(|_| self.dir.clone());
        let names = published.iter().map(|(_, name)| name.as_str());
        for name in names.chain([card::CARD_FILE, REPORT_HTML, REPORT_FILE]) {
            summary
                .outputs
                .insert(name.to_string(), dir.join(name).display().to_string());
        }
        let report_path = self.temp_dir.join(REPORT_FILE);
        let json_error = |e: serde_json::Error| Error::Output {
            path: report_path.clone(),
            source: io::Error::other(e),
        };
        // The page first: staged files are published in name order with `report.json` last,
        // and a staged `report.json` means everything beside it is whole.
        let value = serde_json::to_value(&*summary).map_err(json_error)?;
        let page = crate::report::html::render(&value);
        write_synced(&self.temp_dir.join(REPORT_HTML), page.as_bytes())?;
        let mut report = serde_json::to_vec_pretty(summary).map_err(json_error)?;
        report.push(b'\n');
        write_synced(&report_path, &report)?;
        Ok(Staged {
            dir: self.dir,
            temp_dir: self.temp_dir,
            _lock: self.lock,
        })
    }
}

/// A run's files, whole and synced in the staging directory, not yet visible.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    temp_dir: PathBuf,
    _lock: Option<Lock>,
}

impl Staged {
    pub fn publish(self) -> Result<()> {
        publish_staged(&self.dir, &self.temp_dir)
    }
}

/// Creates `dir` if needed and locks it for this run, or refuses: another run is using it.
fn lock_output_dir(dir: &Path) -> Result<Option<Lock>> {
    let io_error = |source| Error::Output {
        path: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(io_error)?;
    match lock::lock_dir(dir) {
        Ok(lock) => Ok(lock),
        Err(LockError::Busy) => Err(Error::Busy {
            what: "output directory",
            path: dir.to_path_buf(),
            lock: dir.to_path_buf(),
        }),
        Err(LockError::Io(e)) => Err(io_error(e)),
    }
}

/// Whether a staging directory holds a whole staged run (its `report.json`, written last, is
/// there): such a run was killed while publishing, or is committed and waits to be.
pub fn holds_staged_run(staging: &Path) -> bool {
    staging.join(REPORT_FILE).is_file()
}

/// Without a state: a run killed while publishing left some files moved into `dir` and the rest,
/// `report.json` among them, in its staging directory. With no `report.json` in `dir`, the moved
/// files are not a complete run; they are removed with the staging directory, so that the same
/// command redoes the run from a clean directory.
fn undo_interrupted_publish(dir: &Path) -> Result<()> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Output { path, source }
    };
    if dir.join(REPORT_FILE).exists() {
        return Ok(());
    }
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let staging = entry.map_err(io_error(dir))?.path();
        let is_staging = staging
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(TEMP_PREFIX));
        if !is_staging || !holds_staged_run(&staging) {
            continue;
        }
        let report = fs::read(staging.join(REPORT_FILE)).unwrap_or_default();
        let listed: Vec<String> = serde_json::from_slice::<serde_json::Value>(&report)
            .ok()
            .and_then(|r| {
                r.get("outputs")?
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
            })
            .unwrap_or_default();
        for name in listed.iter().filter(|name| is_output_name(name)) {
            let moved = dir.join(name);
            if !staging.join(name).exists() && moved.is_file() {
                fs::remove_file(&moved).map_err(io_error(&moved))?;
            }
        }
        fs::remove_dir_all(&staging).map_err(io_error(&staging))?;
    }
    Ok(())
}

/// Draws `dir/report.html` again from `dir/report.json` — with `nights` as the trend when
/// given (a state's nights since) — and returns its path. Written beside and renamed over the
/// old page, under the output directory's lock, so a reader never sees half a page.
pub fn redraw_report_html(
    dir: &Path,
    nights: Option<Vec<crate::report::figures::Night>>,
) -> Result<PathBuf> {
    let error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Output { path, source }
    };
    let report_path = dir.join(REPORT_FILE);
    let bytes = fs::read(&report_path).map_err(error(&report_path))?;
    let mut value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| error(&report_path)(io::Error::new(io::ErrorKind::InvalidData, e)))?;
    if let Some(nights) = nights {
        value["nights"] =
            serde_json::to_value(nights).map_err(|e| error(&report_path)(io::Error::other(e)))?;
    }
    let _lock = lock_output_dir(dir)?;
    let page_path = dir.join(REPORT_HTML);
    let temp = dir.join(format!(".{REPORT_HTML}.{}.tmp", std::process::id()));
    write_synced(&temp, crate::report::html::render(&value).as_bytes())?;
    fs::rename(&temp, &page_path).map_err(error(&page_path))?;
    Ok(page_path)
}

/// Whether an I/O error means the file system is full (or the quota is spent).
pub fn is_no_space(error: &io::Error) -> bool {
    // ENOSPC and EDQUOT on Linux.
    error.kind() == io::ErrorKind::StorageFull || matches!(error.raw_os_error(), Some(28 | 122))
}

/// Removes a staging directory that will not be published (a failed or stopped run); the bytes
/// it held.
pub fn remove_staging(staging: &Path) -> u64 {
    let bytes = fs::read_dir(staging)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.metadata().ok())
        .map(|meta| meta.len())
        .sum();
    let _ = fs::remove_dir_all(staging);
    bytes
}

/// Moves the staged files in `temp_dir` into `dir`, data files first, then the card, and
/// `report.json` last,
/// then removes `temp_dir`. Safe to repeat after a crash part-way: what was moved is no longer
/// in `temp_dir`, and the rest follows.
pub fn publish_staged(dir: &Path, temp_dir: &Path) -> Result<()> {
    let error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Output { path, source }
    };
    let mut names: Vec<String> = Vec::new();
    match fs::read_dir(temp_dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(error(temp_dir))?;
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(error(temp_dir)(e)),
    }
    // The records first, then the card that describes them, `report.json` last.
    names.sort_by_key(|name| (name == REPORT_FILE, name == card::CARD_FILE, name.clone()));
    for (moved, name) in names.into_iter().enumerate() {
        crate::crash::crash_point("publishing");
        if moved == 1 {
            crate::crash::crash_point("half-published");
        }
        let final_path = dir.join(&name);
        fs::rename(temp_dir.join(&name), &final_path).map_err(error(&final_path))?;
    }
    fs::remove_dir(temp_dir).map_err(error(temp_dir))?;
    // Make the renames themselves durable where the filesystem can; some cannot sync a
    // directory, and the data files themselves are already synced.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let error = |source| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::create(path).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.sync_all().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_visible_until_finish() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut outputs = Outputs::create(&out, false, OutputFormat::default()).unwrap();
        outputs.clean.write(&serde_json::json!({"a": 1})).unwrap();
        assert!(!out.join("clean.jsonl").exists());
        outputs.finish(&mut RunSummary::default()).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("clean.jsonl")).unwrap(),
            "{\"a\":1}\n"
        );
        assert!(out.join(REPORT_FILE).exists());
        let names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names.len(),
            6,
            "three record files, the card, report.html and report.json; no temporary directory is left: {names:?}"
        );
        assert!(out.join(REPORT_HTML).exists());
    }

    #[test]
    fn a_non_empty_directory_needs_force_and_a_killed_runs_leftovers_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".scour-tmp-1")).unwrap();
        Outputs::create(dir.path(), false, OutputFormat::default()).unwrap();
        fs::write(dir.path().join(REPORT_FILE), "{}").unwrap();
        fs::write(dir.path().join("clean-00003.jsonl.zst"), "old").unwrap();
        fs::write(dir.path().join("clean-notes.txt"), "the user's").unwrap();
        assert!(matches!(
            Outputs::create(dir.path(), false, OutputFormat::default()),
            Err(Error::OutputNotEmpty { .. })
        ));
        Outputs::create(dir.path(), true, OutputFormat::default()).unwrap();
        assert!(!dir.path().join(REPORT_FILE).exists());
        assert!(!dir.path().join("clean-00003.jsonl.zst").exists());
        assert!(
            dir.path().join("clean-notes.txt").exists(),
            "only scour's outputs are removed"
        );
    }

    #[test]
    fn rotated_compressed_parts_hold_every_record_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let format = OutputFormat {
            compression: OutputCompression::Zstd,
            max_records_per_file: 2,
            max_bytes_per_file: 0,
            threads: 2,
        };
        let mut outputs = Outputs::create(dir.path(), false, format).unwrap();
        for i in 0..5 {
            outputs.clean.write(&serde_json::json!({ "i": i })).unwrap();
        }
        outputs.finish(&mut RunSummary::default()).unwrap();
        let mut all = String::new();
        for part in 0..3 {
            let name = format!("clean-{part:05}.jsonl.zst");
            let bytes = fs::read(dir.path().join(&name)).unwrap();
            all.push_str(&String::from_utf8(zstd::decode_all(&bytes[..]).unwrap()).unwrap());
        }
        assert_eq!(
            all,
            "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n{\"i\":3}\n{\"i\":4}\n"
        );
        assert!(!dir.path().join("clean-00003.jsonl.zst").exists());
        assert!(dir.path().join("rejects-00000.jsonl.zst").exists());
    }

    #[test]
    fn output_names_are_recognised_exactly() {
        for name in [
            "clean.jsonl",
            "rejects-00012.jsonl.gz",
            "duplicates.jsonl.zst",
            "report.json",
        ] {
            assert!(is_output_name(name), "{name}");
        }
        for name in [
            "clean.txt",
            "clean-notes.jsonl",
            "clean-1.jsonl",
            "myclean.jsonl",
        ] {
            assert!(!is_output_name(name), "{name}");
        }
    }
}
