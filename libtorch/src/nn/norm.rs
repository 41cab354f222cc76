//! Normalisation layers: `BatchNorm1d/2d`, `LayerNorm`, `GroupNorm`; and `Dropout`.
use super::module::{param, Module, Slot};
use super::{functional as F, ops};
use crate::error::unwrap;
use crate::{Error, Kind, Result, Tensor};

/// Batch normalisation over the channel dimension 1 (`BatchNorm1d` for `[N, C]`/`[N, C, L]`,
/// `BatchNorm2d` for `[N, C, H, W]`, the same code): weight 1, bias 0, running mean 0, running
/// var 1, momentum 0.1, eps 1e-5. In training mode it normalises with the batch statistics and
/// updates the running ones (unbiased variance); in eval mode it uses the running ones.
pub struct BatchNorm {
    /// γ, `[C]`.
    pub weight: Tensor,
    /// β, `[C]`.
    pub bias: Tensor,
    /// Buffer `[C]`.
    pub running_mean: Tensor,
    /// Buffer `[C]`.
    pub running_var: Tensor,
    /// Buffer: the number of training batches seen (int64 scalar).
    pub num_batches_tracked: Tensor,
    /// Running-statistics momentum.
    pub momentum: f64,
    /// Added to the variance.
    pub eps: f64,
    training: bool,
}

/// Batch norm over `[N, C]` or `[N, C, L]`.
pub type BatchNorm1d = BatchNorm;
/// Batch norm over `[N, C, H, W]`.
pub type BatchNorm2d = BatchNorm;

impl BatchNorm {
    /// `num_features` channels, PyTorch's defaults.
    #[track_caller]
    pub fn new(num_features: i64) -> BatchNorm {
        unwrap(BatchNorm::f_new(num_features))
    }

    /// [`BatchNorm::new`], or an error for a negative `num_features`.
    pub fn f_new(num_features: i64) -> Result<BatchNorm> {
        super::functional::named(Self::unnamed_new(num_features), "BatchNorm")
    }

    fn unnamed_new(num_features: i64) -> Result<BatchNorm> {
        super::check::sizes("BatchNorm", &[("num_features", num_features)])?;
        Ok(BatchNorm {
            weight: param(ops::ones(&[num_features])?),
            bias: param(ops::zeros(&[num_features])?),
            running_mean: ops::zeros(&[num_features])?,
            running_var: ops::ones(&[num_features])?,
            num_batches_tracked: ops::full(&[], 0.0, Kind::Int64)?,
            momentum: 0.1,
            eps: 1e-5,
            training: true,
        })
    }
}

impl Module for BatchNorm {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        if self.training {
            let _g = crate::NoGradGuard::new();
            F::named(
                ops::add_scalar_(&self.num_batches_tracked, 1.0),
                "BatchNorm",
            )?;
        }
        F::named(
            F::f_batch_norm_with(
                x,
                Some(&self.running_mean),
                Some(&self.running_var),
                Some(&self.weight),
                Some(&self.bias),
                self.training,
                self.momentum,
                self.eps,
            ),
            "BatchNorm",
        )
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
        f("bias", Slot::Parameter, &self.bias);
        f("running_mean", Slot::Buffer, &self.running_mean);
        f("running_var", Slot::Buffer, &self.running_var);
        f(
            "num_batches_tracked",
            Slot::Buffer,
            &self.num_batches_tracked,
        );
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn is_training(&self) -> bool {
        self.training
    }
}

/// Layer normalisation over the trailing `normalized_shape` dimensions: weight 1, bias 0,
/// eps 1e-5.
///
/// ```
/// use libtorch::nn::{LayerNorm, Module};
/// use libtorch::Tensor;
/// let ln = LayerNorm::new(&[2]);
/// let y = ln.forward(&Tensor::from_data(&[1.0f32, 3.0], &[1, 2]).unwrap());
/// let v = y.to_vec::<f32>().unwrap(); // mean 2, var 1: (±1)/sqrt(1 + 1e-5)
/// assert!((v[0] + 1.0).abs() < 1e-4 && (v[1] - 1.0).abs() < 1e-4);
/// ```
pub struct LayerNorm {
    /// γ.
    pub weight: Tensor,
    /// β.
    pub bias: Tensor,
    /// The normalised trailing shape.
    pub normalized_shape: Vec<i64>,
    /// Added to the variance.
    pub eps: f64,
}

impl LayerNorm {
    /// Normalises the trailing `normalized_shape` dimensions.
    #[track_caller]
    pub fn new(normalized_shape: &[i64]) -> LayerNorm {
        unwrap(LayerNorm::f_new(normalized_shape))
    }

    /// [`LayerNorm::new`], or an error for a negative size.
    pub fn f_new(normalized_shape: &[i64]) -> Result<LayerNorm> {
        super::functional::named(Self::unnamed_new(normalized_shape), "LayerNorm")
    }

    fn unnamed_new(normalized_shape: &[i64]) -> Result<LayerNorm> {
        for &d in normalized_shape {
            super::check::sizes("LayerNorm", &[("normalized_shape", d)])?;
        }
        Ok(LayerNorm {
            weight: param(ops::ones(normalized_shape)?),
            bias: param(ops::zeros(normalized_shape)?),
            normalized_shape: normalized_shape.to_vec(),
            eps: 1e-5,
        })
    }
}

impl Module for LayerNorm {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_layer_norm_with(
                x,
                &self.normalized_shape,
                Some(&self.weight),
                Some(&self.bias),
                self.eps,
            ),
            "LayerNorm",
        )
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
        f("bias", Slot::Parameter, &self.bias);
    }
}

