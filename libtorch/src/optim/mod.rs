//! Optimizers (`torch.optim`), learning-rate schedulers and gradient clipping.
//!
//! Every optimizer follows the algorithm in PyTorch's documentation step for step, holds
//! handles to the parameters (the module's own tensors) in parameter groups, and updates them
//! in place with autograd off.
mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod clip;
mod lbfgs;
mod nadam;
mod optimizer;
mod param_group;
mod radam;
mod rmsprop;
pub mod scheduler;
mod sgd;

pub use adadelta::{Adadelta, AdadeltaOptions};
pub use adagrad::{Adagrad, AdagradOptions};
pub use adam::{Adam, AdamOptions, AdamW, AdamWOptions};
pub use adamax::{Adamax, AdamaxOptions};
pub use clip::{clip_grad_norm_, clip_grad_value_};
pub use lbfgs::{Lbfgs, LbfgsOptions, LineSearch};
pub use nadam::{NAdam, NAdamOptions};
pub use optimizer::{Algorithm, GenericOptimizer, Optimizer, ParamGroup, ParamState};
pub use radam::{RAdam, RAdamOptions};
pub use rmsprop::{RmsProp, RmsPropOptions};
pub use scheduler::{
    ChainedScheduler, ConstantLr, CosineAnnealingLr, CosineAnnealingWarmRestarts, CyclicLr,
    CyclicLrOptions, ExponentialLr, LambdaLr, LinearLr, LinearWarmup, LrLambda, LrScheduler,
    MultiStepLr, MultiplicativeLr, OneCycleLr, OneCycleLrOptions, PolynomialLr, ReduceLrOnPlateau,
    ReduceLrOnPlateauOptions, SequentialLr, StepLr,
};
pub use sgd::{Sgd, SgdOptions};
