//! Generation (ARCHITECTURE.md §4): encode the history once, then run a respaced DDIM chain with η,
//! classifier-free guidance (conditional and unconditional rows in one batch) and a batched seed
//! ensemble. Everything stays on the device until the caller reads the packed result back once.

use burn::tensor::{Device, Tensor, TensorData};

use crate::config::{DenoiserKind, DiffusionSpace, SamplingConfig};
use crate::denoiser::{DenoiserTail, FirstLayerBlocks};
use crate::encoder::padding_bias;
use crate::fast_softmax::{mean_softmax_with_bias, softmax_last};
use crate::generation::{GenerationResult, PackedLayout};
use crate::model::{Encoded, SeqDiff, left_pad, prefix_bags};
use crate::noise::gaussian;
use crate::schedule::{alpha_bars, ddim_coefficients, respaced_timesteps_from};

/// Seeds λ's stream (DiffuRec's approximator) apart from the chain's noise of the same seed.
pub const LAMBDA_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;

/// A model made ready for inference: the per-request-independent tensors are computed once.
pub struct Recommender {
    pub model: SeqDiff,
    /// The scoring keys (see `SeqDiff::scoring_keys`), transposed and stored so: [d, N+1] row-major.
    item_keys: Tensor<2>,
    /// Key space: the RMS-normalised item table [N+1, d] whose softmax-weighted mean is fed back
    /// into the chain (None in query space, which feeds back x̂0 itself).
    key_space: Option<Tensor<2>>,
    /// The RMS-normalised item table the history bag averages (models with `history_bag`).
    bag_keys: Option<Tensor<2>>,
    /// The learned repeat offset b, [1], on the device (None when the model has none): reading it
    /// back here would be a synchronous readback, which WebGPU in the browser cannot do.
    repeat_offset: Option<Tensor<1>>,
    /// τ(t) for every t: [T, d].
    time_table: Tensor<2>,
    /// The denoiser's first layer by input block, and τ(t)·W_τ for every t: [T, hidden] (the MLP
    /// denoiser's steps then multiply only x_t; ARCHITECTURE.md §4).
    first_layer: FirstLayerBlocks,
    time_hidden: Tensor<2>,
    /// The MLP denoiser's later layers, weights read out once.
    tail: DenoiserTail,
    /// 0 for real items, −∞ for the padding row: [1, N+1].
    padding_row: Tensor<2>,
    alpha_bars: Vec<f64>,
}

/// The encoder's output for a batch of histories (see `Recommender::encode`).
pub struct Encoding {
    /// The histories as given (the repeat offset's mask reads all of each, not only the window).
    pub histories: Vec<Vec<u32>>,
    encoded: Encoded,
    /// The condition: the encoder's output at each history's newest position, [U, d].
    last: Tensor<2>,
    /// The mean normalised key of each whole history, [U, d] (models with `history_bag`).
    bag: Option<Tensor<2>>,
}

/// The lazy (not yet read back) result of one request for U histories and K seeds (R = U·K rows).
pub struct Generation {
    /// Ensemble-averaged softmax over items, [U, N+1] (column 0 is padding, always 0).
    pub scores: Tensor<2>,
    /// Guided x̂0 at the last step, [R, d].
    pub final_x0: Tensor<2>,
    /// Guided x̂0 after every step, [S, R, d] (only when asked for).
    pub trajectory: Option<Tensor<3>>,
    /// Conditional and unconditional x̂0 at the last step, [R, d] each (only when guided, w ≠ 0).
    pub endpoints: Option<(Tensor<2>, Tensor<2>)>,
    /// x_t fed to the denoiser at every step, [S, R, d] (native diagnostics only: `generate_traced`).
    pub chain_inputs: Option<Tensor<3>>,
}

