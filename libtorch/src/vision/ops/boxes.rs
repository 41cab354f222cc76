//! Box geometry as `torchvision.ops`: format conversion, area, IoU, clipping, filtering. Every
//! function runs the same ATen operations in the same order as torchvision 0.26, so results are
//! bit-identical to it.
use crate::error::{Error, Result};
use crate::{Kind, Tensor};

/// A box layout, as torchvision's format strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoxFormat {
    /// `"xyxy"`: top-left corner `(x1, y1)` and bottom-right corner `(x2, y2)`.
    Xyxy,
    /// `"xywh"`: top-left corner and width, height.
    Xywh,
    /// `"cxcywh"`: centre and width, height.
    Cxcywh,
}

impl BoxFormat {
    /// The format named by torchvision's string (`"xyxy"`, `"xywh"`, `"cxcywh"`); the rotated
    /// formats (`"xywhr"`, `"cxcywhr"`, `"xyxyxyxy"`) are not supported here.
    pub fn parse(op: &'static str, s: &str) -> Result<BoxFormat> {
        match s {
            "xyxy" => Ok(BoxFormat::Xyxy),
            "xywh" => Ok(BoxFormat::Xywh),
            "cxcywh" => Ok(BoxFormat::Cxcywh),
            "xywhr" | "cxcywhr" | "xyxyxyxy" => Err(Error::invalid(
                op,
                format!("rotated box format {s:?} is not supported (only xyxy, xywh, cxcywh)"),
            )),
            _ => Err(Error::invalid(
                op,
                format!("unsupported box format {s:?} (expected xyxy, xywh or cxcywh)"),
            )),
        }
    }
}

/// Checks that `boxes` is `[..., 4]` with at least `min_dims` dimensions.
pub(crate) fn check_boxes(
    op: &'static str,
    what: &str,
    boxes: &Tensor,
    min_dims: usize,
) -> Result<()> {
    let s = boxes.f_size()?;
    if s.len() < min_dims || s.last() != Some(&4) {
        let need = if min_dims >= 2 {
            "[..., N, 4]"
        } else {
            "[..., 4]"
        };
        return Err(Error::invalid(
            op,
            format!("{what} should have shape {need}, got {s:?}"),
        ));
    }
    Ok(())
}

/// torchvision's `_upcast`: half floats to float32, small integers to int32.
fn upcast(t: &Tensor) -> Result<Tensor> {
    let k = t.f_kind()?;
    if k.is_floating_point() {
        if matches!(k, Kind::Float | Kind::Double) {
            Ok(t.clone())
        } else {
            t.f_to_dtype(Kind::Float)
        }
    } else if matches!(k, Kind::Int | Kind::Int64) {
        Ok(t.clone())
    } else {
        t.f_to_dtype(Kind::Int)
    }
}

/// `boxes[..., a:b]`.
fn cols(t: &Tensor, start: i64, len: i64) -> Result<Tensor> {
    t.f_narrow(-1, start, len)
}

/// Converts boxes between formats (`torchvision.ops.box_convert(boxes, in_fmt, out_fmt)`):
/// `boxes` is `[..., 4]`; the formats are `"xyxy"`, `"xywh"` or `"cxcywh"`.
///
/// ```
/// use libtorch::vision::ops::box_convert;
/// use libtorch::Tensor;
/// let b = Tensor::from_data(&[10.0f32, 20.0, 4.0, 6.0], &[1, 4]).unwrap();
/// let xyxy = box_convert(&b, "cxcywh", "xyxy").unwrap();
/// assert_eq!(xyxy.to_vec::<f32>().unwrap(), [8.0, 17.0, 12.0, 23.0]);
/// ```
pub fn box_convert(boxes: &Tensor, in_fmt: &str, out_fmt: &str) -> Result<Tensor> {
    const OP: &str = "box_convert";
    let (i, o) = (
        BoxFormat::parse(OP, in_fmt)?,
        BoxFormat::parse(OP, out_fmt)?,
    );
    check_boxes(OP, "boxes", boxes, 1)?;
    use BoxFormat::*;
    let r = match (i, o) {
        _ if i == o => boxes.f_deep_clone(),
        (Xywh, Xyxy) => xywh_to_xyxy(boxes),
        (Cxcywh, Xyxy) => cxcywh_to_xyxy(boxes),
        (Xyxy, Xywh) => xyxy_to_xywh(boxes),
        (Xyxy, Cxcywh) => xyxy_to_cxcywh(boxes),
        (Xywh, Cxcywh) => xyxy_to_cxcywh(&xywh_to_xyxy(boxes)?),
        (Cxcywh, Xywh) => xyxy_to_xywh(&cxcywh_to_xyxy(boxes)?),
        _ => unreachable!("every pair of distinct formats is listed"),
    };
    r.map_err(|e| e.in_call(OP))
}

