//! Checks for `_ctc_loss_backward`, which trusts its arguments to be the forward's outputs.
use super::*;

/// `_ctc_loss_backward` trusts its arguments to be what `_ctc_loss` returned ("we don't do much
/// checking"): it indexes with the lengths, `blank` and the target values unchecked. With
/// `log_probs` of shape `[T, N, C]`: one input and target length per batch entry, input lengths
/// in `0..=T`, `blank` and every target read in `0..C`, targets (1-D concatenated or 2-D padded)
/// that hold the target lengths, `log_alpha` covering `[N, max input length, 2 * max target
/// length + 1]`, and `grad` and `neg_log_likelihood` with an element per batch entry.
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
    list_len(op, "input_lengths", input_lengths, n_us)?;
    list_len(op, "target_lengths", target_lengths, n_us)?;
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
    if let Some(values) = int_values(op, "targets", targets)? {
        let mut read = Vec::new();
        let mut start = 0usize;
        for (b, &l) in target_lengths.iter().enumerate() {
            let l = l as usize;
            if ts.len() == 1 {
                read.extend_from_slice(&values[start..start + l]);
                start += l;
            } else {
                let row = b * ts[1] as usize;
                read.extend_from_slice(&values[row..row + l]);
            }
        }
        if let Some(v) = read.into_iter().find(|v| !(0..c).contains(v)) {
            return Err(fail(
                op,
                format!("every target must be in 0..{c} (log_probs' classes), got {v}"),
            ));
        }
    }
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
