//! Checks for the CPU flash-attention kernel's divisions.
use super::{fail, sizes};
use crate::{Result, Tensor};

/// The 4-D sizes of query, key and value, when all three are 4-D ([batch, heads, length, dim]).
fn sizes_4d(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Option<[Vec<i64>; 3]>> {
    if !q.defined() || !k.defined() || !v.defined() {
        return Ok(None);
    }
    let s = [q.f_size()?, k.f_size()?, v.f_size()?];
    Ok(s.iter().all(|s| s.len() == 4).then_some(s))
}

fn no_key_heads(op: &'static str, k: &[i64], v: &[i64]) -> Result<()> {
    for (name, s) in [("key", k), ("value", v)] {
        if s[1] == 0 {
            return Err(fail(
                op,
                format!("{name} must have heads (dimension 1) for the flash kernel, which divides by their count, got {s:?}"),
            ));
        }
    }
    Ok(())
}

/// The CPU flash-attention kernel divides the query's head count by the key's, and the query
/// and key lengths into blocks of at most their own size: a key without heads or a query or key
/// of length 0 is a SIGFPE (PyTorch issues 141219, 174939). For 4-D query, key and value
/// ([batch, heads, length, dim]).
pub(crate) fn flash_cpu_sizes(
    op: &'static str,
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
) -> Result<()> {
    let Some([q, k, v]) = sizes_4d(query, key, value)? else {
        return Ok(());
    };
    no_key_heads(op, &k, &v)?;
    for (name, s) in [("query", &q), ("key", &k)] {
        if s[2] == 0 {
            return Err(fail(
                op,
                format!("{name} must have a nonzero length (dimension 2) for the flash kernel, which divides by it, got {s:?}"),
            ));
        }
    }
    Ok(())
}

/// `scaled_dot_product_attention` picks the flash kernel on the CPU for 4-D inputs of nonzero
/// lengths whose batch and head counts agree, without checking that there are heads: keys
/// without heads are a SIGFPE there (PyTorch issue 174939). They are refused for 4-D inputs,
/// also where another kernel would have been chosen (an empty result).
pub(crate) fn sdpa_key_heads(
    op: &'static str,
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
) -> Result<()> {
    match sizes_4d(query, key, value)? {
        Some([_, k, v]) => no_key_heads(op, &k, &v),
        None => Ok(()),
    }
}

/// The CPU flash-attention backward also reads `grad_out` and `out` as [batch, heads, query
/// length, value dim] and `logsumexp` as [batch, heads, query length], unchecked (reads past a
/// [1, 1, 1] logsumexp or a 1-row gradient for 64 query rows, under valgrind).
pub(crate) fn flash_cpu_backward_sizes(
    op: &'static str,
    grad_out: &Tensor,
    (query, key, value): (&Tensor, &Tensor, &Tensor),
    out: &Tensor,
    logsumexp: &Tensor,
) -> Result<()> {
    flash_cpu_sizes(op, query, key, value)?;
    let Some([q, _, v]) = sizes_4d(query, key, value)? else {
        return Ok(());
    };
    let want_out = [q[0], q[1], q[2], v[3]];
    for (name, t) in [("grad_out", grad_out), ("out", out)] {
        let got = sizes(op, name, t)?;
        if got != want_out {
            return Err(fail(
                op,
                format!("{name} must have the attention output's shape {want_out:?}, got {got:?}"),
            ));
        }
    }
    let got = sizes(op, "logsumexp", logsumexp)?;
    if got != q[..3] {
        return Err(fail(
            op,
            format!("logsumexp must have the shape {:?}, got {got:?}", &q[..3]),
        ));
    }
    Ok(())
}

/// With `enable_gqa`, the math attention computes `query.size(-3) % key.size(-3)` (and value's):
/// both need a nonzero head count there.
///
/// A zero count is a SIGFPE; the public `scaled_dot_product_attention` reaches the same modulo
/// (seed 243: keys with no heads).
pub(crate) fn gqa_heads(
    op: &'static str,
    key: &Tensor,
    value: &Tensor,
    enable_gqa: bool,
) -> Result<()> {
    if !enable_gqa {
        return Ok(());
    }
    for (name, t) in [("key", key), ("value", value)] {
        let s = sizes(op, name, t)?;
        match s.len().checked_sub(3).map(|i| s[i]) {
            Some(h) if h > 0 => {}
            _ => {
                return Err(fail(
                    op,
                    format!("{name} must have a nonzero head count at dimension -3 with enable_gqa, got {s:?}"),
                ))
            }
        }
    }
    Ok(())
}
