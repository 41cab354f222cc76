//! The collectives as free functions on the default group, as `torch.distributed` has them.
use super::{default_group, ReduceOp, Work};
use crate::error::Result;
use crate::Tensor;

/// Free functions on the default group, each the method of the same name on [`ProcessGroup`].
macro_rules! on_default_group {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) -> Result<$ret> {
            default_group()?.$name($($arg),*)
        }
    )*};
}

on_default_group! {
    /// `all_reduce(tensor, op)`; see [`ProcessGroup::all_reduce`](super::ProcessGroup::all_reduce).
    fn all_reduce(tensor: &mut Tensor, op: ReduceOp) -> ();
    /// `all_reduce(tensor, op, async_op=True)`.
    fn all_reduce_async(tensor: &mut Tensor, op: ReduceOp) -> Work;
    /// `broadcast(tensor, src)`; see [`ProcessGroup::broadcast`](super::ProcessGroup::broadcast).
    fn broadcast(tensor: &mut Tensor, src: usize) -> ();
    /// `broadcast(tensor, src, async_op=True)`.
    fn broadcast_async(tensor: &mut Tensor, src: usize) -> Work;
    /// `reduce(tensor, dst, op)`; see [`ProcessGroup::reduce`](super::ProcessGroup::reduce).
    fn reduce(tensor: &mut Tensor, dst: usize, op: ReduceOp) -> ();
    /// `reduce(tensor, dst, op, async_op=True)`.
    fn reduce_async(tensor: &mut Tensor, dst: usize, op: ReduceOp) -> Work;
    /// `all_gather(tensor_list, tensor)`; see [`ProcessGroup::all_gather`](super::ProcessGroup::all_gather).
    fn all_gather(tensor_list: &mut [Tensor], tensor: &Tensor) -> ();
    /// `all_gather(tensor_list, tensor, async_op=True)`.
    fn all_gather_async(tensor_list: &mut [Tensor], tensor: &Tensor) -> Work;
    /// `all_gather_into_tensor(output_tensor, input_tensor)`.
    fn all_gather_into_tensor(output_tensor: &mut Tensor, input_tensor: &Tensor) -> ();
    /// `all_gather_into_tensor(output_tensor, input_tensor, async_op=True)`.
    fn all_gather_into_tensor_async(output_tensor: &mut Tensor, input_tensor: &Tensor) -> Work;
    /// `gather(tensor, gather_list, dst)`; see [`ProcessGroup::gather`](super::ProcessGroup::gather).
    fn gather(tensor: &Tensor, gather_list: Option<&mut [Tensor]>, dst: usize) -> ();
    /// `gather(tensor, gather_list, dst, async_op=True)`.
    fn gather_async(tensor: &Tensor, gather_list: Option<&mut [Tensor]>, dst: usize) -> Work;
    /// `scatter(tensor, scatter_list, src)`; see [`ProcessGroup::scatter`](super::ProcessGroup::scatter).
    fn scatter(tensor: &mut Tensor, scatter_list: Option<&[Tensor]>, src: usize) -> ();
    /// `scatter(tensor, scatter_list, src, async_op=True)`.
    fn scatter_async(tensor: &mut Tensor, scatter_list: Option<&[Tensor]>, src: usize) -> Work;
    /// `reduce_scatter(output, input_list, op)`; see [`ProcessGroup::reduce_scatter`](super::ProcessGroup::reduce_scatter).
    fn reduce_scatter(output: &mut Tensor, input_list: &[Tensor], op: ReduceOp) -> ();
    /// `reduce_scatter(output, input_list, op, async_op=True)`.
    fn reduce_scatter_async(output: &mut Tensor, input_list: &[Tensor], op: ReduceOp) -> Work;
    /// `reduce_scatter_tensor(output, input, op)`.
    fn reduce_scatter_tensor(output: &mut Tensor, input: &Tensor, op: ReduceOp) -> ();
    /// `reduce_scatter_tensor(output, input, op, async_op=True)`.
    fn reduce_scatter_tensor_async(output: &mut Tensor, input: &Tensor, op: ReduceOp) -> Work;
    /// `all_to_all_single(output, input, output_split_sizes, input_split_sizes)`.
    fn all_to_all_single(
        output: &mut Tensor,
        input: &Tensor,
        output_split_sizes: Option<&[i64]>,
        input_split_sizes: Option<&[i64]>
    ) -> ();
    /// `all_to_all_single(..., async_op=True)`.
    fn all_to_all_single_async(
        output: &mut Tensor,
        input: &Tensor,
        output_split_sizes: Option<&[i64]>,
        input_split_sizes: Option<&[i64]>
    ) -> Work;
    /// `barrier()`.
    fn barrier() -> ();
    /// `barrier(async_op=True)`.
    fn barrier_async() -> Work;
    /// `send(tensor, dst, tag)`.
    fn send(tensor: &Tensor, dst: usize, tag: u32) -> ();
    /// `isend(tensor, dst, tag)`.
    fn isend(tensor: &Tensor, dst: usize, tag: u32) -> Work;
    /// `recv(tensor, src, tag)`: returns the sender's rank.
    fn recv(tensor: &mut Tensor, src: usize, tag: u32) -> usize;
    /// `irecv(tensor, src, tag)`.
    fn irecv(tensor: &mut Tensor, src: usize, tag: u32) -> Work;
}
