//! Optimizers (`torch.optim`), learning-rate schedulers and gradient clipping.
//!
//! Every optimizer follows the algorithm in PyTorch's documentation step for step, holds
//! handles to the parameters (the module's own tensors) in parameter groups, and updates them
//! in place with autograd off.
mod adagrad;
mod adam;
mod clip;
mod optimizer;
mod param_group;
mod rmsprop;
pub mod scheduler;
mod sgd;

pub use adagrad::{Adagrad, AdagradOptions};
pub use adam::{Adam, AdamOptions, AdamW, AdamWOptions};
pub use clip::{clip_grad_norm_, clip_grad_value_};
pub use optimizer::{Algorithm, GenericOptimizer, Optimizer, ParamGroup, ParamState};
pub use rmsprop::{RmsProp, RmsPropOptions};
pub use scheduler::{CosineAnnealingLr, LinearWarmup, LrScheduler, OneCycleLr, StepLr};
pub use sgd::{Sgd, SgdOptions};
