//! Convolutions: `Conv1d`/`Conv2d`/`Conv3d` and `ConvTranspose1d`/`ConvTranspose2d`.
use super::init::{kaiming_uniform_, uniform_, FanMode, Nonlinearity};
use super::module::{param, Module, Slot};
use super::{functional as F, ops};
use crate::error::unwrap;
use crate::{Error, Result, Tensor};

/// How a convolution pads its input (`padding_mode=`); [`str::parse`] takes PyTorch's names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaddingMode {
    /// `'zeros'` (the default).
    #[default]
    Zeros,
    /// `'reflect'`: mirrored without repeating the edge.
    Reflect,
    /// `'replicate'`: the edge value repeated.
    Replicate,
    /// `'circular'`: wrapped around.
    Circular,
}

impl PaddingMode {
    /// PyTorch's name.
    pub fn name(self) -> &'static str {
        match self {
            PaddingMode::Zeros => "zeros",
            PaddingMode::Reflect => "reflect",
            PaddingMode::Replicate => "replicate",
            PaddingMode::Circular => "circular",
        }
    }
}

impl std::str::FromStr for PaddingMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        use PaddingMode::*;
        [Zeros, Reflect, Replicate, Circular]
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "Conv",
                    format!(
                        "padding_mode must be one of ['zeros', 'reflect', 'replicate', \
                         'circular'], but got padding_mode='{s}'"
                    ),
                )
            })
    }
}

/// Stride, padding, dilation, groups, bias, padding mode and (transposed only) output padding;
/// one value per setting, used for every spatial dimension. Defaults as PyTorch: 1, 0, 1, 1,
/// true, `'zeros'`, 0. [`ConvConfig::padding_same`] is PyTorch's `padding='same'` (stride 1
/// only), [`ConvConfig::padding`] with 0 its `padding='valid'`.
///
/// ```
/// use libtorch::nn::{Conv2d, ConvConfig, Module, PaddingMode};
/// use libtorch::Tensor;
/// let conv = Conv2d::new(1, 2, 4, ConvConfig::default().padding_same().padding_mode(PaddingMode::Reflect));
/// let x = Tensor::from_data(&[0.5f32; 30], &[1, 1, 5, 6]).unwrap();
/// assert_eq!(conv.forward(&x).size(), [1, 2, 5, 6]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvConfig {
    /// Stride.
    pub stride: i64,
    /// Zero padding on both sides.
    pub padding: i64,
    /// Kernel dilation.
    pub dilation: i64,
    /// Channel groups.
    pub groups: i64,
    /// Whether there is a bias.
    pub bias: bool,
    /// Extra size on one side of the output (transposed convolutions).
    pub output_padding: i64,
    /// How padding is filled (not transposed convolutions).
    pub padding_mode: PaddingMode,
    /// `padding='same'`: the output has the input's size (stride 1 only; `padding` ignored).
    pub padding_same: bool,
}

impl Default for ConvConfig {
    fn default() -> Self {
        ConvConfig {
            stride: 1,
            padding: 0,
            dilation: 1,
            groups: 1,
            bias: true,
            output_padding: 0,
            padding_mode: PaddingMode::Zeros,
            padding_same: false,
        }
    }
}

impl ConvConfig {
    /// Sets the stride.
    pub fn stride(mut self, s: i64) -> Self {
        self.stride = s;
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, p: i64) -> Self {
        self.padding = p;
        self
    }
    /// Sets the dilation.
    pub fn dilation(mut self, d: i64) -> Self {
        self.dilation = d;
        self
    }
    /// Sets the groups.
    pub fn groups(mut self, g: i64) -> Self {
        self.groups = g;
        self
    }
    /// With or without bias.
    pub fn bias(mut self, b: bool) -> Self {
        self.bias = b;
        self
    }
    /// Sets the padding mode (`padding_mode=`).
    pub fn padding_mode(mut self, m: PaddingMode) -> Self {
        self.padding_mode = m;
        self
    }
    /// `padding='same'`: pads so that the output has the input's size (odd totals put the
    /// extra element on the right, as PyTorch).
    pub fn padding_same(mut self) -> Self {
        self.padding_same = true;
        self
    }
    /// Sets the output padding (transposed convolutions).
    pub fn output_padding(mut self, p: i64) -> Self {
        self.output_padding = p;
        self
    }
}

