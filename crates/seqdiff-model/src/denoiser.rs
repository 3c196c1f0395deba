//! Denoiser f(x_t, c, t) → x̂0 (ARCHITECTURE.md §2): an MLP on concat[x_t, c, τ(t)], or, as an option,
//! a cross-attention variant in which x_t queries the encoder outputs before the same MLP.

use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::module::linear;
use burn::tensor::{Device, Tensor, TensorData};

use crate::encoder::Attention;
use crate::gelu::gelu;

/// Sinusoidal features of t = 0..steps-1, [steps, dim] (host-computed constants).
pub fn sinusoidal_table(steps: usize, dim: usize) -> Vec<f32> {
    let half = dim / 2;
    let mut out = vec![0.0f32; steps * dim];
    for t in 0..steps {
        for k in 0..half {
            let freq = (-(10_000f64.ln()) * k as f64 / half as f64).exp();
            let angle = t as f64 * freq;
            out[t * dim + k] = angle.sin() as f32;
            out[t * dim + half + k] = angle.cos() as f32;
        }
    }
    out
}

/// The blocks of the denoiser's first weight matrix, [d, hidden] each, and its bias [hidden].
#[derive(Clone, Debug)]
pub struct FirstLayerBlocks {
    pub x: Tensor<2>,
    pub cond: Tensor<2>,
    pub time: Tensor<2>,
    pub bias: Option<Tensor<1>>,
    /// The history bag's weights [d, hidden] (models with `history_bag`).
    pub bag: Option<Tensor<2>>,
}

impl FirstLayerBlocks {
    /// c·W_c + b (+ bag·W_bag) for condition rows [R, d] → [R, hidden]. The unconditional rows
    /// (∅) pass no bag: guidance drops the whole condition.
    pub fn condition_part(&self, cond: Tensor<2>, bag: Option<Tensor<2>>) -> Tensor<2> {
        let part = cond.matmul(self.cond.clone());
        let part = match &self.bias {
            Some(b) => part + b.clone().unsqueeze_dim::<2>(0),
            None => part,
        };
        match (bag, &self.bag) {
            (Some(bag), Some(w)) => part + bag.matmul(w.clone()),
            _ => part,
        }
    }
}

/// The denoiser's layers after the first: GELU, hidden_mid, GELU, hidden_out (+ c when residual).
#[derive(Clone, Debug)]
pub struct DenoiserTail {
    mid: (Tensor<2>, Option<Tensor<1>>),
    out: (Tensor<2>, Option<Tensor<1>>),
    residual: bool,
}

impl DenoiserTail {
    /// x̂0 from the first layer's pre-activation `h` [.., hidden]: the one copy of these layers.
    pub fn forward<const D: usize>(&self, h: Tensor<D>, cond: Tensor<D>) -> Tensor<D> {
        let h = gelu(linear(gelu(h), self.mid.0.clone(), self.mid.1.clone()));
        let out = linear(h, self.out.0.clone(), self.out.1.clone());
        if self.residual { out + cond } else { out }
    }
}

#[derive(Module, Debug)]
pub struct Denoiser {
    pub time_in: Linear,
    pub time_out: Linear,
    pub hidden_in: Linear,
    pub hidden_mid: Linear,
    pub hidden_out: Linear,
    /// Present only for the cross-attention option.
    pub cross: Option<Attention>,
    /// The history bag's part of the first layer (d → hidden, no bias; `ModelConfig::history_bag`).
    /// Starts at zero, so a staged run starts from exactly the denoiser without it.
    pub bag_in: Option<Linear>,
    #[module(skip)]
    pub steps: usize,
    /// x̂0 = c + MLP(·) (see `ModelConfig::residual_denoiser`).
    #[module(skip)]
    pub residual: bool,
}

