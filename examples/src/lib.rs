//! Example programs for the `libtorch` crate; run one with `cargo run --release --bin NAME`.
//!
//! - `xor-mlp`: a 2-2-1 tanh MLP learning XOR with plain gradient descent.
//! - `regression`: linear regression recovering known weights from noisy data.
//! - `bench`: the binding's cost against the same libtorch calls made from C++ (see [`bench`]).

pub mod bench;
