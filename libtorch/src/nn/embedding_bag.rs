//! `EmbeddingBag`: sums, means or maxima of bags of embeddings, without materialising the
//! per-index rows.
use super::functional as F;
use super::module::{param, Module, Slot};
use super::ops;
use crate::error::unwrap;
use crate::{Error, Result, Tensor};

/// How a bag's rows are reduced (`mode=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EmbeddingBagMode {
    /// `'sum'` (the only mode taking `per_sample_weights`).
    Sum,
    /// `'mean'` (the default).
    #[default]
    Mean,
    /// `'max'`.
    Max,
}

impl EmbeddingBagMode {
    fn code(self) -> i64 {
        match self {
            EmbeddingBagMode::Sum => 0,
            EmbeddingBagMode::Mean => 1,
            EmbeddingBagMode::Max => 2,
        }
    }
}

/// A table `[num_embeddings, embedding_dim]` (N(0, 1), the `padding_idx` row zeroed) reduced
/// over bags (`nn.EmbeddingBag(num_embeddings, embedding_dim, mode='mean',
/// include_last_offset=False, padding_idx=None)`; `max_norm`, `scale_grad_by_freq` and `sparse`
/// are not offered).
///
/// Bags are the rows of a 2-D `input` (forward), or slices of a 1-D `input` starting at
/// `offsets` ([`EmbeddingBag::forward_bags`]).
///
/// ```
/// use libtorch::nn::{EmbeddingBag, EmbeddingBagMode};
/// use libtorch::Tensor;
/// let bag = EmbeddingBag::new(10, 3).mode(EmbeddingBagMode::Sum);
/// let input = Tensor::from_slice(&[1i64, 2, 4, 5, 4, 3, 2, 9]);
/// let offsets = Tensor::from_slice(&[0i64, 4]);
/// let y = bag.forward_bags(&input, Some(&offsets), None).unwrap();
/// assert_eq!(y.size(), [2, 3]);
/// ```
pub struct EmbeddingBag {
    /// The table.
    pub weight: Tensor,
    /// The reduction.
    pub mode: EmbeddingBagMode,
    /// `offsets` has one more entry, the end of the last bag.
    pub include_last_offset: bool,
    /// The row that contributes nothing (already made non-negative).
    pub padding_idx: Option<i64>,
}

impl EmbeddingBag {
    /// `num_embeddings` vectors of size `embedding_dim`, mode `'mean'`.
    #[track_caller]
    pub fn new(num_embeddings: i64, embedding_dim: i64) -> EmbeddingBag {
        unwrap(EmbeddingBag::f_new(num_embeddings, embedding_dim, None))
    }

    /// [`EmbeddingBag::new`] with a `padding_idx` (negative counts from the end), or
    /// PyTorch's error for a negative size or an index outside the table.
    pub fn f_new(
        num_embeddings: i64,
        embedding_dim: i64,
        padding_idx: Option<i64>,
    ) -> Result<EmbeddingBag> {
        F::named(
            Self::unnamed_new(num_embeddings, embedding_dim, padding_idx),
            "EmbeddingBag",
        )
    }

    fn unnamed_new(n: i64, dim: i64, padding_idx: Option<i64>) -> Result<EmbeddingBag> {
        super::check::sizes(
            "EmbeddingBag",
            &[("num_embeddings", n), ("embedding_dim", dim)],
        )?;
        let padding_idx = match padding_idx {
            None => None,
            Some(p) if (-n..n).contains(&p) => Some(if p < 0 { p + n } else { p }),
            Some(p) => {
                return Err(Error::invalid(
                    "EmbeddingBag",
                    format!("padding_idx {p} must be within num_embeddings ({n})"),
                ))
            }
        };
        let w = ops::empty(&[n, dim])?;
        super::init::normal_(&w, 0.0, 1.0)?;
        if let Some(p) = padding_idx {
            let _g = crate::NoGradGuard::new();
            ops::fill_(&w.f_select_int(0, p)?, 0.0)?;
        }
        Ok(EmbeddingBag {
            weight: param(w),
            mode: EmbeddingBagMode::Mean,
            include_last_offset: false,
            padding_idx,
        })
    }

