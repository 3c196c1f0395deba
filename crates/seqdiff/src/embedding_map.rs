//! Computes the bundle's item map at export (ARCHITECTURE.md §5): PCA (nalgebra's symmetric eigen-
//! decomposition) and Barnes-Hut t-SNE (the `bhtsne` crate), PCA-initialised, so any catalogue
//! size gets a t-SNE map (≈ O(N log N) per iteration).

use nalgebra::{DMatrix, SymmetricEigen};
use seqdiff_model::map::{ItemMap, l2_normalised};

pub struct Pca {
    pub mean: Vec<f32>,
    pub axes: [Vec<f32>; 2],
    /// Eigenvalues of the covariance, largest first.
    pub variances: Vec<f64>,
}

/// PCA of `rows` (each of the same length). Axis signs are fixed (largest component positive).
pub fn pca(rows: &[Vec<f32>]) -> Pca {
    let (n, d) = (rows.len(), rows.first().map_or(0, Vec::len));
    let mut mean = vec![0.0f64; d];
    for r in rows {
        for (m, &v) in mean.iter_mut().zip(r) {
            *m += v as f64 / n as f64;
        }
    }
    let mut cov = DMatrix::<f64>::zeros(d, d);
    for r in rows {
        let c: Vec<f64> = r.iter().zip(&mean).map(|(&v, m)| v as f64 - m).collect();
        for i in 0..d {
            for j in 0..d {
                cov[(i, j)] += c[i] * c[j] / n as f64;
            }
        }
    }
    let eig = SymmetricEigen::new(cov);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let axis = |k: usize| -> Vec<f32> {
        let col: Vec<f64> = eig.eigenvectors.column(order[k]).iter().copied().collect();
        let biggest = col.iter().copied().fold(0.0f64, |a, b| if b.abs() > a.abs() { b } else { a });
        let sign = if biggest < 0.0 { -1.0 } else { 1.0 };
        col.iter().map(|v| (v * sign) as f32).collect()
    };
    Pca {
        mean: mean.iter().map(|&m| m as f32).collect(),
        axes: [axis(0), axis(1.min(d.saturating_sub(1)))],
        variances: order.iter().map(|&i| eig.eigenvalues[i].max(0.0)).collect(),
    }
}

impl Pca {
    pub fn project(&self, v: &[f32]) -> [f32; 2] {
        let c: Vec<f32> = v.iter().zip(&self.mean).map(|(a, m)| a - m).collect();
        let dot = |axis: &[f32]| c.iter().zip(axis).map(|(a, b)| a * b).sum::<f32>();
        [dot(&self.axes[0]), dot(&self.axes[1])]
    }

    /// Roy & Vetterli's effective rank: exp of the entropy of the normalised singular values.
    pub fn effective_rank(&self) -> f32 {
        let sv: Vec<f64> = self.variances.iter().map(|v| v.sqrt()).collect();
        let total: f64 = sv.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        let entropy: f64 = sv.iter().map(|s| s / total).filter(|&p| p > 0.0).map(|p| -p * p.ln()).sum();
        entropy.exp() as f32
    }
}

/// Barnes-Hut t-SNE (van der Maaten 2014, the `bhtsne` crate) of `rows` into 2-D,
/// starting from `init`: perplexity-calibrated affinities over the 3·perplexity nearest
/// neighbours, early exaggeration 12 for the first 250 iterations, momentum 0.5 → 0.8 and the
/// learning rate max(N / 48, 50). `progress` is called after each iteration with its number.
/// Fewer than 5 rows are returned as `init` (t-SNE needs a few neighbours per point).
pub fn tsne(
    rows: &[Vec<f32>],
    init: &[[f32; 2]],
    perplexity: f32,
    iterations: usize,
    mut progress: impl FnMut(usize) + Send,
) -> Vec<[f32; 2]> {
    let n = rows.len();
    if n < 5 || iterations == 0 {
        return init.to_vec();
    }
    let samples: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
    // The crate needs n − 1 ≥ 3·perplexity (that many neighbours per point).
    let perplexity = perplexity.min((n - 1) as f32 / 3.0).max(1.0);
    let start: Vec<f32> = init.iter().flatten().copied().collect();
    // One thread: the crate's parallel sums add in a timing-dependent order, and t-SNE amplifies
    // the last-bit differences, so only a sequential run gives the same map for the same weights.
    let sequential = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool");
    sequential.install(|| {
        let mut fit = bhtsne::tSNE::<f32, &[f32], 2>::new(&samples);
        fit.perplexity(perplexity)
            .epochs(iterations)
            .initial_embedding(start)
            .epoch_callback(move |epoch, _| progress(epoch + 1))
            // θ = 0.25 rather than the usual 0.5: on ML-100K it keeps 46.3% of each item's 10 nearest
            // neighbours against 45.4% at 0.5 (the exact map: 48.0%; BENCHMARKS.md), for 0.3 s more.
            .barnes_hut(0.25, |a, b| euclidean(a, b));
        fit.embedding().chunks(2).map(|p| [p[0], p[1]]).collect()
    })
}

