//! Diffusion sequential recommender: "encode once, denoise cheaply" (see docs/ARCHITECTURE.md).
//! One model definition for the native trainer and the browser page; the backend is a runtime
//! burn `Device` (Flex CPU, native wgpu, or WebGPU in the browser).

pub mod bundle;
pub mod bundle_files;
pub mod config;
pub mod data;
pub mod denoiser;
pub mod diversity;
pub mod dropout;
pub mod encoder;
pub mod evaluate;
pub mod gelu;
pub mod map;
pub mod metrics;
pub mod model;
pub mod noise;
pub mod sampler;
pub mod schedule;
#[cfg(feature = "train")]
pub mod softmax_ce;
#[cfg(feature = "train")]
pub mod train;

pub use config::{DenoiserKind, ModelConfig, SamplingConfig};
pub use model::SeqDiff;
pub use sampler::{Generation, GenerationResult, Recommender};
pub use burn::tensor::Device;

/// Starts WebGPU (browser) once, asynchronously. A burn wgpu runtime cannot be re-initialised, so
/// callers keep the returned device for the page's lifetime.
#[cfg(feature = "webgpu")]
pub async fn webgpu_device() -> Result<Device, String> {
    Device::wgpu_options()
        .graphics_api(burn::backend::wgpu::WgpuBackend::WebGpu)
        .init_async()
        .await
        .map_err(|e| format!("{e:?}"))
}
