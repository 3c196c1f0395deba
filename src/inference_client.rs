//! The UI thread's side of the inference worker: requests go out, replies come back as futures.
//! What is known about WebGPU is mirrored here, so the runner can decide without asking the worker.

use std::cell::RefCell;

use gloo_worker::Spawnable;
use gloo_worker::oneshot::OneshotBridge;
use playground_state::backend_choice::{ComputeBackend, WebGpuStatus};
use seqdiff_model::{ModelConfig, SamplingConfig};

use inference_protocol::messages::{LoadedModel, Reply, Request, Timed};
use inference_protocol::worker::{InferenceWorker, WORKER_SCRIPT, WorkerCodec};

struct Client {
    bridge: OneshotBridge<InferenceWorker>,
    webgpu: WebGpuStatus,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

/// Starts the worker (its wasm downloads and compiles while the bundle downloads).
/// `on_failure` hears of errors the worker cannot report itself (its script or wasm failed to
/// download or compile): the browser raises them on the page's window, naming the worker's script.
pub fn spawn(on_failure: impl Fn(String) + 'static) {
    watch_worker_errors(on_failure);
    let bridge = InferenceWorker::spawner()
        .encoding::<WorkerCodec>()
        .with_loader(true)
        .as_module(true)
        .spawn(WORKER_SCRIPT);
    CLIENT.with(|c| {
        *c.borrow_mut() = Some(Client {
            bridge,
            webgpu: WebGpuStatus::Unknown,
        })
    });
}

fn watch_worker_errors(on_failure: impl Fn(String) + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let listener =
        Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            if event.filename().contains("inference-worker") {
                on_failure(format!(
                    "the inference worker could not start: {} ({})",
                    event.message(),
                    event.filename()
                ));
            }
        });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback("error", listener.as_ref().unchecked_ref());
    }
    // The page's lifetime.
    listener.forget();
}

async fn call(request: Request) -> Reply {
    // A fork per call: each gets its own reply, so requests may overlap (Auto's probe runs beside
    // the page's requests).
    let mut bridge = CLIENT
        .with(|c| c.borrow().as_ref().map(|c| c.bridge.fork()))
        .expect("the inference worker is spawned at start");
    bridge.run(request).await
}

fn unexpected(reply: Reply) -> String {
    format!("the inference worker sent an unexpected reply: {reply:?}")
}

/// Builds the model in the worker; its item vectors and repeat offset come back.
pub async fn load(config: ModelConfig, weights: Vec<u8>) -> Result<LoadedModel, String> {
    match call(Request::Load { config, weights }).await {
        Reply::Loaded(loaded) => loaded,
        other => Err(unexpected(other)),
    }
}

/// What is known about WebGPU (without starting it).
pub fn webgpu_status() -> WebGpuStatus {
    CLIENT.with(|c| {
        c.borrow()
            .as_ref()
            .map_or(WebGpuStatus::Unknown, |c| c.webgpu)
    })
}

fn set_webgpu_status(status: WebGpuStatus) {
    CLIENT.with(|c| {
        if let Some(c) = c.borrow_mut().as_mut() {
            c.webgpu = status;
        }
    });
}

/// Starts WebGPU in the worker (once; later calls get the first outcome).
pub async fn start_webgpu() -> Result<(), String> {
    let started = match call(Request::StartWebGpu).await {
        Reply::WebGpu(started) => started,
        other => Err(unexpected(other)),
    };
    set_webgpu_status(if started.is_ok() {
        WebGpuStatus::Available
    } else {
        WebGpuStatus::Unavailable
    });
    started
}

/// A WebGPU request failed: it is not used again on this page (a lost device does not recover).
pub fn drop_webgpu(why: &str) {
    set_webgpu_status(WebGpuStatus::Unavailable);
    let why = why.to_string();
    leptos::task::spawn_local(async move {
        call(Request::DropWebGpu { why }).await;
    });
}

/// One generation on `on`, with its trajectory, timed in the worker.
pub async fn generate(
    on: ComputeBackend,
    history: &[u32],
    sampling: &SamplingConfig,
) -> Result<Timed, String> {
    // Only the first WebGPU request asks for the start (it updates the mirrored status); later ones
    // go straight to generation, which reports a failed device itself.
    if on == ComputeBackend::WebGpu && webgpu_status() == WebGpuStatus::Unknown {
        start_webgpu().await?;
    }
    match call(Request::Generate {
        on: on.into(),
        history: history.to_vec(),
        sampling: sampling.clone(),
    })
    .await
    {
        Reply::Generated(result) => result,
        other => Err(unexpected(other)),
    }
}

/// Test hooks for the browser tests (`wasmBindings.…` from the console): the next WebGPU
/// generation fails as a lost device would; the worker panics.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn simulate_webgpu_loss() {
    leptos::task::spawn_local(async {
        call(Request::FailNextWebGpu).await;
    });
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn simulate_worker_panic(message: String) {
    leptos::task::spawn_local(async move {
        call(Request::Panic { message }).await;
    });
}

/// The worker's wasm memory in bytes, for the page benchmark's soak (`tests/page_bench.mjs`).
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn worker_memory_bytes() -> f64 {
    match call(Request::Memory).await {
        Reply::Memory(bytes) => bytes,
        _ => f64::NAN,
    }
}
