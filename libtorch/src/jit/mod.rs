//! TorchScript modules (`torch.jit.load`) and AOTInductor packages. Being written.
