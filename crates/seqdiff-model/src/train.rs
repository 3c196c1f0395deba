//! The training objective (ARCHITECTURE.md §3): every position of a window is a training example with its
//! own timestep; loss = CE(x̂0·Ẽᵀ) + λ·MSE(x̂0, sg(x0)); the condition is dropped with p_uncond.

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::{Int, Tensor, TensorData};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng, seq::SliceRandom};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::data::UserSequence;
use crate::denoiser::Denoiser;
use crate::dropout::with_host_rng;
use crate::model::{SeqDiff, left_pad, prefix_bags};
use crate::softmax_ce::{RepeatOffset, softmax_cross_entropy};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// Probability of replacing the condition by ∅ (classifier-free guidance training).
    pub p_uncond: f64,
    /// λ in CE + λ·MSE.
    pub mse_weight: f64,
    /// Weight of an auxiliary CE on the encoder output itself (c·Ẽᵀ). Without it the denoiser learns
    /// to read the target out of x_t at low noise and the condition stays weak (measured: valid
    /// HR@10 below popularity on ML-100K after 5 epochs).
    pub encoder_ce_weight: f64,
    /// Offset noise scale: ε ~ N(offset·δ, I) with one δ ~ N(0,1) per example (0 = off).
    pub offset_noise: f64,
    pub seed: u64,
    /// How the learning rate moves over the planned epochs.
    #[serde(default)]
    pub lr_schedule: LrSchedule,
    /// Epochs at the start that train the history encoder alone (its CE, no denoiser): half the
    /// cost of a joint epoch, and the encoder is what limits the final numbers.
    #[serde(default)]
    pub encoder_warmup_epochs: usize,
    /// Share of the target positions that also train the denoiser at each step (each drawn at
    /// random; 1 = all). The encoder's CE always uses every position: the encoder is what limits
    /// the numbers, and the small denoiser needs far fewer examples (BENCHMARKS.md).
    #[serde(default = "all")]
    pub diffusion_fraction: f64,
    /// Training windows of max_len items start every `window_stride` items (0 or ≥ max_len: no
    /// overlap). Each target is still trained once per epoch, in the newest window that holds it,
    /// so with stride max_len/2 every target but a user's first few sees ≥ max_len/2 items of
    /// context, as at evaluation, where the context is the full max_len.
    #[serde(default)]
    pub window_stride: usize,
    /// What is trained: the diffusion model (encoder CE + denoiser), or the history encoder alone
    /// (the SASRec-CE reference: no denoiser, every epoch as a warm-up epoch).
    #[serde(default)]
    pub objective: Objective,
    /// The denoiser's losses train the denoiser (and ∅) only: the condition, the item keys and the
    /// repeat offset are detached, so the encoder is exactly the SASRec-CE reference and the
    /// diffusion output refines it. Off (joint training), the diffusion terms pulled the encoder
    /// away from its CE (measured on Beauty: BENCHMARKS.md). Runs saved before it existed were joint.
    #[serde(default)]
    pub denoiser_on_top: bool,
    /// The item table, encoder and repeat offset are frozen (staged training: they come from an
    /// encoder run and the trainer freezes them); the encoder's CE is neither computed nor trained.
    #[serde(default)]
    pub frozen_encoder: bool,
    /// With a frozen encoder: keep its dropout on while the denoiser trains, so the condition it
    /// learns from is as uncertain as one the encoder has not fitted (off: the inference-time c).
    #[serde(default)]
    pub frozen_encoder_dropout: bool,
    /// Cross-fitting in time (0 = off): an encoder run withholds each user's last K train items; a
    /// staged run (`frozen_encoder`) trains the denoiser on exactly those K targets, which an encoder
    /// trained with the same K never fitted, so the denoiser learns from conditions like validation's.
    #[serde(default)]
    pub holdout_last: usize,
    /// The run (or bundle) every weight was initialised from (fine-tuning; None = fresh).
    #[serde(default)]
    pub initialised_from: Option<String>,
    /// Weight of the CE on x̂0 (0: DreamRec, which trains by the MSE alone).
    #[serde(default = "all")]
    pub ce_weight: f64,
    /// What the chain diffuses (x0).
    #[serde(default)]
    pub x0_target: X0Target,
}

/// The x0 the forward process noises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum X0Target {
    /// The target's RMS-normalised embedding, detached (this project's recipe).
    #[default]
    NormalisedKey,
    /// The target's raw embedding row, gradients flowing into the table through it (DiffuRec, DreamRec).
    Embedding,
}

