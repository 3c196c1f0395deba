//! `cargo xtask bench [--model DIR] [--data PATH] [--latency-only]`: native latency of one guided generation per user
//! (S=50, K=1 and K=8, plus full-catalogue top-10), a 1,000-generation memory soak, and training
//! throughput, on the Flex CPU backend.

use std::path::PathBuf;
use std::time::Instant;

use burn::module::Module;
use burn::optim::AdamWConfig;
use burn::tensor::activation::softmax;
use burn::tensor::{Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use seqdiff_model::bundle::{Manifest, model_from_bytes};
use seqdiff_model::data::Dataset;
use seqdiff_model::fast_softmax::softmax_last;
use seqdiff_model::metrics::top_k;
use seqdiff_model::schedule::alpha_bars;
use seqdiff_model::train::{TrainConfig, batch_loss, batches, make_windows};
use seqdiff_model::{Device, Recommender, SamplingConfig, SeqDiff};

fn arg(name: &str, default: &str) -> PathBuf {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or_else(|| default.into(), PathBuf::from)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Resident memory of this process in MiB (Linux's /proc; None elsewhere).
fn resident_mib() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096.0 / (1024.0 * 1024.0))
}

fn main() -> anyhow::Result<()> {
    let model_dir = arg("--model", "public/models/ml-100k");
    let data = arg("--data", "data/ml-100k");
    let manifest =
        Manifest::parse(&std::fs::read_to_string(model_dir.join("manifest.json"))?).map_err(anyhow::Error::msg)?;
    let weights = std::fs::read(model_dir.join(&manifest.files.weights))?;
    let dataset = Dataset::load(&data)?;
    let device = Device::flex();
    let rec = Recommender::new(model_from_bytes(&manifest.model, weights, &device).map_err(anyhow::Error::msg)?);
    println!(
        "model {} ({} items, d={}), data {}, {} CPU threads",
        model_dir.display(),
        manifest.model.num_items,
        manifest.model.dim,
        data.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for k in [1, 8] {
        let s = SamplingConfig { guidance: 1.0, steps: 50, eta: 0.0, ensemble: k, seed: 0, start: 1.0 };
        let mut times = Vec::new();
        for (i, user) in dataset.users.iter().take(200).enumerate() {
            let start = Instant::now();
            let r = rec.generate(&[user.train.clone()], &s, false).read();
            let top = top_k(&r.scores[0], 10);
            std::hint::black_box(top);
            if i >= 5 {
                times.push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
        println!(
            "generation S=50 K={k} guided + top-10: median {:.2} ms per user ({} users); reference DiffuRec: 112.6 ms per user",
            median(times.clone()),
            times.len()
        );
    }
    // The page benchmark's own requests (tests/page_bench.mjs): its history, seeds 1..=41, trajectory
    // kept, the encoding reused as the page's worker does. The same work natively, for the ratio.
    let page_history = [1u32, 50, 100, 181, 258, 288, 294, 300];
    let encoding = rec.encode(&[page_history.to_vec()]);
    // BENCH_REQUESTS=N for a longer run (with BENCH_PER_SEED=1, to see slow spells).
    let requests: u64 = std::env::var("BENCH_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(41);
    for k in [1, 8] {
        let mut times = Vec::new();
        for seed in 1..=requests {
            let s = SamplingConfig { guidance: 1.0, steps: 50, eta: 0.0, ensemble: k, seed, start: 1.0 };
            let start = Instant::now();
            std::hint::black_box(rec.generate_encoded(&encoding, &s, true).keep_trajectory_rows(1).read());
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        let (min, max) = (times.iter().cloned().fold(f64::MAX, f64::min), times.iter().cloned().fold(0.0, f64::max));
        println!(
            "the page benchmark's requests natively, S=50 K={k} guided, seeds 1-{requests}: median {:.2} ms (min {min:.2}, max {max:.2})",
            median(times.clone())
        );
        if std::env::var_os("BENCH_PER_SEED").is_some() {
            println!("  per seed: {}", times.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>().join(" "));
        }
    }
    // A published design's own sampler (all T steps, ancestral; docs/ARCHITECTURE.md, "Designs"): what its
    // page requests cost.
    if let Some(own) = manifest.model.design.sampling(manifest.model.diffusion_steps) {
        for k in [1, 8] {
            let mut times = Vec::new();
            for seed in 1..=requests {
                let s = SamplingConfig { ensemble: k, seed, ..own.clone() };
                let start = Instant::now();
                std::hint::black_box(rec.generate_encoded(&encoding, &s, true).keep_trajectory_rows(1).read());
                times.push(start.elapsed().as_secs_f64() * 1e3);
            }
            println!(
                "the {} sampler natively (S={} eta=1 w={}), K={k}, the page's requests: median {:.2} ms",
                manifest.model.design.name(),
                own.steps,
                own.guidance,
                median(times)
            );
        }
    }
    // The final softmax alone at this catalogue's size, K = 8 rows: this project's (`fast_softmax`, in
    // place, vector exp) against burn's (scalar expf, separate passes), which the sampler used before.
    let n = manifest.model.num_items + 1;
    let logits: Vec<f32> = (0..8 * n).map(|i| (i * 7919 % 1000) as f32 / 100.0 - 5.0).collect();
    let time_softmax = |f: &dyn Fn(Tensor<3>) -> Tensor<3>| {
        let times: Vec<f64> = (0..200)
            .map(|_| {
                let x = Tensor::<3>::from_data(TensorData::new(logits.clone(), [1, 8, n]), &device);
                let start = Instant::now();
                std::hint::black_box(f(x));
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        median(times)
    };
    println!(
        "the final softmax alone, 8 x {n} logits: median {:.3} ms (burn's softmax: {:.3} ms)",
        time_softmax(&softmax_last::<3>),
        time_softmax(&|x| softmax(x, 2))
    );
    // `--latency-only`: the request timings above, not the soak and training throughput below.
    if std::env::args().any(|a| a == "--latency-only") {
        return Ok(());
    }
    // Soak: 1,000 consecutive generations (guided, S=50, K=8, a different user each) must not grow
    // the process's memory; resident size sampled every 250.
    let s = SamplingConfig { guidance: 1.0, steps: 50, eta: 0.0, ensemble: 8, seed: 0, start: 1.0 };
    let users: Vec<_> = dataset.users.iter().map(|u| u.train.clone()).collect();
    let mut samples = vec![resident_mib()];
    let start = Instant::now();
    for i in 0..1000 {
        let r = rec
            .generate(&[users[i % users.len()].clone()], &SamplingConfig { seed: i as u64, ..s.clone() }, true)
            .read();
        std::hint::black_box(top_k(&r.scores[0], 10));
        if (i + 1) % 250 == 0 {
            samples.push(resident_mib());
        }
    }
    let shown: Vec<String> = samples.iter().map(|m| m.map_or("n/a".into(), |m| format!("{m:.1}"))).collect();
    println!(
        "soak: 1000 generations (S=50 K=8, trajectory read back) in {:.1} s; resident MiB at 0/250/500/750/1000: {}",
        start.elapsed().as_secs_f64(),
        shown.join(" / ")
    );
    // Training throughput at the trainer's defaults (batch 32 windows, lr 2e-3), one thread and two
    // (the batch split in two, gradients summed: `seqdiff train --threads`).
    for threads in [1, 2] {
        let train_device = Device::flex().autodiff();
        train_device.seed(1);
        let mut model = SeqDiff::new(&manifest.model, &train_device);
        let cfg = TrainConfig { batch_size: 32, learning_rate: 2e-3, ..TrainConfig::default() };
        let mut optim = AdamWConfig::new().with_weight_decay(0.0).init();
        let windows = make_windows(&dataset.users, manifest.model.max_len, 0);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let plan = batches(&windows, cfg.batch_size, &mut rng);
        let alpha_bars = alpha_bars(manifest.model.schedule, manifest.model.diffusion_steps);
        let start = Instant::now();
        let mut targets = 0usize;
        for batch in plan.iter().take(40) {
            let refs: Vec<_> = batch.iter().map(|&i| &windows[i]).collect();
            let batch_loss = batch_loss(&model, &refs, &cfg, &alpha_bars, &mut rng, threads, false);
            targets += batch_loss.targets();
            let grads = batch_loss.gradients(&model);
            model = optim.step(cfg.learning_rate, model, grads);
        }
        let _ = model.num_params();
        println!(
            "training, {threads} thread(s): {:.0} samples/s (40 batches of 32 windows, all positions); reference DiffuRec: 107 samples/s",
            targets as f64 / start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
