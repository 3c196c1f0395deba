//! Model and sampling settings, saved with every checkpoint and bundle.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DenoiserKind {
    /// MLP on concat[x_t, c, τ(t)] (ARCHITECTURE.md §2).
    #[default]
    Mlp,
    /// x_t queries the encoder outputs (keys/values computed once per request).
    CrossAttn,
    /// DiffuRec's Approximator: λ ⊙ (x_t + τ(t)) is added to every history token and the encoder
    /// itself is re-run at every step; its newest output is x̂0 (ARCHITECTURE.md, "Designs").
    HistoryTokens,
    /// DiffuRecSys' Approximator: as `HistoryTokens`, but λ ⊙ (x_t + τ(t)) first queries the history
    /// tokens by cross-attention, and what it reads is added to every token.
    HistoryCrossAttn,
}

impl DenoiserKind {
    /// The approximators that re-run the encoder at every step with the noisy target in its tokens.
    pub fn reruns_encoder(self) -> bool {
        matches!(self, Self::HistoryTokens | Self::HistoryCrossAttn)
    }
}

impl std::str::FromStr for DenoiserKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mlp" => Ok(Self::Mlp),
            "cross-attn" => Ok(Self::CrossAttn),
            "history-tokens" => Ok(Self::HistoryTokens),
            "history-cross-attn" => Ok(Self::HistoryCrossAttn),
            _ => {
                Err(format!("unknown denoiser '{s}' (expected mlp, cross-attn, history-tokens or history-cross-attn)"))
            }
        }
    }
}

/// How a vector (the encoder output or x̂0) is scored against the item table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Scoring {
    /// x · ẽ_j / temperature, ẽ_j the RMS-normalised item embedding (bundles saved before this
    /// option existed used it).
    #[default]
    Normalised,
    /// x · e_j, the raw tied item table, as SASRec scores (no normalisation, no temperature).
    Dot,
}

impl std::str::FromStr for Scoring {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "normalised" => Ok(Self::Normalised),
            "dot" => Ok(Self::Dot),
            _ => Err(format!("unknown scoring '{s}' (expected normalised or dot)")),
        }
    }
}

/// What the sampler feeds back into the chain after each step (ARCHITECTURE.md §2): x̂0 itself, or
/// the normalised key its softmax expects. Training builds x_t from normalised keys in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DiffusionSpace {
    /// x0 = the target's RMS-normalised key, but x̂0 = c + MLP is scored like the encoder's query
    /// (dot with the raw table): the sampler feeds query-like x̂0 back into x_t, which training never
    /// built, and the chain runs away (BENCHMARKS.md). Bundles saved before this option existed.
    #[default]
    Query,
    /// One space for the chain: x̂0 is scored like the encoder's query, and the sampler feeds back
    /// the normalised key its softmax expects, Σ_j p_j·ẽ_j (score interpolation, as CDCD), so x_t is
    /// built from keys in sampling as in training. Trained by CE alone.
    Key,
}

impl std::str::FromStr for DiffusionSpace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "query" => Ok(Self::Query),
            "key" => Ok(Self::Key),
            _ => Err(format!("unknown diffusion space '{s}' (expected query or key)")),
        }
    }
}

/// The forward process's ᾱ_t (schedule.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseSchedule {
    /// Nichol & Dhariwal's cosine schedule (every bundle saved before this option existed).
    #[default]
    Cosine,
    /// DiffuRec's `trunc_lin`.
    TruncatedLinear,
    /// DreamRec's `exp` (the discretised VP-SDE).
    VpExponential,
}

/// Which published design a model reproduces (`seqdiff train --design`): what the page's model card
/// and the benchmarks name it by. The mechanism itself lives in the other fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Design {
    /// This project's recipe (ARCHITECTURE.md §2).
    #[default]
    Ours,
    DiffuRec,
    DreamRec,
    DiffuRecSys,
}

impl Design {
    pub const ALL: [Design; 4] = [Design::Ours, Design::DiffuRec, Design::DreamRec, Design::DiffuRecSys];

