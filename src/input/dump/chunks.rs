//! Large JSON Lines dumps cut into chunks of whole lines on the walker's thread, in bounded
//! memory and in time linear in the dump, however hostile its lines.
//!
//! Each line is read once: whether a chunk holds only blank lines is kept up to date line by
//! line (rescanning the chunk for it made 9 MB of blank lines run for minutes), a line longer than
//! the record ceiling is skipped without being held (a 1.5 GB line once took 3 GB of memory) and
//! becomes that line's `too_large` reject, and a read that fails (a truncated `.jsonl.gz`) keeps
//! the lines before it and rejects the one it cut.

use std::io::{BufRead, ErrorKind};

use crate::article::RejectReason;

/// A piece of a large JSON Lines dump: whole lines, and the number of the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpChunk {
    /// The dump file's source.
    pub source: String,
    pub first_line: usize,
    pub bytes: Vec<u8>,
    /// File bytes to account for (all of them on the first chunk, none on the others).
    pub bytes_in: u64,
    /// The line that ended this chunk without being read, and why: a line over the ceiling, or
    /// the line a read error cut. Rejected after the chunk's records.
    pub unread: Option<UnreadLine>,
}

/// A line of a dump that could not be read as a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadLine {
    pub line: usize,
    pub reason: RejectReason,
    pub detail: String,
}

/// Reads a JSON Lines dump as chunks of about `chunk_bytes` of whole lines, so that a dump of
/// any size goes through the run in bounded memory.
pub struct ChunkReader {
    reader: Box<dyn BufRead + Send>,
    source: String,
    next_line: usize,
    chunk_bytes: usize,
    /// The longest line read as a record (`input.max_file_bytes`: a record is no larger than a
    /// file read whole may be).
    max_line_bytes: u64,
    bytes_in: u64,
    done: bool,
}

impl std::fmt::Debug for ChunkReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkReader")
            .field("source", &self.source)
            .field("next_line", &self.next_line)
            .finish_non_exhaustive()
    }
}

/// How far a chunk of blank lines only reads on at a time (see [`ChunkReader::next`]).
const BLANK_STEP: usize = 64 << 10;

/// How reading one line ended.
enum LineEnd {
    /// A line (with its `\n`, unless it is the last of the input).
    Read,
    /// The end of the input, nothing read.
    End,
    /// The line was longer than the ceiling; it was skipped to its end, `usize` bytes in all.
    TooLong(u64),
}

impl ChunkReader {
    pub fn new(
        reader: Box<dyn BufRead + Send>,
        source: String,
        chunk_bytes: usize,
        max_line_bytes: u64,
        bytes_in: u64,
    ) -> ChunkReader {
        ChunkReader {
            reader,
            source,
            next_line: 1,
            chunk_bytes: chunk_bytes.max(1),
            max_line_bytes: max_line_bytes.max(1),
            bytes_in,
            done: false,
        }
    }

    /// Appends the whole lines already in the reader's buffer to `bytes` at once, and says how
    /// many and whether all are blank; `None` when the buffer holds no whole line (or more than
    /// the ceiling, which [`Self::read_line`] then judges line by line). Lines of a few bytes
    /// (blank lines) cost a call each otherwise: ten times the whole-file reader's time.
    fn read_buffered_lines(
        &mut self,
        bytes: &mut Vec<u8>,
    ) -> std::io::Result<Option<(usize, bool)>> {
        let buffer = loop {
            match self.reader.fill_buf() {
                Ok(buffer) => break buffer,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        };
        // No further than the chunk's room, so chunks stay about `chunk_bytes` whatever the
        // reader buffers; a chunk of blank lines only reads on in steps of `BLANK_STEP`.
        let room = match self.chunk_bytes.saturating_sub(bytes.len()) {
            0 => BLANK_STEP,
            room => room,
        };
        let window = &buffer[..buffer.len().min(room)];
        let Some(last) = memchr::memrchr(b'\n', window) else {
            return Ok(None);
        };
        let block = &buffer[..=last];
        if block.len() as u64 > self.max_line_bytes {
            return Ok(None);
        }
        let lines = memchr::memchr_iter(b'\n', block).count();
        let blank = block.iter().all(u8::is_ascii_whitespace);
        bytes.extend_from_slice(block);
        let used = block.len();
        self.reader.consume(used);
        Ok(Some((lines, blank)))
    }

    /// Appends one line to `bytes`, or skips it unheld when it is longer than the ceiling.
    fn read_line(&mut self, bytes: &mut Vec<u8>) -> std::io::Result<LineEnd> {
        let start = bytes.len();
        let read =
            std::io::Read::take(&mut *self.reader, self.max_line_bytes).read_until(b'\n', bytes)?;
        if read == 0 {
            return Ok(LineEnd::End);
        }
        if bytes.ends_with(b"\n") || (read as u64) < self.max_line_bytes {
            return Ok(LineEnd::Read);
        }
        // At the ceiling without a newline: drop what was held (and the room it took, which
        // would travel with the chunk) and skip to the line's end.
        bytes.truncate(start);
        bytes.shrink_to(self.chunk_bytes.min(8 << 20) + 1024);
        let mut total = read as u64;
        loop {
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if buffer.is_empty() {
                return Ok(LineEnd::TooLong(total));
            }
            let (used, ends) = match memchr::memchr(b'\n', buffer) {
                Some(at) => (at + 1, true),
                None => (buffer.len(), false),
            };
            self.reader.consume(used);
            total += used as u64;
            if ends {
                return Ok(LineEnd::TooLong(total));
            }
        }
    }
}

impl Iterator for ChunkReader {
    type Item = DumpChunk;