/// A convolution over `D` spatial dimensions (`Conv1d`, `Conv2d`, `Conv3d`, and the transposed
/// forms when `transposed`). Weight `[out, in/groups, k...]` (transposed: `[in, out/groups,
/// k...]`), initialised with `kaiming_uniform_(a=√5)`; bias U(±1/√fan_in), as PyTorch.
pub struct ConvNd<const D: usize> {
    /// The kernel.
    pub weight: Tensor,
    /// The bias, when there is one.
    pub bias: Option<Tensor>,
    /// The settings it was made with.
    pub config: ConvConfig,
    transposed: bool,
}

/// 1-D convolution over `[N, C, L]`.
pub type Conv1d = ConvNd<1>;
/// 2-D convolution over `[N, C, H, W]`.
///
/// ```
/// use libtorch::nn::{Conv2d, ConvConfig, Module};
/// use libtorch::Tensor;
/// let conv = Conv2d::new(3, 8, 3, ConvConfig::default().padding(1));
/// let x = Tensor::from_data(&[0.0f32; 3 * 5 * 5], &[1, 3, 5, 5]).unwrap();
/// assert_eq!(conv.forward(&x).size(), [1, 8, 5, 5]);
/// ```
pub type Conv2d = ConvNd<2>;
/// 3-D convolution over `[N, C, D, H, W]`.
pub type Conv3d = ConvNd<3>;

/// The transposed forms.
pub type ConvTranspose1d = ConvTransposeNd<1>;
/// 2-D transposed convolution.
pub type ConvTranspose2d = ConvTransposeNd<2>;

/// A transposed convolution (`ConvTranspose1d/2d`): a [`ConvNd`] made by
/// [`ConvTransposeNd::new`].
pub struct ConvTransposeNd<const D: usize>;

impl<const D: usize> ConvTransposeNd<D> {
    /// A transposed convolution from `in_channels` to `out_channels` with a cubic kernel.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(in_channels: i64, out_channels: i64, kernel: i64, config: ConvConfig) -> ConvNd<D> {
        unwrap(ConvNd::<D>::f_make(
            in_channels,
            out_channels,
            kernel,
            config,
            true,
        ))
    }
}

impl<const D: usize> ConvNd<D> {
    /// A convolution from `in_channels` to `out_channels` with a `kernel`^D kernel.
    pub fn new(in_channels: i64, out_channels: i64, kernel: i64, config: ConvConfig) -> Self {
        unwrap(Self::f_make(
            in_channels,
            out_channels,
            kernel,
            config,
            false,
        ))
    }

    /// Fallible constructor; `transposed` selects the transposed convolution.
    #[track_caller]
    pub fn f_make(
        in_channels: i64,
        out_channels: i64,
        kernel: i64,
        config: ConvConfig,
        transposed: bool,
    ) -> Result<Self> {
        super::functional::named(
            Self::unnamed_make(in_channels, out_channels, kernel, config, transposed),
            layer_name(transposed, D),
        )
    }