    /// One line on what the design is and how it differs (the page's model card).
    pub fn summary(self) -> &'static str {
        match self {
            Design::Ours => "",
            Design::DiffuRec => {
                "DiffuRec (TOIS 2023) preset: the noisy target, scaled by λ ≈ 0.001, joins every history token and the transformer re-runs at every step"
            }
            Design::DreamRec => {
                "DreamRec (NeurIPS 2023) preset: the encoder trained only by the denoiser's MSE to the target embedding; guided chain (w = 2)"
            }
            Design::DiffuRecSys => {
                "DiffuRecSys (2024) preset: DiffuRec with a cross-attention approximator and offset noise"
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Design::Ours => "ours",
            Design::DiffuRec => "diffurec",
            Design::DreamRec => "dreamrec",
            Design::DiffuRecSys => "diffurecsys",
        }
    }
}

impl Design {
    /// The sampler the design's paper uses: ancestral DDPM over all T steps (DDIM with η = 1 on the
    /// full chain), unguided except DreamRec (w = 2). None for ours, whose sampling the trainer chooses
    /// on validation.
    pub fn sampling(self, diffusion_steps: usize) -> Option<SamplingConfig> {
        let guidance = match self {
            Design::Ours => return None,
            Design::DiffuRec | Design::DiffuRecSys => 0.0,
            Design::DreamRec => 2.0,
        };
        Some(SamplingConfig { guidance, steps: diffusion_steps, eta: 1.0, ensemble: 1, seed: 0, start: 1.0 })
    }
}

impl std::str::FromStr for Design {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Design::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| format!("unknown design '{s}' (expected ours, diffurec, dreamrec or diffurecsys)"))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Items are 1..=num_items; row 0 of the item table is padding.
    pub num_items: usize,
    pub dim: usize,
    pub max_len: usize,
    pub layers: usize,
    pub heads: usize,
    pub dropout: f64,
    pub denoiser: DenoiserKind,
    pub denoiser_hidden: usize,
    /// Diffusion steps T of the training chain.
    pub diffusion_steps: usize,
    /// Logits = x̂0 · ẽ_j / temperature, with ẽ_j the RMS-normalised item embedding. Both vectors
    /// have RMS ≈ 1, so the dot product is d·cos: at temperature 1 (d=64) the initial logits have
    /// std ≈ 8 and the encoder CE stayed above log N for epochs; √d = 8 starts at std ≈ 1 (ML-100K,
    /// 3 epochs: encoder CE 8.29 → 6.79 nats, encoder-alone valid HR@10 3.71 → 4.45; BENCHMARKS.md).
    pub temperature: f64,
    /// x̂0 = c + MLP(x_t, c, τ) instead of MLP(·): the denoiser starts from what the encoder knows.
    /// Together with `input_scale` = √d, measured (seed 1, test HR@10 / NDCG@10): ML-100K 20 epochs
    /// 10.71 / 5.03 → 12.73 / 5.90 (residual alone 11.66 / 5.40); ML-1M 7 epochs 17.30 / 8.75 → 18.91 / 9.42.
    /// Bundles saved before this option existed load as plain (false).
    #[serde(default)]
    pub residual_denoiser: bool,
    /// Item embeddings are multiplied by this before they enter the encoder (SASRec uses √d): the
    /// table is initialised small (std 0.05), so unscaled rows were swamped by the residual branches.
    #[serde(default = "one")]
    pub input_scale: f64,
    #[serde(default)]
    pub scoring: Scoring,
    /// A learned logit offset b added to every item already in the input history (the model's own
    /// repeat behaviour: it learns b < 0 on data where users never repeat an item, b > 0 where
    /// they do). Off in bundles saved before this option existed.
    #[serde(default)]
    pub repeat_offset: bool,
    #[serde(default)]
    pub diffusion_space: DiffusionSpace,
    /// The MLP denoiser also reads the mean normalised key of the user's whole history (every item
    /// seen, not only the encoder's newest `max_len`), a condition the encoder's last state lacks.
    /// Off in bundles saved before this option existed.
    #[serde(default)]
    pub history_bag: bool,
    #[serde(default)]
    pub schedule: NoiseSchedule,
    /// DiffuRec's λ ~ N(δ, δ²) per element, redrawn at every call (training and sampling): the scale
    /// of x_t + τ(t) when added to the history tokens (`DenoiserKind::HistoryTokens`). DiffuRec: 0.001.
    #[serde(default)]
    pub token_noise: f64,
    #[serde(default)]
    pub design: Design,
    /// Standard deviation of the item table's initial rows. Small (0.05, as SASRec's xavier init): Adam's
    /// ≈ lr-sized steps then turn a row's direction quickly (ML-100K, 4 epochs: valid HR@10 8.06 against
    /// 4.67 with std 1). DiffuRec and DreamRec start from N(0, 1), which their diffused x0 relies on.
    #[serde(default = "small_init")]
    pub item_init_std: f64,
}

