//! Full-ranking evaluation over every user of a split (DESIGN.md §1).

use crate::config::SamplingConfig;
use crate::data::Dataset;
use crate::metrics::{MetricSums, Metrics, mask_items, rank_of};
use crate::sampler::Recommender;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Input = train, target = valid.
    Valid,
    /// Input = train + valid, target = test.
    Test,
}

impl std::str::FromStr for Split {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "valid" => Ok(Split::Valid),
            "test" => Ok(Split::Test),
            _ => Err(format!("unknown split '{s}' (expected valid or test)")),
        }
    }
}

/// (input history, target) for every user of the split.
pub fn split_cases(dataset: &Dataset, split: Split) -> Vec<(Vec<u32>, u32)> {
    dataset
        .users
        .iter()
        .map(|u| match split {
            Split::Valid => (u.train.clone(), u.valid),
            Split::Test => {
                let mut input = u.train.clone();
                input.push(u.valid);
                (input, u.test)
            }
        })
        .collect()
}

/// HR/NDCG@{5,10,20} ×100. Users are batched by history length; user i (in length order) draws
/// its noise from seed + i·K, so a run is deterministic whatever the batch size.
pub fn evaluate(rec: &Recommender, cases: &[(Vec<u32>, u32)], sampling: &SamplingConfig, mask_history: bool, batch: usize) -> Metrics {
    let k = sampling.clamped(rec.model.config.diffusion_steps).ensemble as u64;
    evaluate_with(rec, cases, mask_history, batch, |histories, first| {
        let s = SamplingConfig { seed: sampling.seed.wrapping_add(first * k), ..sampling.clone() };
        rec.generate(histories, &s, false).read().scores
    })
}

/// The same protocol for the encoder alone (c·ẽᵀ, no diffusion): the SASRec-style reference point.
pub fn evaluate_encoder(rec: &Recommender, cases: &[(Vec<u32>, u32)], mask_history: bool, batch: usize) -> Metrics {
    evaluate_with(rec, cases, mask_history, batch, |histories, _| {
        let scores = rec.encoder_scores(histories);
        let [users, n] = scores.dims();
        let flat = scores.into_data().try_into_vec::<f32>().expect("f32 scores");
        (0..users).map(|u| flat[u * n..(u + 1) * n].to_vec()).collect()
    })
}

/// Runs `score(histories, index of the first)` over length-sorted batches and ranks each target.
fn evaluate_with(
    rec: &Recommender,
    cases: &[(Vec<u32>, u32)],
    mask_history: bool,
    batch: usize,
    mut score: impl FnMut(&[Vec<u32>], u64) -> Vec<Vec<f32>>,
) -> Metrics {
    let max_len = rec.model.config.max_len;
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| cases[i].0.len().min(max_len));
    let mut sums = MetricSums::default();
    for (chunk_no, chunk) in order.chunks(batch.max(1)).enumerate() {
        let histories: Vec<Vec<u32>> = chunk.iter().map(|&i| cases[i].0.clone()).collect();
        let first = (chunk_no * batch.max(1)) as u64;
        for (row, &i) in score(&histories, first).into_iter().zip(chunk) {
            let mut scores = row;
            if mask_history {
                mask_items(&mut scores, &cases[i].0);
            }
            sums.add_rank(rank_of(&scores, cases[i].1 as usize));
        }
    }
    sums.finish()
}
