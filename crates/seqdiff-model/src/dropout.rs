//! Dropout whose masks can come from a per-thread host RNG. The device's generator is one global
//! stream: when batch parts run their forward passes on parallel threads, the order of its draws
//! (and so every mask) would follow thread timing. With a host RNG installed for the thread the
//! masks depend only on its seed, so a training run is reproducible however it is threaded.

use std::cell::RefCell;

use burn::nn::Dropout;
use burn::tensor::{Tensor, TensorData};
use rand::RngExt;
use rand::rngs::ChaCha8Rng;

thread_local! {
    static HOST_RNG: RefCell<Option<ChaCha8Rng>> = const { RefCell::new(None) };
}

/// Runs `f` with `rng` as this thread's dropout generator (removed again afterwards).
pub fn with_host_rng<T>(rng: ChaCha8Rng, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            HOST_RNG.with(|r| r.borrow_mut().take());
        }
    }
    HOST_RNG.with(|r| *r.borrow_mut() = Some(rng));
    let _reset = Reset;
    f()
}

/// `layer.forward(x)`, with the mask drawn from the thread's host RNG when one is installed.
/// Inactive exactly when burn's dropout is: outside autodiff, when frozen, or at p = 0.
pub fn dropout<const D: usize>(layer: &Dropout, x: Tensor<D>) -> Tensor<D> {
    if !layer.training.is_enabled() || !x.device().is_autodiff() || layer.prob == 0.0 {
        return x;
    }
    let dims = x.dims();
    let keep = 1.0 - layer.prob;
    let scale = (1.0 / keep) as f32;
    let mask = HOST_RNG.with(|r| {
        r.borrow_mut().as_mut().map(|rng| {
            let n: usize = dims.iter().product();
            (0..n).map(|_| if rng.random::<f64>() < keep { scale } else { 0.0 }).collect::<Vec<f32>>()
        })
    });
    match mask {
        Some(mask) => {
            let device = x.device();
            x * Tensor::<D>::from_data(TensorData::new(mask, dims), &device)
        }
        None => layer.forward(x),
    }
}
