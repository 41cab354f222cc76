//! Image transforms as `torchvision.transforms` (v1), each an [`nn::Module`](crate::nn::Module)
//! on image tensors `[..., C, H, W]`, so a [`Sequential`](crate::nn::Sequential) is
//! torchvision's `Compose`. The random ones draw from libtorch's default generator with the
//! same calls torchvision makes (`torch.randint` for crop offsets, `torch.rand(1)` for flips),
//! so after the same [`manual_seed`](crate::manual_seed) they make the same choices as
//! torchvision. [`functional`] has the deterministic functions.
//!
//! ```
//! use libtorch::nn::{Module, Sequential};
//! use libtorch::vision::transforms::{Normalize, RandomCrop, RandomHorizontalFlip};
//! use libtorch::Tensor;
//! libtorch::manual_seed(0);
//! // torchvision's CIFAR-10 training pipeline
//! let augment = Sequential::new()
//!     .add(RandomCrop::new(&[32]).padding(&[4]))
//!     .add(RandomHorizontalFlip::new(0.5))
//!     .add(Normalize::new(&[0.4914, 0.4822, 0.4465], &[0.2470, 0.2435, 0.2616]));
//! let img = Tensor::rand(&[3, 32, 32]);
//! assert_eq!(augment.forward(&img).size(), [3, 32, 32]);
//! ```
pub mod functional;

use crate::error::{unwrap, Error, Result};
use crate::nn::{Module, Slot};
use crate::{Device, Kind, Tensor};
use functional::{InterpolationMode, PaddingMode};

macro_rules! no_tensors {
    () => {
        fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
    };
}

/// Per-channel `(x - mean) / std` (`transforms.Normalize(mean, std)`).
#[derive(Clone, Debug)]
pub struct Normalize {
    /// One mean per channel.
    pub mean: Vec<f64>,
    /// One standard deviation per channel.
    pub std: Vec<f64>,
}

impl Normalize {
    /// Normalizes with these per-channel statistics.
    pub fn new(mean: &[f64], std: &[f64]) -> Normalize {
        Normalize {
            mean: mean.to_vec(),
            std: std.to_vec(),
        }
    }

    /// ImageNet's statistics, which torchvision's pretrained models expect:
    /// mean `[0.485, 0.456, 0.406]`, std `[0.229, 0.224, 0.225]`.
    pub fn imagenet() -> Normalize {
        Normalize::new(&[0.485, 0.456, 0.406], &[0.229, 0.224, 0.225])
    }
}

impl Module for Normalize {
    fn f_forward(&self, img: &Tensor) -> Result<Tensor> {
        functional::normalize(img, &self.mean, &self.std)
    }
    no_tensors!();
}

/// Converts `uint8` images to float in `[0, 1]` (`transforms.ConvertImageDtype(torch.float)`,
/// the scaling of `ToTensor`); see [`functional::convert_image_dtype`].
#[derive(Clone, Copy, Debug)]
pub struct ConvertImageDtype(pub Kind);

impl Module for ConvertImageDtype {
    fn f_forward(&self, img: &Tensor) -> Result<Tensor> {
        functional::convert_image_dtype(img, self.0)
    }
    no_tensors!();
}

/// Resizes to `size` (`transforms.Resize(size, interpolation, max_size, antialias)`): `[h,
/// w]`, or `[s]` for the shorter edge; bilinear with antialiasing by default.
#[derive(Clone, Debug)]
pub struct Resize {
    /// `[h, w]` or `[shorter edge]`.
    pub size: Vec<i64>,
    /// Sampling.
    pub interpolation: InterpolationMode,
    /// The longest the longer edge may get (with a one-value `size`).
    pub max_size: Option<i64>,
    /// Antialias when shrinking (bilinear and bicubic).
    pub antialias: bool,
}

impl Resize {
    /// Bilinear, antialiased, no `max_size`.
    pub fn new(size: &[i64]) -> Resize {
        Resize {
            size: size.to_vec(),
            interpolation: InterpolationMode::Bilinear,
            max_size: None,
            antialias: true,
        }
    }
    /// Sets the sampling.
    pub fn interpolation(mut self, mode: InterpolationMode) -> Resize {
        self.interpolation = mode;
        self
    }
    /// Sets `max_size`.
    pub fn max_size(mut self, max_size: i64) -> Resize {
        self.max_size = Some(max_size);
        self
    }
    /// Turns antialiasing on or off.
    pub fn antialias(mut self, on: bool) -> Resize {
        self.antialias = on;
        self
    }
}

impl Module for Resize {
    fn f_forward(&self, img: &Tensor) -> Result<Tensor> {
        functional::resize(
            img,
            &self.size,
            self.interpolation,
            self.max_size,
            self.antialias,
        )
    }
    no_tensors!();
}

