//! What the page's two WebAssembly modules share. The UI module (the `diffrec-playground` package)
//! renders and never runs the model; the inference worker module (`crates/inference-worker`) owns
//! the model on the CPU and WebGPU. They talk through `messages`, carried by `worker`
//! (docs/ARCHITECTURE.md §6). Neither a UI framework nor a tensor library is linked here.

pub mod clock;
pub mod messages;
pub mod startup;
pub mod worker;
