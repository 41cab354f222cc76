//! CIFAR-10 in its binary version (`cifar-10-binary.tar.gz`, unpacked): `data_batch_1.bin` ..
//! `data_batch_5.bin` (training, 50,000 images) and `test_batch.bin` (10,000), each a run of
//! 3,073-byte records: one label byte (0-9), then a 32×32 image as 1,024 red, 1,024 green and
//! 1,024 blue bytes, rows top to bottom.
//!
//! ```
//! use libtorch::data::{cifar, Dataset};
//! let dir = std::env::temp_dir().join(format!("cifar-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let mut record = vec![7u8]; // label 7, then a mid-grey image
//! record.extend([128u8; 3072]);
//! std::fs::write(dir.join("test_batch.bin"), [record.clone(), record].concat()).unwrap();
//! let ds = cifar::load(&dir, cifar::Split::Test).unwrap();
//! assert_eq!(ds.inputs().size(), [2, 3, 32, 32]);
//! let (x, y) = ds.get(1).unwrap();
//! assert_eq!(y.int64_value(), 7);
//! assert!((x.mean().double_value() - 128.0 / 255.0).abs() < 1e-6);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
use super::TensorDataset;
use crate::error::{Error, Result};
use crate::{Kind, Tensor};
use std::path::{Path, PathBuf};

const OP: &str = "cifar::load";

/// Bytes per record: a label and a 3×32×32 image.
pub const RECORD_BYTES: usize = 1 + IMAGE_BYTES;
/// Bytes per image.
pub const IMAGE_BYTES: usize = 3 * 32 * 32;
/// The ten classes, by label.
pub const CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Which half of the dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// `data_batch_1.bin` .. `data_batch_5.bin`.
    Train,
    /// `test_batch.bin`.
    Test,
}

impl Split {
    /// The file names of this split, in order.
    pub fn files(self) -> Vec<String> {
        match self {
            Split::Train => (1..=5).map(|i| format!("data_batch_{i}.bin")).collect(),
            Split::Test => vec!["test_batch.bin".to_owned()],
        }
    }
}

/// The directory holding the files: `dir` itself, or the archive's `cifar-10-batches-bin/`
/// inside it.
fn data_dir(dir: &Path, split: Split) -> Result<PathBuf> {
    let first = &split.files()[0];
    for d in [dir.to_path_buf(), dir.join("cifar-10-batches-bin")] {
        if d.join(first).is_file() {
            return Ok(d);
        }
    }
    Err(Error::data(
        OP,
        format!(
            "{}: no {first} here or in cifar-10-batches-bin/ (the binary version of CIFAR-10)",
            dir.display()
        ),
    ))
}

/// Whether `dir` (or its `cifar-10-batches-bin/`) holds all six files.
pub fn is_complete(dir: impl AsRef<Path>) -> bool {
    let dir = dir.as_ref();
    [Split::Train, Split::Test]
        .iter()
        .all(|&s| data_dir(dir, s).is_ok_and(|d| s.files().iter().all(|f| d.join(f).is_file())))
}

/// Parses one batch file's bytes: images `Uint8 [N, 3, 32, 32]` and labels `Int64 [N]`.
/// `name` is used in errors. A length that is not a whole number of records, or a label above
/// 9, is an [`Error::Data`].
pub fn parse(bytes: &[u8], name: &str) -> Result<(Tensor, Tensor)> {
    if bytes.is_empty() || bytes.len() % RECORD_BYTES != 0 {
        return Err(Error::data(
            OP,
            format!(
                "{name}: {} bytes is not a whole number of {RECORD_BYTES}-byte records",
                bytes.len()
            ),
        ));
    }
    let n = bytes.len() / RECORD_BYTES;
    let mut labels = Vec::with_capacity(n);
    let mut pixels = Vec::with_capacity(n * IMAGE_BYTES);
    for (i, rec) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
        if rec[0] > 9 {
            return Err(Error::data(
                OP,
                format!("{name}: record {i} has label {}, outside 0-9", rec[0]),
            ));
        }
        labels.push(rec[0] as i64);
        pixels.extend_from_slice(&rec[1..]);
    }
    let x = Tensor::from_data(&pixels, &[n as i64, 3, 32, 32])?;
    let y = Tensor::from_data(&labels, &[n as i64])?;
    Ok((x, y))
}

/// Reads one batch file (see [`parse`]).
pub fn read_batch(path: impl AsRef<Path>) -> Result<(Tensor, Tensor)> {
    let path = path.as_ref();
    let bytes =
        std::fs::read(path).map_err(|e| Error::data(OP, format!("{}: {e}", path.display())))?;
    parse(&bytes, &path.display().to_string())
}

/// Loads one split from `dir` (the folder with the `.bin` files, or the one holding
/// `cifar-10-batches-bin/`): inputs `Uint8 [N, 3, 32, 32]` (scaled to `Float` in `[0, 1]`
/// per batch, as torchvision's `ToTensor`), targets `Int64 [N]`.
pub fn load(dir: impl AsRef<Path>, split: Split) -> Result<TensorDataset> {
    let d = data_dir(dir.as_ref(), split)?;
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for f in split.files() {
        let (x, y) = read_batch(d.join(&f))?;
        xs.push(x);
        ys.push(y);
    }
    let x = Tensor::f_cat(&xs)?;
    let y = Tensor::f_cat(&ys)?.f_to_dtype(Kind::Int64)?;
    Ok(TensorDataset::new(x, y)?.with_input_scale(1.0 / 255.0))
}
