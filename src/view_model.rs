//! What the inference side writes and the components read: the finished request's list and
//! timings, how Auto decided, the notices, WebGPU's phase.

use std::sync::Arc;

use leptos::prelude::*;
use playground_state::backend_choice::ComputeBackend;
use playground_state::request_cost::StepKind;
use seqdiff_model::GenerationResult;

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
    /// How many CPU workers computed it (2 when its seeds were split between two).
    pub workers: usize,
    pub steps: usize,
    pub seeds: usize,
    /// What each of its steps ran.
    pub step: StepKind,
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
    /// Compare mode's model and list.
    pub compared: crate::compare::Compared,
}

impl Sinks {
    /// The playground these belong to is still shown: a model opened since disposes it, and the
    /// requests it started must then neither read its signals nor report into the page.
    pub fn alive(&self) -> bool {
        self.auto.try_with_untracked(|_| ()).is_some()
    }
}

pub fn notify(notices: RwSignal<Vec<String>>, text: String) {
    notices.update(|n| {
        if !n.contains(&text) {
            n.push(text);
        }
    });
}
