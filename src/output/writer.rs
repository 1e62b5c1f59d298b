//! The record files: JSON Lines streams, plain or compressed, rotated into numbered parts.
//!
//! Each of `clean`, `duplicates` and `rejects` is one [`JsonlWriter`]: records are appended
//! through a buffered file that starts its writeback every 16 MiB (so the sync before
//! publishing is short), compressed by zstd (multithreaded) or gzip in independent members, and
//! cut into parts by record or byte counts. A [`WriterMark`] is where a writer stood at a
//! checkpoint, enough to cut a killed run's files back and go on.

use super::*;

/// Where records go: a plain or compressing stream over a buffered file.
pub(super) enum Sink {
    Plain(BufWriter<OutputFile>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<OutputFile>>),
    Gzip(GzipBlocks),
}

/// gzip compressed in parallel: the stream is cut into 1 MiB blocks, each compressed as its own
/// gzip member on the worker pool and written in order. Concatenated members are one valid gzip
/// file (RFC 1952) that gzip, Python and Hugging Face `datasets` read whole; at level 6 one core
/// compresses only about 11 MB/s, which would otherwise serialise the run.
pub(super) struct GzipBlocks {
    file: BufWriter<OutputFile>,
    block: Vec<u8>,
    pending: Vec<Vec<u8>>,
    /// Blocks gathered before compressing them together.
    batch: usize,
}

pub(super) const GZIP_BLOCK: usize = 1 << 20;

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
pub(super) struct OutputFile {
    file: File,
    /// Bytes in the file, and up to where writeback has been started.
    written: u64,
    started: u64,
}

pub(super) const WRITEBACK_BYTES: u64 = 16 << 20;

impl OutputFile {
    /// `file` positioned at its end, `length` bytes long.
    pub(super) fn new(file: File, length: u64) -> OutputFile {
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
pub(super) fn start_writeback(file: &File, offset: u64, length: u64) {
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
    pub(super) fn create(
        temp_dir: &Path,
        stem: &'static str,
        format: OutputFormat,
    ) -> Result<JsonlWriter> {
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

    pub(super) fn open_part(&mut self) -> Result<()> {
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

    pub(super) fn close_part(&mut self) -> Result<()> {
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

    pub(super) fn write_line(&mut self, line: &[u8]) -> Result<()> {
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
    pub(super) fn checkpoint(&mut self) -> Result<WriterMark> {
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
    pub(super) fn resume(
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
    pub(super) fn finish(mut self) -> Result<Vec<(PathBuf, String)>> {
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
}
