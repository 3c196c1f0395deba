//! BackendChoice selection; runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use playground_state::BackendChoice;
use playground_state::backend_choice::{ComputeBackend, WebGpuStatus, faster, runs_on};

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn explicit_choices_are_honoured_unless_webgpu_is_unavailable() {
    for status in [WebGpuStatus::Unknown, WebGpuStatus::Available, WebGpuStatus::Unavailable] {
        assert_eq!(runs_on(BackendChoice::Cpu, Some(ComputeBackend::WebGpu), status), ComputeBackend::Cpu);
    }
    assert_eq!(runs_on(BackendChoice::WebGpu, None, WebGpuStatus::Unknown), ComputeBackend::WebGpu, "start it and try");
    assert_eq!(runs_on(BackendChoice::WebGpu, None, WebGpuStatus::Available), ComputeBackend::WebGpu);
    assert_eq!(runs_on(BackendChoice::WebGpu, None, WebGpuStatus::Unavailable), ComputeBackend::Cpu, "fallback");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn auto_runs_on_the_cpu_until_measured_then_on_the_faster() {
    assert_eq!(runs_on(BackendChoice::Auto, None, WebGpuStatus::Unknown), ComputeBackend::Cpu);
    assert_eq!(
        runs_on(BackendChoice::Auto, Some(ComputeBackend::WebGpu), WebGpuStatus::Available),
        ComputeBackend::WebGpu
    );
    assert_eq!(
        runs_on(BackendChoice::Auto, Some(ComputeBackend::WebGpu), WebGpuStatus::Unavailable),
        ComputeBackend::Cpu
    );
    assert_eq!(faster(Some(3.0), Some(500.0)), ComputeBackend::Cpu);
    assert_eq!(faster(Some(30.0), Some(2.0)), ComputeBackend::WebGpu);
    assert_eq!(faster(Some(2.0), Some(2.0)), ComputeBackend::Cpu, "ties go to the CPU");
    assert_eq!(faster(Some(2.0), None), ComputeBackend::Cpu);
    assert_eq!(faster(None, Some(9.0)), ComputeBackend::WebGpu);
    assert_eq!(faster(Some(f64::NAN), Some(9.0)), ComputeBackend::WebGpu);
    assert_eq!(faster(None, None), ComputeBackend::Cpu);
}
