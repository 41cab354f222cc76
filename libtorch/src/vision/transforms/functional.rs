//! Image functions on tensors, as `torchvision.transforms.functional`: images are `[..., C,
//! H, W]` tensors (resizing takes `[C, H, W]` or `[N, C, H, W]`). Each runs the ATen
//! operations torchvision runs, so results are torchvision's bit for bit.
use crate::error::{Error, Result};
use crate::{Kind, Tensor};

/// How [`resize`] samples (`torchvision.transforms.InterpolationMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InterpolationMode {
    /// `NEAREST`: the legacy nearest neighbour (`upsample_nearest2d`).
    Nearest,
    /// `BILINEAR` (torchvision's default).
    #[default]
    Bilinear,
    /// `BICUBIC`; `uint8` results are clamped to `[0, 255]`.
    Bicubic,
}

/// How [`pad`] fills the border (torchvision's `padding_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaddingMode {
    /// `"constant"`: the `fill` value (default).
    #[default]
    Constant,
    /// `"edge"`: the last value at the edge, repeated.
    Edge,
    /// `"reflect"`: mirrored without repeating the edge (`[1, 2, 3]` → `[3, 2, 1, 2, 3, 2, 1]`
    /// for a padding of 2).
    Reflect,
    /// `"symmetric"`: mirrored repeating the edge (`[1, 2, 3]` → `[2, 1, 1, 2, 3, 3, 2]`).
    Symmetric,
}

fn dims(op: &'static str, img: &Tensor, min: usize) -> Result<Vec<i64>> {
    let s = img.f_size()?;
    if s.len() < min {
        return Err(Error::invalid(
            op,
            format!("expected an image tensor of size (..., C, H, W), got {s:?}"),
        ));
    }
    Ok(s)
}

/// `(c - mean[c]) / std[c]` per channel (`torchvision.transforms.functional.normalize`): a
/// float image `[..., C, H, W]`; `mean` and `std` have one value per channel (or one for all).
///
/// ```
/// use libtorch::vision::transforms::functional::normalize;
/// use libtorch::Tensor;
/// let img = Tensor::from_data(&[0.5f32, 1.0], &[2, 1, 1]).unwrap();
/// let y = normalize(&img, &[0.5, 0.0], &[0.25, 2.0]).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), [0.0, 0.5]);
/// ```
pub fn normalize(img: &Tensor, mean: &[f64], std: &[f64]) -> Result<Tensor> {
    const OP: &str = "normalize";
    let kind = img.f_kind()?;
    if !kind.is_floating_point() {
        return Err(Error::invalid(
            OP,
            format!("Input tensor should be a float tensor. Got {kind:?}."),
        ));
    }
    let s = dims(OP, img, 3)?;
    let c = s[s.len() - 3];
    for (what, v) in [("mean", mean), ("std", std)] {
        if v.len() != 1 && v.len() as i64 != c {
            return Err(Error::invalid(
                OP,
                format!("{what} has {} values for {c} channels", v.len()),
            ));
        }
    }
    let dev = img.f_device()?;
    let as_t = |v: &[f64]| -> Result<Tensor> {
        Tensor::from_data(v, &[v.len() as i64])?
            .f_to_opts((kind, dev))?
            .f_view(&[-1, 1, 1])
    };
    let (m, sd) = (as_t(mean)?, as_t(std)?);
    if sd.f_eq(0.0)?.f_any()?.int64_value() != 0 {
        return Err(Error::invalid(
            OP,
            format!(
                "std evaluated to zero after conversion to {kind:?}, leading to division by zero."
            ),
        ));
    }
    img.f_sub(&m)?.f_div(&sd)
}

/// Converts an image's element type (`convert_image_dtype`): integers to floats divide by the
/// integer type's maximum (`uint8` → `[0, 1]`, torchvision's `ToTensor` scaling); floats to
/// `uint8` multiply by `255.999` and truncate; floats to floats only cast.
pub fn convert_image_dtype(img: &Tensor, kind: Kind) -> Result<Tensor> {
    const OP: &str = "convert_image_dtype";
    let from = img.f_kind()?;
    if from == kind {
        return Ok(img.clone());
    }
    let max_of = |k: Kind| -> Option<f64> {
        Some(match k {
            Kind::Uint8 => 255.0,
            Kind::Int8 => 127.0,
            Kind::Int16 => 32767.0,
            Kind::Int => 2147483647.0,
            Kind::Int64 => 9223372036854775807.0,
            _ => return None,
        })
    };
    match (from.is_floating_point(), kind.is_floating_point()) {
        (true, true) => img.f_to_dtype(kind),
        (false, true) => {
            let m = max_of(from)
                .ok_or_else(|| Error::invalid(OP, format!("unsupported input {from:?}")))?;
            img.f_to_dtype(kind)?.f_div_scalar(m)
        }
        (true, false) if kind == Kind::Uint8 => {
            img.f_mul_scalar(255.0 + 1.0 - 1e-3)?.f_to_dtype(kind)
        }
        _ => Err(Error::invalid(
            OP,
            format!("conversion from {from:?} to {kind:?} is not supported"),
        )),
    }
}