impl Recommender {
    pub fn new(model: SeqDiff) -> Self {
        let device = model.device();
        let n = model.config.num_items + 1;
        let mut pad = vec![0.0f32; n];
        pad[0] = f32::NEG_INFINITY;
        let time_table = model.denoiser.time_table(&device);
        let first_layer = model.denoiser.first_layer_blocks();
        Recommender {
            // `* 1.0` writes the transpose out once: as a strided view, the CPU backend's gemm repacked
            // the whole item table on every request (BENCHMARKS.md, "The page at 12,000 items").
            item_keys: model.scoring_keys().transpose() * 1.0,
            key_space: (model.config.diffusion_space == DiffusionSpace::Key).then(|| model.normalised_items()),
            bag_keys: model.config.history_bag.then(|| model.normalised_items()),
            repeat_offset: model.repeat_offset_tensor(),
            time_hidden: time_table.clone().matmul(first_layer.time.clone()),
            tail: model.denoiser.tail(),
            first_layer,
            time_table,
            padding_row: Tensor::from_data(TensorData::new(pad, [1, n]), &device),
            alpha_bars: alpha_bars(model.config.schedule, model.config.diffusion_steps),
            model,
        }
    }

    pub fn device(&self) -> Device {
        self.model.device()
    }

    /// Builds the whole request as lazy device work. `histories` are item ids (oldest first);
    /// only the newest `max_len` are used. Row r = u·K + k draws its noise from seed + r.
    /// Steps 0 scores the condition c itself (its trajectory is that one point).
    pub fn generate(&self, histories: &[Vec<u32>], sampling: &SamplingConfig, trace: bool) -> Generation {
        self.generate_encoded(&self.encode(histories), sampling, trace)
    }

    /// The encoder's part of a request: reusable for any sampling setting of the same histories
    /// (the page keeps the last one while only guidance, steps, η or seeds change).
    pub fn encode(&self, histories: &[Vec<u32>]) -> Encoding {
        let (encoded, last) = self.encode_newest(histories);
        let bag = self.bag_keys.as_ref().map(|keys| {
            let whole: Vec<Vec<usize>> = histories.iter().map(|h| vec![h.len()]).collect();
            prefix_bags(keys.clone(), histories, &whole).reshape([histories.len(), self.model.config.dim])
        });
        Encoding { histories: histories.to_vec(), encoded, last, bag }
    }

    /// `generate` for histories already encoded.
    pub fn generate_encoded(&self, encoding: &Encoding, sampling: &SamplingConfig, trace: bool) -> Generation {
        self.sample(encoding, sampling, 0, trace, false)
    }

    /// Seeds `first_seed_row ..` of a larger ensemble for one history: `sampling.ensemble` rows that
    /// draw the noise of rows `first_seed_row + k`, so that two workers can each compute part of one
    /// request's seeds and their results combine into the whole (`GenerationResult::join_seeds`).
    pub fn generate_seed_rows(
        &self,
        encoding: &Encoding,
        sampling: &SamplingConfig,
        first_seed_row: u64,
        trace: bool,
    ) -> Generation {
        // Row u·K + k of several histories would need the whole request's K, which a part does not know.
        debug_assert!(first_seed_row == 0 || encoding.histories.len() == 1, "seed rows of one history only");
        self.sample(encoding, sampling, first_seed_row, trace, false)
    }

    /// `generate` with the trajectory and the chain's inputs x_t kept (`seqdiff chain`'s view).
    pub fn generate_traced(&self, encoding: &Encoding, sampling: &SamplingConfig) -> Generation {
        self.sample(encoding, sampling, 0, true, true)
    }

