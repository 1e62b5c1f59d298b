//! Writes the run's files so that a killed run never leaves output that looks complete.
//!
//! Records stream into a private `.scour-tmp-<pid>` directory inside the output directory. Only
//! when the run has finished are the files moved into place with `rename` — the JSONL files first,
//! `report.json` last — so `report.json` marks a complete run: if it is there, the three JSONL
//! files beside it are whole and belong to it. `--force` deletes the previous run's files first
//! (the report before the data), so an interrupted forced run cannot leave old and new mixed.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::report::RunSummary;

pub const CLEAN_FILE: &str = "clean.jsonl";
pub const DUPLICATES_FILE: &str = "duplicates.jsonl";
pub const REJECTS_FILE: &str = "rejects.jsonl";
pub const REPORT_FILE: &str = "report.json";
const TEMP_PREFIX: &str = ".scour-tmp-";

/// One JSONL file being written.
#[derive(Debug)]
pub struct JsonlWriter {
    file: BufWriter<File>,
    temp_path: PathBuf,
    final_name: &'static str,
    line: Vec<u8>,
    pub records: u64,
    pub bytes: u64,
}

impl JsonlWriter {
    fn create(temp_dir: &Path, final_name: &'static str) -> Result<JsonlWriter> {
        let temp_path = temp_dir.join(final_name);
        let file = File::create(&temp_path).map_err(|source| Error::Output {
            path: temp_path.clone(),
            source,
        })?;
        Ok(JsonlWriter {
            file: BufWriter::with_capacity(1 << 20, file),
            temp_path,
            final_name,
            line: Vec::with_capacity(16 * 1024),
            records: 0,
            bytes: 0,
        })
    }

    /// Appends one record as one line.
    pub fn write<T: Serialize>(&mut self, record: &T) -> Result<()> {
        self.line.clear();
        // Serialising our own record types into memory cannot fail.
        serde_json::to_writer(&mut self.line, record)
            .map_err(|e| self.error(io::Error::other(e)))?;
        self.line.push(b'\n');
        self.file.write_all(&self.line).map_err(|e| self.error(e))?;
        self.records += 1;
        self.bytes += self.line.len() as u64;
        Ok(())
    }

    /// Appends one line that `fill` writes (for records with a faster writer than serde's).
    pub fn write_with(&mut self, fill: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        self.line.clear();
        fill(&mut self.line);
        self.line.push(b'\n');
        self.file.write_all(&self.line).map_err(|e| self.error(e))?;
        self.records += 1;
        self.bytes += self.line.len() as u64;
        Ok(())
    }

    fn error(&self, source: io::Error) -> Error {
        Error::Output {
            path: self.temp_path.clone(),
            source,
        }
    }

    /// Flushes and syncs the file, so the rename that follows publishes whole data.
    fn finish(self) -> Result<(PathBuf, &'static str)> {
        let file = self.file.into_inner().map_err(|e| Error::Output {
            path: self.temp_path.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(|source| Error::Output {
            path: self.temp_path.clone(),
            source,
        })?;
        Ok((self.temp_path, self.final_name))
    }
}

/// The three JSONL outputs of a run in progress.
#[derive(Debug)]
pub struct Outputs {
    dir: PathBuf,
    temp_dir: PathBuf,
    pub clean: JsonlWriter,
    pub duplicates: JsonlWriter,
    pub rejects: JsonlWriter,
}

impl Outputs {
    /// Prepares `dir`: refuses a non-empty one unless `force`, removes what a killed run left.
    pub fn create(dir: &Path, force: bool) -> Result<Outputs> {
        let io_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Output { path, source }
        };
        fs::create_dir_all(dir).map_err(io_error(dir))?;
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
            for name in [REPORT_FILE, CLEAN_FILE, DUPLICATES_FILE, REJECTS_FILE] {
                let path = dir.join(name);
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error(&path)(e)),
                }
            }
        }
        let temp_dir = dir.join(format!("{TEMP_PREFIX}{}", std::process::id()));
        fs::create_dir(&temp_dir).map_err(io_error(&temp_dir))?;
        Ok(Outputs {
            dir: dir.to_path_buf(),
            clean: JsonlWriter::create(&temp_dir, CLEAN_FILE)?,
            duplicates: JsonlWriter::create(&temp_dir, DUPLICATES_FILE)?,
            rejects: JsonlWriter::create(&temp_dir, REJECTS_FILE)?,
            temp_dir,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Publishes the run: data files first, `report.json` last.
    pub fn finish(self, summary: &mut RunSummary) -> Result<()> {
        summary.bytes.output = self.clean.bytes;
        for name in [CLEAN_FILE, DUPLICATES_FILE, REJECTS_FILE, REPORT_FILE] {
            summary
                .outputs
                .insert(name, self.dir.join(name).display().to_string());
        }
        let mut published = Vec::new();
        for writer in [self.clean, self.duplicates, self.rejects] {
            published.push(writer.finish()?);
        }
        let report_path = self.temp_dir.join(REPORT_FILE);
        let mut report = serde_json::to_vec_pretty(summary).map_err(|e| Error::Output {
            path: report_path.clone(),
            source: io::Error::other(e),
        })?;
        report.push(b'\n');
        write_synced(&report_path, &report)?;
        published.push((report_path, REPORT_FILE));

        for (temp_path, name) in published {
            let final_path = self.dir.join(name);
            fs::rename(&temp_path, &final_path).map_err(|source| Error::Output {
                path: final_path,
                source,
            })?;
        }
        fs::remove_dir(&self.temp_dir).map_err(|source| Error::Output {
            path: self.temp_dir.clone(),
            source,
        })?;
        // Make the renames themselves durable where the filesystem can; some cannot sync a
        // directory, and the data files themselves are already synced.
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
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
        let mut outputs = Outputs::create(&out, false).unwrap();
        outputs.clean.write(&serde_json::json!({"a": 1})).unwrap();
        assert!(!out.join(CLEAN_FILE).exists());
        outputs.finish(&mut RunSummary::default()).unwrap();
        assert_eq!(
            fs::read_to_string(out.join(CLEAN_FILE)).unwrap(),
            "{\"a\":1}\n"
        );
        assert!(out.join(REPORT_FILE).exists());
        let names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 4, "no temporary directory is left: {names:?}");
    }

    #[test]
    fn a_non_empty_directory_needs_force_and_a_killed_runs_leftovers_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".scour-tmp-1")).unwrap();
        Outputs::create(dir.path(), false).unwrap();
        fs::write(dir.path().join(REPORT_FILE), "{}").unwrap();
        assert!(matches!(
            Outputs::create(dir.path(), false),
            Err(Error::OutputNotEmpty { .. })
        ));
        Outputs::create(dir.path(), true).unwrap();
        assert!(!dir.path().join(REPORT_FILE).exists());
    }
}
