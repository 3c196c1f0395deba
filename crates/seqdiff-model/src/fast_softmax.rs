//! Softmax over the last dimension with a fast exp on the CPU backend (ARCHITECTURE.md §4).
//!
//! The final scores of a request are a softmax over the whole catalogue for each of its K rows:
//! at 12,000 items burn-flex's softmax (libm's scalar `expf`, then separate max, sum and divide
//! passes) was ≈ 1.5 ms of a 16.6 ms K = 8 request in the worker's profile (BENCHMARKS.md). On a
//! plain (not autodiff) contiguous Flex tensor this module does it in place, eight lanes at a time
//! (`wide`, SIMD128 in the browser), with the exp the training loss already uses (within 1e-6 of
//! libm's); every other tensor (autodiff for training, WebGPU) keeps burn's softmax.

use burn::tensor::activation::softmax;
use burn::tensor::{Tensor, TensorData};
use wide::f32x8;

use crate::flex_values::edit_flex_values;

/// Softmax of `x` over its last dimension.
pub fn softmax_last<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let width = x.dims()[D - 1];
    if width == 0 {
        return x;
    }
    edit_flex_values(x, |values| {
        for row in values.chunks_exact_mut(width) {
            softmax_in_place(row);
        }
    })
    .unwrap_or_else(|x| softmax(x, D - 1))
}

/// A request's scores: the mean over its K rows of softmax(logits + bias), logits [U, K, N] and
/// the users' item bias [U, 1, N] → [U, N]. On a plain Flex tensor in one pass over the logits
/// (bias added, softmax, mean accumulated row by row): no [U, K, N] sum and no separate mean, which
/// at 12,000 items are two more passes and allocations of the largest tensors of a request.
pub fn mean_softmax_with_bias(logits: Tensor<3>, bias: &Tensor<3>) -> Tensor<2> {
    let [users, k, n] = logits.dims();
    let device = logits.device();
    let mut means = Vec::new();
    let edited = edit_flex_values(logits, |values| {
        // Flex (CPU) values: reading the bias back is synchronous.
        let Ok(bias) = bias.clone().into_data().try_into_vec::<f32>() else {
            return;
        };
        // A bias shared by all users ([1, 1, N]) and an empty tensor take burn's operations below.
        if bias.len() != users * n || values.is_empty() {
            return;
        }
        means = vec![0.0f32; users * n];
        for ((rows, bias), mean) in
            values.chunks_exact_mut(k * n).zip(bias.chunks_exact(n)).zip(means.chunks_exact_mut(n))
        {
            for row in rows.chunks_exact_mut(n) {
                for (v, b) in row.iter_mut().zip(bias) {
                    *v += b;
                }
                softmax_in_place(row);
                for (m, v) in mean.iter_mut().zip(row.iter()) {
                    *m += v;
                }
            }
            let scale = 1.0 / k as f32;
            mean.iter_mut().for_each(|m| *m *= scale);
        }
    });
    match edited {
        Ok(_) if !means.is_empty() => Tensor::from_data(TensorData::new(means, [users, n]), &device),
        Ok(logits) | Err(logits) => softmax_last(logits + bias.clone()).mean_dim(1).reshape([users, n]),
    }
}

/// exp(v − max v) / Σ exp(v − max v) over `row`, in place. −∞ entries (the padding item's) get
/// exactly 0; a row with no finite value becomes NaN, as in burn's softmax.
pub fn softmax_in_place(row: &mut [f32]) {
    let (_, sum) = exp_shifted_in_place(row);
    let (chunks, tail) = row.as_chunks_mut::<8>();
    let scale = f32x8::splat(1.0 / sum);
    for c in chunks.iter_mut() {
        *c = (f32x8::from(*c) * scale).to_array();
    }
    for v in tail.iter_mut() {
        *v /= sum;
    }
}

