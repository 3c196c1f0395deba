//! Diffusion sequential recommender: "encode once, denoise cheaply" (see docs/ARCHITECTURE.md).
//! One model definition for the native trainer and the browser page; the backend is a runtime
//! burn `Device` (Flex CPU, native wgpu, or WebGPU in the browser).

pub mod bundle;
pub mod bundle_files;
pub mod chart;
pub mod config;
pub mod data;
#[cfg(feature = "model")]
pub mod denoiser;
pub mod diversity;
#[cfg(feature = "model")]
pub mod dropout;
#[cfg(feature = "model")]
pub mod encoder;
#[cfg(feature = "model")]
pub mod evaluate;
#[cfg(feature = "model")]
pub mod fast_softmax;
#[cfg(feature = "model")]
pub mod flex_values;
#[cfg(feature = "model")]
pub mod gelu;
pub mod generation;
pub mod map;
pub mod metrics;
#[cfg(feature = "model")]
pub mod model;
pub mod noise;
pub mod plain_sampling;
#[cfg(feature = "model")]
pub mod sampler;
pub mod schedule;
#[cfg(feature = "train")]
pub mod softmax_ce;
#[cfg(feature = "train")]
pub mod train;

#[cfg(feature = "model")]
pub use burn::tensor::Device;
pub use config::{DenoiserKind, ModelConfig, SamplingConfig};
pub use generation::GenerationResult;
#[cfg(feature = "model")]
pub use model::SeqDiff;
#[cfg(feature = "model")]
pub use sampler::{Encoding, Generation, Recommender};

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
