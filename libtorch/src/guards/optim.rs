//! Checks for the fused optimizer kernels (`_fused_sgd`, `_fused_adam(w)`, `_fused_adagrad`),
//! which walk their parameter, gradient and state lists in lockstep through raw pointers.
//!
//! Besides each function's story, two checks of every fused entry are shared ones (SIGSEGV, CUDA
//! fuzz): the kernel is chosen by the first list's device and reads every list through pointers of
//! that device, so a tensor on another device crashes (seeds 1-5, all 24 overloads:
//! `args::same_device`); and the CUDA kernel, chosen by a CUDA tensor among the other arguments,
//! reads the device of `params[0]`, so an empty parameter list is refused even where it would be a
//! no-op (the CPU; a second pass in which every crash had an empty `self`: `args::nonempty`). The
//! CUDA fuzz on an H100 (session 12, seeds 1-44 with and without other forms: all 24 overloads, 80
//! crashes, none with an empty `self`) found the list lengths of `fused_amsgrad_states` and the
//! devices of `fused_scale_devices`.
use super::args::same_len;
use super::{fail, given, non_overlapping_and_dense, sizes};
use crate::{Result, Tensor};
use std::borrow::Borrow;

/// A tensor list's name and tensors, for [`per_index_layout`].
pub(crate) fn tensors<'a, 'l, T: Borrow<Tensor>>(
    (name, list): (&'a str, &'l [T]),
) -> (&'a str, Vec<&'l Tensor>) {
    (name, list.iter().map(Borrow::borrow).collect())
}

/// For each index `i` of the `lead` list, the `i`-th tensor of every list in `lists` that is as
/// long as `lead` (libtorch rejects the others itself) is defined with `lead[i]`'s sizes; with
/// `strides`, also with `lead[i]`'s strides, all of them non-overlapping and dense.
///
/// The CPU kernels of `_fused_sgd_`, `_fused_adam(w)_` and `_fused_adagrad_` take each
/// tensor's data pointer and walk `lead[i].numel()` elements of every list from it: a shorter
/// gradient or state buffer is read and written past its end (seed 1042 at 400 calls per op: a
/// 0-D gradient and a 1-element momentum buffer for a [3, 5] parameter, "invalid fastbin entry"),
/// and an expanded or differently strided one is walked in the wrong order. The CUDA kernels
/// demand the same sizes and strides (`check_fast_path_restrictions`). The functional and `.out`
/// forms clone every list first, into dense tensors, so for them the sizes are enough.
pub(crate) fn per_index_layout<const N: usize>(
    op: &'static str,
    (lead_name, lead): (&str, Vec<&Tensor>),
    lists: [(&str, Vec<&Tensor>); N],
    strides: bool,
) -> Result<()> {
    for (i, p) in lead.iter().enumerate() {
        let p_name = format!("{lead_name}[{i}]");
        let p_sizes = sizes(op, &p_name, p)?;
        let p_strides = p.f_stride()?;
        let walked = strides && !p_sizes.contains(&0);
        if walked && !non_overlapping_and_dense(&p_sizes, &p_strides) {
            return Err(fail(
                op,
                format!("{p_name} must be non-overlapping and dense (strides {p_strides:?} for sizes {p_sizes:?})"),
            ));
        }
        for (name, list) in lists.iter().filter(|(_, l)| l.len() == lead.len()) {
            let t_name = format!("{name}[{i}]");
            let t_sizes = sizes(op, &t_name, list[i])?;
            if t_sizes != p_sizes {
                return Err(fail(
                    op,
                    format!(
                        "{t_name} must have the sizes of {p_name} ({p_sizes:?}), got {t_sizes:?}"
                    ),
                ));
            }
            let t_strides = list[i].f_stride()?;
            if walked && t_strides != p_strides {
                return Err(fail(
                    op,
                    format!("{t_name} must have the strides of {p_name} ({p_strides:?}), got {t_strides:?}"),
                ));
            }
        }
    }
    Ok(())
}

/// With `amsgrad`, `max_exp_avg_sqs` has one tensor per parameter.
///
/// The CUDA kernels of `_fused_adam(w)` check the lists' sizes and strides pairwise without
/// comparing their lengths first (`_check_tensors_share_sizes_and_strides` indexes every list
/// by the parameters' positions), so a shorter list is read past its end (SIGSEGV, CUDA fuzz
/// with half of the tensors on the GPU). The CPU kernels reject the same calls themselves.
/// Without `amsgrad` the list is not read.
pub(crate) fn fused_amsgrad_states<P: Borrow<Tensor>, M: Borrow<Tensor>>(
    op: &'static str,
    params: &[P],
    max_exp_avg_sqs: &[M],
    amsgrad: bool,
) -> Result<()> {
    if amsgrad {
        same_len(
            op,
            [
                ("self", params.len()),
                ("max_exp_avg_sqs", max_exp_avg_sqs.len()),
            ],
        )?;
    }
    Ok(())
}

/// `momentum_buffer_list` is empty (no momentum) or has one tensor per parameter: the CUDA
/// kernel of `_fused_sgd` reads a nonempty list at every parameter's position (see
/// [`fused_amsgrad_states`]).
pub(crate) fn fused_momentum_buffers<P: Borrow<Tensor>, M: Borrow<Tensor>>(
    op: &'static str,
    params: &[P],
    momentum_buffer_list: &[M],
) -> Result<()> {
    if momentum_buffer_list.is_empty() {
        return Ok(());
    }
    same_len(
        op,
        [
            ("self", params.len()),
            ("momentum_buffer_list", momentum_buffer_list.len()),
        ],
    )
}

/// `grad_scale` and `found_inf`, when given, are on the parameters' device.
///
/// The fused kernels are picked by the device of every tensor argument, and then take these two
/// as raw pointers of their own device: a CUDA `grad_scale` beside CPU parameters sends the
/// host's pointers to the GPU kernel, and a CPU one beside CUDA parameters is read by the GPU
/// (only the `tensor_lr` overloads check this themselves).
pub(crate) fn fused_scale_devices<P: Borrow<Tensor>>(
    op: &'static str,
    params: &[P],
    (grad_scale, found_inf): (Option<&Tensor>, Option<&Tensor>),
) -> Result<()> {
    let Some(first) = params.first().map(Borrow::borrow).filter(|p| p.defined()) else {
        return Ok(());
    };
    let device = first.device();
    for (name, t) in [("grad_scale", grad_scale), ("found_inf", found_inf)] {
        if let Some(t) = given(t).filter(|t| t.device() != device) {
            return Err(fail(
                op,
                format!(
                    "{name} is on {:?} but the parameters (self[0]) are on {device:?}: it must be on their device",
                    t.device()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::non_overlapping_and_dense as dense;

    #[test]
    fn dense_layouts() {
        assert!(dense(&[2, 3], &[3, 1]));
        assert!(dense(&[2, 3], &[1, 2])); // transposed
        assert!(dense(&[2, 1, 3], &[3, 100, 1])); // a size-1 dimension's stride is free
        assert!(dense(&[], &[]));
        assert!(!dense(&[2, 3], &[0, 1])); // expanded
        assert!(!dense(&[2, 3], &[6, 1])); // gaps
        assert!(!dense(&[2, 2], &[1, 1])); // overlapping
    }
}
