//! Pages and layouts.

use super::*;

#[test]
fn html_pages_keep_the_article_and_its_figure_captions() {
    let dir = Dir::new();
    dir.file(
        "page.html",
        "<!DOCTYPE html><html><head><title>Site | Story</title>\
         <meta property=\"article:published_time\" content=\"2024-11-01T19:20:00+09:00\">\
         <script>var tracking = 1;</script></head><body><nav><a href=/>Home</a></nav>\
         <article><h1>Lanterns light up Seoul</h1><p>First paragraph.</p>\
         <figure><img src=a.jpg><figcaption>Lanterns on the stream, Friday. Yonhap</figcaption></figure>\
         <p>Second paragraph.</p></article><footer>All rights reserved.</footer></body></html>",
    );
    let out = dir.run("out", &[]);
    let record = out.clean("page.html");
    assert_eq!(record["format"], "html");
    assert_eq!(record["title"], "Lanterns light up Seoul");
    assert_eq!(record["date"], "2024-11-01T19:20:00+09:00");
    assert_eq!(
        record["text"],
        "First paragraph.\n\nLanterns on the stream, Friday. Yonhap\n\nSecond paragraph."
    );
    assert_eq!(
        record["captions"][0],
        "Lanterns on the stream, Friday. Yonhap"
    );
}

#[test]
fn a_txt_file_that_is_a_whole_page_is_parsed_as_one() {
    let dir = Dir::new();
    dir.file(
        "saved.txt",
        "<!doctype html><html><body><nav>Menu</nav><p>Story.</p></body></html>",
    );
    let out = dir.run("out", &[]);
    assert_eq!(out.clean("saved.txt")["format"], "html");
    assert_eq!(out.clean("saved.txt")["text"], "Story.");
}

#[test]
fn hard_wrapped_newswire_is_joined_into_paragraphs() {
    let dir = Dir::new();
    dir.file(
        "wire.txt",
        "SEOUL, June 21 (Yonhap) -- The top nuclear envoys of South Korea, the\n\
         United States and Japan agreed on Monday to keep the door open to talks\n\
         with North Korea, officials said, while stressing that sanctions will\n\
         stay in place until Pyongyang takes concrete steps.\n\
         \x20  The three met in Seoul for their first trilateral session in months,\n\
         a day after the U.S. envoy arrived for a five-day visit.\n",
    );
    let out = dir.run("out", &[]);
    let text = out.clean("wire.txt")["text"].as_str().unwrap();
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 2, "{text}");
    assert!(paragraphs.iter().all(|p| !p.contains('\n')), "{text}");
    assert!(paragraphs[1].starts_with("The three met"));
}

#[test]
fn seed_header_separated_by_no_break_spaces_gives_title_and_date() {
    let dir = Dir::new();
    dir.file(
        "h.txt",
        format!("'A title'{NBSP} {NBSP} DATE: 2024-02-29 23:59:59\n\nBody."),
    );
    let out = dir.run("out", &[]);
    let record = out.clean("h.txt");
    assert_eq!(record["title"], "A title");
    assert_eq!(record["date"], "2024-02-29T23:59:59");
    assert_eq!(record["text"], "Body.");
}

#[test]
fn a_page_whose_title_is_never_closed_keeps_its_article() {
    // `<title/>` and a forgotten `</title>` would make the parser swallow the page into the title.
    let body: String = (0..8)
        .map(|i| {
            format!("<p>Paragraph {i} of the council's budget story, long enough to be text.</p>")
        })
        .collect();
    let dir = Dir::new();
    dir.file(
        "self_closing.html",
        format!("<html><head><title/><meta charset=utf-8></head><body><article>{body}<p>one</p></article></body></html>"),
    );
    dir.file(
        "unclosed.html",
        format!("<html><head><title>Budget news<meta charset=utf-8></head><body><article>{body}<p>two</p></article></body></html>"),
    );
    let out = dir.run("out", &[]);
    for (source, last) in [("self_closing.html", "one"), ("unclosed.html", "two")] {
        let text = out.clean(source)["text"].as_str().unwrap();
        assert!(
            text.starts_with("Paragraph 0 of the council"),
            "{source}: {text}"
        );
        assert!(text.ends_with(last), "{source}: {text}");
    }
    assert_eq!(out.clean("unclosed.html")["title"], "Budget news");
}

#[test]
fn a_gallery_page_of_figure_captions_keeps_its_slides_in_extract_mode() {
    // A slide show whose every slide is a `<figcaption>`: moving the captions out of the text
    // left nothing, and the page was rejected as "only photo captions".
    let slides: String = (0..10)
        .map(|i| {
            format!(
                "<figure class=\"slide\"><img src=\"{i}.jpg\"><figcaption class=\"slide-caption\">\
                 <p>Costume {i} is quick to make.</p><p><strong>What you need:</strong> a hat, \
                 a scarf and a painted moustache for costume {i}.</p></figcaption></figure>"
            )
        })
        .collect();
    let dir = Dir::new();
    dir.file(
        "gallery.html",
        format!("<!DOCTYPE html><html><head><title>Costumes</title></head><body><article><div class=\"slides\">{slides}</div></article></body></html>"),
    );
    dir.config("extract.toml", "[captions]\nmode = \"extract\"\n");
    let out = dir.run("out", &["--config", "extract.toml"]);
    let text = out.clean("gallery.html")["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("Costume 0 is quick to make."), "{text}");
    assert!(text.contains("painted moustache for costume 9"), "{text}");
}
