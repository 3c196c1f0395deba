//! What the page's two WebAssembly modules share. The UI module (`src/main.rs`) renders and never
//! runs the model; the inference worker module (`crates/inference-worker`) owns the model on the
//! CPU and WebGPU. They talk through `inference` (docs/ARCHITECTURE.md §6).

pub mod clock;
pub mod inference;
pub mod startup;