    fn sample(
        &self,
        encoding: &Encoding,
        sampling: &SamplingConfig,
        first_seed_row: u64,
        trace: bool,
        trace_inputs: bool,
    ) -> Generation {
        let cfg = &self.model.config;
        let s = sampling.clamped(cfg.diffusion_steps);
        let histories = &encoding.histories[..];
        let (users, k, d) = (histories.len(), s.ensemble, cfg.dim);
        let rows = users * k;
        let device = self.device();
        let (encoded, last) = (&encoding.encoded, encoding.last.clone());
        // Condition = encoder output at the newest position, repeated for each seed: [R, d].
        let cond_rows = last.reshape([users, 1, d]).expand([users, k, d]).reshape([rows, d]);
        let bag_rows = encoding.bag.clone().map(|b| b.reshape([users, 1, d]).expand([users, k, d]).reshape([rows, d]));
        if s.steps == 0 {
            // No denoising: the encoder's prediction, the same for every seed.
            return Generation {
                scores: self.score(cond_rows.clone(), histories, k),
                trajectory: trace.then(|| cond_rows.clone().unsqueeze_dim::<3>(0)),
                final_x0: cond_rows,
                endpoints: None,
                chain_inputs: None,
            };
        }
        let null_rows = self.model.null_rows(rows);
        let bias = self.item_bias(histories);
        let start = s.start_timestep(cfg.diffusion_steps);
        let timesteps = respaced_timesteps_from(start, s.steps);
        let noise =
            self.noise(s.seed.wrapping_add(first_seed_row), rows, d, if s.eta > 0.0 { timesteps.len() } else { 1 });
        let mut x = noise.clone().slice([0..1]).reshape([rows, d]);
        if s.start < 1.0 {
            // Start from the encoder's prediction noised to the start timestep's level.
            let a = self.alpha_bars[start];
            x = self.expected_key(cond_rows.clone(), &bias, k) * a.sqrt() + x * (1.0 - a).sqrt();
        }
        let mut inputs = Vec::new();
        // DiffuRec's approximator has no condition to drop: it is never guided.
        let tokens = cfg.denoiser.reruns_encoder();
        let guided = s.guidance != 0.0 && !tokens;
        // Its windows, one per row, and λ for every step (a stream of its own beside the chain's noise).
        let token_rows = tokens.then(|| {
            let windows: Vec<Vec<u32>> =
                encoded.windows.iter().flat_map(|w| std::iter::repeat_n(w.clone(), k)).collect();
            let delta = cfg.token_noise;
            let lambda_seed = (s.seed ^ LAMBDA_STREAM).wrapping_add(first_seed_row);
            let lambda = self.noise(lambda_seed, rows, d, timesteps.len()) * delta + delta;
            (self.model.token_windows(&windows), lambda)
        });
        let cross = (cfg.denoiser == DenoiserKind::CrossAttn).then(|| {
            let keys = encoded.outputs.clone();
            (keys, padding_bias(&encoded.windows, k, &device))
        });

        // MLP denoiser: the condition's part of the first layer, once per request — for the
        // conditional rows, then the unconditional ones when guided — and the residual rows beside it.
        let mlp = (cfg.denoiser == DenoiserKind::Mlp).then(|| {
            let cond_part = self.first_layer.condition_part(cond_rows.clone(), bag_rows.clone());
            if guided {
                let null_part = self.first_layer.condition_part(null_rows.clone(), None);
                (Tensor::cat(vec![cond_part, null_part], 0), Tensor::cat(vec![cond_rows.clone(), null_rows.clone()], 0))
            } else {
                (cond_part, cond_rows.clone())
            }
        });

        let mut trajectory = Vec::new();
        let mut x0 = x.clone();
        let mut endpoints = None;
        for (i, &t) in timesteps.iter().enumerate() {
            if trace_inputs {
                inputs.push(x.clone().unsqueeze_dim::<3>(0));
            }
            // The denoiser's output for the conditional rows, then (when guided) the unconditional ones.
            let out = match &mlp {
                Some((cond_part, residual)) => {
                    // One x_t·W_x per step, shared by the conditional and unconditional rows.
                    let x_part = x.clone().matmul(self.first_layer.x.clone());
                    let x_part = if guided { Tensor::cat(vec![x_part.clone(), x_part], 0) } else { x_part };
                    let h = x_part + cond_part.clone() + self.time_hidden.clone().slice([t..t + 1]);
                    self.tail.forward(h, residual.clone())
                }
                None if tokens => {
                    let (windows, lambda) = token_rows.as_ref().expect("windows for the history-token approximator");
                    let temb = self.time_table.clone().slice([t..t + 1]).expand([rows, d]);
                    let lambda = lambda.clone().slice([i..i + 1]).reshape([rows, d]);
                    self.model.history_tokens_x0(windows, x.clone(), temb, lambda)
                }
                None => {
                    let temb = self.time_table.clone().slice([t..t + 1]).expand([rows, d]);
                    // Cross-attention re-reads the (fixed) encoder keys with the current x_t as query.
                    let cond = match &cross {
                        Some((keys, bias)) => self
                            .model
                            .denoiser
                            .attend(
                                x.clone().reshape([users, k, d]),
                                temb.clone().reshape([users, k, d]),
                                cond_rows.clone().reshape([users, k, d]),
                                keys.clone(),
                                bias.clone(),
                            )
                            .reshape([rows, d]),
                        None => cond_rows.clone(),
                    };
                    if guided {
                        // The unconditional rows drop the bag with the condition.
                        let bag = bag_rows.clone().map(|b| Tensor::cat(vec![b.clone(), b.zeros_like()], 0));
                        self.model.denoiser.forward_with_bag(
                            Tensor::cat(vec![x.clone(), x.clone()], 0),
                            Tensor::cat(vec![cond, null_rows.clone()], 0),
                            bag,
                            Tensor::cat(vec![temb.clone(), temb], 0),
                        )
                    } else {
                        self.model.denoiser.forward_with_bag(x.clone(), cond, bag_rows.clone(), temb)
                    }
                }
            };
            x0 = if guided {
                let (x0_cond, x0_uncond) = (out.clone().slice([0..rows]), out.slice([rows..2 * rows]));
                if i + 1 == timesteps.len() {
                    endpoints = Some((x0_cond.clone(), x0_uncond.clone()));
                }
                x0_cond * (1.0 + s.guidance) - x0_uncond * s.guidance
            } else {
                out
            };
            if trace {
                trajectory.push(x0.clone().unsqueeze_dim::<3>(0));
            }
            // Key space feeds back the key the step's distribution expects (score interpolation, as
            // CDCD): x_t is then built from mixtures of keys, as training built it from keys.
            let x0_fed = self.expected_key(x0.clone(), &bias, k);
            x = self.ddim_step(x, x0_fed, &timesteps, i, s.eta, &noise, rows, d);
        }
        let scores = self.score_with(x0.clone(), &bias, k);
        Generation {
            scores,
            final_x0: x0,
            trajectory: trace.then(|| Tensor::cat(trajectory, 0)),
            endpoints,
            chain_inputs: trace_inputs.then(|| Tensor::cat(inputs, 0)),
        }
    }

