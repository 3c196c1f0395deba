//! The whole recommender: item table, null condition, history encoder and denoiser (ARCHITECTURE.md §2).

use burn::module::{Module, Param};
use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::config::{DenoiserKind, ModelConfig, Scoring};
use crate::denoiser::Denoiser;
use crate::encoder::{HistoryEncoder, attention_bias, padding_bias};

/// The repeat offset is stored divided by this. Adam moves a parameter by about the learning rate
/// per step whatever its gradient's size, so an offset that has to reach ≈ −5 took ≈ 5,000 steps
/// at lr 1e-3: 80 epochs of ML-100K (measured: −0.55 after 8 epochs, history items still took a
/// third of the top 10). Scaled, it gets there in a few hundred steps.
pub const REPEAT_OFFSET_SCALE: f64 = 10.0;

#[derive(Module, Debug)]
pub struct SeqDiff {
    /// [N+1, d]; row 0 is padding and is never scored.
    pub items: Embedding,
    /// The learned "no condition" vector ∅ used for classifier-free guidance.
    pub null_cond: Param<Tensor<1>>,
    /// The learned repeat offset b / REPEAT_OFFSET_SCALE, [1] (present when `config.repeat_offset`).
    pub repeat_bias: Option<Param<Tensor<1>>>,
    pub encoder: HistoryEncoder,
    pub denoiser: Denoiser,
    #[module(skip)]
    pub config: ModelConfig,
}

/// DiffuRec's approximator input that stays the same over a chain (`SeqDiff::token_windows`).
pub struct TokenWindows {
    /// The scaled item embeddings, [R, L, d].
    tokens: Tensor<3>,
    /// The encoder's causal + key-padding bias, [R, 1, L, L].
    bias: Tensor<4>,
    /// The cross-attention's key-padding bias, [R, 1, 1, L] (DiffuRecSys' approximator only).
    keys_bias: Option<Tensor<4>>,
}

/// A batch of left-padded windows with their encoder outputs.
pub struct Encoded {
    /// [B, L, d], one condition per position.
    pub outputs: Tensor<3>,
    pub windows: Vec<Vec<u32>>,
    /// The causal + key-padding bias [B, 1, L, L] the encoder used.
    pub bias: Tensor<4>,
}