impl std::str::FromStr for X0Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "normalised-key" => Ok(Self::NormalisedKey),
            "embedding" => Ok(Self::Embedding),
            _ => Err(format!("unknown x0 target '{s}' (expected normalised-key or embedding)")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    #[default]
    Diffusion,
    Encoder,
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "diffusion" => Ok(Self::Diffusion),
            "encoder" => Ok(Self::Encoder),
            _ => Err(format!("unknown objective '{s}' (expected diffusion or encoder)")),
        }
    }
}

fn all() -> f64 {
    1.0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LrSchedule {
    #[default]
    Constant,
    /// Cosine decay from the base rate to 0 at the end of the last planned epoch.
    Cosine,
}

impl std::str::FromStr for LrSchedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "constant" => Ok(Self::Constant),
            "cosine" => Ok(Self::Cosine),
            _ => Err(format!("unknown learning-rate schedule '{s}' (expected constant or cosine)")),
        }
    }
}

impl LrSchedule {
    /// The rate at `progress` ∈ [0, 1] of the planned training steps.
    pub fn rate(self, base: f64, progress: f64) -> f64 {
        match self {
            LrSchedule::Constant => base,
            LrSchedule::Cosine => base * 0.5 * (1.0 + (std::f64::consts::PI * progress.clamp(0.0, 1.0)).cos()),
        }
    }
}

/// The recipe: `seqdiff train`'s defaults are these values (a test in the CLI checks it).
impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 40,
            batch_size: 32,
            learning_rate: 1e-3,
            weight_decay: 0.0,
            p_uncond: 0.1,
            mse_weight: 0.5,
            encoder_ce_weight: 1.0,
            offset_noise: 0.0,
            seed: 1,
            lr_schedule: LrSchedule::Constant,
            encoder_warmup_epochs: 0,
            diffusion_fraction: 1.0,
            window_stride: 0,
            objective: Objective::Diffusion,
            denoiser_on_top: true,
            frozen_encoder: false,
            frozen_encoder_dropout: false,
            holdout_last: 0,
            initialised_from: None,
            ce_weight: 1.0,
            x0_target: X0Target::NormalisedKey,
        }
    }
}

/// One training window: inputs and their next items (same length ≤ max_len, not padded). A target
/// of 0 is not trained in this window (an overlapping newer window trains it).
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// The user's items before `inputs` (older windows): with the inputs, what the user has seen.
    pub history: Vec<u32>,
    pub inputs: Vec<u32>,
    pub targets: Vec<u32>,
}

impl Window {
    /// The targets this window trains.
    pub fn trained(&self) -> usize {
        self.targets.iter().filter(|&&t| t > 0).count()
    }
}

/// Cuts each train sequence into windows of ≤ max_len consecutive (input → next item) pairs,
/// newest first, one every `stride` items (0 or ≥ max_len: back to back). Every train target is
/// trained exactly once, in the newest window that holds it.
pub fn make_windows(users: &[UserSequence], max_len: usize, stride: usize) -> Vec<Window> {
    let stride = if stride == 0 { max_len } else { stride.min(max_len) };
    let mut out = Vec::new();
    for user in users {
        let s = &user.train;
        // `end` is the index of the window's newest target.
        let mut end = s.len().saturating_sub(1);
        while end > 0 {
            let start = end.saturating_sub(max_len);
            let older_end = end.saturating_sub(stride);
            let mut targets = s[start + 1..end + 1].to_vec();
            if start > 0 {
                // Targets at indices ≤ older_end belong to the next, older window.
                targets.iter_mut().take(older_end - start).for_each(|t| *t = 0);
            }
            out.push(Window { history: s[..start].to_vec(), inputs: s[start..end].to_vec(), targets });
            if start == 0 {
                break;
            }
            end = older_end;
        }
    }
    out
}

/// The training windows a run uses: every train target, or with `holdout_last` = K the encoder's
/// share (each user's train sequence without its last K items) or the denoiser's (only those K).
pub fn training_windows(users: &[UserSequence], max_len: usize, config: &TrainConfig) -> Vec<Window> {
    let k = config.holdout_last;
    if k == 0 {
        make_windows(users, max_len, config.window_stride)
    } else if config.frozen_encoder {
        last_target_windows(users, max_len, k)
    } else {
        let kept: Vec<UserSequence> = users
            .iter()
            .map(|u| UserSequence { train: u.train[..u.train.len().saturating_sub(k)].to_vec(), ..u.clone() })
            .collect();
        make_windows(&kept, max_len, config.window_stride)
    }
}