    /// x_{t_prev} from x_t and x̂0 at step i (x_t itself after the last step). DDIM with
    /// ε = (x_t − √ᾱ_t·x̂0)/√(1−ᾱ_t) folded into two scalar multiply-adds:
    /// x_prev = (c_x0 − c_ε·√ᾱ_t/√(1−ᾱ_t))·x̂0 + (c_ε/√(1−ᾱ_t))·x_t (+ σ·z).
    #[allow(clippy::too_many_arguments)]
    fn ddim_step(
        &self,
        x: Tensor<2>,
        x0: Tensor<2>,
        timesteps: &[usize],
        i: usize,
        eta: f64,
        noise: &Tensor<3>,
        rows: usize,
        d: usize,
    ) -> Tensor<2> {
        let Some(&t_prev) = timesteps.get(i + 1) else {
            return x;
        };
        let c = ddim_coefficients(&self.alpha_bars, timesteps[i], Some(t_prev), eta);
        let on_x = c.c_eps / c.sqrt_one_minus_alpha_bar;
        let next = x0 * (c.c_x0 - on_x * c.sqrt_alpha_bar) + x * on_x;
        if c.sigma > 0.0 { next + noise.clone().slice([i + 1..i + 2]).reshape([rows, d]) * c.sigma } else { next }
    }

