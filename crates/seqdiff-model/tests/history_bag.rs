//! The history bag (`ModelConfig::history_bag`): the denoiser reads the mean normalised key of the
//! user's whole history, items older than the encoder's window included.

use burn::module::Param;
use burn::tensor::{Tensor, TensorData};
use seqdiff_model::Device;
use seqdiff_model::config::{ModelConfig, SamplingConfig};
use seqdiff_model::model::prefix_bags;
use seqdiff_model::noise::gaussian;
use seqdiff_model::sampler::Recommender;

mod common;

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn prefix_bags_average_each_prefix_and_leave_empty_prefixes_zero() {
    let device = Device::flex();
    // Keys of items 0..4 in d = 2: item i is (i, 10·i).
    let keys =
        Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 0.0, 1.0, 10.0, 2.0, 20.0, 3.0, 30.0], [4, 2]), &device);
    let bags = prefix_bags(keys, &[vec![1, 3], vec![2]], &[vec![0, 1, 2], vec![1, 5, 0]]);
    assert_eq!(bags.dims(), [2, 3, 2]);
    let expected = [0.0, 0.0, 1.0, 10.0, 2.0, 20.0, /* window 2 */ 2.0, 20.0, 2.0, 20.0, 0.0, 0.0];
    assert!(max_abs_diff(&to_vec(bags), &expected) < 1e-6);
}

fn recommender(history_bag: bool) -> Recommender {
    let config =
        ModelConfig { dim: 16, denoiser_hidden: 32, dropout: 0.0, max_len: 3, history_bag, ..ModelConfig::new(30) };
    let mut model = common::seeded_model(&config, 5);
    let device = model.device();
    // The bag's layer starts at zero (a staged run starts from the denoiser without it): give it
    // weights, as training would.
    if let Some(layer) = model.denoiser.bag_in.as_mut() {
        layer.weight =
            Param::from_tensor(Tensor::<2>::from_data(TensorData::new(gaussian(9, 16 * 32), [16, 32]), &device));
    }
    Recommender::new(model)
}

fn scores(rec: &Recommender, history: &[u32], steps: usize) -> Vec<f32> {
    let sampling = SamplingConfig { steps, guidance: 1.0, ..SamplingConfig::default() };
    rec.generate(&[history.to_vec()], &sampling, false).read().scores.concat()
}

#[test]
fn the_bag_lets_items_older_than_the_window_change_the_diffusion_output_only() {
    // The same newest three items (the encoder's whole window), different older ones.
    let (a, b) = ([4, 5, 6, 7, 8, 9], [11, 12, 13, 7, 8, 9]);
    let with_bag = recommender(true);
    assert!(
        max_abs_diff(&scores(&with_bag, &a, 0), &scores(&with_bag, &b, 0)) < 1e-6,
        "the encoder alone sees only its window"
    );
    assert!(
        max_abs_diff(&scores(&with_bag, &a, 2), &scores(&with_bag, &b, 2)) > 1e-4,
        "the denoiser reads the whole history"
    );
    let without = recommender(false);
    assert!(
        max_abs_diff(&scores(&without, &a, 2), &scores(&without, &b, 2)) < 1e-6,
        "without the bag only the window counts"
    );
}
