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

/// Copyable handle (arena-stored values, alive as long as the app): closures, tasks and the test
/// hooks each hold one.
#[derive(Clone, Copy)]
pub struct Inference {
    bridge: StoredValue<OneshotBridge<InferenceWorker>, LocalStorage>,
    webgpu: StoredValue<WebGpuStatus>,
    pub(crate) gate: StoredValue<LatestOnly<PageState>>,
    /// The shown model as the main worker last loaded it (the seed helper loads the same).
    shown: StoredValue<Option<ShownModel>, LocalStorage>,
    seed_helper: StoredValue<SeedHelper, LocalStorage>,
    /// At most this many workers compute one CPU request (2 where the device has two cores).
    cpu_workers: StoredValue<usize>,
}

#[derive(Clone)]
struct ShownModel {
    /// Counts the shown models loaded, so a helper never answers for a model the page replaced.
    id: u64,
    config: ModelConfig,
    weights: Rc<Vec<u8>>,
}

/// A second inference worker for the CPU requests with two or more seeds: it computes the second
/// half of the seeds while the main worker computes the first (the denoising steps are ≈ 80% of a
/// request and every seed's chain is independent). It starts the first time such a request comes,
/// and loads each shown model; until it has, requests run on the main worker alone.
#[derive(Default)]
struct SeedHelper {
    bridge: Option<OneshotBridge<InferenceWorker>>,
    state: HelperState,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum HelperState {
    #[default]
    NotStarted,
    Loading(u64),
    Ready(u64),
    /// It failed once: requests stay on the main worker.
    Off,
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
            shown: StoredValue::new_local(None),
            seed_helper: StoredValue::new_local(SeedHelper::default()),
            cpu_workers: StoredValue::new(if cores >= 2.0 { 2 } else { 1 }),
        }
    }

    /// How many workers may compute one CPU request (1 or 2; the page benchmark compares them).
    pub fn set_cpu_workers(self, workers: usize) {
        self.cpu_workers.set_value(workers.clamp(1, 2));
    }

    /// The seed helper's bridge when it can take part of this request; starts it (for later
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
        let shown = self.shown.with_value(|m| m.as_ref().map(|m| m.id))?;
        match self.seed_helper.with_value(|h| h.state) {
            HelperState::Ready(id) if id == shown => {
                self.seed_helper.with_value(|h| h.bridge.as_ref().map(OneshotBridge::fork))
            }
            HelperState::NotStarted => {
                self.load_seed_helper();
                None
            }
            _ => None,
        }
    }

    /// Starts the seed helper if needed and loads the shown model into it.
    fn load_seed_helper(self) {
        let Some(model) = self.shown.with_value(Clone::clone) else {
            return;
        };
        let mut bridge = None;
        self.seed_helper.update_value(|h| {
            let helper = h.bridge.get_or_insert_with(spawn_worker);
            bridge = Some(helper.fork());
            h.state = HelperState::Loading(model.id);
        });
        let Some(mut bridge) = bridge else {
            return;
        };
        leptos::task::spawn_local(async move {
            let request = Request::Load { slot: Slot::Shown, config: model.config, weights: model.weights.to_vec() };
            let loaded = matches!(bridge.run(request).await, Reply::Loaded(Ok(_)));
            self.seed_helper.update_value(|h| {
                if h.state == HelperState::Loading(model.id) {
                    h.state = if loaded { HelperState::Ready(model.id) } else { HelperState::Off };
                }
            });
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
            let id = self.shown.with_value(|m| m.as_ref().map_or(0, |m| m.id + 1));
            self.shown.set_value(Some(ShownModel { id, config, weights }));
            // A helper that was started loads the new model; until then it is not asked.
            if !matches!(self.seed_helper.with_value(|h| h.state), HelperState::NotStarted | HelperState::Off) {
                self.load_seed_helper();
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
        let first = sampling.ensemble.div_ceil(2);
        let part = |ensemble: usize, first_seed_row: u64| Request::Generate {
            slot: Slot::Shown,
            on: ComputeBackend::Cpu,
            history: history.to_vec(),
            sampling: SamplingConfig { ensemble, ..sampling.clone() },
            first_seed_row,
        };
        let (mine, theirs) =
            futures::join!(self.call(part(first, 0)), helper.run(part(sampling.ensemble - first, first as u64)));
        match (mine, theirs) {
            (Reply::Generated(Ok(mine)), Reply::Generated(Ok(theirs))) => {
                let ms = mine.ms.max(theirs.ms);
                Ok(Timed { result: mine.result.join_seeds(theirs.result)?, ms, workers: 2 })
            }
            (Reply::Generated(Err(why)), _) => Err(why),
            (other, _) if !matches!(other, Reply::Generated(_)) => Err(unexpected(other)),
            _ => {
                // The helper failed: it is not asked again, and this request runs whole.
                self.seed_helper.update_value(|h| h.state = HelperState::Off);
                self.generate_whole(Slot::Shown, ComputeBackend::Cpu, history, sampling).await
            }
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

fn spawn_worker() -> OneshotBridge<InferenceWorker> {
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
