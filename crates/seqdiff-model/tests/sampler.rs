//! The sampler tests ARCHITECTURE.md §4 describes, on a small random model on the Flex CPU backend.

use burn::tensor::{Tensor, TensorData};
use seqdiff_model::Device;
use seqdiff_model::GenerationResult;
use seqdiff_model::config::{DenoiserKind, ModelConfig, SamplingConfig};
use seqdiff_model::encoder::attention_bias;
use seqdiff_model::noise::gaussian;
use seqdiff_model::sampler::Recommender;
use seqdiff_model::schedule::{cosine_alpha_bars, respaced_timesteps};

fn small_config(kind: DenoiserKind) -> ModelConfig {
    ModelConfig { dim: 16, denoiser_hidden: 32, denoiser: kind, dropout: 0.0, ..ModelConfig::new(30) }
}

mod common;

fn recommender(kind: DenoiserKind) -> Recommender {
    Recommender::new(common::seeded_model(&small_config(kind), 7))
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn sampling(guidance: f64, steps: usize, eta: f64) -> SamplingConfig {
    SamplingConfig { guidance, steps, eta, ensemble: 1, seed: 11, start: 1.0 }
}

/// A host-driven reference chain, written from the formulas and independent of the sampler's code
/// path: per row r of a K-seed ensemble (noise stream seed + r: slot 0 is x_T, slot i + 1 the z of
/// step i), per step two denoiser calls with the τ(t) row and x̂0 = (1 + w)·f(x, c) − w·f(x, ∅). Then
/// DDIM with η: σ = η·√((1 − ᾱ')/(1 − ᾱ))·√(1 − ᾱ/ᾱ'), x' = √ᾱ'·x̂0 + √(1 − ᾱ' − σ²)·ε + σ·z; or,
/// when `ddpm`, the classic DDPM posterior (full chain only). Returns each row's final x̂0.
fn reference_rows(rec: &Recommender, history: &[u32], s: &SamplingConfig, ddpm: bool) -> Vec<Vec<f32>> {
    let model = &rec.model;
    let device = model.device();
    let d = model.config.dim;
    let a = cosine_alpha_bars(model.config.diffusion_steps);
    let len = history.len();
    let cond = model.encode(vec![history.to_vec()]).outputs.slice([0..1, len - 1..len]).reshape([1, d]);
    let table = model.denoiser.time_table(&device);
    let ts = respaced_timesteps(model.config.diffusion_steps, s.steps);
    let slots = if ddpm || s.eta > 0.0 { ts.len() } else { 1 };
    (0..s.ensemble)
        .map(|r| {
            let stream = gaussian(s.seed + r as u64, slots * d);
            let row = |slot: usize| {
                Tensor::<2>::from_data(TensorData::new(stream[slot * d..(slot + 1) * d].to_vec(), [1, d]), &device)
            };
            let mut x = row(0);
            let mut x0 = x.clone();
            for (i, &t) in ts.iter().enumerate() {
                let temb = table.clone().slice([t..t + 1]);
                let fc = model.denoiser.forward(x.clone(), cond.clone(), temb.clone());
                let fu = model.denoiser.forward(x.clone(), model.null_rows(1), temb);
                x0 = fc * (1.0 + s.guidance) - fu * s.guidance;
                let Some(&tp) = ts.get(i + 1) else { break };
                if ddpm {
                    assert_eq!(tp + 1, t, "DDPM reference needs the full chain");
                    let alpha = a[t] / a[tp];
                    let beta = 1.0 - alpha;
                    let mean = x0.clone() * (a[tp].sqrt() * beta / (1.0 - a[t]))
                        + x.clone() * (alpha.sqrt() * (1.0 - a[tp]) / (1.0 - a[t]));
                    let var = (1.0 - a[tp]) / (1.0 - a[t]) * beta;
                    x = mean + row(i + 1) * var.sqrt();
                    continue;
                }
                let sigma = s.eta * ((1.0 - a[tp]) / (1.0 - a[t])).sqrt() * (1.0 - a[t] / a[tp]).sqrt();
                let eps = (x.clone() - x0.clone() * a[t].sqrt()) / (1.0 - a[t]).sqrt();
                x = x0.clone() * a[tp].sqrt() + eps * (1.0 - a[tp] - sigma * sigma).sqrt();
                if sigma > 0.0 {
                    x = x + row(i + 1) * sigma;
                }
            }
            to_vec(x0)
        })
        .collect()
}

#[test]
fn guidance_zero_is_conditional_and_minus_one_is_unconditional() {
    let rec = recommender(DenoiserKind::Mlp);
    let device = rec.device();
    let history = vec![3u32, 5, 9];
    let d = rec.model.config.dim;
    let x_t = Tensor::<2>::from_data(TensorData::new(gaussian(11, d), [1, d]), &device);
    let enc = rec.model.encode(vec![history.clone()]);
    let cond = enc.outputs.slice([0..1, 2..3]).reshape([1, d]);
    let temb = rec.model.denoiser.time_table(&device).slice([49..50]);
    let conditional = to_vec(rec.model.denoiser.forward(x_t.clone(), cond, temb.clone()));
    let unconditional = to_vec(rec.model.denoiser.forward(x_t, rec.model.null_rows(1), temb));
    assert!(max_abs_diff(&conditional, &unconditional) > 1e-3, "condition must matter");

    let w0 = rec.generate(&[history.clone()], &sampling(0.0, 1, 0.0), false).read();
    assert!(max_abs_diff(&w0.final_x0[0], &conditional) < 1e-5);
    let wm1 = rec.generate(&[history.clone()], &sampling(-1.0, 1, 0.0), false).read();
    assert!(max_abs_diff(&wm1.final_x0[0], &unconditional) < 1e-5);
    // Guided endpoints are the two parts of the mix.
    let w2 = rec.generate(&[history], &sampling(2.0, 1, 0.0), false).read();
    let (c, u) = w2.endpoints.unwrap();
    assert!(max_abs_diff(&c[0], &conditional) < 1e-5 && max_abs_diff(&u[0], &unconditional) < 1e-5);
    let mix: Vec<f32> = c[0].iter().zip(&u[0]).map(|(c, u)| 3.0 * c - 2.0 * u).collect();
    assert!(max_abs_diff(&w2.final_x0[0], &mix) < 1e-4);
}

#[test]
fn eta_one_on_the_full_chain_equals_ddpm() {
    let rec = recommender(DenoiserKind::Mlp);
    let s = sampling(1.5, 50, 1.0);
    let got = rec.generate(&[vec![4, 8, 15, 16]], &s, false).read();
    let want = reference_rows(&rec, &[4, 8, 15, 16], &s, true).remove(0);
    assert!(max_abs_diff(&got.final_x0[0], &want) < 1e-3, "{:?} vs {:?}", &got.final_x0[0][..4], &want[..4]);
}

#[test]
fn respaced_steps_feed_original_timesteps() {
    let rec = recommender(DenoiserKind::Mlp);
    for steps in [2, 5, 13] {
        let s = sampling(0.5, steps, 0.0);
        let got = rec.generate(&[vec![1, 2, 3]], &s, false).read();
        let want = reference_rows(&rec, &[1, 2, 3], &s, false).remove(0);
        assert!(max_abs_diff(&got.final_x0[0], &want) < 1e-4, "steps={steps}");
    }
    // Feeding 0..S-1 instead (the classic bug) would give another answer: the table rows differ.
    let table = to_vec(rec.model.denoiser.time_table(&rec.device()));
    let d = rec.model.config.dim;
    assert!(max_abs_diff(&table[49 * d..50 * d], &table[d..2 * d]) > 1e-3);
}

#[test]
fn noise_and_steps_change_the_output() {
    for residual in [false, true] {
        let config = ModelConfig { residual_denoiser: residual, ..small_config(DenoiserKind::Mlp) };
        let rec = Recommender::new(common::seeded_model(&config, 7));
        let h = vec![vec![2u32, 7, 7, 1]];
        let base = rec.generate(&h, &sampling(1.0, 10, 0.0), false).read();
        let again = rec.generate(&h, &sampling(1.0, 10, 0.0), false).read();
        assert_eq!(base, again, "same seed, same result");
        let other_seed = rec.generate(&h, &SamplingConfig { seed: 12, ..sampling(1.0, 10, 0.0) }, false).read();
        let other_steps = rec.generate(&h, &sampling(1.0, 3, 0.0), false).read();
        // The part of x̂0 the noise can move: the guided MLP output (x̂0 minus (1+w)c − w∅ if residual).
        let d = config.dim;
        let offset = if residual {
            let c = rec.model.encode(h.clone()).outputs.slice([0..1, 3..4]).reshape([1, d]);
            to_vec(c * 2.0 - rec.model.null_rows(1))
        } else {
            vec![0.0; d]
        };
        let norm = base.final_x0[0].iter().zip(&offset).map(|(v, o)| (v - o) * (v - o)).sum::<f32>().sqrt();
        assert!(max_abs_diff(&base.final_x0[0], &other_seed.final_x0[0]) > 1e-3 * norm, "residual {residual}");
        assert!(max_abs_diff(&base.final_x0[0], &other_steps.final_x0[0]) > 1e-3 * norm, "residual {residual}");
    }
}

#[test]
fn trajectory_has_one_point_per_step_and_ends_at_the_output() {
    let rec = recommender(DenoiserKind::Mlp);
    let s = SamplingConfig { ensemble: 3, ..sampling(2.0, 7, 0.5) };
    let r = rec.generate(&[vec![5, 6]], &s, true).read();
    assert_eq!(r.trajectory.len(), 7);
    assert_eq!(r.trajectory[0].len(), 3);
    assert_eq!(r.trajectory[6], r.final_x0);
    assert_eq!(r.scores.len(), 1);
    assert_eq!(r.scores[0].len(), 31);
    assert_eq!(r.scores[0][0], 0.0, "padding is never scored");
    let total: f32 = r.scores[0].iter().sum();
    assert!((total - 1.0).abs() < 1e-4, "averaged softmax sums to 1, got {total}");
    // Trimmed to the first row (what the page reads back): the same first row, nothing else changed.
    let trimmed = rec.generate(&[vec![5, 6]], &s, true).keep_trajectory_rows(1).read();
    assert_eq!(trimmed.trajectory.len(), 7);
    for (step, full) in trimmed.trajectory.iter().zip(&r.trajectory) {
        assert_eq!(step.as_slice(), &full[..1]);
    }
    assert_eq!((&trimmed.scores, &trimmed.final_x0, &trimmed.endpoints), (&r.scores, &r.final_x0, &r.endpoints));
}

/// A request's seeds split in two parts (as the page splits them over two workers) and joined give
/// the request computed whole: every denoiser, guided with η > 0 (noise at every step), and DiffuRec's
/// approximator (its λ stream), and key space with a repeat offset and the history bag from a part-way start.
#[test]
fn seeds_computed_in_two_parts_join_into_the_whole_request() {
    let tokens = ModelConfig {
        denoiser: DenoiserKind::HistoryTokens,
        token_noise: 0.5,
        residual_denoiser: false,
        design: seqdiff_model::config::Design::DiffuRec,
        ..small_config(DenoiserKind::Mlp)
    };
    // Key space, a repeat offset and the history bag, started part-way down the chain.
    let key_space = ModelConfig {
        diffusion_space: seqdiff_model::config::DiffusionSpace::Key,
        repeat_offset: true,
        history_bag: true,
        ..small_config(DenoiserKind::Mlp)
    };
    let configs = [
        (small_config(DenoiserKind::Mlp), 1.0),
        (small_config(DenoiserKind::CrossAttn), 1.0),
        (tokens, 1.0),
        (key_space, 0.5),
    ];
    for (config, start) in configs {
        let rec = Recommender::new(common::seeded_model(&config, 7));
        let encoding = rec.encode(&[vec![2u32, 7, 7, 1, 19]]);
        let whole = SamplingConfig { ensemble: 5, start, ..sampling(1.5, 6, 0.7) };
        let expected = rec.generate_encoded(&encoding, &whole, true).read();
        let first = rec.generate_seed_rows(&encoding, &SamplingConfig { ensemble: 3, ..whole.clone() }, 0, true).read();
        let rest = rec.generate_seed_rows(&encoding, &SamplingConfig { ensemble: 2, ..whole.clone() }, 3, true).read();
        let joined = first.clone().join_seeds(rest).unwrap();
        let kind = config.denoiser;
        assert_eq!((joined.rows, joined.final_x0.len()), (5, 5), "{kind:?}");
        assert!(max_abs_diff(&joined.scores[0], &expected.scores[0]) < 1e-6, "{kind:?}");
        for (got, want) in joined.final_x0.iter().zip(&expected.final_x0) {
            assert!(max_abs_diff(got, want) < 1e-5, "{kind:?}");
        }
        match (&joined.endpoints, &expected.endpoints) {
            (Some((c, u)), Some((ec, eu))) => {
                assert!(c.iter().zip(ec).chain(u.iter().zip(eu)).all(|(a, b)| max_abs_diff(a, b) < 1e-5), "{kind:?}")
            }
            (None, None) => assert!(kind.reruns_encoder(), "{kind:?}: unguided only when it cannot be guided"),
            _ => panic!("{kind:?}: endpoints of one and not the other"),
        }
        // The trajectory is the first part's, whose first seed is the whole request's first seed.
        assert_eq!(joined.trajectory.len(), expected.trajectory.len());
        for (got, want) in joined.trajectory.iter().zip(&expected.trajectory) {
            assert!(max_abs_diff(&got[0], &want[0]) < 1e-5, "{kind:?}");
        }
        // Parts that are not one request's do not join.
        let other_dim = GenerationResult { dim: 3, ..first.clone() };
        assert!(first.clone().join_seeds(other_dim).is_err());
        let two_users = GenerationResult { users: 2, ..first.clone() };
        assert!(first.join_seeds(two_users).is_err());
    }
}

#[test]
fn ensemble_rows_reuse_single_seed_streams_and_batching_is_consistent() {
    let rec = recommender(DenoiserKind::Mlp);
    let h = vec![9u32, 3];
    let k4 = rec.generate(&[h.clone()], &SamplingConfig { ensemble: 4, ..sampling(1.0, 5, 0.0) }, false).read();
    // Row k of an ensemble with seed s equals a single-seed run with seed s + k.
    let single = rec.generate(&[h.clone()], &SamplingConfig { seed: 13, ..sampling(1.0, 5, 0.0) }, false).read();
    assert!(max_abs_diff(&k4.final_x0[2], &single.final_x0[0]) < 1e-5);
    // The ensemble score is the mean of the members' softmaxes.
    let members: Vec<Vec<f32>> = (0..4)
        .map(|k| {
            rec.generate(&[h.clone()], &SamplingConfig { seed: 11 + k, ..sampling(1.0, 5, 0.0) }, false).read().scores
                [0]
            .clone()
        })
        .collect();
    let mean: Vec<f32> = (0..31).map(|i| members.iter().map(|m| m[i]).sum::<f32>() / 4.0).collect();
    assert!(max_abs_diff(&k4.scores[0], &mean) < 1e-5);
    // A history padded into a batch with a longer one gets the same scores as alone (seed aligned).
    let alone = rec.generate(&[vec![4, 4, 20]], &SamplingConfig { seed: 12, ..sampling(0.0, 4, 0.0) }, false).read();
    let batched = rec.generate(&[vec![1, 2, 3, 4, 5, 6], vec![4, 4, 20]], &sampling(0.0, 4, 0.0), false).read();
    assert!(max_abs_diff(&alone.scores[0], &batched.scores[1]) < 1e-5);
}

#[test]
fn padded_keys_get_zero_attention_weight() {
    let rec = recommender(DenoiserKind::Mlp);
    let device = rec.device();
    let windows = vec![vec![0u32, 0, 5, 7], vec![3, 1, 4, 1]];
    let bias = attention_bias(&windows, 4, &device);
    let x = rec.model.embed(&windows);
    let w = to_vec(rec.model.encoder.blocks[0].attention.weights(x.clone(), x, bias)); // [2, H, 4, 4]
    let heads = rec.model.config.heads;
    for h in 0..heads {
        for i in 0..4 {
            for j in 0..4 {
                let v = w[((h) * 4 + i) * 4 + j];
                if i >= 2 && j < 2 {
                    assert_eq!(v, 0.0, "real query {i} must not see padded key {j}");
                }
                if j > i {
                    assert_eq!(v, 0.0, "no query sees the future");
                }
            }
            let row: f32 = (0..4).map(|j| w[(h * 4 + i) * 4 + j]).sum();
            assert!((row - 1.0).abs() < 1e-5);
        }
    }
    // So left padding does not change the encoding of the newest position.
    let d = rec.model.config.dim;
    let padded = rec.model.encode(vec![vec![0, 0, 0, 5, 7]]).outputs.slice([0..1, 4..5]).reshape([d]);
    let plain = rec.model.encode(vec![vec![5, 7]]).outputs.slice([0..1, 1..2]).reshape([d]);
    assert!(max_abs_diff(&to_vec(padded), &to_vec(plain)) < 1e-5);
}

#[test]
fn cross_attention_denoiser_samples_and_guides() {
    let rec = recommender(DenoiserKind::CrossAttn);
    let h = vec![vec![1u32, 2, 3], vec![7, 8]];
    let a = rec.generate(&h, &SamplingConfig { ensemble: 2, ..sampling(1.0, 5, 0.3) }, true).read();
    assert_eq!(a.final_x0.len(), 4);
    assert!(a.scores.iter().flatten().all(|v| v.is_finite()));
    // Unconditional output does not depend on the history; conditional output does.
    let run = |h: Vec<u32>, w: f64| rec.generate(&[h], &sampling(w, 5, 0.0), false).read().final_x0[0].clone();
    assert!(max_abs_diff(&run(vec![1, 2, 3], -1.0), &run(vec![7, 8], -1.0)) < 1e-5);
    assert!(max_abs_diff(&run(vec![1, 2, 3], 0.0), &run(vec![7, 8], 0.0)) > 1e-4);
}

#[test]
fn bad_sampling_values_are_clamped_not_fatal() {
    let rec = recommender(DenoiserKind::Mlp);
    let s = SamplingConfig { guidance: f64::NAN, steps: 10_000, eta: 9.0, ensemble: 100, seed: 1, start: 1.0 };
    let r = rec.generate(&[vec![1]], &s, true).read();
    assert_eq!(r.steps, rec.model.config.diffusion_steps);
    assert_eq!(r.rows, 8);
    assert!(r.scores[0].iter().all(|v| v.is_finite()));
    // An empty history still produces scores (the page refuses it earlier, but nothing panics).
    let e = rec.generate(&[vec![]], &sampling(0.0, 2, 0.0), false).read();
    assert!(e.scores[0].iter().all(|v| v.is_finite()));
}

#[test]
fn zero_steps_is_the_encoder_alone_for_every_seed_and_guidance() {
    let rec = recommender(DenoiserKind::Mlp);
    let histories = vec![vec![1, 2, 3], vec![4]];
    let encoder = to_vec(rec.encoder_scores(&histories));
    for (guidance, ensemble, seed) in [(0.0, 1, 0), (4.0, 3, 7)] {
        let s = SamplingConfig { guidance, steps: 0, eta: 0.5, ensemble, seed, start: 1.0 };
        let r = rec.generate(&histories, &s, true).read();
        let scores: Vec<f32> = r.scores.iter().flatten().copied().collect();
        assert!(max_abs_diff(&scores, &encoder) < 1e-6, "w={guidance} K={ensemble}");
        assert_eq!(r.steps, 1, "the trajectory is the one point c");
        assert_eq!(r.trajectory[0], r.final_x0);
        assert!(r.endpoints.is_none());
    }
    // One step does denoise: it differs from the encoder alone.
    let one = rec.generate(&histories, &sampling(0.0, 1, 0.0), false).read();
    assert!(max_abs_diff(&one.scores.iter().flatten().copied().collect::<Vec<_>>(), &encoder) > 1e-6);
}

#[test]
fn residual_denoiser_adds_the_condition_to_the_mlp_output() {
    let config = ModelConfig { residual_denoiser: true, ..small_config(DenoiserKind::Mlp) };
    let model = common::seeded_model(&config, 3);
    let device = model.device();
    let mut plain = model.denoiser.clone();
    plain.residual = false;
    let d = config.dim;
    let rows = |seed: u64| Tensor::<2>::from_data(TensorData::new(gaussian(seed, 2 * d), [2, d]), &device);
    let (x_t, cond, temb) = (rows(1), rows(2), rows(3));
    let with = to_vec(model.denoiser.forward(x_t.clone(), cond.clone(), temb.clone()));
    let without = to_vec(plain.forward(x_t, cond.clone(), temb));
    let difference: Vec<f32> = with.iter().zip(&without).map(|(a, b)| a - b).collect();
    assert!(max_abs_diff(&difference, &to_vec(cond)) < 1e-5);
}

#[test]
fn configs_saved_before_the_residual_option_load_as_plain_models() {
    let mut json = serde_json::to_value(small_config(DenoiserKind::Mlp)).unwrap();
    let fields = json.as_object_mut().unwrap();
    fields.remove("residual_denoiser");
    fields.remove("input_scale");
    let old: ModelConfig = serde_json::from_value(json).unwrap();
    assert!(!old.residual_denoiser);
    assert_eq!(old.input_scale, 1.0);
}

#[test]
fn one_encoding_serves_every_sampling_setting_unchanged() {
    // The page keeps one encoding while only sampling controls change: each setting must give what
    // a fresh request gives, in any order, and reusing it must not alter it (GELU works in place).
    for kind in [DenoiserKind::Mlp, DenoiserKind::CrossAttn] {
        let rec = recommender(kind);
        let histories = vec![vec![3, 9, 4, 12, 7], vec![5]];
        let encoding = rec.encode(&histories);
        let settings = [
            sampling(2.0, 5, 0.0),
            sampling(0.0, 3, 1.0),
            sampling(0.0, 0, 0.0),
            sampling(-1.0, 10, 0.5),
            sampling(2.0, 5, 0.0),
        ];
        for s in settings.iter().chain(settings.iter().rev()) {
            let s = SamplingConfig { ensemble: 3, seed: 11, ..s.clone() };
            let fresh = rec.generate(&histories, &s, true).read();
            let reused = rec.generate_encoded(&encoding, &s, true).read();
            assert_eq!(fresh, reused, "{kind:?} {s:?}");
        }
    }
}

/// The shipped bundle's model (public/models/ml-100k), as the page runs it.
fn shipped() -> Recommender {
    use seqdiff_model::bundle::{Manifest, model_from_bytes};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../public/models/ml-100k");
    let manifest = Manifest::parse(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join(&manifest.files.weights)).unwrap();
    Recommender::new(model_from_bytes(&manifest.model, weights, &Device::flex()).unwrap())
}

#[test]
fn the_shipped_model_samples_as_the_formulas_say_for_every_setting() {
    let rec = shipped();
    let history = [1u32, 50, 100, 181, 258, 288, 294, 300];
    let mut worst = 0.0f32;
    for guidance in [0.0, 1.0, 3.0] {
        for steps in [1, 10, 50] {
            for eta in [0.0, 0.5] {
                for ensemble in [1, 4] {
                    let s = SamplingConfig { guidance, steps, eta, ensemble, seed: 5, start: 1.0 };
                    let got = rec.generate(&[history.to_vec()], &s, false).read();
                    for (r, want) in reference_rows(&rec, &history, &s, false).iter().enumerate() {
                        // Relative to the row's size: guidance w multiplies rounding by 1 + 2w.
                        let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                        let diff = max_abs_diff(&got.final_x0[r], want) / scale;
                        worst = worst.max(diff);
                        assert!(diff < 1e-5, "w={guidance} S={steps} η={eta} K={ensemble} row {r}: {diff} of {scale}");
                    }
                }
            }
        }
    }
    println!("largest difference from the reference chain, relative to the row's largest value: {worst:e}");
}
