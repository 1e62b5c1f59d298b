//! Tests of decoding: every encoding path, BOMs, sniffed charsets and the reject reasons.

use super::*;
use encoding_rs::{EUC_KR, GBK, SHIFT_JIS, WINDOWS_1252};

const KOREAN_NEWS: &str = "서울시는 19일 내년도 예산안을 발표하면서 대중교통 요금 인상 계획을 \
    당분간 보류하기로 했다고 밝혔다. 시 관계자는 물가 상승으로 시민들의 부담이 커진 상황에서 \
    요금을 올리는 것은 적절하지 않다고 판단했다며, 대신 노후 버스 교체와 지하철 안전 시설 \
    확충에 예산을 우선 배정하겠다고 설명했다. 시민단체들은 이번 결정을 환영하면서도 장기적인 \
    재정 대책이 필요하다고 지적했다.";

const JAPANESE_NEWS: &str = "東京都は十九日、来年度の予算案を発表し、公共交通機関の運賃値上げを\
    当面見送る方針を明らかにした。都の担当者は、物価の上昇で市民の負担が増している状況で運賃を\
    引き上げるのは適切ではないと判断したと説明し、代わりに老朽化したバスの更新や駅の安全設備の\
    拡充に予算を優先的に配分するとしている。";

const CHINESE_NEWS: &str = "北京市政府十九日公布了明年的财政预算草案，表示将暂缓公共交通票价上调\
    计划。市政府有关负责人说，在物价上涨、市民负担加重的情况下，提高票价并不合适，因此决定优先\
    安排资金用于更新老旧公交车辆和完善地铁安全设施。一些市民团体对这一决定表示欢迎，同时也指出\
    需要长期的财政对策。";

const FRENCH_NEWS: &str = "La mairie a présenté mercredi son budget pour l’année prochaine et \
    annoncé qu’elle renonçait, pour l’instant, à augmenter le prix des transports en commun. \
    « Dans un contexte de hausse des prix, ce n’était pas le moment », a déclaré l’adjoint chargé \
    des finances, précisant que les crédits iraient d’abord au remplacement des bus les plus \
    âgés et à la sécurité du métro. Les associations d’usagers ont salué une décision « sage ».";

fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, had_unmappable) = encoding.encode(text);
    assert!(
        !had_unmappable,
        "test text not representable in {}",
        encoding.name()
    );
    bytes.into_owned()
}

fn encoding_failure(result: Result<DecodedText, DecodeFailure>) -> String {
    match result {
        Err(DecodeFailure::Encoding(detail)) => detail,
        other => panic!("expected an encoding failure, got {other:?}"),
    }
}

#[test]
fn plain_utf8_is_reused_without_copying() {
    let bytes = KOREAN_NEWS.as_bytes().to_vec();
    let buffer_address = bytes.as_ptr();
    let decoded = decode(bytes, None).unwrap();
    assert_eq!(decoded.text, KOREAN_NEWS);
    assert_eq!(decoded.encoding, "UTF-8");
    assert!(!decoded.had_bom);
    assert_eq!(decoded.text.as_ptr(), buffer_address);
}

#[test]
fn replacement_characters_already_in_valid_utf8_are_kept() {
    let decoded = decode("caf\u{FFFD} au lait".as_bytes().to_vec(), None).unwrap();
    assert_eq!(decoded.text, "caf\u{FFFD} au lait");
}

#[test]
fn utf8_bom_is_stripped() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(FRENCH_NEWS.as_bytes());
    let decoded = decode(bytes, None).unwrap();
    assert_eq!(decoded.text, FRENCH_NEWS);
    assert_eq!(decoded.encoding, "UTF-8");
    assert!(decoded.had_bom);
}

#[test]
fn utf16_with_bom_in_both_byte_orders() {
    let mut little_endian = vec![0xFF, 0xFE];
    let mut big_endian = vec![0xFE, 0xFF];
    for unit in KOREAN_NEWS.encode_utf16() {
        little_endian.extend_from_slice(&unit.to_le_bytes());
        big_endian.extend_from_slice(&unit.to_be_bytes());
    }
    for (bytes, name) in [(little_endian, "UTF-16LE"), (big_endian, "UTF-16BE")] {
        let decoded = decode(bytes, None).unwrap();
        assert_eq!(decoded.text, KOREAN_NEWS);
        assert_eq!(decoded.encoding, name);
        assert!(decoded.had_bom);
    }
}

