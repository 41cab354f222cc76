//! `MultiheadAttention` (`torch.nn.MultiheadAttention`, same parameters and names).
use super::init::{constant_, xavier_uniform_};
use super::linear::Linear;
use super::module::{param, visit_child, Module, Slot};
use super::{functional as F, ops};
use crate::error::unwrap;
use crate::{Error, Result, Tensor};

/// Multi-head scaled dot-product attention with input projections (`in_proj_weight`
/// `[3E, E]`, xavier-uniform; `in_proj_bias` `[3E]`, zeros) and an output projection
/// (`out_proj.weight` Linear's default init, `out_proj.bias` zeros), as PyTorch.
///
/// ```
/// use libtorch::nn::MultiheadAttention;
/// use libtorch::Tensor;
/// let mha = MultiheadAttention::new(4, 2, true);
/// let x = Tensor::from_data(&[0.1f32; 2 * 3 * 4], &[2, 3, 4]).unwrap(); // N=2, L=3, E=4
/// let (y, w) = mha.forward_qkv(&x, &x, &x, None).unwrap();
/// assert_eq!(y.size(), [2, 3, 4]);
/// assert_eq!(w.size(), [2, 3, 3]);
/// ```
pub struct MultiheadAttention {
    /// `[3E, E]`: the query, key and value projections stacked.
    pub in_proj_weight: Tensor,
    /// `[3E]`.
    pub in_proj_bias: Tensor,
    /// The output projection.
    pub out_proj: Linear,
    /// E.
    pub embed_dim: i64,
    /// Heads (E must be divisible by it).
    pub num_heads: i64,
    /// `[N, L, E]` layout instead of `[L, N, E]`.
    pub batch_first: bool,
    /// Dropout on the attention weights (training only).
    pub dropout: f64,
    training: bool,
}

impl MultiheadAttention {
    /// `embed_dim` split over `num_heads`, with biases, no dropout.
    #[track_caller]
    pub fn new(embed_dim: i64, num_heads: i64, batch_first: bool) -> MultiheadAttention {
        unwrap(MultiheadAttention::f_new(embed_dim, num_heads, batch_first))
    }

    /// [`MultiheadAttention::new`], or PyTorch's error: `embed_dim` must be divisible by a
    /// positive `num_heads`.
    pub fn f_new(embed_dim: i64, num_heads: i64, batch_first: bool) -> Result<MultiheadAttention> {
        super::functional::named(
            Self::unnamed_new(embed_dim, num_heads, batch_first),
            "MultiheadAttention",
        )
    }

    fn unnamed_new(
        embed_dim: i64,
        num_heads: i64,
        batch_first: bool,
    ) -> Result<MultiheadAttention> {
        super::check::positive(
            "MultiheadAttention",
            &[("embed_dim", embed_dim), ("num_heads", num_heads)],
        )?;
        if embed_dim % num_heads != 0 {
            return Err(crate::Error::invalid(
                "MultiheadAttention",
                format!("embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"),
            ));
        }
        let three = embed_dim.checked_mul(3).ok_or_else(|| {
            crate::Error::invalid(
                "MultiheadAttention",
                format!("embed_dim {embed_dim} is too large"),
            )
        })?;
        // PyTorch's order of random draws: `out_proj` (a Linear, initialised as it is built)
        // before `in_proj_weight` (`_reset_parameters`), so the same seed gives the same
        // weights.
        let w = ops::empty(&[three, embed_dim])?;
        let out_proj = Linear::f_new(embed_dim, embed_dim, true)?;
        xavier_uniform_(&w, 1.0)?;
        let b = ops::zeros(&[three])?;
        if let Some(bias) = &out_proj.bias {
            constant_(bias, 0.0)?;
        }
        Ok(MultiheadAttention {
            in_proj_weight: param(w),
            in_proj_bias: param(b),
            out_proj,
            embed_dim,
            num_heads,
            batch_first,
            dropout: 0.0,
            training: true,
        })
    }

