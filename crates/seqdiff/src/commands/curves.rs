//! `seqdiff curves`: validation NDCG@10 against training minutes for one or more run folders, as
//! an SVG of small panels (one per run): the encoder alone and the diffusion output at the
//! trainer's per-epoch setting, the kept epoch marked. Read from each run's `state.json`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use seqdiff_model::chart::Chart;

use crate::CurvesArgs;
use crate::checkpoint::write_atomic;

const PANEL_W: f64 = 340.0;
const PANEL_H: f64 = 230.0;
const MARGIN: f64 = 38.0;

/// One run's curves: (minutes, NDCG@10) after each epoch.
struct Curves {
    name: String,
    encoder: Vec<(f64, f64)>,
    diffusion: Vec<(f64, f64)>,
    best: Option<(f64, f64)>,
}

fn read_run(dir: &Path) -> Result<Curves> {
    let path = dir.join("state.json");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{}: not a run state", path.display()))?;
    let Some(log) = state["log"].as_array() else { bail!("{}: no epoch log", path.display()) };
    let best_epoch = state["best_epoch"].as_u64();
    let (mut minutes, mut encoder, mut diffusion, mut best) = (0.0, Vec::new(), Vec::new(), None);
    for epoch in log {
        minutes += epoch["seconds"].as_f64().unwrap_or(0.0) / 60.0;
        let enc = epoch["valid_encoder"]["NDCG@10"].as_f64();
        let dif = epoch["valid"]["NDCG@10"].as_f64();
        if let Some(v) = enc {
            encoder.push((minutes, v));
        }
        if let Some(v) = dif {
            diffusion.push((minutes, v));
        }
        if epoch["epoch"].as_u64() == best_epoch {
            best = enc.into_iter().chain(dif).reduce(f64::max).map(|v| (minutes, v));
        }
    }
    let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
    Ok(Curves { name, encoder, diffusion, best })
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One panel at horizontal offset `left`.
fn panel(c: &Curves, left: f64) -> String {
    let all: Vec<(f64, f64)> = c.encoder.iter().chain(&c.diffusion).copied().chain([(0.0, 0.0)]).collect();
    let chart = Chart::fit(&all, PANEL_W, PANEL_H, MARGIN);
    let line = |points: &[(f64, f64)], style: &str| {
        let path: Vec<String> =
            points.iter().map(|&p| chart.to_screen(p)).map(|(x, y)| format!("{:.1},{:.1}", x + left, y)).collect();
        format!("<polyline fill=\"none\" {style} points=\"{}\"/>", path.join(" "))
    };
    let text = |x: f64, y: f64, anchor: &str, body: String| {
        format!(
            "<text x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"11\" fill=\"#1d232a\">{body}</text>",
            x + left
        )
    };
    let (l, r, t, b) = (MARGIN, PANEL_W - MARGIN, MARGIN, PANEL_H - MARGIN);
    let mut svg = format!(
        "<rect x=\"{:.1}\" y=\"{t}\" width=\"{}\" height=\"{}\" fill=\"#fbfcfd\" stroke=\"#9aa4ae\"/>",
        l + left,
        r - l,
        b - t
    );
    svg += &text(l, t - 22.0, "start", escaped(&c.name));
    svg += &text(l, t - 8.0, "start", "validation NDCG@10 (×100)".into());
    svg += &text(l - 4.0, b, "end", format!("{:.0}", chart.y.lo.max(0.0)));
    svg += &text(l - 4.0, t + 9.0, "end", format!("{:.1}", chart.y.hi));
    svg += &text(l, b + 14.0, "start", "0".into());
    svg += &text(r, b + 14.0, "end", format!("{:.0} min of training", chart.x.hi));
    svg += &line(&c.encoder, "stroke=\"#2c6bd1\" stroke-width=\"2\"");
    svg += &line(&c.diffusion, "stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"5 3\"");
    if let Some(p) = c.best {
        let (x, y) = chart.to_screen(p);
        svg += &format!(
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"none\" stroke=\"#1d232a\" stroke-width=\"2\"><title>kept epoch: {:.2}</title></circle>",
            x + left,
            p.1
        );
    }
    svg
}

pub fn run(args: CurvesArgs) -> Result<()> {
    if args.run.is_empty() {
        bail!("name at least one run folder with --run");
    }
    let runs = args.run.iter().map(|d| read_run(d)).collect::<Result<Vec<_>>>()?;
    let width = PANEL_W * runs.len() as f64;
    let height = PANEL_H + 24.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"system-ui, sans-serif\">"
    );
    svg += &format!("<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    for (i, c) in runs.iter().enumerate() {
        svg += &panel(c, i as f64 * PANEL_W);
    }
    svg += &format!(
        "<text x=\"{MARGIN}\" y=\"{:.0}\" font-size=\"11\" fill=\"#1d232a\">solid blue: the encoder alone (steps 0) · dashed red: the diffusion output at w = 1, S = 2 · ring: the epoch kept</text>",
        height - 6.0
    );
    svg += "</svg>";
    write_atomic(&args.out, svg.as_bytes())?;
    eprintln!("wrote {} ({} runs)", args.out.display(), runs.len());
    Ok(())
}
