//! Checks for the CTC loss, whose forward reads `log_probs` at each target value unchecked and
//! whose backward trusts its arguments to be the forward's outputs.
use super::args::list_len;
use super::{fail, int_values, must_be_defined, sizes};
use crate::{Result, Tensor};

/// `_ctc_loss_backward` trusts its arguments to be what `_ctc_loss` returned ("we don't do much
/// checking"): it indexes with the lengths, `blank` and the target values unchecked. With
/// `log_probs` of shape `[T, N, C]`: one input and target length per batch entry, input lengths
/// in `0..=T`, `blank` and every target read in `0..C`, targets (1-D concatenated or 2-D padded)
/// that hold the target lengths, `log_alpha` covering `[N, max input length, 2 * max target
/// length + 1]`, and `grad` and `neg_log_likelihood` with an element per batch entry.
///
/// Anything else is a SIGSEGV or a heap write.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ctc_loss_backward(
    op: &'static str,
    grad: &Tensor,
    log_probs: &Tensor,
    targets: &Tensor,
    input_lengths: &[i64],
    target_lengths: &[i64],
    neg_log_likelihood: &Tensor,
    log_alpha: &Tensor,
    blank: i64,
) -> Result<()> {
    let lp = sizes(op, "log_probs", log_probs)?;
    let [t, n, c] = lp[..] else {
        return Err(fail(
            op,
            format!("log_probs must have 3 dimensions [T, N, C], got {lp:?}"),
        ));
    };
    let n_us = n.max(0) as usize;
    list_len(op, ("input_lengths", input_lengths), n_us)?;
    list_len(op, ("target_lengths", target_lengths), n_us)?;
    if !(0..c).contains(&blank) {
        return Err(fail(
            op,
            format!("blank must be in 0..{c} (log_probs' classes), got {blank}"),
        ));
    }
    if let Some(&l) = input_lengths.iter().find(|&&l| !(0..=t).contains(&l)) {
        return Err(fail(
            op,
            format!("input_lengths must be in 0..={t}, got {l}"),
        ));
    }
    if let Some(&l) = target_lengths.iter().find(|&&l| l < 0) {
        return Err(fail(
            op,
            format!("target_lengths must not be negative, got {l}"),
        ));
    }
    let max_in = input_lengths.iter().copied().max().unwrap_or(0);
    let max_tg = target_lengths.iter().copied().max().unwrap_or(0);
    let total: i64 = target_lengths.iter().sum();
    let ts = sizes(op, "targets", targets)?;
    match ts[..] {
        [len] if len >= total => {}
        [rows, cols] if rows >= n && cols >= max_tg => {}
        _ => {
            return Err(fail(
                op,
                format!(
                    "targets must be 1-D with at least {total} elements (the sum of \
                     target_lengths) or 2-D with at least [{n}, {max_tg}], got {ts:?}"
                ),
            ))
        }
    }
    targets_in_classes(op, targets, &ts, target_lengths, c)?;
    let la = sizes(op, "log_alpha", log_alpha)?;
    let need = [n, max_in, 2 * max_tg + 1];
    if la.len() != 3 || la.iter().zip(need).any(|(&have, want)| have < want) {
        return Err(fail(
            op,
            format!("log_alpha must be 3-D and at least {need:?}, got {la:?}"),
        ));
    }
    for (name, x) in [("grad", grad), ("neg_log_likelihood", neg_log_likelihood)] {
        must_be_defined(op, name, x)?;
        if (x.numel() as i64) < n {
            return Err(fail(
                op,
                format!(
                    "{name} must have an element per batch entry ({n}), got {}",
                    x.numel()
                ),
            ));
        }
    }
    Ok(())
}

/// [`ctc_loss_backward`] with the lengths given as integer tensors (`_ctc_loss_backward.Tensor`
/// flattens them into the lists the kernel reads). Lengths of another dtype are left to
/// libtorch, which rejects them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ctc_loss_backward_tensor_lengths(
    op: &'static str,
    grad: &Tensor,
    log_probs: &Tensor,
    targets: &Tensor,
    input_lengths: &Tensor,
    target_lengths: &Tensor,
    neg_log_likelihood: &Tensor,
    log_alpha: &Tensor,
    blank: i64,
) -> Result<()> {
    let (Some(il), Some(tl)) = (
        int_values(op, "input_lengths", input_lengths)?,
        int_values(op, "target_lengths", target_lengths)?,
    ) else {
        return Ok(());
    };
    ctc_loss_backward(
        op,
        grad,
        log_probs,
        targets,
        &il,
        &tl,
        neg_log_likelihood,
        log_alpha,
        blank,
    )
}

/// Every target the kernels read (the first `target_lengths[b]` of row `b` of 2-D padded
/// targets, or the concatenated runs of 1-D ones) is in `0..classes`. Targets too short to hold
/// the lengths are left to the caller (libtorch's forward rejects them).
fn targets_in_classes(
    op: &'static str,
    targets: &Tensor,
    ts: &[i64],
    target_lengths: &[i64],
    classes: i64,
) -> Result<()> {
    let Some(values) = int_values(op, "targets", targets)? else {
        return Ok(());
    };
    let mut start = 0usize;
    for (b, &l) in target_lengths.iter().enumerate() {
        let l = l.max(0) as usize;
        let (from, to) = match ts {
            [_] => (start, start + l),
            [_, cols] => (b * *cols as usize, b * *cols as usize + l),
            _ => return Ok(()),
        };
        start += l;
        let Some(read) = values.get(from..to) else {
            return Ok(());
        };
        if let Some(v) = read.iter().find(|v| !(0..classes).contains(*v)) {
            return Err(fail(
                op,
                format!("every target must be in 0..{classes} (log_probs' classes), got {v}"),
            ));
        }
    }
    Ok(())
}

/// The CTC forward (`ctc_loss`, `_ctc_loss`) checks the lengths and the targets' shape but reads
/// `log_probs[t][b][target]` for each target value unchecked: every target read must be one of
/// the `C` classes of `log_probs` ([T, N, C], or [T, C] unbatched with 1-D targets; a target of
/// 1e9 reads 4 GB past it, a SIGSEGV; PyTorch issue 193794 writes past it in the backward).
pub(crate) fn ctc_targets(
    op: &'static str,
    log_probs: &Tensor,
    targets: &Tensor,
    target_lengths: &[i64],
) -> Result<()> {
    if !log_probs.defined() || !targets.defined() {
        return Ok(());
    }
    let lp = log_probs.f_size()?;
    let mut ts = targets.f_size()?;
    let classes = match lp[..] {
        [_, _, c] => c,
        [_, c] if ts.len() == 1 => {
            ts.insert(0, 1); // the unbatched form unsqueezes the targets to one row
            c
        }
        _ => return Ok(()), // libtorch rejects other ranks
    };
    targets_in_classes(op, targets, &ts, target_lengths, classes)
}

/// [`ctc_targets`] with the lengths as an integer tensor.
pub(crate) fn ctc_targets_tensor_lengths(
    op: &'static str,
    log_probs: &Tensor,
    targets: &Tensor,
    target_lengths: &Tensor,
) -> Result<()> {
    match int_values(op, "target_lengths", target_lengths)? {
        Some(tl) => ctc_targets(op, log_probs, targets, &tl),
        None => Ok(()),
    }
}
