//! Full-catalogue softmax cross-entropy whose [rows, N] logits never enter the autodiff graph.
//!
//! The logits' gradient is known in closed form (softmax − one-hot), so it is computed in one host
//! pass over the detached logits; the two matmuls of the backward pass (G·K and Gᵀ·Q) then run
//! outside autodiff, and a surrogate Σ Q⊙sg(G·K) + Σ K⊙sg(Gᵀ·Q) carries exactly those gradients into
//! the graph. Autodiff's version walked the [rows, N] tensor about eight times (sub, exp, sum, the
//! broadcast gradient, its product with exp, …), each pass allocating a fresh tensor of that size:
//! it was the largest cost of a training step (BENCHMARKS.md).

use burn::tensor::{Tensor, TensorData};
use wide::f32x8;

use crate::fast_softmax::exp_shifted_in_place;

/// The repeat offset of a loss: logit_rj += b for every column j in `seen[r]` (the items already in
/// row r's history, each listed once).
pub struct RepeatOffset<'a> {
    /// b, a [1] tensor (a model parameter: it gets its gradient).
    pub bias: Tensor<1>,
    pub seen: &'a [&'a [u32]],
}

/// Σ_r weight_r · (log Σ_j exp(ℓ_rj) − ℓ_r,target_r) with ℓ_rj = q_r·k_j (+ b if j ∈ seen_r) over
/// `queries` [rows, d] and `keys` [N, d]: a [1] tensor whose value is that loss and whose gradients
/// with respect to `queries`, `keys` (and b) are the loss's. Rows of weight 0 (padding) cost
/// nothing and get no gradient.
pub fn softmax_cross_entropy(
    queries: Tensor<2>,
    keys: Tensor<2>,
    targets: &[u32],
    weights: &[f32],
    repeat: Option<RepeatOffset>,
) -> Tensor<1> {
    let [rows, _] = queries.dims();
    let [n, _] = keys.dims();
    assert_eq!(targets.len(), rows, "one target per row");
    assert_eq!(weights.len(), rows, "one weight per row");
    if let Some(r) = &repeat {
        assert_eq!(r.seen.len(), rows, "one seen list per row");
    }
    let bias =
        repeat.as_ref().map(|r| r.bias.clone().inner().into_data().try_into_vec::<f32>().expect("f32 offset")[0]);
    let (q, k) = (queries.clone().inner(), keys.clone().inner());
    let logits = q.clone().matmul(k.clone().transpose());
    let mut grad = logits.into_data().try_into_vec::<f32>().expect("f32 logits");
    let mut loss = 0.0f64;
    // ∂loss/∂b = Σ_r Σ_{j ∈ seen_r} ∂loss/∂ℓ_rj.
    let mut grad_bias = 0.0f64;
    for (r, row) in grad.chunks_exact_mut(n).enumerate() {
        let (w, t) = (weights[r], targets[r] as usize);
        if w == 0.0 {
            row.fill(0.0);
            continue;
        }
        let seen = repeat.as_ref().map_or(&[][..], |rep| &rep.seen[r][..]);
        if let Some(b) = bias {
            seen.iter().for_each(|&j| row[j as usize] += b);
        }
        let target_logit = row[t];
        let (max, sum) = exp_shifted_in_place(row);
        loss += w as f64 * (sum.ln() + max - target_logit) as f64;
        let scale = f32x8::splat(w / sum);
        let (chunks, tail) = row.as_chunks_mut::<8>();
        for c in chunks {
            *c = (f32x8::from(*c) * scale).to_array();
        }
        for v in tail {
            *v *= w / sum;
        }
        row[t] -= w;
        grad_bias += seen.iter().map(|&j| row[j as usize] as f64).sum::<f64>();
    }
    let grad = Tensor::<2>::from_data(TensorData::new(grad, [rows, n]), &q.device());
    let grad_queries = grad.clone().matmul(k);
    let grad_keys = grad.transpose().matmul(q);
    let mut surrogate = (queries * grad_queries).sum() + (keys * grad_keys).sum();
    if let Some(r) = repeat {
        surrogate = surrogate + r.bias * grad_bias;
    }
    // Value = the loss; gradient = the surrogate's.
    surrogate.clone() - surrogate.detach() + loss
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::activation::log_softmax;
    use burn::tensor::{Device, Int};

    fn random(rows: usize, cols: usize, seed: u64, device: &Device) -> Tensor<2> {
        // A fixed pseudo-random pattern; no RNG needed.
        let v: Vec<f32> =
            (0..rows * cols).map(|i| (((i as u64 * 2654435761 + seed * 97) % 1000) as f32 / 250.0) - 2.0).collect();
        Tensor::from_data(TensorData::new(v, [rows, cols]), device)
    }

    fn reference(queries: Tensor<2>, keys: Tensor<2>, targets: &[u32], weights: &[f32]) -> Tensor<1> {
        let device = queries.device();
        let rows = targets.len();
        let logp = log_softmax(queries.matmul(keys.transpose()), 1);
        let idx = Tensor::<2, Int>::from_data(
            TensorData::new(targets.iter().map(|&t| t as i64).collect::<Vec<_>>(), [rows, 1]),
            &device,
        );
        let w = Tensor::<2>::from_data(TensorData::new(weights.to_vec(), [rows, 1]), &device);
        (logp.gather(1, idx) * w).sum().neg()
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().unwrap()
    }

    #[test]
    fn value_and_gradients_match_log_softmax() {
        let device = Device::flex().autodiff();
        let (rows, n, d) = (5, 7, 4);
        let targets = [3u32, 0, 6, 2, 2];
        let weights = [0.25f32, 0.25, 0.0, 0.25, 0.25];
        let run = |fused: bool| {
            let q = random(rows, d, 1, &device).require_grad();
            let k = random(n, d, 2, &device).require_grad();
            let loss = if fused {
                softmax_cross_entropy(q.clone(), k.clone(), &targets, &weights, None)
            } else {
                reference(q.clone(), k.clone(), &targets, &weights)
            };
            let value = loss.clone().into_scalar::<f32>();
            let grads = loss.backward();
            (value, values(q.grad(&grads).unwrap()), values(k.grad(&grads).unwrap()))
        };
        let (fused, reference) = (run(true), run(false));
        assert!((fused.0 - reference.0).abs() < 1e-5, "loss {} vs {}", fused.0, reference.0);
        for (a, b) in fused.1.iter().zip(&reference.1).chain(fused.2.iter().zip(&reference.2)) {
            assert!((a - b).abs() < 1e-5, "gradient {a} vs {b}");
        }
        // The weight-0 row gets no gradient.
        assert!(fused.1[2 * d..3 * d].iter().all(|&g| g == 0.0));
    }

    #[test]
    fn repeat_offset_value_and_gradients_match_log_softmax() {
        let device = Device::flex().autodiff();
        let (rows, n, d) = (4, 6, 3);
        let targets = [3u32, 0, 5, 2];
        let weights = [0.5f32, 0.0, 0.25, 0.25];
        // Row 3's target is in its own history (a repeat), the others' are not.
        let seen: Vec<&[u32]> = vec![&[0, 1], &[4], &[], &[2, 5]];
        let run = |fused: bool| {
            let q = random(rows, d, 3, &device).require_grad();
            let k = random(n, d, 4, &device).require_grad();
            let b = Tensor::<1>::from_data(TensorData::new(vec![-0.7f32], [1]), &device).require_grad();
            let loss = if fused {
                softmax_cross_entropy(
                    q.clone(),
                    k.clone(),
                    &targets,
                    &weights,
                    Some(RepeatOffset { bias: b.clone(), seen: &seen }),
                )
            } else {
                let mut mask = vec![0.0f32; rows * n];
                for (r, cols) in seen.iter().enumerate() {
                    cols.iter().for_each(|&j| mask[r * n + j as usize] = 1.0);
                }
                let mask = Tensor::<2>::from_data(TensorData::new(mask, [rows, n]), &device);
                let logits = q.clone().matmul(k.clone().transpose()) + mask * b.clone().reshape([1, 1]);
                let logp = log_softmax(logits, 1);
                let idx = Tensor::<2, Int>::from_data(
                    TensorData::new(targets.iter().map(|&t| t as i64).collect::<Vec<_>>(), [rows, 1]),
                    &device,
                );
                let w = Tensor::<2>::from_data(TensorData::new(weights.to_vec(), [rows, 1]), &device);
                (logp.gather(1, idx) * w).sum().neg()
            };
            let value = loss.clone().into_scalar::<f32>();
            let grads = loss.backward();
            let gb = b.grad(&grads).unwrap().into_data().try_into_vec::<f32>().unwrap()[0];
            (value, values(q.grad(&grads).unwrap()), values(k.grad(&grads).unwrap()), gb)
        };
        let (fused, reference) = (run(true), run(false));
        assert!((fused.0 - reference.0).abs() < 1e-5, "loss {} vs {}", fused.0, reference.0);
        assert!((fused.3 - reference.3).abs() < 1e-5, "offset gradient {} vs {}", fused.3, reference.3);
        assert!(fused.3.abs() > 1e-3, "the offset gets a gradient");
        for (a, b) in fused.1.iter().zip(&reference.1).chain(fused.2.iter().zip(&reference.2)) {
            assert!((a - b).abs() < 1e-5, "gradient {a} vs {b}");
        }
    }

    #[test]
    fn large_logits_do_not_overflow() {
        let device = Device::flex();
        let q = Tensor::<2>::from_data(TensorData::new(vec![100.0f32, 0.0], [1, 2]), &device);
        let k = Tensor::<2>::from_data(TensorData::new(vec![10.0f32, 0.0, 10.0, 0.0], [2, 2]), &device);
        let loss = softmax_cross_entropy(q, k, &[1], &[1.0], None).into_scalar::<f32>();
        assert!((loss - 2f32.ln()).abs() < 1e-4, "two equal logits of 1000: loss {loss}");
    }
}
