//! `seqdiff sweep`: validation metrics over guidance × steps (and ensemble size at the best cell),
//! with the diversity of each cell and the plain baselines' curves for the page's trade-off charts.
//! The run's manifest then records the best setting, which `eval` and the page use by default.

use anyhow::Result;
use seqdiff_model::bundle_files::SweepResult;
use seqdiff_model::diversity::{diversity, popularity_ranks};
use seqdiff_model::evaluate::{evaluate, split_cases};
use seqdiff_model::metrics::Evaluation;
use seqdiff_model::{Recommender, SamplingConfig};

use crate::SweepArgs;
use crate::checkpoint::{device, load_matching_dataset, load_model, write_json};
use crate::commands::frontier::{MMR_LAMBDAS, POPULARITY_PENALTIES, TEMPERATURES, measure_baselines};
use crate::commands::train::design_grid;

/// Validation (or test) metrics over guidance × steps; the best cell by unmasked NDCG@10, then the
/// ensemble sizes at it. Steps 0 (the encoder alone) is a cell like any other, so the diffusion is
/// chosen only where it beats its own encoder; it does not depend on guidance and is evaluated once.
#[allow(clippy::too_many_arguments)]
pub fn sweep_grid(
    rec: &Recommender,
    cases: &[(Vec<u32>, u32)],
    guidance: &[f64],
    steps: &[usize],
    start: f64,
    ensemble: &[usize],
    batch: usize,
    split: &str,
) -> SweepResult {
    let mut metrics = Vec::new();
    let mut best = (f64::MIN, SamplingConfig::default());
    let mut encoder_alone: Option<Evaluation> = None;
    for &w in guidance {
        let mut row = Vec::new();
        for &s in steps {
            let cfg = SamplingConfig { guidance: w, steps: s, eta: 0.0, ensemble: 1, seed: 0, start };
            let m = match (s, encoder_alone) {
                (0, Some(m)) => m,
                _ => evaluate(rec, cases, &cfg, batch),
            };
            if s == 0 {
                encoder_alone = Some(m);
            }
            eprintln!("  start {start} guidance {w:>4} steps {s:>2}: {m}");
            if m.unmasked.ndcg10 > best.0 {
                best = (m.unmasked.ndcg10, cfg);
            }
            row.push(m);
        }
        metrics.push(row);
    }
    // Without denoising guidance does nothing: keep the conditional model for when steps are added.
    if best.1.steps == 0 {
        best.1.guidance = 0.0;
    }
    let mut ens = Vec::new();
    // Seeds change nothing without denoising.
    let ensemble = if best.1.steps == 0 { &[][..] } else { ensemble };
    for &k in ensemble {
        let cfg = SamplingConfig { ensemble: k, ..best.1.clone() };
        let m = evaluate(rec, cases, &cfg, batch);
        eprintln!("  ensemble {k} at best cell: {m}");
        if m.unmasked.ndcg10 > best.0 {
            best = (m.unmasked.ndcg10, cfg);
        }
        ens.push((k, m));
    }
    SweepResult {
        split: split.into(),
        guidance: guidance.to_vec(),
        steps: steps.to_vec(),
        metrics,
        ensemble: ens,
        best: best.1,
        diversity: vec![],
        baselines: vec![],
    }
}

/// One guidance × steps grid per start strength; the grid holding the best setting is kept (None
/// without a start strength).
#[allow(clippy::too_many_arguments)]
pub fn sweep_starts(
    rec: &Recommender,
    cases: &[(Vec<u32>, u32)],
    guidance: &[f64],
    steps: &[usize],
    starts: &[f64],
    ensemble: &[usize],
    batch: usize,
    split: &str,
) -> Option<SweepResult> {
    let score = |r: &SweepResult| r.best_metrics().map_or(f64::MIN, |m| m.unmasked.ndcg10);
    let mut kept: Option<SweepResult> = None;
    for &start in starts {
        let grid = sweep_grid(rec, cases, guidance, steps, start, ensemble, batch, split);
        if kept.as_ref().is_none_or(|k| score(&grid) > score(k)) {
            kept = Some(grid);
        }
    }
    kept
}

