//! Channel-wise dropout (`Dropout1d`, `Dropout2d`, `Dropout3d`) and `AlphaDropout`; plain
//! `Dropout` is in `norm.rs`. Each is active in training mode only and draws from libtorch's
//! default generator, so [`manual_seed`](crate::manual_seed) reproduces PyTorch's masks.
use super::functional as F;
use super::module::{Module, Slot};
use crate::error::unwrap;
use crate::{Result, Tensor};

macro_rules! channel_dropout {
    ($($(#[$doc:meta])* $name:ident => $spatial:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name {
            /// The probability of zeroing a channel.
            pub p: f64,
            training: bool,
        }
        impl Default for $name {
            fn default() -> Self {
                $name { p: 0.5, training: true }
            }
        }
        impl $name {
            /// Zeroes each channel with probability `p` (PyTorch's default 0.5).
            #[track_caller]
            pub fn new(p: f64) -> Self {
                unwrap(Self::f_new(p))
            }
            /// [`Self::new`], or an error unless `p` is in [0, 1].
            pub fn f_new(p: f64) -> Result<Self> {
                super::check::probability(stringify!($name), p)?;
                Ok($name { p, training: true })
            }
        }
        impl Module for $name {
            fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
                F::named(F::f_feature_dropout(x, self.p, self.training, $spatial), stringify!($name))
            }
            fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
            fn set_training(&mut self, training: bool) {
                self.training = training;
            }
            fn is_training(&self) -> bool {
                self.training
            }
        }
    )*};
}

channel_dropout! {
    /// Zeroes whole channels of `[N, C, L]` (or `[C, L]`) with probability `p` and scales the
    /// rest by `1/(1-p)` (`nn.Dropout1d(p=0.5)`).
    Dropout1d => 1;
    /// Zeroes whole channels of `[N, C, H, W]` (`nn.Dropout2d(p=0.5)`).
    Dropout2d => 2;
    /// Zeroes whole channels of `[N, C, D, H, W]` (or `[C, D, H, W]`) (`nn.Dropout3d(p=0.5)`).
    Dropout3d => 3;
}

/// Dropout that keeps a SELU network's self-normalisation: dropped elements take SELU's
/// negative saturation value and the result is rescaled to keep mean and variance
/// (`nn.AlphaDropout(p=0.5)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlphaDropout {
    /// The probability of dropping an element.
    pub p: f64,
    training: bool,
}

impl Default for AlphaDropout {
    fn default() -> Self {
        AlphaDropout {
            p: 0.5,
            training: true,
        }
    }
}

impl AlphaDropout {
    /// Drops with probability `p`.
    #[track_caller]
    pub fn new(p: f64) -> AlphaDropout {
        unwrap(AlphaDropout::f_new(p))
    }
    /// [`AlphaDropout::new`], or an error unless `p` is in [0, 1].
    pub fn f_new(p: f64) -> Result<AlphaDropout> {
        super::check::probability("AlphaDropout", p)?;
        Ok(AlphaDropout { p, training: true })
    }
}

impl Module for AlphaDropout {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_alpha_dropout_with(x, self.p, self.training),
            "AlphaDropout",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn is_training(&self) -> bool {
        self.training
    }
}
