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

use serde::{Deserialize, Serialize};

use crate::config::OutputCompression;
use crate::error::{Error, Result};
use crate::report::RunSummary;

/// The three record files, by stem: `clean.jsonl`, or `clean-00000.jsonl.zst` when rotated and
/// compressed.
pub const CLEAN: &str = "clean";
pub const DUPLICATES: &str = "duplicates";
pub const REJECTS: &str = "rejects";
pub const REPORT_FILE: &str = "report.json";
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
    if name == REPORT_FILE {
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

/// Where records go: a plain or compressing stream over a buffered file.
enum Sink {
    Plain(BufWriter<OutputFile>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<OutputFile>>),
    Gzip(GzipBlocks),
}

/// gzip compressed in parallel: the stream is cut into 1 MiB blocks, each compressed as its own
/// gzip member on the worker pool and written in order. Concatenated members are one valid gzip
/// file (RFC 1952) that gzip, Python and Hugging Face `datasets` read whole; at level 6 one core
/// compresses only about 11 MB/s, which would otherwise serialise the run.
struct GzipBlocks {
    file: BufWriter<OutputFile>,
    block: Vec<u8>,
    pending: Vec<Vec<u8>>,
    /// Blocks gathered before compressing them together.
    batch: usize,
}

const GZIP_BLOCK: usize = 1 << 20;

impl GzipBlocks {
    fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let room = GZIP_BLOCK - self.block.len();
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.block.extend_from_slice(now);
            bytes = later;
            if self.block.len() == GZIP_BLOCK {
                let full = std::mem::replace(&mut self.block, Vec::with_capacity(GZIP_BLOCK));
                self.pending.push(full);
                if self.pending.len() >= self.batch {
                    self.flush_pending()?;
                }
            }
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        use rayon::prelude::*;
        let members: Vec<io::Result<Vec<u8>>> = self
            .pending
            .par_iter()
            .map(|block| {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(block.len() / 3),
                    flate2::Compression::new(6),
                );
                encoder.write_all(block)?;
                encoder.finish()
            })
            .collect();
        self.pending.clear();
        for member in members {
            self.file.write_all(&member?)?;
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<BufWriter<OutputFile>> {
        if !self.block.is_empty() {
            let last = std::mem::take(&mut self.block);
            self.pending.push(last);
        }
        self.flush_pending()?;
        Ok(self.file)
    }
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sink::Plain(_) => "Sink::Plain",
            Sink::Zstd(_) => "Sink::Zstd",
            Sink::Gzip(_) => "Sink::Gzip",
        })
    }
}

impl Sink {
    fn open(path: &Path, format: &OutputFormat) -> io::Result<Sink> {
        Sink::over(
            BufWriter::with_capacity(1 << 20, OutputFile::new(File::create(path)?, 0)),
            format,
        )
    }

