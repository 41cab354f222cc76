//! `libtorch::data`: the IDX reader on files written here (valid, gzip, truncated, corrupted),
//! MNIST-layout directories, and the DataLoader's batching, shuffling and workers.
use flate2::write::GzEncoder;
use flate2::Compression;
use libtorch::data::idx::{self, IdxType};
use libtorch::data::{mnist, DataLoader, Dataset, TensorDataset};
use libtorch::{Device, Error, Kind, Tensor};
use std::io::Write;
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ltrs-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// An IDX file by hand: magic (0, 0, type, ndims), big-endian u32 sizes, then `data`.
fn idx_bytes(code: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, code, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(data);
    v
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let p = tmp(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The error's message, asserting it is a data error.
fn data_err<T: std::fmt::Debug>(r: libtorch::Result<T>) -> String {
    match r {
        Err(e @ Error::Data { .. }) => e.to_string(),
        other => panic!("expected Error::Data, got {other:?}"),
    }
}

fn images() -> Vec<u8> {
    // Three 2×2 images.
    idx_bytes(0x08, &[3, 2, 2], &(0u8..12).collect::<Vec<_>>())
}

#[test]
fn idx_reads_u8_images_and_labels() {
    let f = idx::read(write("img-idx3-ubyte", &images())).unwrap();
    assert_eq!(f.kind, IdxType::U8);
    assert_eq!(f.dims, [3, 2, 2]);
    let t = f.to_tensor().unwrap();
    assert_eq!(t.kind(), Kind::Uint8);
    assert_eq!(t.size(), [3, 2, 2]);
    assert_eq!(t.to_vec::<u8>().unwrap(), (0u8..12).collect::<Vec<_>>());

    let labels = idx::load(write("lbl-idx1-ubyte", &idx_bytes(0x08, &[3], &[7, 0, 9]))).unwrap();
    assert_eq!(labels.size(), [3]);
    assert_eq!(labels.to_vec::<u8>().unwrap(), [7, 0, 9]);
}

#[test]
fn idx_reads_gzip_whatever_the_name() {
    let raw = idx::read(write("raw-idx3-ubyte", &images())).unwrap();
    let gz = gzip(&images());
    assert_eq!(idx::read(write("a-idx3-ubyte.gz", &gz)).unwrap(), raw);
    // Recognised by the gzip magic bytes, not the extension.
    assert_eq!(idx::read(write("b-idx3-ubyte", &gz)).unwrap(), raw);
    assert_eq!(idx::parse(&gz, "mem").unwrap(), raw);
}

#[test]
fn idx_converts_big_endian_elements() {
    let mut data = Vec::new();
    data.extend_from_slice(&1i32.to_be_bytes());
    data.extend_from_slice(&(-2i32).to_be_bytes());
    let t = idx::parse(&idx_bytes(0x0C, &[2], &data), "i32")
        .unwrap()
        .to_tensor()
        .unwrap();
    assert_eq!(t.kind(), Kind::Int);
    assert_eq!(t.to_vec::<i32>().unwrap(), [1, -2]);

    let data: Vec<u8> = [1.5f32, -0.25]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let t = idx::parse(&idx_bytes(0x0D, &[1, 2], &data), "f32")
        .unwrap()
        .to_tensor()
        .unwrap();
    assert_eq!(t.kind(), Kind::Float);
    assert_eq!(t.to_vec::<f32>().unwrap(), [1.5, -0.25]);

    let data = 0x0102i16.to_be_bytes();
    let t = idx::parse(&idx_bytes(0x0B, &[1], &data), "i16")
        .unwrap()
        .to_tensor()
        .unwrap();
    assert_eq!(t.to_vec::<i16>().unwrap(), [258]);

    let t = idx::parse(&idx_bytes(0x09, &[2], &[0xFF, 0x7F]), "i8")
        .unwrap()
        .to_tensor()
        .unwrap();
    assert_eq!(t.to_vec::<i8>().unwrap(), [-1, 127]);

    let t = idx::parse(&idx_bytes(0x0E, &[1], &2.5f64.to_be_bytes()), "f64").unwrap();
    assert_eq!(t.to_tensor().unwrap().to_vec::<f64>().unwrap(), [2.5]);
}

#[test]
fn idx_truncated_data_is_an_error_naming_the_file() {
    let mut b = images();
    b.pop();
    let p = write("short-idx3-ubyte", &b);
    let m = data_err(idx::read(&p));
    assert!(m.contains("short-idx3-ubyte"), "{m}");
    assert!(m.contains("truncated"), "{m}");
    assert!(m.contains("declare 12 data bytes, the file has 11"), "{m}");
    // The same content gzip-compressed: detected after decompression.
    let m = data_err(idx::read(write("short-idx3-ubyte.gz", &gzip(&b))));
    assert!(
        m.contains("truncated") && m.contains("declare 12 data bytes, the file has 11"),
        "{m}"
    );
}

#[test]
fn idx_truncated_header_is_an_error() {
    let m = data_err(idx::parse(&[0, 0, 8], "tiny"));
    assert!(m.contains("tiny: truncated: 3 bytes"), "{m}");
    let m = data_err(idx::parse(&images()[..10], "half-header"));
    assert!(
        m.contains("truncated header: 3 dimensions need 12 size bytes, the file has 6"),
        "{m}"
    );
    let m = data_err(idx::parse(&[], "empty"));
    assert!(m.contains("truncated: 0 bytes"), "{m}");
}

#[test]
fn idx_cut_gzip_stream_is_an_error() {
    let gz = gzip(&images());
    let p = write("cut-idx3-ubyte.gz", &gz[..gz.len() - 10]);
    let m = data_err(idx::read(&p));
    assert!(m.contains("cut-idx3-ubyte.gz"), "{m}");
    assert!(m.contains("truncated") || m.contains("corrupted"), "{m}");
}

#[test]
fn idx_wrong_magic_and_type_are_errors() {
    let mut b = images();
    b[0] = 0x50;
    b[1] = 0x4B;
    let m = data_err(idx::parse(&b, "zip"));
    assert!(
        m.contains("not an IDX file: magic number 50 4b 08 03"),
        "{m}"
    );
    let mut b = images();
    b[2] = 0x07;
    let m = data_err(idx::parse(&b, "code"));
    assert!(m.contains("unknown IDX element type code 0x07"), "{m}");
    let m = data_err(idx::parse(&[0, 0, 8, 0], "nodims"));
    assert!(m.contains("zero dimensions"), "{m}");
}

#[test]
fn idx_wrong_sizes_are_errors() {
    // Sizes say 2×2×2 = 8 bytes but 12 follow.
    let mut b = idx_bytes(0x08, &[2, 2, 2], &[0; 12]);
    let m = data_err(idx::parse(&b, "extra"));
    assert!(
        m.contains(
            "trailing bytes: dimensions [2, 2, 2] of U8 declare 8 data bytes, the file has 12"
        ),
        "{m}"
    );
    let m = data_err(idx::parse(&gzip(&b), "extra.gz"));
    assert!(m.contains("trailing bytes"), "{m}");
    // 4-byte elements: 3 ints need 12 bytes.
    b = idx_bytes(0x0C, &[3], &[0; 8]);
    let m = data_err(idx::parse(&b, "ints"));
    assert!(m.contains("declare 12 data bytes, the file has 8"), "{m}");
}

#[test]
fn idx_huge_declared_sizes_fail_without_allocating() {
    // 2^32-1 cubed bytes overflows; 60000×10000×10000 f64 elements is 48 TB on a 20-byte file.
    let b = idx_bytes(0x08, &[u32::MAX, u32::MAX, u32::MAX], &[]);
    let m = data_err(idx::parse(&b, "overflow"));
    assert!(m.contains("overflow"), "{m}");
    let b = idx_bytes(0x0E, &[60000, 10000, 10000], &[1, 2, 3, 4]);
    let m = data_err(idx::parse(&b, "huge"));
    assert!(m.contains("truncated: dimensions [60000, 10000, 10000] of F64 declare 48000000000000 data bytes, the file has 4"), "{m}");
    // Compressed, the size is unknown up front: reading stops at the real end of the data.
    let m = data_err(idx::read(write("huge.gz", &gzip(&b))));
    assert!(
        m.contains("declare 48000000000000 data bytes, the file has 4"),
        "{m}"
    );
}

#[test]
fn idx_missing_file_is_an_error() {
    let m = data_err(idx::read(tmp("does-not-exist")));
    assert!(m.contains("does-not-exist"), "{m}");
}

fn mnist_dir(name: &str, n_images: u32, n_labels: u32, gz: bool) -> PathBuf {
    let dir = tmp(name);
    std::fs::create_dir_all(&dir).unwrap();
    let pixels: Vec<u8> = (0..n_images * 4).map(|k| (k * 51 % 256) as u8).collect();
    let labels: Vec<u8> = (0..n_labels).map(|k| (k % 10) as u8).collect();
    for prefix in ["train", "t10k"] {
        let files = [
            (
                format!("{prefix}-images-idx3-ubyte"),
                idx_bytes(8, &[n_images, 2, 2], &pixels),
            ),
            (
                format!("{prefix}-labels-idx1-ubyte"),
                idx_bytes(8, &[n_labels], &labels),
            ),
        ];
        for (f, bytes) in files {
            if gz {
                std::fs::write(dir.join(format!("{f}.gz")), gzip(&bytes)).unwrap();
            } else {
                std::fs::write(dir.join(f), bytes).unwrap();
            }
        }
    }
    dir
}

#[test]
fn mnist_layout_loads_scaled_images_and_int64_labels() {
    for gz in [false, true] {
        let dir = mnist_dir(&format!("mnist-{gz}"), 3, 3, gz);
        assert!(mnist::is_complete(&dir));
        let ds = mnist::load(&dir, mnist::Split::Train).unwrap();
        assert_eq!(ds.len(), 3);
        assert_eq!(ds.inputs().size(), [3, 1, 2, 2]);
        assert_eq!(ds.inputs().kind(), Kind::Uint8);
        let (x, y) = ds.get_batch(&[1]).unwrap();
        assert_eq!(x.kind(), Kind::Float);
        assert_eq!(x.size(), [1, 1, 2, 2]);
        // Pixels 4..8 of k*51 mod 256: 204, 255, 50, 101, scaled by 1/255.
        let want = [204.0f32 / 255.0, 1.0, 50.0 / 255.0, 101.0 / 255.0];
        for (a, b) in x.to_vec::<f32>().unwrap().iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert_eq!(y.kind(), Kind::Int64);
        assert_eq!(y.to_vec::<i64>().unwrap(), [1]);
    }
}

#[test]
fn mnist_mismatched_counts_and_missing_files_are_errors() {
    let dir = mnist_dir("mnist-mismatch", 3, 2, false);
    let m = data_err(mnist::load(&dir, mnist::Split::Test));
    assert!(m.contains("2 labels for 3 images"), "{m}");
    let empty = tmp("mnist-empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(!mnist::is_complete(&empty));
    let m = data_err(mnist::load(&empty, mnist::Split::Train));
    assert!(m.contains("no train-images-idx3-ubyte[.gz] here"), "{m}");
}

/// `n` examples: input row `i` is `[i, -i]` (Float), target `i` (Int64).
fn numbered(n: i64) -> TensorDataset {
    let x: Vec<f32> = (0..n).flat_map(|i| [i as f32, -(i as f32)]).collect();
    let y: Vec<i64> = (0..n).collect();
    TensorDataset::new(
        Tensor::from_data(&x, &[n, 2]).unwrap(),
        Tensor::from_slice(&y),
    )
    .unwrap()
}

fn targets(loader: &DataLoader<TensorDataset>, epoch: u64) -> Vec<Vec<i64>> {
    loader
        .epoch_at(epoch)
        .map(|b| b.unwrap().1.to_vec::<i64>().unwrap())
        .collect()
}

#[test]
fn loader_batches_in_order_with_and_without_drop_last() {
    let loader = DataLoader::new(numbered(10), 4).unwrap();
    assert_eq!(loader.len(), 3);
    assert_eq!(
        targets(&loader, 0),
        [vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
    );
    let (x, _) = loader.epoch_at(0).nth(2).unwrap().unwrap();
    assert_eq!(x.size(), [2, 2]);
    assert_eq!(x.to_vec::<f32>().unwrap(), [8.0, -8.0, 9.0, -9.0]);

    let loader = DataLoader::new(numbered(10), 4).unwrap().drop_last(true);
    assert_eq!(loader.len(), 2);
    assert_eq!(targets(&loader, 0), [vec![0, 1, 2, 3], vec![4, 5, 6, 7]]);
    assert_eq!(loader.epoch_at(0).len(), 2);

    let exact = DataLoader::new(numbered(8), 4).unwrap().drop_last(true);
    assert_eq!(exact.len(), 2);
    let small = DataLoader::new(numbered(3), 4).unwrap().drop_last(true);
    assert!(small.is_empty());
    assert_eq!(small.epoch_at(0).count(), 0);
}

#[test]
fn loader_rejects_batch_size_zero() {
    assert!(matches!(
        DataLoader::new(numbered(3), 0),
        Err(Error::InvalidArgument { .. })
    ));
}

fn sorted(batches: &[Vec<i64>]) -> Vec<i64> {
    let mut all: Vec<i64> = batches.iter().flatten().copied().collect();
    all.sort_unstable();
    all
}

#[test]
fn loader_shuffles_deterministically_visiting_every_index_once() {
    let a = DataLoader::new(numbered(100), 7).unwrap().shuffle(42);
    let b = DataLoader::new(numbered(100), 7).unwrap().shuffle(42);
    let c = DataLoader::new(numbered(100), 7).unwrap().shuffle(43);
    let identity: Vec<i64> = (0..100).collect();
    for epoch in 0..4 {
        let ta = targets(&a, epoch);
        assert_eq!(
            ta,
            targets(&b, epoch),
            "same seed, same order (epoch {epoch})"
        );
        assert_ne!(ta, targets(&c, epoch), "another seed, another order");
        assert_eq!(
            sorted(&ta),
            identity,
            "each index exactly once (epoch {epoch})"
        );
        assert_ne!(ta.concat(), identity, "actually shuffled");
        assert_eq!(ta.iter().map(Vec::len).collect::<Vec<_>>()[..14], [7; 14]);
        assert_eq!(ta.last().unwrap().len(), 2);
    }
    assert_ne!(targets(&a, 0), targets(&a, 1), "each epoch its own order");
    // Inputs travel with their targets.
    let (x, y) = a.epoch_at(3).next().unwrap().unwrap();
    let y = y.to_vec::<i64>().unwrap();
    let x = x.to_vec::<f32>().unwrap();
    for (k, &i) in y.iter().enumerate() {
        assert_eq!((x[2 * k], x[2 * k + 1]), (i as f32, -(i as f32)));
    }
    // drop_last with shuffling: 98 distinct examples, a different 2 left out per epoch.
    let d = DataLoader::new(numbered(100), 7)
        .unwrap()
        .shuffle(42)
        .drop_last(true);
    let mut t = sorted(&targets(&d, 0));
    assert_eq!(t.len(), 98);
    t.dedup();
    assert_eq!(t.len(), 98);
}

#[test]
fn loader_epoch_advances_the_epoch_counter() {
    let mut l = DataLoader::new(numbered(20), 5).unwrap().shuffle(1);
    let want0 = targets(&l, 0);
    let want1 = targets(&l, 1);
    let got0: Vec<Vec<i64>> = (&mut l)
        .into_iter()
        .map(|b| b.unwrap().1.to_vec().unwrap())
        .collect();
    let got1: Vec<Vec<i64>> = l.epoch().map(|b| b.unwrap().1.to_vec().unwrap()).collect();
    assert_eq!((got0, got1), (want0, want1));
}

#[test]
fn loader_workers_give_the_same_batches_as_no_workers() {
    let base = DataLoader::new(numbered(103), 8).unwrap().shuffle(5);
    let want: Vec<(Vec<f32>, Vec<i64>)> = base
        .epoch_at(2)
        .map(|b| {
            let (x, y) = b.unwrap();
            (x.to_vec().unwrap(), y.to_vec().unwrap())
        })
        .collect();
    assert_eq!(want.len(), 13);
    for workers in [1, 2, 3, 20] {
        for prefetch in [1, 4] {
            let l = DataLoader::new(numbered(103), 8)
                .unwrap()
                .shuffle(5)
                .num_workers(workers)
                .prefetch(prefetch)
                .device(Device::Cpu);
            let got: Vec<(Vec<f32>, Vec<i64>)> = l
                .epoch_at(2)
                .map(|b| {
                    let (x, y) = b.unwrap();
                    (x.to_vec().unwrap(), y.to_vec().unwrap())
                })
                .collect();
            assert_eq!(got, want, "{workers} workers, prefetch {prefetch}");
        }
    }
}

#[test]
fn loader_stopped_early_releases_its_workers() {
    let l = DataLoader::new(numbered(1000), 10)
        .unwrap()
        .num_workers(3)
        .prefetch(1);
    for _ in 0..5 {
        let mut it = l.epoch_at(0);
        assert_eq!(it.len(), 100);
        it.next().unwrap().unwrap();
        assert_eq!(it.len(), 99);
        drop(it); // must return: workers blocked on a full queue see the closed channel
    }
}

/// Example `i` is `[i]`; asking for `bad` panics (or fails, when `fail` is set).
struct Fragile {
    bad: usize,
    fail: bool,
}

impl Dataset for Fragile {
    fn len(&self) -> usize {
        20
    }
    fn get(&self, i: usize) -> libtorch::Result<(Tensor, Tensor)> {
        if i == self.bad {
            if self.fail {
                return Err(Tensor::from_slice(&[1.0f32]).f_reshape(&[2]).unwrap_err());
            }
            panic!("example {i} is broken");
        }
        Ok((Tensor::from_slice(&[i as f32]), Tensor::scalar(i as i64)))
    }
}

#[test]
fn default_get_batch_stacks_examples() {
    let l = DataLoader::new(
        Fragile {
            bad: 99,
            fail: false,
        },
        3,
    )
    .unwrap();
    let (x, y) = l.epoch_at(0).nth(1).unwrap().unwrap();
    assert_eq!(x.size(), [3, 1]);
    assert_eq!(x.to_vec::<f32>().unwrap(), [3.0, 4.0, 5.0]);
    assert_eq!(y.to_vec::<i64>().unwrap(), [3, 4, 5]);
}

#[test]
fn a_panicking_dataset_gives_an_error_not_an_abort() {
    for workers in [0, 1, 3] {
        let l = DataLoader::new(
            Fragile {
                bad: 9,
                fail: false,
            },
            4,
        )
        .unwrap()
        .num_workers(workers);
        let results: Vec<_> = l.epoch_at(0).collect();
        // Batches 0 and 1 are fine, batch 2 (examples 8..12) panics, then the epoch ends.
        assert_eq!(results.len(), 3, "{workers} workers");
        assert!(results[0].is_ok() && results[1].is_ok());
        let m = data_err(results[2].clone());
        assert!(
            m.contains("panicked assembling batch 2: example 9 is broken"),
            "{m}"
        );
    }
}

#[test]
fn a_failing_dataset_error_comes_through() {
    for workers in [0, 2] {
        let l = DataLoader::new(Fragile { bad: 0, fail: true }, 4)
            .unwrap()
            .num_workers(workers);
        let mut it = l.epoch_at(0);
        let e = it.next().unwrap().unwrap_err();
        assert!(matches!(e, Error::Torch { .. }), "{e:?}");
        assert!(it.next().is_none());
    }
}

#[test]
fn tensor_dataset_checks_rows_and_indices() {
    let e = TensorDataset::new(
        Tensor::from_slice(&[1.0f32, 2.0]),
        Tensor::from_slice(&[1i64]),
    );
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("2 input rows but 1 target rows"));
    let ds = numbered(3);
    assert!(ds
        .get(3)
        .unwrap_err()
        .to_string()
        .contains("index 3 out of range for 3 examples"));
    assert!(ds.get_batch(&[0, 5]).is_err());
    let (x, y) = ds.get(2).unwrap();
    assert_eq!(
        (x.to_vec::<f32>().unwrap(), y.int64_value()),
        (vec![2.0, -2.0], 2)
    );
    assert_eq!(ds.take(2).unwrap().len(), 2);
    assert_eq!(ds.take(10).unwrap().len(), 3);
}
