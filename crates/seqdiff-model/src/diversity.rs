//! What a sampling setting trades against accuracy: how much of the catalogue the top-10 lists
//! cover, how popular their items are, and how much two noise seeds agree.

use serde::{Deserialize, Serialize};

#[cfg(feature = "model")]
use crate::config::SamplingConfig;
#[cfg(feature = "model")]
use crate::metrics::top_k;
#[cfg(feature = "model")]
use crate::sampler::Recommender;

/// Items per list, as in HR@10.
pub const LIST: usize = 10;

/// Offset between the two seeds compared (far apart, so their noise streams never overlap).
#[cfg(feature = "model")]
const SECOND_SEED: u64 = 1_000_003;

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Diversity {
    /// Distinct items in any user's top-10, as % of the catalogue.
    pub coverage: f64,
    /// Mean popularity rank of the top-10 items (1 = most interacted with in training; higher = more novel).
    pub novelty: f64,
    /// Mean share (%) of a user's top-10 that a second noise seed also recommends (100 = the seed does not matter).
    pub seed_overlap: f64,
    pub users: usize,
}

#[cfg(feature = "model")]
/// Top-10 lists for `histories` (as scored, nothing masked) under `sampling`, one per user.
fn lists(rec: &Recommender, histories: &[Vec<u32>], sampling: &SamplingConfig, first: u64) -> Vec<Vec<u32>> {
    let k = sampling.clamped(rec.model.config.diffusion_steps).ensemble as u64;
    let s = SamplingConfig { seed: sampling.seed.wrapping_add(first * k), ..sampling.clone() };
    let scores = rec.generate(histories, &s, false).read().scores;
    scores.iter().map(|row| top_k(row, LIST).into_iter().map(|(item, _)| item).collect()).collect()
}

/// Coverage, novelty and seed agreement over `histories`; `popularity_rank[i]` is item i's rank.
#[cfg(feature = "model")]
pub fn diversity(
    rec: &Recommender,
    histories: &[Vec<u32>],
    sampling: &SamplingConfig,
    popularity_rank: &[u32],
    batch: usize,
) -> Diversity {
    let n = rec.model.config.num_items;
    let mut covered = vec![false; n + 1];
    let (mut rank_sum, mut listed, mut shared) = (0.0f64, 0usize, 0usize);
    let other = SamplingConfig { seed: sampling.seed.wrapping_add(SECOND_SEED), ..sampling.clone() };
    for (chunk_no, chunk) in histories.chunks(batch.max(1)).enumerate() {
        let first = (chunk_no * batch.max(1)) as u64;
        let (a, b) = (lists(rec, chunk, sampling, first), lists(rec, chunk, &other, first));
        for (list, again) in a.iter().zip(&b) {
            for &item in list {
                covered[item as usize] = true;
                rank_sum += popularity_rank.get(item as usize).copied().unwrap_or(0) as f64;
            }
            listed += list.len();
            shared += list.iter().filter(|i| again.contains(i)).count();
        }
    }
    Diversity {
        coverage: 100.0 * covered.iter().filter(|&&c| c).count() as f64 / n.max(1) as f64,
        novelty: rank_sum / listed.max(1) as f64,
        seed_overlap: 100.0 * shared as f64 / listed.max(1) as f64,
        users: histories.len(),
    }
}

/// 1-based popularity rank of each item by `counts` (index = item id; ties: lower id first).
pub fn popularity_ranks(counts: &[u32]) -> Vec<u32> {
    let mut order: Vec<usize> = (1..counts.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(counts[i]), i));
    let mut rank = vec![0u32; counts.len()];
    for (r, &item) in order.iter().enumerate() {
        rank[item] = r as u32 + 1;
    }
    rank
}

#[cfg(all(test, feature = "model"))]
mod tests {
    use super::*;
    use crate::{Device, ModelConfig, SeqDiff};

    #[test]
    fn popularity_ranks_order_by_count_then_id() {
        assert_eq!(popularity_ranks(&[0, 5, 9, 5, 1]), vec![0, 2, 1, 3, 4]);
    }

    #[test]
    fn deterministic_sampling_agrees_with_itself_and_noise_does_not() {
        let rec = Recommender::new(SeqDiff::new(&ModelConfig { dim: 16, ..ModelConfig::new(60) }, &Device::flex()));
        let histories: Vec<Vec<u32>> = (0..20u32).map(|u| vec![u % 60 + 1, (u * 7) % 60 + 1]).collect();
        let ranks: Vec<u32> = (0..=60).collect();
        // One step from pure noise with a random (untrained) denoiser: the seed decides much.
        let noisy = diversity(&rec, &histories, &SamplingConfig { steps: 1, ..Default::default() }, &ranks, 8);
        assert_eq!(noisy.users, 20);
        assert!(noisy.coverage > 10.0 && noisy.coverage <= 100.0, "{noisy:?}");
        assert!(noisy.novelty >= 1.0 && noisy.novelty <= 60.0, "{noisy:?}");
        assert!(noisy.seed_overlap < 100.0, "{noisy:?}");
        // The same seed gives the same lists (what makes seed_overlap a measure of the noise alone).
        let a = lists(&rec, &histories, &SamplingConfig::default(), 0);
        assert_eq!(a, lists(&rec, &histories, &SamplingConfig::default(), 0));
        assert!(a.iter().all(|l| l.len() == LIST));
    }
}
