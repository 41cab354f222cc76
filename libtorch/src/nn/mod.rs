//! Neural-network building blocks, as `torch.nn`: the [`Module`] trait, layers with PyTorch's
//! default initialisation, activations, losses ([`functional`]) and [`init`].
//!
//! Modules own their parameters as [`Tensor`](crate::Tensor) handles marked `requires_grad`;
//! [`Module::parameters`] hands out handles to the same tensors, so an optimizer updating them
//! updates the module. Names follow PyTorch (`0.weight`, `fc1.bias`, `weight_ih_l0`), so a
//! [`Module::state_dict`] saved with [`crate::serialize`] loads into the same PyTorch model.
//!
//! ```
//! use libtorch::nn::{functional as F, Linear, Module, Sequential, Tanh};
//! use libtorch::optim::{Optimizer, Sgd};
//! use libtorch::Tensor;
//! libtorch::manual_seed(0);
//! let net = Sequential::new().add(Linear::new(1, 8)).add(Tanh).add(Linear::new(8, 1));
//! let mut opt = Sgd::new(net.parameters(), 0.1);
//! let x = Tensor::from_data(&[0.0f32, 0.5, 1.0], &[3, 1]).unwrap();
//! let y = Tensor::from_data(&[0.0f32, 0.25, 1.0], &[3, 1]).unwrap();
//! let first = F::mse_loss(&net.forward(&x), &y).double_value();
//! for _ in 0..1000 {
//!     opt.zero_grad();
//!     F::mse_loss(&net.forward(&x), &y).backward();
//!     opt.step().unwrap();
//! }
//! let last = F::mse_loss(&net.forward(&x), &y).double_value();
//! assert!(last < first / 10.0, "{first} -> {last}");
//! ```
mod activation;
mod activation_args;
mod attention;
mod backward_hook;
mod cell;
mod check;
mod container;
mod conv;
mod dims;
pub mod dispatch;
mod dropout;
mod embedding_bag;
mod field;
pub mod functional;
mod hooked;
pub mod init;
mod instance_norm;
mod interpolate;
mod linear;
mod mha_sdpa;
mod module;
mod norm;
pub(crate) mod ops;
mod pool;
mod pool3d;
mod rnn;
mod rnn_step;
mod sequential;
mod shape;
mod state_dict;
mod transformer;

pub use activation::{
    Flatten, Func, Hardsigmoid, Hardswish, Identity, LeakyReLU, LogSigmoid, LogSoftmax, Mish, ReLU,
    ReLU6, SiLU, Sigmoid, Softmax, Softsign, Tanh, Tanhshrink, GELU, SELU,
};
pub use activation_args::{
    Hardshrink, Hardtanh, PReLU, Softmin, Softplus, Softshrink, Threshold, CELU, ELU, GLU,
};
pub use attention::MultiheadAttention;
pub use cell::{GRUCell, LSTMCell, RNNCell};
pub use container::{ModuleDict, ModuleList};
pub use conv::{
    Conv1d, Conv2d, Conv3d, ConvConfig, ConvNd, ConvTranspose1d, ConvTranspose2d, ConvTransposeNd,
    PaddingMode,
};
pub use dims::IntoDims;
pub use dropout::{AlphaDropout, Dropout1d, Dropout2d, Dropout3d};
pub use embedding_bag::{EmbeddingBag, EmbeddingBagMode};
#[doc(hidden)]
pub use field::no_forward;
pub use field::{BufferField, ModuleField};
pub use functional::Reduction;
pub use hooked::{HookId, Hooked};
pub use instance_norm::{InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, InstanceNormNd};
pub use interpolate::{InterpolateMode, Upsample};
/// `#[derive(Module)]`: see the [`Module`](trait@Module) trait.
pub use libtorch_derive::Module;
pub use linear::{Bilinear, Linear};
pub use module::{
    consume_prefix_in_state_dict_if_present, visit_child, IncompatibleKeys, Module, Slot,
};
pub use norm::{BatchNorm, BatchNorm1d, BatchNorm2d, Dropout, Embedding, GroupNorm, LayerNorm};
pub use pool::{AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d};
pub use pool3d::{
    AdaptiveAvgPool1d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
    AdaptiveMaxPoolNd, AvgPool3d, MaxPool3d,
};
pub use rnn::{Rnn, RnnConfig, RnnMode};
pub use sequential::Sequential;
pub use shape::{Fold, PixelShuffle, PixelUnshuffle, Unflatten, Unfold};
pub use state_dict::StateDict;
pub use transformer::{
    generate_square_subsequent_mask, DecoderMasks, Transformer, TransformerActivation,
    TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
    TransformerMasks, TransformerOptions,
};
