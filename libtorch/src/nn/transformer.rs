//! `TransformerEncoderLayer`, `TransformerDecoderLayer`, `TransformerEncoder`,
//! `TransformerDecoder` and `Transformer`, with PyTorch's parameter names, initialisation and
//! forward computation (so a PyTorch `state_dict` loads strictly and gives PyTorch's outputs).
//!
//! The forward pass is PyTorch's standard path (`F.multi_head_attention_forward` with
//! `need_weights=False`, ATen's `scaled_dot_product_attention`), which PyTorch takes in training
//! and whenever gradients are recorded; bit for bit the same there. In eval mode under
//! `torch.no_grad()`, PyTorch may instead run its fused inference kernels
//! (`_transformer_encoder_layer_fwd`, nested tensors), whose rounding can differ in the last
//! bits.
use super::attention::MultiheadAttention;
use super::functional as F;
use super::linear::Linear;
use super::mha_sdpa::{attend, canonical_mask, Sharing};
use super::module::{visit_child, Module, Slot};
use super::norm::{Dropout, LayerNorm};
use crate::error::unwrap;
use crate::{Error, Kind, Result, Tensor};

/// The feed-forward activation (`activation="relu"` or `"gelu"`); [`str::parse`] takes
/// PyTorch's names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransformerActivation {
    /// `F.relu` (the default).
    #[default]
    Relu,
    /// `F.gelu` (exact).
    Gelu,
}

impl std::str::FromStr for TransformerActivation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "relu" => Ok(TransformerActivation::Relu),
            "gelu" => Ok(TransformerActivation::Gelu),
            _ => Err(Error::invalid(
                "Transformer",
                format!("activation should be relu/gelu, not {s}"),
            )),
        }
    }
}

/// The keyword arguments the Transformer layers share, with PyTorch's defaults
/// (`dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
/// batch_first=False, norm_first=False`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransformerOptions {
    /// Hidden size of the feed-forward block.
    pub dim_feedforward: i64,
    /// Dropout probability (attention weights and the residual branches; training only).
    pub dropout: f64,
    /// The feed-forward activation.
    pub activation: TransformerActivation,
    /// The layer norms' eps.
    pub layer_norm_eps: f64,
    /// `[N, L, E]` tensors instead of `[L, N, E]`.
    pub batch_first: bool,
    /// Layer norm before each block (pre-LN) instead of after.
    pub norm_first: bool,
}

impl Default for TransformerOptions {
    fn default() -> Self {
        TransformerOptions {
            dim_feedforward: 2048,
            dropout: 0.1,
            activation: TransformerActivation::Relu,
            layer_norm_eps: 1e-5,
            batch_first: false,
            norm_first: false,
        }
    }
}

impl TransformerOptions {
    /// Sets `dim_feedforward`.
    pub fn dim_feedforward(mut self, d: i64) -> Self {
        self.dim_feedforward = d;
        self
    }
    /// Sets `dropout`.
    pub fn dropout(mut self, p: f64) -> Self {
        self.dropout = p;
        self
    }
    /// Sets `activation`.
    pub fn activation(mut self, a: TransformerActivation) -> Self {
        self.activation = a;
        self
    }
    /// Sets `layer_norm_eps`.
    pub fn layer_norm_eps(mut self, eps: f64) -> Self {
        self.layer_norm_eps = eps;
        self
    }
    /// Sets `batch_first`.
    pub fn batch_first(mut self, b: bool) -> Self {
        self.batch_first = b;
        self
    }
    /// Sets `norm_first`.
    pub fn norm_first(mut self, b: bool) -> Self {
        self.norm_first = b;
        self
    }
}

/// `triu(full((sz, sz), -inf), diagonal=1)`: 0 on and below the diagonal, -inf above
/// (`nn.Transformer.generate_square_subsequent_mask(sz)`, float32).
///
/// ```
/// let m = libtorch::nn::generate_square_subsequent_mask(2).unwrap();
/// assert_eq!(m.to_vec::<f32>().unwrap(), [0.0, f32::NEG_INFINITY, 0.0, 0.0]);
/// ```
pub fn generate_square_subsequent_mask(sz: i64) -> Result<Tensor> {
    square_subsequent_mask(sz, Kind::Float)
}

