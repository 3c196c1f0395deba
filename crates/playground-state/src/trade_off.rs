//! Geometry of the accuracy-against-diversity charts: every (guidance, steps) cell of the
//! validation grid is one point (x = a diversity measure, y = HR@10), drawn in a fixed SVG box,
//! beside the curves of plain ways of diversifying the same encoder (the bundle's baselines).

use seqdiff_model::chart::Chart;

use crate::html_text::escaped;

/// Index of the grid value nearest to `v` (0 for an empty grid): which cell the sliders are on.
pub fn nearest_index(grid: &[f64], v: f64) -> usize {
    (0..grid.len()).min_by(|&a, &b| (grid[a] - v).abs().total_cmp(&(grid[b] - v).abs())).unwrap_or(0)
}

/// One validation-grid cell as drawn: its setting and its (diversity, HR@10) point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    pub guidance: f64,
    pub steps: usize,
    pub x: f64,
    pub hr10: f64,
}

/// What the x axis measures, with how its values are written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measure {
    /// Lower-case name, used in the chart's accessible name ("Accuracy against coverage").
    pub name: &'static str,
    /// The axis title.
    pub axis: &'static str,
    pub decimals: usize,
    pub unit: &'static str,
}

/// A plain baseline as drawn: a line through its (x, HR@10) points, one per parameter value.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    pub name: String,
    /// The parameter's symbol (τ, λ, γ).
    pub parameter: String,
    /// (parameter value, x, HR@10).
    pub points: Vec<(f64, f64, f64)>,
    /// Another model's frontier, drawn solid (class `model-frontier`); a plain baseline of the shown
    /// encoder is dashed (class `baseline`).
    pub solid: bool,
}

/// Line colours, in order (the legend uses the same): three for the baselines, the fourth compare
/// mode's (the map draws the compared model in the same teal), then the dataset's other models.
pub const CURVE_COLOURS: [&str; 7] = ["#b35300", "#1e7d44", "#7d3c98", "#17a2b8", "#8a6d00", "#c2185b", "#4d4d4d"];

pub fn curve_colour(index: usize) -> &'static str {
    CURVE_COLOURS[index % CURVE_COLOURS.len()]
}

/// A grid's frontier as a line: the cells no other cell beats on both diversity and HR@10, by
/// increasing diversity, each as (steps, x, HR@10).
pub fn frontier(cells: &[Cell]) -> Vec<(f64, f64, f64)> {
    let mut by_x: Vec<&Cell> = cells.iter().collect();
    // Most diverse first; among equals, the most accurate.
    by_x.sort_by(|a, b| b.x.total_cmp(&a.x).then(b.hr10.total_cmp(&a.hr10)));
    let mut kept: Vec<(f64, f64, f64)> = Vec::new();
    for c in by_x {
        if kept.last().is_none_or(|last| c.hr10 > last.2) {
            kept.push((c.steps as f64, c.x, c.hr10));
        }
    }
    kept.reverse();
    kept
}

const WIDTH: f64 = 300.0;
const HEIGHT: f64 = 210.0;
const MARGIN: f64 = 34.0;

