//! Causal history encoder (SASRec-style, pre-LN) with a key-padding mask (ARCHITECTURE.md §2).

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};

use crate::dropout::dropout;
use crate::gelu::gelu;

/// Added to the attention score of a forbidden key. exp(−1e9) is exactly 0 in f32.
pub const MASKED_SCORE: f32 = -1.0e9;

/// Multi-head attention whose query source may differ from the key/value source
/// (self-attention in the encoder, cross-attention in the denoiser option).
#[derive(Module, Debug)]
pub struct Attention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub output: Linear,
    #[module(skip)]
    pub heads: usize,
}

impl Attention {
    pub fn new(dim: usize, heads: usize, device: &Device) -> Self {
        let lin = || LinearConfig::new(dim, dim).init(device);
        Attention { query: lin(), key: lin(), value: lin(), output: lin(), heads }
    }

    /// Attention weights [B, H, Lq, Lk] for queries [B, Lq, d] and keys [B, Lk, d];
    /// `bias` [B, 1, Lq, Lk] is 0 where a key may be seen and MASKED_SCORE where not.
    pub fn weights(&self, queries: Tensor<3>, keys: Tensor<3>, bias: Tensor<4>) -> Tensor<4> {
        let q = self.split_heads(self.query.forward(queries));
        let k = self.split_heads(self.key.forward(keys));
        let head_dim = q.dims()[3];
        let scores = q.matmul(k.swap_dims(2, 3)) / (head_dim as f64).sqrt();
        softmax(scores + bias, 3)
    }

    pub fn forward(&self, queries: Tensor<3>, keys: Tensor<3>, bias: Tensor<4>) -> Tensor<3> {
        let [b, lq, d] = queries.dims();
        let v = self.split_heads(self.value.forward(keys.clone()));
        let mixed = self.weights(queries, keys, bias).matmul(v); // [B, H, Lq, dh]
        self.output.forward(mixed.swap_dims(1, 2).reshape([b, lq, d]))
    }

    fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [b, l, d] = x.dims();
        x.reshape([b, l, self.heads, d / self.heads]).swap_dims(1, 2)
    }
}

#[derive(Module, Debug)]
pub struct EncoderBlock {
    pub norm_attn: LayerNorm,
    pub attention: Attention,
    pub norm_ffn: LayerNorm,
    pub ffn_in: Linear,
    pub ffn_out: Linear,
    pub dropout: Dropout,
}

impl EncoderBlock {
    pub fn new(dim: usize, heads: usize, dropout: f64, device: &Device) -> Self {
        EncoderBlock {
            norm_attn: LayerNormConfig::new(dim).init(device),
            attention: Attention::new(dim, heads, device),
            norm_ffn: LayerNormConfig::new(dim).init(device),
            ffn_in: LinearConfig::new(dim, 4 * dim).init(device),
            ffn_out: LinearConfig::new(4 * dim, dim).init(device),
            dropout: DropoutConfig::new(dropout).init(),
        }
    }

    pub fn forward(&self, x: Tensor<3>, bias: Tensor<4>) -> Tensor<3> {
        let h = self.norm_attn.forward(x.clone());
        let x = x + dropout(&self.dropout, self.attention.forward(h.clone(), h, bias));
        let h = self.ffn_out.forward(gelu(self.ffn_in.forward(self.norm_ffn.forward(x.clone()))));
        x + dropout(&self.dropout, h)
    }
}

/// Encodes item-embedding sequences [B, L, d] (left-padded) into one condition per position.
#[derive(Module, Debug)]
pub struct HistoryEncoder {
    pub positions: Param2,
    pub blocks: Vec<EncoderBlock>,
    pub norm_out: LayerNorm,
    pub dropout: Dropout,
}

/// A learned [max_len, d] table; kept as a plain parameter so any window length can slice it.
pub type Param2 = burn::module::Param<Tensor<2>>;

impl HistoryEncoder {
    pub fn new(dim: usize, heads: usize, layers: usize, max_len: usize, dropout: f64, device: &Device) -> Self {
        let positions = burn::nn::Initializer::Normal { mean: 0.0, std: 0.02 }.init([max_len, dim], device);
        HistoryEncoder {
            positions,
            blocks: (0..layers).map(|_| EncoderBlock::new(dim, heads, dropout, device)).collect(),
            norm_out: LayerNormConfig::new(dim).init(device),
            dropout: DropoutConfig::new(dropout).init(),
        }
    }

    /// `items` [B, L, d] are the embedded, left-padded windows (L ≤ max_len: the last position is
    /// always the newest item, and gets the last learned position); `bias` from [`attention_bias`].
    pub fn forward(&self, items: Tensor<3>, bias: Tensor<4>) -> Tensor<3> {
        let [_, l, _] = items.dims();
        let max_len = self.positions.val().dims()[0];
        let pos = self.positions.val().slice(max_len - l..max_len).unsqueeze_dim::<3>(0);
        let mut x = dropout(&self.dropout, items + pos);
        for block in &self.blocks {
            x = block.forward(x, bias.clone());
        }
        self.norm_out.forward(x)
    }
}

/// Causal + key-padding attention bias [B, 1, L, L] for left-padded windows (0 = padding).
/// Query i may see key j iff j ≤ i and j is a real item; a padded query sees only itself, so no
/// row is empty (its output is never used).
pub fn attention_bias(windows: &[Vec<u32>], len: usize, device: &Device) -> Tensor<4> {
    let mut bias = vec![MASKED_SCORE; windows.len() * len * len];
    for (b, window) in windows.iter().enumerate() {
        debug_assert_eq!(window.len(), len);
        for i in 0..len {
            for j in 0..=i {
                if window[j] != 0 || j == i {
                    bias[(b * len + i) * len + j] = 0.0;
                }
            }
        }
    }
    Tensor::from_data(TensorData::new(bias, [windows.len(), 1, len, len]), device)
}

/// Padding-only bias [B, 1, Q, L] for queries that may see every real item of their window.
pub fn padding_bias(windows: &[Vec<u32>], queries: usize, device: &Device) -> Tensor<4> {
    let len = windows.first().map_or(0, Vec::len);
    let mut bias = Vec::with_capacity(windows.len() * queries * len);
    for window in windows {
        for _ in 0..queries {
            bias.extend(window.iter().map(|&it| if it != 0 { 0.0 } else { MASKED_SCORE }));
        }
    }
    Tensor::from_data(TensorData::new(bias, [windows.len(), 1, queries, len]), device)
}
