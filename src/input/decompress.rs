//! Compressed inputs: gzip, zstd, bzip2 and xz files, recognised by their bytes rather than their
//! names.
//!
//! Crawlers save pages as `.gz` or `.zst` (older archives as `.bz2` or `.xz`), and not always
//! under a telling name. A compressed file
//! is decompressed before decoding, through a ceiling (`input.max_decompressed_bytes`): a small
//! file that would expand to gigabytes (a decompression bomb) is rejected with a reason instead of
//! filling memory. Data that does not decompress is rejected as `corrupt`.
//!
//! The decoders' own memory is bounded too: a header may declare the window (zstd) or dictionary
//! (xz) the decoder must hold, up to gigabytes in a few bytes. Both are capped at
//! `DECODER_MEMORY_BYTES`, past what any preset writes, and a header asking for more is
//! `corrupt` before anything is allocated. gzip (32 KiB) and bzip2 (under 4 MB) are bounded by
//! their formats.

use std::io::{BufRead, Read};

/// A compression format scour reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
    Bzip2,
    Xz,
}

impl Compression {
    /// The file-name extension this format usually carries.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::Gzip => "gz",
            Compression::Zstd => "zst",
            Compression::Bzip2 => "bz2",
            Compression::Xz => "xz",
        }
    }
}

/// The format `bytes` are compressed in, by their magic number.
pub fn detect(bytes: &[u8]) -> Option<Compression> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Some(Compression::Gzip)
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Compression::Zstd)
    } else if bytes.starts_with(b"BZh") && bytes.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        Some(Compression::Bzip2)
    } else if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(Compression::Xz)
    } else {
        None
    }
}

/// Why a compressed file could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecompressFailure {
    /// It expands past the ceiling.
    TooLarge { limit: u64 },
    /// The data is not valid for its format; the detail says what the decoder found.
    Corrupt(String),
}

/// The most memory a zstd or xz decoder may hold for its window or dictionary: 128 MiB, zstd's
/// own default limit (only `zstd --long=28` and above write frames past it, which the zstd tool
/// itself decodes only when told `--memory`); `xz -9` needs 65 MiB.
pub const DECODER_MEMORY_BYTES: u64 = 1 << 27;

/// What a decoder says of a header declaring more than `DECODER_MEMORY_BYTES`.
const OVER_MEMORY_BOUND: &str =
    "its header declares a dictionary needing more than 128 MiB to decode";

/// A reader of the decompressed contents of `compressed`. Several members or streams in one
/// file are one stream, as `cat a.gz b.gz` (or a WARC file of one gzip member per record) means.
pub fn reader<'r, R: BufRead + Send + 'r>(
    compressed: R,
    format: Compression,
) -> std::io::Result<Box<dyn Read + Send + 'r>> {
    Ok(match format {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(compressed)),
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(compressed)?;
            decoder.window_log_max(DECODER_MEMORY_BYTES.ilog2())?;
            Box::new(decoder)
        }
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(compressed)),
        // The xz format only (not the auto decoder's legacy `.lzma`, which `detect` never
        // names), under a memory limit: liblzma refuses a block whose dictionary is past it.
        Compression::Xz => {
            let stream = liblzma::stream::Stream::new_stream_decoder(
                DECODER_MEMORY_BYTES,
                liblzma::stream::CONCATENATED,
            )?;
            Box::new(BoundedXz(liblzma::bufread::XzDecoder::new_stream(
                compressed, stream,
            )))
        }
    })
}

/// An xz decoder whose memory-limit error says what it means.
struct BoundedXz<R>(liblzma::bufread::XzDecoder<R>);

impl<R: BufRead> Read for BoundedXz<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|error| {
            let over_limit = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<liblzma::stream::Error>())
                == Some(&liblzma::stream::Error::MemLimit);
            if over_limit {
                std::io::Error::new(std::io::ErrorKind::InvalidData, OVER_MEMORY_BOUND)
            } else {
                error
            }
        })
    }
}

/// Decompresses `bytes`, stopping one byte past `limit`.
pub fn decompress(
    bytes: &[u8],
    format: Compression,
    limit: u64,
) -> Result<Vec<u8>, DecompressFailure> {
    match decompress_prefix(bytes, format, limit) {
        (out, None) => Ok(out),
        (_, Some(failure)) => Err(failure),
    }
}

