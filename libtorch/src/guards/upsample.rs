//! Checks for the upsampling kernels, which turn each output index into a source index with the
//! given `scales` and trust the result to land inside the input.
use super::fail;
use crate::{Kind, Result, Tensor};

/// How a kernel maps an output index to its source coordinate.
#[derive(Clone, Copy)]
enum Source {
    /// `upsample_nearest*`: `floor(i * r)`, except that an output size equal to the input's or
    /// twice it ignores the scale.
    Nearest,
    /// `_upsample_nearest_exact*`: `floor((i + 0.5) * r)`.
    NearestExact,
    /// The linear, bilinear, trilinear and bicubic kernels: `r * (i + 0.5) - 0.5`; with
    /// `align_corners` the scale is ignored.
    Interp { align_corners: bool },
}

/// The CPU upsampling kernels take `r = 1 / s` for a given positive scale `s` (else
/// input / output size), in the input's float type (`float` for all but double), and convert
/// each output's source coordinate to an `int64_t` before clamping it to the input. A scale whose
/// reciprocal is infinite in `float` (below about 2.9e-39: `0 * inf` is NaN) or that puts the
/// last output's source coordinate at 2^63 or beyond converts to `INT64_MIN`, undefined
/// behaviour that reads before the input: for 1-byte elements it is a SIGSEGV (seed 794:
/// `upsample_nearest2d` of a uint8 [3, 1, 3, 3] to [1, 1] with `scales_h = 2.2e-308`), for wider
/// ones the byte offset wraps to 0 and the result is silently wrong.
fn source_indices_fit(
    op: &'static str,
    input: &[i64],
    output: &[i64],
    scales: &[Option<f64>],
    source: Source,
) -> Result<()> {
    const NAMES: [&[&str]; 3] = [
        &["scales"],
        &["scales_h", "scales_w"],
        &["scales_d", "scales_h", "scales_w"],
    ];
    if matches!(
        source,
        Source::Interp {
            align_corners: true
        }
    ) || input.len() != scales.len()
        || output.len() != scales.len()
    {
        return Ok(()); // the scales are unused, or libtorch rejects the sizes' lengths
    }
    for (d, s) in scales.iter().enumerate() {
        let (Some(s), Some(&n), Some(&m)) = (*s, input.get(d), output.get(d)) else {
            continue;
        };
        if s.is_nan() || s <= 0.0 || n <= 0 || m <= 0 {
            continue; // the sizes' ratio is used, or libtorch rejects the sizes
        }
        if matches!(source, Source::Nearest) && (m == n || m == 2 * n) {
            continue;
        }
        let r = 1.0 / s;
        let last = match source {
            Source::Nearest => (m - 1) as f64,
            _ => m as f64 - 0.5,
        };
        if r > f64::from(f32::MAX) || last * r >= 9_223_372_036_854_775_808.0 {
            let name = NAMES
                .get(scales.len().wrapping_sub(1))
                .and_then(|n| n.get(d))
                .unwrap_or(&"scales");
            return Err(fail(
                op,
                format!(
                    "{name} ({s:e}) must not put a source index past 2^63: output index {} of {m} \
                     maps to {:e} (input size {n})",
                    m - 1,
                    last * r
                ),
            ));
        }
    }
    Ok(())
}

/// The spatial sizes of an upsampling input: all but the batch and channel dimensions.
fn spatial(t: &Tensor) -> Result<Vec<i64>> {
    Ok(t.f_size()?.into_iter().skip(2).collect())
}

/// `upsample_nearest{1,2,3}d`: see [`source_indices_fit`].
pub(crate) fn nearest_scales<const N: usize>(
    op: &'static str,
    input: &Tensor,
    output_size: &[i64],
    scales: [Option<f64>; N],
) -> Result<()> {
    if !input.defined() {
        return Ok(());
    }
    source_indices_fit(op, &spatial(input)?, output_size, &scales, Source::Nearest)
}

/// `_upsample_nearest_exact{1,2,3}d`: see [`source_indices_fit`].
pub(crate) fn nearest_exact_scales<const N: usize>(
    op: &'static str,
    input: &Tensor,
    output_size: &[i64],
    scales: [Option<f64>; N],
) -> Result<()> {
    if !input.defined() {
        return Ok(());
    }
    source_indices_fit(
        op,
        &spatial(input)?,
        output_size,
        &scales,
        Source::NearestExact,
    )
}

