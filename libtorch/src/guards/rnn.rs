//! Checks for the recurrent-network kernels (fused LSTM, oneDNN RNN layers, packed sequences),
//! which index weights, states and batch sizes with shapes they never compare.
use super::args::{chunk_pieces, dim_in, positive};
use super::{fail, given, int_values, must_be_defined, numel_is, size_at, sizes};
use crate::{Kind, Result, Tensor};
use std::borrow::Borrow;

/// `mkldnn_rnn_layer` always builds a oneDNN LSTM primitive (other modes fail to create one,
/// after the GRU mode has indexed three chunks of each weight unchecked), and hands oneDNN raw
/// pointers with descriptors derived from `input` and `hidden_size` alone. With `input`
/// `[T, N, I]` and H = `hidden_size`: mode 2 (LSTM), no packed `batch_sizes`, `weight0` with
/// 4H * I elements, `weight1` 4H * H, `weight2` and `weight3` 4H each (when `has_biases`), and
/// `hx_` and `cx_` N * H.
///
/// Unchecked, any other argument is a SIGSEGV or an out-of-bounds read or write: the GRU mode (3)
/// indexes three chunks of each weight, which weights of size 1, 2 or 4 do not have.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mkldnn_lstm_layer(
    op: &'static str,
    input: &Tensor,
    weight0: &Tensor,
    weight1: &Tensor,
    weight2: &Tensor,
    weight3: &Tensor,
    hx_: &Tensor,
    cx_: &Tensor,
    batch_sizes: &[i64],
    mode: i64,
    hidden_size: i64,
    has_biases: bool,
) -> Result<()> {
    if mode != 2 {
        return Err(fail(
            op,
            format!("mode must be 2 (LSTM, the only primitive this layer builds), got {mode}"),
        ));
    }
    if !batch_sizes.is_empty() {
        return Err(fail(
            op,
            "batch_sizes must be empty (no packed input)".into(),
        ));
    }
    positive(op, ("hidden_size", hidden_size))?;
    let s = sizes(op, "input", input)?;
    let [_, n, i] = s[..] else {
        return Err(fail(
            op,
            format!("input must have 3 dimensions [T, N, I], got {s:?}"),
        ));
    };
    let h = hidden_size;
    let mut want = vec![
        ("weight0", weight0, 4 * h * i),
        ("weight1", weight1, 4 * h * h),
        ("hx_", hx_, n * h),
        ("cx_", cx_, n * h),
    ];
    if has_biases {
        want.extend([("weight2", weight2, 4 * h), ("weight3", weight3, 4 * h)]);
    }
    for (name, x, count) in want {
        numel_is(op, name, x, count)?;
    }
    Ok(())
}

/// `mkldnn_rnn_layer_backward`: the forward's contract ([`mkldnn_lstm_layer`]) for the same
/// arguments, training mode (only a training forward makes the workspace), `output` with
/// T * N * H elements and `hy_`, `cy_` N * H (and the gradients the same as what they belong
/// to, when given), and a `workspace` at least as large as the one the forward makes for these
/// shapes: oneDNN reads it through a raw pointer with its own size. That size is found by
/// running the forward, which makes this check cost about one forward step.
///
/// The backward shuffles the weights as the forward does and wraps `output`, `hy_`, `cy_` and the
/// gradients with descriptors derived from `input` and `hidden_size` (SIGSEGV, out-of-bounds reads
/// otherwise).
#[allow(clippy::too_many_arguments)]
pub(crate) fn mkldnn_lstm_layer_backward(
    op: &'static str,
    input: &Tensor,
    (w0, w1, w2, w3): (&Tensor, &Tensor, &Tensor, &Tensor),
    (hx_, cx_tmp, output, hy_, cy_): (&Tensor, &Tensor, &Tensor, &Tensor, &Tensor),
    grads: [Option<&Tensor>; 3],
    (mode, hidden_size, has_biases, train): (i64, i64, bool, bool),
    batch_sizes: &[i64],
    workspace: &Tensor,
) -> Result<()> {
    mkldnn_lstm_layer(
        op,
        input,
        w0,
        w1,
        w2,
        w3,
        hx_,
        cx_tmp,
        batch_sizes,
        mode,
        hidden_size,
        has_biases,
    )?;
    if !train {
        return Err(fail(
            op,
            "train must be true (the workspace comes from a training forward)".into(),
        ));
    }
    let s = sizes(op, "input", input)?;
    let (t, n, h) = (s[0], s[1], hidden_size);
    let [grad_output, grad_hy, grad_cy] = grads;
    let want = [
        ("output", Some(output), t * n * h),
        ("hy_", Some(hy_), n * h),
        ("cy_", Some(cy_), n * h),
        ("grad_output", grad_output, t * n * h),
        ("grad_hy", grad_hy, n * h),
        ("grad_cy", grad_cy, n * h),
    ];
    for (name, x, count) in want {
        match x.filter(|x| x.defined()) {
            Some(x) => numel_is(op, name, x, count)?,
            None if name.starts_with("grad") => {}
            None => return Err(fail(op, format!("{name} must be a defined tensor"))),
        }
    }
    must_be_defined(op, "workspace", workspace)?;
    let (.., made) = Tensor::f_mkldnn_rnn_layer(
        input,
        w0,
        w1,
        w2,
        w3,
        hx_,
        cx_tmp,
        false,
        batch_sizes,
        mode,
        hidden_size,
        1,
        has_biases,
        false,
        false,
        true,
    )?;
    let need = made.numel() * made.f_kind()?.elt_size_in_bytes();
    let have = workspace.numel() * workspace.f_kind()?.elt_size_in_bytes();
    if have < need {
        return Err(fail(
            op,
            format!("workspace must hold the forward's {need} bytes, got {have}"),
        ));
    }
    Ok(())
}