/// One window per user whose trained targets are the user's last `k` train items (at most its
/// train length − 1), each with up to `max_len` items of context.
pub fn last_target_windows(users: &[UserSequence], max_len: usize, k: usize) -> Vec<Window> {
    let mut out = Vec::new();
    for user in users {
        let s = &user.train;
        if s.len() < 2 {
            continue;
        }
        let end = s.len() - 1;
        let start = end.saturating_sub(max_len);
        let mut targets = s[start + 1..end + 1].to_vec();
        let untrained = targets.len().saturating_sub(k);
        targets.iter_mut().take(untrained).for_each(|t| *t = 0);
        out.push(Window { history: s[..start].to_vec(), inputs: s[start..end].to_vec(), targets });
    }
    out
}

/// Batches of window indices of similar length (less padding), in random order.
pub fn batches(windows: &[Window], batch_size: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
    let mut order: Vec<(usize, u32)> = (0..windows.len()).map(|i| (i, rng.random::<u32>())).collect();
    order.sort_by_key(|&(i, tie)| (windows[i].inputs.len(), tie));
    let mut out: Vec<Vec<usize>> = order.chunks(batch_size.max(1)).map(|c| c.iter().map(|p| p.0).collect()).collect();
    out.shuffle(rng);
    out
}

pub struct LossParts {
    pub total: Tensor<1>,
    pub ce: Tensor<1>,
    pub mse: Tensor<1>,
    pub encoder_ce: Tensor<1>,
    pub targets: usize,
}

