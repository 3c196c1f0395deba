//! The UI thread's side of inference, as one object provided through Leptos context: the bridge
//! to the inference worker (requests go out, replies come back as futures), what is known about
//! WebGPU (mirrored here, so the runner decides without asking the worker) and the latest-only
//! gate of the page's requests (`runner.rs`).

use gloo_worker::Spawnable;
use gloo_worker::oneshot::OneshotBridge;
use leptos::prelude::*;
use playground_state::backend_choice::{ComputeBackend, WebGpuStatus};
use playground_state::{LatestOnly, PageState};
use seqdiff_model::{ModelConfig, SamplingConfig};

use inference_protocol::messages::{LoadedModel, Reply, Request, Slot, Timed};
use inference_protocol::worker::{InferenceWorker, WORKER_SCRIPT, WorkerCodec};

/// Copyable handle (arena-stored values, alive as long as the app): closures, tasks and the test
/// hooks each hold one.
#[derive(Clone, Copy)]
pub struct Inference {
    bridge: StoredValue<OneshotBridge<InferenceWorker>, LocalStorage>,
    webgpu: StoredValue<WebGpuStatus>,
    pub(crate) gate: StoredValue<LatestOnly<PageState>>,
}

impl Inference {
    /// Starts the worker (its wasm downloads and compiles while the bundle downloads).
    /// `on_failure` hears of errors the worker cannot report itself (its script or wasm failed to
    /// download or compile): the browser raises them on the page's window, naming the worker's script.
    pub fn spawn(on_failure: impl Fn(String) + 'static) -> Self {
        watch_worker_errors(on_failure);
        let bridge =
            InferenceWorker::spawner().encoding::<WorkerCodec>().with_loader(true).as_module(true).spawn(WORKER_SCRIPT);
        Inference {
            bridge: StoredValue::new_local(bridge),
            webgpu: StoredValue::new(WebGpuStatus::Unknown),
            gate: StoredValue::new(LatestOnly::default()),
        }
    }

    async fn call(self, request: Request) -> Reply {
        // A fork per call: each gets its own reply, so requests may overlap (Auto's probe runs
        // beside the page's requests).
        let mut bridge = self.bridge.with_value(OneshotBridge::fork);
        bridge.run(request).await
    }

    /// Builds the model in the worker (in `slot`); its item vectors and repeat offset come back.
    pub async fn load(self, slot: Slot, config: ModelConfig, weights: Vec<u8>) -> Result<LoadedModel, String> {
        match self.call(Request::Load { slot, config, weights }).await {
            Reply::Loaded(loaded) => loaded,
            other => Err(unexpected(other)),
        }
    }

    /// What is known about WebGPU (without starting it).
    pub fn webgpu_status(self) -> WebGpuStatus {
        self.webgpu.get_value()
    }

    /// The one way WebGPU starts: start it in the worker (once; later calls get the first
    /// outcome), then one untimed generation of `history` that compiles every kernel, so that no
    /// timed or shown request pays for it. `phase` hears each stage, or why it failed.
    pub async fn start_and_warm_webgpu(
        self,
        history: &[u32],
        sampling: &SamplingConfig,
        phase: RwSignal<String>,
    ) -> Result<(), WebGpuFailure> {
        phase.set("starting WebGPU…".into());
        let started = match self.call(Request::StartWebGpu).await {
            Reply::WebGpu(started) => started,
            other => Err(unexpected(other)),
        };
        if let Err(why) = started {
            self.webgpu.set_value(WebGpuStatus::Unavailable);
            phase.set(format!("unavailable: {why}"));
            return Err(WebGpuFailure::Unavailable(why));
        }
        self.webgpu.set_value(WebGpuStatus::Available);
        phase.set("compiling kernels…".into());
        if let Err(why) = self.generate(ComputeBackend::WebGpu, history, sampling).await {
            self.drop_webgpu(&why);
            phase.set(format!("failed: {why}"));
            return Err(WebGpuFailure::Failed(why));
        }
        phase.set("ready".into());
        Ok(())
    }

    /// A WebGPU request failed: it is not used again on this page (a lost device does not recover).
    pub fn drop_webgpu(self, why: &str) {
        self.webgpu.set_value(WebGpuStatus::Unavailable);
        let why = why.to_string();
        leptos::task::spawn_local(async move {
            self.call(Request::DropWebGpu { why }).await;
        });
    }

    /// One generation of the shown model on `on`, with its trajectory, timed in the worker.
    pub async fn generate(
        self,
        on: ComputeBackend,
        history: &[u32],
        sampling: &SamplingConfig,
    ) -> Result<Timed, String> {
        self.generate_in(Slot::Shown, on, history, sampling).await
    }

    /// One generation of the model in `slot`.
    pub async fn generate_in(
        self,
        slot: Slot,
        on: ComputeBackend,
        history: &[u32],
        sampling: &SamplingConfig,
    ) -> Result<Timed, String> {
        let request = Request::Generate { slot, on, history: history.to_vec(), sampling: sampling.clone() };
        match self.call(request).await {
            Reply::Generated(result) => result,
            other => Err(unexpected(other)),
        }
    }

    /// Test hook: the next WebGPU generation fails as a lost device would.
    pub fn fail_next_webgpu(self) {
        leptos::task::spawn_local(async move {
            self.call(Request::FailNextWebGpu).await;
        });
    }

    /// Test hook: the worker panics with `message`.
    pub fn panic_worker(self, message: String) {
        leptos::task::spawn_local(async move {
            self.call(Request::Panic { message }).await;
        });
    }

    /// The worker's wasm memory in bytes (the page benchmark's soak watches it).
    pub async fn worker_memory_bytes(self) -> f64 {
        match self.call(Request::Memory).await {
            Reply::Memory(bytes) => bytes,
            _ => f64::NAN,
        }
    }
}

/// Why WebGPU is not used.
#[derive(Clone, Debug, PartialEq)]
pub enum WebGpuFailure {
    /// It could not start (no adapter, no WebGPU in this browser).
    Unavailable(String),
    /// It started, then a generation failed (e.g. a lost device).
    Failed(String),
}

impl WebGpuFailure {
    /// The notice the page shows.
    pub fn notice(&self) -> String {
        match self {
            WebGpuFailure::Unavailable(why) => {
                format!("WebGPU is not available here ({why}); using the CPU backend instead.")
            }
            WebGpuFailure::Failed(why) => {
                format!("WebGPU failed ({why}); this and later requests run on the CPU.")
            }
        }
    }

    /// Auto's verdict note.
    pub fn auto_note(&self) -> String {
        match self {
            WebGpuFailure::Unavailable(why) => format!("WebGPU unavailable: {why}"),
            WebGpuFailure::Failed(why) => format!("WebGPU failed: {why}"),
        }
    }
}

fn unexpected(reply: Reply) -> String {
    format!("the inference worker sent an unexpected reply: {reply:?}")
}

fn watch_worker_errors(on_failure: impl Fn(String) + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let listener = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
        if event.filename().contains("inference-worker") {
            on_failure(format!("the inference worker could not start: {} ({})", event.message(), event.filename()));
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback("error", listener.as_ref().unchecked_ref());
    }
    // The page's lifetime.
    listener.forget();
}
