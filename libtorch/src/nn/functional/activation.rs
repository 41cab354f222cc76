//! Activations: `F.relu`, `F.gelu`, `F.softmax`, ...
use super::{named, pair};
use crate::{Error, Kind, Tensor};

pair! {
    /// `max(x, 0)` (`F.relu(input)`).
    fn relu / f_relu(x: &Tensor) -> Tensor { named(x.f_relu(), "relu") }
    /// `tanh(x)` (`F.tanh(input)`).
    fn tanh / f_tanh(x: &Tensor) -> Tensor { named(x.f_tanh(), "tanh") }
    /// `1 / (1 + exp(-x))` (`F.sigmoid(input)`).
    fn sigmoid / f_sigmoid(x: &Tensor) -> Tensor { named(x.f_sigmoid(), "sigmoid") }
    /// `x * sigmoid(x)` (`F.silu(input)`).
    fn silu / f_silu(x: &Tensor) -> Tensor { named(x.f_silu(), "silu") }
    /// `x * tanh(softplus(x))` (`F.mish(input)`).
    fn mish / f_mish(x: &Tensor) -> Tensor { named(x.f_mish(), "mish") }
    /// `min(max(x, 0), 6)` (`F.relu6(input)`).
    fn relu6 / f_relu6(x: &Tensor) -> Tensor { named(x.f_relu6(), "relu6") }
    /// `x * relu6(x + 3) / 6` (`F.hardswish(input)`).
    fn hardswish / f_hardswish(x: &Tensor) -> Tensor { named(x.f_hardswish(), "hardswish") }
    /// `relu6(x + 3) / 6` (`F.hardsigmoid(input)`).
    fn hardsigmoid / f_hardsigmoid(x: &Tensor) -> Tensor {
        named(x.f_hardsigmoid(), "hardsigmoid")
    }
    /// SELU with PyTorch's fixed α and scale (`F.selu(input)`).
    fn selu / f_selu(x: &Tensor) -> Tensor { named(x.f_selu(), "selu") }
    /// `log(sigmoid(x))` (`F.logsigmoid(input)`).
    fn logsigmoid / f_logsigmoid(x: &Tensor) -> Tensor { named(x.f_log_sigmoid(), "logsigmoid") }
    /// `x / (1 + |x|)` (`F.softsign(input)`, computed as PyTorch does).
    fn softsign / f_softsign(x: &Tensor) -> Tensor {
        named(x.f_abs().and_then(|a| a.f_add(1)).and_then(|d| x.f_div(&d)), "softsign")
    }
    /// `x - tanh(x)` (`F.tanhshrink(input)`).
    fn tanhshrink / f_tanhshrink(x: &Tensor) -> Tensor {
        named(x.f_tanh().and_then(|t| x.f_sub(&t)), "tanhshrink")
    }

    /// GELU, exact (`F.gelu(input)`).
    fn gelu / f_gelu(x: &Tensor) -> Tensor { f_gelu_with(x, "none") }
    /// GELU; `approximate` is `"none"` (exact) or `"tanh"` (`F.gelu(input, approximate)`).
    fn gelu_with / f_gelu_with(x: &Tensor, approximate: &str) -> Tensor {
        named(x.f_gelu_with(approximate), "gelu")
    }

    /// `max(0, x) + 0.01 * min(0, x)` (`F.leaky_relu(input)`).
    fn leaky_relu / f_leaky_relu(x: &Tensor) -> Tensor { f_leaky_relu_with(x, 0.01) }
    /// `max(0, x) + negative_slope * min(0, x)` (`F.leaky_relu(input, negative_slope)`).
    fn leaky_relu_with / f_leaky_relu_with(x: &Tensor, negative_slope: f64) -> Tensor {
        named(x.f_leaky_relu_with(negative_slope), "leaky_relu")
    }

    /// ELU with `alpha` 1 (`F.elu(input)`).
    fn elu / f_elu(x: &Tensor) -> Tensor { f_elu_with(x, 1.0) }
    /// `x` above 0, `alpha * (exp(x) - 1)` below (`F.elu(input, alpha)`).
    fn elu_with / f_elu_with(x: &Tensor, alpha: f64) -> Tensor {
        named(x.f_elu_with(alpha, 1, 1), "elu")
    }

    /// CELU with `alpha` 1 (`F.celu(input)`).
    fn celu / f_celu(x: &Tensor) -> Tensor { f_celu_with(x, 1.0) }
    /// `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))` (`F.celu(input, alpha)`).
    fn celu_with / f_celu_with(x: &Tensor, alpha: f64) -> Tensor {
        named(x.f_celu_with(alpha), "celu")
    }

    /// Softplus with `beta` 1, `threshold` 20 (`F.softplus(input)`).
    fn softplus / f_softplus(x: &Tensor) -> Tensor { f_softplus_with(x, 1.0, 20.0) }
    /// `log(1 + exp(beta x)) / beta`, linear where `beta x > threshold`
    /// (`F.softplus(input, beta, threshold)`).
    fn softplus_with / f_softplus_with(x: &Tensor, beta: f64, threshold: f64) -> Tensor {
        named(x.f_softplus_with(beta, threshold), "softplus")
    }

    /// `x` clamped to `[-1, 1]` (`F.hardtanh(input)`).
    fn hardtanh / f_hardtanh(x: &Tensor) -> Tensor { f_hardtanh_with(x, -1.0, 1.0) }
    /// `x` clamped to `[min_val, max_val]` (`F.hardtanh(input, min_val, max_val)`).
    fn hardtanh_with / f_hardtanh_with(x: &Tensor, min_val: f64, max_val: f64) -> Tensor {
        if min_val > max_val {
            return Err(Error::invalid("hardtanh", "min_val cannot be greater than max_val"));
        }
        named(x.f_hardtanh_with(min_val, max_val), "hardtanh")
    }

    /// Soft shrinkage with `lambd` 0.5 (`F.softshrink(input)`).
    fn softshrink / f_softshrink(x: &Tensor) -> Tensor { f_softshrink_with(x, 0.5) }
    /// `x - lambd` above `lambd`, `x + lambd` below `-lambd`, 0 between (`lambd ≥ 0`;
    /// `F.softshrink(input, lambd)`).
    fn softshrink_with / f_softshrink_with(x: &Tensor, lambd: f64) -> Tensor {
        if lambd < 0.0 {
            return Err(Error::invalid(
                "softshrink",
                format!("lambda must be greater or equal to 0, but found to be {lambd}."),
            ));
        }
        named(x.f_softshrink_with(lambd), "softshrink")
    }

    /// Hard shrinkage with `lambd` 0.5 (`F.hardshrink(input)`).
    fn hardshrink / f_hardshrink(x: &Tensor) -> Tensor { f_hardshrink_with(x, 0.5) }
    /// `x` where `|x| > lambd`, else 0 (`F.hardshrink(input, lambd)`).
    fn hardshrink_with / f_hardshrink_with(x: &Tensor, lambd: f64) -> Tensor {
        named(x.f_hardshrink_with(lambd), "hardshrink")
    }

    /// `x` where `x > threshold`, else `value` (`F.threshold(input, threshold, value)`).
    fn threshold / f_threshold(x: &Tensor, threshold: f64, value: f64) -> Tensor {
        named(x.f_threshold(threshold, value), "threshold")
    }

    /// Gated linear unit over the last dimension (`F.glu(input)`).
    fn glu / f_glu(x: &Tensor) -> Tensor { f_glu_with(x, -1) }
    /// The first half of `dim` times the sigmoid of the second half (`F.glu(input, dim)`).
    fn glu_with / f_glu_with(x: &Tensor, dim: i64) -> Tensor { named(x.f_glu_with(dim), "glu") }

    /// `max(0, x) + weight * min(0, x)`, `weight` one value or one per channel (dimension 1)
    /// (`F.prelu(input, weight)`).
    fn prelu / f_prelu(x: &Tensor, weight: &Tensor) -> Tensor {
        named(x.f_prelu(weight), "prelu")
    }

    /// Softmax along `dim` (`F.softmax(input, dim)`).
    fn softmax / f_softmax(x: &Tensor, dim: i64) -> Tensor { f_softmax_with(x, dim, None) }
    /// Softmax along `dim`, computed in `dtype` when given (`F.softmax(input, dim, dtype=)`).
    fn softmax_with / f_softmax_with(x: &Tensor, dim: i64, dtype: Option<Kind>) -> Tensor {
        named(x.f_softmax_int_with(dim, dtype), "softmax")
    }

    /// Log-softmax along `dim` (`F.log_softmax(input, dim)`).
    fn log_softmax / f_log_softmax(x: &Tensor, dim: i64) -> Tensor {
        f_log_softmax_with(x, dim, None)
    }
    /// Log-softmax along `dim`, computed in `dtype` when given (`F.log_softmax(input, dim,
    /// dtype=)`).
    fn log_softmax_with / f_log_softmax_with(x: &Tensor, dim: i64, dtype: Option<Kind>) -> Tensor {
        named(x.f_log_softmax_int_with(dim, dtype), "log_softmax")
    }

    /// `softmax(-x)` along `dim` (`F.softmin(input, dim)`).
    fn softmin / f_softmin(x: &Tensor, dim: i64) -> Tensor { f_softmin_with(x, dim, None) }
    /// `softmax(-x)` along `dim`, computed in `dtype` when given (`F.softmin(input, dim,
    /// dtype=)`).
    fn softmin_with / f_softmin_with(x: &Tensor, dim: i64, dtype: Option<Kind>) -> Tensor {
        named(x.f_neg().and_then(|n| n.f_softmax_int_with(dim, dtype)), "softmin")
    }
}
