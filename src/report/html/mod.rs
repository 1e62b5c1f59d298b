//! `report.html`: the page the owner of a nightly job reads each morning.
//!
//! It is drawn from `report.json` alone (the value [`render`] takes), so that `scour report`
//! can draw it again later — with a state's newer nights — and the page can never say anything
//! the machine-readable report does not. It is self-contained: CSS inline, charts inline SVG
//! ([`charts`]), no script, nothing fetched. Every section has an `id` and every chart sits in a
//! `<figure class="chart">`, which is what the headless-browser test looks for.

pub mod charts;

use std::fmt::Write;

use serde_json::Value;

use charts::{Bar, Line, PALETTE, XAxis};

/// The sections' ids, in page order (the trend only with a state).
pub const SECTIONS: [&str; 8] = [
    "trend",
    "outcome",
    "throughput",
    "steps",
    "lengths",
    "sites",
    "clusters",
    "run",
];

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;\
padding:16px 24px;color:#1b1b1b}h1{font-size:22px;margin:4px 0}h2{font-size:17px;\
border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:28px}.facts{color:#555}\
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}.tile{border:1px solid #ddd;\
border-radius:6px;padding:8px 14px;min-width:110px}.tile b{display:block;font-size:22px}\
.charts{display:flex;flex-wrap:wrap;gap:14px}figure.chart{margin:0;border:1px solid #eee}\
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{padding:3px 9px;\
border-bottom:1px solid #eee;text-align:right}td:first-child,th:first-child{text-align:left}\
td.text,th.text{text-align:left;max-width:520px;overflow-wrap:anywhere}\
pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}.note{color:#666;font-size:12px}";

/// The page for one `report.json`.
pub fn render(report: &Value) -> String {
    let mut page = String::with_capacity(64 * 1024);
    let run = &report["run"];
    let title = match report["state"]["run"].as_u64() {
        Some(night) => format!("scour run report: night {night}"),
        None => "scour run report".to_string(),
    };
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{}</h1>\n<p class=\"facts\">scour {} · \
         {} → {} · {} s · {} threads</p>\n",
        escape(&title),
        escape(&title),
        escape(str_of(&run["scour_version"])),
        escape(str_of(&run["started_at"])),
        escape(str_of(&run["finished_at"])),
        fixed(num(&run["elapsed_seconds"]), 1),
        num(&run["threads"]),
    );
    if let Some(nights) = report["nights"].as_array() {
        trend(&mut page, nights);
    }
    outcome(&mut page, report);
    throughput(&mut page, report);
    steps(&mut page, report);
    lengths(&mut page, report);
    sites(&mut page, report);
    clusters(&mut page, report);
    run_facts(&mut page, report);
    page.push_str("</body></html>\n");
    page
}

fn trend(page: &mut String, nights: &[Value]) {
    let series = |key: &str| -> Vec<(f64, f64)> {
        nights
            .iter()
            .map(|n| (num(&n["run"]), num(&n[key])))
            .collect()
    };
    let line = |name: &str, color, points| Line {
        name: name.to_string(),
        color,
        points,
    };
    let outcome = charts::lines(
        "Kept, duplicates and rejects per night",
        XAxis::Nights,
        "night",
        "articles",
        &[
            line("kept", PALETTE[0], series("kept")),
            line("duplicates", PALETTE[1], series("duplicates")),
            line("rejected", PALETTE[2], series("rejected")),
        ],
    );
    let rescraped: Vec<(f64, f64)> = nights
        .iter()
        .map(|n| {
            let seen_before = num(&n["duplicates"]) + num(&n["files_unchanged"]);
            (num(&n["run"]), seen_before)
        })
        .collect();
    let fresh = charts::lines(
        "New against re-scraped",
        XAxis::Nights,
        "night",
        "articles / files",
        &[
            line("new articles (kept)", PALETTE[3], series("kept")),
            line(
                "re-scraped (duplicates + unchanged files)",
                PALETTE[4],
                rescraped,
            ),
        ],
    );
    let size: Vec<(f64, f64)> = nights
        .iter()
        .filter(|n| n["state_articles"].is_u64())
        .map(|n| (num(&n["run"]), num(&n["state_articles"])))
        .collect();
    let size = charts::lines(
        "The state's size",
        XAxis::Nights,
        "night",
        "articles in the state",
        &[line("articles after the night", PALETTE[5], size)],
    );
    let _ = write!(
        page,
        "<section id=\"trend\"><h2>Trend across nights</h2><div class=\"charts\">{}{}{}</div>",
        figure("trend-outcome", &outcome),
        figure("trend-new", &fresh),
        figure("trend-size", &size)
    );
    table(
        page,
        &[
            "night",
            "committed",
            "kept",
            "duplicates",
            "rejected",
            "files read",
            "files unchanged",
            "state articles",
            "state bytes",
        ],
        nights.iter().rev().map(|n| {
            vec![
                num(&n["run"]).to_string(),
                str_of(&n["finished_at"]).to_string(),
                count(&n["kept"]),
                count(&n["duplicates"]),
                count(&n["rejected"]),
                count(&n["files_read"]),
                count(&n["files_unchanged"]),
                count(&n["state_articles"]),
                count(&n["state_bytes"]),
            ]
        }),
    );
    page.push_str("</section>\n");
}

fn outcome(page: &mut String, report: &Value) {
    let counts = &report["counts"];
    let near = num(&report["duplicates_by_kind"]["near"]);
    let exact = num(&counts["duplicates"]) - near;
    let mut bars = vec![
        bar("kept", num(&counts["kept"]), PALETTE[0]),
        bar("exact duplicates", exact, PALETTE[1]),
        bar("near duplicates", near, PALETTE[4]),
    ];
    if let Some(reasons) = counts["rejected_by_reason"].as_object() {
        for (reason, n) in reasons.iter().filter(|(_, n)| num(n) > 0.0) {
            bars.push(bar(&format!("rejected: {reason}"), num(n), PALETTE[2]));
        }
    }
    let chart = charts::bars("How every input ended", &bars, "articles");
    let _ = writeln!(
        page,
        "<section id=\"outcome\"><h2>Outcome</h2><div class=\"tiles\">{}{}{}{}{}</div>\
         <div class=\"charts\">{}</div></section>",
        tile("inputs", &count(&counts["seen"])),
        tile("kept", &count(&counts["kept"])),
        tile("exact duplicates", &count(&Value::from(exact))),
        tile("near duplicates", &count(&Value::from(near))),
        tile("rejected", &count(&counts["rejected"])),
        figure("outcome-bars", &chart)
    );
}

fn throughput(page: &mut String, report: &Value) {
    let samples = report["throughput"].as_array().cloned().unwrap_or_default();
    let mut files = Vec::new();
    let mut megabytes = Vec::new();
    let mut previous = (0.0, 0.0, 0.0);
    for sample in &samples {
        let now = (
            num(&sample["seconds"]),
            num(&sample["files"]),
            num(&sample["bytes"]),
        );
        let span = now.0 - previous.0;
        if span > 1e-6 {
            files.push((now.0, (now.1 - previous.1) / span));
            megabytes.push((now.0, (now.2 - previous.2) / 1e6 / span));
        }
        previous = now;
    }
    let run = &report["run"];
    let files_chart = charts::lines(
        "Files per second over the run",
        XAxis::Seconds,
        "seconds",
        "files/s",
        &[Line {
            name: "files/s".into(),
            color: PALETTE[0],
            points: files,
        }],
    );
    let mb_chart = charts::lines(
        "MB per second over the run",
        XAxis::Seconds,
        "seconds",
        "MB/s",
        &[Line {
            name: "MB/s".into(),
            color: PALETTE[3],
            points: megabytes,
        }],
    );
    let _ = writeln!(
        page,
        "<section id=\"throughput\"><h2>Throughput</h2><div class=\"tiles\">{}{}{}</div>\
         <div class=\"charts\">{}{}</div></section>",
        tile("files/s", &fixed(num(&run["files_per_second"]), 0)),
        tile("MB/s", &fixed(num(&run["megabytes_per_second"]), 1)),
        tile("MB read", &fixed(num(&report["bytes"]["in"]) / 1e6, 1)),
        figure("throughput-files", &files_chart),
        figure("throughput-mb", &mb_chart)
    );
}

fn steps(page: &mut String, report: &Value) {
    let steps = report["steps"].as_array().cloned().unwrap_or_default();
    let total: f64 = steps.iter().map(|s| num(&s["seconds"])).sum();
    let bars: Vec<Bar> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let color = PALETTE[i % PALETTE.len()];
            bar(str_of(&s["step"]), num(&s["seconds"]), color)
        })
        .collect();
    let chart = charts::bars("Time per step", &bars, "thread-seconds");
    let _ = write!(
        page,
        "<section id=\"steps\"><h2>Time per step</h2><div class=\"charts\">{}</div>",
        figure("steps-bars", &chart)
    );
    table(
        page,
        &["step", "seconds", "share"],
        steps.iter().map(|s| {
            let seconds = num(&s["seconds"]);
            vec![
                str_of(&s["step"]).to_string(),
                charts::short_number(seconds),
                format!("{}%", fixed(100.0 * seconds / total.max(1e-12), 1)),
            ]
        }),
    );
    page.push_str(
        "<p class=\"note\">Seconds are summed over the worker threads, so a parallel run's steps \
         add up to more than its elapsed time. Each worker times its first 256 inputs, then one \
         in 8 counted 8 times (a clock read between two steps, summed per batch).</p>\
         </section>\n",
    );
}