#[test]
fn malformed_utf16_is_rejected_not_replaced() {
    // An unpaired high surrogate, then an odd trailing byte.
    let bytes = vec![0xFF, 0xFE, b'h', 0, 0x00, 0xD8, b'i', 0, b'!'];
    let detail = encoding_failure(decode(bytes, None));
    assert!(detail.starts_with("not valid UTF-16LE"), "{detail}");
    assert!(detail.contains("offset 4"), "{detail}");
}

#[test]
fn euc_kr_korean_news_is_detected() {
    let bytes = encode(EUC_KR, KOREAN_NEWS);
    assert!(bytes.len() >= 200);
    let decoded = decode(bytes, None).unwrap();
    assert_eq!(decoded.text, KOREAN_NEWS);
    assert_eq!(decoded.encoding, "EUC-KR");
    assert!(!decoded.had_bom);
}

#[test]
fn shift_jis_japanese_news_is_detected() {
    let decoded = decode(encode(SHIFT_JIS, JAPANESE_NEWS), None).unwrap();
    assert_eq!(decoded.text, JAPANESE_NEWS);
    assert_eq!(decoded.encoding, "Shift_JIS");
}

#[test]
fn gbk_chinese_news_is_detected() {
    let decoded = decode(encode(GBK, CHINESE_NEWS), None).unwrap();
    assert_eq!(decoded.text, CHINESE_NEWS);
    assert_eq!(decoded.encoding, "GBK");
}

#[test]
fn windows_1252_french_news_is_detected() {
    let decoded = decode(encode(WINDOWS_1252, FRENCH_NEWS), None).unwrap();
    assert_eq!(decoded.text, FRENCH_NEWS);
    assert!(decoded.text.contains('é') && decoded.text.contains('’'));
    assert_eq!(decoded.encoding, "windows-1252");
}

#[test]
fn declared_label_is_used_for_non_utf8_bytes() {
    let decoded = decode(encode(EUC_KR, KOREAN_NEWS), Some("euc-kr")).unwrap();
    assert_eq!(decoded.text, KOREAN_NEWS);
    assert_eq!(decoded.encoding, "EUC-KR");

    // Detection alone would say windows-1252; the declaration decides the € sign.
    let bytes = b"Le prix passe \xE0 12 \xA4 le ticket, annonce la r\xE9gie.".to_vec();
    let decoded = decode(bytes, Some(" ISO-8859-15 ")).unwrap();
    assert_eq!(decoded.encoding, "ISO-8859-15");
    assert_eq!(
        decoded.text,
        "Le prix passe à 12 € le ticket, annonce la régie."
    );
}

#[test]
fn declared_label_is_ignored_for_valid_utf8_and_when_unusable() {
    let decoded = decode(FRENCH_NEWS.as_bytes().to_vec(), Some("euc-kr")).unwrap();
    assert_eq!(decoded.encoding, "UTF-8");

    for label in ["no-such-charset", "utf-8", "utf-16", "iso-2022-kr"] {
        let decoded = decode(encode(EUC_KR, KOREAN_NEWS), Some(label)).unwrap();
        assert_eq!(decoded.encoding, "EUC-KR", "declared {label}");
    }
}

#[test]
fn declared_label_that_does_not_fit_is_rejected_with_offset() {
    let bytes = b"Press release \x82\x20 follows".to_vec();
    let detail = encoding_failure(decode(bytes, Some("shift_jis")));
    assert_eq!(
        detail,
        "not valid Shift_JIS (declared): malformed at byte offset 14"
    );
}

#[test]
fn binary_magic_numbers_are_named() {
    let cases: [(&[u8], &str); 7] = [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "PNG image"),
        (b"\xFF\xD8\xFF\xE0\0\x10JFIF", "JPEG image"),
        (b"\x1F\x8B\x08\x00\x00\x00", "gzip archive"),
        (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "PDF document"),
        (b"RIFF\x24\0\0\0WEBPVP8 ", "WebP image"),
        (b"SQLite format 3\0\x10\0", "SQLite database"),
        (b"BZh91AY&SY", "bzip2 archive"),
    ];
    for (bytes, kind) in cases {
        assert_eq!(
            decode(bytes.to_vec(), None),
            Err(DecodeFailure::Binary(kind.to_owned()))
        );
    }
}

