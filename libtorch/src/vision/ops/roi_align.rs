//! RoI Align (`torchvision.ops.roi_align`) on ATen operations.
//!
//! torchvision's kernel averages, per output bin, bilinear samples on a regular grid. Bilinear
//! weights factor into a row part and a column part (and a sample outside the map is dropped
//! by a test on its row or on its column), so each region's output is `Ay · X · Axᵀ`: `Ay`
//! `[PH, H]` holds each bin's summed row weights and `Ax` `[PW, W]` the column weights, both
//! computed on the host with the kernel's arithmetic, and two `matmul`s do the sampling. It is
//! differentiable through autograd. Results equal torchvision's to rounding (the sums run in
//! another order), not bit for bit.
use crate::error::{Error, Result};
use crate::{Device, Kind, Tensor};

/// One axis's weights: `[pooled, size]` row-major, with the first and last touched column.
struct Axis<T> {
    w: Vec<T>,
    lo: usize,
    hi: usize,
}

/// The weights of one axis (rows or columns), as torchvision's `pre_calc_for_bilinear_interpolate`.
fn axis_weights<T>(start: T, bin: T, grid: i64, pooled: i64, size: i64) -> Axis<T>
where
    T: Copy + PartialOrd + std::ops::Add<Output = T> + std::ops::Sub<Output = T>,
    T: std::ops::Mul<Output = T> + std::ops::Div<Output = T> + FromF64 + Into<f64>,
{
    let (n, s) = (pooled as usize, size as usize);
    let mut w = vec![T::from_f64(0.0); n * s];
    let (mut lo, mut hi) = (usize::MAX, 0usize);
    let zero = T::from_f64(0.0);
    for p in 0..n {
        for i in 0..grid {
            // roi_start + p * bin_size + (i + .5) * bin_size / grid
            let mut y = start
                + T::from_f64(p as f64) * bin
                + T::from_f64(i as f64 + 0.5) * bin / T::from_f64(grid as f64);
            let yf: f64 = y.into();
            if yf < -1.0 || yf > size as f64 {
                continue; // the kernel's "empty" sample: weight 0
            }
            if y <= zero {
                y = zero;
            }
            let mut low = Into::<f64>::into(y) as i64;
            let high;
            if low >= size - 1 {
                low = size - 1;
                high = low;
                y = T::from_f64(low as f64);
            } else {
                high = low + 1;
            }
            let l = y - T::from_f64(low as f64);
            let h = T::from_f64(1.0) - l;
            let (low, high) = (low as usize, high as usize);
            w[p * s + low] = w[p * s + low] + h;
            w[p * s + high] = w[p * s + high] + l;
            lo = lo.min(low);
            hi = hi.max(high);
        }
    }
    Axis { w, lo, hi }
}

/// `f32`/`f64` from an `f64` (the kernel's `static_cast<T>`).
trait FromF64 {
    fn from_f64(v: f64) -> Self;
}
impl FromF64 for f32 {
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}
impl FromF64 for f64 {
    fn from_f64(v: f64) -> f64 {
        v
    }
}

/// Region-of-interest align (`torchvision.ops.roi_align(input, boxes, output_size,
/// spatial_scale, sampling_ratio, aligned)`): `input` `[N, C, H, W]`, `boxes` `[K, 5]` rows
/// `(batch_index, x1, y1, x2, y2)` in the input image's coordinates (times `spatial_scale`
/// gives the feature map's), `output_size` `(height, width)`; `sampling_ratio` samples per bin
/// side (`<= 0`: adaptive, `ceil(roi_size / output_size)`), `aligned` shifts boxes by half a
/// pixel. Returns `[K, C, output_h, output_w]`. torchvision's defaults: `spatial_scale = 1.0`,
/// `sampling_ratio = -1`, `aligned = false`. For per-image box lists (`List[Tensor[L, 4]]`),
/// prepend each list's image index and `cat` them.
///
/// ```
/// use libtorch::vision::ops::roi_align;
/// use libtorch::Tensor;
/// let x = Tensor::arange_opts(0, 16, 1, (libtorch::Kind::Float, libtorch::Device::Cpu))
///     .reshape(&[1, 1, 4, 4]);
/// let rois = Tensor::from_data(&[0.0f32, 0.0, 0.0, 4.0, 4.0], &[1, 5]).unwrap();
/// let y = roi_align(&x, &rois, (2, 2), 1.0, 2, true).unwrap();
/// assert_eq!(y.size(), [1, 1, 2, 2]);
/// assert_eq!(y.to_vec::<f32>().unwrap(), [2.5, 4.5, 10.5, 12.5]);
/// ```
pub fn roi_align(
    input: &Tensor,
    boxes: &Tensor,
    output_size: (i64, i64),
    spatial_scale: f64,
    sampling_ratio: i64,
    aligned: bool,
) -> Result<Tensor> {
    const OP: &str = "roi_align";
    let is = input.f_size()?;
    let bs = boxes.f_size()?;
    if is.len() != 4 {
        return Err(Error::invalid(
            OP,
            format!("input should be [N, C, H, W], got shape {is:?}"),
        ));
    }
    if bs.len() != 2 || bs[1] != 5 {
        return Err(Error::invalid(
            OP,
            format!("The boxes tensor shape is not correct as Tensor[K, 5], got {bs:?}"),
        ));
    }
    let (ik, bk) = (input.f_kind()?, boxes.f_kind()?);
    if ik != bk || !matches!(ik, Kind::Float | Kind::Double) {
        return Err(Error::invalid(
            OP,
            format!(
                "input and boxes should both be float32 or both float64, got {ik:?} and {bk:?}"
            ),
        ));
    }
    let (ph, pw) = output_size;
    if ph <= 0 || pw <= 0 {
        return Err(Error::invalid(
            OP,
            format!("output_size should be positive, got ({ph}, {pw})"),
        ));
    }
    let r = match ik {
        Kind::Float => run::<f32>(
            input,
            boxes,
            output_size,
            spatial_scale,
            sampling_ratio,
            aligned,
        ),
        _ => run::<f64>(
            input,
            boxes,
            output_size,
            spatial_scale,
            sampling_ratio,
            aligned,
        ),
    };
    r.map_err(|e| e.in_call(OP))
}

