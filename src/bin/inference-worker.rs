//! The page's inference worker: the model runs here, off the UI thread (docs/ARCHITECTURE.md §6).
//! Built by Trunk as a module worker beside the page (`index.html`).

use diffrec_playground::inference::{InferenceWorker, WorkerCodec, worker_panic_hook};
use gloo_worker::Registrable;

fn main() {
    diffrec_playground::startup::run_constructors_once();
    std::panic::set_hook(Box::new(worker_panic_hook));
    InferenceWorker::registrar().encoding::<WorkerCodec>().register();
}
