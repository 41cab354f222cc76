//! Training utilities from `torch.utils`: [`checkpoint`] (gradient checkpointing).
pub mod checkpoint;
