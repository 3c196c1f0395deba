//! `seqdiff chain`: the denoising chain followed step by step on a split. For every step it prints
//! what the denoiser was fed (x_t) and what it returned (x̂0): mean norm and mean cosine to the
//! nearest normalised item key, beside the same two numbers for the x_t that training builds at that
//! timestep (x0 = the target's normalised key), and the HR@10 / NDCG@10 of x̂0 itself. A chain whose
//! inputs leave the training range, or whose x̂0 loses accuracy step after step, shows it here.

use anyhow::{Result, bail};
use burn::tensor::{Int, Tensor, TensorData};
use seqdiff_model::Recommender;
use seqdiff_model::evaluate::split_cases;
use seqdiff_model::metrics::{MetricSums, rank_of, top_k};
use seqdiff_model::noise::gaussian;
use seqdiff_model::schedule::{cosine_alpha_bars, respaced_timesteps_from};
use serde::Serialize;

use crate::ChainArgs;
use crate::checkpoint::{device, load_matching_dataset, load_model};
use crate::commands::eval::resolve;
use crate::commands::spread;

/// One step of the chain, averaged over the followed users (and seeds).
#[derive(Serialize, Default, Clone)]
struct StepRow {
    step: usize,
    timestep: usize,
    /// ‖x_t‖ and the cosine of x_t to its nearest normalised key, as the sampler fed it.
    input_norm: f64,
    input_cos: f64,
    /// The same for training's x_t = √ᾱ·ẽ_target + √(1−ᾱ)·ε at this timestep.
    train_norm: f64,
    train_cos: f64,
    /// ‖x̂0‖ and its nearest-key cosine.
    x0_norm: f64,
    x0_cos: f64,
    /// x̂0 scored as the model scores its output (unmasked), ×100.
    hr10: f64,
    ndcg10: f64,
    /// Users whose top-10 list (ordered) differs from the first step's, %.
    changed_from_first: f64,
}

