//! Non-maximum suppression (`torchvision.ops.nms`, `batched_nms`).
//!
//! The greedy pass is torchvision's CPU kernel, run on the host: scores sorted by ATen's `sort`
//! (descending), then each kept box suppresses the later boxes whose IoU with it exceeds the
//! threshold, with the same arithmetic in the boxes' own precision, so the kept indices are
//! torchvision's. Boxes on a GPU are copied to the host for the pass.
use crate::error::{Error, Result};
use crate::{Device, Kind, Tensor};
use std::ops::{Add, Div, Mul, Sub};

/// The float types the kernel runs in (torchvision's CPU kernel: float32 and float64).
trait Real:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Into<f64>
    + crate::Element
{
    const ZERO: Self;
}
impl Real for f32 {
    const ZERO: f32 = 0.0;
}
impl Real for f64 {
    const ZERO: f64 = 0.0;
}

fn max<T: Real>(a: T, b: T) -> T {
    if a < b {
        b
    } else {
        a
    }
}
fn min<T: Real>(a: T, b: T) -> T {
    if b < a {
        b
    } else {
        a
    }
}

/// The greedy pass over `order` (indices by decreasing score); returns the kept indices.
fn greedy<T: Real>(boxes: &[T], areas: &[T], order: &[i64], iou_threshold: f64) -> Vec<i64> {
    let n = order.len();
    let mut suppressed = vec![false; n];
    let mut keep = Vec::new();
    for oi in 0..n {
        let i = order[oi] as usize;
        if suppressed[i] {
            continue;
        }
        keep.push(i as i64);
        let (ix1, iy1, ix2, iy2) = (
            boxes[4 * i],
            boxes[4 * i + 1],
            boxes[4 * i + 2],
            boxes[4 * i + 3],
        );
        let iarea = areas[i];
        for &j in &order[oi + 1..] {
            let j = j as usize;
            if suppressed[j] {
                continue;
            }
            let xx1 = max(ix1, boxes[4 * j]);
            let yy1 = max(iy1, boxes[4 * j + 1]);
            let xx2 = min(ix2, boxes[4 * j + 2]);
            let yy2 = min(iy2, boxes[4 * j + 3]);
            let w = max(T::ZERO, xx2 - xx1);
            let h = max(T::ZERO, yy2 - yy1);
            let inter = w * h;
            let ovr = inter / (iarea + areas[j] - inter);
            if ovr.into() > iou_threshold {
                suppressed[j] = true;
            }
        }
    }
    keep
}

fn run<T: Real>(boxes: &Tensor, scores: &Tensor, iou_threshold: f64) -> Result<Vec<i64>> {
    // areas = (x2 - x1) * (y2 - y1), as the kernel computes them (an ATen expression).
    let c = |i| boxes.f_select_int(1, i);
    let areas = c(2)?.f_sub(&c(0)?)?.f_mul(&c(3)?.f_sub(&c(1)?)?)?;
    let (_, order) = scores.f_sort_with(0, true)?;
    let b: Vec<T> = boxes.f_contiguous()?.to_vec()?;
    let a: Vec<T> = areas.to_vec()?;
    let o: Vec<i64> = order.to_vec()?;
    Ok(greedy(&b, &a, &o, iou_threshold))
}

/// Non-maximum suppression (`torchvision.ops.nms(boxes, scores, iou_threshold)`): the indices
/// (int64) of the boxes kept, by decreasing score. `boxes` `[N, 4]` in `xyxy`, `scores` `[N]`,
/// both float32 or both float64; a box is dropped when its IoU with a higher-scoring kept box
/// is greater than `iou_threshold`.
///
/// ```
/// use libtorch::vision::ops::nms;
/// use libtorch::Tensor;
/// let boxes = Tensor::from_data(
///     &[0.0f32, 0.0, 10.0, 10.0, 1.0, 1.0, 11.0, 11.0, 20.0, 20.0, 30.0, 30.0],
///     &[3, 4],
/// ).unwrap();
/// let scores = Tensor::from_slice(&[0.9f32, 0.95, 0.5]);
/// let keep = nms(&boxes, &scores, 0.5).unwrap();
/// assert_eq!(keep.to_vec::<i64>().unwrap(), [1, 2]);
/// ```
pub fn nms(boxes: &Tensor, scores: &Tensor, iou_threshold: f64) -> Result<Tensor> {
    const OP: &str = "nms";
    check_nms_args(OP, boxes, scores)?;
    let device = boxes.f_device()?;
    let (b, s) = (boxes.f_to(Device::Cpu)?, scores.f_to(Device::Cpu)?);
    let keep = match b.f_kind()? {
        Kind::Float => run::<f32>(&b, &s, iou_threshold),
        _ => run::<f64>(&b, &s, iou_threshold),
    }
    .map_err(|e| e.in_call(OP))?;
    Tensor::from_data(&keep, &[keep.len() as i64])?.f_to(device)
}

