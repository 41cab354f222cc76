//! The attention the Transformer layers run: `MultiheadAttention.forward(..., need_weights=
//! False)` as PyTorch computes it (`F.multi_head_attention_forward`: packed in-projection,
//! masks canonicalised and merged, ATen's `scaled_dot_product_attention`), step for step, so
//! the same weights give PyTorch's numbers.
use super::attention::MultiheadAttention;
use super::functional as F;
use super::module::Module;
use crate::{Error, Kind, Result, Tensor};

/// Which of query, key and value are the same tensor (PyTorch tests `is`, choosing how the
/// packed projection is split).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// `query is key is value` (self-attention).
    All,
    /// `key is value` (attention over a memory).
    KeyValue,
    /// Three distinct tensors (PyTorch's case for unbatched inputs, which it unsqueezes one
    /// by one).
    Distinct,
}

/// PyTorch's `_canonical_mask`: a bool mask becomes 0 / -inf of `kind`; a float mask stays.
pub(crate) fn canonical_mask(
    mask: Option<&Tensor>,
    name: &str,
    kind: Kind,
) -> Result<Option<Tensor>> {
    let Some(m) = mask else { return Ok(None) };
    let k = m.f_kind()?;
    if k == Kind::Bool {
        let z = m.f_zeros_like_with(Some(kind), None, None, None, None)?;
        Ok(Some(z.f_masked_fill_scalar(m, f64::NEG_INFINITY)?))
    } else if k.is_floating_point() {
        Ok(Some(m.clone()))
    } else {
        Err(Error::invalid(
            "MultiheadAttention",
            format!("only bool and floating types of {name} are supported"),
        ))
    }
}