pub fn run(args: ChainArgs) -> Result<()> {
    let dev = device(crate::DeviceChoice::Cpu)?;
    let (manifest, model) = load_model(&args.model, &dev)?;
    let dataset = load_matching_dataset(&args.data, &manifest)?;
    let steps_total = manifest.model.diffusion_steps;
    let sampling = resolve(&args.sampling, &manifest.sampling).clamped(steps_total);
    if sampling.steps == 0 {
        bail!("steps 0 is the encoder alone: there is no chain to follow (pass --steps N)");
    }
    let rec = Recommender::new(model);
    let cases = spread(split_cases(&dataset, args.split), args.users);

    let timesteps = respaced_timesteps_from(sampling.start_timestep(steps_total), sampling.steps);
    let alpha_bars = cosine_alpha_bars(steps_total);
    let d = manifest.model.dim;
    let n = manifest.model.num_items + 1;
    let keys = rec.model.normalised_items();
    // Unit-length keys of the real items, transposed: [d, N].
    let unit_keys = (keys.clone().slice([1..n]) / (d as f64).sqrt()).transpose();
    let k = sampling.ensemble;

    let s = timesteps.len();
    let mut sums = vec![StepRow::default(); s];
    let mut metric_sums = vec![MetricSums::default(); s];
    let mut rows_seen = 0usize;
    let (mut users_seen, mut changed) = (0usize, vec![0usize; s]);
    for (batch_no, chunk) in cases.chunks(args.batch.max(1)).enumerate() {
        let histories: Vec<Vec<u32>> = chunk.iter().map(|c| c.0.clone()).collect();
        let targets: Vec<u32> = chunk.iter().map(|c| c.1).collect();
        let first_row = (batch_no * args.batch.max(1) * k) as u64;
        let request = seqdiff_model::SamplingConfig { seed: sampling.seed.wrapping_add(first_row), ..sampling.clone() };
        let generation = rec.generate_traced(&rec.encode(&histories), &request);
        let (trajectory, inputs) = (generation.trajectory.expect("traced"), generation.chain_inputs.expect("traced"));
        let rows = histories.len() * k;
        // Training's x0 for these rows: each user's target key, once per seed.
        let target_rows: Vec<i64> = targets.iter().flat_map(|&t| std::iter::repeat_n(t as i64, k)).collect();
        let x0_train =
            keys.clone().select(0, Tensor::<1, Int>::from_data(TensorData::new(target_rows, [rows]), &rec.device()));
        let eps =
            Tensor::<2>::from_data(TensorData::new(gaussian(first_row ^ 0x5EED, rows * d), [rows, d]), &rec.device());
        let mut first_lists: Vec<Vec<u32>> = vec![];
        for (i, &t) in timesteps.iter().enumerate() {
            let x0 = trajectory.clone().slice([i..i + 1]).reshape([rows, d]);
            let x_t = inputs.clone().slice([i..i + 1]).reshape([rows, d]);
            let a = alpha_bars[t];
            let x_train = x0_train.clone() * a.sqrt() + eps.clone() * (1.0 - a).sqrt();
            let row = &mut sums[i];
            for (vectors, norm, cos) in [
                (x_t, &mut row.input_norm, &mut row.input_cos),
                (x_train, &mut row.train_norm, &mut row.train_cos),
                (x0.clone(), &mut row.x0_norm, &mut row.x0_cos),
            ] {
                let (nsum, csum) = norm_and_nearest_cos(vectors, &unit_keys);
                *norm += nsum;
                *cos += csum;
            }
            let scores = rec.score(x0, &histories, k).into_data().try_into_vec::<f32>().expect("f32 scores");
            for (u, &target) in targets.iter().enumerate() {
                let row_scores = &scores[u * n..(u + 1) * n];
                metric_sums[i].add_rank(rank_of(row_scores, target as usize));
                let list: Vec<u32> = top_k(row_scores, 10).into_iter().map(|(item, _)| item).collect();
                if i == 0 {
                    first_lists.push(list);
                } else if list != first_lists[u] {
                    changed[i] += 1;
                }
            }
        }
        rows_seen += rows;
        users_seen += histories.len();
    }
    let table: Vec<StepRow> = sums
        .into_iter()
        .zip(metric_sums)
        .enumerate()
        .map(|(i, (sum, metrics))| {
            let per_row = |v: f64| v / rows_seen.max(1) as f64;
            let m = metrics.finish();
            StepRow {
                step: i + 1,
                timestep: timesteps[i],
                input_norm: per_row(sum.input_norm),
                input_cos: per_row(sum.input_cos),
                train_norm: per_row(sum.train_norm),
                train_cos: per_row(sum.train_cos),
                x0_norm: per_row(sum.x0_norm),
                x0_cos: per_row(sum.x0_cos),
                hr10: m.hr10,
                ndcg10: m.ndcg10,
                changed_from_first: 100.0 * changed[i] as f64 / users_seen.max(1) as f64,
            }
        })
        .collect();
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "sampling": sampling, "users": users_seen, "space": manifest.model.diffusion_space, "steps": table })
        );
        return Ok(());
    }
    println!(
        "{:?} split, {} users, {:?}, {:?} space",
        args.split, users_seen, sampling, manifest.model.diffusion_space
    );
    println!("step    t | x_t norm  cos | train x_t norm  cos | x̂0 norm   cos | x̂0 HR@10 NDCG@10 | top-10 ≠ step 1");
    for r in &table {
        println!(
            "{:>4} {:>4} | {:>8.2} {:.3} | {:>14.2} {:.3} | {:>7.2} {:.3} | {:>8.2} {:>7.2} | {:>6.1}%",
            r.step,
            r.timestep,
            r.input_norm,
            r.input_cos,
            r.train_norm,
            r.train_cos,
            r.x0_norm,
            r.x0_cos,
            r.hr10,
            r.ndcg10,
            r.changed_from_first
        );
    }
    Ok(())
}

/// Σ‖v‖ and Σ max_j cos(v, key_j) over the rows of `vectors` [R, d]; `unit_keys` [d, N] are unit length.
fn norm_and_nearest_cos(vectors: Tensor<2>, unit_keys: &Tensor<2>) -> (f64, f64) {
    let norms = vectors.clone().powf_scalar(2.0).sum_dim(1).sqrt();
    let cos = (vectors / (norms.clone() + 1e-12)).matmul(unit_keys.clone()).max_dim(1);
    let sum = |t: Tensor<2>| t.sum().into_scalar::<f32>() as f64;
    (sum(norms), sum(cos))
}