    /// A sink appending to `file` (a new zstd frame or gzip member starts there).
    fn over(file: BufWriter<OutputFile>, format: &OutputFormat) -> io::Result<Sink> {
        Ok(match format.compression {
            OutputCompression::None => Sink::Plain(file),
            OutputCompression::Zstd => {
                let mut encoder = zstd::stream::write::Encoder::new(file, 3)?;
                // Always in zstd's multithreaded mode, even with one worker: its output does not
                // depend on the number of workers, while the single-threaded mode's differs.
                encoder.multithread(format.threads.max(1) as u32)?;
                Sink::Zstd(encoder)
            }
            OutputCompression::Gzip => Sink::Gzip(GzipBlocks {
                file,
                block: Vec::with_capacity(GZIP_BLOCK),
                pending: Vec::new(),
                batch: 2 * format.threads.max(1),
            }),
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Zstd(w) => w.write_all(bytes),
            Sink::Gzip(w) => w.write_all(bytes),
        }
    }

    /// Makes everything written so far whole and durable (ending the zstd frame or gzip member
    /// in progress) and goes on in a new frame; returns the file's length.
    fn checkpoint(self, format: &OutputFormat) -> io::Result<(Sink, u64)> {
        let mut buffered = match self {
            Sink::Plain(w) => w,
            Sink::Zstd(w) => w.finish()?,
            Sink::Gzip(w) => w.finish()?,
        };
        buffered.flush()?;
        buffered.get_ref().file.sync_all()?;
        let length = buffered.get_ref().file.metadata()?.len();
        Ok((Sink::over(buffered, format)?, length))
    }

    /// Ends the stream and syncs the file, so the rename that follows publishes whole data.
    fn finish(self) -> io::Result<()> {
        let buffered = match self {
            Sink::Plain(w) => w,
            Sink::Zstd(w) => w.finish()?,
            Sink::Gzip(w) => w.finish()?,
        };
        let output = buffered.into_inner().map_err(|e| e.into_error())?;
        output.file.sync_all()
    }
}

/// An output file that starts writing back what it has been given every `WRITEBACK_BYTES`, so
/// that the `fsync` before publishing finds little left to do. Without it, the sync of the 266
/// MB `clean.jsonl` of the benchmark corpus waited 70 ms at the end of the run with both cores
/// idle; started early, the disk works while the run goes on.
#[derive(Debug)]
struct OutputFile {
    file: File,
    /// Bytes in the file, and up to where writeback has been started.
    written: u64,
    started: u64,
}

const WRITEBACK_BYTES: u64 = 16 << 20;

impl OutputFile {
    /// `file` positioned at its end, `length` bytes long.
    fn new(file: File, length: u64) -> OutputFile {
        OutputFile {
            file,
            written: length,
            started: length,
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.file.write(bytes)?;
        self.written += written as u64;
        if self.written - self.started >= WRITEBACK_BYTES {
            start_writeback(&self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Asks the kernel to start writing `length` bytes at `offset` to disk, without waiting:
/// `POSIX_FADV_DONTNEED` starts writeback of the dirty pages in the range (and drops the range's
/// clean pages, which this run never reads again). Advice only: an error changes nothing.
fn start_writeback(file: &File, offset: u64, length: u64) {
    #[cfg(target_os = "linux")]
    {
        let length = std::num::NonZeroU64::new(length);
        let _ = rustix::fs::fadvise(file, offset, length, rustix::fs::Advice::DontNeed);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, length);
}

/// One kind of record file being written, rotated into numbered parts when configured.
#[derive(Debug)]
pub struct JsonlWriter {
    stem: &'static str,
    format: OutputFormat,
    temp_dir: PathBuf,
    sink: Option<Sink>,
    part: u32,
    part_records: u64,
    part_bytes: u64,
    /// Parts written so far: (temporary path, final name).
    parts: Vec<(PathBuf, String)>,
    line: Vec<u8>,
    pub records: u64,
    /// Uncompressed bytes written.
    pub bytes: u64,
}

impl JsonlWriter {
    fn create(temp_dir: &Path, stem: &'static str, format: OutputFormat) -> Result<JsonlWriter> {
        let mut writer = JsonlWriter {
            stem,
            format,
            temp_dir: temp_dir.to_path_buf(),
            sink: None,
            part: 0,
            part_records: 0,
            part_bytes: 0,
            parts: Vec::new(),
            line: Vec::with_capacity(16 * 1024),
            records: 0,
            bytes: 0,
        };
        writer.open_part()?;
        Ok(writer)
    }

    fn open_part(&mut self) -> Result<()> {
        let name = self.format.file_name(self.stem, self.part);
        let path = self.temp_dir.join(&name);
        let sink = Sink::open(&path, &self.format).map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        self.sink = Some(sink);
        self.parts.push((path, name));
        self.part_records = 0;
        self.part_bytes = 0;
        Ok(())
    }

    fn close_part(&mut self) -> Result<()> {
        if let Some(sink) = self.sink.take() {
            let path = self
                .parts
                .last()
                .map(|(p, _)| p.clone())
                .unwrap_or_default();
            sink.finish()
                .map_err(|source| Error::Output { path, source })?;
        }
        Ok(())
    }

    /// Appends one record as one line.
    pub fn write<T: Serialize>(&mut self, record: &T) -> Result<()> {
        self.write_with(|line| {
            // Serialising our own record types into memory cannot fail.
            let _ = serde_json::to_writer(line, record);
        })
    }

    /// Appends one line that `fill` writes (for records with a faster writer than serde's).
    pub fn write_with(&mut self, fill: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        fill(&mut line);
        line.push(b'\n');
        let result = self.write_line(&line);
        self.line = line;
        result
    }

    fn write_line(&mut self, line: &[u8]) -> Result<()> {
        let format = self.format;
        let full = self.part_records > 0
            && ((format.max_records_per_file > 0
                && self.part_records >= format.max_records_per_file)
                || (format.max_bytes_per_file > 0
                    && self.part_bytes + line.len() as u64 > format.max_bytes_per_file));
        if full {
            self.close_part()?;
            self.part += 1;
            self.open_part()?;
        }
        let path = || {
            self.parts
                .last()
                .map(|(p, _)| p.clone())
                .unwrap_or_default()
        };
        let sink = self.sink.as_mut().ok_or_else(|| Error::Output {
            path: path(),
            source: io::Error::other("output already finished"),
        })?;
        if let Err(source) = sink.write_all(line) {
            return Err(Error::Output {
                path: path(),
                source,
            });
        }
        self.records += 1;
        self.part_records += 1;
        self.bytes += line.len() as u64;
        self.part_bytes += line.len() as u64;
        Ok(())
    }

    /// Makes what was written durable and says where it ends, for a resume to start from.
    fn checkpoint(&mut self) -> Result<WriterMark> {
        let path = self
            .parts
            .last()
            .map(|(p, _)| p.clone())
            .unwrap_or_default();
        let error = |source| Error::Output {
            path: path.clone(),
            source,
        };
        let sink = self
            .sink
            .take()
            .ok_or_else(|| error(io::Error::other("output already finished")))?;
        let (sink, length) = sink.checkpoint(&self.format).map_err(error)?;
        self.sink = Some(sink);
        Ok(WriterMark {
            part: self.part,
            part_length: length,
            part_records: self.part_records,
            part_bytes: self.part_bytes,
            records: self.records,
            bytes: self.bytes,
        })
    }

    /// Reopens a writer at `mark`: what followed it in the staging directory (a killed run's
    /// unfinished tail) is cut off, and writing goes on after it.
    fn resume(
        temp_dir: &Path,
        stem: &'static str,
        format: OutputFormat,
        mark: &WriterMark,
    ) -> Result<JsonlWriter> {
        let error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Output { path, source }
        };
        let parts: Vec<(PathBuf, String)> = (0..=mark.part)
            .map(|part| {
                let name = format.file_name(stem, part);
                (temp_dir.join(&name), name)
            })
            .collect();
        // Parts a killed run began after the mark are not part of the run yet.
        let mut later = mark.part + 1;
        while format.rotates() {
            let path = temp_dir.join(format.file_name(stem, later));
            match fs::remove_file(&path) {
                Ok(()) => later += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(e) => return Err(error(&path)(e)),
            }
        }
        let (path, _) = parts.last().cloned().unwrap_or_default();
        let file = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(error(&path))?;
        file.set_len(mark.part_length).map_err(error(&path))?;
        let mut file = file;
        io::Seek::seek(&mut file, io::SeekFrom::End(0)).map_err(error(&path))?;
        let file = BufWriter::with_capacity(1 << 20, OutputFile::new(file, mark.part_length));
        let sink = Sink::over(file, &format).map_err(error(&path))?;
        Ok(JsonlWriter {
            stem,
            format,
            temp_dir: temp_dir.to_path_buf(),
            sink: Some(sink),
            part: mark.part,
            part_records: mark.part_records,
            part_bytes: mark.part_bytes,
            parts,
            line: Vec::with_capacity(16 * 1024),
            records: mark.records,
            bytes: mark.bytes,
        })
    }

    /// Ends the last part; returns every part as (temporary path, final name).
    fn finish(mut self) -> Result<Vec<(PathBuf, String)>> {
        self.close_part()?;
        Ok(self.parts)
    }
}

/// Where a record file stood at a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriterMark {
    pub part: u32,
    /// Bytes of the current part on disk.
    pub part_length: u64,
    pub part_records: u64,
    pub part_bytes: u64,
    pub records: u64,
    pub bytes: u64,
}

/// The three record outputs of a run in progress.
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
    pub fn create(dir: &Path, force: bool, format: OutputFormat) -> Result<Outputs> {
        Outputs::create_staged(dir, force, format, std::process::id().to_string())
    }

    /// Like [`Outputs::create`], staging in `.scour-tmp-<staging>`: a run with a nightly state
    /// names it after the run, so that a resumed attempt finds it.
    pub fn create_staged(
        dir: &Path,
        force: bool,
        format: OutputFormat,
        staging: String,
    ) -> Result<Outputs> {
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
            clean: JsonlWriter::resume(&temp_dir, CLEAN, format, &marks[0])?,
            duplicates: JsonlWriter::resume(&temp_dir, DUPLICATES, format, &marks[1])?,
            rejects: JsonlWriter::resume(&temp_dir, REJECTS, format, &marks[2])?,
            temp_dir,
        })
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
        self.stage(summary)?.publish()
    }

