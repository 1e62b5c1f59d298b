//! The WARC reader's tests: records as crawlers write them, cut, broken and random.

use super::*;

/// A WARC record as crawlers write it.
pub(crate) fn record(kind: &str, uri: &str, block: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-11-06T01:02:03Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000{}>\r\nContent-Length: {}\r\n\r\n",
        block.len() % 10,
        block.len()
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// The payloads of the responses, or why each is not one.
fn payloads(warc: &[u8]) -> Vec<Result<Payload, RejectReason>> {
    responses(warc, 1 << 20)
        .into_iter()
        .map(|item| {
            let response = item.map_err(|_| RejectReason::Malformed)?;
            let message = response.message.map_err(|e| e.0)?;
            http_payload(&message, 1 << 20).map_err(|e| e.0)
        })
        .collect()
}

#[test]
fn response_records_become_pages_and_others_are_passed_over() {
    let mut warc = record("warcinfo", "", b"software: test");
    warc.extend(record(
        "request",
        "https://a.example/",
        b"GET / HTTP/1.1\r\n\r\n",
    ));
    warc.extend(record(
        "response",
        "https://a.example/",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=EUC-KR\r\n\r\n<p>hi</p>",
    ));
    warc.extend(record(
        "response",
        "https://a.example/logo.png",
        b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG",
    ));
    warc.extend(record(
        "response",
        "https://a.example/gone",
        b"HTTP/1.1 404 Not Found\r\n\r\nx",
    ));
    let found = responses(&warc, 1 << 20);
    assert_eq!(found.len(), 3);
    let first = found[0].as_ref().unwrap();
    assert_eq!(first.position, 3);
    assert_eq!(first.url.as_deref(), Some("https://a.example/"));
    assert_eq!(first.crawl_date.as_deref(), Some("2024-11-06T01:02:03Z"));
    let payloads = payloads(&warc);
    let payload = payloads[0].as_ref().unwrap();
    assert_eq!(payload.body, b"<p>hi</p>");
    assert_eq!(payload.charset.as_deref(), Some("euc-kr"));
    assert_eq!(payloads[1], Err(RejectReason::NotArticle));
    assert_eq!(payloads[2], Err(RejectReason::NotArticle));
}

#[test]
fn a_response_over_the_ceiling_is_skipped_unread_and_the_next_one_still_comes() {
    let mut warc = record("response", "https://a/big", &[b'x'; 5000]);
    warc.extend(record(
        "response",
        "https://a/small",
        b"HTTP/1.1 200 OK\r\n\r\nhi",
    ));
    let found = responses(&warc, 1000);
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0].as_ref().unwrap().message.as_ref().unwrap_err().0,
        RejectReason::TooLarge
    );
    assert!(found[1].as_ref().unwrap().message.is_ok());
}

#[test]
fn endless_headers_stop_at_the_header_ceiling() {
    let mut warc = b"WARC/1.0\r\n".to_vec();
    warc.extend(std::iter::repeat_n(b'h', (MAX_HEADER_BYTES + 10) as usize));
    let found = responses(&warc, 1 << 20);
    assert_eq!(found.len(), 1);
    assert!(found[0].as_ref().unwrap_err().2.contains("headers longer"));
}

#[test]
fn a_truncated_archive_keeps_the_records_before_the_cut() {
    let mut warc = record("response", "https://a/1", b"HTTP/1.1 200 OK\r\n\r\none");
    let whole = warc.len();
    warc.extend(record(
        "response",
        "https://a/2",
        b"HTTP/1.1 200 OK\r\n\r\ntwo",
    ));
    for cut in whole + 1..warc.len() - 4 {
        let found = responses(&warc[..cut], 1 << 20);
        assert!(found[0].is_ok(), "cut at {cut}");
        assert!(found.len() <= 2, "cut at {cut}");
        if found.len() == 2 {
            assert!(found[1].is_err(), "cut at {cut}");
        }
    }
}

#[test]
fn random_bytes_never_panic_and_always_end() {
    // A small deterministic fuzz: random bytes, and a real record with random bytes flipped.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let base = record("response", "https://a/", b"HTTP/1.1 200 OK\r\n\r\nText");
    for round in 0..2000 {
        let bytes: Vec<u8> = if round % 2 == 0 {
            (0..next() % 300).map(|_| next() as u8).collect()
        } else {
            let mut bytes = base.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = next() as u8;
            }
            bytes
        };
        for item in responses(&bytes, 1 << 10) {
            if let Ok(WarcResponse {
                message: Ok(message),
                ..
            }) = item
            {
                let _ = http_payload(&message, 1 << 10);
            }
        }
    }
}

#[test]
fn chunks_hold_every_response_once_and_an_empty_archive_gives_one_chunk() {
    let mut warc = Vec::new();
    for i in 0..10 {
        warc.extend(record(
            "response",
            &format!("https://a/{i}"),
            b"HTTP/1.1 200 OK\r\n\r\nsome text",
        ));
    }
    let all: Vec<WarcChunk> =
        chunks(Responses::new(&warc[..], 1 << 20), "a.warc".into(), 300, 7).collect();
    assert!(all.len() > 2);
    assert_eq!(all[0].bytes_in, 7);
    let positions: Vec<usize> = all
        .iter()
        .flat_map(|c| c.responses.iter().map(|r| r.as_ref().unwrap().position))
        .collect();
    assert_eq!(positions, (1..=10).collect::<Vec<_>>());
    let info = record("warcinfo", "", b"x");
    let empty: Vec<WarcChunk> =
        chunks(Responses::new(&info[..], 1 << 20), "e.warc".into(), 300, 3).collect();
    assert_eq!(empty.len(), 1);
    assert!(empty[0].responses.is_empty());
    assert_eq!(empty[0].bytes_in, 3);
}

#[test]
fn a_gzip_bomb_in_a_response_is_too_large_not_corrupt() {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![b'a'; 4 << 20]).unwrap();
    let mut message = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
    message.extend(encoder.finish().unwrap());
    let (reason, detail) = http_payload(&message, 1 << 20).unwrap_err();
    assert_eq!(reason, RejectReason::TooLarge, "{detail}");
    assert!(!detail.contains("TooLarge"), "{detail}");
}

#[test]
fn a_cut_archive_in_memory_reads_as_the_same_archive_streaming() {
    let mut warc = record("response", "https://a/1", b"HTTP/1.1 200 OK\r\n\r\none");
    let whole = warc.len();
    warc.extend(record(
        "response",
        "https://a/2",
        b"HTTP/1.1 200 OK\r\n\r\ntwo",
    ));
    let cut = Some("gz data does not decompress: unexpected end of file".to_string());
    let found = responses_up_to_cut(&warc[..whole + 30], cut, 1 << 20);
    assert_eq!(found.len(), 2);
    assert!(found[0].is_ok());
    let (position, reason, detail) = found[1].as_ref().unwrap_err();
    assert_eq!((*position, *reason), (2, RejectReason::Corrupt), "{detail}");
    assert!(detail.contains("unexpected end of file"), "{detail}");
}

#[test]
fn a_broken_record_ends_the_file_with_a_reject() {
    let mut warc = record("response", "https://a/", b"HTTP/1.1 200 OK\r\n\r\nText");
    warc.extend_from_slice(b"WARC/1.0\r\nContent-Length: nonsense\r\n\r\n");
    let found = responses(&warc, 1 << 20);
    assert!(found[0].is_ok());
    assert!(
        found
            .last()
            .unwrap()
            .as_ref()
            .unwrap_err()
            .2
            .contains("not a number")
    );
}
