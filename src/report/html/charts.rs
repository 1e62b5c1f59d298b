//! The report's charts, drawn with plotters' SVG backend into strings that the page inlines.
//!
//! Two shapes cover every chart: horizontal bars for named quantities (outcomes, steps, the
//! length histogram) and lines over a numeric axis (throughput over the run, the nights). Text
//! is left to the browser (plotters' SVG backend writes `<text>`), so no font is bundled.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// A chart's size in pixels.
const WIDTH: u32 = 560;
const BAR_HEIGHT: u32 = 24;
/// Axis labels and descriptions, in pixels.
const LABEL_SIZE: u32 = 13;

/// Colours of the series, in order; colour-blind safe (Okabe–Ito).
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
];

/// One bar: its label, value and colour.
#[derive(Debug)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub color: RGBColor,
}

/// One line: its name, colour and points.
#[derive(Debug)]
pub struct Line {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Horizontal bars, one per row, labelled on the left; `unit` names the values' axis.
pub fn bars(title: &str, bars: &[Bar], unit: &str) -> String {
    let mut svg = String::new();
    let height = (70 + BAR_HEIGHT * bars.len().max(1) as u32).max(200);
    let drawn = draw_bars(&mut svg, (WIDTH, height), title, bars, unit);
    finish(svg, drawn)
}

fn draw_bars(
    svg: &mut String,
    size: (u32, u32),
    title: &str,
    bars: &[Bar],
    unit: &str,
) -> DrawResult {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let max = if max > 0.0 { max * 1.08 } else { 1.0 };
    let label_width = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 28) as u32
        * 8
        + 12;
    let rows = bars.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0.0..max, (0..rows).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .label_style(("sans-serif", LABEL_SIZE))
        .axis_desc_style(("sans-serif", LABEL_SIZE))
        .x_desc(unit)
        .x_labels(6)
        .x_label_formatter(&|v| short_number(*v))
        .y_labels(rows)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if *i < rows => bars
                .get(rows - 1 - *i)
                .map(|b| truncate(&b.label, 28))
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    // Row 0 is drawn at the bottom; the first bar goes on top, where a reader starts.
    let row = |i: usize| rows - 1 - i;
    chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
        let i = row(i);
        let mut rectangle = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(i)),
                (bar.value, SegmentValue::Exact(i + 1)),
            ],
            bar.color.filled(),
        );
        rectangle.set_margin(3, 3, 0, 0);
        rectangle
    }))?;
    root.present()?;
    Ok(())
}

/// What the x axis of a line chart counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Seconds since the run started: the axis starts at 0.
    Seconds,
    /// Night numbers: whole numbers only.
    Nights,
}

/// Lines over a numeric x axis, with a legend; every point is also a dot, so a series of one
/// point shows.
pub fn lines(title: &str, x: XAxis, x_desc: &str, y_desc: &str, lines: &[Line]) -> String {
    let mut svg = String::new();
    let drawn = draw_lines(&mut svg, (WIDTH, 300), title, (x, x_desc), y_desc, lines);
    finish(svg, drawn)
}

fn draw_lines(
    svg: &mut String,
    size: (u32, u32),
    title: &str,
    (x_axis, x_desc): (XAxis, &str),
    y_desc: &str,
    lines: &[Line],
) -> DrawResult {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let points = || lines.iter().flat_map(|l| l.points.iter());
    let (mut x_min, mut x_max) = points().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.0), hi.max(p.0))
    });
    if x_min > x_max {
        (x_min, x_max) = (0.0, 1.0);
    }
    if x_axis == XAxis::Seconds {
        x_min = 0.0;
        x_max = x_max.max(1e-3) * 1.02;
    }
    if x_max - x_min < 1e-9 {
        (x_min, x_max) = (x_min - 0.5, x_max + 0.5);
    }
    let nights = (x_max - x_min).round() as usize + 1;
    let y_max = points().map(|p| p.1).fold(0.0, f64::max);
    let y_max = if y_max > 0.0 { y_max * 1.1 } else { 1.0 };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(x_min..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", LABEL_SIZE))
        .axis_desc_style(("sans-serif", LABEL_SIZE))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(match x_axis {
            XAxis::Seconds => 8,
            XAxis::Nights => nights.clamp(2, 12),
        })
        .y_labels(6)
        .x_label_formatter(&|v| match x_axis {
            XAxis::Nights if (v - v.round()).abs() > 1e-6 => String::new(),
            _ => short_number(*v),
        })
        .y_label_formatter(&|v| short_number(*v))
        .draw()?;
    for line in lines {
        let color = line.color;
        chart
            .draw_series(LineSeries::new(
                line.points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(line.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 14, y + 4)], color.filled()));
        chart.draw_series(line.points.iter().map(|&p| {
            Circle::new(
                p,
                if line.points.len() < 40 { 3 } else { 0 },
                color.filled(),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The SVG, or a visible note when plotters could not draw it (it never should).
fn finish(svg: String, drawn: DrawResult) -> String {
    match drawn {
        Ok(()) => svg,
        Err(error) => format!(
            "<p class=\"chart-error\">chart not drawn: {}</p>",
            super::escape(&error.to_string())
        ),
    }
}

/// 1234567 → "1.2M": axis labels stay short.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a == a.trunc() || a >= 10.0 {
        format!("{v:.0}")
    } else {
        // Two significant digits, however small (a step of a short run takes microseconds).
        let decimals = (1.0 - a.log10().floor()).clamp(1.0, 8.0) as usize;
        format!("{v:.decimals$}")
    }
}

fn truncate(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        label.to_string()
    } else {
        let mut short: String = label.chars().take(chars - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_is_an_svg_with_a_rectangle_per_bar() {
        let svg = bars(
            "outcome",
            &[
                Bar {
                    label: "kept".into(),
                    value: 10.0,
                    color: PALETTE[0],
                },
                Bar {
                    label: "rejected".into(),
                    value: 2.0,
                    color: PALETTE[2],
                },
            ],
            "articles",
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("kept") && svg.contains("rejected"));
        assert!(svg.matches("<rect").count() >= 3, "background and two bars");
    }

    #[test]
    fn a_line_chart_draws_a_polyline_and_its_legend() {
        let svg = lines(
            "nights",
            XAxis::Nights,
            "night",
            "articles",
            &[Line {
                name: "kept".into(),
                color: PALETTE[0],
                points: vec![(1.0, 5.0), (2.0, 7.0), (3.0, 4.0)],
            }],
        );
        assert!(svg.contains("<polyline"), "{svg}");
        assert!(svg.contains(">kept<") || svg.contains("kept"));
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(short_number(1_234_567.0), "1.2M");
        assert_eq!(short_number(12_000.0), "12k");
        assert_eq!(short_number(3.0), "3");
        assert_eq!(short_number(0.25), "0.25");
        assert_eq!(short_number(0.0031), "0.0031");
        assert_eq!(short_number(2.5), "2.5");
    }
}
