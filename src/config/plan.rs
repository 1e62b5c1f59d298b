//! The validated plan a run executes: what [`super::RawConfig`] says, checked and compiled.
//!
//! This is the one place where values are judged: paths are resolved (file values relative to the
//! configuration file, command-line values relative to the working directory), globs and patterns
//! compiled, ranges checked, and stage configurations built. Every problem is collected and
//! returned together, each pointing at the line of the offending key.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::{LoadedConfig, ProgressMode, RawConfig};
use crate::error::{ConfigProblem, ConfigProblems};
use crate::input::{InputPlan, InputRoot, JsonFields};
use crate::output::OutputCompression;
use crate::output::OutputFormat;
use crate::stages::Stage;
use crate::stages::captions::{CaptionStage, CreditMatcher};
use crate::stages::header::HeaderStage;
use crate::stages::html::HtmlStage;
use crate::stages::markup::MarkupStage;
use crate::stages::unwrap::UnwrapStage;
use crate::stages::whitespace::WhitespaceStage;

/// Values given on the command line; each replaces the file's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub inputs: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub threads: Option<usize>,
    pub no_progress: bool,
    pub force: bool,
    pub compression: Option<OutputCompression>,
    pub state: Option<PathBuf>,
}

/// The state database a command names: `--state`, else the file's `[state] path` (relative to
/// the file), else none. For `scour state`, which needs nothing else of the configuration.
pub fn state_path(loaded: Option<&LoadedConfig>, cli: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = cli {
        return Some(path.to_path_buf());
    }
    let loaded = loaded?;
    let path = loaded.raw.state.path.as_deref()?;
    let base = loaded.path.parent().unwrap_or(Path::new(""));
    Some(base.join(path))
}

/// Everything a run needs, validated.
#[derive(Debug)]
pub struct Plan {
    /// What to read and how: the walk, the limits, the input formats.
    pub input: InputPlan,
    /// The per-article stages, in the order they run.
    pub stages: Vec<Stage>,
    pub dedup_exact: bool,
    /// Near-duplicate detection, when `dedup.near` is on.
    pub near: Option<crate::dedup::near::NearPlan>,
    /// Site boilerplate removal, when `boilerplate.enabled` is on.
    pub boilerplate: Option<crate::dedup::boilerplate::BoilerplatePlan>,
    /// The boilerplate lines the run's first pass learned; set once, before the second pass.
    pub boilerplate_table: std::sync::OnceLock<crate::dedup::boilerplate::Table>,
    pub output_dir: PathBuf,
    /// `--output` was given. With state and without it, each run writes to
    /// `<output_dir>/run-NNNNNN`.
    pub output_dir_given: bool,
    /// The nightly state database, if any (`[state] path`, `--state`).
    pub state_path: Option<PathBuf>,
    /// Inputs between checkpoints of a run with state (0: none).
    pub checkpoint_files: u64,
    /// Last-good copies of the state kept, one per committed night (`[state] backups`).
    pub state_backups: u32,
    /// Set to stop the run at the next batch (the binary's signal handler sets it).
    pub cancel: crate::cancel::Cancel,
    pub output_format: OutputFormat,
    /// Resolved: never 0, and at most [`THREADS_PER_CORE`] per core.
    pub threads: usize,
    /// The count asked for (`run.threads`, `--threads`, or the cores for 0); above `threads`
    /// when it was capped, which the binary says.
    pub threads_asked: usize,
    pub progress: ProgressMode,
    pub force: bool,
    /// The configuration after overrides, as `check-config` prints it.
    pub effective: RawConfig,
    pub config_file: Option<PathBuf>,
}

