//! Asks the browser for a WebGPU adapter before burn touches it, and describes the adapter
//! (burn's own adapter info is empty in the browser). Works in the worker and on the main thread:
//! it reads `navigator` from whichever global scope it runs in.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// "vendor architecture description" of the default adapter, or why there is none.
pub async fn adapter_description() -> Result<String, String> {
    let navigator = get(&js_sys::global(), "navigator");
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser offers no WebGPU here (navigator.gpu is missing)".into());
    }
    let request = get(&gpu, "requestAdapter")
        .dyn_into::<js_sys::Function>()
        .map_err(|_| "navigator.gpu.requestAdapter is missing")?;
    let promise = request.call0(&gpu).map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    let adapter =
        JsFuture::from(js_sys::Promise::from(promise)).await.map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("the browser offers no WebGPU adapter".into());
    }
    let info = get(&adapter, "info");
    let text: Vec<String> = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|k| get(&info, k).as_string())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(if text.is_empty() { "unnamed adapter".into() } else { text.join(" ") })
}
