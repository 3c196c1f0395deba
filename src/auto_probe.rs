//! Auto's measurement: which backend answers the page's current request faster on this machine.

use leptos::prelude::*;
use playground_state::PageState;
use playground_state::backend_choice::{ComputeBackend, faster};

use crate::inference_client::Inference;
use crate::runner::sampling_of;
use crate::view_model::{AutoPick, Sinks};

impl Inference {
    /// Starts and warms WebGPU, then times the same request once on each backend under the same
    /// conditions: each has run it once untimed (kernels compiled, its encoding cached in the
    /// worker). The faster wins. Runs beside the page's CPU requests.
    pub async fn probe_auto(self, state: PageState, sinks: Sinks) {
        let (input, _) = state.model_input();
        let input: Vec<u32> = if input.is_empty() { vec![1] } else { input.to_vec() };
        let sampling = sampling_of(&state);
        let decided = |chosen, note: String| AutoPick::Decided { chosen, note };
        if let Err(failure) = self.start_and_warm_webgpu(&input, &sampling, sinks.gpu_phase).await {
            sinks.auto.set(decided(ComputeBackend::Cpu, failure.auto_note()));
            return;
        }
        // The CPU's untimed run (WebGPU's was the warm-up). A request with several seeds may be split over
        // two CPU workers from one run to the next (the second worker loads meanwhile): the timed run is
        // repeated once if its route was not the warm-up's, so that it too ran warm.
        let warm = self.generate(ComputeBackend::Cpu, &input, &sampling).await.map(|t| t.workers).ok();
        let mut cpu = self.generate(ComputeBackend::Cpu, &input, &sampling).await.ok();
        if cpu.as_ref().is_some_and(|t| Some(t.workers) != warm) {
            cpu = self.generate(ComputeBackend::Cpu, &input, &sampling).await.ok();
        }
        let cpu = cpu.map(|t| t.ms);
        let gpu = self.generate(ComputeBackend::WebGpu, &input, &sampling).await.map(|t| t.ms).ok();
        let shown = |t: Option<f64>| t.map_or("failed".to_string(), |ms| format!("{ms:.1} ms"));
        let note = format!("CPU {} vs WebGPU {}", shown(cpu), shown(gpu));
        sinks.auto.set(decided(faster(cpu, gpu), note));
    }
}