fn unbind4(b: &Tensor) -> Result<[Tensor; 4]> {
    let v = b.f_unbind_int_with(-1)?;
    v.try_into()
        .map_err(|_| Error::invalid("box_convert", "boxes need 4 coordinates"))
}

fn cxcywh_to_xyxy(b: &Tensor) -> Result<Tensor> {
    let [cx, cy, w, h] = unbind4(b)?;
    let hw = w.f_mul_scalar(0.5)?;
    let hh = h.f_mul_scalar(0.5)?;
    Tensor::f_stack_with(
        &[
            cx.f_sub(&hw)?,
            cy.f_sub(&hh)?,
            cx.f_add(&hw)?,
            cy.f_add(&hh)?,
        ],
        -1,
    )
}

fn xyxy_to_cxcywh(b: &Tensor) -> Result<Tensor> {
    let [x1, y1, x2, y2] = unbind4(b)?;
    let cx = x1.f_add(&x2)?.f_div_scalar(2)?;
    let cy = y1.f_add(&y2)?.f_div_scalar(2)?;
    Tensor::f_stack_with(&[cx, cy, x2.f_sub(&x1)?, y2.f_sub(&y1)?], -1)
}

fn xywh_to_xyxy(b: &Tensor) -> Result<Tensor> {
    let [x, y, w, h] = unbind4(b)?;
    let (x2, y2) = (x.f_add(&w)?, y.f_add(&h)?);
    Tensor::f_stack_with(&[x, y, x2, y2], -1)
}

fn xyxy_to_xywh(b: &Tensor) -> Result<Tensor> {
    let [x1, y1, x2, y2] = unbind4(b)?;
    let (w, h) = (x2.f_sub(&x1)?, y2.f_sub(&y1)?);
    Tensor::f_stack_with(&[x1, y1, w, h], -1)
}

/// The area of each box (`torchvision.ops.box_area(boxes)`), `[..., 4]` in `xyxy` -> `[...]`;
/// half-precision inputs are computed in float32 and small integers in int32, as torchvision.
///
/// ```
/// use libtorch::vision::ops::box_area;
/// use libtorch::Tensor;
/// let b = Tensor::from_data(&[0.0f32, 0.0, 2.0, 3.0, 1.0, 1.0, 2.0, 2.0], &[2, 4]).unwrap();
/// assert_eq!(box_area(&b).unwrap().to_vec::<f32>().unwrap(), [6.0, 1.0]);
/// ```
pub fn box_area(boxes: &Tensor) -> Result<Tensor> {
    box_area_with(boxes, "xyxy")
}

/// `box_area(boxes, fmt)` for any of `"xyxy"`, `"xywh"`, `"cxcywh"`.
pub fn box_area_with(boxes: &Tensor, fmt: &str) -> Result<Tensor> {
    const OP: &str = "box_area";
    let fmt = BoxFormat::parse(OP, fmt)?;
    check_boxes(OP, "boxes", boxes, 1)?;
    area(boxes, fmt).map_err(|e| e.in_call(OP))
}