/// Decompresses `bytes`, stopping one byte past `limit`, and keeps what came out before a
/// failure: a truncated file's data up to its cut, and the failure that stopped it, if any.
pub fn decompress_prefix(
    bytes: &[u8],
    format: Compression,
    limit: u64,
) -> (Vec<u8>, Option<DecompressFailure>) {
    let corrupt = |e: std::io::Error| DecompressFailure::Corrupt(format!("{e}"));
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).min(limit as usize) + 1);
    // `read_to_end` keeps the bytes it read before an error.
    let read = reader(bytes, format)
        .and_then(|decoder| decoder.take(limit.saturating_add(1)).read_to_end(&mut out));
    if out.len() as u64 > limit {
        return (Vec::new(), Some(DecompressFailure::TooLarge { limit }));
    }
    (out, read.err().map(corrupt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_and_zstd_round_trip() {
        let text = "Seoul, Monday. Yonhap\n".repeat(100);
        let gz = gzip(text.as_bytes());
        assert_eq!(detect(&gz), Some(Compression::Gzip));
        assert_eq!(
            decompress(&gz, Compression::Gzip, 1 << 20).unwrap(),
            text.as_bytes()
        );
        let zst = zstd::encode_all(text.as_bytes(), 3).unwrap();
        assert_eq!(detect(&zst), Some(Compression::Zstd));
        assert_eq!(
            decompress(&zst, Compression::Zstd, 1 << 20).unwrap(),
            text.as_bytes()
        );
    }

    #[test]
    fn bzip2_and_xz_round_trip_and_are_known_by_their_bytes() {
        let text = "Busan, Tuesday. Yonhap\n".repeat(100);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(text.as_bytes()).unwrap();
        let bz = bz.finish().unwrap();
        assert_eq!(detect(&bz), Some(Compression::Bzip2));
        assert_eq!(
            decompress(&bz, Compression::Bzip2, 1 << 20).unwrap(),
            text.as_bytes()
        );
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(text.as_bytes()).unwrap();
        let xz = xz.finish().unwrap();
        assert_eq!(detect(&xz), Some(Compression::Xz));
        assert_eq!(
            decompress(&xz, Compression::Xz, 1 << 20).unwrap(),
            text.as_bytes()
        );
        assert_eq!(detect(b"BZh is not a header"), None);
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let mut both = gzip(b"first ");
        both.extend(gzip(b"second"));
        assert_eq!(
            decompress(&both, Compression::Gzip, 100).unwrap(),
            b"first second"
        );
    }

    #[test]
    fn a_bomb_stops_at_the_ceiling() {
        let bomb = gzip(&vec![b'a'; 10 << 20]);
        assert!(bomb.len() < 100 << 10);
        assert_eq!(
            decompress(&bomb, Compression::Gzip, 1 << 20),
            Err(DecompressFailure::TooLarge { limit: 1 << 20 })
        );
    }

    #[test]
    fn a_truncated_file_keeps_its_data_up_to_the_cut() {
        let text: Vec<u8> = (0..2000)
            .flat_map(|i| format!("line {i} of a dump, number {}\n", i * 7919 % 10007).into_bytes())
            .collect();
        let gz = gzip(&text);
        let (prefix, failure) =
            decompress_prefix(&gz[..gz.len() * 2 / 3], Compression::Gzip, 1 << 20);
        assert!(matches!(failure, Some(DecompressFailure::Corrupt(_))));
        assert!(!prefix.is_empty());
        assert!(text.starts_with(&prefix));
    }

    #[test]
    fn corrupt_data_is_reported() {
        let mut gz = gzip(b"some text that compresses");
        let middle = gz.len() / 2;
        gz.truncate(middle);
        assert!(matches!(
            decompress(&gz, Compression::Gzip, 1 << 20),
            Err(DecompressFailure::Corrupt(_))
        ));
        assert!(detect(b"plain text").is_none());
    }

    /// An xz stream of `text` whose block header declares a dictionary of 4 GiB (the header's
    /// CRC32 recomputed, so only the memory limit can refuse it).
    fn xz_declaring_a_4_gib_dictionary(text: &[u8]) -> Vec<u8> {
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(text).unwrap();
        let mut xz = xz.finish().unwrap();
        let block = 12; // after the stream header
        let header_len = (usize::from(xz[block]) + 1) * 4;
        // No sizes in the header (flags 0), one filter: LZMA2 (0x21), one property byte.
        assert_eq!(xz[block + 1..block + 4], [0x00, 0x21, 0x01]);
        xz[block + 4] = 40; // the dictionary-size code for 4 GiB
        let mut crc = flate2::Crc::new();
        crc.update(&xz[block..block + header_len - 4]);
        xz[block + header_len - 4..block + header_len].copy_from_slice(&crc.sum().to_le_bytes());
        xz
    }

    #[test]
    fn an_xz_dictionary_past_the_decoder_memory_bound_is_corrupt_before_it_is_allocated() {
        let text = b"Daejeon, Wednesday. Yonhap\n".repeat(50);
        let bomb = xz_declaring_a_4_gib_dictionary(&text);
        match decompress(&bomb, Compression::Xz, 1 << 20) {
            Err(DecompressFailure::Corrupt(detail)) => assert_eq!(detail, OVER_MEMORY_BOUND),
            other => panic!("expected corrupt, got {other:?}"),
        }
        // Streamed, the same reader says the same.
        let mut out = Vec::new();
        let error = reader(&bomb[..], Compression::Xz)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(error.to_string(), OVER_MEMORY_BOUND);
    }

    #[test]
    fn a_legacy_lzma_header_declaring_a_4_gib_dictionary_is_corrupt_not_allocated() {
        // The fuzzer's find (fuzz/corpus/decompress/oom-1ce2d9b5…, its first byte picking xz):
        // a `.lzma` header, properties 0x87 and a dictionary of 4 GiB, that the auto decoder
        // took and allocated for.
        let find = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/corpus/decompress/oom-1ce2d9b5c9bc7f89bcecff51e4782970cd246287"
        ))
        .unwrap();
        assert_eq!(find[1..6], [0x87, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            decompress(&find[1..], Compression::Xz, 1 << 20),
            Err(DecompressFailure::Corrupt(_))
        ));
    }

    #[test]
    fn a_zstd_window_past_the_decoder_memory_bound_is_corrupt() {
        let text = b"Gwangju, Thursday. Yonhap\n".repeat(50);
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        encoder.window_log(28).unwrap();
        encoder.write_all(&text).unwrap();
        let frame = encoder.finish().unwrap();
        assert!(matches!(
            decompress(&frame, Compression::Zstd, 1 << 20),
            Err(DecompressFailure::Corrupt(_))
        ));
    }
}
