//! Turns page states into recommendations: at most one request runs (in the inference worker), only
//! the newest waiting one runs next (`LatestOnly`), so a dragged slider never builds a queue.

use std::cell::RefCell;
use std::sync::Arc;

use leptos::prelude::*;
use playground_state::backend_choice::{ComputeBackend, WebGpuStatus, faster, runs_on};
use playground_state::{LatestOnly, PageState};
use seqdiff_model::metrics::{mask_items, rank_of, top_k};
use seqdiff_model::{GenerationResult, SamplingConfig};

use crate::catalogue::Catalogue;
use crate::inference_client::{drop_webgpu, generate, start_webgpu, webgpu_status};

/// Recommendations shown per request.
pub const TOP_K: usize = 10;

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub item: u32,
    pub title: String,
    pub detail: String,
    /// Ensemble-averaged probability.
    pub score: f32,
    pub is_answer: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub item: u32,
    pub title: String,
    /// 1-based rank among all items (after masking the input history when that is on).
    pub rank: usize,
}

/// What one finished request shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub rows: Vec<Row>,
    pub answer: Option<Answer>,
    pub ms: f64,
    pub steps: usize,
    pub seeds: usize,
    pub backend: ComputeBackend,
    pub result: Arc<GenerationResult>,
}

/// How "Auto" decided, shown in the status region.
#[derive(Clone, Debug, PartialEq)]
pub enum AutoPick {
    /// Not measured yet (or measuring): Auto runs on the CPU meanwhile.
    Pending,
    Decided {
        chosen: ComputeBackend,
        note: String,
    },
}

/// Signals the runner writes.
#[derive(Clone, Copy)]
pub struct Sinks {
    pub output: RwSignal<Option<Output>>,
    /// Why there is no output (empty history, failure), when there is none.
    pub idle_reason: RwSignal<Option<String>>,
    pub notices: RwSignal<Vec<String>>,
    pub auto: RwSignal<AutoPick>,
    /// WebGPU load phase ("starting WebGPU", "compiling kernels", "ready", or why it failed).
    pub gpu_phase: RwSignal<String>,
}

pub fn notify(notices: RwSignal<Vec<String>>, text: String) {
    notices.update(|n| {
        if !n.contains(&text) {
            n.push(text);
        }
    });
}

thread_local! {
    static GATE: RefCell<LatestOnly<PageState>> = RefCell::new(LatestOnly::default());
}

/// Asks for recommendations for `state`; stale waiting requests are dropped.
pub fn submit(state: PageState, catalogue: Arc<Catalogue>, sinks: Sinks) {
    if let Some(first) = GATE.with(|g| g.borrow_mut().submit(state)) {
        leptos::task::spawn_local(async move {
            let mut job = first;
            loop {
                execute(&job, &catalogue, sinks).await;
                match GATE.with(|g| g.borrow_mut().finish()) {
                    Some(next) => job = next,
                    None => break,
                }
            }
        });
    }
}

/// The backend a request for `state` runs on now.
fn resolve(state: &PageState, sinks: Sinks, webgpu: WebGpuStatus) -> ComputeBackend {
    let verdict = match sinks.auto.get_untracked() {
        AutoPick::Decided { chosen, .. } => Some(chosen),
        AutoPick::Pending => None,
    };
    runs_on(state.backend, verdict, webgpu)
}

pub fn sampling_of(state: &PageState) -> SamplingConfig {
    SamplingConfig {
        guidance: state.guidance,
        steps: state.steps,
        eta: state.eta,
        ensemble: state.seeds,
        seed: state.seed,
        start: state.start,
    }
}