fn euclidean(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>().sqrt()
}

/// Share of each point's `k` nearest neighbours in `rows` that are also among its `k` nearest on
/// the map `xy` (1 = every neighbourhood kept). Measured on at most `queries` points spread evenly
/// through the list, each against all points, so it costs O(queries · N · d).
pub fn neighbour_preservation(rows: &[Vec<f32>], xy: &[[f32; 2]], k: usize, queries: usize) -> f32 {
    let n = rows.len();
    if n <= k || queries == 0 {
        return 1.0;
    }
    let step = (n as f64 / queries.min(n) as f64).max(1.0);
    let chosen: Vec<usize> = (0..queries.min(n)).map(|q| (q as f64 * step) as usize).collect();
    let nearest = |i: usize, dist: &dyn Fn(usize) -> f32| -> Vec<usize> {
        let mut order: Vec<(f32, usize)> = (0..n).filter(|&j| j != i).map(|j| (dist(j), j)).collect();
        order.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut top: Vec<usize> = order[..k].iter().map(|&(_, j)| j).collect();
        top.sort_unstable();
        top
    };
    let kept: usize = chosen
        .iter()
        .map(|&i| {
            let high = nearest(i, &|j| euclidean(&rows[i], &rows[j]));
            let low = nearest(i, &|j| (xy[i][0] - xy[j][0]).powi(2) + (xy[i][1] - xy[j][1]).powi(2));
            high.iter().filter(|j| low.binary_search(j).is_ok()).count()
        })
        .sum();
    kept as f32 / (chosen.len() * k) as f32
}

