//! `seqdiff frontier`: what the diffusion sampler's controls trade, against two ways of making the
//! same encoder's lists more diverse without diffusion: softmax sampling at temperature τ
//! (Gumbel-top-k) and MMR re-ranking. For each setting of each method: HR@10 / NDCG@10 of its top-10
//! lists beside their catalogue coverage, novelty and intra-list diversity; the diffusion's settings
//! are then compared with each baseline at equal diversity. Writes JSON and, with --svg, a chart.

use anyhow::{Result, bail};
use seqdiff_model::bundle_files::BaselineCurve;
use seqdiff_model::diversity::popularity_ranks;
use seqdiff_model::evaluate::split_cases;
use seqdiff_model::metrics::top_k;
use seqdiff_model::plain_sampling::{
    ListMeasures, ListStats, gumbel_top_k, hr10_at, mmr, popularity_penalised, unit_rows,
};
use seqdiff_model::{Recommender, SamplingConfig};
use serde::Serialize;

use crate::FrontierArgs;
use crate::checkpoint::{device, load_matching_dataset, load_model, write_atomic, write_json};
use crate::commands::frontier_chart::{Measure, chart};
use crate::commands::spread;

/// Every method's points: the frontier's data.
#[derive(Serialize)]
pub struct Frontier {
    pub split: String,
    pub users: usize,
    #[serde(flatten)]
    pub plain: Baselines,
    pub diffusion: Vec<(SamplingConfig, ListMeasures)>,
}

/// The encoder's own lists and the three plain ways of diversifying them.
#[derive(Serialize)]
pub struct Baselines {
    /// The encoder's own top-10 (τ → 0, λ = 1, γ = 0, steps 0).
    pub encoder: ListMeasures,
    pub temperature: Vec<(f64, ListMeasures)>,
    pub mmr: Vec<(f64, ListMeasures)>,
    /// The encoder's scores with γ·ln(1 + count) subtracted (a plain novelty control).
    pub popularity_penalty: Vec<(f64, ListMeasures)>,
}

/// The baselines' parameters: `seqdiff frontier`'s defaults, and what `seqdiff sweep` ships.
pub const TEMPERATURES: &[f64] = &[0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0];
pub const MMR_LAMBDAS: &[f64] = &[0.9, 0.8, 0.7, 0.6, 0.5, 0.3];
pub const POPULARITY_PENALTIES: &[f64] = &[0.05, 0.1, 0.2, 0.3, 0.5, 0.8];

/// MMR re-ranks this many of the encoder's best items.
const MMR_CANDIDATES: usize = 100;

/// Measures the encoder's top-10 and each baseline at each of its parameters over `cases`
/// (user i of the split draws its softmax sample with seed i).
pub fn measure_baselines(
    rec: &Recommender,
    cases: &[(Vec<u32>, u32)],
    counts: &[u32],
    temperatures: &[f64],
    lambdas: &[f64],
    gammas: &[f64],
    batch: usize,
) -> Baselines {
    let n = rec.model.config.num_items;
    let ranks = popularity_ranks(counts);
    let vectors = unit_rows(&rec.model.item_vectors());
    let mut encoder = ListStats::new(n);
    let mut temperature: Vec<ListStats> = temperatures.iter().map(|_| ListStats::new(n)).collect();
    let mut reranked: Vec<ListStats> = lambdas.iter().map(|_| ListStats::new(n)).collect();
    let mut penalised: Vec<ListStats> = gammas.iter().map(|_| ListStats::new(n)).collect();
    for (batch_no, chunk) in cases.chunks(batch.max(1)).enumerate() {
        let histories: Vec<Vec<u32>> = chunk.iter().map(|c| c.0.clone()).collect();
        let first = (batch_no * batch.max(1)) as u64;
        let probs = rec.encoder_scores(&histories).into_data().try_into_vec::<f32>().expect("f32 scores");
        for (u, (_, target)) in chunk.iter().enumerate() {
            let row = &probs[u * (n + 1)..(u + 1) * (n + 1)];
            encoder.add(&top10(row), *target, &ranks, &vectors);
            for (stats, &tau) in temperature.iter_mut().zip(temperatures) {
                stats.add(&gumbel_top_k(row, tau, 10, first + u as u64), *target, &ranks, &vectors);
            }
            for (stats, &lambda) in reranked.iter_mut().zip(lambdas) {
                stats.add(&mmr(row, &vectors, lambda, 10, MMR_CANDIDATES), *target, &ranks, &vectors);
            }
            for (stats, &gamma) in penalised.iter_mut().zip(gammas) {
                stats.add(&popularity_penalised(row, counts, gamma, 10), *target, &ranks, &vectors);
            }
        }
    }
    let zip =
        |params: &[f64], stats: &[ListStats]| params.iter().copied().zip(stats.iter().map(ListStats::finish)).collect();
    Baselines {
        encoder: encoder.finish(),
        temperature: zip(temperatures, &temperature),
        mmr: zip(lambdas, &reranked),
        popularity_penalty: zip(gammas, &penalised),
    }
}

impl Baselines {
    /// One curve per baseline for the bundle's sweep, each starting at the encoder's own lists
    /// (τ = 0, λ = 1, γ = 0), where all three meet.
    pub fn curves(&self) -> Vec<BaselineCurve> {
        let curve = |name: &str, parameter: &str, at_encoder: f64, points: &[(f64, ListMeasures)]| BaselineCurve {
            name: name.into(),
            parameter: parameter.into(),
            points: std::iter::once((at_encoder, self.encoder)).chain(points.iter().copied()).collect(),
        };
        vec![
            curve("softmax sampling", "τ", 0.0, &self.temperature),
            curve("MMR", "λ", 1.0, &self.mmr),
            curve("popularity penalty", "γ", 0.0, &self.popularity_penalty),
        ]
    }
}

