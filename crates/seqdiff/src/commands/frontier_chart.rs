//! The SVG of `seqdiff frontier`: HR@10 against three diversity measures, one panel each; the two
//! plain-sampling baselines as lines from the encoder's own list, the diffusion's settings as dots.

use seqdiff_model::chart::Chart;
use seqdiff_model::plain_sampling::ListMeasures;

use crate::commands::frontier::Frontier;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Coverage,
    Ild,
    Novelty,
}

impl Measure {
    pub fn of(self, m: &ListMeasures) -> f64 {
        match self {
            Measure::Coverage => m.coverage,
            Measure::Ild => m.ild,
            Measure::Novelty => m.novelty,
        }
    }

    fn axis(self) -> &'static str {
        match self {
            Measure::Coverage => "catalogue coverage of the top-10s (%)",
            Measure::Ild => "intra-list diversity (mean cosine distance)",
            Measure::Novelty => "novelty (mean popularity rank)",
        }
    }
}

const PANEL_W: f64 = 330.0;
const PANEL_H: f64 = 250.0;
const MARGIN: f64 = 40.0;
const TEMPERATURE: &str = "#2c6bd1";
const MMR: &str = "#2a9d55";
const DIFFUSION: &str = "#d62728";
const POPULARITY: &str = "#8a5cc2";

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn panel(f: &Frontier, measure: Measure, left: f64) -> String {
    let point = |m: &ListMeasures| (measure.of(m), m.hr10);
    let temp: Vec<(f64, f64)> =
        std::iter::once(point(&f.plain.encoder)).chain(f.plain.temperature.iter().map(|p| point(&p.1))).collect();
    let rerank: Vec<(f64, f64)> =
        std::iter::once(point(&f.plain.encoder)).chain(f.plain.mmr.iter().map(|p| point(&p.1))).collect();
    let penalised: Vec<(f64, f64)> = std::iter::once(point(&f.plain.encoder))
        .chain(f.plain.popularity_penalty.iter().map(|p| point(&p.1)))
        .collect();
    let dots: Vec<(f64, f64)> = f.diffusion.iter().map(|p| point(&p.1)).collect();
    let all: Vec<(f64, f64)> = temp.iter().chain(&rerank).chain(&penalised).chain(&dots).copied().collect();
    let chart = Chart::fit(&all, PANEL_W, PANEL_H, MARGIN);
    let at = |p: (f64, f64)| {
        let (x, y) = chart.to_screen(p);
        (x + left, y)
    };
    let text = |x: f64, y: f64, anchor: &str, body: &str| {
        format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"11\" fill=\"#1d232a\">{}</text>",
            escaped(body)
        )
    };
    let line = |points: &[(f64, f64)], colour: &str| {
        let path: Vec<String> = points.iter().map(|&p| at(p)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let marks: String = points
            .iter()
            .map(|&p| at(p))
            .map(|(x, y)| format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{colour}\"/>"))
            .collect();
        format!("<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>{marks}", path.join(" "))
    };
    let (l, r, t, b) = (MARGIN + left, PANEL_W - MARGIN + left, MARGIN, PANEL_H - MARGIN);
    let mut svg = format!(
        "<rect x=\"{l:.1}\" y=\"{t}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fbfcfd\" stroke=\"#9aa4ae\"/>",
        r - l,
        b - t
    );
    svg += &text(l, t - 8.0, "start", "HR@10 (×100)");
    svg += &text(l - 4.0, b, "end", &format!("{:.1}", chart.y.lo));
    svg += &text(l - 4.0, t + 9.0, "end", &format!("{:.1}", chart.y.hi));
    svg += &text(l, b + 14.0, "start", &format!("{:.2}", chart.x.lo));
    svg += &text(r, b + 14.0, "end", &format!("{:.2}", chart.x.hi));
    svg += &text((l + r) / 2.0, b + 28.0, "middle", measure.axis());
    svg += &line(&temp, TEMPERATURE);
    svg += &line(&rerank, MMR);
    svg += &line(&penalised, POPULARITY);
    for ((s, m), p) in f.diffusion.iter().zip(&dots) {
        let (x, y) = at(*p);
        svg += &format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"none\" stroke=\"{DIFFUSION}\" stroke-width=\"1.5\"><title>w={} S={} s={} K={}: HR@10 {:.2}</title></circle>",
            s.guidance, s.steps, s.start, s.ensemble, m.hr10
        );
    }
    svg
}

/// The whole chart: three panels and a legend.
pub fn chart(f: &Frontier, title: &str) -> String {
    let measures = [Measure::Coverage, Measure::Ild, Measure::Novelty];
    let width = PANEL_W * measures.len() as f64;
    let height = PANEL_H + 46.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"system-ui, sans-serif\">"
    );
    svg += &format!("<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    svg += &format!(
        "<text x=\"{MARGIN}\" y=\"16\" font-size=\"12\" font-weight=\"600\" fill=\"#1d232a\">{} — {} split, {} users</text>",
        escaped(title),
        f.split,
        f.users
    );
    for (i, m) in measures.iter().enumerate() {
        svg += &panel(f, *m, i as f64 * PANEL_W);
    }
    svg += &format!(
        "<text x=\"{MARGIN}\" y=\"{:.0}\" font-size=\"11\" fill=\"#1d232a\"><tspan fill=\"{TEMPERATURE}\">━ softmax sampling (τ)</tspan> · <tspan fill=\"{MMR}\">━ MMR re-ranking (λ)</tspan> · <tspan fill=\"{POPULARITY}\">━ popularity penalty (γ)</tspan> · <tspan fill=\"{DIFFUSION}\">○ diffusion (guidance × steps × start)</tspan>; the lines start at the encoder's own top-10</text>",
        height - 6.0
    );
    svg += "</svg>";
    svg
}
