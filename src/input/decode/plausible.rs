//! A second opinion on chardetng's guess for single-byte legacy text that is mostly ASCII.
//!
//! With only a handful of non-ASCII bytes, chardetng has almost nothing to go on: a British
//! article that is plain ASCII apart from one `£` (0xA3) comes out as windows-1250, where 0xA3 is
//! `Ł`, and reads "Ł15.8m". The bytes themselves say which reading is right: under the right
//! encoding the few non-ASCII characters are plausible where they stand — a currency sign before
//! a number, quotes and dashes, accented letters inside words — and under the wrong one they are
//! letters stranded between spaces and digits, or control characters. So the guess is scored
//! against windows-1252 (the commonest legacy encoding of English and Western European text) on
//! exactly those characters, and the more plausible reading wins; a tie keeps the guess.

use encoding_rs::{Encoding, WINDOWS_1252};

/// Above this share of non-ASCII bytes the text is not "mostly ASCII": chardetng has enough
/// to go on, and its statistics beat this check.
const MAX_NON_ASCII_SHARE: usize = 20; // one byte in 20

/// chardetng's `guess`, or windows-1252 when that reads the non-ASCII bytes more plausibly.
pub(super) fn prefer_plausible(body: &[u8], guess: &'static Encoding) -> &'static Encoding {
    if guess == WINDOWS_1252 || !guess.is_single_byte() {
        return guess;
    }
    let non_ascii = body.iter().filter(|b| !b.is_ascii()).count();
    if non_ascii == 0 || non_ascii * MAX_NON_ASCII_SHARE > body.len() {
        return guess;
    }
    if plausibility(WINDOWS_1252, body) > plausibility(guess, body) {
        WINDOWS_1252
    } else {
        guess
    }
}

/// The sum, over the non-ASCII characters of `body` read as `encoding`, of how plausible each
/// is between its neighbours.
fn plausibility(encoding: &'static Encoding, body: &[u8]) -> i64 {
    let (text, _) = encoding.decode_without_bom_handling(body);
    let chars: Vec<char> = text.chars().collect();
    let mut score = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii() {
            continue;
        }
        let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let after = chars.get(i + 1).copied();
        score += char_score(c, before, after);
    }
    score
}

fn char_score(c: char, before: Option<char>, after: Option<char>) -> i64 {
    let digit = |n: Option<char>| n.is_some_and(|n| n.is_ascii_digit());
    let letter = |n: Option<char>| n.is_some_and(char::is_alphabetic);
    match c {
        // A currency sign stands by its amount.
        '£' | '€' | '¥' | '¢' | '¤' if digit(after) || digit(before) => 2,
        '£' | '€' | '¥' | '¢' | '¤' => 0,
        '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' | '\u{201a}' | '\u{201e}' | '«' | '»'
        | '\u{2013}' | '\u{2014}' | '\u{2026}' | '\u{2022}' | '\u{a0}' | '°' | '©' | '®'
        | '\u{2122}' | '§' | '·' => 1,
        c if c.is_control() || c == '\u{fffd}' => -4,
        // A letter belongs inside a word; one between a space and a digit is a misreading.
        c if c.is_alphabetic() && (letter(before) || letter(after)) => 2,
        c if c.is_alphabetic() => -2,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{ISO_8859_2, WINDOWS_1250, WINDOWS_1251};

    #[test]
    fn a_pound_sign_in_ascii_text_is_windows_1252() {
        let body = b"Shares in the group rose after it reported profits of \xa315.8m for the year.";
        assert_eq!(prefer_plausible(body, WINDOWS_1250), WINDOWS_1252);
        assert_eq!(prefer_plausible(body, ISO_8859_2), WINDOWS_1252);
    }

    #[test]
    fn polish_letters_inside_words_stay_windows_1250() {
        // "Zakład w Łodzi zamknięto" in windows-1250: ł, Ł and ę are letters inside words.
        let body =
            b"Zak\xb3ad w \xa3odzi zamkni\xeato w poniedzia\xb3ek, poinformowa\xb3 urz\xb9d.";
        assert_eq!(prefer_plausible(body, WINDOWS_1250), WINDOWS_1250);
    }

    #[test]
    fn text_that_is_not_mostly_ascii_keeps_the_guess() {
        let (body, _, _) = WINDOWS_1251.encode("Москва сообщила о росте цен на 5%");
        assert_eq!(prefer_plausible(&body, WINDOWS_1251), WINDOWS_1251);
    }
}
