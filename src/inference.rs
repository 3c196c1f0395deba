//! The inference worker's protocol: one request in, one reply out (gloo-worker's oneshot worker, so
//! concurrent requests each get their own reply). The UI thread sends requests and renders replies;
//! the worker module (crates/inference-worker) registers the handler that runs them on its model.
//! Nothing here links the model, so the UI module carries no tensor library.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use gloo_worker::oneshot::oneshot;
use gloo_worker::{Bincode, Codec};
use playground_state::backend_choice::Runs;
use seqdiff_model::{GenerationResult, ModelConfig, SamplingConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// The worker's script (Trunk's loader for the `inference-worker` binary), relative to the page so
/// the site works from any sub-path.
pub const WORKER_SCRIPT: &str = "./inference-worker_loader.js";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    Cpu,
    WebGpu,
}

impl From<Runs> for Backend {
    fn from(on: Runs) -> Self {
        match on {
            Runs::Cpu => Backend::Cpu,
            Runs::WebGpu => Backend::WebGpu,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Build the CPU model from a bundle's manifest config and (hash-checked) weights.
    Load {
        config: ModelConfig,
        weights: Vec<u8>,
    },
    /// Start WebGPU (once; later calls get the first outcome).
    StartWebGpu,
    /// One generation with its trajectory, read back once.
    Generate {
        on: Backend,
        history: Vec<u32>,
        sampling: SamplingConfig,
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
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Loaded(Result<LoadedModel, String>),
    WebGpu(Result<(), String>),
    Generated(Result<Timed, String>),
    Memory(f64),
    Done,
}

/// What the worker module runs for each request.
pub type Handler = fn(Request) -> Pin<Box<dyn Future<Output = Reply>>>;

thread_local! {
    static HANDLER: Cell<Option<Handler>> = const { Cell::new(None) };
}

#[oneshot]
pub async fn InferenceWorker(request: Request) -> Reply {
    // Set by `register_worker` before the first message can arrive; the UI module only spawns.
    let handler = HANDLER
        .with(Cell::get)
        .expect("the inference worker registers its handler first");
    handler(request).await
}

/// In the worker module: runs `handler` for every request from the page.
pub fn register_worker(handler: Handler) {
    use gloo_worker::Registrable;
    HANDLER.with(|h| h.set(Some(handler)));
    InferenceWorker::registrar()
        .encoding::<WorkerCodec>()
        .register();
}

/// gloo-worker's bincode messages, plus one message that is not bincode: a panic in the worker posts
/// its text as a plain string (`worker_panic_hook`), and decoding it panics on the UI thread with
/// that text, so the page's error screen shows what happened instead of waiting forever.
pub struct WorkerCodec;

impl Codec for WorkerCodec {
    fn encode<I: Serialize>(input: I) -> JsValue {
        Bincode::encode(input)
    }

    fn decode<O: DeserializeOwned>(input: JsValue) -> O {
        if let Some(text) = input.as_string() {
            panic!("the inference worker stopped: {text}");
        }
        Bincode::decode(input)
    }
}

/// Installed by the worker: the usual console message, then the panic's text to the UI thread.
pub fn worker_panic_hook(info: &std::panic::PanicHookInfo) {
    use wasm_bindgen::JsCast;
    console_error_panic_hook::hook(info);
    if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        let _ = scope.post_message(&JsValue::from_str(&info.to_string()));
    }
}