/// `img[..., top:top+height, left:left+width]` (`crop`); regions reaching outside the image
/// are zero-padded, as torchvision.
pub fn crop(img: &Tensor, top: i64, left: i64, height: i64, width: i64) -> Result<Tensor> {
    let s = dims("crop", img, 2)?;
    let (h, w) = (s[s.len() - 2], s[s.len() - 1]);
    let right = left + width;
    let bottom = top + height;
    if left < 0 || top < 0 || right > w || bottom > h {
        // torchvision: pad(img[..., max(top, 0):bottom, max(left, 0):right], ltrb, fill=0)
        let (pl, pt) = ((-left + right.min(0)).max(0), (-top + bottom.min(0)).max(0));
        let (pr, pb) = ((right - w.max(left)).max(0), (bottom - h.max(top)).max(0));
        let inner = img
            .f_slice_with(-2, Some(top.max(0)), Some(bottom), 1)?
            .f_slice_with(-1, Some(left.max(0)), Some(right), 1)?;
        return pad(&inner, &[pl, pt, pr, pb], 0.0, PaddingMode::Constant);
    }
    img.f_narrow(-2, top, height)?.f_narrow(-1, left, width)
}

/// Flips left to right (`hflip`).
pub fn hflip(img: &Tensor) -> Result<Tensor> {
    dims("hflip", img, 2)?;
    img.f_flip(&[-1])
}

/// Flips top to bottom (`vflip`).
pub fn vflip(img: &Tensor) -> Result<Tensor> {
    dims("vflip", img, 2)?;
    img.f_flip(&[-2])
}

/// torchvision's padding list: 1 value (all sides), 2 (left/right, top/bottom) or 4 (left,
/// top, right, bottom), as `[left, right, top, bottom]`.
pub(crate) fn parse_padding(op: &'static str, padding: &[i64]) -> Result<[i64; 4]> {
    match *padding {
        [p] => Ok([p, p, p, p]),
        [lr, tb] => Ok([lr, lr, tb, tb]),
        [l, t, r, b] => Ok([l, r, t, b]),
        _ => Err(Error::invalid(
            op,
            format!(
                "Padding must be an int or a 1, 2, or 4 element tuple, not a {} element tuple",
                padding.len()
            ),
        )),
    }
}

/// Pads the last two dimensions (`pad(img, padding, fill, padding_mode)`): `padding` has 1
/// value (all sides), 2 (left/right, top/bottom) or 4 (left, top, right, bottom); `fill` is
/// used by [`PaddingMode::Constant`].
///
/// ```
/// use libtorch::vision::transforms::functional::{pad, PaddingMode};
/// use libtorch::Tensor;
/// let img = Tensor::from_data(&[1.0f32, 2.0, 3.0], &[1, 1, 3]).unwrap();
/// let y = pad(&img, &[2, 0], 0.0, PaddingMode::Reflect).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), [3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]);
/// ```
pub fn pad(img: &Tensor, padding: &[i64], fill: f64, mode: PaddingMode) -> Result<Tensor> {
    const OP: &str = "pad";
    let p = parse_padding(OP, padding)?;
    let s = dims(OP, img, 2)?;
    let r = (|| {
        if mode == PaddingMode::Symmetric {
            return pad_symmetric(img, p);
        }
        let squeeze = s.len() < 4;
        let x = if squeeze {
            img.f_unsqueeze(0)?
        } else {
            img.clone()
        };
        let out_kind = x.f_kind()?;
        let cast = mode != PaddingMode::Constant && !matches!(out_kind, Kind::Float | Kind::Double);
        let x = if cast { x.f_to_dtype(Kind::Float)? } else { x };
        let y = match mode {
            PaddingMode::Reflect => x.f_reflection_pad2d(&p)?,
            PaddingMode::Edge => x.f_replication_pad2d(&p)?,
            _ => x.f_constant_pad_nd_with(&p, fill)?,
        };
        let y = if squeeze { y.f_squeeze_dim(0)? } else { y };
        if cast {
            y.f_to_dtype(out_kind)
        } else {
            Ok(y)
        }
    })();
    r.map_err(|e| e.in_call(OP))
}

/// torchvision's `_pad_symmetric`: index the edges mirrored.
fn pad_symmetric(img: &Tensor, [l, r, t, b]: [i64; 4]) -> Result<Tensor> {
    let s = img.f_size()?;
    let (h, w) = (s[s.len() - 2], s[s.len() - 1]);
    let index = |before: i64, n: i64, after: i64| -> Result<Tensor> {
        let mut v: Vec<i64> = (0..before).rev().collect();
        v.extend(0..n);
        v.extend((0..after).map(|i| n - 1 - i));
        if v.iter().any(|&i| i < 0 || i >= n) {
            return Err(Error::invalid(
                "pad",
                "symmetric padding larger than the image",
            ));
        }
        Tensor::from_data(&v, &[v.len() as i64])?.f_to(img.f_device()?)
    };
    img.f_index_select(-2, &index(t, h, b)?)?
        .f_index_select(-1, &index(l, w, r)?)
}

