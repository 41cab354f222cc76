//! Example programs for the `libtorch` crate; run one with `cargo run --release --bin NAME`.
//!
//! - `xor-mlp`: a 2-2-1 tanh MLP learning XOR with plain gradient descent.
//! - `regression`: linear regression recovering known weights from noisy data.
//! - `fashion-mnist`: an MLP or a CNN classifying Fashion-MNIST, with a data loader, progress
//!   bars, a confusion matrix, a PNG of the curves and saved weights ([`fashion`]).
//! - `torchscript-fashion`: a TorchScript Fashion-MNIST classifier trained in Python, evaluated
//!   here with the same predictions as in Python.
//! - `text-lm`: a BPE tokenizer and an LSTM language model trained on Debian's licence texts,
//!   saved together and reloaded for inference ([`text`]).
//!
//! The maintainers' tools (fuzzers, benchmarks, leak check, valgrind scripts) are the `tools`
//! crate in `examples/tools/`.

pub mod fashion;
pub mod text;

use libtorch::Device;
use std::process::ExitCode;

/// A `--device` value: a `torch.device` string (`cpu`, `cuda`, `cuda:N`) or `auto` (`cuda:0`
/// when a CUDA device is usable, else the CPU). A CUDA device this machine lacks is an error
/// here rather than at the first tensor.
pub fn parse_device(s: &str) -> Result<Device, String> {
    let device = if s == "auto" {
        Device::cuda_if_available()
    } else {
        s.parse::<Device>()
            .map_err(|e| format!("--device: {e}, or auto"))?
    };
    if let Device::Cuda(i) = device {
        let n = libtorch::cuda::device_count();
        if i >= n {
            return Err(format!(
                "--device {s}: this machine has {n} usable CUDA device(s){}",
                if libtorch::cuda::built_with_cuda() {
                    ""
                } else {
                    " (this program was built without the `cuda` feature)"
                }
            ));
        }
    }
    Ok(device)
}

/// The exit code of an example that checks its own result: success only for `Ok(true)`; an
/// error is printed first.
pub fn exit_code<E: std::fmt::Display>(result: Result<bool, E>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
