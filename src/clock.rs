//! Milliseconds from `performance.now()`, on the page's main thread and in its worker alike.

use wasm_bindgen::JsCast;

pub fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |p| p.now())
}