/// The training loss of one batch. All its randomness (timesteps, condition dropout, noise) comes
/// from `rng`; dropout masks from the device's generator or a [`with_host_rng`] generator. `encoder_only` trains the history encoder
/// alone (its CE; no denoiser pass), as in the warm-up epochs.
pub fn loss(
    model: &SeqDiff,
    batch: &[&Window],
    config: &TrainConfig,
    alpha_bars: &[f64],
    rng: &mut ChaCha8Rng,
    encoder_only: bool,
) -> LossParts {
    let device = model.device();
    let cfg = &model.config;
    let (b, d, n) = (batch.len(), cfg.dim, cfg.num_items + 1);
    let len = batch.iter().map(|w| w.inputs.len()).max().unwrap_or(1).min(cfg.max_len);
    let inputs: Vec<Vec<u32>> = batch.iter().map(|w| left_pad(&w.inputs, len)).collect();
    let targets: Vec<u32> = batch.iter().flat_map(|w| left_pad(&w.targets, len)).collect();
    let rows = b * len;
    if cfg.denoiser.reruns_encoder() && !encoder_only {
        return history_tokens_loss(model, batch, config, alpha_bars, rng, inputs, &targets);
    }

    let encoded = model.encode(inputs);

    // Scoring keys for every real item (row 0 of the table is padding and is left out).
    let keys = model.scoring_keys().slice(1..n);
    let scale = model.logit_scale();
    // What each row's user has already seen (columns = item − 1), for the repeat offset.
    let seen = model.repeat_bias.as_ref().map(|_| SeenItems::new(batch, len));
    let repeat_offset = model.repeat_offset_tensor();
    let repeat = |rows: &[usize]| -> Option<(Tensor<1>, Vec<&[u32]>)> {
        let (bias, seen) = (repeat_offset.as_ref()?, seen.as_ref()?);
        Some((bias.clone(), rows.iter().map(|&r| seen.row(r)).collect()))
    };
    let target_index: Vec<u32> = targets.iter().map(|&x| x.max(1) - 1).collect();
    // CE over every real item, mean over the trained targets; padded and untrained rows are left out
    // before the [rows, N] logits are formed.
    let trained: Vec<usize> = (0..rows).filter(|&r| targets[r] > 0).collect();
    let count = trained.len().max(1) as f32;
    let outputs = select_rows(encoded.outputs.clone().reshape([rows, d]), &trained, rows);
    let trained_index: Vec<u32> = trained.iter().map(|&r| target_index[r]).collect();
    let weights = vec![1.0 / count; trained.len()];
    let encoder_repeat = repeat(&trained);
    let encoder_ce = if (config.frozen_encoder || config.encoder_ce_weight == 0.0) && !encoder_only {
        Tensor::<1>::zeros([1], &device)
    } else {
        softmax_cross_entropy(
            outputs * scale,
            keys.clone(),
            &trained_index,
            &weights,
            encoder_repeat.as_ref().map(|(bias, seen)| RepeatOffset { bias: bias.clone(), seen }),
        )
    };
    if encoder_only {
        let zero = Tensor::<1>::zeros([1], &device);
        return LossParts {
            total: encoder_ce.clone(),
            ce: zero.clone(),
            mse: zero,
            encoder_ce,
            targets: count as usize,
        };
    }

    // The positions that train the denoiser: every row (padding and untrained rows get weight 0; the
    // random draws are then those of the runs in BENCHMARKS.md), or a random share of the real targets.
    // Cross-attention needs the whole window layout (the trainer refuses a share below 1 for it).
    let chosen: Vec<usize> = if config.diffusion_fraction >= 1.0 || model.denoiser.cross.is_some() {
        (0..rows).collect()
    } else {
        (0..rows).filter(|&r| targets[r] > 0 && rng.random::<f64>() < config.diffusion_fraction).collect()
    };
    let chosen_targets = chosen.iter().filter(|&&r| targets[r] > 0).count();
    if chosen_targets == 0 {
        let zero = Tensor::<1>::zeros([1], &device);
        let total = encoder_ce.clone() * config.encoder_ce_weight;
        return LossParts { total, ce: zero.clone(), mse: zero, encoder_ce, targets: count as usize };
    }
    let m = chosen.len();
    let rowcol = |v: Vec<f32>| Tensor::<2>::from_data(TensorData::new(v, [m, 1]), &device);

    // Per-position timestep, noise scales and condition-keep mask, drawn on the host.
    let steps = cfg.diffusion_steps;
    let t: Vec<i64> = (0..m).map(|_| rng.random_range(0..steps) as i64).collect();
    let sab: Vec<f32> = t.iter().map(|&t| alpha_bars[t as usize].sqrt() as f32).collect();
    let s1mab: Vec<f32> = t.iter().map(|&t| (1.0 - alpha_bars[t as usize]).sqrt() as f32).collect();
    let keep: Vec<f32> = (0..m).map(|_| if rng.random::<f64>() < config.p_uncond { 0.0 } else { 1.0 }).collect();
    let (sab, s1mab, keep) = (rowcol(sab), rowcol(s1mab), rowcol(keep));

    let chosen_index: Vec<u32> = chosen.iter().map(|&r| target_index[r]).collect();
    let chosen_weights: Vec<f32> =
        chosen.iter().map(|&r| if targets[r] > 0 { 1.0 / chosen_targets as f32 } else { 0.0 }).collect();
    let index = Tensor::<1, Int>::from_data(
        TensorData::new(chosen_index.iter().map(|&i| i as i64).collect::<Vec<_>>(), [m]),
        &device,
    );
    let x0 = x0_rows(model, config.x0_target, index);
    let mut normal = |n: usize| (0..n).map(|_| StandardNormal.sample(&mut *rng)).collect::<Vec<f32>>();
    let mut eps = Tensor::<2>::from_data(TensorData::new(normal(m * d), [m, d]), &device);
    if config.offset_noise > 0.0 {
        eps = eps + rowcol(normal(m)) * config.offset_noise;
    }
    let x_t = x0.clone() * sab + eps * s1mab;
    let temb =
        model.denoiser.time_table(&device).select(0, Tensor::<1, Int>::from_data(TensorData::new(t, [m]), &device));
    let on_top = config.denoiser_on_top;
    let outputs = if on_top { encoded.outputs.detach() } else { encoded.outputs };
    let cond = if model.denoiser.cross.is_some() {
        assert_eq!(m, rows, "the cross-attention denoiser trains on every position");
        let to3 = |x: Tensor<2>| x.reshape([b, len, d]);
        let cond = model.denoiser.attend(to3(x_t.clone()), to3(temb.clone()), outputs.clone(), outputs, encoded.bias);
        cond.reshape([rows, d])
    } else {
        select_rows(outputs.reshape([rows, d]), &chosen, rows)
    };
    let null = model.null_cond.val().reshape([1, d]);
    // The history bag of each chosen row: everything its user has seen up to the row's position.
    let bag = model.denoiser.bag_in.as_ref().map(|_| {
        let lists: Vec<Vec<u32>> = batch.iter().map(|w| [&w.history[..], &w.inputs[..]].concat()).collect();
        let prefixes: Vec<Vec<usize>> = batch
            .iter()
            .map(|w| {
                let pad = len - w.inputs.len();
                (0..len).map(|p| if p < pad { 0 } else { w.history.len() + p - pad + 1 }).collect()
            })
            .collect();
        let table = if on_top { model.normalised_items().detach() } else { model.normalised_items() };
        select_rows(prefix_bags(table, &lists, &prefixes).reshape([rows, d]), &chosen, rows) * keep.clone()
    });
    let cond = cond * keep.clone() + null * (keep.neg() + 1.0);
    let x0_hat = model.denoiser.forward_with_bag(x_t, cond, bag, temb);

    let diffusion_repeat = repeat(&chosen);
    let keys = if on_top { keys.detach() } else { keys };
    let ce = if config.ce_weight == 0.0 {
        Tensor::<1>::zeros([1], &device)
    } else {
        softmax_cross_entropy(
            x0_hat.clone() * scale,
            keys,
            &chosen_index,
            &chosen_weights,
            diffusion_repeat.as_ref().map(|(bias, seen)| RepeatOffset {
                bias: if on_top { bias.clone().detach() } else { bias.clone() },
                seen,
            }),
        )
    };
    // Key space trains by CE alone (as CDCD): the sampler feeds back the softmax's expected key, not
    // x̂0, so an MSE pulling x̂0 towards the key would only fight the CE.
    let mse = match cfg.diffusion_space {
        crate::config::DiffusionSpace::Query => {
            ((x0_hat - x0).powf_scalar(2.0).mean_dim(1) * rowcol(chosen_weights)).sum()
        }
        crate::config::DiffusionSpace::Key => Tensor::<1>::zeros([1], &device),
    };
    let total =
        ce.clone() * config.ce_weight + mse.clone() * config.mse_weight + encoder_ce.clone() * config.encoder_ce_weight;
    LossParts { total, ce, mse, encoder_ce, targets: count as usize }
}