fn square_subsequent_mask(sz: i64, kind: Kind) -> Result<Tensor> {
    super::check::sizes("generate_square_subsequent_mask", &[("sz", sz)])?;
    Tensor::f_full_with(&[sz, sz], f64::NEG_INFINITY, Some(kind), None, None, None)?.f_triu_with(1)
}

/// PyTorch's `_detect_is_causal_mask`: `is_causal` if given, else whether `mask` is exactly
/// the square subsequent mask of the sequence length.
fn detect_is_causal(mask: Option<&Tensor>, is_causal: Option<bool>, len: i64) -> Result<bool> {
    match (is_causal, mask) {
        (Some(c), _) => Ok(c),
        (None, None) => Ok(false),
        (None, Some(m)) => {
            let causal = square_subsequent_mask(len, m.f_kind()?)?;
            Ok(m.f_size()? == causal.f_size()? && m.f_equal(&causal)?)
        }
    }
}

/// The sequence length of `x` (`_get_seq_len`).
fn seq_len(x: &Tensor, batch_first: bool) -> Result<i64> {
    let s = x.f_size()?;
    Ok(if s.len() == 2 || !batch_first {
        s[0]
    } else {
        s[1]
    })
}

fn layer_norm(d_model: i64, eps: f64) -> Result<LayerNorm> {
    let mut n = LayerNorm::f_new(&[d_model])?;
    n.eps = eps;
    Ok(n)
}

fn copy_linear(l: &Linear) -> Result<Linear> {
    let copy =
        |t: &Tensor| -> Result<Tensor> { Ok(super::module::param(t.f_detach()?.f_deep_clone()?)) };
    Ok(Linear {
        weight: copy(&l.weight)?,
        bias: l.bias.as_ref().map(copy).transpose()?,
    })
}

fn copy_norm(n: &LayerNorm) -> Result<LayerNorm> {
    let copy =
        |t: &Tensor| -> Result<Tensor> { Ok(super::module::param(t.f_detach()?.f_deep_clone()?)) };
    Ok(LayerNorm {
        weight: copy(&n.weight)?,
        bias: copy(&n.bias)?,
        normalized_shape: n.normalized_shape.clone(),
        eps: n.eps,
    })
}

/// The feed-forward block shared by both layers: `linear2(dropout(act(linear1(x))))`.
struct FeedForward<'a> {
    linear1: &'a Linear,
    dropout: &'a Dropout,
    linear2: &'a Linear,
    activation: TransformerActivation,
}

impl FeedForward<'_> {
    fn run(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.linear1.f_forward(x)?;
        let h = match self.activation {
            TransformerActivation::Relu => F::f_relu(&h)?,
            TransformerActivation::Gelu => F::f_gelu(&h)?,
        };
        self.linear2.f_forward(&self.dropout.f_forward(&h)?)
    }
}

fn check_layer(d_model: i64, nhead: i64, o: &TransformerOptions) -> Result<()> {
    super::check::positive("Transformer", &[("d_model", d_model), ("nhead", nhead)])?;
    super::check::sizes("Transformer", &[("dim_feedforward", o.dim_feedforward)])?;
    super::check::probability("Transformer", o.dropout)
}

/// Self-attention and a feed-forward block, each with a residual connection and a layer norm
/// (`nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
/// activation=relu, layer_norm_eps=1e-5, batch_first=False, norm_first=False)`).
///
/// Parameters as PyTorch's: `self_attn.{in_proj_weight, in_proj_bias, out_proj.weight,
/// out_proj.bias}`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`, created in PyTorch's order.
///
/// ```
/// use libtorch::nn::{Module, TransformerEncoderLayer, TransformerOptions};
/// use libtorch::Tensor;
/// let layer = TransformerEncoderLayer::new(8, 2, TransformerOptions::default().dim_feedforward(16));
/// let x = Tensor::from_data(&[0.1f32; 5 * 2 * 8], &[5, 2, 8]).unwrap(); // [L, N, E]
/// assert_eq!(layer.forward(&x).size(), [5, 2, 8]);
/// ```
pub struct TransformerEncoderLayer {
    /// Self-attention.
    pub self_attn: MultiheadAttention,
    /// `d_model -> dim_feedforward`.
    pub linear1: Linear,
    /// Dropout inside the feed-forward block.
    pub dropout: Dropout,
    /// `dim_feedforward -> d_model`.
    pub linear2: Linear,
    /// The attention block's norm.
    pub norm1: LayerNorm,
    /// The feed-forward block's norm.
    pub norm2: LayerNorm,
    /// Dropout on the attention branch.
    pub dropout1: Dropout,
    /// Dropout on the feed-forward branch.
    pub dropout2: Dropout,
    /// Pre-LN instead of post-LN.
    pub norm_first: bool,
    /// The feed-forward activation.
    pub activation: TransformerActivation,
    training: bool,
}