    /// A copy with its own tensors (PyTorch's `copy.deepcopy`), in the same mode.
    pub(crate) fn deep_copy(&self) -> Result<MultiheadAttention> {
        let copy = |t: &Tensor| -> Result<Tensor> { Ok(param(ops::deep_clone(&ops::detach(t)?)?)) };
        Ok(MultiheadAttention {
            in_proj_weight: copy(&self.in_proj_weight)?,
            in_proj_bias: copy(&self.in_proj_bias)?,
            out_proj: Linear {
                weight: copy(&self.out_proj.weight)?,
                bias: self.out_proj.bias.as_ref().map(copy).transpose()?,
            },
            embed_dim: self.embed_dim,
            num_heads: self.num_heads,
            batch_first: self.batch_first,
            dropout: self.dropout,
            training: self.training,
        })
    }

    fn slice(t: &Tensor, k: i64, e: i64) -> Result<Tensor> {
        t.f_slice_with(0, Some(k * e), Some((k + 1) * e), 1)
    }

    /// Attention of `query` over `key`/`value`; returns the output and the attention weights
    /// averaged over heads (`[N, L, S]`). `attn_mask` `[L, S]` (float, added to the scores; or
    /// bool, `true` = masked out).
    pub fn forward_qkv(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        attn_mask: Option<&Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        F::named(
            self.attend(query, key, value, attn_mask),
            "MultiheadAttention",
        )
    }

    fn attend(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        attn_mask: Option<&Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let e = self.embed_dim;
        let h = self.num_heads;
        let hd = e / h;
        let bf = |t: &Tensor| -> Result<Tensor> {
            if self.batch_first {
                Ok(t.clone())
            } else {
                ops::transpose(t, 0, 1)
            }
        };
        let (q, k, v) = (bf(query)?, bf(key)?, bf(value)?);
        let (qs, ks) = (q.f_size()?, k.f_size()?);
        let (&[n, l, qe], &[_, s, _]) = (&qs[..], &ks[..]) else {
            return Err(Error::invalid(
                "MultiheadAttention",
                format!(
                    "query and key must be 3-D (batched), got shapes {:?} and {:?}",
                    query.f_size()?,
                    key.f_size()?
                ),
            ));
        };
        if qe != e {
            return Err(Error::invalid(
                "MultiheadAttention",
                format!("expected embedding size {e}, got {qe}"),
            ));
        }
        let proj = |x: &Tensor, idx: i64, len: i64| -> Result<Tensor> {
            let w = Self::slice(&self.in_proj_weight, idx, e)?;
            let b = Self::slice(&self.in_proj_bias, idx, e)?;
            let y = F::f_linear_with(x, &w, Some(&b))?;
            // [N, len, E] -> [N, H, len, hd]
            ops::transpose(&ops::reshape(&y, &[n, len, h, hd])?, 1, 2)
        };
        let q = proj(&q, 0, l)?;
        let k = proj(&k, 1, s)?;
        let v = proj(&v, 2, s)?;
        let mut scores = ops::mul_scalar(
            &ops::matmul(&q, &ops::transpose(&k, 2, 3)?)?,
            1.0 / (hd as f64).sqrt(),
        )?;
        if let Some(m) = attn_mask {
            scores = if m.f_kind()? == crate::Kind::Bool {
                scores.f_masked_fill_scalar(m, f64::NEG_INFINITY)?
            } else {
                ops::add(&scores, m)?
            };
        }
        let attn = F::f_softmax(&scores, -1)?;
        let attn_d = F::f_dropout_with(&attn, self.dropout, self.training && self.dropout > 0.0)?;
        let out = ops::matmul(&attn_d, &v)?; // [N, H, L, hd]
        let out = ops::reshape(&ops::transpose(&out, 1, 2)?, &[n, l, e])?;
        let out = self.out_proj.f_forward(&out)?;
        let out = if self.batch_first {
            out
        } else {
            ops::transpose(&out, 0, 1)?
        };
        Ok((out, ops::mean_dim(&attn, 1, false)?))
    }
}

impl Module for MultiheadAttention {
    /// Self-attention: `forward_qkv(x, x, x, None).0`.
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_qkv(x, x, x, None)?.0)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("in_proj_weight", Slot::Parameter, &self.in_proj_weight);
        f("in_proj_bias", Slot::Parameter, &self.in_proj_bias);
        visit_child("out_proj", &self.out_proj, f);
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn is_training(&self) -> bool {
        self.training
    }
}