    /// Ends every file and writes `report.json`, all synced, still in the staging directory:
    /// what is staged is whole, and only needs [`Staged::publish`] to appear.
    pub fn stage(self, summary: &mut RunSummary) -> Result<Staged> {
        summary.bytes.output = self.clean.bytes;
        let mut published = Vec::new();
        for writer in [self.clean, self.duplicates, self.rejects] {
            published.extend(writer.finish()?);
        }
        for (_, name) in &published {
            summary
                .outputs
                .insert(name.clone(), self.dir.join(name).display().to_string());
        }
        summary.outputs.insert(
            REPORT_FILE.to_string(),
            self.dir.join(REPORT_FILE).display().to_string(),
        );
        let report_path = self.temp_dir.join(REPORT_FILE);
        let mut report = serde_json::to_vec_pretty(summary).map_err(|e| Error::Output {
            path: report_path.clone(),
            source: io::Error::other(e),
        })?;
        report.push(b'\n');
        write_synced(&report_path, &report)?;
        Ok(Staged {
            dir: self.dir,
            temp_dir: self.temp_dir,
        })
    }
}

/// A run's files, whole and synced in the staging directory, not yet visible.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    temp_dir: PathBuf,
}

impl Staged {
    pub fn publish(self) -> Result<()> {
        publish_staged(&self.dir, &self.temp_dir)
    }
}

/// Moves the staged files in `temp_dir` into `dir`, data files first and `report.json` last,
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
    names.sort_by_key(|name| (name == REPORT_FILE, name.clone()));
    for name in names {
        crate::pipeline::crash_point("publishing");
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
    fn early_writeback_keeps_every_byte_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut file = BufWriter::new(OutputFile::new(File::create(&path).unwrap(), 0));
        let chunk: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        for _ in 0..(WRITEBACK_BYTES >> 20) * 2 + 1 {
            file.write_all(&chunk).unwrap();
        }
        let output = file.into_inner().unwrap();
        assert!(output.started > 0, "writeback was started");
        output.file.sync_all().unwrap();
        let written = fs::read(&path).unwrap();
        assert_eq!(written.len() as u64, output.written);
        assert!(written.chunks(chunk.len()).all(|c| c == chunk));
    }

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
        assert_eq!(names.len(), 4, "no temporary directory is left: {names:?}");
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