    /// The encoder alone as a recommender: softmax of c·ẽᵀ at the newest position, [U, N+1].
    /// A diagnostic (and the SASRec-style baseline) for what the condition knows before diffusion.
    pub fn encoder_scores(&self, histories: &[Vec<u32>]) -> Tensor<2> {
        let (_, last) = self.encode_newest(histories);
        self.score(last, histories, 1)
    }

    /// Left-pads the histories to their longest (≤ max_len) length and encodes them once; returns
    /// the encoding and the output at the newest position of each, [U, d].
    fn encode_newest(&self, histories: &[Vec<u32>]) -> (Encoded, Tensor<2>) {
        let cfg = &self.model.config;
        let (users, d) = (histories.len(), cfg.dim);
        let len = histories.iter().map(|h| h.len().min(cfg.max_len)).max().unwrap_or(0).max(1);
        let windows: Vec<Vec<u32>> = histories.iter().map(|h| left_pad(h, len)).collect();
        let encoded = self.model.encode(windows);
        let last = encoded.outputs.clone().slice([0..users, len - 1..len]).reshape([users, d]);
        (encoded, last)
    }

    /// The learned repeat offset b (0 when the model has none). Reads it back synchronously: native
    /// or CPU devices only.
    pub fn repeat_offset(&self) -> f32 {
        self.model.repeat_offset()
    }

    /// Ensemble-averaged softmax over items for encoder outputs or x̂0 rows [U·K, d] (row u·K + k
    /// belongs to `histories[u]`) → [U, N+1]. Items of a user's history get the repeat offset.
    pub fn score(&self, x0: Tensor<2>, histories: &[Vec<u32>], k: usize) -> Tensor<2> {
        self.score_with(x0, &self.item_bias(histories), k)
    }

    /// `score` with the request's item bias made once (`item_bias`).
    fn score_with(&self, x0: Tensor<2>, bias: &Tensor<3>, k: usize) -> Tensor<2> {
        let [users, _, n] = bias.dims();
        mean_softmax_with_bias(self.logits(x0).reshape([users, k, n]), bias)
    }

    /// What every logit row of a user gets added, [U, 1, N+1]: −∞ on the padding column, the repeat
    /// offset on the user's history items. Made once per request.
    fn item_bias(&self, histories: &[Vec<u32>]) -> Tensor<3> {
        let (users, n) = (histories.len(), self.model.config.num_items + 1);
        let mut bias = self.padding_row.clone().expand([users, n]);
        if let Some(b) = &self.repeat_offset {
            bias = bias + self.history_mask(histories) * b.clone().reshape([1, 1]);
        }
        bias.reshape([users, 1, n])
    }

    /// The softmax over items of each row of x [U·K, d] plus the users' item bias: [U, K, N+1].
    fn row_softmax(&self, x: Tensor<2>, bias: &Tensor<3>, k: usize) -> Tensor<3> {
        let [users, _, n] = bias.dims();
        softmax_last(self.logits(x).reshape([users, k, n]) + bias.clone())
    }