#[test]
fn nul_byte_in_the_first_8_kib_is_binary() {
    let mut bytes = b"<html><body>".to_vec();
    bytes.push(0);
    assert_eq!(
        decode(bytes, None),
        Err(DecodeFailure::Binary("NUL byte at offset 12".to_owned()))
    );

    // Past the sniff window a NUL is the source's own (valid UTF-8) content.
    let mut late_nul = vec![b'a'; BINARY_SNIFF_WINDOW];
    late_nul.push(0);
    assert!(decode(late_nul, None).is_ok());
}

#[test]
fn empty_and_bom_only_inputs_are_empty() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF"] {
        assert_eq!(decode(bytes.to_vec(), None), Err(DecodeFailure::Empty));
    }
}

#[test]
fn damaged_utf8_names_the_offset() {
    let mut bytes = KOREAN_NEWS.as_bytes().to_vec();
    // The first byte of a character, so the damage starts exactly there; more bad bytes than
    // "a handful", so the file is a reject.
    let starts: Vec<usize> = KOREAN_NEWS
        .char_indices()
        .filter(|&(index, c)| index >= 40 && c.len_utf8() > 1)
        .map(|(index, _)| index)
        .step_by(3)
        .take(MAX_REPLACED_BYTES + 1)
        .collect();
    let damaged_at = starts[0];
    for &at in &starts {
        bytes[at] = 0xFF;
    }
    let detail = encoding_failure(decode(bytes.clone(), None));
    assert_eq!(detail, format!("invalid UTF-8 at byte offset {damaged_at}"));

    // A declaration does not rescue damaged UTF-8 as some legacy encoding.
    let detail = encoding_failure(decode(bytes, Some("windows-1252")));
    assert_eq!(detail, format!("invalid UTF-8 at byte offset {damaged_at}"));
}

#[test]
fn damaged_utf8_after_a_bom_counts_the_bom_in_the_offset() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"plain ascii then stray \xE9 bytes");
    bytes.extend_from_slice(&[0xE9; MAX_REPLACED_BYTES]);
    let detail = encoding_failure(decode(bytes, None));
    assert_eq!(detail, "invalid UTF-8 at byte offset 26");
}

/// Issue #12: pages and texts with 1 to 4 stray bytes were rejected whole, though browsers
/// read them. They are kept, each bad byte a U+FFFD (which the record counts).
#[test]
fn utf8_with_a_handful_of_bad_bytes_is_kept_with_each_replaced() {
    let mut bytes = KOREAN_NEWS.as_bytes().to_vec();
    bytes.extend_from_slice(b" <!-- \xFF\xFE stray --> ");
    bytes.extend_from_slice(&"한".as_bytes()[..2]);
    let decoded = decode(bytes, Some("utf-8")).unwrap();
    assert_eq!(decoded.encoding, "UTF-8");
    assert!(decoded.text.starts_with(KOREAN_NEWS));
    assert!(
        decoded
            .text
            .ends_with(" <!-- \u{FFFD}\u{FFFD} stray --> \u{FFFD}\u{FFFD}")
    );
    // After a BOM too.
    let mut bytes = b"\xEF\xBB\xBFplain ascii then a stray \xE9 byte".to_vec();
    bytes.push(b'.');
    let decoded = decode(bytes, None).unwrap();
    assert_eq!(decoded.text, "plain ascii then a stray \u{FFFD} byte.");
    assert!(decoded.had_bom);
}

#[test]
fn utf8_truncated_mid_character_is_kept_with_the_cut_character_replaced() {
    let mut bytes = KOREAN_NEWS.as_bytes().to_vec();
    bytes.extend_from_slice(&"한".as_bytes()[..2]);
    let decoded = decode(bytes, None).unwrap();
    assert_eq!(decoded.text, format!("{KOREAN_NEWS}\u{FFFD}\u{FFFD}"));
}

#[test]
fn legacy_text_is_not_mistaken_for_damaged_utf8() {
    for (encoding, text) in [
        (EUC_KR, KOREAN_NEWS),
        (SHIFT_JIS, JAPANESE_NEWS),
        (GBK, CHINESE_NEWS),
        (WINDOWS_1252, FRENCH_NEWS),
    ] {
        let survey = Utf8Survey::of(&encode(encoding, text));
        assert!(
            !survey.looks_like_damaged_utf8(),
            "{}: {} valid vs {} invalid",
            encoding.name(),
            survey.valid_multibyte,
            survey.invalid
        );
    }
}

