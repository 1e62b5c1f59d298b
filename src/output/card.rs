//! The dataset card (`README.md` in the output directory): what makes every output load with
//! its documented types and nothing passed.
//!
//! Hugging Face `datasets` takes a JSON file's column types from its first 10 MB block, so a
//! column that is null all through that block and filled later fails to cast, whatever the
//! records look like. Only declared types make every mix of inputs load. The card's YAML header
//! is what `datasets` reads for that: `configs` maps `clean`, `duplicates` and `rejects` to
//! their files (compressed and rotated parts included) and `dataset_info` gives each column's
//! exact type, both derived from the one schema in [`crate::article`]. The text says how the
//! data was made and gives the DuckDB and pandas one-liners with the same types. Nothing in it
//! depends on the thread count or the time, so the card is as reproducible as the records.

use std::fmt::Write as _;

use crate::article::{self, Column, FieldType};
use crate::report::RunSummary;

pub const CARD_FILE: &str = "README.md";

/// How the data was made, as the card states it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// `0.1.0 (rev abc1234)`.
    pub scour_version: String,
    /// SHA-256 (first 16 hex digits) of the settings that decide the records.
    pub config_hash: String,
    pub input_roots: Vec<String>,
}

/// One of the three record files and its parts, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFiles {
    pub stem: &'static str,
    pub files: Vec<String>,
}

/// The feature type `datasets` reads from the card's `dataset_info`.
fn feature(ty: FieldType) -> (&'static str, &'static str) {
    match ty {
        FieldType::String => ("dtype", "string"),
        FieldType::StringList => ("list", "string"),
        // pyarrow's JSON reader parses RFC 3339 strings into instants itself, whatever the card
        // says; an Arrow timestamp has one zone per column, so the declared type is UTC.
        FieldType::Timestamp => ("dtype", "timestamp[s, tz=UTC]"),
        FieldType::Float64 => ("dtype", "float64"),
        FieldType::Int64 => ("dtype", "int64"),
    }
}

/// A YAML scalar that no file name or text can break: a JSON string is a YAML double-quoted one.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// The DuckDB one-liner reading `files` with the schema's column types.
pub fn duckdb_query(files: &[String], columns: &[Column]) -> String {
    let files: Vec<String> = files.iter().map(|f| format!("'{f}'")).collect();
    let columns: Vec<String> = columns
        .iter()
        .map(|c| format!("{}: '{}'", c.name, c.ty.duckdb()))
        .collect();
    // Dates without an offset are read as UTC, as `datasets` reads them.
    format!(
        "SET TimeZone = 'UTC'; SELECT * FROM read_json([{}], format = 'newline_delimited', columns = {{{}}});",
        files.join(", "),
        columns.join(", ")
    )
}

/// The whole card.
pub fn render(about: &Provenance, configs: &[ConfigFiles], summary: &RunSummary) -> String {
    let mut card = String::from("---\nconfigs:\n");
    for config in configs {
        let _ = writeln!(card, "- config_name: {}", config.stem);
        if config.stem == crate::output::CLEAN {
            card.push_str("  default: true\n");
        }
        card.push_str("  data_files:\n  - split: train\n    path:\n");
        for file in &config.files {
            let _ = writeln!(card, "    - {}", quoted(file));
        }
    }
    card.push_str("dataset_info:\n");
    for config in configs {
        let _ = writeln!(card, "- config_name: {}\n  features:", config.stem);
        for column in article::columns(config.stem) {
            let (key, value) = feature(column.ty);
            let _ = writeln!(card, "  - name: {}\n    {key}: {value}", column.name);
        }
    }
    card.push_str("---\n\n");
    write_text(&mut card, about, configs, summary);
    card
}

