//! The recommender on the page's two backends, inside the inference worker: the CPU (burn Flex)
//! always, WebGPU when the browser offers an adapter to the worker. One request = one generation +
//! exactly one readback; top-K happens on the UI thread.

use std::cell::RefCell;
use std::rc::Rc;

use seqdiff_model::{Device, Encoding, ModelConfig, Recommender, SamplingConfig};
use wasm_bindgen::JsCast;

use inference_protocol::clock::now_ms;
use inference_protocol::messages::{ComputeBackend, LoadedModel, Reply, Request, Slot, Timed};

enum GpuSlot {
    Untried,
    Starting,
    Ready(Rc<Recommender>),
    Failed(String),
}

pub struct Engine {
    cpu: Rc<Recommender>,
    gpu: RefCell<GpuSlot>,
    config: ModelConfig,
    weights: Vec<u8>,
    /// Test hook: the next WebGPU generation fails as a lost device would.
    fail_next_webgpu: std::cell::Cell<bool>,
    /// The last request's encoding on each backend: a request that changes only sampling controls
    /// (guidance, steps, η, seeds) skips the encoder.
    last_encoding: RefCell<Vec<(ComputeBackend, Rc<Encoding>)>>,
}

/// The worker: the models once the page has sent them (`Request::Load`), and one `match` over the
/// protocol's requests.
#[derive(Default)]
pub struct Worker {
    engine: RefCell<Option<Rc<Engine>>>,
    /// Compare mode's model: CPU only (WebGPU's runtime belongs to the shown model's device).
    compared: RefCell<Option<Rc<Engine>>>,
}

impl Worker {
    fn engine(&self) -> Result<Rc<Engine>, String> {
        self.engine.borrow().clone().ok_or_else(|| "the model is not loaded yet".to_string())
    }

    fn compared(&self) -> Result<Rc<Engine>, String> {
        self.compared.borrow().clone().ok_or_else(|| "no model to compare with is loaded".to_string())
    }

    /// Runs one request of the worker's protocol.
    pub async fn handle(&self, request: Request) -> Reply {
        match request {
            Request::Load { slot, config, weights } => {
                let engine = match Engine::new(config, weights) {
                    Ok(engine) => engine,
                    // The model in use, if any, stays.
                    Err(why) => return Reply::Loaded(Err(why)),
                };
                if slot == Slot::Compared {
                    let loaded =
                        LoadedModel { item_vectors: engine.item_vectors(), repeat_offset: engine.repeat_offset() };
                    *self.compared.borrow_mut() = Some(Rc::new(engine));
                    return Reply::Loaded(Ok(loaded));
                }
                *self.compared.borrow_mut() = None;
                let previous = self.engine.borrow().clone();
                if let Some(previous) = previous {
                    engine.inherit_webgpu(&previous).await;
                }
                let loaded = LoadedModel { item_vectors: engine.item_vectors(), repeat_offset: engine.repeat_offset() };
                *self.engine.borrow_mut() = Some(Rc::new(engine));
                Reply::Loaded(Ok(loaded))
            }
            Request::StartWebGpu => Reply::WebGpu(match self.engine() {
                Ok(engine) => engine.webgpu().await.map(|_| ()),
                Err(why) => Err(why),
            }),
            Request::Generate { slot: Slot::Shown, on, history, sampling, first_seed_row } => {
                Reply::Generated(match self.engine() {
                    Ok(engine) => engine.run(on, &history, &sampling, first_seed_row).await,
                    Err(why) => Err(why),
                })
            }
            Request::Generate { slot: Slot::Compared, on, history, sampling, first_seed_row } => {
                Reply::Generated(match (self.compared(), on) {
                    (Ok(engine), ComputeBackend::Cpu) => engine.run(on, &history, &sampling, first_seed_row).await,
                    (Ok(_), ComputeBackend::WebGpu) => Err("the compared model runs on the CPU only".into()),
                    (Err(why), _) => Err(why),
                })
            }
            Request::DropWebGpu { why } => {
                if let Ok(engine) = self.engine() {
                    engine.mark_webgpu_failed(&why);
                }
                Reply::Done
            }
            Request::Memory => {
                let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
                Reply::Memory(memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64)
            }
            Request::FailNextWebGpu => {
                if let Ok(engine) = self.engine() {
                    engine.fail_next_webgpu.set(true);
                }
                Reply::Done
            }
            Request::Panic { message } => panic!("{message}"),
        }
    }
}

impl Engine {
    /// Builds the CPU model from the bundle's weights; WebGPU starts later, on demand.
    pub fn new(config: ModelConfig, weights: Vec<u8>) -> Result<Engine, String> {
        let model = seqdiff_model::bundle::model_from_bytes(&config, weights.clone(), &Device::flex())?;
        Ok(Engine {
            cpu: Rc::new(Recommender::new(model)),
            gpu: RefCell::new(GpuSlot::Untried),
            config,
            weights,
            fail_next_webgpu: std::cell::Cell::new(false),
            last_encoding: RefCell::new(Vec::new()),
        })
    }