/// The chart as SVG markup: each baseline as a line, a dot per cell (grey for steps 0, the encoder
/// alone), the cell at `current` ringed in red and drawn last, each dot titled with its setting
/// and numbers. Baseline names are escaped; everything else is numbers and the fixed labels above.
pub fn render_svg(cells: &[Cell], current: usize, measure: &Measure, curves: &[Curve]) -> String {
    let points: Vec<(f64, f64)> = cells
        .iter()
        .map(|c| (c.x, c.hr10))
        .chain(curves.iter().flat_map(|c| c.points.iter().map(|p| (p.1, p.2))))
        .collect();
    let chart = Chart::fit(&points, WIDTH, HEIGHT, MARGIN);
    let d = measure.decimals;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"Accuracy against {}\">",
        measure.name
    );
    let (left, right, top, bottom) = (MARGIN, WIDTH - MARGIN, MARGIN, HEIGHT - MARGIN);
    svg += &format!(
        "<rect x=\"{left}\" y=\"{top}\" width=\"{}\" height=\"{}\" fill=\"#fbfcfd\" stroke=\"#9aa4ae\"/>",
        right - left,
        bottom - top
    );
    // Axis ends and titles (the plotted range, padding included, so the labels bound every dot).
    let text = |x: f64, y: f64, anchor: &str, body: String| {
        format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"10\" fill=\"#1d232a\">{body}</text>"
        )
    };
    svg += &text(left, bottom + 12.0, "start", format!("{:.d$}{}", chart.x.lo.max(0.0), measure.unit));
    svg += &text(right, bottom + 12.0, "end", format!("{:.d$}{}", chart.x.hi, measure.unit));
    svg += &text((left + right) / 2.0, HEIGHT - 4.0, "middle", format!("{} →", measure.axis));
    svg += &text(left - 3.0, bottom, "end", format!("{:.0}", chart.y.lo.max(0.0)));
    svg += &text(left - 3.0, top + 8.0, "end", format!("{:.0}", chart.y.hi));
    svg += &text(left, top - 8.0, "start", "HR@10 ↑ (validation)".to_string());
    let dot = |c: &Cell, r: f64, style: &str, class: &str| {
        let (sx, sy) = chart.to_screen((c.x, c.hr10));
        let who = if c.steps == 0 {
            "encoder alone".to_string()
        } else {
            format!("guidance {}, steps {}", c.guidance, c.steps)
        };
        format!(
            "<circle class=\"{class}\" data-guidance=\"{}\" data-steps=\"{}\" cx=\"{sx:.1}\" cy=\"{sy:.1}\" r=\"{r}\" {style}><title>{who}: HR@10 {:.2}, {} {:.d$}{}</title></circle>",
            c.guidance, c.steps, c.hr10, measure.name, c.x, measure.unit
        )
    };
    // An empty curve keeps its colour's place.
    for (i, curve) in curves.iter().enumerate().filter(|(_, c)| !c.points.is_empty()) {
        let colour = curve_colour(i);
        let name = escaped(&curve.name);
        let line: Vec<String> = curve
            .points
            .iter()
            .map(|p| {
                let (sx, sy) = chart.to_screen((p.1, p.2));
                format!("{sx:.1},{sy:.1}")
            })
            .collect();
        let (class, dash) =
            if curve.solid { ("model-frontier", "") } else { ("baseline", " stroke-dasharray=\"4 2\"") };
        svg += &format!(
            "<polyline class=\"{class}\" data-name=\"{name}\" points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"{dash}><title>{name}</title></polyline>",
            line.join(" ")
        );
        for p in &curve.points {
            let (sx, sy) = chart.to_screen((p.1, p.2));
            svg += &format!(
                "<rect class=\"baseline-point\" x=\"{:.1}\" y=\"{:.1}\" width=\"4\" height=\"4\" fill=\"{colour}\"><title>{name}, {} = {}: HR@10 {:.2}, {} {:.d$}{}</title></rect>",
                sx - 2.0,
                sy - 2.0,
                escaped(&curve.parameter),
                p.0,
                p.2,
                measure.name,
                p.1,
                measure.unit
            );
        }
    }
    for c in cells {
        let fill = if c.steps == 0 { "#6b7480" } else { "#2c6bd1" };
        svg += &dot(c, 3.5, &format!("fill=\"{fill}\" fill-opacity=\"0.75\""), "cell");
    }
    if let Some(c) = cells.get(current) {
        svg += &dot(c, 7.0, "fill=\"none\" stroke=\"#d62728\" stroke-width=\"3\"", "current");
    }
    svg + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frontier_keeps_only_cells_nothing_beats_on_both_axes() {
        let cell = |steps, x, hr10| Cell { guidance: 0.0, steps, x, hr10 };
        let cells =
            [cell(0, 16.0, 6.7), cell(1, 17.0, 6.4), cell(2, 15.0, 6.5), cell(5, 30.0, 3.0), cell(10, 30.0, 2.0)];
        // (15, 6.5) is beaten by (16, 6.7); (30, 2.0) by (30, 3.0).
        assert_eq!(frontier(&cells), vec![(0.0, 16.0, 6.7), (1.0, 17.0, 6.4), (5.0, 30.0, 3.0)]);
        assert!(frontier(&[]).is_empty());
    }

    #[test]
    fn the_nearest_grid_value_is_the_current_cell() {
        let guidance = [-1.0, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0];
        assert_eq!(nearest_index(&guidance, 0.0), 1);
        assert_eq!(nearest_index(&guidance, 3.2), 5);
        assert_eq!(nearest_index(&guidance, 100.0), 6);
        assert_eq!(nearest_index(&[], 1.0), 0);
    }

    const COVERAGE: Measure =
        Measure { name: "coverage", axis: "catalogue coverage of the top-10 lists", decimals: 1, unit: "%" };

    #[test]
    fn the_svg_has_a_dot_per_cell_and_rings_only_the_current_one() {
        let cells: Vec<Cell> = [(0.0, 0), (0.0, 5), (2.0, 0), (2.0, 5)]
            .iter()
            .enumerate()
            .map(|(i, &(g, s))| Cell { guidance: g, steps: s, x: 10.0 + i as f64, hr10: 20.0 - i as f64 })
            .collect();
        let svg = render_svg(&cells, 3, &COVERAGE, &[]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"Accuracy against coverage\""));
        assert_eq!(svg.matches("class=\"cell\"").count(), 4);
        assert_eq!(svg.matches("class=\"current\"").count(), 1);
        assert!(svg.contains("class=\"current\" data-guidance=\"2\" data-steps=\"5\""), "{svg}");
        assert!(svg.contains("<title>encoder alone: HR@10 20.00, coverage 10.0%</title>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // A current index past the end (no grid cell matches) rings nothing rather than panicking.
        assert_eq!(render_svg(&cells, 99, &COVERAGE, &[]).matches("class=\"current\"").count(), 0);
    }

    #[test]
    fn baselines_and_frontiers_are_lines_inside_the_plot_with_their_names_escaped() {
        let cells = vec![Cell { guidance: 0.0, steps: 0, x: 50.0, hr10: 23.0 }];
        let curves = vec![
            Curve {
                name: "popularity penalty".into(),
                parameter: "γ".into(),
                points: vec![(0.0, 50.0, 23.0), (0.5, 70.0, 19.0), (0.8, 90.0, 12.0)],
                solid: false,
            },
            Curve {
                name: "<script>x</script>".into(),
                parameter: "\"τ".into(),
                points: vec![(0.0, 50.0, 23.0), (3.0, 99.0, 2.0)],
                solid: true,
            },
        ];
        let svg = render_svg(&cells, 0, &COVERAGE, &curves);
        // A baseline is dashed; another model's frontier solid.
        assert_eq!(svg.matches("class=\"baseline\"").count(), 1);
        assert_eq!(svg.matches("class=\"model-frontier\"").count(), 1);
        assert_eq!(svg.matches("stroke-dasharray").count(), 1);
        assert_eq!(svg.matches("class=\"baseline-point\"").count(), 5);
        assert!(svg.contains("<title>popularity penalty, γ = 0.5: HR@10 19.00, coverage 70.0%</title>"), "{svg}");
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;") && svg.contains("&quot;τ"));
        // The plot's range takes in the curves: every vertex lies inside the frame.
        for points in svg.split("points=\"").skip(1).map(|p| p.split('"').next().unwrap()) {
            for vertex in points.split(' ') {
                let (x, y) = vertex.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!((MARGIN..=WIDTH - MARGIN).contains(&x) && (MARGIN..=HEIGHT - MARGIN).contains(&y), "{vertex}");
            }
        }
    }
}
