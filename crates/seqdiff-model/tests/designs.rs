//! The published designs' samplers (DiffuRec's history-token approximator, DreamRec's guided chain)
//! against reference chains written from their formulas, on small random models on the Flex CPU backend.

use burn::tensor::{Tensor, TensorData};
use seqdiff_model::Device;
use seqdiff_model::config::{DenoiserKind, Design, ModelConfig, NoiseSchedule};
use seqdiff_model::model::SeqDiff;
use seqdiff_model::noise::gaussian;
use seqdiff_model::sampler::{LAMBDA_STREAM, Recommender};
use seqdiff_model::schedule::alpha_bars;

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn recommender(config: ModelConfig) -> Recommender {
    let device = Device::flex();
    Recommender::new(SeqDiff::new(&config, &device))
}

/// The classic DDPM step from x_t and x̂0 to x_{t−1}: posterior mean plus √β̃_t·z ("fixed-small").
fn ddpm_step(a: &[f64], t: usize, x: Tensor<2>, x0: Tensor<2>, z: Tensor<2>) -> Tensor<2> {
    let (at, ap) = (a[t], a[t - 1]);
    let beta = 1.0 - at / ap;
    let mean = x0 * (ap.sqrt() * beta / (1.0 - at)) + x * ((at / ap).sqrt() * (1.0 - ap) / (1.0 - at));
    mean + z * ((1.0 - ap) / (1.0 - at) * beta).sqrt()
}

/// Row `slot` of a noise stream, [1, d].
fn slot(stream: &[f32], slot: usize, d: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(stream[slot * d..(slot + 1) * d].to_vec(), [1, d]), device)
}

#[test]
fn diffurec_sampler_matches_its_reference_chain() {
    history_token_chain(DenoiserKind::HistoryTokens, Design::DiffuRec);
}

#[test]
fn diffurecsys_sampler_matches_its_reference_chain() {
    history_token_chain(DenoiserKind::HistoryCrossAttn, Design::DiffuRecSys);
}

/// The approximators that re-run the encoder with the noisy target in its tokens, against the chain
/// written from the formulas around `history_tokens_x0`.
fn history_token_chain(kind: DenoiserKind, design: Design) {
    let config = ModelConfig {
        dim: 16,
        heads: 2,
        denoiser: kind,
        denoiser_hidden: 1,
        dropout: 0.0,
        diffusion_steps: 8,
        schedule: NoiseSchedule::TruncatedLinear,
        // Larger than DiffuRec's 0.001, so the chain visibly moves x̂0 here.
        token_noise: 0.5,
        residual_denoiser: false,
        design,
        ..ModelConfig::new(30)
    };
    let rec = recommender(config);
    let model = &rec.model;
    assert_eq!(model.denoiser.cross.is_some(), kind == DenoiserKind::HistoryCrossAttn);
    let device = model.device();
    let (d, steps) = (16, 8);
    let history = vec![4u32, 8, 15, 16, 23];
    let mut sampling = design.sampling(steps).unwrap();
    sampling.ensemble = 2;
    sampling.seed = 5;
    let got = rec.generate(&[history.clone()], &sampling, true).read();

    // From the formulas: per row r, x_T = slot 0 of stream seed + r, z of step i its slot i + 1; λ of step
    // i = δ + δ·(slot i of stream (seed ^ LAMBDA_STREAM) + r); x̂0 = the encoder's newest output with
    // λ ⊙ (x_t + τ(t)) added to every token; then the DDPM posterior step.
    let a = alpha_bars(NoiseSchedule::TruncatedLinear, steps);
    let table = model.denoiser.time_table(&device);
    for r in 0..2u64 {
        let noise = gaussian(sampling.seed + r, steps * d);
        let lambdas = gaussian((sampling.seed ^ LAMBDA_STREAM).wrapping_add(r), steps * d);
        let windows = model.token_windows(&[history.clone()]);
        let mut x = slot(&noise, 0, d, &device);
        let mut x0 = x.clone();
        for (i, t) in (0..steps).rev().enumerate() {
            let lambda = slot(&lambdas, i, d, &device) * 0.5 + 0.5;
            x0 = model.history_tokens_x0(&windows, x.clone(), table.clone().slice([t..t + 1]), lambda);
            if t > 0 {
                x = ddpm_step(&a, t, x, x0.clone(), slot(&noise, i + 1, d, &device));
            }
        }
        let row = &got.final_x0[r as usize];
        assert!(max_abs_diff(row, &to_vec(x0)) < 1e-4, "row {r}");
    }
    // The chain moves x̂0: the first and last points of the trajectory differ.
    let trajectory = &got.trajectory;
    assert!(max_abs_diff(&trajectory[0][0], &trajectory[steps - 1][0]) > 1e-3);
    // Guidance means nothing to this approximator: asking for it changes nothing.
    let guided = rec.generate(&[history], &seqdiff_model::SamplingConfig { guidance: 2.0, ..sampling }, false).read();
    assert_eq!(guided.final_x0, got.final_x0);
    assert!(guided.endpoints.is_none());
}

#[test]
fn dreamrec_sampler_matches_its_reference_chain() {
    let config = ModelConfig {
        dim: 16,
        denoiser_hidden: 32,
        dropout: 0.0,
        diffusion_steps: 12,
        schedule: NoiseSchedule::VpExponential,
        residual_denoiser: false,
        design: Design::DreamRec,
        ..ModelConfig::new(30)
    };
    let rec = recommender(config);
    let model = &rec.model;
    let device = model.device();
    let (d, steps) = (16, 12);
    let history = vec![2u32, 9, 11];
    let sampling = Design::DreamRec.sampling(steps).unwrap();
    assert_eq!((sampling.guidance, sampling.steps, sampling.eta), (2.0, 12, 1.0));
    let got = rec.generate(&[history.clone()], &sampling, false).read();

    // From the formulas: x̂0 = (1 + w)·f(x_t, h, t) − w·f(x_t, ∅, t), h the encoder's newest output, then
    // the DDPM posterior step, over all T steps of the exp schedule.
    let a = alpha_bars(NoiseSchedule::VpExponential, steps);
    let table = model.denoiser.time_table(&device);
    let h = model.encode(vec![history.clone()]).outputs.slice([0..1, 2..3]).reshape([1, d]);
    let noise = gaussian(sampling.seed, steps * d);
    let mut x = slot(&noise, 0, d, &device);
    let mut x0 = x.clone();
    for (i, t) in (0..steps).rev().enumerate() {
        let temb = table.clone().slice([t..t + 1]);
        let fc = model.denoiser.forward(x.clone(), h.clone(), temb.clone());
        let fu = model.denoiser.forward(x.clone(), model.null_rows(1), temb);
        x0 = fc * 3.0 - fu * 2.0;
        if t > 0 {
            x = ddpm_step(&a, t, x, x0.clone(), slot(&noise, i + 1, d, &device));
        }
    }
    assert!(max_abs_diff(&got.final_x0[0], &to_vec(x0)) < 1e-4);
}