/// `upsample_nearest{1,2,3}d_backward`: see [`source_indices_fit`].
pub(crate) fn nearest_backward_scales<const N: usize>(
    op: &'static str,
    output_size: &[i64],
    input_size: &[i64],
    scales: [Option<f64>; N],
) -> Result<()> {
    let input = input_size.get(2..).unwrap_or_default();
    source_indices_fit(op, input, output_size, &scales, Source::Nearest)
}

/// `_upsample_nearest_exact{1,2,3}d_backward`: see [`source_indices_fit`].
pub(crate) fn nearest_exact_backward_scales<const N: usize>(
    op: &'static str,
    output_size: &[i64],
    input_size: &[i64],
    scales: [Option<f64>; N],
) -> Result<()> {
    let input = input_size.get(2..).unwrap_or_default();
    source_indices_fit(op, input, output_size, &scales, Source::NearestExact)
}

/// `upsample_{linear1d,bilinear2d,trilinear3d,bicubic2d}`: see [`source_indices_fit`].
pub(crate) fn interp_scales<const N: usize>(
    op: &'static str,
    input: &Tensor,
    output_size: &[i64],
    align_corners: bool,
    scales: [Option<f64>; N],
) -> Result<()> {
    if !input.defined() {
        return Ok(());
    }
    let source = Source::Interp { align_corners };
    source_indices_fit(op, &spatial(input)?, output_size, &scales, source)
}

/// The quantized CPU `upsample_bilinear2d` kernel (both memory formats) reads rows
/// `trunc(h1r)` and columns `trunc(w1r)` of the input, where `h1r = max(r * (i + 0.5) - 0.5, 0)`
/// in `float` (`r * i` with `align_corners`) and `r` is `(n - 1) / (m - 1)` with
/// `align_corners`, else `1 / s` for a given positive scale `s`, else `n / m`; unlike the
/// float kernels it never clamps that index to the input. A scale that disagrees with the sizes
/// therefore reads past the input: a source index of at most `n - 1` for the last output is
/// required (every valid call has one: the scale that gave `m = floor(n * s)` keeps it below
/// `n - 0.5`). Equal input and output sizes are copied without reading the scales, except by
/// the channels-last kernel (which a [N, 1, H, W] tensor also takes: it is contiguous both ways).
///
/// (SIGSEGV, fuzz seed 23 with quantized tensors: a quantized [3, 1, 2, 5] self,
/// `output_size` [2, 1], `scales_w = 1e-8`, which puts column 5e7 of a 5-wide input under the
/// only output column.)
pub(crate) fn quantized_bilinear_sources(
    op: &'static str,
    input: &Tensor,
    output_size: &[i64],
    align_corners: bool,
    scales: [Option<f64>; 2],
) -> Result<()> {
    if !input.defined() || !input.f_kind()?.is_quantized() || output_size.len() != 2 {
        return Ok(());
    }
    let sizes = input.f_size()?;
    if sizes.len() != 4 || sizes.contains(&0) || output_size.iter().any(|&m| m <= 0) {
        return Ok(()); // nothing is read, or libtorch rejects the shapes itself
    }
    let input_sizes = [sizes[2], sizes[3]];
    let channels_last = is_channels_last_contiguous(&sizes, &input.f_stride()?);
    if input_sizes == [output_size[0], output_size[1]] && !channels_last {
        return Ok(()); // copied as is (the channels-last kernel has no such shortcut)
    }
    let input = input_sizes;
    for (d, name) in ["scales_h", "scales_w"].into_iter().enumerate() {
        let (n, m) = (input[d], output_size[d]);
        let r: f32 = if align_corners {
            if m > 1 {
                (n - 1) as f32 / (m - 1) as f32
            } else {
                0.0
            }
        } else {
            match scales[d] {
                Some(s) if s > 0.0 => (1.0 / s) as f32,
                _ => n as f32 / m as f32,
            }
        };
        let last = (m - 1) as f32;
        let source = if align_corners {
            r * last
        } else {
            (r * (last + 0.5) - 0.5).max(0.0)
        };
        if source.is_nan() || source >= n as f32 {
            return Err(fail(
                op,
                format!(
                    "{name} ({:?}) puts the source of output index {} of {m} at {source:e}, past \
                     the input's {n} (the quantized kernel does not clamp it)",
                    scales[d],
                    m - 1
                ),
            ));
        }
    }
    Ok(())
}