fn area(boxes: &Tensor, fmt: BoxFormat) -> Result<Tensor> {
    let b = upcast(boxes)?;
    let c = |i| b.f_select_int(-1, i);
    if fmt == BoxFormat::Xyxy {
        c(2)?.f_sub(&c(0)?)?.f_mul(&c(3)?.f_sub(&c(1)?)?)
    } else {
        c(2)?.f_mul(&c(3)?)
    }
}

/// `(inter, union)` of every pair, `[..., N, M]` (torchvision's `_box_inter_union`).
fn inter_union(b1: &Tensor, b2: &Tensor, fmt: BoxFormat) -> Result<(Tensor, Tensor)> {
    let area1 = area(b1, fmt)?;
    let area2 = area(b2, fmt)?;
    // boxes1[..., None, a:b] and boxes2[..., None, :, a:b]
    let p1 = |t: &Tensor| t.f_unsqueeze(-2);
    let p2 = |t: &Tensor| t.f_unsqueeze(-3);
    let (lo1, hi1) = (cols(b1, 0, 2)?, cols(b1, 2, 2)?);
    let (lo2, hi2) = (cols(b2, 0, 2)?, cols(b2, 2, 2)?);
    let (lt, rb) = match fmt {
        BoxFormat::Xyxy => (
            p1(&lo1)?.f_max_other(&p2(&lo2)?)?,
            p1(&hi1)?.f_min_other(&p2(&hi2)?)?,
        ),
        BoxFormat::Xywh => (
            p1(&lo1)?.f_max_other(&p2(&lo2)?)?,
            p1(&lo1)?
                .f_add(&p1(&hi1)?)?
                .f_min_other(&p2(&lo2)?.f_add(&p2(&hi2)?)?)?,
        ),
        BoxFormat::Cxcywh => {
            let (h1, h2) = (p1(&hi1)?.f_div_scalar(2)?, p2(&hi2)?.f_div_scalar(2)?);
            (
                p1(&lo1)?.f_sub(&h1)?.f_max_other(&p2(&lo2)?.f_sub(&h2)?)?,
                p1(&lo1)?.f_add(&h1)?.f_min_other(&p2(&lo2)?.f_add(&h2)?)?,
            )
        }
    };
    let wh = upcast(&rb.f_sub(&lt)?)?.f_clamp_min(0)?;
    let inter = wh.f_select_int(-1, 0)?.f_mul(&wh.f_select_int(-1, 1)?)?;
    let union = area1
        .f_unsqueeze(-1)?
        .f_add(&area2.f_unsqueeze(-2)?)?
        .f_sub(&inter)?;
    Ok((inter, union))
}

fn check_pair(op: &'static str, b1: &Tensor, b2: &Tensor) -> Result<()> {
    check_boxes(op, "boxes1", b1, 2)?;
    check_boxes(op, "boxes2", b2, 2)
}

/// Intersection over union of every pair (`torchvision.ops.box_iou(boxes1, boxes2)`):
/// `[..., N, 4]` and `[..., M, 4]` in `xyxy` give `[..., N, M]`.
///
/// ```
/// use libtorch::vision::ops::box_iou;
/// use libtorch::Tensor;
/// let a = Tensor::from_data(&[0.0f32, 0.0, 2.0, 2.0], &[1, 4]).unwrap();
/// let b = Tensor::from_data(&[1.0f32, 0.0, 3.0, 2.0], &[1, 4]).unwrap();
/// // intersection 2, union 6
/// assert_eq!(box_iou(&a, &b).unwrap().to_vec::<f32>().unwrap(), [2.0 / 6.0]);
/// ```
pub fn box_iou(boxes1: &Tensor, boxes2: &Tensor) -> Result<Tensor> {
    box_iou_with(boxes1, boxes2, "xyxy")
}