fn write_text(
    card: &mut String,
    about: &Provenance,
    configs: &[ConfigFiles],
    summary: &RunSummary,
) {
    let counts = &summary.counts;
    let _ = writeln!(
        card,
        "# scour output\n\n\
         Clean, de-duplicated articles made by scour {} (configuration hash `{}`) from {}:\n",
        about.scour_version,
        about.config_hash,
        match about.input_roots.len() {
            1 => "one input root".to_string(),
            n => format!("{n} input roots"),
        }
    );
    for root in &about.input_roots {
        let _ = writeln!(card, "- `{root}`");
    }
    let _ = writeln!(
        card,
        "\n{} inputs seen: {} kept (`clean`), {} duplicates (`duplicates`), {} rejected \
         (`rejects`).",
        counts.seen, counts.kept, counts.duplicates, counts.rejected
    );
    let reasons: Vec<String> = counts
        .rejected_by_reason
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(reason, n)| format!("{reason}: {n}"))
        .collect();
    if !reasons.is_empty() {
        let _ = writeln!(card, "Rejects by reason: {}.", reasons.join(", "));
    }
    card.push_str(
        "\n## Loading\n\n\
         Every field is in every record, `null` when unknown, with one type; the types below are \
         declared in this card's header, so no tool has to guess them from the first rows.\n\n\
         ```python\nfrom datasets import load_dataset\n\
         clean = load_dataset(\"path/to/this/directory\")  # or name=\"duplicates\" / \"rejects\"\n```\n\n\
         DuckDB, run in this directory:\n\n```sql\n",
    );
    for config in configs {
        let _ = writeln!(
            card,
            "{}",
            duckdb_query(&config.files, &article::columns(config.stem))
        );
    }
    card.push_str(
        "```\n\npandas (keep `date` as written; `dtype=False` keeps every column as in the \
         file):\n\n```python\nimport pandas as pd\n",
    );
    for config in configs.iter().filter(|c| c.stem == crate::output::CLEAN) {
        let files: Vec<String> = config.files.iter().map(|f| format!("{f:?}")).collect();
        let _ = writeln!(
            card,
            "clean = pd.concat([pd.read_json(f, lines=True, dtype=False) \
             for f in [{}]], ignore_index=True)",
            files.join(", ")
        );
    }
    card.push_str(
        "```\n\n\
         ## Dates\n\n\
         In the files, `date` and `crawl_date` are RFC 3339 strings: `2024-11-01T19:20:00+09:00` \
         keeps the offset the source gave, `Z` is UTC, and a date whose source gave no offset \
         has none. Every one has whole seconds and a year from 1 to 9999, the form pyarrow's \
         JSON reader, Python's `datetime`, DuckDB and pandas all parse, so the declared type \
         `timestamp[s, tz=UTC]` loads everywhere: pyarrow turns such strings into instants \
         itself (whatever a card declares), and an Arrow timestamp column has one time zone \
         for all its rows, so it is UTC. A date with an offset becomes its exact instant; one \
         without is read as UTC (DuckDB's query sets `TimeZone = 'UTC'` to read it the same). \
         pandas keeps the strings as written: `pd.to_datetime(df.date, utc=True, \
         format=\"ISO8601\")` gives the same instants. A date scour could not read is `null` \
         (never a guess); `report.json` counts them under `unparsed_dates`.\n\n\
         ## Fields\n",
    );
    for config in configs {
        let _ = writeln!(
            card,
            "\n### {}\n\n| field | type | null when unknown | what |\n| --- | --- | --- | --- |",
            config.stem
        );
        for column in article::columns(config.stem) {
            let feature = match feature(column.ty) {
                ("dtype", value) => value.to_string(),
                (key, value) => format!("{key}: {value}"),
            };
            let _ = writeln!(
                card,
                "| `{}` | {} (`{}`) | {} | {} |",
                column.name,
                column.ty.json(),
                feature,
                if column.nullable { "yes" } else { "no" },
                column.about
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs() -> Vec<ConfigFiles> {
        vec![
            ConfigFiles {
                stem: "clean",
                files: vec![
                    "clean-00000.jsonl.zst".into(),
                    "clean-00001.jsonl.zst".into(),
                ],
            },
            ConfigFiles {
                stem: "duplicates",
                files: vec!["duplicates-00000.jsonl.zst".into()],
            },
            ConfigFiles {
                stem: "rejects",
                files: vec!["rejects-00000.jsonl.zst".into()],
            },
        ]
    }

    #[test]
    fn the_header_maps_every_config_to_its_parts_and_declares_every_field() {
        let card = render(&Provenance::default(), &configs(), &RunSummary::default());
        let header = card.split("---\n").nth(1).unwrap();
        assert!(
            header.contains("    - \"clean-00001.jsonl.zst\"\n"),
            "{header}"
        );
        assert!(
            header.contains("  - name: captions\n    list: string\n"),
            "{header}"
        );
        assert!(
            header.contains("  - name: similarity\n    dtype: float64\n"),
            "{header}"
        );
        for column in article::CLEAN_SCHEMA {
            assert!(header.contains(&format!("  - name: {}\n", column.name)));
        }
    }

    #[test]
    fn the_duckdb_query_names_every_column_with_its_type() {
        let query = duckdb_query(&["clean.jsonl".into()], &article::columns("clean"));
        assert!(
            query.starts_with("SET TimeZone = 'UTC'; SELECT * FROM read_json(['clean.jsonl'], ")
        );
        assert!(query.contains("captions: 'VARCHAR[]'"));
        assert!(query.contains("date: 'TIMESTAMPTZ'"));
    }
}
