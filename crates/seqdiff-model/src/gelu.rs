//! GELU, x·Φ(x) = ½x(1 + erf(x/√2)), with a fast erf on the CPU backend (ARCHITECTURE.md §4).
//!
//! burn-flex evaluates erf with libm's scalar `erff` (≈20 ns an element): profiled natively, two
//! GELUs of 2×256 per denoising step were 62% of a guided generation. On a plain (not autodiff)
//! Flex tensor this module evaluates erf with a branch-free rational approximation that the
//! compiler vectorises (SIMD128 in the browser); every other tensor (autodiff for training,
//! WebGPU) keeps burn's own GELU. Both compute the same function: the approximation is within
//! 5e-7 of erf everywhere (a test checks it against libm), so GELU agrees to 2e-6.

use burn::tensor::Tensor;
use burn::tensor::activation::gelu as burn_gelu;

use crate::flex_values::edit_flex_values;

/// GELU of `x`, elementwise.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    edit_flex_values(x, |values| {
        for v in values {
            *v = gelu_f32(*v);
        }
    })
    .unwrap_or_else(burn_gelu)
}

/// ½x(1 + erf(x/√2)) for one value.
#[inline(always)]
pub fn gelu_f32(x: f32) -> f32 {
    0.5 * x * (1.0 + erf_f32(x * core::f32::consts::FRAC_1_SQRT_2))
}

/// erf(x) as an odd rational function of x on [−4, 4] (beyond it erf is ±1 in f32): degree-13
/// numerator over degree-8 denominator in x, the minimax fit used by Eigen and XLA for f32.
/// Branch-free, so a loop over it vectorises.
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_2e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.954_600_1e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_473_9e-2;
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn erf_is_within_5e_7_of_libm_everywhere() {
        let n = 400_000;
        let worst = (0..=n)
            .map(|i| -10.0 + 20.0 * i as f64 / n as f64)
            .map(|x| (erf_f32(x as f32) as f64 - libm::erf(x as f32 as f64)).abs())
            .fold(0.0, f64::max);
        assert!(worst < 5e-7, "max |erf error| {worst:e}");
        // The clamp holds for infinities (no NaN from ∞/∞), and erf stays odd.
        assert!((erf_f32(f32::INFINITY) - 1.0).abs() < 5e-7 && (erf_f32(f32::NEG_INFINITY) + 1.0).abs() < 5e-7);
        assert_eq!(erf_f32(0.0), 0.0);
        assert_eq!(erf_f32(-1.3), -erf_f32(1.3));
    }

    #[test]
    fn fast_gelu_matches_burns_gelu_on_every_layout() {
        let device = Device::flex();
        let values: Vec<f32> = (0..600).map(|i| (i as f32 - 300.0) / 37.0).collect();
        let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [20, 30]), &device);
        let expected = burn_gelu(x.clone()).into_data().try_to_vec::<f32>().unwrap();
        // Shared (x is still alive), unique, and a non-contiguous view (transposed, falls back).
        let shared = gelu(x.clone()).into_data().try_to_vec::<f32>().unwrap();
        let unique = gelu(Tensor::<2>::from_data(TensorData::new(values, [20, 30]), &device))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let view = gelu(x.clone().transpose()).transpose().into_data().try_to_vec::<f32>().unwrap();
        let sliced = gelu(x.clone().slice([5..10])).into_data().try_to_vec::<f32>().unwrap();
        for (i, e) in expected.iter().enumerate() {
            assert!(
                (shared[i] - e).abs() < 2e-6 && (unique[i] - e).abs() < 2e-6 && (view[i] - e).abs() < 2e-6,
                "at {i}"
            );
        }
        for (i, s) in sliced.iter().enumerate() {
            assert!((s - expected[150 + i]).abs() < 2e-6, "slice at {i}");
        }
        // The input was not modified through a shared buffer.
        assert_eq!(x.into_data().try_to_vec::<f32>().unwrap()[0], -300.0 / 37.0);
    }
}
