//! Hooks the browser tests and the page benchmark call from the console, on
//! `window.playgroundTestHooks`: each closure holds the app's `Inference` handle, so nothing global
//! is needed to reach the worker. (`wasmBindings.simulate_panic`, which needs no state, is in
//! `fatal.rs`.)

use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;

use crate::inference_client::Inference;

pub fn install(inference: Inference) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = js_sys::Object::new();
    let set = |name: &str, f: &JsValue| {
        let _ = js_sys::Reflect::set(&hooks, &name.into(), f);
    };
    // The next WebGPU generation fails as a lost device would.
    let loss = Closure::<dyn Fn()>::new(move || inference.fail_next_webgpu());
    set("simulateWebGpuLoss", loss.as_ref());
    // The worker panics with the given text.
    let panic = Closure::<dyn Fn(String)>::new(move |message| inference.panic_worker(message));
    set("simulateWorkerPanic", panic.as_ref());
    // A promise of the worker's wasm memory in bytes (the page benchmark's soak).
    let memory = Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        wasm_bindgen_futures::future_to_promise(
            async move { Ok(JsValue::from_f64(inference.worker_memory_bytes().await)) },
        )
    });
    set("workerMemoryBytes", memory.as_ref());
    // How many workers may compute one CPU request (1 or 2): the page benchmark compares them.
    let workers = Closure::<dyn Fn(usize)>::new(move |n| inference.set_cpu_workers(n));
    set("setCpuWorkers", workers.as_ref());
    let _ = js_sys::Reflect::set(&window, &"playgroundTestHooks".into(), &hooks);
    // The page's lifetime.
    loss.forget();
    panic.forget();
    memory.forget();
    workers.forget();
}
