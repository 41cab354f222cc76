//! c10d's built-in DDP communication hooks (`BuiltinCommHookType`, registered with
//! `ddp._register_builtin_comm_hook`), run by the Reducer in C++.
use super::ddp::DistributedDataParallel;
use crate::error::check;
use crate::nn::Module;
use crate::Result;
use libtorch_sys::dist as raw;

/// How DDP communicates a gradient bucket (`torch.distributed.BuiltinCommHookType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinCommHookType {
    /// `ALLREDUCE`: sum the bucket over the ranks, then divide by the world size
    /// (`default_hooks.allreduce_hook`).
    Allreduce,
    /// `FP16_COMPRESS`: cast the bucket to float16, divide by the world size, sum it over the
    /// ranks in float16 and cast the result back (`default_hooks.fp16_compress_hook`): half the
    /// bytes on the wire, gradients rounded to float16.
    Fp16Compress,
}

impl BuiltinCommHookType {
    fn code(self) -> i32 {
        // c10d::BuiltinCommHookType's values.
        match self {
            BuiltinCommHookType::Allreduce => 1,
            BuiltinCommHookType::Fp16Compress => 2,
        }
    }
}

impl<M: Module> DistributedDataParallel<M> {
    /// Replaces DDP's gradient all-reduce by one of c10d's built-in hooks
    /// (`ddp._register_builtin_comm_hook(dist.BuiltinCommHookType.FP16_COMPRESS)`). Register it
    /// before the first backward; a second registration is an error, as in PyTorch.
    ///
    /// ```no_run
    /// # use libtorch::distributed::{BuiltinCommHookType, DdpOptions, DistributedDataParallel};
    /// # use libtorch::nn::Linear;
    /// # fn main() -> libtorch::Result<()> {
    /// let mut ddp = DistributedDataParallel::new(Linear::new(4, 2), DdpOptions::default())?;
    /// ddp.register_builtin_comm_hook(BuiltinCommHookType::Fp16Compress)?;
    /// # Ok(()) }
    /// ```
    pub fn register_builtin_comm_hook(&mut self, hook: BuiltinCommHookType) -> Result<()> {
        // SAFETY: the reducer handle is alive as long as `self`; plain value argument.
        unsafe {
            check(
                raw::ltrs_reducer_register_builtin_comm_hook(self.reducer.0, hook.code()),
                "register_builtin_comm_hook",
            )
        }
    }
}
