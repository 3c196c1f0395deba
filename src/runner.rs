//! Turns page states into recommendations: at most one request runs (in the inference worker), only
//! the newest waiting one runs next (`LatestOnly`), so a dragged slider never builds a queue.

use std::sync::Arc;

use leptos::prelude::*;
use playground_state::PageState;
use playground_state::backend_choice::{ComputeBackend, WebGpuStatus, runs_on};
use playground_state::ranked::ranked;
use seqdiff_model::SamplingConfig;

use inference_protocol::messages::{Slot, Timed};
use playground_state::request_cost::StepKind;

use crate::catalogue::Catalogue;
use crate::inference_client::{Inference, WebGpuFailure};
use crate::view_model::{Answer, AutoPick, Output, Row, Sinks, TOP_K, notify};

impl Inference {
    /// Asks for recommendations for `state`; stale waiting requests are dropped.
    pub fn submit(self, state: PageState, catalogue: Arc<Catalogue>, sinks: Sinks) {
        let Some(first) = self.gate.try_update_value(|g| g.submit(state)).flatten() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let mut job = first;
            loop {
                self.execute(&job, &catalogue, sinks).await;
                match self.gate.try_update_value(|g| g.finish()).flatten() {
                    Some(next) => job = next,
                    None => break,
                }
            }
        });
    }

    /// The backend a request for `state` runs on now.
    fn resolve(self, state: &PageState, sinks: Sinks) -> ComputeBackend {
        let verdict = match sinks.auto.try_get_untracked() {
            Some(AutoPick::Decided { chosen, .. }) => Some(chosen),
            _ => None,
        };
        runs_on(state.backend, verdict, self.webgpu_status())
    }

    async fn execute(self, state: &PageState, catalogue: &Catalogue, sinks: Sinks) {
        if !sinks.alive() {
            return;
        }
        let (input, _) = state.model_input();
        if input.is_empty() {
            sinks.output.set(None);
            sinks.compared.output.set(None);
            sinks.idle_reason.set(Some(if state.history.is_empty() {
                "Add items to the history to get recommendations.".into()
            } else {
                "Hold-out needs at least two items in the history.".into()
            }));
            return;
        }
        let sampling = sampling_of(state);
        if self.resolve(state, sinks) == ComputeBackend::WebGpu && self.webgpu_status() == WebGpuStatus::Unknown {
            if let Err(failure) = self.start_and_warm_webgpu(input, &sampling, sinks.gpu_phase).await {
                notify(sinks.notices, failure.notice());
            }
        }
        let mut backend = self.resolve(state, sinks);
        let mut outcome = self.generate(backend, input, &sampling).await;
        if let (Err(why), ComputeBackend::WebGpu) = (&outcome, backend) {
            // WebGPU failed mid-session (e.g. a lost device): drop it, say so, and re-run on the CPU.
            self.drop_webgpu(why);
            sinks.gpu_phase.set(format!("failed: {why}"));
            notify(sinks.notices, WebGpuFailure::Failed(why.clone()).notice());
            backend = ComputeBackend::Cpu;
            outcome = self.generate(backend, input, &sampling).await;
        }
        if !sinks.alive() {
            return;
        }
        match outcome {
            Ok(timed) => {
                sinks.idle_reason.set(None);
                sinks.output.set(Some(output_of(timed, state, &sampling, catalogue, catalogue.step, backend)));
            }
            Err(why) => {
                // The list on screen must belong to the state on screen: a failed request clears it.
                let text = format!("Generation failed on {}: {why}", backend.label());
                sinks.output.set(None);
                sinks.idle_reason.set(Some(text.clone()));
                notify(sinks.notices, text);
            }
        }
        self.execute_compared(state, catalogue, sinks).await;
    }

    /// Compare mode: the compared model answers the same input and controls (steps clamped to its
    /// chain), on the CPU, after the shown model.
    async fn execute_compared(self, state: &PageState, catalogue: &Catalogue, sinks: Sinks) {
        let compared = sinks.compared;
        let Some(model) = compared.model.try_get_untracked().flatten() else { return };
        if state.compare.as_deref() != Some(model.name.as_str()) {
            return;
        }
        let (input, _) = state.model_input();
        let mut sampling = sampling_of(state);
        sampling.steps = sampling.steps.min(model.max_steps);
        let outcome = self.generate_in(Slot::Compared, ComputeBackend::Cpu, input, &sampling).await;
        if !sinks.alive()
            || compared.model.try_get_untracked().flatten().map(|m| m.name.clone()) != Some(model.name.clone())
        {
            return;
        }
        match outcome {
            Ok(timed) => {
                compared.status.set(None);
                let output = output_of(timed, state, &sampling, catalogue, model.step, ComputeBackend::Cpu);
                compared.output.set(Some(output));
            }
            Err(why) => {
                compared.output.set(None);
                compared.status.set(Some(format!("{} failed: {why}", model.label)));
            }
        }
    }
}

/// What one finished generation shows: its top 10 (the history masked when asked), the held-out
/// answer's rank, and what it cost.
fn output_of(
    timed: Timed,
    state: &PageState,
    sampling: &SamplingConfig,
    catalogue: &Catalogue,
    step: StepKind,
    backend: ComputeBackend,
) -> Output {
    let (input, answer) = state.model_input();
    let shown = ranked(timed.result.scores[0].clone(), input, state.mask_history, answer, TOP_K);
    let answer = shown.answer.map(|(item, rank)| Answer { item, title: catalogue.title(item), rank });
    let rows = shown
        .top
        .into_iter()
        .map(|(item, score)| Row {
            item,
            title: catalogue.title(item),
            detail: catalogue.detail(item),
            score,
            is_answer: answer.as_ref().is_some_and(|a| a.item == item),
        })
        .collect();
    Output {
        rows,
        answer,
        ms: timed.ms,
        workers: timed.workers,
        steps: sampling.steps,
        seeds: sampling.ensemble,
        step,
        backend,
        result: Arc::new(timed.result),
    }
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
