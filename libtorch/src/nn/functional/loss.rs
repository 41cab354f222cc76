//! Losses: `F.mse_loss`, `F.l1_loss`, `F.cross_entropy`, `F.nll_loss`, ...
use super::{named, pair, IntoReduction, Reduction};
use crate::{Error, Result, Tensor};

/// PyTorch's weighted `mse_loss`/`l1_loss`: `errors * weight`, reduced, the mean divided by the
/// sum of the weights.
fn weighted(
    name: &'static str,
    input: &Tensor,
    errors: Result<Tensor>,
    weight: &Tensor,
    reduction: Reduction,
) -> Result<Tensor> {
    if weight.f_size()? != input.f_size()? {
        return Err(Error::invalid(
            name,
            "Weights and input must have the same size.",
        ));
    }
    let w = errors?.f_mul(weight)?;
    match reduction {
        Reduction::None => Ok(w),
        Reduction::Sum => w.f_sum(),
        Reduction::Mean => w.f_sum()?.f_div(&weight.f_sum()?),
    }
}

/// PyTorch's check that a binary cross entropy's `target` has the `input`'s size.
fn same_size(name: &'static str, input: &Tensor, target: &Tensor, message: &str) -> Result<()> {
    let (i, t) = (input.f_size()?, target.f_size()?);
    if i != t {
        let m = message
            .replace("{t}", &format!("{t:?}"))
            .replace("{i}", &format!("{i:?}"));
        return Err(Error::invalid(name, m));
    }
    Ok(())
}

