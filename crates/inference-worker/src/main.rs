//! The page's inference worker: the model runs here, off the UI thread (docs/ARCHITECTURE.md §6).
//! A package of its own so that burn (and its WebGPU stack) is linked into this module only; the UI
//! module never runs the model. Built by Trunk as a module worker beside the page (`index.html`).

mod engine;
mod gpu_probe;

use std::rc::Rc;

use inference_protocol::worker::{register_worker, worker_panic_hook};

fn main() {
    inference_protocol::startup::run_constructors_once();
    std::panic::set_hook(Box::new(worker_panic_hook));
    let worker = Rc::new(engine::Worker::default());
    register_worker(Rc::new(move |request| {
        let worker = worker.clone();
        Box::pin(async move { worker.handle(request).await })
    }));
}
