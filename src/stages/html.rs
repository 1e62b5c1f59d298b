//! TEMPORARY placeholder until the scraper-based extractor lands.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HtmlDocument {
    pub title: Option<String>,
    pub date: Option<String>,
    pub text: String,
    pub captions: Vec<String>,
}
pub fn looks_like_html_document(text: &str) -> bool {
    text.trim_start().to_ascii_lowercase().starts_with("<html")
}
pub fn extract(html: &str) -> HtmlDocument {
    HtmlDocument {
        text: html.to_string(),
        ..Default::default()
    }
}

/// Configuration of the HTML stage. It has no settings yet; article extraction settings will
/// live here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlStage;

impl HtmlStage {
    pub fn applies_to(&self, format: crate::article::InputFormat) -> bool {
        format == crate::article::InputFormat::Html
    }

    pub fn apply(&self, article: &mut crate::article::Article) {
        let page = extract(&article.text);
        article.title = page.title.filter(|t| !t.is_empty());
        article.date = page.date.as_deref().and_then(super::header::normalize_date);
        article.text = page.text;
        article.known_captions = page.captions;
    }
}