impl TransformerEncoderLayer {
    /// A layer of width `d_model` with `nhead` heads.
    #[track_caller]
    pub fn new(d_model: i64, nhead: i64, options: TransformerOptions) -> Self {
        unwrap(Self::f_new(d_model, nhead, options))
    }

    /// [`TransformerEncoderLayer::new`], or PyTorch's error (`d_model` divisible by a positive
    /// `nhead`, sizes not negative, `dropout` a probability).
    pub fn f_new(d_model: i64, nhead: i64, o: TransformerOptions) -> Result<Self> {
        F::named(
            Self::unnamed_new(d_model, nhead, o),
            "TransformerEncoderLayer",
        )
    }

    fn unnamed_new(d_model: i64, nhead: i64, o: TransformerOptions) -> Result<Self> {
        check_layer(d_model, nhead, &o)?;
        let mut self_attn = MultiheadAttention::f_new(d_model, nhead, o.batch_first)?;
        self_attn.dropout = o.dropout;
        let linear1 = Linear::f_new(d_model, o.dim_feedforward, true)?;
        let dropout = Dropout::f_new(o.dropout)?;
        let linear2 = Linear::f_new(o.dim_feedforward, d_model, true)?;
        Ok(TransformerEncoderLayer {
            self_attn,
            linear1,
            dropout,
            linear2,
            norm1: layer_norm(d_model, o.layer_norm_eps)?,
            norm2: layer_norm(d_model, o.layer_norm_eps)?,
            dropout1: Dropout::f_new(o.dropout)?,
            dropout2: Dropout::f_new(o.dropout)?,
            norm_first: o.norm_first,
            activation: o.activation,
            training: true,
        })
    }

    /// `layer(src, src_mask, src_key_padding_mask, is_causal)`: `src_mask` `[L, L]` or
    /// `[N·nhead, L, L]` (float, added; or bool, true = masked), `src_key_padding_mask` `[N, L]`
    /// (true = padding); `is_causal` says `src_mask` is the causal mask (a hint PyTorch uses to
    /// pick the kernel).
    pub fn forward_mask(
        &self,
        src: &Tensor,
        src_mask: Option<&Tensor>,
        src_key_padding_mask: Option<&Tensor>,
        is_causal: bool,
    ) -> Result<Tensor> {
        F::named(
            self.run(src, src_mask, src_key_padding_mask, is_causal),
            "TransformerEncoderLayer",
        )
    }

    fn run(
        &self,
        src: &Tensor,
        src_mask: Option<&Tensor>,
        kpm: Option<&Tensor>,
        is_causal: bool,
    ) -> Result<Tensor> {
        let kind = src.f_kind()?;
        let kpm = canonical_mask(kpm, "src_key_padding_mask", kind)?;
        let src_mask = canonical_mask(src_mask, "src_mask", kind)?;
        let sa = |x: &Tensor| -> Result<Tensor> {
            let y = attend(
                &self.self_attn,
                x,
                x,
                Sharing::All,
                src_mask.as_ref(),
                kpm.as_ref(),
                is_causal,
            )?;
            self.dropout1.f_forward(&y)
        };
        let ff = |x: &Tensor| -> Result<Tensor> {
            let y = FeedForward {
                linear1: &self.linear1,
                dropout: &self.dropout,
                linear2: &self.linear2,
                activation: self.activation,
            }
            .run(x)?;
            self.dropout2.f_forward(&y)
        };
        if self.norm_first {
            let x = src.f_add(&sa(&self.norm1.f_forward(src)?)?)?;
            x.f_add(&ff(&self.norm2.f_forward(&x)?)?)
        } else {
            let x = self.norm1.f_forward(&src.f_add(&sa(src)?)?)?;
            self.norm2.f_forward(&x.f_add(&ff(&x)?)?)
        }
    }

