//! Dropout: `F.dropout`, `F.dropout1d/2d/3d`, `F.alpha_dropout`.
use super::{named, pair};
use crate::nn::check;
use crate::{Error, Result, Tensor};

pair! {
    /// Zeroes elements with probability 0.5 and doubles the rest (`F.dropout(input)`, which is
    /// in training mode by default).
    fn dropout / f_dropout(x: &Tensor) -> Tensor { f_dropout_with(x, 0.5, true) }
    /// When `training`, zeroes elements with probability `p` and scales the rest by `1/(1-p)`;
    /// otherwise returns `x` (`F.dropout(input, p, training)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::ones(&[1000]);
    /// let y = F::dropout_with(&x, 0.1, true);
    /// let kept = y.gt(0).sum().int64_value();
    /// assert!((850..950).contains(&kept), "{kept}");
    /// assert!(F::f_dropout_with(&x, 1.5, true).is_err());
    /// ```
    fn dropout_with / f_dropout_with(x: &Tensor, p: f64, training: bool) -> Tensor {
        check::probability("dropout", p)?;
        named(Tensor::f_dropout(x, p, training), "dropout")
    }

    /// Channel dropout of `[N, C, L]` (or `[C, L]`) with probability 0.5, training
    /// (`F.dropout1d(input)`).
    fn dropout1d / f_dropout1d(x: &Tensor) -> Tensor { f_feature_dropout(x, 0.5, true, 1) }
    /// Whole channels of `[N, C, L]` (or `[C, L]`) zeroed with probability `p` when `training`,
    /// the rest scaled by `1/(1-p)` (`F.dropout1d(input, p, training)`).
    fn dropout1d_with / f_dropout1d_with(x: &Tensor, p: f64, training: bool) -> Tensor {
        f_feature_dropout(x, p, training, 1)
    }
    /// Channel dropout of `[N, C, H, W]` with probability 0.5, training (`F.dropout2d(input)`).
    fn dropout2d / f_dropout2d(x: &Tensor) -> Tensor { f_feature_dropout(x, 0.5, true, 2) }
    /// Whole channels of `[N, C, H, W]` zeroed with probability `p` when `training`, the rest
    /// scaled by `1/(1-p)` (`F.dropout2d(input, p, training)`).
    fn dropout2d_with / f_dropout2d_with(x: &Tensor, p: f64, training: bool) -> Tensor {
        f_feature_dropout(x, p, training, 2)
    }
    /// Channel dropout of `[N, C, D, H, W]` (or `[C, D, H, W]`) with probability 0.5, training
    /// (`F.dropout3d(input)`).
    fn dropout3d / f_dropout3d(x: &Tensor) -> Tensor { f_feature_dropout(x, 0.5, true, 3) }
    /// Whole channels of `[N, C, D, H, W]` (or `[C, D, H, W]`) zeroed with probability `p` when
    /// `training`, the rest scaled by `1/(1-p)` (`F.dropout3d(input, p, training)`).
    fn dropout3d_with / f_dropout3d_with(x: &Tensor, p: f64, training: bool) -> Tensor {
        f_feature_dropout(x, p, training, 3)
    }

    /// Alpha dropout with probability 0.5, in evaluation mode: returns `x`
    /// (`F.alpha_dropout(input)`, whose `training` defaults to false).
    fn alpha_dropout / f_alpha_dropout(x: &Tensor) -> Tensor {
        f_alpha_dropout_with(x, 0.5, false)
    }
    /// Alpha dropout (for SELU networks), which keeps the mean and variance of its input
    /// (`F.alpha_dropout(input, p, training)`).
    fn alpha_dropout_with / f_alpha_dropout_with(x: &Tensor, p: f64, training: bool) -> Tensor {
        check::probability("alpha_dropout", p)?;
        named(Tensor::f_alpha_dropout(x, p, training), "alpha_dropout")
    }
}

/// Channel-wise dropout (`F.dropout1d`/`dropout2d`/`dropout3d`): whole channels are zeroed
/// with probability `p`, the rest scaled by `1/(1-p)`; `spatial` is the number of spatial
/// dimensions (1, 2 or 3) and an input without a batch dimension is handled as PyTorch does.
pub(crate) fn f_feature_dropout(x: &Tensor, p: f64, train: bool, spatial: usize) -> Result<Tensor> {
    let name = ["dropout1d", "dropout2d", "dropout3d"][spatial.clamp(1, 3) - 1];
    check::probability(name, p)?;
    let dim = named(x.f_dim(), name)?;
    if spatial == 1 && !(2..=3).contains(&dim) {
        return Err(Error::invalid(
            name,
            format!(
                "Expected 2D or 3D input, but received a {dim}D input. Note that dropout1d \
                 exists to provide channel-wise dropout on inputs with 1 spatial dimension, a \
                 channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
            ),
        ));
    }
    // dropout2d treats every input as batched; dropout1d/3d add a batch dimension when the
    // input has one dimension fewer than the batched form.
    let batched = spatial == 2 || dim == spatial + 2;
    let r = if batched {
        Tensor::f_feature_dropout(x, p, train)
    } else {
        Tensor::f_feature_dropout(&x.f_unsqueeze(0)?, p, train).and_then(|y| y.f_squeeze_dim(0))
    };
    named(r, name)
}