/// x0 for the given target rows (item − 1), [m, d].
fn x0_rows(model: &SeqDiff, target: X0Target, index: Tensor<1, Int>) -> Tensor<2> {
    let n = model.config.num_items + 1;
    match target {
        // Whatever the scoring geometry, this recipe's x0 is the normalised key, out of the gradient.
        X0Target::NormalisedKey => model.normalised_items().slice(1..n).detach().select(0, index),
        X0Target::Embedding => model.items.weight.val().slice(1..n).select(0, index),
    }
}

/// DiffuRec's and DiffuRecSys' training step (`DenoiserKind::reruns_encoder`): every trained target of the batch is its own
/// sample, its prefix the input (DiffuRec's `split_onebyone`): x_t of that target, scaled by λ, is added to
/// every token of the prefix, the encoder re-run, and its newest output x̂0 scored by CE (+ MSE to x0
/// when weighted).
fn history_tokens_loss(
    model: &SeqDiff,
    batch: &[&Window],
    config: &TrainConfig,
    alpha_bars: &[f64],
    rng: &mut ChaCha8Rng,
    inputs: Vec<Vec<u32>>,
    targets: &[u32],
) -> LossParts {
    let device = model.device();
    let cfg = &model.config;
    let (d, n) = (cfg.dim, cfg.num_items + 1);
    let len = inputs.first().map_or(1, Vec::len);
    // Row r = window · len + position, as in `loss`; its sample is the window up to that position.
    let newest: Vec<usize> = (0..targets.len()).filter(|&r| targets[r] > 0).collect();
    let zero = || Tensor::<1>::zeros([1], &device);
    if newest.is_empty() {
        return LossParts { total: zero(), ce: zero(), mse: zero(), encoder_ce: zero(), targets: 0 };
    }
    let windows: Vec<Vec<u32>> = newest.iter().map(|&r| left_pad(&inputs[r / len][..=r % len], len)).collect();
    let m = newest.len();
    let rowcol = |v: Vec<f32>| Tensor::<2>::from_data(TensorData::new(v, [m, 1]), &device);
    let target_index: Vec<u32> = newest.iter().map(|&r| targets[r] - 1).collect();
    let index = Tensor::<1, Int>::from_data(
        TensorData::new(target_index.iter().map(|&i| i as i64).collect::<Vec<_>>(), [m]),
        &device,
    );
    let t: Vec<i64> = (0..m).map(|_| rng.random_range(0..cfg.diffusion_steps) as i64).collect();
    let sab: Vec<f32> = t.iter().map(|&t| alpha_bars[t as usize].sqrt() as f32).collect();
    let s1mab: Vec<f32> = t.iter().map(|&t| (1.0 - alpha_bars[t as usize]).sqrt() as f32).collect();
    let mut normal = |n: usize| (0..n).map(|_| StandardNormal.sample(&mut *rng)).collect::<Vec<f32>>();
    let mut eps = Tensor::<2>::from_data(TensorData::new(normal(m * d), [m, d]), &device);
    if config.offset_noise > 0.0 {
        eps = eps + rowcol(normal(m)) * config.offset_noise;
    }
    let delta = cfg.token_noise as f32;
    let lambda: Vec<f32> = normal(m * d).into_iter().map(|z| delta + delta * z).collect();
    let lambda = Tensor::<2>::from_data(TensorData::new(lambda, [m, d]), &device);
    let x0 = x0_rows(model, config.x0_target, index);
    let x_t = x0.clone() * rowcol(sab) + eps * rowcol(s1mab);
    let time =
        model.denoiser.time_table(&device).select(0, Tensor::<1, Int>::from_data(TensorData::new(t, [m]), &device));
    let x0_hat = model.history_tokens_x0(&model.token_windows(&windows), x_t, time, lambda);

    let weights = vec![1.0 / m as f32; m];
    let seen = model.repeat_bias.as_ref().map(|_| SeenItems::new(batch, len));
    let seen_rows: Option<Vec<&[u32]>> = seen.as_ref().map(|s| newest.iter().map(|&r| s.row(r)).collect());
    let repeat = model.repeat_offset_tensor().zip(seen_rows.as_deref()).map(|(bias, seen)| RepeatOffset { bias, seen });
    let keys = model.scoring_keys().slice(1..n);
    let ce = softmax_cross_entropy(x0_hat.clone() * model.logit_scale(), keys, &target_index, &weights, repeat);
    let mse = if config.mse_weight > 0.0 { (x0_hat - x0).powf_scalar(2.0).mean() } else { zero() };
    let total = ce.clone() * config.ce_weight + mse.clone() * config.mse_weight;
    LossParts { total, ce, mse, encoder_ce: zero(), targets: m }
}

