//! Parts of a page that a browser does not show: left out of the counts and of the text.
//!
//! A page hides what is not for the reader now: a `hidden` attribute, `display:none`, or a
//! class that the page's own style sheet or framework sets to `display:none` (`hidden`,
//! `d-none`, `is-hidden`). Sites put a second copy of the lead, a teaser of the next story or
//! a sign-up panel there, and keeping them doubles or dilutes the article. The style sheet is
//! not read, so only the class words that frameworks define as hidden count, as whole words.

/// Whether `element` is hidden from the reader by its attributes or its class words.
pub(super) fn is_hidden(element: &scraper::node::Element) -> bool {
    // One pass over the attributes: `attr` would turn each name into an atom to look it up.
    element.attrs().any(|(name, value)| match name {
        "hidden" => true,
        "aria-hidden" => value.eq_ignore_ascii_case("true"),
        "style" => {
            let style: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            style.to_ascii_lowercase().contains("display:none")
        }
        "class" => value.split_ascii_whitespace().any(is_hiding_class),
        _ => false,
    })
}

/// Class words that CSS frameworks (Bootstrap, Tailwind, Foundation, Bulma, WordPress themes)
/// define as `display: none`, compared whole and without case.
fn is_hiding_class(word: &str) -> bool {
    HIDING_CLASSES.iter().any(|c| word.eq_ignore_ascii_case(c))
}

const HIDING_CLASSES: [&str; 5] = ["hidden", "hide", "d-none", "is-hidden", "invisible"];
