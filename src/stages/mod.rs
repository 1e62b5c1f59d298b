//! The per-article stages: pure functions of one article, run in order, in parallel across
//! articles.
//!
//! Each stage lives in its own file with its configuration, code and unit tests, and is registered
//! here in one enum and one `match` — adding a stage means adding a variant, not learning a macro.
//! A stage sees only its article, so the pipeline may run any number of articles at once and the
//! result does not depend on which thread ran which. Stateful steps (dedup) are not stages.

pub mod captions;
pub mod date;
pub mod entities;
pub mod header;
pub mod html;
pub mod markup;
pub mod unwrap;
pub mod whitespace;

use crate::article::{Article, InputFormat};

/// One configured stage.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Whole HTML pages: parse, drop page chrome, keep the article's blocks and figure captions.
    Html(html::HtmlStage),
    /// Text files: title and date from the scraper's first line.
    Header(header::HeaderStage),
    /// Text files: strip stray tags, decode entities.
    Markup(markup::MarkupStage),
    /// Text files: join hard-wrapped lines into paragraphs.
    Unwrap(unwrap::UnwrapStage),
    /// Trim and single-space lines; one blank line between blocks.
    Whitespace(whitespace::WhitespaceStage),
    /// Find captions; collapse, extract or keep them.
    Captions(captions::CaptionStage),
}

impl Stage {
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Html(_) => "html",
            Stage::Header(_) => "header",
            Stage::Markup(_) => "markup",
            Stage::Unwrap(_) => "unwrap",
            Stage::Whitespace(_) => "whitespace",
            Stage::Captions(_) => "captions",
        }
    }

    /// Runs the stage on `article` if it applies to the article's format.
    pub fn apply(&self, article: &mut Article) {
        let format: InputFormat = article.format;
        match self {
            Stage::Html(stage) if stage.applies_to(format) => stage.apply(article),
            Stage::Header(stage) if stage.applies_to(format) => stage.apply(article),
            Stage::Markup(stage) if stage.applies_to(format) => stage.apply(article),
            Stage::Unwrap(stage) if stage.applies_to(format) => stage.apply(article),
            Stage::Whitespace(stage) if stage.applies_to(format) => stage.apply(article),
            Stage::Captions(stage) if stage.applies_to(format) => stage.apply(article),
            _ => {}
        }
    }
}

/// Runs every stage, in order, on one article.
pub fn run_all(stages: &[Stage], article: &mut Article) {
    for stage in stages {
        stage.apply(article);
    }
}
