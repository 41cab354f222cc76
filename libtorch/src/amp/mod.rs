//! Mixed precision, as `torch.amp`: [`autocast`] / [`AutocastGuard`] run eligible operations
//! (matmul, linear, convolutions, ...) in a lower precision inside a scope, by libtorch's own
//! autocast dispatch (the same per-operation policy as PyTorch: bfloat16 or float16 on the CPU,
//! float16 or bfloat16 on CUDA), and [`GradScaler`] scales the loss so that float16
//! gradients do not underflow, skipping the steps whose gradients overflowed.
//!
//! ```
//! use libtorch::amp::autocast;
//! use libtorch::{Device, Kind, Tensor};
//! let a = Tensor::from_data(&[1.0f32; 4], &[2, 2]).unwrap();
//! let y = autocast(Device::Cpu, Some(Kind::BFloat16), || a.matmul(&a)).unwrap();
//! assert_eq!(y.kind(), Kind::BFloat16);
//! assert_eq!(a.matmul(&a).kind(), Kind::Float); // outside the scope: float32 again
//! ```
mod autocast;
mod grad_scaler;

pub use autocast::{
    autocast, get_autocast_dtype, is_autocast_enabled, AutocastGuard, AutocastOptions,
};
pub use grad_scaler::{GradScaler, GradScalerOptions, ScaledOptimizer};
