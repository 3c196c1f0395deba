//! Backend selection; runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use playground_state::Backend;
use playground_state::backend_choice::{Runs, WebGpuStatus, faster, runs_on};

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn explicit_choices_are_honoured_unless_webgpu_is_unavailable() {
    for status in [
        WebGpuStatus::Unknown,
        WebGpuStatus::Available,
        WebGpuStatus::Unavailable,
    ] {
        assert_eq!(runs_on(Backend::Cpu, Some(Runs::WebGpu), status), Runs::Cpu);
    }
    assert_eq!(
        runs_on(Backend::WebGpu, None, WebGpuStatus::Unknown),
        Runs::WebGpu,
        "start it and try"
    );
    assert_eq!(
        runs_on(Backend::WebGpu, None, WebGpuStatus::Available),
        Runs::WebGpu
    );
    assert_eq!(
        runs_on(Backend::WebGpu, None, WebGpuStatus::Unavailable),
        Runs::Cpu,
        "fallback"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn auto_runs_on_the_cpu_until_measured_then_on_the_faster() {
    assert_eq!(
        runs_on(Backend::Auto, None, WebGpuStatus::Unknown),
        Runs::Cpu
    );
    assert_eq!(
        runs_on(Backend::Auto, Some(Runs::WebGpu), WebGpuStatus::Available),
        Runs::WebGpu
    );
    assert_eq!(
        runs_on(Backend::Auto, Some(Runs::WebGpu), WebGpuStatus::Unavailable),
        Runs::Cpu
    );
    assert_eq!(faster(Some(3.0), Some(500.0)), Runs::Cpu);
    assert_eq!(faster(Some(30.0), Some(2.0)), Runs::WebGpu);
    assert_eq!(
        faster(Some(2.0), Some(2.0)),
        Runs::Cpu,
        "ties go to the CPU"
    );
    assert_eq!(faster(Some(2.0), None), Runs::Cpu);
    assert_eq!(faster(None, Some(9.0)), Runs::WebGpu);
    assert_eq!(faster(Some(f64::NAN), Some(9.0)), Runs::WebGpu);
    assert_eq!(faster(None, None), Runs::Cpu);
}