/// Replaces a row of logits by exp(logit − max) and returns (max, Σ exp). Eight lanes at a time
/// (`wide`'s exp): libm's scalar expf was a tenth of a training step and ≈ 1 ms of a 12,000-item
/// request. Shared with the training loss (`softmax_ce.rs`).
pub fn exp_shifted_in_place(row: &mut [f32]) -> (f32, f32) {
    let (chunks, tail) = row.as_chunks_mut::<8>();
    let mut lanes = f32x8::splat(f32::NEG_INFINITY);
    for c in chunks.iter() {
        lanes = lanes.max(f32x8::from(*c));
    }
    let max = lanes.to_array().into_iter().chain(tail.iter().copied()).fold(f32::NEG_INFINITY, f32::max);
    let shift = f32x8::splat(max);
    let mut sums = f32x8::ZERO;
    for c in chunks.iter_mut() {
        let e = (f32x8::from(*c) - shift).exp();
        sums += e;
        *c = e.to_array();
    }
    let mut sum = sums.reduce_add();
    for v in tail.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    (max, sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn vector_exp_matches_libm() {
        // 8-lane chunks and a scalar tail, values far below the max included.
        let row: Vec<f32> = (0..37).map(|i| (i as f32 * 1.37).sin() * 30.0 - (i % 5) as f32 * 9.0).collect();
        let mut shifted = row.clone();
        let (max, sum) = exp_shifted_in_place(&mut shifted);
        assert_eq!(max, row.iter().copied().fold(f32::NEG_INFINITY, f32::max));
        let exact: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
        for (a, b) in shifted.iter().zip(&exact) {
            assert!((a - b).abs() <= 1e-6 * b.max(1e-30) + 1e-37, "{a} vs {b}");
        }
        assert!((sum - exact.iter().sum::<f32>()).abs() < 1e-5 * sum);
    }

    #[test]
    fn fast_softmax_matches_burns_on_every_layout() {
        let device = Device::flex();
        // 3 rows of 21 (not a multiple of the lanes), a −∞ column as the padding item has, wide values.
        let mut values: Vec<f32> = (0..63).map(|i| ((i * 37 % 63) as f32 - 31.0) / 2.5).collect();
        values[0] = f32::NEG_INFINITY;
        values[21] = f32::NEG_INFINITY;
        let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [3, 21]), &device);
        let expected = softmax(x.clone(), 1).into_data().try_to_vec::<f32>().unwrap();
        let shared = softmax_last(x.clone()).into_data().try_to_vec::<f32>().unwrap();
        let unique = softmax_last(Tensor::<2>::from_data(TensorData::new(values.clone(), [3, 21]), &device))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        // A non-contiguous view falls back to burn's softmax.
        let view = softmax_last(x.clone().transpose()).transpose().into_data().try_to_vec::<f32>().unwrap();
        let view_expected = softmax(x.clone(), 0).into_data().try_to_vec::<f32>().unwrap();
        for (i, e) in expected.iter().enumerate() {
            assert!(
                (shared[i] - e).abs() <= 1e-6 * e.max(1e-3) && (unique[i] - e).abs() <= 1e-6 * e.max(1e-3),
                "at {i}"
            );
            assert!((view[i] - view_expected[i]).abs() < 1e-7, "view at {i}");
        }
        assert_eq!(shared[0], 0.0, "the padding column is exactly 0");
        for row in shared.chunks(21) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        // The input was not modified through a shared buffer.
        assert_eq!(x.into_data().try_to_vec::<f32>().unwrap(), values);
    }

    #[test]
    fn fused_scores_match_burns_operations() {
        let device = Device::flex();
        let (users, k, n) = (2, 3, 21);
        let logits: Vec<f32> = (0..users * k * n).map(|i| ((i * 29 % 61) as f32 - 30.0) / 3.0).collect();
        let logits = Tensor::<3>::from_data(TensorData::new(logits, [users, k, n]), &device);
        // As the sampler's: −∞ on the padding column, an offset on some items, the shared part a
        // broadcast (not contiguous) view.
        let padding = Tensor::<2>::from_data(
            TensorData::new((0..n).map(|j| if j == 0 { f32::NEG_INFINITY } else { 0.0 }).collect::<Vec<_>>(), [1, n]),
            &device,
        );
        let offsets: Vec<f32> = (0..users * n).map(|i| if i % 5 == 2 { -1.5 } else { 0.0 }).collect();
        let bias = (padding.expand([users, n]) + Tensor::<2>::from_data(TensorData::new(offsets, [users, n]), &device))
            .reshape([users, 1, n]);
        let expected = softmax(logits.clone() + bias.clone(), 2).mean_dim(1).reshape([users, n]);
        let expected = expected.into_data().try_to_vec::<f32>().unwrap();
        let fused = mean_softmax_with_bias(logits.clone(), &bias).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(fused.len(), users * n);
        for (i, (a, e)) in fused.iter().zip(&expected).enumerate() {
            assert!((a - e).abs() <= 1e-6 * e.max(1e-3), "at {i}: {a} vs {e}");
        }
        assert_eq!(fused[0], 0.0, "the padding column is exactly 0");
        // One bias shared by every user broadcasts as burn's sum does.
        let shared = bias.clone().slice([0..1, 0..1, 0..n]);
        let expected = softmax(logits.clone() + shared.clone(), 2).mean_dim(1).reshape([users, n]);
        let expected = expected.into_data().try_to_vec::<f32>().unwrap();
        let fused = mean_softmax_with_bias(logits, &shared).into_data().try_to_vec::<f32>().unwrap();
        for (i, (a, e)) in fused.iter().zip(&expected).enumerate() {
            assert!((a - e).abs() <= 1e-6 * e.max(1e-3), "shared bias at {i}: {a} vs {e}");
        }
        // A view that is not contiguous takes burn's operations, with the same result.
        let viewed = mean_softmax_with_bias(
            Tensor::<3>::from_data(TensorData::new(vec![0.5f32; users * k * n], [users, n, k]), &device)
                .swap_dims(1, 2),
            &bias,
        );
        let sums = viewed.sum_dim(1).into_data().try_to_vec::<f32>().unwrap();
        assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5), "{sums:?}");
    }

    #[test]
    fn a_row_without_a_finite_value_is_nan_as_in_burns() {
        let mut row = [f32::NEG_INFINITY; 10];
        softmax_in_place(&mut row);
        assert!(row.iter().all(|v| v.is_nan()));
    }
}