async fn execute(state: &PageState, catalogue: &Catalogue, sinks: Sinks) {
    let (input, answer) = state.model_input();
    if input.is_empty() {
        sinks.output.set(None);
        sinks.idle_reason.set(Some(if state.history.is_empty() {
            "Add items to the history to get recommendations.".into()
        } else {
            "Hold-out needs at least two items in the history.".into()
        }));
        return;
    }
    let mut backend = resolve(state, sinks, webgpu_status());
    if backend == ComputeBackend::WebGpu && webgpu_status() == WebGpuStatus::Unknown {
        sinks.gpu_phase.set("starting WebGPU…".into());
        match start_webgpu().await {
            Ok(()) => {
                // The first run compiles every kernel; it is not the request's latency.
                sinks.gpu_phase.set("compiling kernels…".into());
                let _ = generate(ComputeBackend::WebGpu, input, &sampling_of(state)).await;
                sinks.gpu_phase.set("ready".into());
            }
            Err(why) => {
                sinks.gpu_phase.set(format!("unavailable: {why}"));
                notify(
                    sinks.notices,
                    format!("WebGPU is not available here ({why}); using the CPU backend instead."),
                );
            }
        }
    }
    backend = resolve(state, sinks, webgpu_status());
    let sampling = sampling_of(state);
    let mut outcome = generate(backend, input, &sampling).await;
    if let (Err(why), ComputeBackend::WebGpu) = (&outcome, backend) {
        // WebGPU failed mid-session (e.g. a lost device): drop it, say so, and re-run on the CPU.
        drop_webgpu(why);
        sinks.gpu_phase.set(format!("failed: {why}"));
        notify(
            sinks.notices,
            format!("WebGPU failed ({why}); this and later requests run on the CPU."),
        );
        backend = ComputeBackend::Cpu;
        outcome = generate(backend, input, &sampling).await;
    }
    match outcome {
        Ok(timed) => {
            let mut scores = timed.result.scores[0].clone();
            if state.mask_history {
                mask_items(&mut scores, input);
            }
            let answer = answer.map(|item| Answer {
                item,
                title: catalogue.title(item),
                rank: rank_of(&scores, item as usize),
            });
            let rows = top_k(&scores, TOP_K)
                .into_iter()
                .map(|(item, score)| Row {
                    item,
                    title: catalogue.title(item),
                    detail: catalogue.detail(item),
                    score,
                    is_answer: answer.as_ref().is_some_and(|a| a.item == item),
                })
                .collect();
            sinks.idle_reason.set(None);
            sinks.output.set(Some(Output {
                rows,
                answer,
                ms: timed.ms,
                steps: sampling.steps,
                seeds: sampling.ensemble,
                backend,
                result: Arc::new(timed.result),
            }));
        }
        Err(why) => {
            // The list on screen must belong to the state on screen: a failed request clears it.
            let text = format!("Generation failed on {}: {why}", backend.label());
            sinks.output.set(None);
            sinks.idle_reason.set(Some(text.clone()));
            notify(sinks.notices, text);
        }
    }
}

/// Auto: one warm-up generation on WebGPU (compiles kernels), then one timed generation on each
/// backend with the current request; the faster wins. ComputeBackend beside the CPU requests.
pub async fn probe_auto(state: PageState, sinks: Sinks) {
    let (input, _) = state.model_input();
    let input: Vec<u32> = if input.is_empty() {
        vec![1]
    } else {
        input.to_vec()
    };
    let sampling = sampling_of(&state);
    let decided = |chosen, note: String| AutoPick::Decided { chosen, note };
    sinks.gpu_phase.set("starting WebGPU…".into());
    if let Err(why) = start_webgpu().await {
        sinks.gpu_phase.set(format!("unavailable: {why}"));
        sinks.auto.set(decided(
            ComputeBackend::Cpu,
            format!("WebGPU unavailable: {why}"),
        ));
        return;
    }
    sinks.gpu_phase.set("compiling kernels…".into());
    if let Err(why) = generate(ComputeBackend::WebGpu, &input, &sampling).await {
        sinks.gpu_phase.set(format!("failed: {why}"));
        sinks.auto.set(decided(
            ComputeBackend::Cpu,
            format!("WebGPU failed: {why}"),
        ));
        return;
    }
    sinks.gpu_phase.set("ready".into());
    let cpu = generate(ComputeBackend::Cpu, &input, &sampling)
        .await
        .map(|t| t.ms)
        .ok();
    let gpu = generate(ComputeBackend::WebGpu, &input, &sampling)
        .await
        .map(|t| t.ms)
        .ok();
    let shown = |t: Option<f64>| t.map_or("failed".to_string(), |ms| format!("{ms:.1} ms"));
    let note = format!("CPU {} vs WebGPU {}", shown(cpu), shown(gpu));
    sinks.auto.set(decided(faster(cpu, gpu), note));
}
