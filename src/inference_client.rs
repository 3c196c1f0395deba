//! The UI thread's side of inference, as one object provided through Leptos context: the bridge
//! to the inference worker (requests go out, replies come back as futures), a second worker that
//! computes half of a CPU request's seeds on another core, what is known about WebGPU (mirrored
//! here, so the runner decides without asking the worker) and the latest-only gate of the page's
//! requests (`runner.rs`).

use std::rc::Rc;

use gloo_worker::Spawnable;
use gloo_worker::oneshot::OneshotBridge;
use leptos::prelude::*;
use playground_state::backend_choice::{ComputeBackend, WebGpuStatus};
use playground_state::{LatestOnly, PageState};
use seqdiff_model::{ModelConfig, SamplingConfig};

use inference_protocol::messages::{LoadedModel, Reply, Request, Slot, Timed};
use inference_protocol::worker::{InferenceWorker, WORKER_SCRIPT, WorkerCodec};

use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;

use crate::seed_helper::{Ask, Load, SeedHelper};

/// Copyable handle (arena-stored values, alive as long as the app): closures, tasks and the test
/// hooks each hold one.
#[derive(Clone, Copy)]
pub struct Inference {
    bridge: StoredValue<OneshotBridge<InferenceWorker>, LocalStorage>,
    webgpu: StoredValue<WebGpuStatus>,
    pub(crate) gate: StoredValue<LatestOnly<PageState>>,
    /// The second worker for CPU requests with several seeds (`seed_helper.rs`).
    seed_helper: StoredValue<SeedHelper, LocalStorage>,
    /// At most this many workers compute one CPU request (2 where the device has two cores).
    cpu_workers: StoredValue<usize>,
}

impl Inference {
    /// Starts the worker (its wasm downloads and compiles while the bundle downloads).
    /// `on_failure` hears of errors the worker cannot report itself (its script or wasm failed to
    /// download or compile): the browser raises them on the page's window, naming the worker's script.
    pub fn spawn(on_failure: impl Fn(String) + 'static) -> Self {
        watch_worker_errors(on_failure);
        let cores = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
        Inference {
            bridge: StoredValue::new_local(spawn_worker()),
            webgpu: StoredValue::new(WebGpuStatus::Unknown),
            gate: StoredValue::new(LatestOnly::default()),
            seed_helper: StoredValue::new_local(SeedHelper::default()),
            cpu_workers: StoredValue::new(if cores >= 2.0 { 2 } else { 1 }),
        }
    }

    /// How many workers may compute one CPU request (1 or 2; the page benchmark compares them).
    pub fn set_cpu_workers(self, workers: usize) {
        self.cpu_workers.set_value(workers.clamp(1, 2));
    }

    /// The seed helper's bridge when it can take part in this request; starts it (for later
    /// requests) the first time a request could use it.
    fn seed_helper_for(
        self,
        slot: Slot,
        on: ComputeBackend,
        sampling: &SamplingConfig,
    ) -> Option<OneshotBridge<InferenceWorker>> {
        let splittable =
            slot == Slot::Shown && on == ComputeBackend::Cpu && sampling.ensemble >= 2 && sampling.steps > 0;
        if !splittable || self.cpu_workers.get_value() < 2 {
            return None;
        }
        match self.seed_helper.try_update_value(SeedHelper::ask)? {
            Ask::Ready(bridge) => Some(bridge),
            Ask::Start(load) => {
                self.load_seed_helper(load);
                None
            }
            Ask::Wait => None,
        }
    }

    fn load_seed_helper(self, load: Load) {
        leptos::task::spawn_local(async move {
            let (id, ok) = load.run().await;
            self.seed_helper.update_value(|h| h.loaded(id, ok));
        });
    }

    async fn call(self, request: Request) -> Reply {
        // A fork per call: each gets its own reply, so requests may overlap (Auto's probe runs
        // beside the page's requests).
        let mut bridge = self.bridge.with_value(OneshotBridge::fork);
        bridge.run(request).await
    }

