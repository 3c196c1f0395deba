//! Ways to make one encoder's top-10 lists more diverse without diffusion, the baselines the
//! diffusion sampler's accuracy–diversity trade is measured against (BENCHMARKS.md), and the
//! measures of a list that trade is read in. Host-side: they work on score rows already read back.

use rand::RngExt;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::metrics::top_k;

/// Softmax sampling without replacement at temperature τ (Gumbel-top-k): the `k` items with the
/// largest ln p_j / τ + G_j, G_j standard Gumbel, from a probability row `probs` (index 0 =
/// padding, never listed). τ → 0 is the argmax list; larger τ flattens the distribution.
pub fn gumbel_top_k(probs: &[f32], temperature: f64, k: usize, seed: u64) -> Vec<u32> {
    if temperature <= 0.0 {
        return top_k(probs, k).into_iter().map(|(i, _)| i).collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let perturbed: Vec<f32> = probs
        .iter()
        .enumerate()
        .map(|(j, &p)| {
            // Draw for every column so the stream does not depend on the row's zeros.
            let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            if j == 0 || p <= 0.0 { f32::NEG_INFINITY } else { ((p as f64).ln() / temperature - (-u.ln()).ln()) as f32 }
        })
        .collect();
    top_k(&perturbed, k).into_iter().map(|(i, _)| i).collect()
}

/// The top `k` by ln p_j − γ·ln(1 + count_j): the encoder's list with popular items pushed down
/// (γ = 0 is the encoder's own list). `counts[j]` is item j's training interactions.
pub fn popularity_penalised(probs: &[f32], counts: &[u32], gamma: f64, k: usize) -> Vec<u32> {
    let scores: Vec<f32> = probs
        .iter()
        .enumerate()
        .map(|(j, &p)| {
            let count = counts.get(j).copied().unwrap_or(0) as f64;
            if j == 0 || p <= 0.0 { f32::NEG_INFINITY } else { ((p as f64).ln() - gamma * count.ln_1p()) as f32 }
        })
        .collect();
    top_k(&scores, k).into_iter().map(|(i, _)| i).collect()
}

/// Maximal marginal relevance over the `candidates` best items of `probs`: picks, `k` times, the
/// item maximising λ·rel_j − (1 − λ)·max_{i picked} cos(v_i, v_j), rel_j = p_j / max p.
/// `unit_vectors[j]` is item j's vector scaled to unit length. λ = 1 is the plain top-k.
pub fn mmr(probs: &[f32], unit_vectors: &[Vec<f32>], lambda: f64, k: usize, candidates: usize) -> Vec<u32> {
    let pool = top_k(probs, candidates.max(k));
    let Some(&(_, best)) = pool.first() else {
        return Vec::new();
    };
    let rel = |p: f32| if best > 0.0 { (p / best) as f64 } else { 0.0 };
    let mut picked: Vec<u32> = Vec::with_capacity(k);
    // The largest similarity of each pool item to anything picked so far.
    let mut max_sim = vec![f64::NEG_INFINITY; pool.len()];
    let mut used = vec![false; pool.len()];
    while picked.len() < k.min(pool.len()) {
        let (choice, _) = pool
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, &(_, p))| {
                let penalty = if picked.is_empty() { 0.0 } else { max_sim[i] };
                (i, lambda * rel(p) - (1.0 - lambda) * penalty)
            })
            .fold((usize::MAX, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        used[choice] = true;
        let item = pool[choice].0;
        picked.push(item);
        for (i, &(other, _)) in pool.iter().enumerate() {
            max_sim[i] = max_sim[i].max(cosine(&unit_vectors[item as usize], &unit_vectors[other as usize]));
        }
    }
    picked
}

/// Mean pairwise cosine distance 1 − cos(v_i, v_j) over a list's pairs (0 for a list of one).
pub fn intra_list_diversity(list: &[u32], unit_vectors: &[Vec<f32>]) -> f64 {
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (a, &i) in list.iter().enumerate() {
        for &j in &list[a + 1..] {
            sum += 1.0 - cosine(&unit_vectors[i as usize], &unit_vectors[j as usize]);
            pairs += 1;
        }
    }
    if pairs == 0 { 0.0 } else { sum / pairs as f64 }
}

/// Rows scaled to unit length (a zero row stays zero).
pub fn unit_rows(rows: &[Vec<f32>]) -> Vec<Vec<f32>> {
    rows.iter()
        .map(|r| {
            let norm = r.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 { r.iter().map(|v| v / norm).collect() } else { r.clone() }
        })
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x * y) as f64).sum()
}

/// Accuracy and diversity of one way of making lists, summed over users, then averaged.
#[derive(Clone, Debug, Default)]
pub struct ListStats {
    users: usize,
    hits: f64,
    ndcg: f64,
    ild: f64,
    rank_sum: f64,
    listed: usize,
    covered: Vec<bool>,
}

/// `ListStats::finish`: HR@10 and NDCG@10 ×100 of the lists, coverage (% of the catalogue in any
/// list), novelty (mean popularity rank, 1 = most popular), intra-list diversity (mean pairwise
/// cosine distance).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListMeasures {
    pub hr10: f64,
    pub ndcg10: f64,
    pub coverage: f64,
    pub novelty: f64,
    pub ild: f64,
    pub users: usize,
}

