//! Checks for the reduction kernels (`median(dim)`, `nanmedian(dim)`).
use super::fail;
use crate::{Result, Tensor};

/// `median(dim)` and `nanmedian(dim)` read the reduced dimension of `self` as if its stride
/// were 1 when it is 0 (an expanded view): `[2.0].expand([5]).median(0)` returns 0, reading
/// past the one-element storage (invalid reads under valgrind). A zero stride over more than
/// one element at `dim` is refused; `self.contiguous()` gives the intended input.
pub(crate) fn median_dim_stride(op: &'static str, self_: &Tensor, dim: i64) -> Result<()> {
    let (Ok(s), Ok(st)) = (self_.f_size(), self_.f_stride()) else {
        return Ok(()); // undefined or without strides: libtorch decides
    };
    let rank = s.len() as i64;
    let d = if dim < 0 { dim + rank } else { dim };
    if d < 0 || d >= rank {
        return Ok(()); // libtorch rejects the dim (a 0-D self has no strides to misread)
    }
    let d = d as usize;
    if st[d] == 0 && s[d] > 1 {
        return Err(fail(
            op,
            format!(
                "self is expanded along dim {dim} (stride 0 over {} elements), which the kernel \
                 reads as stride 1; pass self.contiguous()",
                s[d]
            ),
        ));
    }
    Ok(())
}