    /// The item vectors of the model (row i = item i), for the embedding map.
    pub fn item_vectors(&self) -> Vec<Vec<f32>> {
        self.cpu.model.item_vectors()
    }

    /// The model's learned repeat offset (None when it has none).
    pub fn repeat_offset(&self) -> Option<f32> {
        self.cpu.model.repeat_bias.as_ref().map(|_| self.cpu.repeat_offset())
    }

    /// A model loaded after another (a model opened from disk) takes WebGPU as the previous one left
    /// it: the runtime initialises once per worker, so its device is reused (after a start in
    /// progress ends) and a failure stands.
    async fn inherit_webgpu(&self, previous: &Engine) {
        if matches!(&*previous.gpu.borrow(), GpuSlot::Starting) {
            let _ = previous.webgpu().await;
        }
        let next = match &*previous.gpu.borrow() {
            GpuSlot::Ready(rec) => {
                match seqdiff_model::bundle::model_from_bytes(&self.config, self.weights.clone(), &rec.device()) {
                    Ok(model) => GpuSlot::Ready(Rc::new(Recommender::new(model))),
                    Err(why) => GpuSlot::Failed(why),
                }
            }
            GpuSlot::Failed(why) => GpuSlot::Failed(why.clone()),
            GpuSlot::Untried | GpuSlot::Starting => GpuSlot::Untried,
        };
        *self.gpu.borrow_mut() = next;
    }

    /// The WebGPU recommender, starting WebGPU on first use. Concurrent callers wait for the one
    /// start; a failure is remembered (the runtime cannot be initialised twice).
    pub async fn webgpu(&self) -> Result<Rc<Recommender>, String> {
        loop {
            let waiting = match &*self.gpu.borrow() {
                GpuSlot::Ready(rec) => return Ok(rec.clone()),
                GpuSlot::Failed(why) => return Err(why.clone()),
                GpuSlot::Starting => true,
                GpuSlot::Untried => false,
            };
            if !waiting {
                break;
            }
            gloo_timers::future::TimeoutFuture::new(50).await;
        }
        *self.gpu.borrow_mut() = GpuSlot::Starting;
        let started = self.start_webgpu().await;
        *self.gpu.borrow_mut() = match &started {
            Ok(rec) => GpuSlot::Ready(rec.clone()),
            Err(why) => GpuSlot::Failed(why.clone()),
        };
        started
    }

    async fn start_webgpu(&self) -> Result<Rc<Recommender>, String> {
        // Ask the browser first: burn's init on a browser without WebGPU must not be the probe.
        crate::gpu_probe::adapter_description().await?;
        let device = seqdiff_model::webgpu_device().await?;
        let model = seqdiff_model::bundle::model_from_bytes(&self.config, self.weights.clone(), &device)?;
        Ok(Rc::new(Recommender::new(model)))
    }

    /// A WebGPU request failed: WebGPU is not used again on this page (a lost or poisoned device
    /// does not recover), and every later request runs on the CPU.
    pub fn mark_webgpu_failed(&self, why: &str) {
        *self.gpu.borrow_mut() = GpuSlot::Failed(why.to_string());
        self.last_encoding.borrow_mut().retain(|(b, _)| *b != ComputeBackend::WebGpu);
    }

    /// One request on `on`: generation with the per-step trajectory, read back once; its seeds are
    /// rows `first_seed_row ..` of the page's request.
    pub async fn run(
        &self,
        on: ComputeBackend,
        history: &[u32],
        sampling: &SamplingConfig,
        first_seed_row: u64,
    ) -> Result<Timed, String> {
        // A request made for the model shown before this one was loaded may name items it lacks.
        let n = self.config.num_items;
        if let Some(bad) = history.iter().find(|&&i| i == 0 || i as usize > n) {
            return Err(format!("item {bad} is not in this model's catalogue (1–{n})"));
        }
        let rec = match on {
            ComputeBackend::Cpu => self.cpu.clone(),
            ComputeBackend::WebGpu => self.webgpu().await?,
        };
        if on == ComputeBackend::WebGpu && self.fail_next_webgpu.replace(false) {
            return Err("simulated device loss (test hook)".into());
        }
        let start = now_ms();
        let encoding = self.encoding(on, &rec, history);
        // The page draws the first row's trajectory only.
        let generation = rec.generate_seed_rows(&encoding, sampling, first_seed_row, true);
        let result = generation.keep_trajectory_rows(1).read_async().await?;
        Ok(Timed { result, ms: now_ms() - start, workers: 1 })
    }

    /// The encoding of `history` on `on`: the cached one when the history is the last request's.
    fn encoding(&self, on: ComputeBackend, rec: &Recommender, history: &[u32]) -> Rc<Encoding> {
        let mut cache = self.last_encoding.borrow_mut();
        if let Some((_, cached)) = cache.iter().find(|(b, e)| *b == on && e.histories == [history]) {
            return cached.clone();
        }
        let fresh = Rc::new(rec.encode(&[history.to_vec()]));
        cache.retain(|(b, _)| *b != on);
        cache.push((on, fresh.clone()));
        fresh
    }
}