/// The distinct items each row of a batch has seen (its window's history and inputs up to the
/// row), as columns item − 1. Items are listed in order of first appearance, so a row's set is a
/// prefix of its window's list.
struct SeenItems {
    /// Per window: distinct seen items, oldest first.
    distinct: Vec<Vec<u32>>,
    /// Per row (window · len + padded position): how many of its window's items it has seen.
    counts: Vec<usize>,
    len: usize,
}

impl SeenItems {
    fn new(batch: &[&Window], len: usize) -> Self {
        let mut distinct = Vec::with_capacity(batch.len());
        let mut counts = vec![0; batch.len() * len];
        for (b, w) in batch.iter().enumerate() {
            let mut set = std::collections::HashSet::new();
            let mut list = vec![];
            for &item in &w.history {
                if set.insert(item) {
                    list.push(item - 1);
                }
            }
            let pad = len - w.inputs.len().min(len);
            for (i, &item) in w.inputs.iter().rev().take(len).rev().enumerate() {
                if set.insert(item) {
                    list.push(item - 1);
                }
                counts[b * len + pad + i] = list.len();
            }
            distinct.push(list);
        }
        SeenItems { distinct, counts, len }
    }

    fn row(&self, r: usize) -> &[u32] {
        &self.distinct[r / self.len][..self.counts[r]]
    }
}

/// The given rows of `x` [rows, d] (all of them: `x` itself, no copy).
fn select_rows(x: Tensor<2>, chosen: &[usize], rows: usize) -> Tensor<2> {
    if chosen.len() == rows {
        return x;
    }
    let device = x.device();
    let index: Vec<i64> = chosen.iter().map(|&r| r as i64).collect();
    x.select(0, Tensor::<1, Int>::from_data(TensorData::new(index, [chosen.len()]), &device))
}

/// One batch's loss, computed in parts on replicas of the model.
pub struct BatchLoss {
    pub parts: Vec<LossParts>,
    /// Replica i computed part i. Each is a `fork` of the model (same parameter ids, its own
    /// autodiff graph): parts that shared the model's parameter nodes would share one graph, whose
    /// lock serialises their backward passes.
    replicas: Vec<SeqDiff>,
}

impl BatchLoss {
    /// Targets (non-padded positions) in the whole batch.
    pub fn targets(&self) -> usize {
        self.parts.iter().map(|p| p.targets).sum()
    }

    /// Gradients of the whole batch's mean loss: each part's loss is a mean over its own targets, so
    /// it is weighted by its share; the parts' backward passes run on their own threads.
    pub fn gradients(self, model: &SeqDiff) -> GradientsParams {
        let targets = self.targets().max(1);
        let weighted = self
            .parts
            .into_iter()
            .map(|p| if p.targets == targets { p.total } else { p.total * (p.targets as f64 / targets as f64) });
        let work: Vec<(Tensor<1>, SeqDiff)> = weighted.zip(self.replicas).collect();
        let grads: Vec<GradientsParams> = if work.len() == 1 {
            work.into_iter().map(|(l, replica)| GradientsParams::from_grads(l.backward(), &replica)).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = work
                    .into_iter()
                    .map(|(l, replica)| scope.spawn(move || GradientsParams::from_grads(l.backward(), &replica)))
                    .collect();
                handles.into_iter().map(|h| h.join().expect("backward thread panicked")).collect()
            })
        };
        let mut sum = GradientsAccumulator::new();
        for g in grads {
            sum.accumulate(model, g);
        }
        sum.grads()
    }
}