/// `Tensor.is_contiguous(memory_format=torch.channels_last)` of a 4-d tensor, as c10 computes
/// it: dimensions C, W, H, N have strides 1, C, W·C, H·W·C, ignoring dimensions of size 1.
fn is_channels_last_contiguous(sizes: &[i64], strides: &[i64]) -> bool {
    let mut expected = 1;
    for d in [1, 3, 2, 0] {
        let (Some(&n), Some(&s)) = (sizes.get(d), strides.get(d)) else {
            return false;
        };
        if n != 1 && s != expected {
            return false;
        }
        expected *= n;
    }
    true
}

/// The backwards of [`interp_scales`]' kernels.
pub(crate) fn interp_backward_scales<const N: usize>(
    op: &'static str,
    output_size: &[i64],
    input_size: &[i64],
    align_corners: bool,
    scales: [Option<f64>; N],
) -> Result<()> {
    let input = input_size.get(2..).unwrap_or_default();
    source_indices_fit(
        op,
        input,
        output_size,
        &scales,
        Source::Interp { align_corners },
    )
}

/// The antialiased upsampling kernels compute, for each output index `i` along a resampled
/// dimension (input size `n`, output size `m != n`), a source window starting at `xmin =
/// max(trunc(scale * (i + 0.5) - support + 0.5), 0)` and read its first element even when the
/// window is empty. Without `align_corners`, a given positive scale `s` makes `scale = 1 / s`
/// (else `n / m`), and `support = taps * scale / 2` when `scale >= 1`, else `taps / 2`, in the
/// input's float type. A scale that disagrees with the sizes (`s = 1e-8` for 5 -> 2) starts a
/// window past the input. (A start beyond 2^63 converts to `i64::MIN` and clamps to 0.)
///
/// (SIGSEGV, seed 17: `scales_w = 1e-8` for width 5 -> 2 reads index 5e7.)
fn upsample_aa_windows(
    op: &'static str,
    input: &Tensor,
    output_size: &[i64],
    align_corners: bool,
    scales: [Option<f64>; 2],
    taps: f64,
) -> Result<()> {
    if align_corners || !input.defined() || output_size.len() != 2 {
        return Ok(()); // align_corners derives the scale from the sizes
    }
    let s = input.f_size()?;
    if s.len() != 4 || s.contains(&0) || output_size.iter().any(|&m| m <= 0) {
        return Ok(()); // nothing is read, or libtorch rejects the shapes itself
    }
    let single = input.f_kind()? == Kind::Float;
    let r = |v: f64| if single { v as f32 as f64 } else { v };
    for ((&n, &m), (scale_arg, name)) in s[2..]
        .iter()
        .zip(output_size)
        .zip(scales.into_iter().zip(["scales_h", "scales_w"]))
    {
        let Some(given) = scale_arg.filter(|&v| v > 0.0 && m != n) else {
            continue;
        };
        let scale = r(1.0 / given);
        let support = r(if scale >= 1.0 {
            taps * 0.5 * scale
        } else {
            taps * 0.5
        });
        let start = |i: i64| r(r(scale * (i as f64 + 0.5)) - support) + 0.5;
        const WRAPS: f64 = 9_223_372_036_854_775_808.0; // 2^63
                                                        // The starts grow with i: find the first at or past the input.
        let (mut lo, mut hi) = (0, m);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if start(mid) >= n as f64 {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let window = support.ceil() * 2.0 + 1.0;
        if (lo < m && start(lo) < WRAPS) || window > i32::MAX as f64 {
            return Err(fail(
                op,
                format!(
                    "{name} ({given}) must agree with the input size {n} and output size {m}: \
                     with scale {scale}, output {lo} reads from input index {}",
                    start(lo.min(m - 1)).trunc()
                ),
            ));
        }
    }
    Ok(())
}

/// `_upsample_bilinear2d_aa`: see [`upsample_aa_windows`] (a 2-tap filter).
pub(crate) fn upsample_bilinear_aa(
    op: &'static str,
    input: &Tensor,
    output_size: &[i64],
    align_corners: bool,
    scales_h: Option<f64>,
    scales_w: Option<f64>,
) -> Result<()> {
    upsample_aa_windows(
        op,
        input,
        output_size,
        align_corners,
        [scales_h, scales_w],
        2.0,
    )
}

/// `_upsample_bicubic2d_aa`: see [`upsample_aa_windows`] (a 4-tap filter).
pub(crate) fn upsample_bicubic_aa(
    op: &'static str,
    input: &Tensor,
    output_size: &[i64],
    align_corners: bool,
    scales_h: Option<f64>,
    scales_w: Option<f64>,
) -> Result<()> {
    upsample_aa_windows(
        op,
        input,
        output_size,
        align_corners,
        [scales_h, scales_w],
        4.0,
    )
}