/// A packed sequence's `batch_sizes`: 1-D, nonempty, not negative, non-increasing (the lengths are
/// filled downwards at each decrease; anything else writes before the buffer).
///
/// (Heap corruption; an empty one is read through a null pointer.)
pub(crate) fn packed_batch_sizes(op: &'static str, batch_sizes: &Tensor) -> Result<()> {
    packed_batch_size_values(op, batch_sizes).map(drop)
}

/// [`packed_batch_sizes`], returning the values it read (`None` for a non-integer tensor, which
/// libtorch rejects).
fn packed_batch_size_values(op: &'static str, batch_sizes: &Tensor) -> Result<Option<Vec<i64>>> {
    dim_in(op, ("batch_sizes", batch_sizes), [1])?;
    let Some(b) = int_values(op, "batch_sizes", batch_sizes)? else {
        return Ok(None);
    };
    let ok = !b.is_empty() && b.iter().all(|&v| v >= 0) && b.windows(2).all(|w| w[0] >= w[1]);
    if ok {
        Ok(Some(b))
    } else {
        Err(fail(
            op,
            format!("batch_sizes must be nonempty, not negative and non-increasing, got {b:?}"),
        ))
    }
}

/// The shapes `nn.LSTM` gives the fused `lstm`: `hx` = [h0 `[L*D, N, Hout]`, c0 `[L*D, N, H]`],
/// and per layer and direction `w_ih [4H, in]`, `w_hh [4H, Hout]`, with biases `b_ih`, `b_hh`
/// `[4H]`, and with a projection (Hout != H) `w_hr [Hout, H]`; `in` is the input size for the
/// first layer and `D * Hout` after. The CPU kernels (and oneDNN's) index all of them unchecked.
///
/// Unchecked, the fused LSTM reads c0 per layer of h0, indexes four gate chunks of the weights, and
/// on the oneDNN path hands every parameter to the layer primitive with shapes derived from the
/// input and h0 alone (SIGSEGV).
#[allow(clippy::too_many_arguments)]
fn lstm_params<H: Borrow<Tensor>, P: Borrow<Tensor>>(
    op: &'static str,
    (input_size, batch): (i64, i64),
    hx: &[H],
    params: &[P],
    has_biases: bool,
    num_layers: i64,
    bidirectional: bool,
) -> Result<()> {
    if num_layers < 1 {
        return Err(fail(
            op,
            format!("num_layers must be >= 1, got {num_layers}"),
        ));
    }
    let dirs: i64 = if bidirectional { 2 } else { 1 };
    let [h0, c0] = hx else {
        return Err(fail(
            op,
            format!("hx must hold [h0, c0], got {} tensors", hx.len()),
        ));
    };
    let (hs, cs) = (
        sizes(op, "hx[0]", h0.borrow())?,
        sizes(op, "hx[1]", c0.borrow())?,
    );
    let states = num_layers * dirs;
    let (h, hout) = match (&hs[..], &cs[..]) {
        ([l1, n1, p], [l2, n2, h]) if *l1 == states && *l2 == states && *n1 == batch && *n2 == batch => (*h, *p),
        _ => {
            return Err(fail(
                op,
                format!("hx must be [h0 [{states}, {batch}, Hout], c0 [{states}, {batch}, H]], got {hs:?} and {cs:?}"),
            ))
        }
    };
    let proj = hout != h;
    let per = 2 + 2 * has_biases as usize + proj as usize;
    if params.len() != states as usize * per {
        return Err(fail(
            op,
            format!(
                "params must hold {per} tensors per layer and direction ({}), got {}",
                states as usize * per,
                params.len()
            ),
        ));
    }
    for (i, layer) in params.chunks(per).enumerate() {
        let in_size = if (i as i64) < dirs {
            input_size
        } else {
            dirs * hout
        };
        let mut want = vec![vec![4 * h, in_size], vec![4 * h, hout]];
        if has_biases {
            want.extend([vec![4 * h], vec![4 * h]]);
        }
        if proj {
            want.push(vec![hout, h]);
        }
        for (j, (p, w)) in layer.iter().zip(want).enumerate() {
            let have = sizes(op, "params", p.borrow())?;
            if have != w {
                return Err(fail(
                    op,
                    format!(
                        "params[{}] must have shape {w:?}, got {have:?}",
                        i * per + j
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `lstm(input, hx, params, ...)`: input `[T, N, I]` (`[N, T, I]` batch-first) and the shapes of
/// [`lstm_params`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn lstm_input<H: Borrow<Tensor>, P: Borrow<Tensor>>(
    op: &'static str,
    input: &Tensor,
    hx: &[H],
    params: &[P],
    (has_biases, num_layers, bidirectional, batch_first): (bool, i64, bool, bool),
) -> Result<()> {
    let s = sizes(op, "input", input)?;
    let [a, b, i] = s[..] else {
        return Err(fail(op, format!("input must have 3 dimensions, got {s:?}")));
    };
    let batch = if batch_first { a } else { b };
    lstm_params(
        op,
        (i, batch),
        hx,
        params,
        has_biases,
        num_layers,
        bidirectional,
    )
}

/// A packed sequence: `batch_sizes` an int64 1-D tensor of positive, non-increasing sizes (the
/// packed layers read it as int64 only after other work), and `data` `[sum(batch_sizes), I]`.
/// Returns the batch sizes and data's column count (the input size).
///
/// The packed layers read `batch_sizes[0]`, even when it is empty, and `data`'s rows per step,
/// unchecked (SIGSEGV).
fn packed_sequence_sizes(
    op: &'static str,
    data: &Tensor,
    batch_sizes: &Tensor,
) -> Result<(Vec<i64>, i64)> {
    must_be_defined(op, "batch_sizes", batch_sizes)?;
    let kind = batch_sizes.f_kind()?;
    if kind != Kind::Int64 {
        return Err(fail(
            op,
            format!("batch_sizes must be an int64 tensor (a packed sequence's), got {kind:?}"),
        ));
    }
    let b = packed_batch_size_values(op, batch_sizes)?.unwrap_or_default();
    if b.contains(&0) {
        return Err(fail(
            op,
            format!(
                "batch_sizes must be positive (a packed sequence has no empty step), got {b:?}"
            ),
        ));
    }
    let s = sizes(op, "data", data)?;
    let total: i64 = b.iter().sum();
    let [rows, columns] = s[..] else {
        return Err(fail(op, format!("data must have 2 dimensions, got {s:?}")));
    };
    if rows != total {
        return Err(fail(
            op,
            format!("data must have sum(batch_sizes) = {total} rows, got {rows}"),
        ));
    }
    Ok((b, columns))
}

/// `gru(data, batch_sizes, ...)` / `rnn_tanh` / `rnn_relu` of a packed sequence: see
/// [`packed_sequence_sizes`] (seed 22: an undefined data with empty batch sizes).
pub(crate) fn packed_sequence(op: &'static str, data: &Tensor, batch_sizes: &Tensor) -> Result<()> {
    packed_sequence_sizes(op, data, batch_sizes).map(drop)
}

/// `lstm(data, batch_sizes, hx, params, ...)` of a packed sequence: see
/// [`packed_sequence_sizes`], and the shapes of [`lstm_params`] for a batch of
/// `batch_sizes[0]` (seed 8: a float batch_sizes skipped the state checks, and a c0 with fewer
/// layers than h0 was indexed per layer).
#[allow(clippy::too_many_arguments)]
pub(crate) fn lstm_data<H: Borrow<Tensor>, P: Borrow<Tensor>>(
    op: &'static str,
    data: &Tensor,
    batch_sizes: &Tensor,
    hx: &[H],
    params: &[P],
    (has_biases, num_layers, bidirectional): (bool, i64, bool),
) -> Result<()> {
    let (b, input_size) = packed_sequence_sizes(op, data, batch_sizes)?;
    lstm_params(
        op,
        (input_size, b[0]),
        hx,
        params,
        has_biases,
        num_layers,
        bidirectional,
    )
}

/// The shape of `a + b + ...` under broadcasting, or `None` when the sizes do not broadcast
/// (the addition then fails with libtorch's own error).
fn broadcast_shape(shapes: &[Vec<i64>]) -> Option<Vec<i64>> {
    let rank = shapes.iter().map(Vec::len).max()?;
    let mut out = vec![1; rank];
    for s in shapes {
        for (o, &x) in out[rank - s.len()..].iter_mut().zip(s) {
            match (*o, x) {
                (_, 1) => {}
                (1, x) => *o = x,
                (o, x) if o == x => {}
                _ => return None,
            }
        }
    }
    Some(out)
}

/// The differentiable cell backwards add the gates and their biases (broadcasting) and index
/// `unsafe_chunk(chunks, 1)` of the sum unchecked: the summed shape must split into exactly
/// `chunks` pieces along dimension 1 (a bias can widen empty gates, e.g. `[3, 0] + [5, 4, 3,
/// 0]` is `[5, 4, 3, 0]`, whose size 4 makes 2 chunks of 3).
fn summed_gates_chunk(
    op: &'static str,
    what: &str,
    parts: &[Option<&Tensor>],
    chunks: usize,
) -> Result<()> {
    let mut shapes = Vec::new();
    for t in parts.iter().filter_map(|t| given(*t)) {
        shapes.push(t.f_size()?);
    }
    let Some(shape) = broadcast_shape(&shapes) else {
        return Ok(());
    };
    let n = size_at(op, what, &shape, 1)? as usize;
    let pieces = chunk_pieces(n, chunks);
    if pieces == chunks {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "{what} (shape {shape:?}) must split into {chunks} chunks along dimension 1, \
                 its size {n} makes {pieces}"
            ),
        ))
    }
}

/// `_thnn_differentiable_gru_cell_backward`: `input_gates + input_bias` and `hidden_gates +
/// hidden_bias` are each split into 3 gates.
///
/// Each sum is split by `unsafe_chunk(3, 1)` and indexed `[0..2]` unchecked; a bias can widen empty
/// gates to a size that makes fewer chunks (SIGSEGV, seed 18: `[3, 0] + [5, 4, 3, 0]`).
pub(crate) fn gru_cell_gates(
    op: &'static str,
    input_gates: &Tensor,
    hidden_gates: &Tensor,
    input_bias: Option<&Tensor>,
    hidden_bias: Option<&Tensor>,
) -> Result<()> {
    let input = [Some(input_gates), input_bias];
    summed_gates_chunk(op, "input_gates + input_bias", &input, 3)?;
    let hidden = [Some(hidden_gates), hidden_bias];
    summed_gates_chunk(op, "hidden_gates + hidden_bias", &hidden, 3)
}

/// `_thnn_differentiable_lstm_cell_backward`: the sum of both gates and both biases is split
/// into 4 gates.
///
/// The kernel sums the gates and biases (broadcasting) and indexes `unsafe_chunk(4, 1)` of the sum
/// `[0..3]` unchecked: sizes like 5 or 6 make fewer chunks (SIGSEGV), and a bias can widen empty
/// gates to such a size. Calls where both gradients are None are refused too, although the op then
/// returns undefined tensors without reading anything: such a call's gates are wrong all the same.
pub(crate) fn lstm_cell_gates(
    op: &'static str,
    input_gates: &Tensor,
    hidden_gates: &Tensor,
    input_bias: Option<&Tensor>,
    hidden_bias: Option<&Tensor>,
) -> Result<()> {
    let parts = [
        Some(input_gates),
        Some(hidden_gates),
        input_bias,
        hidden_bias,
    ];
    summed_gates_chunk(op, "the summed gates and biases", &parts, 4)
}
