//! From a path to articles: everything between the file system and the per-article stages.
//!
//! The walk ([`discover`]) finds the inputs in sorted order; large dumps are cut into chunks of
//! whole records on the walker's thread ([`expand`]); a worker then reads a file with its limits,
//! decompresses and decodes it ([`load`]) and hands it to its input format. Each format is one
//! file, registered in [`FileFormat`] and its one `match` in [`read`]: a text or HTML page
//! ([`page`]), a JSON dump ([`dump`]), a WARC archive ([`warc`]). Whatever the format, what comes
//! out is a stream of [`Item`]s — an article to clean, or a reject with its reason — so nothing
//! after this module knows where an article came from, and nothing here knows how it is cleaned.

pub(crate) mod at_dir;
pub mod decode;
pub mod decompress;
pub mod discover;
pub mod dump;
pub(crate) mod expand;
pub mod http;
pub(crate) mod load;
pub(crate) mod page;
pub mod warc;

use std::path::PathBuf;

use globset::GlobSet;

use crate::article::{Article, RejectReason};
use crate::state::FileStamp;
use discover::Discovered;
pub use dump::JsonFields;
use load::Loaded;

/// What to read and how, validated: the part of the plan this module needs.
#[derive(Debug)]
pub struct InputPlan {
    pub roots: Vec<InputRoot>,
    pub include: GlobSet,
    pub exclude: GlobSet,
    pub follow_symlinks: bool,
    pub max_file_bytes: u64,
    pub max_decompressed_bytes: u64,
    /// Lower-case extensions (no dot) of files parsed as whole HTML pages.
    pub html_extensions: Vec<String>,
    /// Lower-case extensions (no dot) of JSON dump files, and the fields read from them.
    pub json_extensions: Vec<String>,
    pub json_fields: JsonFields,
    pub stream_above_bytes: u64,
}

/// One directory (or file) to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRoot {
    pub path: PathBuf,
    /// Put before every `source` from this root. Empty with one root; with several, the root's
    /// own name and a `/`, so that sources (and ids) stay unique across roots.
    pub source_prefix: String,
}

/// What an input yields, in order: articles to clean, rejects, and what the nightly state is to
/// remember of the file.
pub(crate) enum Item {
    Article(Box<Pending>),
    Rejected(Reject),
    /// A file read in this run, for the nightly state's manifest.
    FileRead {
        source: String,
        stamp: FileStamp,
    },
    /// A file the state had read before, unchanged.
    Unchanged,
}

/// An input, or a record in it, that ends as a reject: where it came from, why, and the input
/// bytes it accounts for. The same value goes from the reader through the workers (and a shard's
/// file) to the writer, so that every path says a reject the same way.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Reject {
    pub(crate) source: String,
    pub(crate) reason: RejectReason,
    pub(crate) detail: String,
    pub(crate) bytes_in: u64,
}

/// An article read from its input, before the stages.
pub(crate) struct Pending {
    pub(crate) source: String,
    pub(crate) article: Article,
    pub(crate) encoding: &'static str,
    /// The input's bytes, counted on the first article of a file only.
    pub(crate) bytes_in: u64,
    /// What the article's container said of it, which wins over what the stages find.
    pub(crate) container: Option<ContainerMeta>,
}

/// Metadata a container gives its article: a dump record's fields, a WARC record's headers.
#[derive(Default)]
pub(crate) struct ContainerMeta {
    /// Raw, cleaned like text after the stages; kept when present.
    pub(crate) title: Option<String>,
    /// Raw; kept when present and it parses.
    pub(crate) date: Option<String>,
    /// Always replaces the stages' url.
    pub(crate) url: Option<String>,
    /// Always replaces the stages' crawl date.
    pub(crate) crawl_date: Option<String>,
}

/// The input formats a file is read as, each in its own file.
pub(crate) enum FileFormat {
    /// One article: plain text with leftover markup, or an HTML page.
    Page { text: String, html_by_name: bool },
    /// A JSON or JSON Lines dump: one article per record, each decoded on its own.
    JsonDump {
        bytes: Vec<u8>,
        layout: dump::Layout,
        /// Why the data ends early (what the decompressor said of a truncated file), if it does.
        cut: Option<String>,
    },
    /// A WARC archive: one article per HTTP response, each payload decoded with its own charset.
    Warc {
        archive: Vec<u8>,
        /// Why the data ends early (a truncated compressed file), if it does.
        cut: Option<String>,
    },
}

/// Time a whole file's reading and decompressing took, when `timed`; decoding and the format's
/// parsing are what else [`read`] spends outside `emit`. Zero for a dump's chunk (read on the
/// walker).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LoadNanos {
    pub(crate) read: u64,
    pub(crate) decompress: u64,
}

/// Reads one walk item into `emit`, in order. Never fails: a problem is a reject. With
/// `remember`, what the nightly state needs of a whole file comes first.
pub(crate) fn read(
    plan: &InputPlan,
    found: Discovered,
    remember: bool,
    timed: bool,
    emit: &mut dyn FnMut(Item),
) -> LoadNanos {
    let source = match found {
        Discovered::File(source) => source,
        Discovered::Chunk(chunk) => {
            dump::read_chunk(plan, chunk, emit);
            return LoadNanos::default();
        }
        Discovered::WarcChunk(chunk) => {
            warc::read_responses(plan, chunk.source, chunk.responses, chunk.bytes_in, emit);
            return LoadNanos::default();
        }
        Discovered::Unchanged { .. } => {
            emit(Item::Unchanged);
            return LoadNanos::default();
        }
        Discovered::Streamed { source, stamp } => {
            emit(Item::FileRead { source, stamp });
            return LoadNanos::default();
        }
        Discovered::Problem {
            source,
            reason,
            detail,
        } => {
            emit(Item::Rejected(Reject {
                source,
                reason,
                detail,
                bytes_in: 0,
            }));
            return LoadNanos::default();
        }
    };
    let stamp = |content| FileStamp {
        size: source.size,
        modified_ns: source.modified_ns,
        content,
    };
    let Loaded {
        format,
        encoding,
        bytes_in,
        content,
        read_ns,
        decompress_ns,
    } = match load::load(plan, &source, remember, timed) {
        Ok(loaded) => loaded,
        Err((reason, detail, bytes_in)) => {
            // A file that could not be opened or read is tried again next night.
            if remember && reason != RejectReason::Unreadable {
                emit(Item::FileRead {
                    source: source.source.clone(),
                    stamp: stamp(0),
                });
            }
            emit(Item::Rejected(Reject {
                source: source.source,
                reason,
                detail,
                bytes_in,
            }));
            return LoadNanos::default();
        }
    };
    let nanos = LoadNanos {
        read: read_ns,
        decompress: decompress_ns,
    };
    if remember {
        let today = stamp(content);
        emit(Item::FileRead {
            source: source.source.clone(),
            stamp: today,
        });
        // Touched or copied, but the same bytes: still delivered.
        if source.known.is_some_and(|known| today.same_file(&known)) {
            emit(Item::Unchanged);
            return nanos;
        }
    }
    match format {
        FileFormat::Page { text, html_by_name } => {
            emit(page::read(
                source.source,
                text,
                html_by_name,
                encoding,
                bytes_in,
            ));
        }
        FileFormat::JsonDump { bytes, layout, cut } => {
            dump::read_file(plan, source.source, bytes, layout, cut, bytes_in, emit);
        }
        FileFormat::Warc { archive, cut } => {
            let responses = warc::responses_up_to_cut(&archive, cut, plan.max_decompressed_bytes);
            warc::read_responses(plan, source.source, responses, bytes_in, emit);
        }
    }
    nanos
}