pair! {
    /// The mean squared error (`F.mse_loss(input, target)`).
    fn mse_loss / f_mse_loss(input: &Tensor, target: &Tensor) -> Tensor {
        f_mse_loss_with(input, target, Reduction::Mean, None)
    }
    /// The squared error, reduced by `reduction`; with `weight` (the input's size), each
    /// element's error is weighted and the mean divides by the sum of the weights
    /// (`F.mse_loss(input, target, reduction=, weight=)`).
    ///
    /// ```
    /// use libtorch::nn::{functional as F, Reduction};
    /// use libtorch::Tensor;
    /// let (a, b) = (Tensor::from_slice(&[1.0f32, 2.0]), Tensor::from_slice(&[0.0f32, 4.0]));
    /// assert_eq!(F::mse_loss(&a, &b).double_value(), 2.5);
    /// assert_eq!(F::mse_loss_with(&a, &b, Reduction::Sum, None).double_value(), 5.0);
    /// ```
    fn mse_loss_with / f_mse_loss_with(
        input: &Tensor,
        target: &Tensor,
        reduction: impl IntoReduction,
        weight: Option<&Tensor>,
    ) -> Tensor {
        let reduction = named(reduction.into_reduction(), "mse_loss")?;
        let r = match weight {
            None => input.f_mse_loss_with(target, reduction.code()),
            Some(w) => {
                let e = input.f_sub(target).and_then(|d| d.f_pow(2));
                weighted("mse_loss", input, e, w, reduction)
            }
        };
        named(r, "mse_loss")
    }

    /// The mean absolute error (`F.l1_loss(input, target)`).
    fn l1_loss / f_l1_loss(input: &Tensor, target: &Tensor) -> Tensor {
        f_l1_loss_with(input, target, Reduction::Mean, None)
    }
    /// The absolute error, reduced by `reduction`; with `weight` (the input's size), each
    /// element's error is weighted and the mean divides by the sum of the weights
    /// (`F.l1_loss(input, target, reduction=, weight=)`).
    fn l1_loss_with / f_l1_loss_with(
        input: &Tensor,
        target: &Tensor,
        reduction: impl IntoReduction,
        weight: Option<&Tensor>,
    ) -> Tensor {
        let reduction = named(reduction.into_reduction(), "l1_loss")?;
        let r = match weight {
            None => input.f_l1_loss_with(target, reduction.code()),
            Some(w) => {
                let e = input.f_sub(target).and_then(|d| d.f_abs());
                weighted("l1_loss", input, e, w, reduction)
            }
        };
        named(r, "l1_loss")
    }

    /// The mean smooth L1 loss with `beta` 1 (`F.smooth_l1_loss(input, target)`).
    fn smooth_l1_loss / f_smooth_l1_loss(input: &Tensor, target: &Tensor) -> Tensor {
        f_smooth_l1_loss_with(input, target, Reduction::Mean, 1.0)
    }
    /// `0.5 d² / beta` where `|d| < beta`, `|d| - 0.5 beta` elsewhere, reduced by `reduction`
    /// (`F.smooth_l1_loss(input, target, reduction=, beta=)`).
    fn smooth_l1_loss_with / f_smooth_l1_loss_with(
        input: &Tensor,
        target: &Tensor,
        reduction: impl IntoReduction,
        beta: f64,
    ) -> Tensor {
        let reduction = named(reduction.into_reduction(), "smooth_l1_loss")?;
        named(input.f_smooth_l1_loss_with(target, reduction.code(), beta), "smooth_l1_loss")
    }

    /// The mean cross entropy of logits `input` (`[N, C, ...]` or `[C]`) against class indices
    /// (an integer `target`) or class probabilities (a floating `target` of the input's shape)
    /// (`F.cross_entropy(input, target)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let logits = Tensor::from_data(&[0.0f32, 0.0], &[1, 2]).unwrap();
    /// let target = Tensor::from_slice(&[1i64]);
    /// assert!((F::cross_entropy(&logits, &target).double_value() - 2f64.ln()).abs() < 1e-6);
    /// ```
    fn cross_entropy / f_cross_entropy(input: &Tensor, target: &Tensor) -> Tensor {
        f_cross_entropy_with(input, target, None, -100, Reduction::Mean, 0.0)
    }
    /// Cross entropy with class `weight`s, targets equal to `ignore_index` left out, reduced by
    /// `reduction`, with `label_smoothing` mixed into the targets (`F.cross_entropy(input,
    /// target, weight, ignore_index=, reduction=, label_smoothing=)`).
    fn cross_entropy_with / f_cross_entropy_with(
        input: &Tensor,
        target: &Tensor,
        weight: Option<&Tensor>,
        ignore_index: i64,
        reduction: impl IntoReduction,
        label_smoothing: f64,
    ) -> Tensor {
        let reduction = named(reduction.into_reduction(), "cross_entropy")?;
        let (r, l) = (reduction.code(), label_smoothing);
        let loss = input.f_cross_entropy_loss_with(target, weight, r, ignore_index, l);
        named(loss, "cross_entropy")
    }

    /// The mean negative log-likelihood of log-probabilities `input` (`[N, C, ...]` or `[C]`)
    /// at class indices `target` (`F.nll_loss(input, target)`).
    fn nll_loss / f_nll_loss(input: &Tensor, target: &Tensor) -> Tensor {
        f_nll_loss_with(input, target, None, -100, Reduction::Mean)
    }
    /// Negative log-likelihood with class `weight`s, targets equal to `ignore_index` left out,
    /// reduced by `reduction` (`F.nll_loss(input, target, weight, ignore_index=, reduction=)`).
    fn nll_loss_with / f_nll_loss_with(
        input: &Tensor,
        target: &Tensor,
        weight: Option<&Tensor>,
        ignore_index: i64,
        reduction: impl IntoReduction,
    ) -> Tensor {
        let reduction = named(reduction.into_reduction(), "nll_loss")?;
        let loss = input.f_nll_loss_nd_with(target, weight, reduction.code(), ignore_index);
        named(loss, "nll_loss")
    }

    /// The mean binary cross entropy of probabilities `input` against `target` of the same
    /// size (`F.binary_cross_entropy(input, target)`).
    fn binary_cross_entropy / f_binary_cross_entropy(input: &Tensor, target: &Tensor) -> Tensor {
        f_binary_cross_entropy_with(input, target, None, Reduction::Mean)
    }
    /// Binary cross entropy with per-element `weight`s, reduced by `reduction`
    /// (`F.binary_cross_entropy(input, target, weight, reduction=)`).
    fn binary_cross_entropy_with / f_binary_cross_entropy_with(
        input: &Tensor,
        target: &Tensor,
        weight: Option<&Tensor>,
        reduction: impl IntoReduction,
    ) -> Tensor {
        let reduction = named(reduction.into_reduction(), "binary_cross_entropy")?;
        same_size(
            "binary_cross_entropy",
            input,
            target,
            "Using a target size ({t}) that is different to the input size ({i}) is \
             deprecated. Please ensure they have the same size.",
        )?;
        let r = match weight {
            // PyTorch expands the weight to the target's size.
            Some(w) => w.f_expand_as(target).and_then(|w| {
                input.f_binary_cross_entropy_with(target, Some(&w), reduction.code())
            }),
            None => input.f_binary_cross_entropy_with(target, None, reduction.code()),
        };
        named(r, "binary_cross_entropy")
    }

    /// The mean binary cross entropy of logits `input` (a numerically stable sigmoid and
    /// binary cross entropy) against `target` of the same size
    /// (`F.binary_cross_entropy_with_logits(input, target)`).
    fn binary_cross_entropy_with_logits / f_binary_cross_entropy_with_logits(
        input: &Tensor,
        target: &Tensor,
    ) -> Tensor {
        f_binary_cross_entropy_with_logits_with(input, target, None, Reduction::Mean, None)
    }
    /// Binary cross entropy of logits with per-element `weight`s, reduced by `reduction`, the
    /// positive examples weighted by `pos_weight` (`F.binary_cross_entropy_with_logits(input,
    /// target, weight, reduction=, pos_weight=)`).
    fn binary_cross_entropy_with_logits_with / f_binary_cross_entropy_with_logits_with(
        input: &Tensor,
        target: &Tensor,
        weight: Option<&Tensor>,
        reduction: impl IntoReduction,
        pos_weight: Option<&Tensor>,
    ) -> Tensor {
        let name = "binary_cross_entropy_with_logits";
        let reduction = named(reduction.into_reduction(), name)?;
        same_size(name, input, target, "Target size ({t}) must be the same as input size ({i})")?;
        let r = reduction.code();
        named(input.f_binary_cross_entropy_with_logits_with(target, weight, pos_weight, r), name)
    }

    /// `target * (log target - input)` averaged over every element, with `input`
    /// log-probabilities (`F.kl_div(input, target)`; see [`kl_div_batchmean`] for the
    /// mathematically correct `reduction='batchmean'`).
    fn kl_div / f_kl_div(input: &Tensor, target: &Tensor) -> Tensor {
        f_kl_div_with(input, target, Reduction::Mean, false)
    }
    /// The KL divergence reduced by `reduction`; with `log_target`, `target` holds
    /// log-probabilities too (`F.kl_div(input, target, reduction=, log_target=)`).
    fn kl_div_with / f_kl_div_with(
        input: &Tensor,
        target: &Tensor,
        reduction: impl IntoReduction,
        log_target: bool,
    ) -> Tensor {
        let reduction = named(reduction.into_reduction(), "kl_div")?;
        named(input.f_kl_div_with(target, reduction.code(), log_target), "kl_div")
    }

    /// The KL divergence summed and divided by the batch size (`F.kl_div(input, target,
    /// reduction='batchmean')`).
    fn kl_div_batchmean / f_kl_div_batchmean(input: &Tensor, target: &Tensor) -> Tensor {
        f_kl_div_batchmean_with(input, target, false)
    }
    /// [`kl_div_batchmean`] with `log_target` (`F.kl_div(input, target,
    /// reduction='batchmean', log_target=)`).
    fn kl_div_batchmean_with / f_kl_div_batchmean_with(
        input: &Tensor,
        target: &Tensor,
        log_target: bool,
    ) -> Tensor {
        let r = input.f_kl_div_with(target, Reduction::Sum.code(), log_target).and_then(|s| {
            let n = input.f_size()?.first().copied().unwrap_or(1).max(1);
            s.f_div(n)
        });
        named(r, "kl_div")
    }
}
