//! The inference worker itself, as both modules see it: gloo-worker's oneshot worker (so
//! concurrent requests each get their own reply), its registration in the worker module, its codec
//! and the worker's panic hook. The UI module only spawns it (`WORKER_SCRIPT`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use gloo_worker::oneshot::oneshot;
use gloo_worker::{Bincode, Codec};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::messages::{Reply, Request};

/// The worker's script (Trunk's loader for the `inference-worker` binary), relative to the page so
/// the site works from any sub-path.
pub const WORKER_SCRIPT: &str = "./inference-worker_loader.js";

/// What the worker module runs for each request: a closure that owns the worker's state (its model).
pub type Handler = Rc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Reply>>>>;

thread_local! {
    // The one global of the protocol: gloo-worker's oneshot worker is a plain function, so the
    // handler the worker module registers (and the model it owns) can reach it no other way.
    static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
}

#[oneshot]
pub async fn InferenceWorker(request: Request) -> Reply {
    // Set by `register_worker` before the first message can arrive; the UI module only spawns.
    let handler = HANDLER.with(|h| h.borrow().clone()).expect("the inference worker registers its handler first");
    handler(request).await
}

/// In the worker module: runs `handler` for every request from the page.
pub fn register_worker(handler: Handler) {
    use gloo_worker::Registrable;
    HANDLER.with(|h| *h.borrow_mut() = Some(handler));
    InferenceWorker::registrar().encoding::<WorkerCodec>().register();
}

/// gloo-worker's bincode messages, plus one message that is not bincode: a panic in the worker posts
/// its text as a plain string (`worker_panic_hook`), and decoding it panics on the UI thread with
/// that text, so the page's error screen shows what happened instead of waiting forever.
pub struct WorkerCodec;

impl Codec for WorkerCodec {
    fn encode<I: Serialize>(input: I) -> JsValue {
        Bincode::encode(input)
    }

    fn decode<O: DeserializeOwned>(input: JsValue) -> O {
        if let Some(text) = input.as_string() {
            panic!("the inference worker stopped: {text}");
        }
        Bincode::decode(input)
    }
}

/// Installed by the worker: the usual console message, then the panic's text to the UI thread.
pub fn worker_panic_hook(info: &std::panic::PanicHookInfo) {
    use wasm_bindgen::JsCast;
    console_error_panic_hook::hook(info);
    if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        let _ = scope.post_message(&JsValue::from_str(&info.to_string()));
    }
}
