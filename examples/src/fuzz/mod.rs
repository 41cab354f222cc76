//! A fuzz driver over the whole generated API: every bound op, called with random arguments
//! (see [`gen`]). The contract it checks: each call returns `Ok` or `Err`; it never panics,
//! aborts, crashes or hangs the process.
//!
//! The `fuzz-ops` binary runs the ops in child processes, so that a crash or a hang inside
//! libtorch is recorded against the op that caused it and the run goes on. The quick variant,
//! `cargo test -p examples --test fuzz_quick`, runs it with 4 calls per op; the long one is the
//! binary itself with more calls and other seeds. The crashes libtorch still has are listed in
//! `spec/fuzz-crashers.txt` and `spec/cuda-fuzz-crashers.txt` ([`crashes`]).

pub mod crashes;
pub mod gen;
#[rustfmt::skip]
mod table;

pub use gen::Gen;
pub use table::{Call, OPS};

use std::panic::{catch_unwind, AssertUnwindSafe};

/// What one fuzz call did.
#[derive(Debug)]
pub enum Outcome {
    /// The op ran.
    Ok,
    /// The op reported an error (the contract allows it).
    Err(libtorch::Error),
    /// The safe layer panicked (a bug: the `f_` forms must return errors instead).
    Panic(String),
}

/// Calls op `index` of [`OPS`] once with arguments drawn from `gen`.
pub fn call(index: usize, gen: &mut Gen) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| (OPS[index].1)(gen))) {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(e)) => Outcome::Err(e),
        Err(payload) => Outcome::Panic(
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-string panic".into()),
        ),
    }
}

/// Per-op counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub ok: u64,
    pub err: u64,
    pub panic: u64,
}

/// How a run draws its tensors: `cuda_share` of them go to the GPU ([`Gen::on_cuda`]) and
/// `form_share` take another form ([`Gen::with_forms`]), one of `forms` (indices into
/// [`gen::FORMS`], all when empty; [`Gen::only_forms`]).
#[derive(Clone, Debug, Default)]
pub struct Draw {
    pub cuda_share: f64,
    pub form_share: f64,
    pub forms: Vec<usize>,
}

/// Runs `calls` fuzz calls of op `index` with a generator seeded from `seed` and the op index,
/// so any op's run can be replayed alone, drawing tensors as `draw` says.
pub fn fuzz_op(index: usize, calls: u64, seed: u64, draw: &Draw) -> (Counts, Vec<String>) {
    let mut gen = Gen::new(seed ^ (index as u64).wrapping_mul(0x1000_0000_01B3))
        .on_cuda(draw.cuda_share)
        .with_forms(draw.form_share)
        .only_forms(&draw.forms);
    let mut counts = Counts::default();
    let mut panics = Vec::new();
    // CUDA kernels run after their op returns: without waiting for them, a long or crashing
    // kernel is charged to a later call (seen on an H100: a hang reported while the next
    // call's arguments were copied to the GPU).
    let on_gpu = draw.cuda_share > 0.0 && libtorch::cuda::is_available();
    for n in 0..calls {
        gen.trace_call(OPS[index].0, n);
        let outcome = call(index, &mut gen);
        let outcome = match (on_gpu, outcome) {
            (true, Outcome::Ok) => match libtorch::cuda::synchronize(0) {
                Ok(()) => Outcome::Ok,
                Err(e) => Outcome::Err(e),
            },
            (_, outcome) => outcome,
        };
        match outcome {
            Outcome::Ok => counts.ok += 1,
            Outcome::Err(_) => counts.err += 1,
            Outcome::Panic(m) => {
                counts.panic += 1;
                panics.push(m);
            }
        }
    }
    (counts, panics)
}
