//! The CIFAR-10 reader on files the test writes in the binary version's layout.
use libtorch::data::{cifar, DataLoader, Dataset};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ltrs-cifar-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Record `i` of file `f`: label `(i + f) % 10`, pixel `(c, y, x)` = `(i*7 + f*3 + c*50 + y*32 + x) % 256`.
fn record(f: usize, i: usize) -> Vec<u8> {
    let mut r = vec![((i + f) % 10) as u8];
    for c in 0..3 {
        for p in 0..1024 {
            r.push(((i * 7 + f * 3 + c * 50 + p) % 256) as u8);
        }
    }
    r
}

fn write_file(dir: &Path, name: &str, f: usize, n: usize) {
    let bytes: Vec<u8> = (0..n).flat_map(|i| record(f, i)).collect();
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn loads_train_and_test_splits_in_order() {
    let root = tmp("ok");
    let dir = root.join("cifar-10-batches-bin");
    std::fs::create_dir_all(&dir).unwrap();
    for f in 1..=5 {
        write_file(&dir, &format!("data_batch_{f}.bin"), f, 3 + f);
    }
    write_file(&dir, "test_batch.bin", 0, 4);
    assert!(cifar::is_complete(&root));

    let train = cifar::load(&root, cifar::Split::Train).unwrap();
    assert_eq!(train.len(), 4 + 5 + 6 + 7 + 8);
    assert_eq!(train.inputs().size(), [30, 3, 32, 32]);
    assert_eq!(train.inputs().kind(), libtorch::Kind::Uint8);
    // the 6th example is file 2's record 1
    let (x, y) = train.get(5).unwrap();
    assert_eq!(y.int64_value(), 3, "label (1 + 2) % 10");
    assert_eq!(x.size(), [3, 32, 32]);
    let want: Vec<f32> = record(2, 1)[1..]
        .iter()
        .map(|&b| b as f32 / 255.0)
        .collect();
    let got = x.to_vec::<f32>().unwrap();
    assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-7));
    // channel 1, row 2, column 3 of that image
    let p = x.select(0, 1).select(0, 2).select(0, 3).double_value();
    assert!(
        (p - 130.0 / 255.0).abs() < 1e-6, // 7 + 6 + 50 + 67
        "{p}"
    );

    let test = cifar::load(&dir, cifar::Split::Test).unwrap();
    assert_eq!(test.targets().to_vec::<i64>().unwrap(), [0, 1, 2, 3]);

    let loader = DataLoader::new(train, 8).unwrap().shuffle(1);
    let mut seen = 0;
    for b in loader.epoch_at(0) {
        let (xb, yb) = b.unwrap();
        assert_eq!(xb.kind(), libtorch::Kind::Float);
        seen += yb.size()[0];
    }
    assert_eq!(seen, 30);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn malformed_files_are_data_errors() {
    let dir = tmp("bad");
    let e = cifar::load(&dir, cifar::Split::Test).unwrap_err();
    assert!(matches!(e, libtorch::Error::Data { .. }), "{e}");
    assert!(e.message().contains("test_batch.bin"), "{e}");
    assert!(!cifar::is_complete(&dir));

    let mut bytes: Vec<u8> = record(0, 0);
    bytes.pop();
    std::fs::write(dir.join("test_batch.bin"), &bytes).unwrap();
    let e = cifar::load(&dir, cifar::Split::Test).unwrap_err();
    assert!(
        e.message().contains("3072 bytes is not a whole number"),
        "{e}"
    );

    let mut bytes = record(0, 0);
    bytes.extend(record(0, 1));
    bytes[3073] = 10;
    std::fs::write(dir.join("test_batch.bin"), &bytes).unwrap();
    let e = cifar::load(&dir, cifar::Split::Test).unwrap_err();
    assert!(e.message().contains("record 1 has label 10"), "{e}");

    // a training split with a file missing
    write_file(&dir, "data_batch_1.bin", 1, 2);
    let e = cifar::load(&dir, cifar::Split::Train).unwrap_err();
    assert!(e.message().contains("data_batch_2.bin"), "{e}");
    assert!(cifar::parse(&[], "empty").is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
