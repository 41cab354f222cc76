//! Checks for the fused optimizer kernels (`_fused_sgd`, `_fused_adam(w)`, `_fused_adagrad`),
//! which walk their parameter, gradient and state lists in lockstep through raw pointers.
use super::*;
use crate::tensor::contiguous_in_order;

/// The tensors of a list, to name them in [`per_index_layout`].
pub(crate) fn tensors<T: Borrow<Tensor>>(list: &[T]) -> Vec<&Tensor> {
    list.iter().map(Borrow::borrow).collect()
}

/// Whether the elements fill one gap-free block with no element in two places (c10's
/// `is_non_overlapping_and_dense`): contiguous in some order of the dimensions, the one that
/// sorts their strides.
fn dense(sizes: &[i64], strides: &[i64]) -> bool {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&d| strides[d]);
    contiguous_in_order(sizes, strides, &order)
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
pub(crate) fn per_index_layout(
    op: &'static str,
    (lead_name, lead): (&str, Vec<&Tensor>),
    lists: &[(&str, Vec<&Tensor>)],
    strides: bool,
) -> Result<()> {
    for (i, p) in lead.iter().enumerate() {
        let p_name = format!("{lead_name}[{i}]");
        let p_sizes = sizes(op, &p_name, p)?;
        let p_strides = p.f_stride()?;
        let walked = strides && !p_sizes.contains(&0);
        if walked && !dense(&p_sizes, &p_strides) {
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

#[cfg(test)]
mod tests {
    use super::dense;

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