    fn deep_copy(&self) -> Result<Self> {
        Ok(TransformerEncoderLayer {
            self_attn: self.self_attn.deep_copy()?,
            linear1: copy_linear(&self.linear1)?,
            dropout: self.dropout,
            linear2: copy_linear(&self.linear2)?,
            norm1: copy_norm(&self.norm1)?,
            norm2: copy_norm(&self.norm2)?,
            dropout1: self.dropout1,
            dropout2: self.dropout2,
            norm_first: self.norm_first,
            activation: self.activation,
            training: self.training,
        })
    }
}

impl Module for TransformerEncoderLayer {
    /// `layer(src)`, no masks.
    fn f_forward(&self, src: &Tensor) -> Result<Tensor> {
        self.forward_mask(src, None, None, false)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("self_attn", &self.self_attn, f);
        visit_child("linear1", &self.linear1, f);
        visit_child("linear2", &self.linear2, f);
        visit_child("norm1", &self.norm1, f);
        visit_child("norm2", &self.norm2, f);
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        self.self_attn.set_training(training);
        for d in [&mut self.dropout, &mut self.dropout1, &mut self.dropout2] {
            d.set_training(training);
        }
    }
    fn is_training(&self) -> bool {
        self.training
    }
}

/// The masks and causality hints of a decoder pass (`tgt_mask`, `memory_mask`,
/// `tgt_key_padding_mask`, `memory_key_padding_mask`, `tgt_is_causal`, `memory_is_causal`);
/// all absent by default. `tgt_is_causal: None` lets [`TransformerDecoder`] detect a causal
/// `tgt_mask`, as PyTorch does (a single layer takes None as false).
#[derive(Clone, Copy, Debug, Default)]
pub struct DecoderMasks<'a> {
    /// `[T, T]` or `[N·nhead, T, T]`.
    pub tgt_mask: Option<&'a Tensor>,
    /// `[T, S]` or `[N·nhead, T, S]`.
    pub memory_mask: Option<&'a Tensor>,
    /// `[N, T]`, true = padding.
    pub tgt_key_padding_mask: Option<&'a Tensor>,
    /// `[N, S]`, true = padding.
    pub memory_key_padding_mask: Option<&'a Tensor>,
    /// `tgt_mask` is the causal mask.
    pub tgt_is_causal: Option<bool>,
    /// `memory_mask` is the causal mask.
    pub memory_is_causal: bool,
}

/// Self-attention, attention over the encoder's memory and a feed-forward block
/// (`nn.TransformerDecoderLayer`, same arguments and defaults as the encoder layer).
/// Parameters: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`,
/// `norm2.*`, `norm3.*`.
pub struct TransformerDecoderLayer {
    /// Self-attention over the target.
    pub self_attn: MultiheadAttention,
    /// Attention over the memory.
    pub multihead_attn: MultiheadAttention,
    /// `d_model -> dim_feedforward`.
    pub linear1: Linear,
    /// Dropout inside the feed-forward block.
    pub dropout: Dropout,
    /// `dim_feedforward -> d_model`.
    pub linear2: Linear,
    /// Self-attention block's norm.
    pub norm1: LayerNorm,
    /// Memory-attention block's norm.
    pub norm2: LayerNorm,
    /// Feed-forward block's norm.
    pub norm3: LayerNorm,
    /// Dropout on the self-attention branch.
    pub dropout1: Dropout,
    /// Dropout on the memory-attention branch.
    pub dropout2: Dropout,
    /// Dropout on the feed-forward branch.
    pub dropout3: Dropout,
    /// Pre-LN instead of post-LN.
    pub norm_first: bool,
    /// The feed-forward activation.
    pub activation: TransformerActivation,
    training: bool,
}

impl TransformerDecoderLayer {
    /// A layer of width `d_model` with `nhead` heads.
    #[track_caller]
    pub fn new(d_model: i64, nhead: i64, options: TransformerOptions) -> Self {
        unwrap(Self::f_new(d_model, nhead, options))
    }

    /// [`TransformerDecoderLayer::new`], or PyTorch's error.
    pub fn f_new(d_model: i64, nhead: i64, o: TransformerOptions) -> Result<Self> {
        F::named(
            Self::unnamed_new(d_model, nhead, o),
            "TransformerDecoderLayer",
        )
    }

