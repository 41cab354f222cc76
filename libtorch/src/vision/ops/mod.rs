//! Detection operators as `torchvision.ops`: box conversions and geometry ([`box_convert`],
//! [`box_area`], [`box_iou`], [`generalized_box_iou`], [`clip_boxes_to_image`],
//! [`remove_small_boxes`]), non-maximum suppression ([`nms`], [`batched_nms`]) and
//! [`roi_align`]. Boxes are `[..., 4]` tensors, `xyxy` unless a format is named.
mod boxes;
mod nms;
mod roi_align;

pub use boxes::{
    box_area, box_area_with, box_convert, box_iou, box_iou_with, clip_boxes_to_image,
    generalized_box_iou, remove_small_boxes, BoxFormat,
};
pub use nms::{batched_nms, nms};
pub use roi_align::roi_align;