pub fn run(args: SweepArgs) -> Result<()> {
    let dev = device(crate::DeviceChoice::Cpu)?;
    let (mut manifest, model) = load_model(&args.model, &dev)?;
    if manifest.encoder_only {
        anyhow::bail!(
            "{}: the denoiser of an --objective encoder run was never trained: there is nothing to sweep",
            args.model.display()
        );
    }
    let dataset = load_matching_dataset(&args.data, &manifest)?;
    let rec = Recommender::new(model);
    let cases = split_cases(&dataset, args.split);
    let split = format!("{:?}", args.split).to_lowercase();
    let design = manifest.model.design.sampling(manifest.model.diffusion_steps);
    let (guidance, steps, ensemble) = match &design {
        Some(sampler) => {
            let (g, s) = design_grid(&manifest.model, sampler);
            (
                args.guidance.clone().unwrap_or(g),
                args.steps.clone().unwrap_or(s),
                args.ensemble.clone().unwrap_or(vec![1]),
            )
        }
        None => (
            args.guidance.clone().unwrap_or(vec![-1.0, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0]),
            args.steps.clone().unwrap_or(vec![0, 1, 2, 5, 10, 20, 50]),
            args.ensemble.clone().unwrap_or(vec![1, 4, 8]),
        ),
    };
    let Some(mut result) = sweep_starts(&rec, &cases, &guidance, &steps, &args.start, &ensemble, args.batch, &split)
    else {
        anyhow::bail!("--start needs at least one value")
    };
    let start = result.best.start;
    let ranks = popularity_ranks(&dataset.item_counts());
    let histories: Vec<Vec<u32>> = cases.iter().map(|c| c.0.clone()).collect();
    result.diversity = guidance
        .iter()
        .map(|&w| {
            steps
                .iter()
                .map(|&s| {
                    let cfg = SamplingConfig { guidance: w, steps: s, eta: 0.0, ensemble: 1, seed: 0, start };
                    let d = diversity(&rec, &histories, &cfg, &ranks, args.batch);
                    eprintln!(
                        "  guidance {w:>4} steps {s:>2}: coverage {:.1}%, novelty {:.0}, seed overlap {:.1}%",
                        d.coverage, d.novelty, d.seed_overlap
                    );
                    d
                })
                .collect()
        })
        .collect();
    // The same encoder diversified without diffusion, for the page's trade-off charts to draw beside
    // the grid (BENCHMARKS.md, the accuracy–diversity frontier).
    result.baselines = measure_baselines(
        &rec,
        &cases,
        &dataset.item_counts(),
        TEMPERATURES,
        MMR_LAMBDAS,
        POPULARITY_PENALTIES,
        args.batch,
    )
    .curves();
    for curve in &result.baselines {
        let points: Vec<String> = curve
            .points
            .iter()
            .map(|(p, m)| {
                format!(
                    "{}={p}: {:.2} HR@10, {:.1}% coverage, novelty {:.0}",
                    curve.parameter, m.hr10, m.coverage, m.novelty
                )
            })
            .collect();
        eprintln!("  {}: {}", curve.name, points.join("; "));
    }
    let out = args.out.clone().unwrap_or_else(|| args.model.join("sweep.json"));
    write_json(&out, &result)?;
    eprintln!("wrote {}; best on {split}: {:?}", out.display(), result.best);
    // A published design keeps its own sampler (docs/ARCHITECTURE.md, "Designs"): its grid is there
    // to be read and drawn, not to replace the sampler the design defines.
    if args.split == seqdiff_model::evaluate::Split::Valid && design.is_none() {
        manifest.sampling = result.best.clone();
        write_json(&args.model.join("manifest.json"), &manifest)?;
    } else if design.is_some() {
        eprintln!("kept the {} preset's own sampler: {:?}", manifest.model.design.name(), manifest.sampling);
    }
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}
