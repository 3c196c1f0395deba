//! Full-ranking HR@K / NDCG@K exactly as DiffuRec reports them (ARCHITECTURE.md §1).

use serde::{Deserialize, Serialize};

pub const CUTOFFS: [usize; 3] = [5, 10, 20];

/// 1-based rank of `target` among items 1..N of `scores` (index 0 = padding, never ranked).
/// Ties count against the target (pessimistic), so a constant model cannot look good.
pub fn rank_of(scores: &[f32], target: usize) -> usize {
    let s = scores[target];
    1 + scores.iter().enumerate().skip(1).filter(|&(item, &v)| item != target && v >= s).count()
}

/// The masked ranking (reported beside the unmasked one): history items can no longer be recommended (nor hit).
pub fn mask_items(scores: &mut [f32], items: &[u32]) {
    for &i in items {
        if let Some(s) = scores.get_mut(i as usize) {
            *s = f32::NEG_INFINITY;
        }
    }
}

/// Sums of HR and NDCG at each cutoff; `finish` turns them into averages ×100.
#[derive(Clone, Debug, Default)]
pub struct MetricSums {
    pub users: usize,
    hr: [f64; 3],
    ndcg: [f64; 3],
}

impl MetricSums {
    pub fn add_rank(&mut self, rank: usize) {
        self.users += 1;
        for (k, &cut) in CUTOFFS.iter().enumerate() {
            if rank <= cut {
                self.hr[k] += 1.0;
                self.ndcg[k] += 1.0 / ((rank as f64) + 1.0).log2();
            }
        }
    }

    /// Adds another set of sums (users evaluated elsewhere) into this one.
    pub fn merge(&mut self, other: &MetricSums) {
        self.users += other.users;
        for k in 0..CUTOFFS.len() {
            self.hr[k] += other.hr[k];
            self.ndcg[k] += other.ndcg[k];
        }
    }

    pub fn finish(&self) -> Metrics {
        let n = self.users.max(1) as f64;
        let pct = |v: f64| 100.0 * v / n;
        Metrics {
            hr5: pct(self.hr[0]),
            hr10: pct(self.hr[1]),
            hr20: pct(self.hr[2]),
            ndcg5: pct(self.ndcg[0]),
            ndcg10: pct(self.ndcg[1]),
            ndcg20: pct(self.ndcg[2]),
            users: self.users,
        }
    }
}

/// Averages over users, ×100. Serialised with the names the papers use (`"HR@10"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(rename = "HR@5")]
    pub hr5: f64,
    #[serde(rename = "HR@10")]
    pub hr10: f64,
    #[serde(rename = "HR@20")]
    pub hr20: f64,
    #[serde(rename = "NDCG@5")]
    pub ndcg5: f64,
    #[serde(rename = "NDCG@10")]
    pub ndcg10: f64,
    #[serde(rename = "NDCG@20")]
    pub ndcg20: f64,
    pub users: usize,
}

impl std::fmt::Display for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HR@5 {:.2}  HR@10 {:.2}  HR@20 {:.2}  NDCG@5 {:.2}  NDCG@10 {:.2}  NDCG@20 {:.2}  ({} users)",
            self.hr5, self.hr10, self.hr20, self.ndcg5, self.ndcg10, self.ndcg20, self.users
        )
    }
}

/// One ranking read twice: as is (the DiffuRec protocol) and with the user's history items removed.
/// JSON: the unmasked keys (`"HR@10"`, …) at the top level, the masked ones under `"masked"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    #[serde(flatten)]
    pub unmasked: Metrics,
    /// Absent in manifests written before both were reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked: Option<Metrics>,
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unmasked {}", self.unmasked)?;
        if let Some(m) = &self.masked {
            write!(f, "\n  masked {m}")?;
        }
        Ok(())
    }
}

/// Indices of the `k` highest scores among items 1..N, best first (ties: lower id first).
/// Masked items (score −∞) are left out.
pub fn top_k(scores: &[f32], k: usize) -> Vec<(u32, f32)> {
    let mut items: Vec<(u32, f32)> = scores
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, s)| **s > f32::NEG_INFINITY)
        .map(|(i, &s)| (i as u32, s))
        .collect();
    let k = k.min(items.len());
    if k == 0 {
        return Vec::new();
    }
    let cmp = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    items.select_nth_unstable_by(k - 1, cmp);
    items.truncate(k);
    items.sort_by(cmp);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_ignores_padding_and_counts_ties_against_target() {
        // index 0 is padding with a huge score: never ranked.
        let scores = [100.0, 0.1, 0.9, 0.5, 0.5];
        assert_eq!(rank_of(&scores, 2), 1);
        assert_eq!(rank_of(&scores, 3), 3); // 0.9 and the tied 0.5 beat it
        assert_eq!(rank_of(&scores, 1), 4);
        let mut masked = scores;
        mask_items(&mut masked, &[2, 3, 99]); // unknown ids are ignored
        assert_eq!(rank_of(&masked, 1), 2);
    }

    #[test]
    fn metrics_match_hand_computed_values() {
        let mut sums = MetricSums::default();
        for rank in [1, 3, 7, 15, 40] {
            sums.add_rank(rank);
        }
        let m = sums.finish();
        assert!((m.hr5 - 40.0).abs() < 1e-9);
        assert!((m.hr10 - 60.0).abs() < 1e-9);
        assert!((m.hr20 - 80.0).abs() < 1e-9);
        let d = |r: f64| 1.0 / (r + 1.0).log2();
        assert!((m.ndcg5 - 100.0 * (1.0 + 0.5) / 5.0).abs() < 1e-9);
        assert!((m.ndcg10 - 100.0 * (1.0 + 0.5 + d(7.0)) / 5.0).abs() < 1e-9);
        assert!((m.ndcg20 - 100.0 * (1.0 + 0.5 + d(7.0) + d(15.0)) / 5.0).abs() < 1e-9);
        assert_eq!(m.users, 5);
    }

    #[test]
    fn empty_metrics_are_zero_not_nan() {
        let m = MetricSums::default().finish();
        assert_eq!(m.hr10, 0.0);
        assert_eq!(m.users, 0);
    }

    #[test]
    fn metrics_serialise_with_paper_names() {
        let json = serde_json::to_value(Metrics { hr10: 1.5, ..Default::default() }).unwrap();
        assert_eq!(json["HR@10"], 1.5);
        assert!(json.get("NDCG@20").is_some());
    }

    #[test]
    fn top_k_orders_best_first_and_skips_padding() {
        let scores = [9.0, 0.1, 0.9, 0.5, 0.7];
        assert_eq!(top_k(&scores, 2), vec![(2, 0.9), (4, 0.7)]);
        let mut masked = scores;
        mask_items(&mut masked, &[2]);
        assert_eq!(top_k(&masked, 10).len(), 3);
        assert_eq!(top_k(&scores, 0), vec![]);
    }
}