    /// Each row of x [R, d] scored against every item, [R, N+1].
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        let scale = self.model.logit_scale();
        let logits = x.matmul(self.item_keys.clone());
        // Dot scoring has scale 1: no pass over the [R, N] logits for it.
        if scale == 1.0 { logits } else { logits * scale }
    }

    /// Key space: Σ_j p_j·ẽ_j for each row of x̂0 [R, d], p its softmax over items → [R, d]
    /// (query space: x̂0 itself). Also where a chain that starts from the encoder starts.
    fn expected_key(&self, x0: Tensor<2>, bias: &Tensor<3>, k: usize) -> Tensor<2> {
        let Some(keys) = &self.key_space else {
            return x0;
        };
        let [rows, _] = x0.dims();
        let n = self.model.config.num_items + 1;
        self.row_softmax(x0, bias, k).reshape([rows, n]).matmul(keys.clone())
    }

    /// [U, N+1]: 1 at each user's history items (padding column excluded), 0 elsewhere.
    fn history_mask(&self, histories: &[Vec<u32>]) -> Tensor<2> {
        let n = self.model.config.num_items + 1;
        let mut mask = vec![0.0f32; histories.len() * n];
        for (u, history) in histories.iter().enumerate() {
            for &item in history.iter().filter(|&&i| i > 0 && (i as usize) < n) {
                mask[u * n + item as usize] = 1.0;
            }
        }
        Tensor::from_data(TensorData::new(mask, [histories.len(), n]), &self.device())
    }

    /// Noise for R rows: [S', R, d], slot 0 = x_T, slot i = z for step i. Row r uses seed + r.
    fn noise(&self, seed: u64, rows: usize, d: usize, slots: usize) -> Tensor<3> {
        let mut data = vec![0.0f32; slots * rows * d];
        for r in 0..rows {
            let stream = gaussian(seed.wrapping_add(r as u64), slots * d);
            for slot in 0..slots {
                data[(slot * rows + r) * d..(slot * rows + r + 1) * d]
                    .copy_from_slice(&stream[slot * d..(slot + 1) * d]);
            }
        }
        Tensor::from_data(TensorData::new(data, [slots, rows, d]), &self.device())
    }
}

impl Generation {
    /// Everything in one flat tensor, so a request costs exactly one GPU→CPU readback.
    pub fn packed(self) -> Tensor<1> {
        let mut parts: Vec<Tensor<1>> = vec![self.scores.flatten(0, 1), self.final_x0.flatten(0, 1)];
        if let Some(t) = self.trajectory {
            parts.push(t.flatten(0, 2));
        }
        if let Some((c, u)) = self.endpoints {
            parts.push(c.flatten(0, 1));
            parts.push(u.flatten(0, 1));
        }
        Tensor::cat(parts, 0)
    }

    /// Shapes needed to unpack the flat buffer: (users, rows, dim, steps, items+1, has_endpoints).
    pub fn layout(&self) -> PackedLayout {
        let [users, n] = self.scores.dims();
        let [rows, dim] = self.final_x0.dims();
        PackedLayout {
            users,
            rows,
            dim,
            items: n,
            steps: self.trajectory.as_ref().map_or(0, |t| t.dims()[0]),
            trajectory_rows: self.trajectory.as_ref().map_or(0, |t| t.dims()[1]),
            endpoints: self.endpoints.is_some(),
        }
    }

    /// Keeps the trajectory of the first `rows` rows only (the page draws row 0's): less to read
    /// back and to send from the worker.
    pub fn keep_trajectory_rows(mut self, rows: usize) -> Self {
        self.trajectory = self.trajectory.map(|t| {
            let [steps, all, dim] = t.dims();
            t.slice([0..steps, 0..rows.min(all), 0..dim])
        });
        self
    }

    /// Native, synchronous readback (the browser uses `read_async`).
    pub fn read(self) -> GenerationResult {
        let layout = self.layout();
        let flat = self.packed().into_data().try_into_vec::<f32>().expect("f32 result");
        layout.unpack(&flat)
    }

    /// Asynchronous readback: the only way to read WebGPU results in a browser.
    pub async fn read_async(self) -> Result<GenerationResult, String> {
        let layout = self.layout();
        let data = self.packed().into_data_async().await.map_err(|e| format!("{e:?}"))?;
        Ok(layout.unpack(&data.try_into_vec::<f32>().map_err(|e| format!("{e:?}"))?))
    }
}