impl SeqDiff {
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        let d = config.dim;
        let cross = matches!(config.denoiser, DenoiserKind::CrossAttn | DenoiserKind::HistoryCrossAttn);
        let cross_heads = cross.then_some(config.heads);
        SeqDiff {
            items: EmbeddingConfig::new(config.num_items + 1, d)
                // Small rows (as SASRec's xavier init): Adam's ~lr-sized steps then turn a row's direction
                // quickly. Measured on ML-100K, 4 epochs: valid HR@10 8.06 with std 0.05 vs 4.67 with std 1.
                .with_initializer(Initializer::Normal { mean: 0.0, std: config.item_init_std })
                .init(device),
            null_cond: Initializer::Normal { mean: 0.0, std: 1.0 }.init([d], device),
            repeat_bias: config.repeat_offset.then(|| Initializer::Zeros.init([1], device)),
            encoder: HistoryEncoder::new(d, config.heads, config.layers, config.max_len, config.dropout, device),
            denoiser: Denoiser::new(
                d,
                config.denoiser_hidden,
                config.diffusion_steps,
                cross_heads,
                config.residual_denoiser,
                config.history_bag,
                device,
            ),
            config: config.clone(),
        }
    }

    pub fn device(&self) -> Device {
        self.null_cond.val().device()
    }

    /// Item ids [B, L] → embeddings [B, L, d].
    pub fn embed(&self, windows: &[Vec<u32>]) -> Tensor<3> {
        let len = windows.first().map_or(0, Vec::len);
        let ids: Vec<i64> = windows.iter().flatten().map(|&i| i as i64).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [windows.len(), len]), &self.device());
        self.items.forward(ids)
    }

    /// Runs the causal encoder over left-padded windows of equal length (≤ max_len).
    pub fn encode(&self, windows: Vec<Vec<u32>>) -> Encoded {
        let len = windows.first().map_or(0, Vec::len);
        let bias = attention_bias(&windows, len, &self.device());
        let outputs = self.encoder.forward(self.embed(&windows) * self.config.input_scale, bias.clone());
        Encoded { outputs, windows, bias }
    }

    /// What DiffuRec's approximator reads of its windows [R, L] (left-padded) at every step of a chain: made
    /// once per request (or training batch), not once per step.
    pub fn token_windows(&self, windows: &[Vec<u32>]) -> TokenWindows {
        let (len, device) = (windows.first().map_or(0, Vec::len), self.device());
        TokenWindows {
            tokens: self.embed(windows) * self.config.input_scale,
            bias: attention_bias(windows, len, &device),
            keys_bias: self.denoiser.cross.as_ref().map(|_| padding_bias(windows, 1, &device)),
        }
    }

    /// DiffuRec's approximator (`DenoiserKind::HistoryTokens`): λ ⊙ (x_t + τ(t)) added to every token of
    /// each row's window, the encoder re-run, its newest output = x̂0. DiffuRecSys' (`HistoryCrossAttn`):
    /// λ ⊙ (x_t + τ(t)) queries the window's tokens by cross-attention, and what it reads is added instead.
    /// `x_t`, `time` (τ(t) per row) and `lambda` [R, d] → [R, d]. DiffuRec draws λ per position as well;
    /// here one draw per row is shared by its positions (ARCHITECTURE.md, "Designs").
    pub fn history_tokens_x0(&self, w: &TokenWindows, x_t: Tensor<2>, time: Tensor<2>, lambda: Tensor<2>) -> Tensor<2> {
        let [rows, len, d] = w.tokens.dims();
        let noisy = (lambda * (x_t + time)).unsqueeze_dim::<3>(1);
        let extra = match (&self.denoiser.cross, &w.keys_bias) {
            (Some(cross), Some(bias)) => cross.forward(noisy, w.tokens.clone(), bias.clone()),
            _ => noisy,
        };
        let outputs = self.encoder.forward(w.tokens.clone() + extra, w.bias.clone());
        outputs.slice([0..rows, len - 1..len]).reshape([rows, d])
    }

    /// RMS-normalised item table ẽ = e / rms(e), [N+1, d]; the x0 targets and the scoring keys.
    pub fn normalised_items(&self) -> Tensor<2> {
        rms_normalise(self.items.weight.val())
    }

    /// The keys that outputs are scored against, [N+1, d]: ẽ (normalised scoring) or e (dot).
    pub fn scoring_keys(&self) -> Tensor<2> {
        match self.config.scoring {
            Scoring::Normalised => self.normalised_items(),
            Scoring::Dot => self.items.weight.val(),
        }
    }

    /// Logits = (x · key) × this: 1/temperature (normalised scoring) or 1 (dot).
    pub fn logit_scale(&self) -> f64 {
        match self.config.scoring {
            Scoring::Normalised => 1.0 / self.config.temperature,
            Scoring::Dot => 1.0,
        }
    }

    /// The repeat offset b as a [1] tensor (None without one).
    pub fn repeat_offset_tensor(&self) -> Option<Tensor<1>> {
        self.repeat_bias.as_ref().map(|b| b.val() * REPEAT_OFFSET_SCALE)
    }

    /// The learned repeat offset b (0 without one), read back to the host.
    pub fn repeat_offset(&self) -> f32 {
        self.repeat_offset_tensor().map_or(0.0, |b| b.into_data().try_into_vec::<f32>().expect("f32 offset")[0])
    }

    /// The raw item vectors, row i = item i (row 0 = padding), read back to the host.
    pub fn item_vectors(&self) -> Vec<Vec<f32>> {
        let d = self.config.dim;
        let flat = self.items.weight.val().into_data().try_into_vec::<f32>().expect("f32 item table");
        flat.chunks(d).map(<[f32]>::to_vec).collect()
    }

    /// The null condition broadcast to `rows` rows: [rows, d].
    pub fn null_rows(&self, rows: usize) -> Tensor<2> {
        let d = self.config.dim;
        self.null_cond.val().reshape([1, d]).expand([rows, d])
    }
}

/// Row-wise x / sqrt(mean(x²) + 1e-6) over the last dimension.
pub fn rms_normalise<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let ms = x.clone().powf_scalar(2.0).mean_dim(D - 1);
    x / (ms + 1e-6).sqrt()
}

/// The history bag (`ModelConfig::history_bag`): row (b, p) is the mean of `keys` over the first
/// `prefixes[b][p]` items of `lists[b]` (a zero row for none), [B, P, d]. One [B, P, A]·[B, A, d]
/// product, so a window's positions share one gather of its items.
pub fn prefix_bags(keys: Tensor<2>, lists: &[Vec<u32>], prefixes: &[Vec<usize>]) -> Tensor<3> {
    let device = keys.device();
    let d = keys.dims()[1];
    let (b, p) = (lists.len(), prefixes.first().map_or(0, Vec::len));
    let a = lists.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut ids = vec![0i64; b * a];
    let mut weights = vec![0f32; b * p * a];
    for (w, (list, counts)) in lists.iter().zip(prefixes).enumerate() {
        for (i, &item) in list.iter().enumerate() {
            ids[w * a + i] = item as i64;
        }
        for (q, &n) in counts.iter().enumerate() {
            let n = n.min(list.len());
            weights[(w * p + q) * a..(w * p + q) * a + n].fill(1.0 / n.max(1) as f32);
        }
    }
    let rows = keys.select(0, Tensor::<1, Int>::from_data(TensorData::new(ids, [b * a]), &device)).reshape([b, a, d]);
    Tensor::<3>::from_data(TensorData::new(weights, [b, p, a]), &device).matmul(rows)
}

/// Left-pads (or cuts to the newest `len` items) one history.
pub fn left_pad(history: &[u32], len: usize) -> Vec<u32> {
    let tail = &history[history.len().saturating_sub(len)..];
    let mut out = vec![0; len - tail.len()];
    out.extend_from_slice(tail);
    out
}
