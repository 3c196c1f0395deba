//! Which backend a request runs on. "Auto" runs on the CPU until both backends have been timed,
//! then on the faster; an explicit WebGPU choice falls back to the CPU when WebGPU is unavailable.

use crate::url_state::Backend;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    Cpu,
    WebGpu,
}

impl Runs {
    pub fn label(self) -> &'static str {
        match self {
            Runs::Cpu => "CPU",
            Runs::WebGpu => "WebGPU",
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
pub fn runs_on(requested: Backend, auto_verdict: Option<Runs>, webgpu: WebGpuStatus) -> Runs {
    let wanted = match requested {
        Backend::Cpu => Runs::Cpu,
        Backend::WebGpu => Runs::WebGpu,
        Backend::Auto => auto_verdict.unwrap_or(Runs::Cpu),
    };
    if wanted == Runs::WebGpu && webgpu == WebGpuStatus::Unavailable {
        Runs::Cpu
    } else {
        wanted
    }
}

/// Auto's verdict from one timed generation on each backend (after a warm-up); a backend that
/// failed (or gave no finite time) loses; the CPU wins ties and total failure.
pub fn faster(cpu_ms: Option<f64>, gpu_ms: Option<f64>) -> Runs {
    let ok = |t: Option<f64>| t.filter(|v| v.is_finite() && *v >= 0.0);
    match (ok(cpu_ms), ok(gpu_ms)) {
        (Some(c), Some(g)) if g < c => Runs::WebGpu,
        (None, Some(_)) => Runs::WebGpu,
        _ => Runs::Cpu,
    }
}
