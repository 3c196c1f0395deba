//! Key-space diffusion (score interpolation) and the start strength s, checked against chains written
//! from the formulas on a small random model.

use burn::module::Param;
use burn::tensor::activation::softmax;
use burn::tensor::{Tensor, TensorData};
use seqdiff_model::config::{DiffusionSpace, ModelConfig, SamplingConfig};
use seqdiff_model::model::SeqDiff;
use seqdiff_model::noise::gaussian;
use seqdiff_model::sampler::Recommender;
use seqdiff_model::schedule::{cosine_alpha_bars, ddim_coefficients, respaced_timesteps_from};

mod common;

fn recommender(space: DiffusionSpace) -> Recommender {
    let config = ModelConfig {
        dim: 16,
        denoiser_hidden: 32,
        dropout: 0.0,
        repeat_offset: true,
        diffusion_space: space,
        ..ModelConfig::new(30)
    };
    let mut model = common::seeded_model(&config, 3);
    let device = model.device();
    // A non-zero repeat offset (−3), so the softmax the chain feeds back must apply it.
    model.repeat_bias = Some(Param::from_tensor(Tensor::<1>::from_data(TensorData::new(vec![-0.3f32], [1]), &device)));
    Recommender::new(model)
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Softmax over items of x [1, d] as the sampler scores it (against the scoring keys, padding
/// removed, the repeat offset once on each history item), then Σ_j p_j·ẽ_j: the key the distribution expects.
fn expected_key(model: &SeqDiff, x: Tensor<2>, history: &[u32]) -> Tensor<2> {
    let n = model.config.num_items + 1;
    let mut bias = vec![0.0f32; n];
    bias[0] = f32::NEG_INFINITY;
    let offset = model.repeat_offset();
    for &i in history {
        bias[i as usize] = offset;
    }
    let logits = x.matmul(model.scoring_keys().transpose()) * model.logit_scale()
        + Tensor::<2>::from_data(TensorData::new(bias, [1, n]), &model.device());
    softmax(logits, 1).matmul(model.normalised_items())
}

/// The chain from the formulas: x_start = √ᾱ_s·prior + √(1−ᾱ_s)·z (pure noise at s = 1), then per
/// step the guided x̂0, the fed-back vector (x̂0 itself, or its expected key in key space) and DDIM
/// (η = 0). Returns (inputs x_t per step, final x̂0).
fn reference(rec: &Recommender, history: &[u32], s: &SamplingConfig) -> (Vec<Vec<f32>>, Vec<f32>) {
    let model = &rec.model;
    let (device, d) = (model.device(), model.config.dim);
    let a = cosine_alpha_bars(model.config.diffusion_steps);
    let len = history.len();
    let cond = model.encode(vec![history.to_vec()]).outputs.slice([0..1, len - 1..len]).reshape([1, d]);
    let key_space = model.config.diffusion_space == DiffusionSpace::Key;
    let feed = |x0: Tensor<2>| {
        if key_space { expected_key(model, x0, history) } else { x0 }
    };
    let start = s.start_timestep(model.config.diffusion_steps);
    let ts = respaced_timesteps_from(start, s.steps);
    let z = Tensor::<2>::from_data(TensorData::new(gaussian(s.seed, d), [1, d]), &device);
    let mut x = if s.start < 1.0 { feed(cond.clone()) * a[start].sqrt() + z * (1.0 - a[start]).sqrt() } else { z };
    let table = model.denoiser.time_table(&device);
    let (mut inputs, mut x0) = (vec![], x.clone());
    for (i, &t) in ts.iter().enumerate() {
        inputs.push(to_vec(x.clone()));
        let temb = table.clone().slice([t..t + 1]);
        let fc = model.denoiser.forward(x.clone(), cond.clone(), temb.clone());
        let fu = model.denoiser.forward(x.clone(), model.null_rows(1), temb);
        x0 = fc * (1.0 + s.guidance) - fu * s.guidance;
        if let Some(&prev) = ts.get(i + 1) {
            let c = ddim_coefficients(&a, t, Some(prev), 0.0);
            let fed = feed(x0.clone());
            let eps = (x.clone() - fed.clone() * c.sqrt_alpha_bar) / c.sqrt_one_minus_alpha_bar;
            x = fed * c.c_x0 + eps * c.c_eps;
        }
    }
    (inputs, to_vec(x0))
}

fn traced(rec: &Recommender, history: &[u32], s: &SamplingConfig) -> (Vec<Vec<f32>>, Vec<f32>) {
    let g = rec.generate_traced(&rec.encode(&[history.to_vec()]), s);
    let d = rec.model.config.dim;
    let inputs = to_vec(g.chain_inputs.expect("traced inputs"));
    (inputs.chunks(d).map(<[f32]>::to_vec).collect(), to_vec(g.final_x0))
}

#[test]
fn the_sampler_follows_the_formulas_in_both_spaces_from_noise_and_part_way() {
    let history = [3, 9, 4, 17, 4];
    for space in [DiffusionSpace::Query, DiffusionSpace::Key] {
        let rec = recommender(space);
        for (steps, start, guidance) in [(5, 1.0, 0.0), (7, 1.0, 2.0), (4, 0.3, 1.0), (3, 0.01, 0.0)] {
            let s = SamplingConfig { guidance, steps, eta: 0.0, ensemble: 1, seed: 21, start };
            let (inputs, x0) = traced(&rec, &history, &s);
            let (ref_inputs, ref_x0) = reference(&rec, &history, &s);
            assert_eq!(inputs.len(), ref_inputs.len(), "{space:?} {s:?}");
            for (a, b) in inputs.iter().zip(&ref_inputs) {
                assert!(max_abs_diff(a, b) < 1e-4, "{space:?} {s:?}: x_t {a:?} vs {b:?}");
            }
            assert!(max_abs_diff(&x0, &ref_x0) < 1e-4, "{space:?} {s:?}");
        }
    }
}

#[test]
fn start_one_is_pure_noise_and_a_small_start_begins_at_the_encoders_prediction() {
    let history = [5, 6, 7];
    for space in [DiffusionSpace::Query, DiffusionSpace::Key] {
        let rec = recommender(space);
        let d = rec.model.config.dim;
        let noise = gaussian(8, d);
        let at = |start: f64| {
            traced(&rec, &history, &SamplingConfig { guidance: 0.0, steps: 3, eta: 0.0, ensemble: 1, seed: 8, start }).0
        };
        assert_eq!(at(1.0)[0], noise, "s = 1 starts from the seed's noise itself");
        // At the smallest start the chain begins (and, with one distinct timestep, stays) at t = 0,
        // where √(1 − ᾱ_0) is tiny: x_t is the prior to within that.
        let small = at(0.0);
        assert_eq!(small.len(), 1, "t = 0 is the only timestep left");
        let (encoded, len) = (rec.model.encode(vec![history.to_vec()]), history.len());
        let cond = encoded.outputs.slice([0..1, len - 1..len]).reshape([1, d]);
        let prior =
            if space == DiffusionSpace::Key { to_vec(expected_key(&rec.model, cond, &history)) } else { to_vec(cond) };
        let bound =
            (1.0 - cosine_alpha_bars(50)[0]).sqrt() as f32 * noise.iter().fold(0.0f32, |m, v| m.max(v.abs())) + 1e-3;
        assert!(max_abs_diff(&small[0], &prior) < bound, "{space:?}: {:?} vs {prior:?}", small[0]);
    }
}