/// HR@10 of a curve of list measures at diversity `x` (by `measure`), linear between the two points
/// around it (None outside the curve's range): how a baseline is read "at the same diversity".
pub fn hr10_at<'a>(
    points: impl IntoIterator<Item = &'a ListMeasures>,
    measure: impl Fn(&ListMeasures) -> f64,
    x: f64,
) -> Option<f64> {
    let mut sorted: Vec<(f64, f64)> = points.into_iter().map(|m| (measure(m), m.hr10)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    sorted.windows(2).find(|w| w[0].0 <= x && x <= w[1].0).map(|w| {
        let span = w[1].0 - w[0].0;
        if span <= 0.0 { w[0].1.max(w[1].1) } else { w[0].1 + (w[1].1 - w[0].1) * (x - w[0].0) / span }
    })
}

impl ListStats {
    pub fn new(num_items: usize) -> Self {
        ListStats { covered: vec![false; num_items + 1], ..Default::default() }
    }

    /// One user's list (best first) and target.
    pub fn add(&mut self, list: &[u32], target: u32, popularity_rank: &[u32], unit_vectors: &[Vec<f32>]) {
        self.users += 1;
        if let Some(pos) = list.iter().take(10).position(|&i| i == target) {
            self.hits += 1.0;
            self.ndcg += 1.0 / ((pos + 2) as f64).log2();
        }
        for &i in list {
            self.covered[i as usize] = true;
            self.rank_sum += popularity_rank.get(i as usize).copied().unwrap_or(0) as f64;
        }
        self.listed += list.len();
        self.ild += intra_list_diversity(list, unit_vectors);
    }

    pub fn merge(&mut self, other: &ListStats) {
        self.users += other.users;
        self.hits += other.hits;
        self.ndcg += other.ndcg;
        self.ild += other.ild;
        self.rank_sum += other.rank_sum;
        self.listed += other.listed;
        for (c, o) in self.covered.iter_mut().zip(&other.covered) {
            *c |= *o;
        }
    }

    pub fn finish(&self) -> ListMeasures {
        let users = self.users.max(1) as f64;
        let items = self.covered.len().saturating_sub(1).max(1) as f64;
        ListMeasures {
            hr10: 100.0 * self.hits / users,
            ndcg10: 100.0 * self.ndcg / users,
            coverage: 100.0 * self.covered.iter().skip(1).filter(|&&c| c).count() as f64 / items,
            novelty: self.rank_sum / self.listed.max(1) as f64,
            ild: self.ild / users,
            users: self.users,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probs() -> Vec<f32> {
        // Padding, then items 1..=6 with falling probability.
        vec![0.0, 0.4, 0.25, 0.15, 0.1, 0.06, 0.04]
    }

    #[test]
    fn gumbel_top_k_is_the_argmax_list_when_cold_and_follows_the_softmax_when_warm() {
        assert_eq!(gumbel_top_k(&probs(), 0.0, 3, 1), vec![1, 2, 3]);
        assert_eq!(gumbel_top_k(&probs(), 1e-4, 3, 1), vec![1, 2, 3]);
        // At τ = 1 the first item is drawn with probability p: item 1 about 40% of the time.
        let firsts = (0..4000).filter(|&s| gumbel_top_k(&probs(), 1.0, 1, s)[0] == 1).count();
        assert!((1450..1750).contains(&firsts), "item 1 first {firsts} times of 4000");
        // Hot: close to uniform over the six items.
        let hot = (0..4000).filter(|&s| gumbel_top_k(&probs(), 50.0, 1, s)[0] == 1).count();
        assert!((550..800).contains(&hot), "item 1 first {hot} times of 4000 at τ = 50");
        // Never the padding column, never a repeated item.
        let list = gumbel_top_k(&probs(), 3.0, 6, 9);
        let mut sorted = list.clone();
        sorted.sort();
        assert_eq!(sorted, vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn popularity_penalty_pushes_popular_items_down() {
        let p = vec![0.0, 0.4, 0.35, 0.25];
        let counts = vec![0, 1000, 10, 1];
        assert_eq!(popularity_penalised(&p, &counts, 0.0, 3), vec![1, 2, 3]);
        assert_eq!(popularity_penalised(&p, &counts, 0.5, 3), vec![3, 2, 1]);
    }

    #[test]
    fn mmr_trades_relevance_for_dissimilar_items() {
        // Items 1 and 2 point the same way, item 3 elsewhere.
        let vectors = unit_rows(&[vec![0.0, 0.0], vec![1.0, 0.0], vec![1.0, 0.01], vec![0.0, 1.0]]);
        let p = vec![0.0, 0.5, 0.3, 0.2];
        assert_eq!(mmr(&p, &vectors, 1.0, 3, 10), vec![1, 2, 3]);
        assert_eq!(mmr(&p, &vectors, 0.5, 2, 10), vec![1, 3]);
        assert!(intra_list_diversity(&[1, 3], &vectors) > intra_list_diversity(&[1, 2], &vectors));
        assert!((intra_list_diversity(&[1, 3], &vectors) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn list_measures_count_hits_ranks_and_coverage() {
        let vectors = unit_rows(&[vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0, 1.0], vec![-1.0, 0.0]]);
        let ranks = vec![0, 1, 2, 3, 4];
        let mut stats = ListStats::new(4);
        stats.add(&[2, 1], 1, &ranks, &vectors); // hit at position 2
        stats.add(&[3, 2], 4, &ranks, &vectors); // miss
        let m = stats.finish();
        assert!((m.hr10 - 50.0).abs() < 1e-9);
        assert!((m.ndcg10 - 50.0 / 3f64.log2()).abs() < 1e-9);
        assert!((m.coverage - 75.0).abs() < 1e-9);
        assert!((m.novelty - 2.0).abs() < 1e-9);
        let expected_ild = (1.0 + (1.0 - 0.5f64.sqrt())) / 2.0;
        assert!((m.ild - expected_ild).abs() < 1e-6, "{}", m.ild);
    }
}
