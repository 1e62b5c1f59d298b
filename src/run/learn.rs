//! Site boilerplate: the first pass that learns it, and what the run says of it at the end.
//!
//! The first pass runs the same [`process`] on every input (in parallel, as the real pass) and
//! counts short lines per site; nothing is written. The table it learns is set once in
//! `Plan::boilerplate_table`, and the second pass removes its lines after hashing each text for
//! dedup, so identity does not depend on what was learned.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::Plan;
use crate::dedup::boilerplate::{self, BoilerplateReport, LearnedLine};
use crate::error::Result;
use crate::input::discover;
use crate::input::expand::expand;
use crate::state::{Manifest, State};

use super::batches::next_batch;
use super::checkpoint::Checkpoint;
use super::process::{Outcome, process};
use super::write::StateTally;
use crate::report::figures::StepNanos;

/// Sets the run's boilerplate table, when boilerplate removal is on: the one a resumed run had
/// learned, else what the state knows plus what a first pass learns now.
pub(crate) fn set_table(
    plan: &Plan,
    state: Option<&State>,
    resume: Option<&Checkpoint>,
    pool: &rayon::ThreadPool,
    manifest: Option<&Manifest>,
    skip_dir: Option<PathBuf>,
) -> Result<()> {
    let Some(bp) = &plan.boilerplate else {
        return Ok(());
    };
    let learned = match resume {
        Some(checkpoint) => checkpoint
            .boilerplate
            .iter()
            .map(|(site, line, count)| ((site.clone(), line.clone()), *count))
            .collect(),
        None => {
            let mut learned = match state {
                Some(state) => state.boilerplate()?,
                None => Default::default(),
            };
            learned.extend(learn(plan, bp, pool, manifest, skip_dir));
            learned
        }
    };
    // Set once per process; a second run in the same process keeps the first table.
    let _ = plan.boilerplate_table.set(boilerplate::Table::new(learned));
    Ok(())
}

/// Every article cleaned and its short lines counted per site.
fn learn(
    plan: &Plan,
    bp: &boilerplate::BoilerplatePlan,
    pool: &rayon::ThreadPool,
    manifest: Option<&Manifest>,
    skip_dir: Option<PathBuf>,
) -> BTreeMap<(String, String), u32> {
    let mut learner = boilerplate::Learner::default();
    let mut walk = discover::walk(&plan.input, skip_dir)
        .flat_map(|found| expand(&plan.input, found, manifest));
    loop {
        let batch = next_batch(&mut walk);
        // Cancelled: the pass ends here, and the run stops at its first batch.
        if batch.is_empty() || plan.cancel.is_cancelled() {
            break;
        }
        let articles: Vec<Vec<(String, Vec<String>)>> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|found| {
                    // The learning pass is not one of the report's steps.
                    process(plan, found, &mut StepNanos::default())
                        .into_iter()
                        .filter_map(|outcome| match outcome {
                            Outcome::Cleaned(cleaned) => Some((
                                cleaned.site,
                                boilerplate::candidate_lines(bp, &cleaned.article.text)
                                    .into_iter()
                                    .map(str::to_string)
                                    .collect(),
                            )),
                            _ => None,
                        })
                        .collect()
                })
                .collect()
        });
        for (site, lines) in articles.into_iter().flatten() {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            learner.add(bp, &site, &lines);
        }
    }
    learner.into_learned()
}

/// What the run removed of each learned line, for `report.json`.
pub(crate) fn report(plan: &Plan, tally: &StateTally) -> Option<BoilerplateReport> {
    let table = plan.boilerplate_table.get()?;
    Some(BoilerplateReport {
        lines_removed: tally.boilerplate_removed.iter().sum(),
        learned: table
            .lines()
            .iter()
            .zip(&tally.boilerplate_removed)
            .map(|((site, line, articles), &removed)| LearnedLine {
                site: site.clone(),
                line: line.clone(),
                articles: *articles,
                removed,
            })
            .collect(),
    })
}
