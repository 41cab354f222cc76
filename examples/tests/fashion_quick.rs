//! A quick Fashion-MNIST run in CI: the MLP trained for one epoch on the first 2,000 training
//! images must classify the 10,000 test images far above chance (10%), and its saved weights
//! must reproduce exactly the same predictions when loaded into a fresh network.
//!
//! Needs the data: found or fetched like the example does (`deps/get-fashion-mnist.sh`, which
//! needs apt-get and the network the first time). Where it cannot be had, the test fails,
//! saying why. Only `LTRS_SKIP_FASHION_MNIST=1` in the environment skips it instead, for a
//! machine that can never have the data (CI never sets it).
use examples::fashion::locate;
use examples::fashion::model::{build, ModelKind};
use examples::fashion::train::{evaluate, train, TrainConfig};
use libtorch::data::{mnist, Dataset};
use libtorch::Device;
use std::sync::Arc;

#[test]
fn one_epoch_on_2000_images_beats_chance_and_reloads() {
    if std::env::var("LTRS_SKIP_FASHION_MNIST").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED on request (LTRS_SKIP_FASHION_MNIST=1): the Fashion-MNIST quick run");
        return;
    }
    let dir = locate::data_dir(None).unwrap_or_else(|e| {
        panic!(
            "Fashion-MNIST is not available here: {e}. Install Debian's dataset-fashion-mnist, \
             or let deps/get-fashion-mnist.sh fetch it (apt-get and the network); \
             LTRS_SKIP_FASHION_MNIST=1 skips this test where the data can never be had"
        )
    });
    let train_ds = mnist::load(&dir, mnist::Split::Train)
        .unwrap()
        .take(2000)
        .unwrap();
    let test_ds = mnist::load(&dir, mnist::Split::Test).unwrap();
    assert_eq!((train_ds.len(), test_ds.len()), (2000, 10000));
    let cfg = TrainConfig {
        model: ModelKind::Mlp,
        epochs: 1,
        batch_size: 64,
        lr: 1e-3,
        seed: 0,
        num_workers: 1,
        device: Device::Cpu,
        progress: false,
    };
    let (mut net, history) = train(&cfg, Arc::new(train_ds), &test_ds, |_| {}).unwrap();
    // 2000 / 64 = 31 full batches (the last 16 images are dropped).
    assert_eq!(history.steps_per_epoch, 31);
    assert_eq!(history.step_losses.len(), 31);
    // Untrained, the loss is about ln(10) = 2.30; it must have fallen well below that.
    let first = history.step_losses[0];
    let last5: f64 = history.step_losses[26..].iter().sum::<f64>() / 5.0;
    assert!((first - 10f64.ln()).abs() < 0.3, "first loss {first}");
    assert!(last5 < 0.75 * first, "loss {first} -> {last5}");
    let acc = history.epochs[0].test_accuracy;
    assert!(
        acc >= 0.5,
        "test accuracy {acc} after one epoch on 2000 images"
    );

    let path = std::env::temp_dir().join(format!("fashion-quick-{}.pt", std::process::id()));
    libtorch::serialize::save_module(&net, &path).unwrap();
    let (acc_again, confusion) = evaluate(&mut net, &test_ds, Device::Cpu).unwrap();
    let mut fresh = build(ModelKind::Mlp);
    libtorch::serialize::load_module(&fresh, &path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let (acc_loaded, confusion_loaded) = evaluate(&mut fresh, &test_ds, Device::Cpu).unwrap();
    assert_eq!(acc_again, acc);
    assert_eq!(acc_loaded, acc);
    assert_eq!(confusion_loaded, confusion);
    assert_eq!(confusion.iter().flatten().sum::<u64>(), 10000);
    println!("1 epoch on 2000 images: test accuracy {:.2}%", 100.0 * acc);
}