/// The loss of one batch, split into `threads` parts of about equal target count whose forward
/// passes run on their own threads. Each part draws all its randomness (dropout included) from its
/// own generator, seeded from `rng` in part order, so the result does not depend on thread timing.
pub fn batch_loss(
    model: &SeqDiff,
    batch: &[&Window],
    config: &TrainConfig,
    alpha_bars: &[f64],
    rng: &mut ChaCha8Rng,
    threads: usize,
    encoder_only: bool,
) -> BatchLoss {
    let split = split_by_targets(batch, threads.max(1));
    let replicas: Vec<SeqDiff> = if split.len() == 1 {
        vec![model.clone()]
    } else {
        split.iter().map(|_| replica(model, encoder_only)).collect()
    };
    let seeds: Vec<u64> = split.iter().map(|_| rng.random()).collect();
    let part_loss = |part: &[&Window], replica: &SeqDiff, seed: u64| {
        let mut part_rng = ChaCha8Rng::seed_from_u64(seed);
        let dropout_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9E37_79B9_7F4A_7C15);
        with_host_rng(dropout_rng, || loss(replica, part, config, alpha_bars, &mut part_rng, encoder_only))
    };
    let parts = if split.len() == 1 {
        vec![part_loss(&split[0], &replicas[0], seeds[0])]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = split
                .iter()
                .zip(&replicas)
                .zip(&seeds)
                .map(|((part, replica), &seed)| scope.spawn(move || part_loss(part, replica, seed)))
                .collect();
            handles.into_iter().map(|h| h.join().expect("loss thread panicked")).collect()
        })
    };
    BatchLoss { parts, replicas }
}

/// A copy of `model` whose parameters read by this loss are forked (their own autodiff graph), the
/// rest shared. Forked parameters that no loss uses stay in burn-autodiff's graph registry, whose
/// sweep after every backward then grows step by step: measured on ML-1M encoder-only, 53 → 96 → 171
/// s per epoch (88% of the time in that sweep); on Beauty DiffuRec, 495 samples/s at an epoch's start
/// and 205 over the whole epoch, the next epoch in the same process slower still (BENCHMARKS.md).
fn replica(model: &SeqDiff, encoder_only: bool) -> SeqDiff {
    let device = model.device();
    let items = model.items.clone().fork(&device);
    let encoder = model.encoder.clone().fork(&device);
    if encoder_only {
        SeqDiff { items, encoder, ..model.clone() }
    } else if model.config.denoiser.reruns_encoder() {
        // DiffuRec's and DiffuRecSys' step reads the encoder, the time embedding and the cross-attention,
        // never the null condition, the denoiser MLP or the history bag.
        let d = &model.denoiser;
        let denoiser = Denoiser {
            time_in: d.time_in.clone().fork(&device),
            time_out: d.time_out.clone().fork(&device),
            cross: d.cross.clone().map(|c| c.fork(&device)),
            ..d.clone()
        };
        let repeat_bias = model.repeat_bias.clone().map(|b| b.fork(&device));
        SeqDiff { items, encoder, denoiser, repeat_bias, ..model.clone() }
    } else {
        model.clone().fork(&device)
    }
}