    /// Builds the model in the worker (in `slot`); its item vectors and repeat offset come back.
    pub async fn load(self, slot: Slot, config: ModelConfig, weights: Vec<u8>) -> Result<LoadedModel, String> {
        let shown = (slot == Slot::Shown).then(|| (config.clone(), Rc::new(weights.clone())));
        let loaded = match self.call(Request::Load { slot, config, weights }).await {
            Reply::Loaded(loaded) => loaded,
            other => Err(unexpected(other)),
        };
        if let (Ok(_), Some((config, weights))) = (&loaded, shown) {
            // A helper that was started loads the new model; until then it is not asked.
            if let Some(load) = self.seed_helper.try_update_value(|h| h.shown_model_loaded(config, weights)).flatten() {
                self.load_seed_helper(load);
            }
        }
        loaded
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
        if let Some(helper) = self.seed_helper_for(slot, on, sampling) {
            return self.generate_split(helper, history, sampling).await;
        }
        self.generate_whole(slot, on, history, sampling).await
    }

    async fn generate_whole(
        self,
        slot: Slot,
        on: ComputeBackend,
        history: &[u32],
        sampling: &SamplingConfig,
    ) -> Result<Timed, String> {
        let request =
            Request::Generate { slot, on, history: history.to_vec(), sampling: sampling.clone(), first_seed_row: 0 };
        match self.call(request).await {
            Reply::Generated(result) => result,
            other => Err(unexpected(other)),
        }
    }

    /// The shown model's CPU request with the first half of its seeds on the main worker and the
    /// rest on the seed helper, at the same time; the result is the request's (each seed draws the
    /// noise it would draw in one worker). Its time is the slower worker's.
    async fn generate_split(
        self,
        mut helper: OneshotBridge<InferenceWorker>,
        history: &[u32],
        sampling: &SamplingConfig,
    ) -> Result<Timed, String> {
        // The sampler's own bound on seeds (`SamplingConfig::clamped`): a whole request never has more.
        let seeds = sampling.clamped(usize::MAX).ensemble;
        let first = seeds.div_ceil(2);
        let part = |ensemble: usize, first_seed_row: u64| Request::Generate {
            slot: Slot::Shown,
            on: ComputeBackend::Cpu,
            history: history.to_vec(),
            sampling: SamplingConfig { ensemble, ..sampling.clone() },
            first_seed_row,
        };
        let mine = Box::pin(self.call(part(first, 0)));
        let theirs = Box::pin(helper.run(part(seeds - first, first as u64)));
        // Once the main worker's part is back the helper has a deadline: a worker that stopped without a
        // panic (out of memory, killed by the browser) must not hold the page's requests for ever.
        let (mine, theirs) = match select(mine, theirs).await {
            Either::Left((mine, theirs)) => {
                let ms = match &mine {
                    Reply::Generated(Ok(part)) => part.ms,
                    _ => 0.0,
                };
                match select(theirs, TimeoutFuture::new((4.0 * ms).max(1000.0) as u32)).await {
                    Either::Left((theirs, _)) => (mine, Some(theirs)),
                    Either::Right(_) => (mine, None),
                }
            }
            Either::Right((theirs, mine)) => (mine.await, Some(theirs)),
        };
        let joined = match (mine, theirs) {
            (Reply::Generated(Err(why)), _) => return Err(why),
            (Reply::Generated(Ok(mine)), Some(Reply::Generated(Ok(theirs)))) => {
                let ms = mine.ms.max(theirs.ms);
                mine.result.join_seeds(theirs.result).ok().map(|result| Timed { result, ms, workers: 2 })
            }
            (Reply::Generated(Ok(_)), _) => None,
            (other, _) => return Err(unexpected(other)),
        };
        if let Some(joined) = joined {
            return Ok(joined);
        }
        // The helper failed, ran out of time or sent a part that does not fit: it is not asked again,
        // and this request runs whole.
        self.seed_helper.update_value(SeedHelper::failed);
        self.generate_whole(Slot::Shown, ComputeBackend::Cpu, history, sampling).await
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

pub(crate) fn spawn_worker() -> OneshotBridge<InferenceWorker> {
    InferenceWorker::spawner().encoding::<WorkerCodec>().with_loader(true).as_module(true).spawn(WORKER_SCRIPT)
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
