//! The recommender on the page's two backends: the CPU (burn Flex) always, WebGPU when the browser
//! offers an adapter. One request = one generation + exactly one readback; top-K happens on the host.

use std::cell::RefCell;
use std::rc::Rc;

use playground_state::backend_choice::{Runs, WebGpuStatus};
use seqdiff_model::{Device, GenerationResult, ModelConfig, Recommender, SamplingConfig};


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
}

/// A finished request and its wall-clock time (generation + readback).
pub struct Timed {
    pub result: GenerationResult,
    pub ms: f64,
}

pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

thread_local! {
    static ENGINE: RefCell<Option<Rc<Engine>>> = const { RefCell::new(None) };
}

/// The page's one engine (set once the bundle has loaded).
pub fn engine() -> Option<Rc<Engine>> {
    ENGINE.with(|e| e.borrow().clone())
}

pub fn install(engine: Engine) {
    ENGINE.with(|e| *e.borrow_mut() = Some(Rc::new(engine)));
}

impl Engine {
    /// Builds the CPU model from the bundle's weights; WebGPU starts later, on demand.
    pub fn new(config: ModelConfig, weights: Vec<u8>) -> Result<Engine, String> {
        let model = seqdiff_model::bundle::model_from_bytes(&config, weights.clone(), &Device::flex())?;
        Ok(Engine { cpu: Rc::new(Recommender::new(model)), gpu: RefCell::new(GpuSlot::Untried), config, weights })
    }

    /// The item vectors of the model (row i = item i), for the embedding map.
    pub fn item_vectors(&self) -> Vec<Vec<f32>> {
        self.cpu.model.item_vectors()
    }

    /// The model's learned repeat offset (None when it has none).
    pub fn repeat_offset(&self) -> Option<f32> {
        self.cpu.model.repeat_bias.as_ref().map(|_| self.cpu.repeat_offset())
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
    }

    /// What is known about WebGPU (without starting it).
    pub fn webgpu_status(&self) -> WebGpuStatus {
        match &*self.gpu.borrow() {
            GpuSlot::Ready(_) => WebGpuStatus::Available,
            GpuSlot::Failed(_) => WebGpuStatus::Unavailable,
            GpuSlot::Untried | GpuSlot::Starting => WebGpuStatus::Unknown,
        }
    }

    /// One request on `on`: generation with the per-step trajectory, read back once.
    pub async fn run(&self, on: Runs, history: &[u32], sampling: &SamplingConfig) -> Result<Timed, String> {
        let rec = match on {
            Runs::Cpu => self.cpu.clone(),
            Runs::WebGpu => self.webgpu().await?,
        };
        let start = now_ms();
        let result = rec.generate(&[history.to_vec()], sampling, true).read_async().await?;
        Ok(Timed { result, ms: now_ms() - start })
    }
}
