//! The model crate compiled for wasm32 and run in headless Chromium: one generation on the CPU
//! (Flex) backend and one on WebGPU, agreeing numerically.
#![cfg(target_arch = "wasm32")]

use seqdiff_model::bundle::{model_from_bytes, weights_to_bytes};
use seqdiff_model::config::{ModelConfig, SamplingConfig};
use seqdiff_model::{Device, Recommender, SeqDiff};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The shipped kind of model: dot scoring and a repeat offset (a synchronous readback of the
/// offset once panicked the page on WebGPU; this test builds a WebGPU recommender with one).
fn config() -> ModelConfig {
    ModelConfig {
        dim: 16,
        denoiser_hidden: 32,
        dropout: 0.0,
        scoring: seqdiff_model::config::Scoring::Dot,
        repeat_offset: true,
        ..ModelConfig::new(50)
    }
}

fn sampling() -> SamplingConfig {
    SamplingConfig { guidance: 1.5, steps: 8, eta: 0.5, ensemble: 3, seed: 5, start: 1.0 }
}

#[wasm_bindgen_test]
async fn cpu_backend_generates_in_the_browser() {
    let device = Device::flex();
    device.seed(1);
    let rec = Recommender::new(SeqDiff::new(&config(), &device));
    let r = rec.generate(&[vec![1, 2, 3, 4]], &sampling(), true).read_async().await.unwrap();
    assert_eq!(r.trajectory.len(), 8);
    let total: f32 = r.scores[0].iter().sum();
    assert!((total - 1.0).abs() < 1e-4, "{total}");
}

#[wasm_bindgen_test]
async fn webgpu_agrees_with_cpu() {
    let device = Device::flex();
    device.seed(2);
    let cpu_model = SeqDiff::new(&config(), &device);
    let bytes = weights_to_bytes(&cpu_model).unwrap();
    let cpu = Recommender::new(cpu_model).generate(&[vec![7, 3, 9]], &sampling(), true).read_async().await.unwrap();

    let gpu_device = Device::wgpu_options()
        .graphics_api(burn::backend::wgpu::WgpuBackend::WebGpu)
        .init_async()
        .await
        .expect("WebGPU adapter (Chromium runs with --enable-unsafe-webgpu)");
    let gpu_model = model_from_bytes(&config(), bytes, &gpu_device).unwrap();
    let gpu = Recommender::new(gpu_model).generate(&[vec![7, 3, 9]], &sampling(), true).read_async().await.unwrap();
    let diff = cpu.scores[0].iter().zip(&gpu.scores[0]).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(diff < 1e-4, "max |cpu - webgpu| = {diff}");
    let dx = cpu
        .final_x0
        .iter()
        .flatten()
        .zip(gpu.final_x0.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(dx < 1e-3, "x0 differs by {dx}");
}

/// The page's `dot` in wasm is written with SIMD128 intrinsics; it must equal its portable
/// definition bit for bit at every length (whole groups of eight and the tail).
#[wasm_bindgen_test]
fn simd_dot_equals_its_definition_bit_for_bit() {
    use seqdiff_model::map::{dot, dot_lanes};
    for n in 0..70 {
        let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin() * 3.0).collect();
        let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11 + 1.0).cos()).collect();
        assert_eq!(dot(&a, &b).to_bits(), dot_lanes(&a, &b).to_bits(), "n={n}");
        // Unequal lengths: the common prefix.
        assert_eq!(dot(&a, &b[..n / 2]).to_bits(), dot_lanes(&a[..n / 2], &b[..n / 2]).to_bits(), "n={n}, halved");
    }
}
