//! Full-ranking evaluation over every user of a split (ARCHITECTURE.md §1).

use crate::config::SamplingConfig;
use crate::data::Dataset;
use crate::metrics::{Evaluation, MetricSums, mask_items, rank_of};
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

/// HR/NDCG@{5,10,20} ×100, unmasked and with history items masked. Users are batched by history
/// length; user i (in length order) draws its noise from seed + i·K, so a run is deterministic
/// whatever the batch size.
pub fn evaluate(rec: &Recommender, cases: &[(Vec<u32>, u32)], sampling: &SamplingConfig, batch: usize) -> Evaluation {
    let k = sampling.clamped(rec.model.config.diffusion_steps).ensemble as u64;
    evaluate_with(rec, cases, batch, cpu_threads(), |histories, first| {
        let s = SamplingConfig { seed: sampling.seed.wrapping_add(first * k), ..sampling.clone() };
        rec.generate(histories, &s, false).read().scores
    })
}

/// The same protocol for the encoder alone (c·ẽᵀ, no diffusion): the SASRec-style reference point.
pub fn evaluate_encoder(rec: &Recommender, cases: &[(Vec<u32>, u32)], batch: usize) -> Evaluation {
    evaluate_with(rec, cases, batch, cpu_threads(), |histories, _| {
        let scores = rec.encoder_scores(histories);
        let [users, n] = scores.dims();
        let flat = scores.into_data().try_into_vec::<f32>().expect("f32 scores");
        (0..users).map(|u| flat[u * n..(u + 1) * n].to_vec()).collect()
    })
}

/// Threads for evaluation: the CPU's natively, one in the browser.
fn cpu_threads() -> usize {
    if cfg!(target_arch = "wasm32") { 1 } else { std::thread::available_parallelism().map_or(1, |n| n.get()) }
}

/// Runs `score(histories, index of the first)` over length-sorted batches and ranks each target,
/// once as scored and once with the user's history items removed.
/// The batches are shared round-robin among `threads` threads (each batch's noise is fixed by its
/// index, so the metrics do not depend on how many there are).
fn evaluate_with(
    rec: &Recommender,
    cases: &[(Vec<u32>, u32)],
    batch: usize,
    threads: usize,
    score: impl Fn(&[Vec<u32>], u64) -> Vec<Vec<f32>> + Sync,
) -> Evaluation {
    let max_len = rec.model.config.max_len;
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| cases[i].0.len().min(max_len));
    let chunks: Vec<&[usize]> = order.chunks(batch.max(1)).collect();
    let worker = |thread: usize, threads: usize| {
        let (mut unmasked, mut masked) = (MetricSums::default(), MetricSums::default());
        for (chunk_no, chunk) in chunks.iter().enumerate().skip(thread).step_by(threads) {
            let histories: Vec<Vec<u32>> = chunk.iter().map(|&i| cases[i].0.clone()).collect();
            let first = (chunk_no * batch.max(1)) as u64;
            for (row, &i) in score(&histories, first).into_iter().zip(chunk.iter()) {
                let mut scores = row;
                let target = cases[i].1 as usize;
                unmasked.add_rank(rank_of(&scores, target));
                mask_items(&mut scores, &cases[i].0);
                masked.add_rank(rank_of(&scores, target));
            }
        }
        (unmasked, masked)
    };
    let threads = threads.min(chunks.len()).max(1);
    let (mut unmasked, mut masked) = (MetricSums::default(), MetricSums::default());
    if threads == 1 {
        (unmasked, masked) = worker(0, 1);
    } else {
        let parts: Vec<(MetricSums, MetricSums)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|t| scope.spawn(move || worker(t, threads))).collect();
            handles.into_iter().map(|h| h.join().expect("evaluation thread panicked")).collect()
        });
        for (u, m) in &parts {
            unmasked.merge(u);
            masked.merge(m);
        }
    }
    Evaluation { unmasked: unmasked.finish(), masked: Some(masked.finish()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Device, ModelConfig, SeqDiff};

    #[test]
    fn metrics_do_not_depend_on_the_thread_count() {
        let rec = Recommender::new(SeqDiff::new(&ModelConfig { dim: 16, ..ModelConfig::new(30) }, &Device::flex()));
        let cases: Vec<(Vec<u32>, u32)> =
            (0..37u32).map(|u| ((1..=u % 9 + 1).map(|k| (u + k) % 30 + 1).collect(), u % 30 + 1)).collect();
        let sampling = SamplingConfig { steps: 3, guidance: 1.0, ..Default::default() };
        let run = |threads: usize| {
            evaluate_with(&rec, &cases, 4, threads, |histories, first| {
                let s = SamplingConfig { seed: first, ..sampling.clone() };
                rec.generate(histories, &s, false).read().scores
            })
        };
        let one = run(1).unmasked;
        assert_eq!(one.users, 37);
        for threads in [2, 3, 16] {
            let other = run(threads).unmasked;
            assert_eq!(other.users, one.users);
            for (a, b) in
                [(one.hr10, other.hr10), (one.ndcg10, other.ndcg10), (one.hr20, other.hr20), (one.ndcg20, other.ndcg20)]
            {
                assert!((a - b).abs() < 1e-9, "{threads} threads: {other} vs {one}");
            }
        }
    }
}
