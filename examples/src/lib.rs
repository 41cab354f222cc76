//! Example programs for the `libtorch` crate; run one with `cargo run --release --bin NAME`.
//!
//! - `xor-mlp`: a 2-2-1 tanh MLP learning XOR with plain gradient descent.
//! - `regression`: linear regression recovering known weights from noisy data.
//! - `fashion-mnist`: an MLP or a CNN classifying Fashion-MNIST, with a data loader, progress
//!   bars, a confusion matrix, a PNG of the curves and saved weights ([`fashion`]).
pub mod fashion;
