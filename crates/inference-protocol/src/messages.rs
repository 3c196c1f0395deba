//! The inference worker's messages: one request in, one reply out.

pub use playground_state::backend_choice::ComputeBackend;
use seqdiff_model::{GenerationResult, ModelConfig, SamplingConfig};
use serde::{Deserialize, Serialize};

/// Which of the worker's models a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slot {
    /// The model the page shows (loading one drops the compared model: it belonged to another page).
    Shown,
    /// Compare mode's second model, which answers beside it on the CPU.
    Compared,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Build the CPU model from a bundle's manifest config and (hash-checked) weights.
    Load {
        slot: Slot,
        config: ModelConfig,
        weights: Vec<u8>,
    },
    /// Start WebGPU (once; later calls get the first outcome).
    StartWebGpu,
    /// One generation with its trajectory, read back once. Its seeds are rows `first_seed_row ..` of
    /// the page's request (0 unless the page split the request's seeds over two workers).
    Generate {
        slot: Slot,
        on: ComputeBackend,
        history: Vec<u32>,
        sampling: SamplingConfig,
        first_seed_row: u64,
    },
    /// WebGPU failed: never use it again on this page.
    DropWebGpu {
        why: String,
    },
    /// The worker's wasm memory in bytes (the page benchmark's soak watches it for growth).
    Memory,
    /// Test hooks: the next WebGPU generation fails as a lost device would; the worker panics.
    FailNextWebGpu,
    Panic {
        message: String,
    },
}

/// What the page needs of the model besides recommendations.
#[derive(Debug, Serialize, Deserialize)]
pub struct LoadedModel {
    /// Row i = item i's vector (for the embedding map).
    pub item_vectors: Vec<Vec<f32>>,
    /// The learned repeat offset (None when the model has none).
    pub repeat_offset: Option<f32>,
}

/// A finished generation and its time in the worker (generation + the one readback).
#[derive(Debug, Serialize, Deserialize)]
pub struct Timed {
    pub result: GenerationResult,
    pub ms: f64,
    /// How many workers computed it (2 when its seeds were split between two).
    pub workers: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Loaded(Result<LoadedModel, String>),
    WebGpu(Result<(), String>),
    Generated(Result<Timed, String>),
    Memory(f64),
    Done,
}
