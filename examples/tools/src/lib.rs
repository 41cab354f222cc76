//! Maintainers' tools for libtorch-rs, apart from the examples users run first; run one with
//! `cargo run --release --bin NAME`.
//!
//! - `fuzz-ops`: every generated op called with random arguments, crashes isolated per op
//!   ([`fuzz`]).
//! - `fuzz-loaders`: the file loaders fed mutated real files, crashes isolated per input
//!   ([`fuzz_loaders`]).
//! - `leak-check`: a million ops in a loop, resident memory printed at start and end.
//! - `bench`: the binding's cost against the same libtorch calls made from C++ (see [`bench`]).
//! - `aoti-bench`: AOTInductor packages against the eager forward of the same weights.
//! - `dist-bench`: collectives against Python's `torch.distributed`.
//! - `interop-write-arrays`, `interop-write-optim`: files the fixture checks read back in Python.
//!
//! `scripts/` holds the valgrind runs (`memcheck.sh`, `fuzz-memcheck.sh`, `misuse-memcheck.sh`,
//! `fuzz-loaders-memcheck.sh`, with `valgrind/libtorch.supp`), the build-time and downstream
//! checks and the bundle check CI runs.

pub mod bench;
pub mod fuzz;
pub mod fuzz_loaders;
pub mod ranks;
