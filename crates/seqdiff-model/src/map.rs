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
            return Err(format!(
                "map has {} / {} rows; the model has {} items",
                self.tsne.len(),
                self.pca.len(),
                num_items
            ));
        }
        if self.pca_mean.len() != dim || self.pca_axes.iter().any(|a| a.len() != dim) {
            return Err(format!("map PCA vectors are not {dim}-dimensional"));
        }
        let finite = self
            .tsne
            .iter()
            .chain(&self.pca)
            .flatten()
            .chain(&self.pca_mean)
            .chain(self.pca_axes.iter().flatten())
            .all(|v| v.is_finite());
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

/// a · b over their common length. The page places ≈60 points against every item per request with
/// this on the UI thread.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return dot_simd128(a, b);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    dot_lanes(a, b)
}

/// Eight running sums (lane k adds the products at positions ≡ k mod 8), then the lanes in order,
/// then the products past the last multiple of 8. The definition every `dot` computes bit for bit.
pub fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
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

/// `dot_lanes` with its eight sums in two f32x4 registers, written out: the UI module is built for
/// size (opt-level "z"), at which the compiler does not vectorise `dot_lanes` itself.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn dot_simd128(a: &[f32], b: &[f32]) -> f32 {
    use core::arch::wasm32::{f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, v128, v128_load};
    let whole = a.len() / 8 * 8;
    let (mut low, mut high) = (f32x4_splat(0.0), f32x4_splat(0.0));
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut i = 0;
    while i < whole {
        // SAFETY: i + 8 ≤ whole ≤ a.len() = b.len(), and v128_load accepts any alignment.
        unsafe {
            let load = |p: *const f32| v128_load(p as *const v128);
            low = f32x4_add(low, f32x4_mul(load(pa.add(i)), load(pb.add(i))));
            high = f32x4_add(high, f32x4_mul(load(pa.add(i + 4)), load(pb.add(i + 4))));
        }
        i += 8;
    }
    let tail: f32 = a[whole..].iter().zip(&b[whole..]).map(|(x, y)| x * y).sum();
    let lanes = [
        f32x4_extract_lane::<0>(low),
        f32x4_extract_lane::<1>(low),
        f32x4_extract_lane::<2>(low),
        f32x4_extract_lane::<3>(low),
        f32x4_extract_lane::<0>(high),
        f32x4_extract_lane::<1>(high),
        f32x4_extract_lane::<2>(high),
        f32x4_extract_lane::<3>(high),
    ];
    lanes.iter().sum::<f32>() + tail
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

/// The L2-normalised item vectors in one flat table, row i = item i (row 0, padding, is never
/// returned). The page looks up the nearest items of ≈60 points per request in it on the UI thread,
/// so a lookup keeps only its best k while it scans, instead of collecting and sorting every item.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitItems {
    dim: usize,
    rows: Vec<f32>,
}

impl UnitItems {
    /// From the item vectors (row i = item i), each L2-normalised.
    pub fn new(item_vectors: &[Vec<f32>]) -> Self {
        let dim = item_vectors.first().map_or(0, Vec::len);
        let rows = item_vectors
            .iter()
            .flat_map(|v| l2_normalised(v).into_iter().chain(std::iter::repeat(0.0)).take(dim))
            .collect();
        UnitItems { dim, rows }
    }

    /// The `k` items (padding and `skip`ped ones excluded) with the smallest `key(u · item)`, smallest
    /// first, ties by item index: the same items and order as sorting every item by (key, index).
    pub fn smallest(
        &self,
        u: &[f32],
        k: usize,
        skip: impl Fn(usize) -> bool,
        key: impl Fn(f32) -> f32,
    ) -> Vec<(f32, usize)> {
        let mut best: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
        if k == 0 || self.dim == 0 {
            return best;
        }
        for (i, row) in self.rows.chunks_exact(self.dim).enumerate().skip(1) {
            if skip(i) {
                continue;
            }
            keep_smallest(&mut best, k, key(dot(u, row)), i);
        }
        best
    }
}

/// Offers item `i` with key `value` to `best` (at most `k`, smallest first). Items come in index
/// order, so an equal key never displaces an earlier item.
fn keep_smallest(best: &mut Vec<(f32, usize)>, k: usize, value: f32, i: usize) {
    if best.len() == k && !value.total_cmp(&best[k - 1].0).is_lt() {
        return;
    }
    let at = best.partition_point(|b| b.0.total_cmp(&value).is_le());
    best.insert(at, (value, i));
    best.truncate(k);
}