    fn unnamed_new(d_model: i64, nhead: i64, o: TransformerOptions) -> Result<Self> {
        check_layer(d_model, nhead, &o)?;
        let mut self_attn = MultiheadAttention::f_new(d_model, nhead, o.batch_first)?;
        self_attn.dropout = o.dropout;
        let mut multihead_attn = MultiheadAttention::f_new(d_model, nhead, o.batch_first)?;
        multihead_attn.dropout = o.dropout;
        let linear1 = Linear::f_new(d_model, o.dim_feedforward, true)?;
        let linear2 = Linear::f_new(o.dim_feedforward, d_model, true)?;
        Ok(TransformerDecoderLayer {
            self_attn,
            multihead_attn,
            linear1,
            dropout: Dropout::f_new(o.dropout)?,
            linear2,
            norm1: layer_norm(d_model, o.layer_norm_eps)?,
            norm2: layer_norm(d_model, o.layer_norm_eps)?,
            norm3: layer_norm(d_model, o.layer_norm_eps)?,
            dropout1: Dropout::f_new(o.dropout)?,
            dropout2: Dropout::f_new(o.dropout)?,
            dropout3: Dropout::f_new(o.dropout)?,
            norm_first: o.norm_first,
            activation: o.activation,
            training: true,
        })
    }

    /// `layer(tgt, memory, ...masks)`.
    pub fn forward_memory(
        &self,
        tgt: &Tensor,
        memory: &Tensor,
        masks: DecoderMasks<'_>,
    ) -> Result<Tensor> {
        F::named(self.run(tgt, memory, masks), "TransformerDecoderLayer")
    }

    fn run(&self, tgt: &Tensor, memory: &Tensor, m: DecoderMasks<'_>) -> Result<Tensor> {
        let sa = |x: &Tensor| -> Result<Tensor> {
            let y = attend(
                &self.self_attn,
                x,
                x,
                Sharing::All,
                m.tgt_mask,
                m.tgt_key_padding_mask,
                m.tgt_is_causal.unwrap_or(false),
            )?;
            self.dropout1.f_forward(&y)
        };
        let mha = |x: &Tensor| -> Result<Tensor> {
            let y = attend(
                &self.multihead_attn,
                x,
                memory,
                Sharing::KeyValue,
                m.memory_mask,
                m.memory_key_padding_mask,
                m.memory_is_causal,
            )?;
            self.dropout2.f_forward(&y)
        };
        let ff = |x: &Tensor| -> Result<Tensor> {
            let y = FeedForward {
                linear1: &self.linear1,
                dropout: &self.dropout,
                linear2: &self.linear2,
                activation: self.activation,
            }
            .run(x)?;
            self.dropout3.f_forward(&y)
        };
        if self.norm_first {
            let x = tgt.f_add(&sa(&self.norm1.f_forward(tgt)?)?)?;
            let x = x.f_add(&mha(&self.norm2.f_forward(&x)?)?)?;
            x.f_add(&ff(&self.norm3.f_forward(&x)?)?)
        } else {
            let x = self.norm1.f_forward(&tgt.f_add(&sa(tgt)?)?)?;
            let x = self.norm2.f_forward(&x.f_add(&mha(&x)?)?)?;
            self.norm3.f_forward(&x.f_add(&ff(&x)?)?)
        }
    }

    fn deep_copy(&self) -> Result<Self> {
        Ok(TransformerDecoderLayer {
            self_attn: self.self_attn.deep_copy()?,
            multihead_attn: self.multihead_attn.deep_copy()?,
            linear1: copy_linear(&self.linear1)?,
            dropout: self.dropout,
            linear2: copy_linear(&self.linear2)?,
            norm1: copy_norm(&self.norm1)?,
            norm2: copy_norm(&self.norm2)?,
            norm3: copy_norm(&self.norm3)?,
            dropout1: self.dropout1,
            dropout2: self.dropout2,
            dropout3: self.dropout3,
            norm_first: self.norm_first,
            activation: self.activation,
            training: self.training,
        })
    }
}

