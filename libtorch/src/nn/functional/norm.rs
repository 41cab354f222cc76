//! Normalisation: `F.batch_norm`, `F.layer_norm`, `F.group_norm`, `F.instance_norm`,
//! `F.normalize`.
use super::{named, pair};
use crate::{Error, Result, Tensor};

/// PyTorch's `_verify_batch_size`: training statistics need more than one value per channel.
fn more_than_one_per_channel(x: &Tensor) -> Result<()> {
    let size = x.f_size()?;
    let first = size.first().copied().unwrap_or(1);
    let per_channel = first * size.iter().skip(2).product::<i64>();
    if !size.is_empty() && per_channel == 1 {
        return Err(Error::invalid(
            "batch_norm",
            format!(
                "Expected more than 1 value per channel when training, got input size {size:?}"
            ),
        ));
    }
    Ok(())
}

/// PyTorch's `_verify_spatial_size`: instance statistics need more than one spatial element.
fn more_than_one_spatial(x: &Tensor) -> Result<()> {
    let size = x.f_size()?;
    if size.len() > 2 && size[2..].iter().product::<i64>() == 1 {
        return Err(Error::invalid(
            "instance_norm",
            format!("Expected more than 1 spatial element when training, got input size {size:?}"),
        ));
    }
    Ok(())
}

pair! {
    /// Batch normalisation with the running statistics, as in evaluation (`F.batch_norm(input,
    /// running_mean, running_var)`).
    fn batch_norm / f_batch_norm(
        x: &Tensor,
        running_mean: Option<&Tensor>,
        running_var: Option<&Tensor>,
    ) -> Tensor {
        f_batch_norm_with(x, running_mean, running_var, None, None, false, 0.1, 1e-5)
    }
    /// Batch normalisation (`F.batch_norm(input, running_mean, running_var, weight, bias,
    /// training, momentum, eps)`): with `training`, normalises by the batch's statistics and
    /// updates the running ones in place (`momentum` of the new value).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::from_data(&[1.0f32, 3.0], &[2, 1]).unwrap();
    /// let (rm, rv) = (Tensor::zeros(&[1]), Tensor::ones(&[1]));
    /// let y = F::batch_norm_with(&x, Some(&rm), Some(&rv), None, None, true, 0.1, 0.0);
    /// assert_eq!(y.flatten().to_vec::<f32>().unwrap(), [-1.0, 1.0]);
    /// assert_eq!(rm.to_vec::<f32>().unwrap(), [0.2]); // 0.9 * 0 + 0.1 * 2
    /// ```
    fn batch_norm_with / f_batch_norm_with(
        x: &Tensor,
        running_mean: Option<&Tensor>,
        running_var: Option<&Tensor>,
        weight: Option<&Tensor>,
        bias: Option<&Tensor>,
        training: bool,
        momentum: f64,
        eps: f64,
    ) -> Tensor {
        if training {
            more_than_one_per_channel(x)?;
        }
        let (rm, rv) = (running_mean, running_var);
        // cudnn_enabled true, as torch.nn.functional.batch_norm passes.
        let r = Tensor::f_batch_norm(x, weight, bias, rm, rv, training, momentum, eps, true);
        named(r, "batch_norm")
    }

    /// Layer normalisation over the trailing `normalized_shape` dimensions, without affine
    /// parameters (`F.layer_norm(input, normalized_shape)`).
    fn layer_norm / f_layer_norm(x: &Tensor, normalized_shape: &[i64]) -> Tensor {
        f_layer_norm_with(x, normalized_shape, None, None, 1e-5)
    }
    /// Layer normalisation (`F.layer_norm(input, normalized_shape, weight, bias, eps)`).
    fn layer_norm_with / f_layer_norm_with(
        x: &Tensor,
        normalized_shape: &[i64],
        weight: Option<&Tensor>,
        bias: Option<&Tensor>,
        eps: f64,
    ) -> Tensor {
        named(
            Tensor::f_layer_norm_with(x, normalized_shape, weight, bias, eps, true),
            "layer_norm",
        )
    }

    /// Group normalisation without affine parameters (`F.group_norm(input, num_groups)`).
    fn group_norm / f_group_norm(x: &Tensor, num_groups: i64) -> Tensor {
        f_group_norm_with(x, num_groups, None, None, 1e-5)
    }
    /// Group normalisation (`F.group_norm(input, num_groups, weight, bias, eps)`).
    fn group_norm_with / f_group_norm_with(
        x: &Tensor,
        num_groups: i64,
        weight: Option<&Tensor>,
        bias: Option<&Tensor>,
        eps: f64,
    ) -> Tensor {
        named(
            Tensor::f_group_norm_with(x, num_groups, weight, bias, eps, true),
            "group_norm",
        )
    }

    /// Instance normalisation by each sample's own statistics (`F.instance_norm(input)`).
    fn instance_norm / f_instance_norm(x: &Tensor) -> Tensor {
        f_instance_norm_with(x, None, None, None, None, true, 0.1, 1e-5)
    }
    /// Instance normalisation (`F.instance_norm(input, running_mean, running_var, weight, bias,
    /// use_input_stats, momentum, eps)`): each channel of each sample normalised over its
    /// spatial dimensions; with `use_input_stats` false, the running statistics are used.
    fn instance_norm_with / f_instance_norm_with(
        x: &Tensor,
        running_mean: Option<&Tensor>,
        running_var: Option<&Tensor>,
        weight: Option<&Tensor>,
        bias: Option<&Tensor>,
        use_input_stats: bool,
        momentum: f64,
        eps: f64,
    ) -> Tensor {
        if use_input_stats {
            more_than_one_spatial(x)?;
        }
        let (rm, rv, u) = (running_mean, running_var, use_input_stats);
        let r = Tensor::f_instance_norm(x, weight, bias, rm, rv, u, momentum, eps, true);
        named(r, "instance_norm")
    }

    /// `x` divided by its Euclidean norm along dimension 1 (`F.normalize(input)`).
    fn normalize / f_normalize(x: &Tensor) -> Tensor { f_normalize_with(x, 2.0, 1, 1e-12) }
    /// `x / max(‖x‖_p, eps)` along `dim` (`F.normalize(input, p, dim, eps)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::from_data(&[3.0f32, 4.0, 0.0, 0.0], &[2, 2]).unwrap();
    /// assert_eq!(F::normalize(&x).to_vec2::<f32>().unwrap(), [[0.6, 0.8], [0.0, 0.0]]);
    /// ```
    fn normalize_with / f_normalize_with(x: &Tensor, p: f64, dim: i64, eps: f64) -> Tensor {
        let r = x
            .f_norm_scalaropt_dim_with(Some(p.into()), &[dim], true)
            .and_then(|n| n.f_clamp_min(eps))
            .and_then(|n| n.f_expand_as(x))
            .and_then(|d| x.f_div(&d));
        named(r, "normalize")
    }
}