fn lengths(page: &mut String, report: &Value) {
    let bins = report["length_histogram"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let bars: Vec<Bar> = bins
        .iter()
        .map(|b| {
            let label = format!(
                "{}–{} B",
                charts::short_number(num(&b["from_bytes"])),
                charts::short_number(num(&b["to_bytes"]))
            );
            bar(&label, num(&b["articles"]), PALETTE[0])
        })
        .collect();
    let chart = charts::bars("Kept articles by text length (log bins)", &bars, "articles");
    let _ = writeln!(
        page,
        "<section id=\"lengths\"><h2>Length of kept articles</h2><div class=\"charts\">{}\
         </div></section>",
        figure("lengths-bars", &chart)
    );
}

fn sites(page: &mut String, report: &Value) {
    let table_value = &report["sites"];
    let rows = table_value["top"].as_array().cloned().unwrap_or_default();
    let _ = write!(
        page,
        "<section id=\"sites\"><h2>Per site</h2><p class=\"facts\">{} sites (the url's host, \
         else the first folder); the {} with most inputs:</p>",
        count(&table_value["distinct"]),
        rows.len()
    );
    table(
        page,
        &[
            "site",
            "inputs",
            "kept",
            "duplicates",
            "rejects",
            "captions collapsed",
            "boilerplate lines removed",
        ],
        rows.iter().map(|s| {
            vec![
                str_of(&s["site"]).to_string(),
                count(&s["inputs"]),
                count(&s["kept"]),
                count(&s["duplicates"]),
                count(&s["rejected"]),
                count(&s["captions_collapsed"]),
                count(&s["boilerplate_lines_removed"]),
            ]
        }),
    );
    page.push_str("</section>\n");
}

fn clusters(page: &mut String, report: &Value) {
    page.push_str(
        "<section id=\"clusters\"><h2>Largest duplicate clusters and common rejects</h2>",
    );
    let clusters = report["duplicate_clusters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    table(
        page,
        &["kept article (id)", "copies", "near", "first copies"],
        clusters.iter().map(|c| {
            let examples: Vec<String> = c["examples"]
                .as_array()
                .map(|a| a.iter().map(|e| str_of(e).to_string()).collect())
                .unwrap_or_default();
            vec![
                str_of(&c["kept"]).to_string(),
                count(&c["copies"]),
                count(&c["near_copies"]),
                examples.join(", "),
            ]
        }),
    );
    let details = report["reject_details"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    table(
        page,
        &["reject reason", "detail", "count"],
        details.iter().map(|d| {
            vec![
                str_of(&d["reason"]).to_string(),
                str_of(&d["detail"]).to_string(),
                count(&d["count"]),
            ]
        }),
    );
    page.push_str("</section>\n");
}

fn run_facts(page: &mut String, report: &Value) {
    let run = &report["run"];
    let config = &report["config"];
    let roots: Vec<String> = report["input_roots"]
        .as_array()
        .map(|a| a.iter().map(|r| str_of(r).to_string()).collect())
        .unwrap_or_default();
    let mut rows = vec![
        vec!["scour version".into(), str_of(&run["scour_version"]).into()],
        vec!["started".into(), str_of(&run["started_at"]).into()],
        vec!["finished".into(), str_of(&run["finished_at"]).into()],
        vec!["threads".into(), count(&run["threads"])],
        vec![
            "config file".into(),
            config["file"].as_str().unwrap_or("(defaults)").into(),
        ],
        vec!["config sha256".into(), str_of(&config["sha256"]).into()],
        vec!["input roots".into(), roots.join(", ")],
    ];
    if let Some(state) = report["state"].as_object() {
        rows.push(vec![
            "state".into(),
            state.get("path").map(str_of).unwrap_or("").into(),
        ]);
    }
    if let Some(outputs) = report["outputs"].as_object() {
        for (name, path) in outputs {
            rows.push(vec![format!("output {name}"), str_of(path).into()]);
        }
    }
    page.push_str("<section id=\"run\"><h2>The run</h2>");
    table(page, &["fact", "value"], rows.into_iter());
    let _ = writeln!(
        page,
        "<details><summary>Effective configuration</summary><pre>{}</pre></details></section>",
        escape(str_of(&config["effective"]))
    );
}

fn figure(id: &str, svg: &str) -> String {
    format!("<figure class=\"chart\" id=\"{id}\">{svg}</figure>")
}

fn tile(label: &str, value: &str) -> String {
    format!(
        "<div class=\"tile\"><b>{}</b>{}</div>",
        escape(value),
        escape(label)
    )
}

fn bar(label: &str, value: f64, color: plotters::style::RGBColor) -> Bar {
    Bar {
        label: label.to_string(),
        value,
        color,
    }
}

/// A table with a header row; text columns (left-aligned) are those whose header says so.
fn table(page: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.is_empty() {
        page.push_str("<p class=\"note\">(none)</p>");
        return;
    }
    // Numbers are right-aligned, text left, and a header like the column under it.
    let class = |cell: &str| {
        if cell.is_empty() || cell.replace(',', "").parse::<f64>().is_ok() {
            ""
        } else {
            " class=\"text\""
        }
    };
    page.push_str("<table><tr>");
    for (column, name) in header.iter().enumerate() {
        let first = rows[0].get(column).map_or("", String::as_str);
        let _ = write!(page, "<th{}>{}</th>", class(first), escape(name));
    }
    page.push_str("</tr>");
    for row in &rows {
        page.push_str("<tr>");
        for cell in row {
            let _ = write!(page, "<td{}>{}</td>", class(cell), escape(cell));
        }
        page.push_str("</tr>");
    }
    page.push_str("</table>");
}

fn num(value: &Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// An integer with thin thousands separators; empty for a missing value.
fn count(value: &Value) -> String {
    let Some(n) = value.as_f64() else {
        return String::new();
    };
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_is_on_the_page_and_the_trend_only_with_nights() {
        let report = serde_json::json!({
            "counts": {"seen": 3, "kept": 2, "duplicates": 1, "rejected": 0,
                       "rejected_by_reason": {"empty": 0}},
            "run": {"scour_version": "0.1.0", "threads": 1},
            "steps": [{"step": "read", "seconds": 0.5}],
        });
        let page = render(&report);
        for id in SECTIONS.iter().filter(|id| **id != "trend") {
            assert!(page.contains(&format!("<section id=\"{id}\"")), "{id}");
        }
        assert!(!page.contains("id=\"trend\""));
        let mut with_nights = report.clone();
        with_nights["nights"] = serde_json::json!([{"run": 1, "kept": 2}, {"run": 2, "kept": 1}]);
        assert!(render(&with_nights).contains("<section id=\"trend\""));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(count(&Value::from(1234567)), "1,234,567");
    }
}
