//! Milliseconds from `performance.now()`, on the page's main thread and in its worker alike.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    // Bound to the global `performance` object directly (it exists in windows and workers alike): no
    // reflective lookup per call, which cost more than the clock itself, and no cached handle.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

pub fn now_ms() -> f64 {
    performance_now()
}
