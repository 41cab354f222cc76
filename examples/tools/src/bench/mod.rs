//! The `bench` binary's parts: the binding's cost against the same libtorch calls made from C++,
//! in one process.
//!
//! - [`workloads`]: what is measured, our side through the safe API;
//! - [`ffi`]: the C++ side (`examples/tools/cpp/bench_baseline.cpp`);
//! - [`optim_step`]: a 10M-parameter optimizer step, foreach against the per-parameter loop;
//! - [`timing`]: wall-clock medians over interleaved repetitions;
//! - [`callgrind`]: instructions per iteration under valgrind;
//! - [`report`]: the table.
//!
//! [`aoti`] holds the `aoti-bench` binary's workloads (AOTInductor packages against eager).
pub mod aoti;
pub mod callgrind;
pub mod ffi;
pub mod optim_step;
pub mod report;
pub mod timing;
pub mod workloads;

/// Errors of the harness: libtorch's, the C++ side's messages, I/O.
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Which implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The baseline: C++ (or memcpy).
    Cpp,
    /// Ours: the safe Rust API.
    Ours,
}

impl Side {
    /// The name used on the command line (`--side`).
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Cpp => "cpp",
            Side::Ours => "ours",
        }
    }
}

/// The unit a workload's time per iteration is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds per operator call.
    Ns,
    /// Microseconds per iteration.
    Us,
    /// Milliseconds per iteration.
    Ms,
}

impl Unit {
    /// How many of this unit make a second.
    pub fn per_second(self) -> f64 {
        match self {
            Unit::Ns => 1e9,
            Unit::Us => 1e6,
            Unit::Ms => 1e3,
        }
    }

    /// The label of a time per iteration, e.g. `ns/op`.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Ns => "ns/op",
            Unit::Us => "µs/op",
            Unit::Ms => "ms/op",
        }
    }
}