/// A random crop (`transforms.RandomCrop(size, padding=None, pad_if_needed=False, fill=0,
/// padding_mode="constant")`): pads first if asked, then cuts a `size` window at offsets drawn
/// with `torch.randint` (rows, then columns), as torchvision.
#[derive(Clone, Debug)]
pub struct RandomCrop {
    /// `(h, w)` of the crop.
    pub size: (i64, i64),
    /// Padding applied first: 1, 2 or 4 values as [`functional::pad`]; empty for none.
    pub padding: Vec<i64>,
    /// Pad the image when it is smaller than the crop.
    pub pad_if_needed: bool,
    /// The constant fill.
    pub fill: f64,
    /// How the border is filled.
    pub padding_mode: PaddingMode,
}

impl RandomCrop {
    /// A crop of `size` (`[s]` for a square, or `[h, w]`), no padding. Panics on another
    /// number of values.
    #[track_caller]
    pub fn new(size: &[i64]) -> RandomCrop {
        let size = match *size {
            [s] => (s, s),
            [h, w] => (h, w),
            _ => unwrap(Err(Error::invalid(
                "RandomCrop",
                "Please provide only two dimensions (h, w) for size.",
            ))),
        };
        RandomCrop {
            size,
            padding: Vec::new(),
            pad_if_needed: false,
            fill: 0.0,
            padding_mode: PaddingMode::Constant,
        }
    }
    /// Pads by `padding` first (1, 2 or 4 values).
    pub fn padding(mut self, padding: &[i64]) -> RandomCrop {
        self.padding = padding.to_vec();
        self
    }
    /// Pads images smaller than the crop.
    pub fn pad_if_needed(mut self, on: bool) -> RandomCrop {
        self.pad_if_needed = on;
        self
    }
    /// The fill of constant padding.
    pub fn fill(mut self, fill: f64) -> RandomCrop {
        self.fill = fill;
        self
    }
    /// The padding mode.
    pub fn padding_mode(mut self, mode: PaddingMode) -> RandomCrop {
        self.padding_mode = mode;
        self
    }

    /// The crop's `(top, left, height, width)` for `img` (`RandomCrop.get_params`), drawing
    /// from the default generator.
    pub fn get_params(img: &Tensor, output_size: (i64, i64)) -> Result<(i64, i64, i64, i64)> {
        let s = img.f_size()?;
        if s.len() < 2 {
            return Err(Error::invalid(
                "RandomCrop",
                "expected an image [..., H, W]",
            ));
        }
        let (h, w) = (s[s.len() - 2], s[s.len() - 1]);
        let (th, tw) = output_size;
        if h < th || w < tw {
            return Err(Error::invalid(
                "RandomCrop",
                format!(
                    "Required crop size ({th}, {tw}) is larger than input image size ({h}, {w})"
                ),
            ));
        }
        if w == tw && h == th {
            return Ok((0, 0, h, w));
        }
        let draw = |n: i64| -> Result<i64> {
            Ok(Tensor::f_randint_opts(0, n + 1, &[1], (Kind::Int64, Device::Cpu))?.int64_value())
        };
        let i = draw(h - th)?;
        let j = draw(w - tw)?;
        Ok((i, j, th, tw))
    }
}

impl Module for RandomCrop {
    fn f_forward(&self, img: &Tensor) -> Result<Tensor> {
        let mut img = img.clone();
        if !self.padding.is_empty() {
            img = functional::pad(&img, &self.padding, self.fill, self.padding_mode)?;
        }
        let s = img.f_size()?;
        if s.len() < 2 {
            return Err(Error::invalid(
                "RandomCrop",
                "expected an image [..., H, W]",
            ));
        }
        let (h, w) = (s[s.len() - 2], s[s.len() - 1]);
        if self.pad_if_needed && w < self.size.1 {
            img = functional::pad(&img, &[self.size.1 - w, 0], self.fill, self.padding_mode)?;
        }
        if self.pad_if_needed && h < self.size.0 {
            img = functional::pad(&img, &[0, self.size.0 - h], self.fill, self.padding_mode)?;
        }
        let (i, j, th, tw) = RandomCrop::get_params(&img, self.size)?;
        functional::crop(&img, i, j, th, tw)
    }
    no_tensors!();
}

/// Flips left to right with probability `p` (`transforms.RandomHorizontalFlip(p=0.5)`),
/// deciding with `torch.rand(1) < p`.
#[derive(Clone, Copy, Debug)]
pub struct RandomHorizontalFlip {
    /// The probability of a flip.
    pub p: f64,
}

impl RandomHorizontalFlip {
    /// Flips with probability `p` (torchvision's default 0.5).
    pub fn new(p: f64) -> RandomHorizontalFlip {
        RandomHorizontalFlip { p }
    }
}

impl Default for RandomHorizontalFlip {
    fn default() -> Self {
        RandomHorizontalFlip::new(0.5)
    }
}

impl Module for RandomHorizontalFlip {
    fn f_forward(&self, img: &Tensor) -> Result<Tensor> {
        // `torch.rand(1) < p` compares in float32.
        let r = Tensor::f_rand(&[1])?.double_value();
        if (r as f32) < (self.p as f32) {
            functional::hflip(img)
        } else {
            Ok(img.clone())
        }
    }
    no_tensors!();
}