impl Module for TransformerDecoderLayer {
    /// A decoder layer needs a memory: use [`TransformerDecoderLayer::forward_memory`].
    fn f_forward(&self, _tgt: &Tensor) -> Result<Tensor> {
        Err(Error::invalid(
            "TransformerDecoderLayer",
            "forward needs the memory: call forward_memory(tgt, memory, masks)",
        ))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("self_attn", &self.self_attn, f);
        visit_child("multihead_attn", &self.multihead_attn, f);
        visit_child("linear1", &self.linear1, f);
        visit_child("linear2", &self.linear2, f);
        visit_child("norm1", &self.norm1, f);
        visit_child("norm2", &self.norm2, f);
        visit_child("norm3", &self.norm3, f);
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        self.self_attn.set_training(training);
        self.multihead_attn.set_training(training);
        for d in [
            &mut self.dropout,
            &mut self.dropout1,
            &mut self.dropout2,
            &mut self.dropout3,
        ] {
            d.set_training(training);
        }
    }
    fn is_training(&self) -> bool {
        self.training
    }
}

/// `num_layers` copies of an encoder layer (identical initial weights, as PyTorch's deep
/// copies) and an optional final norm (`nn.TransformerEncoder(encoder_layer, num_layers,
/// norm=None)`); parameters `layers.{k}.*`, `norm.*`.
pub struct TransformerEncoder {
    /// The layers.
    pub layers: Vec<TransformerEncoderLayer>,
    /// The final norm.
    pub norm: Option<LayerNorm>,
    training: bool,
}

impl TransformerEncoder {
    /// `num_layers` copies of `encoder_layer`.
    #[track_caller]
    pub fn new(
        encoder_layer: &TransformerEncoderLayer,
        num_layers: usize,
        norm: Option<LayerNorm>,
    ) -> Self {
        unwrap(Self::f_new(encoder_layer, num_layers, norm))
    }

    /// [`TransformerEncoder::new`], or the error copying a layer gave.
    pub fn f_new(
        encoder_layer: &TransformerEncoderLayer,
        num_layers: usize,
        norm: Option<LayerNorm>,
    ) -> Result<Self> {
        let layers = (0..num_layers)
            .map(|_| encoder_layer.deep_copy())
            .collect::<Result<Vec<_>>>()?;
        Ok(TransformerEncoder {
            layers,
            norm,
            training: encoder_layer.training,
        })
    }

    /// `encoder(src, mask, src_key_padding_mask, is_causal)`; `is_causal` None detects a
    /// causal `mask`.
    pub fn forward_mask(
        &self,
        src: &Tensor,
        mask: Option<&Tensor>,
        src_key_padding_mask: Option<&Tensor>,
        is_causal: Option<bool>,
    ) -> Result<Tensor> {
        F::named(
            self.run(src, mask, src_key_padding_mask, is_causal),
            "TransformerEncoder",
        )
    }

    fn run(
        &self,
        src: &Tensor,
        mask: Option<&Tensor>,
        kpm: Option<&Tensor>,
        is_causal: Option<bool>,
    ) -> Result<Tensor> {
        let kind = src.f_kind()?;
        let kpm = canonical_mask(kpm, "src_key_padding_mask", kind)?;
        let mask = canonical_mask(mask, "mask", kind)?;
        let batch_first = self.layers.first().is_some_and(|l| l.self_attn.batch_first);
        let is_causal = detect_is_causal(mask.as_ref(), is_causal, seq_len(src, batch_first)?)?;
        let mut x = src.clone();
        for l in &self.layers {
            x = l.run(&x, mask.as_ref(), kpm.as_ref(), is_causal)?;
        }
        match &self.norm {
            Some(n) => n.f_forward(&x),
            None => Ok(x),
        }
    }
}

impl Module for TransformerEncoder {
    /// `encoder(src)`, no masks.
    fn f_forward(&self, src: &Tensor) -> Result<Tensor> {
        self.forward_mask(src, None, None, None)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (k, l) in self.layers.iter().enumerate() {
            visit_child(&format!("layers.{k}"), l, f);
        }
        if let Some(n) = &self.norm {
            visit_child("norm", n, f);
        }
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        for l in &mut self.layers {
            l.set_training(training);
        }
    }
    fn is_training(&self) -> bool {
        self.training
    }
}

/// `num_layers` copies of a decoder layer and an optional final norm
/// (`nn.TransformerDecoder(decoder_layer, num_layers, norm=None)`).
pub struct TransformerDecoder {
    /// The layers.
    pub layers: Vec<TransformerDecoderLayer>,
    /// The final norm.
    pub norm: Option<LayerNorm>,
    training: bool,
}