    fn next(&mut self) -> Option<DumpChunk> {
        if self.done {
            return None;
        }
        let first_line = self.next_line;
        let mut bytes = Vec::with_capacity(self.chunk_bytes.min(8 << 20) + 1024);
        let mut unread = None;
        // A chunk of blank lines only would be a reject the unstreamed file never has: such
        // lines join the next chunk instead.
        let mut blank = true;
        while !self.done && unread.is_none() && (bytes.len() < self.chunk_bytes || blank) {
            let start = bytes.len();
            let line = self.next_line;
            let read = match self.read_buffered_lines(&mut bytes) {
                Ok(Some((lines, all_blank))) => {
                    blank = blank && all_blank;
                    self.next_line += lines;
                    continue;
                }
                Ok(None) => self.read_line(&mut bytes),
                Err(error) => Err(error),
            };
            match read {
                Ok(LineEnd::End) => self.done = true,
                Ok(LineEnd::Read) => {
                    blank = blank && bytes[start..].iter().all(u8::is_ascii_whitespace);
                    self.next_line += 1;
                }
                Ok(LineEnd::TooLong(length)) => {
                    self.next_line += 1;
                    unread = Some(UnreadLine {
                        line,
                        reason: RejectReason::TooLarge,
                        detail: format!(
                            "a line of {length} bytes is more than input.max_file_bytes = {}",
                            self.max_line_bytes
                        ),
                    });
                }
                Err(error) => {
                    // What the failed read gave of its line is not the whole line.
                    bytes.truncate(start);
                    self.done = true;
                    unread = Some(UnreadLine {
                        line,
                        reason: RejectReason::Corrupt,
                        detail: format!("the data is cut in this line: {error}"),
                    });
                }
            }
        }
        let nothing = bytes.is_empty() || (first_line > 1 && blank);
        if nothing && unread.is_none() {
            return None;
        }
        if blank && (first_line > 1 || unread.is_some()) {
            bytes.clear();
        }
        Some(DumpChunk {
            source: self.source.clone(),
            first_line,
            bytes,
            bytes_in: std::mem::take(&mut self.bytes_in),
            unread,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: Vec<u8>, chunk_bytes: usize, max_line: u64) -> Vec<DumpChunk> {
        let reader = Box::new(std::io::Cursor::new(data));
        ChunkReader::new(reader, "d.jsonl".into(), chunk_bytes, max_line, 99).collect()
    }

    #[test]
    fn chunks_hold_whole_lines_and_number_them() {
        let text: String = (1..=10)
            .map(|i| format!("{{\"text\":\"line {i}\"}}\n"))
            .collect();
        let all = chunks(text.into_bytes(), 40, 1 << 20);
        assert!(all.len() > 2);
        assert_eq!(all[0].bytes_in, 99);
        assert!(all[1..].iter().all(|c| c.bytes_in == 0));
        let mut next = 1;
        for chunk in &all {
            assert!(chunk.bytes.ends_with(b"\n"));
            assert_eq!(chunk.first_line, next);
            next += chunk.bytes.iter().filter(|&&b| b == b'\n').count();
        }
        assert_eq!(next, 11);
    }

    #[test]
    fn blank_lines_are_read_in_linear_time() {
        // 9 MB of blank lines after one record: quadratic rescanning took minutes.
        let mut data = b"{\"text\":\"one\"}\n".to_vec();
        data.resize(data.len() + 9_000_000, b'\n');
        let started = std::time::Instant::now();
        let all = chunks(data, 4 << 20, 64 << 20);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert_eq!(all.len(), 1);
        assert!(all[0].unread.is_none());
    }

    #[test]
    fn a_line_over_the_ceiling_is_skipped_unheld_and_the_next_lines_still_come() {
        let mut data = b"{\"text\":\"one\"}\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 10_000));
        data.extend(b"\n{\"text\":\"three\"}\n");
        let all = chunks(data, 1 << 20, 1000);
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[0].bytes, b"{\"text\":\"one\"}\n");
        let unread = all[0].unread.as_ref().unwrap();
        assert_eq!((unread.line, unread.reason), (2, RejectReason::TooLarge));
        assert!(unread.detail.contains("10001 bytes"), "{}", unread.detail);
        assert_eq!(
            (all[1].first_line, &all[1].bytes[..]),
            (3, &b"{\"text\":\"three\"}\n"[..])
        );
    }

    #[test]
    fn a_read_error_keeps_the_lines_before_it_and_rejects_the_cut_one() {
        struct FailsAfter(std::io::Cursor<Vec<u8>>);
        impl std::io::Read for FailsAfter {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                match self.0.read(out)? {
                    0 => Err(std::io::Error::other("unexpected end of file")),
                    n => Ok(n),
                }
            }
        }
        let data = b"{\"text\":\"one\"}\n{\"text\":\"tw".to_vec();
        let reader = Box::new(std::io::BufReader::new(FailsAfter(std::io::Cursor::new(
            data,
        ))));
        let all: Vec<DumpChunk> =
            ChunkReader::new(reader, "d".into(), 1 << 20, 1 << 20, 5).collect();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].bytes, b"{\"text\":\"one\"}\n");
        let unread = all[0].unread.as_ref().unwrap();
        assert_eq!((unread.line, unread.reason), (2, RejectReason::Corrupt));
    }
}
