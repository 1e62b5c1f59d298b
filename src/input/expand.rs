//! Large dumps become streams of chunks on the walker's thread, so that no dump is ever whole
//! in memory.
//!
//! JSON Lines dumps (by name) and WARC archives (by their bytes) above
//! `input.stream_above_bytes` are read here, through their decompression, and cut into chunks
//! of whole records that travel through the run like files. Everything else passes through,
//! and files the nightly state read before, unchanged, are not read at all.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::discover::Discovered;
use super::{InputPlan, decompress, dump, warc};
use crate::article::RejectReason;
use crate::state::{FileStamp, Manifest};

/// The walk items one top-level input becomes.
pub(crate) fn expand<'p>(
    plan: &'p InputPlan,
    found: Discovered,
    manifest: Option<&Manifest>,
) -> Box<dyn Iterator<Item = Discovered> + Send + 'p> {
    let Discovered::File(mut source) = found else {
        return Box::new(std::iter::once(found));
    };
    if let Some(known) = manifest.and_then(|m| m.get(&source.source)) {
        if known.size == source.size && known.modified_ns == source.modified_ns {
            return Box::new(std::iter::once(Discovered::Unchanged {
                source: source.source,
            }));
        }
        source.known = Some(known);
    }
    if source.size <= plan.stream_above_bytes {
        return Box::new(std::iter::once(Discovered::File(source)));
    }
    let mut reader = match open_decompressed(&source.path, plan.follow_symlinks) {
        Ok(reader) => reader,
        Err((reason, detail)) => {
            return Box::new(std::iter::once(Discovered::Problem {
                source: source.source,
                reason,
                detail,
            }));
        }
    };
    let chunk_bytes = usize::try_from(plan.stream_above_bytes)
        .unwrap_or(usize::MAX)
        .min(4 << 20);
    let is_warc = reader.fill_buf().is_ok_and(warc::looks_like_warc);
    if !is_warc && !streams_by_name(plan, &source.path) {
        return Box::new(std::iter::once(Discovered::File(source)));
    }
    // A streamed file is remembered by size and time only (its bytes are never whole), after
    // its last chunk: a checkpoint never falls inside it.
    let remembered = manifest.map(|_| Discovered::Streamed {
        source: source.source.clone(),
        stamp: FileStamp {
            size: source.size,
            modified_ns: source.modified_ns,
            content: 0,
        },
    });
    if is_warc {
        let responses = warc::Responses::new(reader, plan.max_decompressed_bytes);
        return Box::new(
            warc::chunks(responses, source.source, chunk_bytes, source.size)
                .map(Discovered::WarcChunk)
                .chain(remembered),
        );
    }
    let chunks = dump::ChunkReader::new(
        reader,
        source.source,
        chunk_bytes,
        plan.max_file_bytes,
        source.size,
    );
    Box::new(remembered.into_iter().chain(chunks.map(Discovered::Chunk)))
}

/// JSON Lines dumps (not `.json`, which may be one array) by name, under any compression.
fn streams_by_name(plan: &InputPlan, path: &Path) -> bool {
    let mut name = path;
    if let Some(extension) = name.extension().and_then(|e| e.to_str()) {
        if ["gz", "zst", "bz2", "xz"]
            .iter()
            .any(|c| extension.eq_ignore_ascii_case(c))
        {
            name = Path::new(name.file_stem().unwrap_or_default());
        }
    }
    name.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        !e.eq_ignore_ascii_case("json")
            && plan
                .json_extensions
                .iter()
                .any(|j| j.eq_ignore_ascii_case(e))
    })
}

/// A buffered reader of a file's contents, decompressed as its first bytes say; opened as
/// every input is (never blocking, a regular file only), or the reject it is.
fn open_decompressed(
    path: &Path,
    follow: bool,
) -> Result<Box<dyn BufRead + Send>, (RejectReason, String)> {
    let (file, _) = super::at_dir::open_regular(path, follow)?;
    let unreadable = |error: std::io::Error| (RejectReason::Unreadable, error.to_string());
    let mut file = BufReader::with_capacity(1 << 20, file);
    Ok(
        match decompress::detect(file.fill_buf().map_err(unreadable)?) {
            None => Box::new(file),
            Some(format) => Box::new(BufReader::with_capacity(
                1 << 20,
                decompress::reader(file, format).map_err(unreadable)?,
            )),
        },
    )
}