#[test]
fn sniffs_meta_charset() {
    let page = b"<!DOCTYPE html><html><head><meta charset=\"euc-kr\"><title>x</title>";
    assert_eq!(sniff_html_charset(page), Some("euc-kr"));
    assert_eq!(
        sniff_html_charset(b"<head><META CHARSET=utf-8>"),
        Some("utf-8")
    );
}

#[test]
fn sniffs_http_equiv_content_type() {
    let page = b"<html><HEAD>\n<Meta HTTP-EQUIV='Content-Type'\n  CONTENT=\"text/html; Charset=Shift_JIS\">";
    assert_eq!(sniff_html_charset(page), Some("Shift_JIS"));

    // Without http-equiv a content attribute is just text.
    let page = b"<meta name=\"description\" content=\"charset=koi8-r\">";
    assert_eq!(sniff_html_charset(page), None);
}

#[test]
fn ignores_charset_past_1024_bytes_or_in_comments() {
    let mut page = b"<html><head>".to_vec();
    page.resize(HTML_PRESCAN_WINDOW, b' ');
    page.extend_from_slice(b"<meta charset=\"euc-kr\">");
    assert_eq!(sniff_html_charset(&page), None);

    let page = b"<!-- <meta charset=\"big5\"> --><meta charset=\"gbk\">";
    assert_eq!(sniff_html_charset(page), Some("gbk"));
    assert_eq!(sniff_html_charset(b"<metadata charset=\"gbk\">"), None);
}

#[test]
fn never_panics_or_replaces_more_than_a_handful_of_bytes() {
    // A small deterministic xorshift keeps this fuzz-style check reproducible.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next_byte = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state.to_le_bytes()[0]
    };
    let prefixes: [&[u8]; 5] = [b"", b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF", b"<meta "];
    for round in 0..3000 {
        let mut bytes = prefixes[round % prefixes.len()].to_vec();
        let len = usize::from(next_byte()) + usize::from(next_byte());
        // Mostly high bytes, sometimes ASCII, so every branch gets exercised.
        let ascii_share = next_byte();
        for _ in 0..len {
            let byte = next_byte();
            bytes.push(if byte < ascii_share {
                byte & 0x7F | 0x20
            } else {
                byte
            });
        }
        let _ = sniff_html_charset(&bytes);
        let len = bytes.len();
        let source_replacements = bytes
            .utf8_chunks()
            .map(|c| c.valid().matches('\u{FFFD}').count())
            .sum::<usize>();
        if let Ok(decoded) = decode(bytes, Some("euc-kr")) {
            let replaced = decoded.text.matches('\u{FFFD}').count() - source_replacements;
            if replaced > 0 {
                // Only damaged UTF-8 is repaired, and only a handful of bytes of it.
                assert_eq!(decoded.encoding, "UTF-8");
                assert!(replaced <= MAX_REPLACED_BYTES.max(len / REPLACED_BYTES_PER));
            }
        }
    }
}

#[test]
fn ascii_text_with_one_pound_sign_reads_as_windows_1252() {
    // Regression (a 2016 web dump): chardetng alone says windows-1250, which reads "Ł15.8m".
    let bytes =
        b"Tesco profits\r\n\r\nThe retailer said on Tuesday that profits rose to \xa315.8m in the \
        first half, helped by lower costs and a stronger showing from its online business.\r\n"
            .to_vec();
    let decoded = decode(bytes, None).unwrap();
    assert_eq!(decoded.encoding, "windows-1252");
    assert!(decoded.text.contains("£15.8m"), "{}", decoded.text);
}

/// Issue #12: a megabyte of random bytes without a NUL became a clean windows-1252 record.
#[test]
fn random_bytes_without_nul_are_binary() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let bytes: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3].max(1)
        })
        .collect();
    match decode(bytes, None) {
        Err(DecodeFailure::Binary(detail)) => {
            assert!(detail.contains("control characters"), "{detail}")
        }
        other => panic!("expected binary, got {other:?}"),
    }
    // Text with the controls real dumps hold (Reuters' \x03, Word's \x0b, form feeds) is text.
    let text = "Reuters\x03 line\x0bbreak \x0c page ".repeat(200);
    assert!(decode(text.into_bytes(), None).is_ok());
}
