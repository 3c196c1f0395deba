//! The seed helper: a second inference worker that computes the second half of a CPU request's seeds
//! while the main worker computes the first (docs/ARCHITECTURE.md §6): the denoising steps are ≈ 80% of
//! a request and every seed's chain is independent. It starts the first time a request could use it
//! and loads each shown model; until it has, and for ever after a failure, requests run on the main
//! worker alone. This file holds its state; `inference_client.rs` sends the requests.

use std::rc::Rc;

use gloo_worker::oneshot::OneshotBridge;
use inference_protocol::messages::{Reply, Request, Slot};
use inference_protocol::worker::InferenceWorker;
use seqdiff_model::ModelConfig;

#[derive(Default)]
pub struct SeedHelper {
    bridge: Option<OneshotBridge<InferenceWorker>>,
    state: State,
    /// The shown model as the main worker last loaded it (the helper loads the same).
    shown: Option<ShownModel>,
}

#[derive(Clone)]
struct ShownModel {
    /// Counts the shown models loaded, so the helper never answers for a model the page replaced.
    id: u64,
    config: ModelConfig,
    weights: Rc<Vec<u8>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum State {
    #[default]
    NotStarted,
    Loading(u64),
    Ready(u64),
    /// It failed once: requests stay on the main worker.
    Off,
}

/// What the helper can do for a request now.
pub enum Ask {
    /// Take part: its bridge.
    Ready(OneshotBridge<InferenceWorker>),
    /// Not yet: this load starts it (for later requests).
    Start(Load),
    Wait,
}

/// A model load for the helper worker, to run (`Load::run`) and report back (`SeedHelper::loaded`).
pub struct Load {
    id: u64,
    bridge: OneshotBridge<InferenceWorker>,
    request: Request,
}

impl Load {
    /// Sends the load; returns its model's id and whether the helper built the model.
    pub async fn run(mut self) -> (u64, bool) {
        (self.id, matches!(self.bridge.run(self.request).await, Reply::Loaded(Ok(_))))
    }
}

impl SeedHelper {
    /// The main worker now shows this model. A helper that was started must load it too.
    pub fn shown_model_loaded(&mut self, config: ModelConfig, weights: Rc<Vec<u8>>) -> Option<Load> {
        let id = self.shown.as_ref().map_or(0, |m| m.id + 1);
        self.shown = Some(ShownModel { id, config, weights });
        match self.state {
            State::NotStarted | State::Off => None,
            State::Loading(_) | State::Ready(_) => self.start_load(),
        }
    }

    /// Whether the helper can take part in a request now (and, the first time, the load that starts it).
    pub fn ask(&mut self) -> Ask {
        let Some(shown) = self.shown.as_ref().map(|m| m.id) else {
            return Ask::Wait;
        };
        match self.state {
            State::Ready(id) if id == shown => {
                self.bridge.as_ref().map_or(Ask::Wait, |bridge| Ask::Ready(bridge.fork()))
            }
            State::NotStarted => self.start_load().map_or(Ask::Wait, Ask::Start),
            _ => Ask::Wait,
        }
    }

    /// A load ended; only the newest model's load counts.
    pub fn loaded(&mut self, id: u64, ok: bool) {
        if self.state == State::Loading(id) {
            self.state = if ok { State::Ready(id) } else { State::Off };
        }
    }

    /// A request part failed in the helper: it is not asked again.
    pub fn failed(&mut self) {
        self.state = State::Off;
    }

    /// Spawns the worker if needed and makes the shown model's load.
    fn start_load(&mut self) -> Option<Load> {
        let model = self.shown.clone()?;
        let bridge = self.bridge.get_or_insert_with(crate::inference_client::spawn_worker).fork();
        self.state = State::Loading(model.id);
        let request = Request::Load { slot: Slot::Shown, config: model.config, weights: model.weights.to_vec() };
        Some(Load { id: model.id, bridge, request })
    }
}
