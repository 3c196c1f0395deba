//! A seeded model for tests that run side by side in one process.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use seqdiff_model::Device;
use seqdiff_model::config::ModelConfig;
use seqdiff_model::model::SeqDiff;

/// The device's random generator is global and burn initialises parameters lazily, on first use: a
/// test's weights were drawn while another test drew from the same stream, so "the same" model
/// differed run to run (a weight-dependent bound failed about 1 run in 20). Seed, build and draw every
/// weight while no other test can.
pub fn seeded_model(config: &ModelConfig, seed: u64) -> SeqDiff {
    static SEEDED_INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _alone = SEEDED_INIT.lock().unwrap_or_else(|e| e.into_inner());
    let device = Device::flex();
    device.seed(seed);
    let model = SeqDiff::new(config, &device);
    model.visit(&mut DrawWeights);
    model
}

struct DrawWeights;

impl ModuleVisitor for DrawWeights {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}
