//! Milliseconds from `performance.now()`, on the page's main thread and in its worker alike.

use wasm_bindgen::JsCast;

thread_local! {
    // Looked up once: the lookup (a reflective get and a type check) cost more than the clock
    // itself, and the worker times every request with it.
    static PERFORMANCE: Option<web_sys::Performance> = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok());
}

pub fn now_ms() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map_or(0.0, |p| p.now()))
}