/// The map for item vectors `items` (row i = item i, row 0 = padding).
/// `progress` is called after each t-SNE iteration with its number.
pub fn item_map(items: &[Vec<f32>], perplexity: f32, iterations: usize, progress: impl FnMut(usize) + Send) -> ItemMap {
    let unit: Vec<Vec<f32>> = items.iter().skip(1).map(|v| l2_normalised(v)).collect();
    let fitted = pca(&unit);
    let pca_xy: Vec<[f32; 2]> = unit.iter().map(|v| fitted.project(v)).collect();
    // The usual PCA initialisation: first two components, scaled to a small spread.
    let spread =
        (pca_xy.iter().map(|v| (v[0] * v[0]) as f64).sum::<f64>() / pca_xy.len().max(1) as f64).sqrt().max(1e-12);
    let init: Vec<[f32; 2]> =
        pca_xy.iter().map(|v| [(v[0] as f64 / spread * 1e-4) as f32, (v[1] as f64 / spread * 1e-4) as f32]).collect();
    let tsne_xy = tsne(&unit, &init, perplexity, iterations, progress);
    let with_padding = |xy: Vec<[f32; 2]>| std::iter::once([0.0, 0.0]).chain(xy).collect::<Vec<_>>();
    ItemMap {
        tsne: with_padding(tsne_xy),
        pca: with_padding(pca_xy),
        pca_mean: fitted.mean.clone(),
        pca_axes: fitted.axes.clone(),
        effective_rank: fitted.effective_rank(),
        perplexity,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    /// `clusters` well-separated Gaussian blobs of `size` points in `d` dimensions.
    fn blobs(clusters: usize, size: usize, d: usize) -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for c in 0..clusters {
            let centre: Vec<f32> = (0..d).map(|_| rng.random_range(-1.0f32..1.0)).collect();
            for _ in 0..size {
                rows.push(centre.iter().map(|m| m + rng.random_range(-0.1f32..0.1)).collect());
                labels.push(c);
            }
        }
        (rows, labels)
    }

    fn nearest_neighbour_agreement(xy: &[[f32; 2]], labels: &[usize]) -> f32 {
        let mut agree = 0;
        for i in 0..xy.len() {
            let nearest = (0..xy.len())
                .filter(|&j| j != i)
                .min_by(|&a, &b| {
                    let da = (xy[a][0] - xy[i][0]).powi(2) + (xy[a][1] - xy[i][1]).powi(2);
                    let db = (xy[b][0] - xy[i][0]).powi(2) + (xy[b][1] - xy[i][1]).powi(2);
                    da.total_cmp(&db)
                })
                .unwrap();
            agree += usize::from(labels[nearest] == labels[i]);
        }
        agree as f32 / xy.len() as f32
    }

    #[test]
    fn tsne_keeps_clusters_together_and_is_deterministic() {
        let (rows, labels) = blobs(4, 25, 16);
        let mut items = vec![vec![0.0; 16]];
        items.extend(rows);
        let a = item_map(&items, 10.0, 400, |_| {});
        let b = item_map(&items, 10.0, 400, |_| {});
        assert_eq!(a, b, "same input, same map");
        let agreement = nearest_neighbour_agreement(&a.tsne[1..], &labels);
        assert!(agreement > 0.95, "nearest map neighbour in the same cluster for {agreement}");
        // The map really spreads out (not stuck at the tiny initialisation).
        let spread = a.tsne[1..].iter().map(|v| v[0].abs().max(v[1].abs())).fold(0.0, f32::max);
        assert!(spread > 1.0, "{spread}");
    }

    #[test]
    fn neighbour_preservation_is_one_for_an_exact_copy_and_low_for_a_shuffle() {
        let (rows, _) = blobs(3, 40, 2);
        let copy: Vec<[f32; 2]> = rows.iter().map(|r| [r[0], r[1]]).collect();
        assert_eq!(neighbour_preservation(&rows, &copy, 10, 1000), 1.0);
        // Reversing the point order breaks most neighbourhoods (3 blobs of 40: chance ≈ 10/119).
        let shuffled: Vec<[f32; 2]> = copy.iter().rev().copied().collect();
        let p = neighbour_preservation(&rows, &shuffled, 10, 1000);
        assert!(p < 0.4, "{p}");
        // A sample of queries estimates the same thing.
        let sampled = neighbour_preservation(&rows, &copy, 10, 7);
        assert_eq!(sampled, 1.0);
    }

    #[test]
    fn a_larger_catalogue_gets_a_real_t_sne_map() {
        // 8 clusters of 1,000 items: beyond what the exact O(N²) map could afford.
        let (rows, labels) = blobs(8, 1000, 16);
        let mut items = vec![vec![0.0; 16]];
        items.extend(rows.clone());
        let mut calls = 0;
        let map = item_map(&items, 30.0, 1000, |_| calls += 1);
        assert_eq!(calls, 1000, "progress after every iteration");
        let tsne = &map.tsne[1..];
        assert_ne!(tsne, &map.pca[1..], "not the PCA fallback");
        // Every 10th item, so each cluster is in the sample.
        let sample: Vec<usize> = (0..tsne.len()).step_by(10).collect();
        let xy: Vec<[f32; 2]> = sample.iter().map(|&i| tsne[i]).collect();
        let sample_labels: Vec<usize> = sample.iter().map(|&i| labels[i]).collect();
        let agreement = nearest_neighbour_agreement(&xy, &sample_labels);
        assert!(agreement > 0.95, "{agreement}");
    }

    #[test]
    fn t_sne_keeps_the_neighbourhoods_of_a_flat_sheet() {
        // 3,000 points on a 2-D sheet inside 16-D: each point's nearest neighbours are recoverable.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let basis: Vec<[f32; 2]> =
            (0..16).map(|_| [rng.random_range(-1.0f32..1.0), rng.random_range(-1.0f32..1.0)]).collect();
        let rows: Vec<Vec<f32>> = (0..3000)
            .map(|_| {
                let (u, v) = (rng.random_range(0.0f32..1.0), rng.random_range(0.0f32..1.0));
                basis.iter().map(|b| b[0] * u + b[1] * v).collect()
            })
            .collect();
        let init: Vec<[f32; 2]> = rows.iter().map(|r| [r[0] * 1e-4, r[1] * 1e-4]).collect();
        let xy = tsne(&rows, &init, 30.0, 500, |_| {});
        let kept = neighbour_preservation(&rows, &xy, 10, 300);
        assert!(kept > 0.5, "{kept}");
    }

    #[test]
    fn pca_recovers_the_dominant_direction_and_effective_rank_detects_collapse() {
        // Points on a line along (1, 1, 0)/√2 plus a little noise on the other axes.
        let rows: Vec<Vec<f32>> = (0..50)
            .map(|i| {
                let t = i as f32 / 10.0 - 2.5;
                vec![t + 0.01 * (i % 3) as f32, t, 0.01 * (i % 5) as f32]
            })
            .collect();
        let p = pca(&rows);
        assert!((p.axes[0][0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01, "{:?}", p.axes[0]);
        assert!((p.axes[0][1] - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01);
        assert!(p.effective_rank() < 1.3, "collapsed onto a line: {}", p.effective_rank());
        let (spread, _) = blobs(1, 200, 8);
        let iso = pca(&spread).effective_rank();
        assert!(iso > 6.0, "isotropic noise uses every dimension: {iso}");
        // PCA coordinates of the map match the exact projection of the normalised vectors.
        let mut items = vec![vec![0.0; 3]];
        items.extend(rows.clone());
        let map = item_map(&items, 5.0, 10, |_| {});
        for (i, r) in rows.iter().enumerate() {
            let [x, y] = map.pca_point(r);
            assert!((x - map.pca[i + 1][0]).abs() < 1e-5 && (y - map.pca[i + 1][1]).abs() < 1e-5);
        }
    }
}