    fn unnamed_make(
        in_channels: i64,
        out_channels: i64,
        kernel: i64,
        config: ConvConfig,
        transposed: bool,
    ) -> Result<Self> {
        let layer = layer_name(transposed, D);
        super::check::sizes(
            layer,
            &[("in_channels", in_channels), ("out_channels", out_channels)],
        )?;
        super::check::positive(layer, &[("kernel_size", kernel), ("groups", config.groups)])?;
        if config.padding_same && config.stride != 1 {
            return Err(Error::invalid(
                layer,
                "padding='same' is not supported for strided convolutions",
            ));
        }
        if transposed && (config.padding_mode != PaddingMode::Zeros || config.padding_same) {
            return Err(Error::invalid(
                layer,
                format!(
                    "Only \"zeros\" padding mode (and integer padding) is supported for {layer}"
                ),
            ));
        }
        if in_channels % config.groups != 0 || out_channels % config.groups != 0 {
            return Err(Error::invalid(
                layer,
                format!(
                    "in_channels ({in_channels}) and out_channels ({out_channels}) must be \
                     divisible by groups ({})",
                    config.groups
                ),
            ));
        }
        let mut shape = if transposed {
            vec![in_channels, out_channels / config.groups]
        } else {
            vec![out_channels, in_channels / config.groups]
        };
        shape.extend(std::iter::repeat_n(kernel, D));
        let weight = ops::empty(&shape)?;
        kaiming_uniform_(
            &weight,
            5f64.sqrt(),
            FanMode::FanIn,
            Nonlinearity::LeakyRelu(0.0),
        )?;
        let bias = if config.bias {
            let (fan_in, _) = super::init::calculate_fan_in_and_fan_out(&weight)?;
            let bound = if fan_in > 0 {
                1.0 / (fan_in as f64).sqrt()
            } else {
                0.0
            };
            let b = ops::empty(&[out_channels])?;
            uniform_(&b, -bound, bound)?;
            Some(param(b))
        } else {
            None
        };
        Ok(ConvNd {
            weight: param(weight),
            bias,
            config,
            transposed,
        })
    }
}

impl<const D: usize> ConvNd<D> {
    /// The kernel's size (every spatial dimension).
    fn kernel(&self) -> i64 {
        self.weight.size().last().copied().unwrap_or(1)
    }
}

/// The layer's PyTorch name, for errors.
fn layer_name(transposed: bool, dims: usize) -> &'static str {
    match (transposed, dims) {
        (false, 1) => "Conv1d",
        (false, 2) => "Conv2d",
        (false, _) => "Conv3d",
        (true, 1) => "ConvTranspose1d",
        (true, 2) => "ConvTranspose2d",
        (true, _) => "ConvTranspose3d",
    }
}

impl<const D: usize> Module for ConvNd<D> {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        let v = |x: i64| vec![x; D];
        let r = if self.transposed {
            F::f_conv_transpose(
                xs,
                &self.weight,
                self.bias.as_ref(),
                &v(c.stride),
                &v(c.padding),
                &v(c.output_padding),
                c.groups,
                &v(c.dilation),
            )
        } else if c.padding_mode != PaddingMode::Zeros {
            // PyTorch's `_reversed_padding_repeated_twice`, then a convolution without padding.
            let mut pad = Vec::with_capacity(2 * D);
            for _ in 0..D {
                if c.padding_same {
                    let total = c.dilation * (self.kernel() - 1);
                    pad.extend([total / 2, total - total / 2]);
                } else {
                    pad.extend([c.padding, c.padding]);
                }
            }
            F::f_pad_with(xs, &pad, c.padding_mode.name(), None).and_then(|x| {
                F::f_conv(
                    &x,
                    &self.weight,
                    self.bias.as_ref(),
                    &v(c.stride),
                    &v(0),
                    &v(c.dilation),
                    c.groups,
                )
            })
        } else if c.padding_same {
            F::f_conv_same(
                xs,
                &self.weight,
                self.bias.as_ref(),
                &v(c.stride),
                &v(c.dilation),
                c.groups,
            )
        } else {
            F::f_conv(
                xs,
                &self.weight,
                self.bias.as_ref(),
                &v(c.stride),
                &v(c.padding),
                &v(c.dilation),
                c.groups,
            )
        };
        F::named(r, layer_name(self.transposed, D))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
        if let Some(b) = &self.bias {
            f("bias", Slot::Parameter, b);
        }
    }
}