    /// Sets the reduction.
    pub fn mode(mut self, mode: EmbeddingBagMode) -> EmbeddingBag {
        self.mode = mode;
        self
    }

    /// Sets `include_last_offset`.
    pub fn include_last_offset(mut self, on: bool) -> EmbeddingBag {
        self.include_last_offset = on;
        self
    }

    /// `bag(input, offsets, per_sample_weights)`: `input` 2-D (each row a bag; `offsets` must
    /// be None) or 1-D with `offsets` (1-D, the start of each bag); `per_sample_weights`
    /// (input's shape, mode `Sum` only) scales each row. Returns `[bags, embedding_dim]`.
    pub fn forward_bags(
        &self,
        input: &Tensor,
        offsets: Option<&Tensor>,
        per_sample_weights: Option<&Tensor>,
    ) -> Result<Tensor> {
        F::named(
            self.bags(input, offsets, per_sample_weights),
            "EmbeddingBag",
        )
    }

    fn bags(
        &self,
        input: &Tensor,
        offsets: Option<&Tensor>,
        per_sample_weights: Option<&Tensor>,
    ) -> Result<Tensor> {
        let fail = |m: String| Err(Error::invalid("EmbeddingBag", m));
        if let Some(w) = per_sample_weights {
            if w.f_size()? != input.f_size()? {
                return fail(format!(
                    "embedding_bag: If per_sample_weights ({:?}) is not None, then it must \
                     have the same shape as the input ({:?})",
                    w.f_size()?,
                    input.f_size()?
                ));
            }
            if self.mode != EmbeddingBagMode::Sum {
                return fail(format!(
                    "embedding_bag: per_sample_weights was not None. per_sample_weights is \
                     only supported for mode='sum' (got mode='{:?}'). Please open a feature \
                     request on GitHub.",
                    self.mode
                ));
            }
        }
        let (input, offsets, weights, include_last_offset) = match (input.f_dim()?, offsets) {
            (2, None) => {
                let s = input.f_size()?;
                let offsets = Tensor::f_arange_start_with(
                    0,
                    input.numel() as i64,
                    s[1],
                    Some(input.f_kind()?),
                    None,
                    Some(input.f_device()?),
                    None,
                )?;
                let weights = per_sample_weights.map(|w| w.f_reshape(&[-1])).transpose()?;
                (input.f_reshape(&[-1])?, offsets, weights, false)
            }
            (2, Some(_)) => {
                return fail(
                    "if input is 2D, then offsets has to be None, as input is treated is a \
                     mini-batch of fixed length sequences."
                        .into(),
                )
            }
            (1, None) => return fail("offsets has to be a 1D Tensor but got None".into()),
            (1, Some(o)) => {
                if o.f_dim()? != 1 {
                    return fail("offsets has to be a 1D Tensor".into());
                }
                (
                    input.clone(),
                    o.clone(),
                    per_sample_weights.cloned(),
                    self.include_last_offset,
                )
            }
            (d, _) => {
                return fail(format!(
                    "input has to be 1D or 2D Tensor, but got Tensor of dimension {d}"
                ))
            }
        };
        let (y, _, _, _) = Tensor::f_embedding_bag_padding_idx(
            &self.weight,
            &input,
            &offsets,
            false,
            self.mode.code(),
            false,
            weights.as_ref(),
            include_last_offset,
            self.padding_idx,
        )?;
        Ok(y)
    }
}

impl Module for EmbeddingBag {
    /// Bags from the rows of a 2-D `input`.
    fn f_forward(&self, input: &Tensor) -> Result<Tensor> {
        self.forward_bags(input, None, None)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
    }
}