impl TransformerDecoder {
    /// `num_layers` copies of `decoder_layer`.
    #[track_caller]
    pub fn new(
        decoder_layer: &TransformerDecoderLayer,
        num_layers: usize,
        norm: Option<LayerNorm>,
    ) -> Self {
        unwrap(Self::f_new(decoder_layer, num_layers, norm))
    }

    /// [`TransformerDecoder::new`], or the error copying a layer gave.
    pub fn f_new(
        decoder_layer: &TransformerDecoderLayer,
        num_layers: usize,
        norm: Option<LayerNorm>,
    ) -> Result<Self> {
        let layers = (0..num_layers)
            .map(|_| decoder_layer.deep_copy())
            .collect::<Result<Vec<_>>>()?;
        Ok(TransformerDecoder {
            layers,
            norm,
            training: decoder_layer.training,
        })
    }

    /// `decoder(tgt, memory, ...masks)`; `masks.tgt_is_causal` None detects a causal
    /// `tgt_mask`.
    pub fn forward_memory(
        &self,
        tgt: &Tensor,
        memory: &Tensor,
        masks: DecoderMasks<'_>,
    ) -> Result<Tensor> {
        F::named(self.run(tgt, memory, masks), "TransformerDecoder")
    }

    fn run(&self, tgt: &Tensor, memory: &Tensor, mut m: DecoderMasks<'_>) -> Result<Tensor> {
        let batch_first = self.layers.first().is_some_and(|l| l.self_attn.batch_first);
        m.tgt_is_causal = Some(detect_is_causal(
            m.tgt_mask,
            m.tgt_is_causal,
            seq_len(tgt, batch_first)?,
        )?);
        let mut x = tgt.clone();
        for l in &self.layers {
            x = l.run(&x, memory, m)?;
        }
        match &self.norm {
            Some(n) => n.f_forward(&x),
            None => Ok(x),
        }
    }
}

impl Module for TransformerDecoder {
    /// A decoder needs a memory: use [`TransformerDecoder::forward_memory`].
    fn f_forward(&self, _tgt: &Tensor) -> Result<Tensor> {
        Err(Error::invalid(
            "TransformerDecoder",
            "forward needs the memory: call forward_memory(tgt, memory, masks)",
        ))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (k, l) in self.layers.iter().enumerate() {
            visit_child(&format!("layers.{k}"), l, f);
        }
        if let Some(n) = &self.norm {
            visit_child("norm", n, f);
        }
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        for l in &mut self.layers {
            l.set_training(training);
        }
    }
    fn is_training(&self) -> bool {
        self.training
    }
}

/// The masks of a full [`Transformer`] pass (`src_mask`, `src_key_padding_mask`,
/// `src_is_causal`, and the decoder's); all absent by default.
#[derive(Clone, Copy, Debug, Default)]
pub struct TransformerMasks<'a> {
    /// `[S, S]` or `[N·nhead, S, S]`.
    pub src_mask: Option<&'a Tensor>,
    /// `[N, S]`, true = padding.
    pub src_key_padding_mask: Option<&'a Tensor>,
    /// `src_mask` is the causal mask (None: detect).
    pub src_is_causal: Option<bool>,
    /// The decoder's masks (`memory_key_padding_mask` is usually `src_key_padding_mask`).
    pub decoder: DecoderMasks<'a>,
}

/// An encoder-decoder Transformer (`nn.Transformer(d_model=512, nhead=8,
/// num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048, dropout=0.1,
/// activation=relu, layer_norm_eps=1e-5, batch_first=False, norm_first=False)`): both stacks
/// end with a layer norm, and every parameter of two or more dimensions is re-initialised with
/// `xavier_uniform_`, in PyTorch's order. Parameters `encoder.layers.{k}.*`, `encoder.norm.*`,
/// `decoder.layers.{k}.*`, `decoder.norm.*`.
///
/// ```
/// use libtorch::nn::{Transformer, TransformerMasks, TransformerOptions, generate_square_subsequent_mask};
/// use libtorch::Tensor;
/// let t = Transformer::new(8, 2, 1, 1, TransformerOptions::default().dim_feedforward(16).batch_first(true));
/// let src = Tensor::from_data(&[0.1f32; 2 * 5 * 8], &[2, 5, 8]).unwrap();
/// let tgt = Tensor::from_data(&[0.2f32; 2 * 3 * 8], &[2, 3, 8]).unwrap();
/// let mask = generate_square_subsequent_mask(3).unwrap();
/// let mut masks = TransformerMasks::default();
/// masks.decoder.tgt_mask = Some(&mask);
/// assert_eq!(t.forward_src_tgt(&src, &tgt, masks).unwrap().size(), [2, 3, 8]);
/// ```
pub struct Transformer {
    /// The encoder stack.
    pub encoder: TransformerEncoder,
    /// The decoder stack.
    pub decoder: TransformerDecoder,
    /// Model width.
    pub d_model: i64,
    /// Attention heads.
    pub nhead: i64,
    /// `[N, L, E]` layout.
    pub batch_first: bool,
    training: bool,
}