/// The output size torchvision's `resize` computes (`_compute_resized_output_size`): `size`
/// `[h, w]`, or `[s]` for the shorter edge (the longer one keeps the aspect ratio, at most
/// `max_size`).
pub fn resized_output_size(
    image_size: (i64, i64),
    size: &[i64],
    max_size: Option<i64>,
) -> Result<(i64, i64)> {
    const OP: &str = "resize";
    let (h, w) = image_size;
    match *size {
        [s] => {
            let (short, long) = if w <= h { (w, h) } else { (h, w) };
            let (mut new_short, mut new_long) = (s, ((s * long) as f64 / short as f64) as i64);
            if let Some(m) = max_size {
                if m <= s {
                    return Err(Error::invalid(
                        OP,
                        format!(
                            "max_size = {m} must be strictly greater than the requested size for \
                             the smaller edge size = {s}"
                        ),
                    ));
                }
                if new_long > m {
                    new_short = ((m * new_short) as f64 / new_long as f64) as i64;
                    new_long = m;
                }
            }
            Ok(if w <= h {
                (new_long, new_short)
            } else {
                (new_short, new_long)
            })
        }
        [nh, nw] => {
            if max_size.is_some() {
                return Err(Error::invalid(
                    OP,
                    "max_size should only be passed if size specifies the length of the smaller edge",
                ));
            }
            Ok((nh, nw))
        }
        _ => Err(Error::invalid(
            OP,
            format!(
                "Size must be an int or a 1 or 2 element tuple/list, not a {} element tuple/list",
                size.len()
            ),
        )),
    }
}

/// Resizes `[C, H, W]` or `[N, C, H, W]` images (`resize(img, size, interpolation, max_size,
/// antialias)`): `size` is `[h, w]`, or `[s]` to scale the shorter edge to `s`. Bilinear and
/// bicubic sampling antialias when shrinking if `antialias` (torchvision's default, `true`).
/// Integer images are resized as float32 and rounded back. An image already of the requested
/// size is returned as is.
///
/// ```
/// use libtorch::vision::transforms::functional::{resize, InterpolationMode};
/// use libtorch::Tensor;
/// let img = Tensor::ones(&[3, 40, 60]);
/// let y = resize(&img, &[20], InterpolationMode::Bilinear, None, true).unwrap();
/// assert_eq!(y.size(), [3, 20, 30]);
/// ```
pub fn resize(
    img: &Tensor,
    size: &[i64],
    interpolation: InterpolationMode,
    max_size: Option<i64>,
    antialias: bool,
) -> Result<Tensor> {
    const OP: &str = "resize";
    let s = img.f_size()?;
    if s.len() != 3 && s.len() != 4 {
        return Err(Error::invalid(
            OP,
            format!("expected a [C, H, W] or [N, C, H, W] image, got {s:?}"),
        ));
    }
    let (h, w) = (s[s.len() - 2], s[s.len() - 1]);
    let (nh, nw) = resized_output_size((h, w), size, max_size)?;
    if nh <= 0 || nw <= 0 {
        return Err(Error::invalid(
            OP,
            format!("output size ({nh}, {nw}) must be positive"),
        ));
    }
    if (nh, nw) == (h, w) {
        return Ok(img.clone());
    }
    let r = (|| {
        let squeeze = s.len() == 3;
        let x = if squeeze {
            img.f_unsqueeze(0)?
        } else {
            img.clone()
        };
        let out_kind = x.f_kind()?;
        let cast = !matches!(out_kind, Kind::Float | Kind::Double);
        let x = if cast { x.f_to_dtype(Kind::Float)? } else { x };
        let os = [nh, nw];
        let mut y = match (interpolation, antialias) {
            (InterpolationMode::Nearest, _) => x.f_upsample_nearest2d(&os)?,
            (InterpolationMode::Bilinear, true) => x.f__upsample_bilinear2d_aa(&os, false)?,
            (InterpolationMode::Bilinear, false) => x.f_upsample_bilinear2d(&os, false)?,
            (InterpolationMode::Bicubic, true) => x.f__upsample_bicubic2d_aa(&os, false)?,
            (InterpolationMode::Bicubic, false) => x.f_upsample_bicubic2d(&os, false)?,
        };
        if interpolation == InterpolationMode::Bicubic && out_kind == Kind::Uint8 {
            y = y.f_clamp(0, 255)?;
        }
        if squeeze {
            y = y.f_squeeze_dim(0)?;
        }
        if cast {
            if !out_kind.is_floating_point() {
                y = y.f_round()?;
            }
            y = y.f_to_dtype(out_kind)?;
        }
        Ok(y)
    })();
    r.map_err(|e: Error| e.in_call(OP))
}
