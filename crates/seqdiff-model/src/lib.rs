//! Diffusion sequential recommender: "encode once, denoise cheaply" (see DESIGN.md).
//! One model definition for the native trainer and the browser page; the backend is a runtime
//! burn `Device` (Flex CPU, native wgpu, or WebGPU in the browser).

pub mod bundle;
pub mod config;
pub mod data;
pub mod denoiser;
pub mod encoder;
pub mod evaluate;
pub mod metrics;
pub mod model;
pub mod noise;
pub mod sampler;
pub mod schedule;
#[cfg(feature = "train")]
pub mod train;

pub use config::{DenoiserKind, ModelConfig, SamplingConfig};
pub use model::SeqDiff;
pub use sampler::{Generation, GenerationResult, Recommender};
pub use burn::tensor::Device;