/// `mha(query, key, value, attn_mask, key_padding_mask, need_weights=False, is_causal)[0]`.
pub(crate) fn attend(
    mha: &MultiheadAttention,
    query: &Tensor,
    key: &Tensor,
    sharing: Sharing,
    attn_mask: Option<&Tensor>,
    key_padding_mask: Option<&Tensor>,
    is_causal: bool,
) -> Result<Tensor> {
    let fail = |m: String| Err(Error::invalid("MultiheadAttention", m));
    let kind = query.f_kind()?;
    let is_batched = query.f_dim()? == 3;
    let kpm = canonical_mask(key_padding_mask, "key_padding_mask", kind)?;
    let am = canonical_mask(attn_mask, "attn_mask", kind)?;
    // MultiheadAttention.forward: batch-first inputs to [L, N, E].
    let (mut q, mut k) = if mha.batch_first && is_batched {
        (query.f_transpose_int(1, 0)?, key.f_transpose_int(1, 0)?)
    } else {
        (query.clone(), key.clone())
    };
    if sharing == Sharing::All {
        k = q.clone();
    }
    let mut v = k.clone();
    // F.multi_head_attention_forward.
    let kpm = if is_batched {
        kpm
    } else {
        q = q.f_unsqueeze(1)?;
        k = k.f_unsqueeze(1)?;
        v = v.f_unsqueeze(1)?;
        kpm.map(|m| m.f_unsqueeze(0)).transpose()?
    };
    // Unsqueezing made three distinct tensors of query, key and value.
    let sharing = if is_batched {
        sharing
    } else {
        Sharing::Distinct
    };
    let (qs, ks) = (q.f_size()?, k.f_size()?);
    let (&[tgt_len, bsz, e], &[_, _, ke]) = (&qs[..], &ks[..]) else {
        return fail(format!(
            "query and key must be 2-D (unbatched) or 3-D (batched), got shapes {:?} and {:?}",
            query.f_size()?,
            key.f_size()?
        ));
    };
    if e != mha.embed_dim || ke != mha.embed_dim {
        return fail(format!(
            "was expecting embedding dimension of {}, but got {e} (query) and {ke} (key)",
            mha.embed_dim
        ));
    }
    if ks[1] != bsz {
        return fail(format!(
            "query and key must have the same batch size, got {bsz} and {}",
            ks[1]
        ));
    }
    let (mut am, is_causal) = if is_causal && am.is_none() {
        return fail(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer \
             module method `generate_square_subsequent_mask` to create this mask."
                .into(),
        );
    } else if is_causal && kpm.is_none() {
        (None, true)
    } else {
        (am, is_causal && kpm.is_none())
    };
    let h = mha.num_heads;
    let hd = e / h;
    let (w, b) = (&mha.in_proj_weight, Some(&mha.in_proj_bias));
    let (q, k, v) = match sharing {
        Sharing::All => {
            let proj = F::f_linear_with(&q, w, b)?
                .f_unflatten(-1, &[3, e])?
                .f_unsqueeze(0)?
                .f_transpose_int(0, -2)?
                .f_squeeze_dim(-2)?
                .f_contiguous()?;
            (
                proj.f_select_int(0, 0)?,
                proj.f_select_int(0, 1)?,
                proj.f_select_int(0, 2)?,
            )
        }
        Sharing::KeyValue => {
            let ws = w.f_split_with_sizes(&[e, 2 * e])?;
            let bs = mha.in_proj_bias.f_split_with_sizes(&[e, 2 * e])?;
            let q_proj = F::f_linear_with(&q, &ws[0], Some(&bs[0]))?;
            let kv = F::f_linear_with(&k, &ws[1], Some(&bs[1]))?
                .f_unflatten(-1, &[2, e])?
                .f_unsqueeze(0)?
                .f_transpose_int(0, -2)?
                .f_squeeze_dim(-2)?
                .f_contiguous()?;
            (q_proj, kv.f_select_int(0, 0)?, kv.f_select_int(0, 1)?)
        }
        Sharing::Distinct => {
            let ws = w.f_chunk(3)?;
            let bs = mha.in_proj_bias.f_chunk(3)?;
            (
                F::f_linear_with(&q, &ws[0], Some(&bs[0]))?,
                F::f_linear_with(&k, &ws[1], Some(&bs[1]))?,
                F::f_linear_with(&v, &ws[2], Some(&bs[2]))?,
            )
        }
    };
    let src_len0 = k.f_size()?[0];
    if let Some(m) = &am {
        let s = m.f_size()?;
        am = Some(match s.len() {
            2 if s == [tgt_len, src_len0] => m.f_unsqueeze(0)?,
            2 => {
                return fail(format!(
                    "The shape of the 2D attn_mask is {s:?}, but should be {:?}.",
                    [tgt_len, src_len0]
                ))
            }
            3 if s == [bsz * h, tgt_len, src_len0] => m.clone(),
            3 => {
                return fail(format!(
                    "The shape of the 3D attn_mask is {s:?}, but should be {:?}.",
                    [bsz * h, tgt_len, src_len0]
                ))
            }
            d => return fail(format!("attn_mask's dimension {d} is not supported")),
        });
    }
    let heads = |t: &Tensor, len: i64| t.f_view(&[len, bsz * h, hd])?.f_transpose_int(0, 1);
    let q = heads(&q, tgt_len)?;
    let k = heads(&k, src_len0)?;
    let v = heads(&v, src_len0)?;
    let src_len = k.f_size()?[1];
    if let Some(m) = kpm {
        if m.f_size()? != [bsz, src_len] {
            return fail(format!(
                "expected key_padding_mask of shape {:?}, but got {:?}",
                [bsz, src_len],
                m.f_size()?
            ));
        }
        let m = m
            .f_view(&[bsz, 1, 1, src_len])?
            .f_expand(&[-1, h, -1, -1])?
            .f_reshape(&[bsz * h, 1, src_len])?;
        am = Some(match am {
            None => m,
            Some(a) => a.f_add(&m)?,
        });
    }
    let dropout_p = if mha.is_training() { mha.dropout } else { 0.0 };
    let am = match am {
        Some(m) if m.f_size()?[0] == 1 && m.f_dim()? == 3 => Some(m.f_unsqueeze(0)?),
        Some(m) => Some(m.f_view(&[bsz, h, -1, src_len])?),
        None => None,
    };
    let q = q.f_view(&[bsz, h, tgt_len, hd])?;
    let k = k.f_view(&[bsz, h, src_len, hd])?;
    let v = v.f_view(&[bsz, h, src_len, hd])?;
    let out = Tensor::f_scaled_dot_product_attention_with(
        &q,
        &k,
        &v,
        am.as_ref(),
        dropout_p,
        is_causal,
        None,
        false,
    )?;
    let out = out
        .f_permute(&[2, 0, 1, 3])?
        .f_contiguous()?
        .f_view(&[bsz * tgt_len, e])?;
    let out = F::f_linear_with(&out, &mha.out_proj.weight, mha.out_proj.bias.as_ref())?;
    let out = out.f_view(&[tgt_len, bsz, e])?;
    if !is_batched {
        out.f_squeeze_dim(1)
    } else if mha.batch_first {
        out.f_transpose_int(1, 0)
    } else {
        Ok(out)
    }
}
