//! Computes the bundle's item map at export (ARCHITECTURE.md §5): PCA (nalgebra's symmetric eigen-
//! decomposition) and exact t-SNE — PCA-initialised and sequential, so the same weights always
//! give the same map. Exact t-SNE is O(N²) per iteration: a few seconds for ML-100K's 1,349 items;
//! beyond `TSNE_MAX_ITEMS` the t-SNE view falls back to the PCA coordinates.

use nalgebra::{DMatrix, SymmetricEigen};
use seqdiff_model::map::{ItemMap, l2_normalised};

/// Above this many items exact t-SNE (N² memory and time) is skipped.
pub const TSNE_MAX_ITEMS: usize = 6000;

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

/// Exact t-SNE (van der Maaten & Hinton 2008) of `rows` into 2-D, starting from `init`:
/// perplexity-calibrated Gaussian affinities, early exaggeration 12 for the first 250 iterations,
/// momentum 0.5 → 0.8, per-coordinate gains and the learning rate max(N / 48, 50) (Belkina et al.
/// 2019; scikit-learn's "auto").
pub fn tsne(rows: &[Vec<f32>], init: &[[f32; 2]], perplexity: f32, iterations: usize) -> Vec<[f32; 2]> {
    let n = rows.len();
    if n < 3 {
        return init.to_vec();
    }
    let p = affinities(rows, perplexity.min((n - 1) as f32 / 3.0));
    let mut y: Vec<[f64; 2]> = init.iter().map(|v| [v[0] as f64, v[1] as f64]).collect();
    let mut update = vec![[0.0f64; 2]; n];
    let mut gains = vec![[1.0f64; 2]; n];
    let mut num = vec![0.0f64; n * n];
    let mut grad = vec![[0.0f64; 2]; n];
    let learning_rate = (n as f64 / 48.0).max(50.0);
    for it in 0..iterations {
        let (exaggeration, momentum) = if it < 250 { (12.0, 0.5) } else { (1.0, 0.8) };
        let mut z = 0.0;
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (y[i][0] - y[j][0], y[i][1] - y[j][1]);
                let q = 1.0 / (1.0 + dx * dx + dy * dy);
                num[i * n + j] = q;
                num[j * n + i] = q;
                z += 2.0 * q;
            }
        }
        for i in 0..n {
            let mut g = [0.0f64; 2];
            for j in 0..n {
                if i == j {
                    continue;
                }
                let q = num[i * n + j];
                let m = (exaggeration * p[i * n + j] - q / z) * q;
                g[0] += m * (y[i][0] - y[j][0]);
                g[1] += m * (y[i][1] - y[j][1]);
            }
            grad[i] = [4.0 * g[0], 4.0 * g[1]];
        }
        for i in 0..n {
            for c in 0..2 {
                gains[i][c] = if (grad[i][c] > 0.0) != (update[i][c] > 0.0) {
                    gains[i][c] + 0.2
                } else {
                    (gains[i][c] * 0.8).max(0.01)
                };
                update[i][c] = momentum * update[i][c] - learning_rate * gains[i][c] * grad[i][c];
                y[i][c] += update[i][c];
            }
        }
        let mean = [y.iter().map(|v| v[0]).sum::<f64>() / n as f64, y.iter().map(|v| v[1]).sum::<f64>() / n as f64];
        for v in &mut y {
            v[0] -= mean[0];
            v[1] -= mean[1];
        }
    }
    y.iter().map(|v| [v[0] as f32, v[1] as f32]).collect()
}

/// Symmetric joint probabilities P (n×n, row-major), each row's Gaussian bandwidth found by
/// bisection so that its conditional distribution has the given perplexity.
fn affinities(rows: &[Vec<f32>], perplexity: f32) -> Vec<f64> {
    let n = rows.len();
    let target = (perplexity as f64).ln();
    let mut p = vec![0.0f64; n * n];
    let mut d2 = vec![0.0f64; n];
    for i in 0..n {
        for (j, d) in d2.iter_mut().enumerate() {
            *d = rows[i].iter().zip(&rows[j]).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
        }
        let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
        let row = &mut p[i * n..(i + 1) * n];
        for _ in 0..100 {
            let mut sum = 0.0;
            let mut weighted = 0.0;
            for j in 0..n {
                row[j] = if j == i { 0.0 } else { (-d2[j] * beta).exp() };
                sum += row[j];
                weighted += d2[j] * row[j];
            }
            let sum = sum.max(1e-300);
            let entropy = sum.ln() + beta * weighted / sum;
            let diff = entropy - target;
            if diff.abs() < 1e-5 {
                break;
            }
            if diff > 0.0 {
                lo = beta;
                beta = if hi.is_infinite() { beta * 2.0 } else { (beta + hi) / 2.0 };
            } else {
                hi = beta;
                beta = if lo.is_infinite() { beta / 2.0 } else { (beta + lo) / 2.0 };
            }
        }
        let sum: f64 = row.iter().sum::<f64>().max(1e-300);
        row.iter_mut().for_each(|v| *v /= sum);
    }
    let mut joint = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            joint[i * n + j] = ((p[i * n + j] + p[j * n + i]) / (2.0 * n as f64)).max(1e-12);
        }
    }
    joint
}

/// The map for item vectors `items` (row i = item i, row 0 = padding).
pub fn item_map(items: &[Vec<f32>], perplexity: f32, iterations: usize) -> ItemMap {
    let unit: Vec<Vec<f32>> = items.iter().skip(1).map(|v| l2_normalised(v)).collect();
    let fitted = pca(&unit);
    let pca_xy: Vec<[f32; 2]> = unit.iter().map(|v| fitted.project(v)).collect();
    let tsne_xy = if unit.len() <= TSNE_MAX_ITEMS {
        // The usual PCA initialisation: first two components, scaled to a small spread.
        let spread =
            (pca_xy.iter().map(|v| (v[0] * v[0]) as f64).sum::<f64>() / pca_xy.len().max(1) as f64).sqrt().max(1e-12);
        let init: Vec<[f32; 2]> = pca_xy
            .iter()
            .map(|v| [(v[0] as f64 / spread * 1e-4) as f32, (v[1] as f64 / spread * 1e-4) as f32])
            .collect();
        tsne(&unit, &init, perplexity, iterations)
    } else {
        pca_xy.clone()
    };
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
        let a = item_map(&items, 10.0, 400);
        let b = item_map(&items, 10.0, 400);
        assert_eq!(a, b, "same input, same map");
        let agreement = nearest_neighbour_agreement(&a.tsne[1..], &labels);
        assert!(agreement > 0.95, "nearest map neighbour in the same cluster for {agreement}");
        // The map really spreads out (not stuck at the tiny initialisation).
        let spread = a.tsne[1..].iter().map(|v| v[0].abs().max(v[1].abs())).fold(0.0, f32::max);
        assert!(spread > 1.0, "{spread}");
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
        let map = item_map(&items, 5.0, 10);
        for (i, r) in rows.iter().enumerate() {
            let [x, y] = map.pca_point(r);
            assert!((x - map.pca[i + 1][0]).abs() < 1e-5 && (y - map.pca[i + 1][1]).abs() < 1e-5);
        }
    }
}