/// Group normalisation: channels split into `num_groups` groups; weight 1, bias 0, eps 1e-5.
pub struct GroupNorm {
    /// γ, `[C]`.
    pub weight: Tensor,
    /// β, `[C]`.
    pub bias: Tensor,
    /// The number of groups.
    pub num_groups: i64,
    /// Added to the variance.
    pub eps: f64,
}

impl GroupNorm {
    /// `num_channels` channels in `num_groups` groups.
    #[track_caller]
    pub fn new(num_groups: i64, num_channels: i64) -> GroupNorm {
        unwrap(GroupNorm::f_new(num_groups, num_channels))
    }

    /// [`GroupNorm::new`], or PyTorch's error: `num_channels` must be divisible by a positive
    /// `num_groups`.
    pub fn f_new(num_groups: i64, num_channels: i64) -> Result<GroupNorm> {
        super::functional::named(Self::unnamed_new(num_groups, num_channels), "GroupNorm")
    }

    fn unnamed_new(num_groups: i64, num_channels: i64) -> Result<GroupNorm> {
        super::check::sizes("GroupNorm", &[("num_channels", num_channels)])?;
        if num_groups <= 0 || num_channels % num_groups != 0 {
            return Err(Error::invalid(
                "GroupNorm",
                format!(
                    "num_channels ({num_channels}) must be divisible by num_groups ({num_groups}), \
                     a positive number"
                ),
            ));
        }
        Ok(GroupNorm {
            weight: param(ops::ones(&[num_channels])?),
            bias: param(ops::zeros(&[num_channels])?),
            num_groups,
            eps: 1e-5,
        })
    }
}

impl Module for GroupNorm {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_group_norm_with(
                x,
                self.num_groups,
                Some(&self.weight),
                Some(&self.bias),
                self.eps,
            ),
            "GroupNorm",
        )
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
        f("bias", Slot::Parameter, &self.bias);
    }
}

/// Zeroes each element with probability `p` and scales the others by `1/(1-p)` in training
/// mode; the identity in eval mode.
#[derive(Clone, Copy, Debug)]
pub struct Dropout {
    /// Drop probability.
    pub p: f64,
    training: bool,
}

impl Dropout {
    /// Dropout with probability `p` (PyTorch's default 0.5), in training mode.
    #[track_caller]
    pub fn new(p: f64) -> Dropout {
        unwrap(Dropout::f_new(p))
    }

    /// [`Dropout::new`], or PyTorch's error for a probability outside [0, 1] (NaN included).
    pub fn f_new(p: f64) -> Result<Dropout> {
        super::check::probability("Dropout", p)?;
        Ok(Dropout { p, training: true })
    }
}

impl Module for Dropout {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_dropout_with(x, self.p, self.training), "Dropout")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn is_training(&self) -> bool {
        self.training
    }
}

/// A lookup table `[num_embeddings, dim]` initialised N(0, 1) (the `padding_idx` row zeroed).
pub struct Embedding {
    /// The table.
    pub weight: Tensor,
    /// The row that maps to zeros and gets no gradient.
    pub padding_idx: Option<i64>,
}

impl Embedding {
    /// A table of `num_embeddings` vectors of size `dim`.
    #[track_caller]
    pub fn new(num_embeddings: i64, dim: i64) -> Embedding {
        unwrap(Embedding::f_new(num_embeddings, dim, None))
    }

    /// A table whose row `padding_idx` is zero and gets no gradient; a negative index counts
    /// from the end, as in PyTorch (`-1` is the last row).
    #[track_caller]
    pub fn with_padding_idx(num_embeddings: i64, dim: i64, padding_idx: i64) -> Embedding {
        unwrap(Embedding::f_new(num_embeddings, dim, Some(padding_idx)))
    }

    /// [`Embedding::new`] / [`Embedding::with_padding_idx`], or PyTorch's error for a negative
    /// size or a `padding_idx` outside `-num_embeddings..num_embeddings`.
    pub fn f_new(num_embeddings: i64, dim: i64, padding_idx: Option<i64>) -> Result<Embedding> {
        super::functional::named(
            Self::unnamed_new(num_embeddings, dim, padding_idx),
            "Embedding",
        )
    }

    fn unnamed_new(num_embeddings: i64, dim: i64, padding_idx: Option<i64>) -> Result<Embedding> {
        super::check::sizes(
            "Embedding",
            &[("num_embeddings", num_embeddings), ("embedding_dim", dim)],
        )?;
        let padding_idx = match padding_idx {
            None => None,
            Some(p) if (-num_embeddings..num_embeddings).contains(&p) => {
                Some(if p < 0 { p + num_embeddings } else { p })
            }
            Some(p) => {
                return Err(Error::invalid(
                    "Embedding",
                    format!("padding_idx {p} must be within num_embeddings ({num_embeddings})"),
                ))
            }
        };
        let w = ops::empty(&[num_embeddings, dim])?;
        super::init::normal_(&w, 0.0, 1.0)?;
        if let Some(p) = padding_idx {
            let _g = crate::NoGradGuard::new();
            ops::zero_(&w.f_select_int(0, p)?)?;
        }
        Ok(Embedding {
            weight: param(w),
            padding_idx,
        })
    }
}

impl Module for Embedding {
    fn f_forward(&self, indices: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_embedding_with(
                indices,
                &self.weight,
                self.padding_idx,
                None,
                2.0,
                false,
                false,
            ),
            "Embedding",
        )
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
    }
}
