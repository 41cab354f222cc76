//! Reshaping layers: `Unflatten`, `PixelShuffle`/`PixelUnshuffle`, `Fold`/`Unfold`.
use super::dims::IntoDims;
use super::functional as F;
use super::module::{Module, Slot};
use crate::{Result, Tensor};

/// Splits dimension `dim` into `unflattened_size` (`nn.Unflatten(dim, unflattened_size)`; one
/// entry may be -1).
///
/// ```
/// use libtorch::nn::{Module, Unflatten};
/// use libtorch::Tensor;
/// let x = Tensor::from_data(&[0.0f32; 12], &[2, 6]).unwrap();
/// assert_eq!(Unflatten::new(1, &[2, 3]).forward(&x).size(), [2, 2, 3]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unflatten {
    /// The dimension split.
    pub dim: i64,
    /// Its new sizes.
    pub unflattened_size: Vec<i64>,
}

impl Unflatten {
    /// `nn.Unflatten(dim, unflattened_size)`.
    pub fn new(dim: i64, unflattened_size: &[i64]) -> Unflatten {
        Unflatten {
            dim,
            unflattened_size: unflattened_size.to_vec(),
        }
    }
}

impl Module for Unflatten {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(x.f_unflatten(self.dim, &self.unflattened_size), "Unflatten")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// `[*, C·r², H, W]` -> `[*, C, H·r, W·r]` (`nn.PixelShuffle(upscale_factor)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelShuffle {
    /// r.
    pub upscale_factor: i64,
}

impl PixelShuffle {
    /// `nn.PixelShuffle(upscale_factor)`.
    pub fn new(upscale_factor: i64) -> PixelShuffle {
        PixelShuffle { upscale_factor }
    }
}

impl Module for PixelShuffle {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_pixel_shuffle(x, self.upscale_factor), "PixelShuffle")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// `[*, C, H·r, W·r]` -> `[*, C·r², H, W]` (`nn.PixelUnshuffle(downscale_factor)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelUnshuffle {
    /// r.
    pub downscale_factor: i64,
}

impl PixelUnshuffle {
    /// `nn.PixelUnshuffle(downscale_factor)`.
    pub fn new(downscale_factor: i64) -> PixelUnshuffle {
        PixelUnshuffle { downscale_factor }
    }
}

impl Module for PixelUnshuffle {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_pixel_unshuffle(x, self.downscale_factor),
            "PixelUnshuffle",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Sliding blocks of an image as columns, `[N, C, H, W]` -> `[N, C·kh·kw, L]` (`nn.Unfold(
/// kernel_size, dilation=1, padding=0, stride=1)`).
///
/// ```
/// use libtorch::nn::{Module, Unfold};
/// use libtorch::Tensor;
/// let x = Tensor::from_data(&[0.0f32; 2 * 3 * 4], &[1, 2, 3, 4]).unwrap();
/// assert_eq!(Unfold::new(2).forward(&x).size(), [1, 8, 6]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unfold {
    /// Block size.
    pub kernel_size: [i64; 2],
    /// Spacing of the block's elements.
    pub dilation: [i64; 2],
    /// Zero padding on both sides.
    pub padding: [i64; 2],
    /// Step between blocks.
    pub stride: [i64; 2],
}

impl Unfold {
    /// Blocks of `kernel_size`, dilation 1, no padding, stride 1.
    pub fn new(kernel_size: impl IntoDims<2>) -> Unfold {
        Unfold {
            kernel_size: kernel_size.into_dims(),
            dilation: [1; 2],
            padding: [0; 2],
            stride: [1; 2],
        }
    }
    /// Sets the dilation.
    pub fn dilation(mut self, d: impl IntoDims<2>) -> Self {
        self.dilation = d.into_dims();
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, p: impl IntoDims<2>) -> Self {
        self.padding = p.into_dims();
        self
    }
    /// Sets the stride.
    pub fn stride(mut self, s: impl IntoDims<2>) -> Self {
        self.stride = s.into_dims();
        self
    }
}

impl Module for Unfold {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_unfold_with(
                x,
                self.kernel_size,
                self.dilation,
                self.padding,
                self.stride,
            ),
            "Unfold",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Sums columns back into an image, `[N, C·kh·kw, L]` -> `[N, C, H, W]` (`nn.Fold(
/// output_size, kernel_size, dilation=1, padding=0, stride=1)`), the adjoint of [`Unfold`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    /// `(H, W)`.
    pub output_size: [i64; 2],
    /// Block size.
    pub kernel_size: [i64; 2],
    /// Spacing of the block's elements.
    pub dilation: [i64; 2],
    /// Zero padding on both sides.
    pub padding: [i64; 2],
    /// Step between blocks.
    pub stride: [i64; 2],
}

impl Fold {
    /// Blocks of `kernel_size` into an `output_size` image, dilation 1, no padding, stride 1.
    pub fn new(output_size: impl IntoDims<2>, kernel_size: impl IntoDims<2>) -> Fold {
        Fold {
            output_size: output_size.into_dims(),
            kernel_size: kernel_size.into_dims(),
            dilation: [1; 2],
            padding: [0; 2],
            stride: [1; 2],
        }
    }
    /// Sets the dilation.
    pub fn dilation(mut self, d: impl IntoDims<2>) -> Self {
        self.dilation = d.into_dims();
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, p: impl IntoDims<2>) -> Self {
        self.padding = p.into_dims();
        self
    }
    /// Sets the stride.
    pub fn stride(mut self, s: impl IntoDims<2>) -> Self {
        self.stride = s.into_dims();
        self
    }
}

impl Module for Fold {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_fold_with(
                x,
                self.output_size,
                self.kernel_size,
                self.dilation,
                self.padding,
                self.stride,
            ),
            "Fold",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}