fn run<T>(
    input: &Tensor,
    boxes: &Tensor,
    (ph, pw): (i64, i64),
    spatial_scale: f64,
    sampling_ratio: i64,
    aligned: bool,
) -> Result<Tensor>
where
    T: Copy + PartialOrd + std::ops::Add<Output = T> + std::ops::Sub<Output = T>,
    T: std::ops::Mul<Output = T> + std::ops::Div<Output = T> + FromF64 + Into<f64>,
    T: crate::Element,
{
    let is = input.f_size()?;
    let (n, c, h, w) = (is[0], is[1], is[2], is[3]);
    let device = input.f_device()?;
    let kind = input.f_kind()?;
    let rois: Vec<T> = boxes.f_to(Device::Cpu)?.f_contiguous()?.to_vec()?;
    let k = rois.len() / 5;
    let mut outs = Vec::with_capacity(k);
    let f = |v: f64| T::from_f64(v);
    for r in 0..k {
        let roi = &rois[5 * r..5 * r + 5];
        let b = Into::<f64>::into(roi[0]) as i64;
        if b < 0 || b >= n {
            return Err(Error::invalid(
                "roi_align",
                format!("box {r} has batch index {b}, outside the input's {n} images"),
            ));
        }
        let offset = if aligned { 0.5 } else { 0.0 };
        // offset_rois[i] * spatial_scale - offset, in double, stored as T (as the kernel).
        let sc = |v: T| f(Into::<f64>::into(v) * spatial_scale - offset);
        let (sw, sh, ew, eh) = (sc(roi[1]), sc(roi[2]), sc(roi[3]), sc(roi[4]));
        let mut rw = ew - sw;
        let mut rh = eh - sh;
        if !aligned {
            if rw < f(1.0) {
                rw = f(1.0);
            }
            if rh < f(1.0) {
                rh = f(1.0);
            }
        }
        let bin_h = rh / f(ph as f64);
        let bin_w = rw / f(pw as f64);
        let grid = |size: T, pooled: i64| -> i64 {
            if sampling_ratio > 0 {
                sampling_ratio
            } else {
                (Into::<f64>::into(size / f(pooled as f64))).ceil() as i64
            }
        };
        let (gh, gw) = (grid(rh, ph), grid(rw, pw));
        // Adaptive sampling of a huge (or infinite) box would loop for ever, as torchvision's
        // kernel does; every sample past the map is dropped anyway.
        const MAX_GRID: i64 = 1 << 16;
        if gh > MAX_GRID || gw > MAX_GRID {
            return Err(Error::invalid(
                "roi_align",
                format!(
                    "box {r} needs a {gh}x{gw} sampling grid per bin (its size is not finite or \
                     too large); pass a positive sampling_ratio"
                ),
            ));
        }
        let count = (gh * gw).max(1);
        let ay = axis_weights(sh, bin_h, gh, ph, h);
        let ax = axis_weights(sw, bin_w, gw, pw, w);
        if ay.lo > ay.hi || ax.lo > ax.hi {
            outs.push(Tensor::f_zeros_opts(&[c, ph, pw], (kind, device))?);
            continue;
        }
        let band = |a: &Axis<T>, pooled: i64, size: i64| -> Result<Tensor> {
            let m = Tensor::from_data(&a.w, &[pooled, size])?;
            m.f_narrow(1, a.lo as i64, (a.hi - a.lo + 1) as i64)?
                .f_to(device)
        };
        let my = band(&ay, ph, h)?;
        let mx = band(&ax, pw, w)?;
        let x = input
            .f_select_int(0, b)?
            .f_narrow(1, ay.lo as i64, (ay.hi - ay.lo + 1) as i64)?
            .f_narrow(2, ax.lo as i64, (ax.hi - ax.lo + 1) as i64)?;
        let y = my.f_matmul(&x)?.f_matmul(&mx.f_transpose_int(0, 1)?)?;
        outs.push(y.f_div_scalar(count)?);
    }
    if outs.is_empty() {
        return Tensor::f_zeros_opts(&[0, c, ph, pw], (kind, device));
    }
    Tensor::f_stack_with(&outs, 0)
}