pub fn run(args: FrontierArgs) -> Result<()> {
    let dev = device(crate::DeviceChoice::Cpu)?;
    let (manifest, model) = load_model(&args.model, &dev)?;
    let dataset = load_matching_dataset(&args.data, &manifest)?;
    if args.batch == 0 {
        bail!("--batch must be positive");
    }
    let rec = Recommender::new(model);
    let cases = spread(split_cases(&dataset, args.split), args.users);
    let counts = dataset.item_counts();
    let ranks = popularity_ranks(&counts);
    let vectors = unit_rows(&rec.model.item_vectors());
    let n = manifest.model.num_items;
    let mut settings = Vec::new();
    for &start in &args.start {
        for &guidance in &args.guidance {
            for &steps in &args.steps {
                settings.push(SamplingConfig {
                    guidance,
                    steps,
                    eta: args.eta,
                    ensemble: args.ensemble,
                    seed: 0,
                    start,
                });
            }
        }
    }
    let mut diffusion: Vec<ListStats> = settings.iter().map(|_| ListStats::new(n)).collect();
    for (batch_no, chunk) in cases.chunks(args.batch).enumerate() {
        let histories: Vec<Vec<u32>> = chunk.iter().map(|c| c.0.clone()).collect();
        let first = (batch_no * args.batch) as u64;
        let encoding = rec.encode(&histories);
        for (stats, setting) in diffusion.iter_mut().zip(&settings) {
            let k = setting.clamped(manifest.model.diffusion_steps).ensemble as u64;
            let s = SamplingConfig { seed: first * k, ..setting.clone() };
            let scores = rec.generate_encoded(&encoding, &s, false).read().scores;
            for (row, (_, target)) in scores.iter().zip(chunk) {
                stats.add(&top10(row), *target, &ranks, &vectors);
            }
        }
        eprint!("\r{} of {} users", first as usize + chunk.len(), cases.len());
    }
    eprintln!();
    let frontier = Frontier {
        split: format!("{:?}", args.split).to_lowercase(),
        users: cases.len(),
        plain: measure_baselines(
            &rec,
            &cases,
            &counts,
            &args.temperature,
            &args.mmr_lambda,
            &args.pop_penalty,
            args.batch,
        ),
        diffusion: settings.into_iter().zip(diffusion.iter().map(ListStats::finish)).collect(),
    };
    print_table(&frontier);
    write_json(&args.out, &frontier)?;
    eprintln!("wrote {}", args.out.display());
    if let Some(svg) = &args.svg {
        let title = args.title.clone().unwrap_or_else(|| manifest.name.clone());
        write_atomic(svg, chart(&frontier, &title).as_bytes())?;
        eprintln!("wrote {}", svg.display());
    }
    Ok(())
}

fn top10(row: &[f32]) -> Vec<u32> {
    top_k(row, 10).into_iter().map(|(i, _)| i).collect()
}

fn print_table(f: &Frontier) {
    let row = |name: String, m: &ListMeasures| {
        println!("{name:<34} {:>6.2} {:>7.2} {:>8.2} {:>8.0} {:>6.3}", m.hr10, m.ndcg10, m.coverage, m.novelty, m.ild);
    };
    println!("{} split, {} users", f.split, f.users);
    println!("{:<34} {:>6} {:>7} {:>8} {:>8} {:>6}", "method", "HR@10", "NDCG@10", "cover %", "novelty", "ILD");
    row("encoder top-10".into(), &f.plain.encoder);
    for (tau, m) in &f.plain.temperature {
        row(format!("softmax sampling τ={tau}"), m);
    }
    for (lambda, m) in &f.plain.mmr {
        row(format!("MMR λ={lambda}"), m);
    }
    for (gamma, m) in &f.plain.popularity_penalty {
        row(format!("popularity penalty γ={gamma}"), m);
    }
    for (s, m) in &f.diffusion {
        row(format!("diffusion w={} S={} s={} K={}", s.guidance, s.steps, s.start, s.ensemble), m);
    }
    // Each diffusion setting against each baseline at its own diversity (where the baseline reaches it).
    let with_encoder = |points: &[(f64, ListMeasures)]| -> Vec<ListMeasures> {
        std::iter::once(f.plain.encoder).chain(points.iter().map(|p| p.1)).collect()
    };
    let (temp, rerank, pop) =
        (with_encoder(&f.plain.temperature), with_encoder(&f.plain.mmr), with_encoder(&f.plain.popularity_penalty));
    println!(
        "\nHR@10 of the diffusion minus each baseline's at the same diversity (τ: softmax sampling, MMR, γ: popularity penalty; — where the baseline does not reach it):"
    );
    println!("{:<34} {:>20} {:>20} {:>20}", "diffusion setting", "coverage τ|MMR|γ", "ILD τ|MMR|γ", "novelty τ|MMR|γ");
    for (s, m) in &f.diffusion {
        let cell = |measure: Measure| {
            let x = measure.of(m);
            let d = |pts: &[ListMeasures]| {
                hr10_at(pts, |m| measure.of(m), x).map_or("—".to_string(), |b| format!("{:+.2}", m.hr10 - b))
            };
            format!("{}|{}|{}", d(&temp), d(&rerank), d(&pop))
        };
        println!(
            "{:<34} {:>20} {:>20} {:>20}",
            format!("w={} S={} s={} K={}", s.guidance, s.steps, s.start, s.ensemble),
            cell(Measure::Coverage),
            cell(Measure::Ild),
            cell(Measure::Novelty)
        );
    }
}
