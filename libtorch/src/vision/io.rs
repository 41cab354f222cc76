//! Image files as tensors (`torchvision.io`): PNG and JPEG decoded with the `image` crate
//! (pure Rust) into `uint8` `[C, H, W]` tensors, and PNG written back. Needs the `image`
//! feature (on by default).
//!
//! ```
//! use libtorch::vision::io::{decode_image, encode_png, ImageReadMode};
//! use libtorch::Tensor;
//! let img = Tensor::from_data(&[0u8, 50, 100, 150, 200, 250], &[3, 1, 2]).unwrap();
//! let png = encode_png(&img).unwrap();
//! let back = decode_image(&png, ImageReadMode::Unchanged).unwrap();
//! assert_eq!(back.size(), [3, 1, 2]);
//! assert_eq!(back.to_vec::<u8>().unwrap(), [0, 50, 100, 150, 200, 250]);
//! ```
use crate::error::{Error, Result};
use crate::{Kind, Tensor};
use image::{ColorType, DynamicImage};
use std::path::Path;

/// Which channels to decode into (`torchvision.io.ImageReadMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ImageReadMode {
    /// As stored: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels; 16-bit images are
    /// reduced to 8 bits.
    #[default]
    Unchanged,
    /// One gray channel.
    Gray,
    /// Gray and alpha.
    GrayAlpha,
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, alpha.
    RgbAlpha,
}

/// Decodes PNG or JPEG bytes (the format is recognised from them) into a `uint8` `[C, H, W]`
/// tensor (`torchvision.io.decode_image`).
pub fn decode_image(bytes: &[u8], mode: ImageReadMode) -> Result<Tensor> {
    let img = image::load_from_memory(bytes)
        .map_err(|e| Error::data("decode_image", format!("not a readable PNG or JPEG: {e}")))?;
    to_tensor(img, mode)
}

/// Reads a PNG or JPEG file into a `uint8` `[C, H, W]` tensor (`torchvision.io.read_image`).
pub fn read_image(path: impl AsRef<Path>, mode: ImageReadMode) -> Result<Tensor> {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::data("read_image", format!("{}: {e}", path.display())))?;
    decode_image(&bytes, mode)
        .map_err(|e| Error::data("read_image", format!("{}: {}", path.display(), e.message())))
}

/// Reads an image file as float RGB `[3, H, W]` in `[0, 1]` (the tensor torchvision's
/// `ToTensor()` makes from a `PIL.Image.open(path).convert("RGB")`).
///
/// ```no_run
/// use libtorch::vision::{io, transforms::functional as TF};
/// let x = io::load_image("cat.jpg").unwrap();
/// let x = TF::normalize(&x, &[0.485, 0.456, 0.406], &[0.229, 0.224, 0.225]).unwrap();
/// ```
pub fn load_image(path: impl AsRef<Path>) -> Result<Tensor> {
    read_image(path, ImageReadMode::Rgb)?
        .f_to_dtype(Kind::Float)?
        .f_div_scalar(255.0)
}

fn to_tensor(img: DynamicImage, mode: ImageReadMode) -> Result<Tensor> {
    let mode = match mode {
        ImageReadMode::Unchanged => match img.color() {
            ColorType::L8 | ColorType::L16 => ImageReadMode::Gray,
            ColorType::La8 | ColorType::La16 => ImageReadMode::GrayAlpha,
            ColorType::Rgba8 | ColorType::Rgba16 | ColorType::Rgba32F => ImageReadMode::RgbAlpha,
            _ => ImageReadMode::Rgb,
        },
        m => m,
    };
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (bytes, c) = match mode {
        ImageReadMode::Gray => (img.to_luma8().into_raw(), 1),
        ImageReadMode::GrayAlpha => (img.to_luma_alpha8().into_raw(), 2),
        ImageReadMode::Rgb | ImageReadMode::Unchanged => (img.to_rgb8().into_raw(), 3),
        ImageReadMode::RgbAlpha => (img.to_rgba8().into_raw(), 4),
    };
    Tensor::from_data(&bytes, &[h, w, c])?
        .f_permute(&[2, 0, 1])?
        .f_contiguous()
}

/// Encodes a `uint8` `[C, H, W]` image (C = 1, 2, 3 or 4) as PNG bytes
/// (`torchvision.io.encode_png`).
pub fn encode_png(img: &Tensor) -> Result<Vec<u8>> {
    const OP: &str = "encode_png";
    let s = img.f_size()?;
    let kind = img.f_kind()?;
    let (c, h, w) = match *s.as_slice() {
        [c, h, w] if (1..=4).contains(&c) && kind == Kind::Uint8 => (c, h, w),
        _ => {
            return Err(Error::invalid(
                OP,
                format!(
                    "expected a uint8 [C, H, W] image with 1 to 4 channels, got {kind:?} {s:?}"
                ),
            ))
        }
    };
    let hwc: Vec<u8> = img
        .f_to(crate::Device::Cpu)?
        .f_permute(&[1, 2, 0])?
        .f_contiguous()?
        .to_vec()?;
    let color = match c {
        1 => ColorType::L8,
        2 => ColorType::La8,
        3 => ColorType::Rgb8,
        _ => ColorType::Rgba8,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    image::write_buffer_with_format(
        &mut out,
        &hwc,
        w as u32,
        h as u32,
        color,
        image::ImageFormat::Png,
    )
    .map_err(|e| Error::invalid(OP, e.to_string()))?;
    Ok(out.into_inner())
}

/// Writes a `uint8` `[C, H, W]` image as a PNG file (`torchvision.io.write_png`).
pub fn write_png(img: &Tensor, path: impl AsRef<Path>) -> Result<()> {
    let bytes = encode_png(img)?;
    let path = path.as_ref();
    std::fs::write(path, bytes)
        .map_err(|e| Error::data("write_png", format!("{}: {e}", path.display())))
}