/// Splits a batch into ≤ `parts` contiguous groups of about equal target count.
pub fn split_by_targets<'a>(batch: &[&'a Window], parts: usize) -> Vec<Vec<&'a Window>> {
    let total: usize = batch.iter().map(|w| w.trained()).sum();
    let mut out: Vec<Vec<&Window>> = vec![];
    let mut current = vec![];
    let mut taken = 0;
    for w in batch {
        current.push(*w);
        taken += w.trained();
        if out.len() + 1 < parts && taken * parts >= total * (out.len() + 1) {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(train: &[u32]) -> UserSequence {
        UserSequence { user: "u".into(), train: train.to_vec(), valid: 1, test: 1 }
    }

    #[test]
    fn windows_cover_every_target_once_newest_first() {
        let seq: Vec<u32> = (1..=8).collect();
        let w = make_windows(&[user(&seq)], 3, 0);
        assert_eq!(
            w,
            vec![
                Window { history: vec![1, 2, 3, 4], inputs: vec![5, 6, 7], targets: vec![6, 7, 8] },
                Window { history: vec![1], inputs: vec![2, 3, 4], targets: vec![3, 4, 5] },
                Window { history: vec![], inputs: vec![1], targets: vec![2] },
            ]
        );
        assert!(make_windows(&[user(&[4])], 3, 0).is_empty());
    }

    #[test]
    fn overlapping_windows_train_each_target_once_with_long_context() {
        let seq: Vec<u32> = (1..=8).collect();
        assert_eq!(
            make_windows(&[user(&seq)], 4, 2),
            vec![
                Window { history: vec![1, 2, 3], inputs: vec![4, 5, 6, 7], targets: vec![0, 0, 7, 8] },
                Window { history: vec![1], inputs: vec![2, 3, 4, 5], targets: vec![0, 0, 5, 6] },
                Window { history: vec![], inputs: vec![1, 2, 3], targets: vec![2, 3, 4] },
            ]
        );
        // Every length and stride: each target once, and each with ≥ max_len − stride items of
        // context unless the user's history is shorter than that.
        let max_len = 6;
        for len in 1..40u32 {
            for stride in 1..=max_len {
                let seq: Vec<u32> = (1..=len).collect();
                let windows = make_windows(&[user(&seq)], max_len, stride);
                let mut seen: Vec<u32> = vec![];
                for w in &windows {
                    assert_eq!(w.inputs.len(), w.targets.len());
                    for (k, &t) in w.targets.iter().enumerate().filter(|p| *p.1 > 0) {
                        assert_eq!(t, w.inputs[k] + 1, "target follows its input");
                        assert!(k + 1 >= (max_len - stride).min(t as usize - 1), "len {len} stride {stride}: {w:?}");
                        seen.push(t);
                    }
                }
                seen.sort();
                assert_eq!(seen, (2..=len).collect::<Vec<_>>(), "len {len} stride {stride}");
                assert_eq!(windows.iter().map(Window::trained).sum::<usize>(), len.saturating_sub(1) as usize);
            }
        }
    }

    #[test]
    fn holdout_splits_each_users_targets_between_encoder_and_denoiser() {
        let users = [user(&(1..=12).collect::<Vec<_>>()), user(&[7, 8, 9]), user(&[5])];
        let config = |frozen| TrainConfig { holdout_last: 3, frozen_encoder: frozen, ..TrainConfig::default() };
        let targets = |w: &[Window]| {
            let mut t: Vec<u32> = w.iter().flat_map(|w| w.targets.iter().copied().filter(|&t| t > 0)).collect();
            t.sort();
            t
        };
        let encoder = training_windows(&users, 5, &config(false));
        let denoiser = training_windows(&users, 5, &config(true));
        // The encoder never sees the last three items (not as targets, not as inputs).
        assert_eq!(targets(&encoder), (2..=9).collect::<Vec<_>>());
        assert!(encoder.iter().all(|w| w.inputs.iter().all(|&i| i <= 8)));
        // The denoiser trains on exactly them (the short user: both its targets), with full context.
        assert_eq!(targets(&denoiser), vec![8, 9, 10, 11, 12]);
        assert_eq!(
            denoiser[0],
            Window { history: (1..=6).collect(), inputs: vec![7, 8, 9, 10, 11], targets: vec![0, 0, 10, 11, 12] }
        );
        // Off: every target, as before.
        assert_eq!(targets(&training_windows(&users, 5, &TrainConfig::default())).len(), 11 + 2);
    }

    #[test]
    fn cosine_schedule_starts_at_base_and_ends_at_zero() {
        assert_eq!(LrSchedule::Constant.rate(2e-3, 0.7), 2e-3);
        assert!((LrSchedule::Cosine.rate(2e-3, 0.0) - 2e-3).abs() < 1e-12);
        assert!((LrSchedule::Cosine.rate(2e-3, 0.5) - 1e-3).abs() < 1e-12);
        assert!(LrSchedule::Cosine.rate(2e-3, 1.0).abs() < 1e-12);
        assert!(LrSchedule::Cosine.rate(2e-3, 0.3) > LrSchedule::Cosine.rate(2e-3, 0.6));
    }

    #[test]
    fn batches_partition_windows() {
        use rand::SeedableRng;
        let seq: Vec<u32> = (1..=100).collect();
        let w = make_windows(&[user(&seq), user(&seq[..7]), user(&seq[..30])], 10, 0);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let bs = batches(&w, 4, &mut rng);
        let mut all: Vec<usize> = bs.concat();
        all.sort();
        assert_eq!(all, (0..w.len()).collect::<Vec<_>>());
        assert!(bs.iter().all(|b| b.len() <= 4));
    }
}