impl Transformer {
    /// A Transformer with the given sizes.
    #[track_caller]
    pub fn new(
        d_model: i64,
        nhead: i64,
        num_encoder_layers: usize,
        num_decoder_layers: usize,
        options: TransformerOptions,
    ) -> Self {
        unwrap(Self::f_new(
            d_model,
            nhead,
            num_encoder_layers,
            num_decoder_layers,
            options,
        ))
    }

    /// [`Transformer::new`], or PyTorch's error.
    pub fn f_new(
        d_model: i64,
        nhead: i64,
        num_encoder_layers: usize,
        num_decoder_layers: usize,
        o: TransformerOptions,
    ) -> Result<Self> {
        F::named(
            Self::unnamed_new(d_model, nhead, num_encoder_layers, num_decoder_layers, o),
            "Transformer",
        )
    }

    fn unnamed_new(
        d_model: i64,
        nhead: i64,
        num_encoder_layers: usize,
        num_decoder_layers: usize,
        o: TransformerOptions,
    ) -> Result<Self> {
        let enc_layer = TransformerEncoderLayer::f_new(d_model, nhead, o)?;
        let encoder = TransformerEncoder::f_new(
            &enc_layer,
            num_encoder_layers,
            Some(layer_norm(d_model, o.layer_norm_eps)?),
        )?;
        let dec_layer = TransformerDecoderLayer::f_new(d_model, nhead, o)?;
        let decoder = TransformerDecoder::f_new(
            &dec_layer,
            num_decoder_layers,
            Some(layer_norm(d_model, o.layer_norm_eps)?),
        )?;
        let t = Transformer {
            encoder,
            decoder,
            d_model,
            nhead,
            batch_first: o.batch_first,
            training: true,
        };
        for p in t.parameters() {
            if p.f_dim()? > 1 {
                super::init::xavier_uniform_(&p, 1.0)?;
            }
        }
        Ok(t)
    }

    /// `transformer(src, tgt, ...masks)`: the encoder's memory of `src`, decoded from `tgt`.
    pub fn forward_src_tgt(
        &self,
        src: &Tensor,
        tgt: &Tensor,
        masks: TransformerMasks<'_>,
    ) -> Result<Tensor> {
        F::named(self.run(src, tgt, masks), "Transformer")
    }

    fn run(&self, src: &Tensor, tgt: &Tensor, m: TransformerMasks<'_>) -> Result<Tensor> {
        let (s, t) = (src.f_size()?, tgt.f_size()?);
        if s.len() == 3 && t.len() == 3 {
            let b = usize::from(!self.batch_first);
            if s[b] != t[b] {
                return Err(Error::invalid(
                    "Transformer",
                    "the batch number of src and tgt must be equal",
                ));
            }
        }
        if s.last() != Some(&self.d_model) || t.last() != Some(&self.d_model) {
            return Err(Error::invalid(
                "Transformer",
                "the feature number of src and tgt must be equal to d_model",
            ));
        }
        let memory = self
            .encoder
            .run(src, m.src_mask, m.src_key_padding_mask, m.src_is_causal)?;
        self.decoder.run(tgt, &memory, m.decoder)
    }
}

impl Module for Transformer {
    /// A Transformer takes two inputs: use [`Transformer::forward_src_tgt`].
    fn f_forward(&self, _src: &Tensor) -> Result<Tensor> {
        Err(Error::invalid(
            "Transformer",
            "forward needs src and tgt: call forward_src_tgt(src, tgt, masks)",
        ))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("encoder", &self.encoder, f);
        visit_child("decoder", &self.decoder, f);
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        self.encoder.set_training(training);
        self.decoder.set_training(training);
    }
    fn is_training(&self) -> bool {
        self.training
    }
}