fn small_init() -> f64 {
    0.05
}

fn one() -> f64 {
    1.0
}

impl ModelConfig {
    pub fn new(num_items: usize) -> Self {
        ModelConfig {
            num_items,
            dim: 64,
            max_len: 50,
            layers: 2,
            heads: 2,
            dropout: 0.2,
            denoiser: DenoiserKind::Mlp,
            denoiser_hidden: 256,
            diffusion_steps: 50,
            temperature: 8.0,
            residual_denoiser: true,
            input_scale: 8.0,
            scoring: Scoring::Normalised,
            repeat_offset: false,
            diffusion_space: DiffusionSpace::Query,
            history_bag: false,
            schedule: NoiseSchedule::Cosine,
            token_noise: 0.0,
            design: Design::Ours,
            item_init_std: small_init(),
        }
    }
}

/// How the page and `seqdiff eval` draw a recommendation (ARCHITECTURE.md §4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplingConfig {
    /// Classifier-free guidance w: x̂0 = (1+w)·f(c) − w·f(∅). 0 = conditional, −1 = unconditional.
    pub guidance: f64,
    /// Number of respaced sampling steps S in 1..=T; 0 = no denoising: the encoder's own
    /// prediction c, the point of reference every diffusion setting is compared with.
    pub steps: usize,
    /// DDIM η: 0 deterministic, 1 = DDPM ancestral on the respaced chain.
    pub eta: f64,
    /// Seeds in the ensemble K (softmaxes averaged).
    pub ensemble: usize,
    pub seed: u64,
    /// Start strength s ∈ (0, 1]: the chain starts at timestep s·(T−1) from the encoder's
    /// prediction noised to that level (1 = pure noise, the classic sampler; towards 0 the encoder).
    #[serde(default = "one")]
    pub start: f64,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        SamplingConfig { guidance: 0.0, steps: 10, eta: 0.0, ensemble: 1, seed: 0, start: 1.0 }
    }
}

/// The smallest start strength: the chain keeps at least its last timestep.
pub const MIN_START: f64 = 0.01;

impl SamplingConfig {
    /// The timestep the chain starts at: s·(T−1), rounded (T−1 at s = 1).
    pub fn start_timestep(&self, diffusion_steps: usize) -> usize {
        ((diffusion_steps.saturating_sub(1)) as f64 * self.start.clamp(0.0, 1.0)).round() as usize
    }

    /// Clamps every field into its legal range (bad input never crashes the sampler).
    pub fn clamped(&self, diffusion_steps: usize) -> Self {
        let finite = |v: f64, default: f64| if v.is_finite() { v } else { default };
        SamplingConfig {
            guidance: finite(self.guidance, 0.0).clamp(-1.0, 8.0),
            steps: self.steps.min(diffusion_steps),
            eta: finite(self.eta, 0.0).clamp(0.0, 1.0),
            ensemble: self.ensemble.clamp(1, 8),
            seed: self.seed,
            start: finite(self.start, 1.0).clamp(MIN_START, 1.0),
        }
    }
}