fn check_nms_args(op: &'static str, boxes: &Tensor, scores: &Tensor) -> Result<()> {
    let (bs, ss) = (boxes.f_size()?, scores.f_size()?);
    if bs.len() != 2 {
        return Err(Error::invalid(
            op,
            format!("boxes should be a 2d tensor, got {}D", bs.len()),
        ));
    }
    if bs[1] != 4 {
        return Err(Error::invalid(
            op,
            format!("boxes should have 4 elements in dimension 1, got {}", bs[1]),
        ));
    }
    if ss.len() != 1 {
        return Err(Error::invalid(
            op,
            format!("scores should be a 1d tensor, got {}D", ss.len()),
        ));
    }
    if bs[0] != ss[0] {
        return Err(Error::invalid(
            op,
            format!(
                "boxes and scores should have same number of elements in dimension 0, got {} and {}",
                bs[0], ss[0]
            ),
        ));
    }
    let (bk, sk) = (boxes.f_kind()?, scores.f_kind()?);
    if bk != sk {
        return Err(Error::invalid(
            op,
            format!("boxes and scores should have same type, got {bk:?} and {sk:?}"),
        ));
    }
    if !matches!(bk, Kind::Float | Kind::Double) {
        return Err(Error::invalid(
            op,
            format!("boxes should be float32 or float64, got {bk:?}"),
        ));
    }
    if boxes.f_device()? != scores.f_device()? {
        return Err(Error::invalid(
            op,
            "boxes and scores should be on the same device",
        ));
    }
    Ok(())
}

/// NMS within each category (`torchvision.ops.batched_nms(boxes, scores, idxs,
/// iou_threshold)`): boxes with different `idxs` (int64 `[N]`) never suppress each other. The
/// kept indices come by decreasing score. Like torchvision on the CPU, up to 4,000 box
/// coordinates are offset per category and run through one [`nms`]; more run one `nms` per
/// category.
pub fn batched_nms(
    boxes: &Tensor,
    scores: &Tensor,
    idxs: &Tensor,
    iou_threshold: f64,
) -> Result<Tensor> {
    const OP: &str = "batched_nms";
    check_nms_args(OP, boxes, scores)?;
    let is = idxs.f_size()?;
    if is.len() != 1 || is[0] != scores.f_size()?[0] {
        return Err(Error::invalid(
            OP,
            format!(
                "idxs should have shape [{}], got {is:?}",
                scores.f_size()?[0]
            ),
        ));
    }
    if idxs.f_kind()?.is_floating_point() {
        return Err(Error::invalid(OP, "idxs should be an integer tensor"));
    }
    let cuda = boxes.f_device()?.is_cuda();
    let limit = if cuda { 100_000 } else { 4000 };
    let r = if boxes.numel() > limit {
        vanilla(boxes, scores, idxs, iou_threshold)
    } else {
        coordinate_trick(boxes, scores, idxs, iou_threshold)
    };
    r.map_err(|e| e.in_call(OP))
}

fn coordinate_trick(
    boxes: &Tensor,
    scores: &Tensor,
    idxs: &Tensor,
    iou_threshold: f64,
) -> Result<Tensor> {
    if boxes.numel() == 0 {
        return Tensor::f_zeros_opts(&[0], (Kind::Int64, boxes.f_device()?));
    }
    let max_coordinate = boxes.f_max()?;
    let one = Tensor::from_slice(&[1i64])
        .f_reshape(&[])?
        .f_to_opts((boxes.f_kind()?, boxes.f_device()?))?;
    let offsets = idxs
        .f_to_opts((boxes.f_kind()?, boxes.f_device()?))?
        .f_mul(&max_coordinate.f_add(&one)?)?;
    let shifted = boxes.f_add(&offsets.f_unsqueeze(1)?)?;
    nms(&shifted, scores, iou_threshold)
}

fn vanilla(boxes: &Tensor, scores: &Tensor, idxs: &Tensor, iou_threshold: f64) -> Result<Tensor> {
    let mut keep_mask = scores.f_zeros_like()?.f_to_dtype(Kind::Bool)?;
    let classes = idxs.f_unique_dim_with(0, true, false, false)?.0;
    for class_id in classes.f_unbind_int_with(0)? {
        let curr = Tensor::f_where_nonzero(&idxs.f_eq(&class_id)?)?.swap_remove(0);
        let k = nms(
            &boxes.f_index_select(0, &curr)?,
            &scores.f_index_select(0, &curr)?,
            iou_threshold,
        )?;
        let sel = curr.f_index_select(0, &k)?;
        keep_mask = keep_mask.f_index_fill_int_scalar(0, &sel, true)?;
    }
    let keep = Tensor::f_where_nonzero(&keep_mask)?.swap_remove(0);
    let (_, order) = scores.f_index_select(0, &keep)?.f_sort_with(0, true)?;
    keep.f_index_select(0, &order)
}
