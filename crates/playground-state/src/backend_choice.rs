//! Which backend a request runs on. "Auto" runs on the CPU until both backends have been timed,
//! then on the faster; an explicit WebGPU choice falls back to the CPU when WebGPU is unavailable.

use serde::{Deserialize, Serialize};

use crate::url_state::BackendChoice;

/// Where the model runs: the one compute-backend type of the page, its worker and its protocol
/// (the user's choice, which may be Auto, is `BackendChoice`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComputeBackend {
    Cpu,
    WebGpu,
}

impl ComputeBackend {
    pub fn label(self) -> &'static str {
        match self {
            ComputeBackend::Cpu => "CPU",
            ComputeBackend::WebGpu => "WebGPU",
        }
    }
}

/// What is known about WebGPU on this page so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WebGpuStatus {
    /// Not started (or still starting).
    Unknown,
    Unavailable,
    Available,
}

/// The backend for a request, given the user's choice, Auto's verdict (if it has one) and WebGPU's
/// status. `Unknown` WebGPU with an explicit WebGPU choice means "start it and try".
pub fn runs_on(requested: BackendChoice, auto_verdict: Option<ComputeBackend>, webgpu: WebGpuStatus) -> ComputeBackend {
    let wanted = match requested {
        BackendChoice::Cpu => ComputeBackend::Cpu,
        BackendChoice::WebGpu => ComputeBackend::WebGpu,
        BackendChoice::Auto => auto_verdict.unwrap_or(ComputeBackend::Cpu),
    };
    if wanted == ComputeBackend::WebGpu && webgpu == WebGpuStatus::Unavailable { ComputeBackend::Cpu } else { wanted }
}

/// Auto's verdict from one timed generation on each backend (after a warm-up); a backend that
/// failed (or gave no finite time) loses; the CPU wins ties and total failure.
pub fn faster(cpu_ms: Option<f64>, gpu_ms: Option<f64>) -> ComputeBackend {
    let ok = |t: Option<f64>| t.filter(|v| v.is_finite() && *v >= 0.0);
    match (ok(cpu_ms), ok(gpu_ms)) {
        (Some(c), Some(g)) if g < c => ComputeBackend::WebGpu,
        (None, Some(_)) => ComputeBackend::WebGpu,
        _ => ComputeBackend::Cpu,
    }
}