impl UnitItems {
    /// `smallest` (nothing skipped) for every query at once, in one pass over the items: each item row
    /// is read once for all queries (the table is 3 MiB at 12,000 items). Placing a request's ≈ 60
    /// points this way took 14.9 ms on the page's UI thread against 23–26 ms a pass per point
    /// (BENCHMARKS.md).
    pub fn smallest_each(&self, queries: &[Vec<f32>], k: usize, key: impl Fn(f32) -> f32) -> Vec<Vec<(f32, usize)>> {
        let mut best: Vec<Vec<(f32, usize)>> = queries.iter().map(|_| Vec::with_capacity(k + 1)).collect();
        if k == 0 || self.dim == 0 {
            return best;
        }
        for (i, row) in self.rows.chunks_exact(self.dim).enumerate().skip(1) {
            for (u, best) in queries.iter().zip(best.iter_mut()) {
                keep_smallest(best, k, key(dot(u, row)), i);
            }
        }
        best
    }
}

/// Places `v` by the distance-weighted average (weights 1/distance) of the map coordinates of its
/// `k` nearest items by cosine distance. A point on an item lands exactly on it.
pub fn place(v: &[f32], items: &UnitItems, coords: &[[f32; 2]], k: usize) -> Placement {
    place_all(&[v], items, coords, k).pop().expect("one placement per vector")
}

/// `place` for every vector of `vs`, in one pass over the items.
pub fn place_all(vs: &[&[f32]], items: &UnitItems, coords: &[[f32; 2]], k: usize) -> Vec<Placement> {
    let units: Vec<Vec<f32>> = vs.iter().map(|v| l2_normalised(v)).collect();
    let nearest = items.smallest_each(&units, k.max(1), |similarity| (1.0 - similarity).max(0.0));
    nearest.iter().map(|near| placed(near, coords)).collect()
}

/// The placement given the nearest items (distance, index), nearest first.
fn placed(near: &[(f32, usize)], coords: &[[f32; 2]]) -> Placement {
    let Some(&(best_distance, best)) = near.first() else {
        return Placement { xy: [0.0, 0.0], nearest: 0, nearest_distance: 1.0 };
    };
    let xy = if best_distance < 1e-6 {
        coords[best]
    } else {
        let (mut x, mut y, mut total) = (0.0, 0.0, 0.0);
        for &(d, i) in near {
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

    fn items() -> (UnitItems, Vec<[f32; 2]>) {
        let raw = [vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0], vec![-1.0, 0.0]];
        (UnitItems::new(&raw), vec![[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [-10.0, 0.0]])
    }

    /// The definition `smallest` replaces: every item's key, sorted by (key, index).
    fn sorted_all(
        items: &[Vec<f32>],
        u: &[f32],
        k: usize,
        skip: impl Fn(usize) -> bool,
        key: impl Fn(f32) -> f32,
    ) -> Vec<(f32, usize)> {
        let mut all: Vec<(f32, usize)> = items
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(i, _)| !skip(*i))
            .map(|(i, v)| (key(dot(u, &l2_normalised(v))), i))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.truncate(k);
        all
    }

    #[test]
    fn smallest_equals_sorting_every_item_including_ties() {
        // 300 items in 8 dimensions, every fifth a copy of an earlier one (exact ties), one zero row.
        let mut raw: Vec<Vec<f32>> =
            (0..300).map(|i| (0..8).map(|j| ((i * 31 + j * 17) as f32 * 0.37).sin()).collect()).collect();
        for i in (5..300).step_by(5) {
            raw[i] = raw[i - 3].clone();
        }
        raw[7] = vec![0.0; 8];
        let items = UnitItems::new(&raw);
        let queries: Vec<Vec<f32>> = (0..20)
            .map(|q| l2_normalised(&(0..8).map(|j| ((q * 13 + j * 7) as f32 * 0.29).cos()).collect::<Vec<f32>>()))
            .collect();
        for k in [1, 8, 400] {
            let each = items.smallest_each(&queries, k, |s| (1.0 - s).max(0.0));
            for (u, got) in queries.iter().zip(&each) {
                assert_eq!(got, &items.smallest(u, k, |_| false, |s| (1.0 - s).max(0.0)), "k={k}");
            }
        }
        for q in 0..20 {
            let u = l2_normalised(&(0..8).map(|j| ((q * 13 + j * 7) as f32 * 0.29).cos()).collect::<Vec<f32>>());
            let distance = |s: f32| (1.0 - s).max(0.0);
            for k in [1, 2, 10, 299, 400] {
                assert_eq!(
                    items.smallest(&u, k, |_| false, distance),
                    sorted_all(&raw, &u, k, |_| false, distance),
                    "q={q} k={k}"
                );
                let skip = |i: usize| i % 3 == 0;
                assert_eq!(
                    items.smallest(&u, k, skip, |s| -s),
                    sorted_all(&raw, &u, k, skip, |s| -s),
                    "q={q} k={k}, by similarity"
                );
            }
            assert!(items.smallest(&u, 0, |_| false, distance).is_empty());
        }
    }

    #[test]
    fn dot_equals_the_plain_sum_for_every_length() {
        for n in 0..40 {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11 + 1.0).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() <= 1e-5, "n={n}: {} vs {plain}", dot(&a, &b));
            assert_eq!(dot(&a, &b).to_bits(), dot_lanes(&a, &b).to_bits());
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
