//! MNIST-layout datasets (MNIST, Fashion-MNIST, KMNIST): four IDX files in one directory.
use super::{idx, TensorDataset};
use crate::error::{Error, Result};
use crate::Kind;
use std::path::{Path, PathBuf};

const OP: &str = "mnist::load";

/// Which half of the dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte` (60,000 examples).
    Train,
    /// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (10,000 examples).
    Test,
}

impl Split {
    fn prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// The path of `{prefix}-{what}` in `dir`, raw or with `.gz`, under either spelling of the
/// original files (`-idx3-ubyte` or `.idx3-ubyte`).
pub fn find_file(dir: &Path, split: Split, what: &str, ndim: u8) -> Result<PathBuf> {
    let p = split.prefix();
    let names = [
        format!("{p}-{what}-idx{ndim}-ubyte"),
        format!("{p}-{what}.idx{ndim}-ubyte"),
    ];
    for name in &names {
        for ext in ["", ".gz"] {
            let path = dir.join(format!("{name}{ext}"));
            if path.is_file() {
                return Ok(path);
            }
        }
    }
    Err(Error::data(
        OP,
        format!("{}: no {}[.gz] here", dir.display(), names[0]),
    ))
}

/// Whether `dir` holds all four files.
pub fn is_complete(dir: &Path) -> bool {
    [Split::Train, Split::Test]
        .iter()
        .all(|&s| find_file(dir, s, "images", 3).is_ok() && find_file(dir, s, "labels", 1).is_ok())
}

/// Loads one split: inputs `Uint8 [N, 1, H, W]` (scaled to `Float` in `[0, 1]` per batch),
/// targets `Int64 [N]`.
pub fn load(dir: impl AsRef<Path>, split: Split) -> Result<TensorDataset> {
    let dir = dir.as_ref();
    let img_path = find_file(dir, split, "images", 3)?;
    let lbl_path = find_file(dir, split, "labels", 1)?;
    let images = idx::read(&img_path)?;
    let labels = idx::read(&lbl_path)?;
    let bad = |path: &Path, m: String| Error::data(OP, format!("{}: {m}", path.display()));
    if images.kind != idx::IdxType::U8 || images.dims.len() != 3 {
        return Err(bad(
            &img_path,
            format!(
                "expected 3-D unsigned-byte images, found {:?} with dimensions {:?}",
                images.kind, images.dims
            ),
        ));
    }
    if labels.kind != idx::IdxType::U8 || labels.dims.len() != 1 {
        return Err(bad(
            &lbl_path,
            format!(
                "expected 1-D unsigned-byte labels, found {:?} with dimensions {:?}",
                labels.kind, labels.dims
            ),
        ));
    }
    if images.dims[0] != labels.dims[0] {
        return Err(bad(
            &lbl_path,
            format!(
                "{} labels for {} images in {}",
                labels.dims[0],
                images.dims[0],
                img_path.display()
            ),
        ));
    }
    let (n, h, w) = (
        images.dims[0] as i64,
        images.dims[1] as i64,
        images.dims[2] as i64,
    );
    let x = images.to_tensor()?.f_reshape(&[n, 1, h, w])?;
    let y = labels.to_tensor()?.f_to_dtype(Kind::Int64)?;
    Ok(TensorDataset::new(x, y)?.with_input_scale(1.0 / 255.0))
}
