//! The item map the page draws (ARCHITECTURE.md §5): 2-D coordinates per item, computed at export
//! (t-SNE and PCA of the L2-normalised item vectors, shipped as `map.json`), and the placement of
//! new points — x̂0 along the denoising trajectory — on those coordinates.

use serde::{Deserialize, Serialize};

/// `map.json` of a bundle. Row i of each coordinate list is item i (row 0, padding, is [0, 0]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemMap {
    pub tsne: Vec<[f32; 2]>,
    pub pca: Vec<[f32; 2]>,
    /// PCA of the L2-normalised item vectors: their mean [d] and two unit axes [2][d], so the page
    /// places any new vector exactly.
    pub pca_mean: Vec<f32>,
    pub pca_axes: [Vec<f32>; 2],
    /// exp(entropy) of the normalised singular values of the centred, L2-normalised item table:
    /// 1 = all items on one line (collapse), d = spread evenly over every dimension.
    pub effective_rank: f32,
    pub perplexity: f32,
    pub iterations: usize,
}

impl ItemMap {
    /// Rejects a map that does not fit the model, so a corrupt file is an error, not a panic.
    pub fn validate(&self, num_items: usize, dim: usize) -> Result<(), String> {
        if self.tsne.len() != num_items + 1 || self.pca.len() != num_items + 1 {
            return Err(format!("map has {} / {} rows; the model has {} items", self.tsne.len(), self.pca.len(), num_items));
        }
        if self.pca_mean.len() != dim || self.pca_axes.iter().any(|a| a.len() != dim) {
            return Err(format!("map PCA vectors are not {dim}-dimensional"));
        }
        let finite = self.tsne.iter().chain(&self.pca).flatten().chain(&self.pca_mean).chain(self.pca_axes.iter().flatten()).all(|v| v.is_finite());
        if !finite {
            return Err("map holds non-finite numbers".into());
        }
        Ok(())
    }

    /// The exact PCA position of any vector (it is L2-normalised first, like the items).
    pub fn pca_point(&self, v: &[f32]) -> [f32; 2] {
        let u = l2_normalised(v);
        let centred: Vec<f32> = u.iter().zip(&self.pca_mean).map(|(a, m)| a - m).collect();
        [dot(&centred, &self.pca_axes[0]), dot(&centred, &self.pca_axes[1])]
    }
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums, not one: float addition is not associative, so the compiler cannot turn a
    // single sum into SIMD lanes, but it does turn these into two f32x4 (wasm SIMD128). The page
    // places ≈60 points against every item per request with this on the UI thread.
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    let mut acc = [0.0f32; 8];
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// v / ‖v‖ (a zero vector stays zero).
pub fn l2_normalised(v: &[f32]) -> Vec<f32> {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 { v.iter().map(|x| x / norm).collect() } else { v.to_vec() }
}

/// Where a new point lands on a map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub xy: [f32; 2],
    pub nearest: u32,
    /// Cosine distance (1 − cos) to the nearest item: near 0 on an item, near 1 far from all.
    pub nearest_distance: f32,
}

/// Places `v` by the distance-weighted average (weights 1/distance) of the map coordinates of its
/// `k` nearest items by cosine distance. `unit_items` are the L2-normalised item vectors, row i =
/// item i; row 0 (padding) is skipped. A point on an item lands exactly on it.
pub fn place(v: &[f32], unit_items: &[Vec<f32>], coords: &[[f32; 2]], k: usize) -> Placement {
    let u = l2_normalised(v);
    let mut near: Vec<(f32, usize)> = unit_items.iter().enumerate().skip(1).map(|(i, item)| ((1.0 - dot(&u, item)).max(0.0), i)).collect();
    let k = k.clamp(1, near.len().max(1));
    if near.is_empty() {
        return Placement { xy: [0.0, 0.0], nearest: 0, nearest_distance: 1.0 };
    }
    near.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    near.truncate(k);
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (best_distance, best) = near[0];
    let xy = if best_distance < 1e-6 {
        coords[best]
    } else {
        let (mut x, mut y, mut total) = (0.0, 0.0, 0.0);
        for &(d, i) in &near {
            let w = 1.0 / d.max(1e-6);
            x += w * coords[i][0];
            y += w * coords[i][1];
            total += w;
        }
        [x / total, y / total]
    };
    Placement { xy, nearest: best as u32, nearest_distance: best_distance }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> (Vec<Vec<f32>>, Vec<[f32; 2]>) {
        let raw = [vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0], vec![-1.0, 0.0]];
        (raw.iter().map(|v| l2_normalised(v)).collect(), vec![[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [-10.0, 0.0]])
    }

    #[test]
    fn dot_equals_the_plain_sum_for_every_length() {
        for n in 0..40 {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11 + 1.0).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() <= 1e-5, "n={n}: {} vs {plain}", dot(&a, &b));
        }
    }

    #[test]
    fn a_point_on_an_item_lands_on_it() {
        let (unit, coords) = items();
        let p = place(&[3.0, 0.0], &unit, &coords, 2);
        assert_eq!(p, Placement { xy: [10.0, 0.0], nearest: 1, nearest_distance: 0.0 });
    }

    #[test]
    fn a_point_between_two_items_lands_between_them_nearer_the_closer() {
        let (unit, coords) = items();
        let p = place(&[1.0, 0.5], &unit, &coords, 2);
        assert_eq!(p.nearest, 1);
        assert!(p.xy[0] > 5.0 && p.xy[1] > 0.0 && p.xy[1] < 5.0, "{p:?}");
        assert!(p.nearest_distance > 0.0 && p.nearest_distance < 0.2);
        // k = 1 is the nearest item's position.
        assert_eq!(place(&[1.0, 0.5], &unit, &coords, 1).xy, [10.0, 0.0]);
    }

    #[test]
    fn pca_point_projects_after_normalising() {
        let map = ItemMap {
            tsne: vec![[0.0; 2]; 2],
            pca: vec![[0.0; 2]; 2],
            pca_mean: vec![0.0, 0.0],
            pca_axes: [vec![1.0, 0.0], vec![0.0, 1.0]],
            effective_rank: 2.0,
            perplexity: 30.0,
            iterations: 1,
        };
        assert_eq!(map.pca_point(&[3.0, 4.0]), [0.6, 0.8]);
        assert!(map.validate(1, 2).is_ok());
        assert!(map.validate(2, 2).is_err());
        let mut bad = map.clone();
        bad.pca[1] = [f32::NAN, 0.0];
        assert!(bad.validate(1, 2).is_err());
    }
}
