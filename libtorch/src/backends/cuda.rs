//! `torch.backends.cuda`: switches for CUDA's matrix products.

/// `torch.backends.cuda.matmul`: how cuBLAS computes float32, float16 and bfloat16 products.
pub mod matmul {
    use super::super::{get, set};
    use libtorch_sys::cuda_ctl::flag;

    /// Whether float32 matrix products on CUDA may use TensorFloat-32 on Ampere and later
    /// (`torch.backends.cuda.matmul.allow_tf32`; default false).
    #[track_caller]
    pub fn allow_tf32() -> bool {
        get(flag::MATMUL_ALLOW_TF32, "cuda::matmul::allow_tf32")
    }

    /// Lets float32 matrix products on CUDA use TensorFloat-32 (about 10 mantissa bits, much
    /// faster), or not (`torch.backends.cuda.matmul.allow_tf32 = on`). The same switch as
    /// [`crate::set_float32_matmul_precision`]`("high")` / `("highest")`.
    ///
    /// ```
    /// use libtorch::backends::cuda::matmul;
    /// let before = matmul::allow_tf32();
    /// matmul::set_allow_tf32(true);
    /// assert!(matmul::allow_tf32());
    /// matmul::set_allow_tf32(before);
    /// ```
    #[track_caller]
    pub fn set_allow_tf32(on: bool) {
        set(flag::MATMUL_ALLOW_TF32, on, "cuda::matmul::set_allow_tf32")
    }

    /// Whether float16 products may reduce in float16
    /// (`torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction`; default true).
    #[track_caller]
    pub fn allow_fp16_reduced_precision_reduction() -> bool {
        get(
            flag::MATMUL_ALLOW_FP16_REDUCED,
            "cuda::matmul::allow_fp16_reduced_precision_reduction",
        )
    }

    /// Lets float16 products reduce in float16, or not
    /// (`torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = on`).
    #[track_caller]
    pub fn set_allow_fp16_reduced_precision_reduction(on: bool) {
        set(
            flag::MATMUL_ALLOW_FP16_REDUCED,
            on,
            "cuda::matmul::set_allow_fp16_reduced_precision_reduction",
        )
    }

    /// Whether bfloat16 products may reduce in bfloat16
    /// (`torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction`; default true).
    #[track_caller]
    pub fn allow_bf16_reduced_precision_reduction() -> bool {
        get(
            flag::MATMUL_ALLOW_BF16_REDUCED,
            "cuda::matmul::allow_bf16_reduced_precision_reduction",
        )
    }

    /// Lets bfloat16 products reduce in bfloat16, or not
    /// (`torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = on`).
    #[track_caller]
    pub fn set_allow_bf16_reduced_precision_reduction(on: bool) {
        set(
            flag::MATMUL_ALLOW_BF16_REDUCED,
            on,
            "cuda::matmul::set_allow_bf16_reduced_precision_reduction",
        )
    }
}