/// `box_iou(boxes1, boxes2, fmt)` for any of `"xyxy"`, `"xywh"`, `"cxcywh"`.
pub fn box_iou_with(boxes1: &Tensor, boxes2: &Tensor, fmt: &str) -> Result<Tensor> {
    const OP: &str = "box_iou";
    let fmt = BoxFormat::parse(OP, fmt)?;
    check_pair(OP, boxes1, boxes2)?;
    let r = inter_union(boxes1, boxes2, fmt).and_then(|(i, u)| i.f_div(&u));
    r.map_err(|e| e.in_call(OP))
}

/// Generalized IoU of every pair (`torchvision.ops.generalized_box_iou`), boxes in `xyxy`:
/// IoU minus the share of the enclosing box that the union leaves empty, in `[-1, 1]`.
pub fn generalized_box_iou(boxes1: &Tensor, boxes2: &Tensor) -> Result<Tensor> {
    const OP: &str = "generalized_box_iou";
    check_pair(OP, boxes1, boxes2)?;
    let r = (|| {
        let (inter, union) = inter_union(boxes1, boxes2, BoxFormat::Xyxy)?;
        let iou = inter.f_div(&union)?;
        let lti = cols(boxes1, 0, 2)?
            .f_unsqueeze(-2)?
            .f_min_other(&cols(boxes2, 0, 2)?.f_unsqueeze(-3)?)?;
        let rbi = cols(boxes1, 2, 2)?
            .f_unsqueeze(-2)?
            .f_max_other(&cols(boxes2, 2, 2)?.f_unsqueeze(-3)?)?;
        let whi = upcast(&rbi.f_sub(&lti)?)?.f_clamp_min(0)?;
        let areai = whi.f_select_int(-1, 0)?.f_mul(&whi.f_select_int(-1, 1)?)?;
        iou.f_sub(&areai.f_sub(&union)?.f_div(&areai)?)
    })();
    r.map_err(|e| e.in_call(OP))
}

/// Clips `xyxy` boxes `[..., 4]` to an image of `size = (height, width)`
/// (`torchvision.ops.clip_boxes_to_image`).
///
/// ```
/// use libtorch::vision::ops::clip_boxes_to_image;
/// use libtorch::Tensor;
/// let b = Tensor::from_data(&[-3.0f32, 2.0, 50.0, 9.0], &[1, 4]).unwrap();
/// let c = clip_boxes_to_image(&b, (8, 40)).unwrap();
/// assert_eq!(c.to_vec::<f32>().unwrap(), [0.0, 2.0, 40.0, 8.0]);
/// ```
pub fn clip_boxes_to_image(boxes: &Tensor, size: (i64, i64)) -> Result<Tensor> {
    const OP: &str = "clip_boxes_to_image";
    check_boxes(OP, "boxes", boxes, 1)?;
    let (height, width) = size;
    let r = (|| {
        let dim = boxes.f_dim()? as i64;
        let x = boxes.f_slice_with(-1, Some(0), None, 2)?;
        let y = boxes.f_slice_with(-1, Some(1), None, 2)?;
        let x = x.f_clamp(0, width)?;
        let y = y.f_clamp(0, height)?;
        Tensor::f_stack_with(&[x, y], dim)?.f_reshape(&boxes.f_size()?)
    })();
    r.map_err(|e| e.in_call(OP))
}

/// The indices (int64) of the `xyxy` boxes whose width and height are both at least
/// `min_size` (`torchvision.ops.remove_small_boxes`).
pub fn remove_small_boxes(boxes: &Tensor, min_size: f64) -> Result<Tensor> {
    const OP: &str = "remove_small_boxes";
    check_boxes(OP, "boxes", boxes, 1)?;
    let r = (|| -> Result<Tensor> {
        let c = |i| boxes.f_select_int(-1, i);
        let ws = c(2)?.f_sub(&c(0)?)?;
        let hs = c(3)?.f_sub(&c(1)?)?;
        let keep = ws.f_ge(min_size)?.f_logical_and(&hs.f_ge(min_size)?)?;
        let mut v = Tensor::f_where_nonzero(&keep)?;
        Ok(v.swap_remove(0))
    })();
    r.map_err(|e| e.in_call(OP))
}