/// The largest byte limit a key may hold (1 TiB): far above any file read whole, and far enough
/// below `u64::MAX` that `limit + 1` and sums of limits cannot wrap.
pub const MAX_BYTES: u64 = 1 << 40;
/// The smallest `input.stream_above_bytes`: a chunk must hold at least a record's worth.
pub const MIN_STREAM_ABOVE_BYTES: u64 = 512;
/// The most worker threads per core a run starts, whatever is asked.
pub const THREADS_PER_CORE: usize = 4;
const MAX_STATE_BACKUPS: u64 = 1000;
const MAX_SHINGLE_WORDS: usize = 64;

/// Validates a configuration (a file's, or the built-in defaults) with command-line overrides.
pub fn build(loaded: Option<&LoadedConfig>, overrides: &Overrides) -> Result<Plan, ConfigProblems> {
    let mut raw = loaded.map(|l| l.raw.clone()).unwrap_or_default();
    let mut problems = Vec::new();
    // A value is blamed on where it came from: the command line, the file, or the built-in
    // default (no file, no flag), which the user never typed.
    let overridden = |key: &str| match key {
        "input.roots" => !overrides.inputs.is_empty(),
        "output.dir" => overrides.output.is_some(),
        "run.threads" => overrides.threads.is_some(),
        "output.compression" => overrides.compression.is_some(),
        "state.path" => overrides.state.is_some(),
        _ => false,
    };
    let problem = |key: &str, message: String| match loaded {
        Some(loaded) if !overridden(key) => loaded.problem_at(key, message),
        _ => ConfigProblem {
            file: None,
            line_col: None,
            key: Some(key.to_string()),
            message: if overridden(key) {
                format!("{message} (given on the command line)")
            } else {
                format!(
                    "{message} (the built-in default: there is no pipeline.toml here; give \
                     --config FILE or set it on the command line)"
                )
            },
        },
    };
    // File values are relative to the file; command-line values to the working directory.
    let base_dir = loaded
        .and_then(|l| l.path.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let from_file = |value: &str| base_dir.join(value);

    let roots: Vec<PathBuf> = if overrides.inputs.is_empty() {
        raw.input.roots.iter().map(|r| from_file(r)).collect()
    } else {
        raw.input.roots = overrides
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        overrides.inputs.clone()
    };
    if roots.is_empty() {
        problems.push(problem(
            "input.roots",
            "no input: give at least one root".into(),
        ));
    }
    for root in &roots {
        if !root.exists() {
            problems.push(problem(
                "input.roots",
                format!("input root {} does not exist", root.display()),
            ));
        }
    }
    let roots = name_roots(roots, &mut problems, &problem);

    let include = compile_globs(&raw.input.include, "input.include", &mut problems, &problem);
    let exclude = compile_globs(&raw.input.exclude, "input.exclude", &mut problems, &problem);
    let input = &raw.input;
    let mut in_range = |key: &str, value: u64, range: std::ops::RangeInclusive<u64>| {
        if !range.contains(&value) {
            problems.push(problem(
                key,
                format!(
                    "{value} is out of range: must be from {} to {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
    };
    in_range("input.max_file_bytes", input.max_file_bytes, 1..=MAX_BYTES);
    in_range(
        "input.max_decompressed_bytes",
        input.max_decompressed_bytes,
        1..=MAX_BYTES,
    );
    // Streaming cuts dumps into chunks of about this size: 0 would cut empty chunks forever.
    in_range(
        "input.stream_above_bytes",
        input.stream_above_bytes,
        MIN_STREAM_ABOVE_BYTES..=MAX_BYTES,
    );
    in_range(
        "output.max_bytes_per_file",
        raw.output.max_bytes_per_file,
        0..=MAX_BYTES,
    );
    in_range(
        "state.backups",
        u64::from(raw.state.backups),
        0..=MAX_STATE_BACKUPS,
    );
    in_range(
        "boilerplate.max_line_chars",
        raw.boilerplate.max_line_chars as u64,
        1..=MAX_BYTES,
    );
    in_range(
        "captions.min_repeated_chars",
        raw.captions.min_repeated_chars as u64,
        0..=MAX_BYTES,
    );

    let markup = MarkupStage {
        strip_tags: raw.clean.strip_tags,
        decode_entities: raw.clean.decode_entities,
    };
    let header = if raw.header.enabled {
        match HeaderStage::new(raw.header.preset, &raw.header.pattern, markup.clone()) {
            Ok(stage) => Some(stage),
            Err(message) => {
                problems.push(problem("header.pattern", message));
                None
            }
        }
    } else {
        None
    };
    let credits = match CreditMatcher::new(&raw.captions.credits) {
        Ok(credits) => Some(credits),
        Err(message) => {
            problems.push(problem("captions.credits", message));
            None
        }
    };

    if let Some(output) = &overrides.output {
        raw.output.dir = output.display().to_string();
    }
    let output_dir = match &overrides.output {
        Some(output) => output.clone(),
        None => from_file(&raw.output.dir),
    };
    let dedup = &raw.dedup;
    if dedup.near_shingle_words == 0 || dedup.near_bands == 0 || dedup.near_rows == 0 {
        problems.push(problem(
            "dedup.near_shingle_words",
            "near_shingle_words, near_bands and near_rows must be at least 1".into(),
        ));
    }
    if dedup.near_shingle_words > MAX_SHINGLE_WORDS {
        problems.push(problem(
            "dedup.near_shingle_words",
            format!("must be at most {MAX_SHINGLE_WORDS}"),
        ));
    }
    // Checked: two huge values must not wrap to a small product and pass.
    if dedup
        .near_bands
        .checked_mul(dedup.near_rows)
        .is_none_or(|values| values > 1024)
    {
        problems.push(problem(
            "dedup.near_bands",
            "near_bands × near_rows must be at most 1024 values".into(),
        ));
    }
    if !(dedup.near_threshold > 0.0 && dedup.near_threshold <= 1.0) {
        problems.push(problem(
            "dedup.near_threshold",
            format!(
                "must be above 0 and at most 1, not {}",
                dedup.near_threshold
            ),
        ));
    }
    let near = dedup.near.then_some(crate::dedup::near::NearPlan {
        shingle_words: dedup.near_shingle_words,
        bands: dedup.near_bands,
        rows: dedup.near_rows,
        threshold: dedup.near_threshold,
    });
    if raw.boilerplate.min_articles < 2 {
        problems.push(problem(
            "boilerplate.min_articles",
            "must be at least 2: a line in one article is that article's own".into(),
        ));
    }
    let boilerplate =
        raw.boilerplate
            .enabled
            .then_some(crate::dedup::boilerplate::BoilerplatePlan {
                min_articles: raw.boilerplate.min_articles,
                max_line_chars: raw.boilerplate.max_line_chars,
            });
    if let Some(state) = &overrides.state {
        raw.state.path = Some(state.display().to_string());
    }
    let state_path = match (&overrides.state, &raw.state.path) {
        (Some(state), _) => Some(state.clone()),
        (None, Some(path)) if path.trim().is_empty() => {
            problems.push(problem("state.path", "must not be empty".into()));
            None
        }
        (None, Some(path)) => Some(from_file(path)),
        (None, None) => None,
    };
    if raw.output.dir.trim().is_empty() {
        problems.push(problem("output.dir", "must not be empty".into()));
    }

    if let Some(threads) = overrides.threads {
        raw.run.threads = threads;
    }
    const MAX_THREADS: usize = 1024;
    if raw.run.threads > MAX_THREADS {
        problems.push(problem(
            "run.threads",
            format!("{} is more than {MAX_THREADS}", raw.run.threads),
        ));
    }
    if overrides.no_progress {
        raw.run.progress = ProgressMode::Never;
    }
    if let Some(compression) = overrides.compression {
        raw.output.compression = compression;
    }

    if !problems.is_empty() {
        return Err(ConfigProblems(problems));
    }

    let mut stages = vec![Stage::Html(HtmlStage)];
    if let Some(header) = header {
        stages.push(Stage::Header(header));
    }
    if markup.strip_tags || markup.decode_entities {
        stages.push(Stage::Markup(markup));
    }
    if raw.clean.unwrap_lines {
        stages.push(Stage::Unwrap(UnwrapStage));
    }
    stages.push(Stage::Whitespace(WhitespaceStage {
        collapse: raw.clean.normalize_whitespace,
    }));
    stages.push(Stage::Captions(CaptionStage {
        mode: raw.captions.mode,
        credits: credits.unwrap_or_default(),
        min_repeated_chars: raw.captions.min_repeated_chars,
    }));

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads_asked = match raw.run.threads {
        0 => cores,
        n => n,
    };
    // The work is CPU-bound: threads past a few per core only contend (1,024 threads on 2 cores
    // ran 20 times slower than 2), and the output is the same for any count.
    let threads = threads_asked.min(THREADS_PER_CORE * cores);
    Ok(Plan {
        input: InputPlan {
            roots,
            include: include.unwrap_or_else(GlobSet::empty),
            exclude: exclude.unwrap_or_else(GlobSet::empty),
            follow_symlinks: raw.input.follow_symlinks,
            max_file_bytes: raw.input.max_file_bytes,
            max_decompressed_bytes: raw.input.max_decompressed_bytes,
            html_extensions: raw
                .input
                .html_extensions
                .iter()
                .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            json_extensions: raw
                .input
                .json
                .extensions
                .iter()
                .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            stream_above_bytes: raw.input.stream_above_bytes,
            json_fields: JsonFields {
                text: raw.input.json.text_fields.clone(),
                html: raw.input.json.html_fields.clone(),
                title: raw.input.json.title_fields.clone(),
                date: raw.input.json.date_fields.clone(),
                url: raw.input.json.url_fields.clone(),
            },
        },
        stages,
        dedup_exact: raw.dedup.exact,
        near,
        boilerplate,
        boilerplate_table: std::sync::OnceLock::new(),
        output_dir,
        output_dir_given: overrides.output.is_some(),
        state_path,
        checkpoint_files: raw.state.checkpoint_files,
        state_backups: raw.state.backups,
        cancel: crate::cancel::Cancel::default(),
        output_format: OutputFormat {
            compression: raw.output.compression,
            max_records_per_file: raw.output.max_records_per_file,
            max_bytes_per_file: raw.output.max_bytes_per_file,
            threads,
        },
        threads,
        threads_asked,
        progress: raw.run.progress,
        force: overrides.force,
        effective: raw,
        config_file: loaded.map(|l| l.path.clone()),
    })
}

/// Gives each root its source prefix: none for a single root, its name for several.
fn name_roots(
    roots: Vec<PathBuf>,
    problems: &mut Vec<ConfigProblem>,
    problem: &impl Fn(&str, String) -> ConfigProblem,
) -> Vec<InputRoot> {
    if roots.len() == 1 {
        return roots
            .into_iter()
            .map(|path| InputRoot {
                path,
                source_prefix: String::new(),
            })
            .collect();
    }
    let mut named: Vec<InputRoot> = Vec::with_capacity(roots.len());
    for path in roots {
        let name = path
            .canonicalize()
            .unwrap_or_else(|_| path.clone())
            .file_name()
            .map(crate::input::discover::escape_root_name)
            .unwrap_or_else(|| "root".to_string());
        let source_prefix = format!("{name}/");
        if named.iter().any(|r| r.source_prefix == source_prefix) {
            problems.push(problem(
                "input.roots",
                format!(
                    "two roots are named `{name}`; with several roots each source starts with its \
                     root's name, so the names must differ"
                ),
            ));
        }
        named.push(InputRoot {
            path,
            source_prefix,
        });
    }
    named
}

fn compile_globs(
    patterns: &[String],
    key: &str,
    problems: &mut Vec<ConfigProblem>,
    problem: &impl Fn(&str, String) -> ConfigProblem,
) -> Option<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    let mut ok = true;
    for pattern in patterns {
        // `*` stays within one path component, as in .gitignore; `**` crosses them.
        match GlobBuilder::new(pattern).literal_separator(true).build() {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(e) => {
                problems.push(problem(key, format!("bad glob `{pattern}`: {}", e.kind())));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    match builder.build() {
        Ok(set) => Some(set),
        Err(e) => {
            problems.push(problem(key, e.to_string()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    fn loaded(text: &str, dir: &Path) -> LoadedConfig {
        let path = dir.join("pipeline.toml");
        let (raw, spans) = parse(text, &path).unwrap();
        LoadedConfig {
            raw,
            path,
            text: text.to_string(),
            spans,
        }
    }

    #[test]
    fn value_problems_are_all_reported_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            "[input]\nroots = [\"missing\"]\ninclude = [\"a[\"]\n\n[header]\npattern = \"(\"\n";
        let problems = build(Some(&loaded(text, dir.path())), &Overrides::default())
            .unwrap_err()
            .0;
        let rendered: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 3, "{rendered:#?}");
        assert!(
            rendered[0].contains(":2:9: `input.roots`: input root"),
            "{rendered:#?}"
        );
        assert!(
            rendered[1].contains(":3:11: `input.include`"),
            "{rendered:#?}"
        );
        assert!(
            rendered[2].contains(":6:11: `header.pattern`"),
            "{rendered:#?}"
        );
    }

    #[test]
    fn numeric_keys_out_of_range_are_all_reported_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[input]\nroots = [\".\"]\nmax_file_bytes = {}\nstream_above_bytes = 0\n\
             max_decompressed_bytes = 0\n\n[dedup]\nnear_bands = {}\nnear_rows = 2\n",
            u64::MAX,
            usize::MAX / 2 + 1
        );
        let problems = build(Some(&loaded(&text, dir.path())), &Overrides::default())
            .unwrap_err()
            .0;
        let rendered: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        for expected in [
            ":3:18: `input.max_file_bytes`: 18446744073709551615 is out of range",
            ":4:22: `input.stream_above_bytes`: 0 is out of range: must be from 512",
            ":5:26: `input.max_decompressed_bytes`: 0 is out of range",
            ":8:14: `dedup.near_bands`",
        ] {
            assert!(
                rendered.iter().any(|r| r.contains(expected)),
                "{expected}: {rendered:#?}"
            );
        }
        assert_eq!(problems.len(), 4, "{rendered:#?}");
    }

    #[test]
    fn threads_past_a_few_per_core_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = Overrides {
            inputs: vec![dir.path().to_path_buf()],
            threads: Some(1024),
            ..Overrides::default()
        };
        let plan = build(None, &overrides).unwrap();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(plan.threads_asked, 1024);
        assert_eq!(plan.threads, 1024.min(THREADS_PER_CORE * cores));
    }

    #[test]
    fn command_line_values_replace_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = Overrides {
            inputs: vec![dir.path().to_path_buf()],
            output: Some(dir.path().join("o")),
            threads: Some(3),
            no_progress: true,
            force: true,
            compression: None,
            state: None,
        };
        let plan = build(
            Some(&loaded("[run]\nthreads = 1\n", dir.path())),
            &overrides,
        )
        .unwrap();
        assert_eq!(plan.threads, 3);
        assert_eq!(plan.progress, ProgressMode::Never);
        assert_eq!(plan.output_dir, dir.path().join("o"));
        assert_eq!(plan.input.roots[0].source_prefix, "");
    }

    #[test]
    fn several_roots_prefix_sources_with_their_names() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        let overrides = Overrides {
            inputs: vec![dir.path().join("a"), dir.path().join("b")],
            ..Overrides::default()
        };
        let plan = build(None, &overrides).unwrap();
        let prefixes: Vec<&str> = plan
            .input
            .roots
            .iter()
            .map(|r| r.source_prefix.as_str())
            .collect();
        assert_eq!(prefixes, ["a/", "b/"]);
    }
}