impl Denoiser {
    pub fn new(
        dim: usize,
        hidden: usize,
        steps: usize,
        cross_heads: Option<usize>,
        residual: bool,
        history_bag: bool,
        device: &Device,
    ) -> Self {
        Denoiser {
            time_in: LinearConfig::new(dim, dim).init(device),
            time_out: LinearConfig::new(dim, dim).init(device),
            hidden_in: LinearConfig::new(3 * dim, hidden).init(device),
            hidden_mid: LinearConfig::new(hidden, hidden).init(device),
            hidden_out: LinearConfig::new(hidden, dim).init(device),
            cross: cross_heads.map(|h| Attention::new(dim, h, device)),
            bag_in: history_bag.then(|| {
                LinearConfig::new(dim, hidden).with_bias(false).with_initializer(Initializer::Zeros).init(device)
            }),
            steps,
            residual,
        }
    }

    /// τ(t) for every t: [T, d]. Training recomputes it per batch; inference computes it once.
    pub fn time_table(&self, device: &Device) -> Tensor<2> {
        let dim = self.time_in.weight.val().dims()[0];
        let raw = Tensor::<2>::from_data(TensorData::new(sinusoidal_table(self.steps, dim), [self.steps, dim]), device);
        self.time_out.forward(gelu(self.time_in.forward(raw)))
    }

    /// x̂0 for rows of x_t [.., d] with conditions c and step embeddings temb of the same shape.
    pub fn forward<const D: usize>(&self, x_t: Tensor<D>, cond: Tensor<D>, temb: Tensor<D>) -> Tensor<D> {
        self.forward_with_bag(x_t, cond, None, temb)
    }

    /// `forward` with the history bag's rows (zero rows where the condition is dropped; None
    /// without one).
    pub fn forward_with_bag<const D: usize>(
        &self,
        x_t: Tensor<D>,
        cond: Tensor<D>,
        bag: Option<Tensor<D>>,
        temb: Tensor<D>,
    ) -> Tensor<D> {
        let h = self.hidden_in.forward(Tensor::cat(vec![x_t, cond.clone(), temb], D - 1));
        let h = match (bag, &self.bag_in) {
            (Some(bag), Some(layer)) => h + layer.forward(bag),
            _ => h,
        };
        self.from_first_layer(h, cond)
    }

    /// The rest of the MLP from the first layer's pre-activation `h` [.., hidden] (`cond` for the
    /// residual form), for training and the cross-attention sampler.
    pub fn from_first_layer<const D: usize>(&self, h: Tensor<D>, cond: Tensor<D>) -> Tensor<D> {
        self.tail().forward(h, cond)
    }

    /// The layers after the first, with their weights read out once (the MLP sampler keeps them:
    /// reading a parameter costs a clone per call, ≈ 8% of a page request when done every step).
    pub fn tail(&self) -> DenoiserTail {
        let weights = |l: &Linear| (l.weight.val(), l.bias.as_ref().map(|b| b.val()));
        DenoiserTail { mid: weights(&self.hidden_mid), out: weights(&self.hidden_out), residual: self.residual }
    }

    /// The first layer split by input block: hidden_in(cat[x, c, τ]) = x·W_x + (c·W_c + b) + τ·W_τ.
    /// The sampler computes the c and τ parts once (per request, per model) and multiplies only x_t
    /// at each step.
    pub fn first_layer_blocks(&self) -> FirstLayerBlocks {
        let w = self.hidden_in.weight.val();
        let d = w.dims()[0] / 3;
        FirstLayerBlocks {
            x: w.clone().slice([0..d]),
            cond: w.clone().slice([d..2 * d]),
            time: w.slice([2 * d..3 * d]),
            bias: self.hidden_in.bias.as_ref().map(|b| b.val()),
            bag: self.bag_in.as_ref().map(|l| l.weight.val()),
        }
    }

    /// Cross-attention option: the condition for queries x_t [B, Q, d] becomes c + attn(x_t + τ, keys).
    /// `keys` [B, L, d] are the encoder outputs; `bias` [B, 1, Q, L] says which keys each query sees.
    pub fn attend(
        &self,
        x_t: Tensor<3>,
        temb: Tensor<3>,
        cond: Tensor<3>,
        keys: Tensor<3>,
        bias: Tensor<4>,
    ) -> Tensor<3> {
        match &self.cross {
            Some(cross) => cond + cross.forward(x_t + temb, keys, bias),
            None => cond,
        }
    }
}
