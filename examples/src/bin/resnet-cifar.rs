//! ResNet-18 on CIFAR-10-shaped data, read through `data::cifar` and augmented as
//! torchvision's CIFAR recipe (random 32×32 crop of the 4-pixel-padded image, horizontal flip,
//! per-channel normalisation), trained with SGD + momentum and evaluated on the test split.
//!
//! `--data-dir DIR` points at the binary version of CIFAR-10 (`cifar-10-batches-bin/`, or the
//! folder holding it); without it the example writes a synthetic, learnable set in the same
//! format (ten classes of coloured, noisy images) and trains on that. `--weights FILE` starts
//! from a torchvision ResNet-18 `state_dict` (1000 classes, loaded strictly; in Python:
//! `torch.save(torchvision.models.resnet18(weights="DEFAULT").state_dict(), FILE)`) and
//! replaces its `fc` with a 10-class layer: fine-tuning.
//!
//! It checks its own result and exits non-zero unless the training loss fell and the test
//! accuracy reached `--target-accuracy` (default 0.5 on the synthetic set, 0.2, twice chance,
//! on user data).
use clap::Parser;
use libtorch::data::{cifar, DataLoader, Dataset};
use libtorch::nn::{functional as F, Linear, Module, Sequential};
use libtorch::optim::{Optimizer, Sgd, SgdOptions};
use libtorch::vision::models::resnet18;
use libtorch::vision::transforms::{Normalize, RandomCrop, RandomHorizontalFlip};
use libtorch::{Device, Tensor};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Train or fine-tune ResNet-18 on CIFAR-10-shaped data")]
struct Args {
    /// CIFAR-10 binary files (default: a synthetic set written under --out-dir).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A torchvision resnet18 state_dict to fine-tune from.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Passes over the training images.
    #[arg(long, default_value_t = 2)]
    epochs: u64,
    /// Train on the first N training images (0: all).
    #[arg(long, default_value_t = 2000)]
    train_size: usize,
    /// Evaluate on the first N test images (0: all).
    #[arg(long, default_value_t = 500)]
    test_size: usize,
    /// Images per step.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// SGD's learning rate.
    #[arg(long, default_value_t = 0.05)]
    lr: f64,
    /// Seed of the weights, the shuffling, the augmentation and the synthetic data.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// cpu, cuda, cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Where the synthetic set is written.
    #[arg(long, default_value_os_t = std::env::temp_dir().join("libtorch-rs-resnet-cifar"))]
    out_dir: PathBuf,
    /// Minimum test accuracy for exit status 0 (default: 0.5 synthetic, 0.2 user data).
    #[arg(long)]
    target_accuracy: Option<f64>,
}

/// torchvision's usual CIFAR-10 statistics.
const MEAN: [f64; 3] = [0.4914, 0.4822, 0.4465];
const STD: [f64; 3] = [0.2470, 0.2435, 0.2616];

/// Writes a synthetic CIFAR-10 in the binary format: class `k` is a colour from a table with a
/// bright square in a class-dependent corner, plus uniform noise of ±48 levels.
fn write_synthetic(dir: &Path, seed: u64, per_file: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let colours: [[i32; 3]; 10] = [
        [200, 40, 40],
        [40, 200, 40],
        [40, 40, 200],
        [200, 200, 40],
        [200, 40, 200],
        [40, 200, 200],
        [120, 120, 120],
        [230, 140, 60],
        [60, 140, 230],
        [140, 60, 230],
    ];
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    let names: Vec<String> = cifar::Split::Train
        .files()
        .into_iter()
        .chain(cifar::Split::Test.files())
        .collect();
    for name in names {
        let mut bytes = Vec::with_capacity(per_file * cifar::RECORD_BYTES);
        for _ in 0..per_file {
            let label = (next() % 10) as usize;
            bytes.push(label as u8);
            let (qy, qx) = ((label / 2) % 2 * 16, label % 2 * 16);
            for base in colours[label] {
                for y in 0..32 {
                    for x in 0..32 {
                        let mut v = base + (next() % 97) as i32 - 48;
                        if (qy..qy + 16).contains(&y) && (qx..qx + 16).contains(&x) {
                            v += 40;
                        }
                        bytes.push(v.clamp(0, 255) as u8);
                    }
                }
            }
        }
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

fn accuracy(
    net: &dyn Module,
    ds: &dyn Dataset,
    device: Device,
    norm: &Normalize,
) -> libtorch::Result<f64> {
    let idx: Vec<usize> = (0..ds.len()).collect();
    let mut correct = 0i64;
    for chunk in idx.chunks(256) {
        let (x, y) = ds.get_batch(chunk)?;
        let x = norm.f_forward(&x)?.f_to(device)?;
        let pred = libtorch::no_grad(|| net.f_forward(&x))?.f_argmax_with(Some(1), false)?;
        correct += pred.f_eq(&y.f_to(device)?)?.f_sum()?.int64_value();
    }
    Ok(correct as f64 / ds.len() as f64)
}

fn run(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    let device: Device = args.device.parse()?;
    let synthetic = args.data_dir.is_none();
    let dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => {
            let d = args.out_dir.join("synthetic-cifar-10");
            write_synthetic(&d, args.seed, 1000)?;
            println!(
                "wrote a synthetic CIFAR-10 (6 files of 1,000 images) to {}",
                d.display()
            );
            d
        }
    };
    let take =
        |ds: libtorch::data::TensorDataset, n: usize| if n == 0 { Ok(ds) } else { ds.take(n) };
    let train_ds = take(cifar::load(&dir, cifar::Split::Train)?, args.train_size)?;
    let test_ds = take(cifar::load(&dir, cifar::Split::Test)?, args.test_size)?;
    println!(
        "{} training and {} test images",
        train_ds.len(),
        test_ds.len()
    );

    libtorch::manual_seed(args.seed);
    let mut net = match &args.weights {
        Some(w) => {
            let mut net = resnet18(1000);
            libtorch::serialize::load_module(&net, w)?;
            net.fc = Linear::f_new(512, 10, true)?;
            println!("fine-tuning from {}", w.display());
            net
        }
        None => resnet18(10),
    };
    net.to_device(device)?;
    let augment = Sequential::new()
        .add(RandomCrop::new(&[32]).padding(&[4]))
        .add(RandomHorizontalFlip::new(0.5));
    let norm = Normalize::new(&MEAN, &STD);
    let mut opt = Sgd::with_options(
        net.parameters(),
        SgdOptions::new(args.lr).momentum(0.9).weight_decay(5e-4),
    );
    let loader = DataLoader::new(train_ds, args.batch_size)?
        .shuffle(args.seed)
        .drop_last(true);
    let mut losses = Vec::new();
    let started = Instant::now();
    for epoch in 0..args.epochs {
        net.train();
        let mut sum = 0.0;
        let mut n = 0;
        for batch in loader.epoch_at(epoch) {
            let (x, y) = batch?;
            let imgs: Vec<Tensor> = (0..x.size()[0])
                .map(|i| augment.f_forward(&x.select(0, i)))
                .collect::<Result<_, _>>()?;
            let x = norm.f_forward(&Tensor::f_stack(&imgs)?)?.f_to(device)?;
            let loss = F::f_cross_entropy(&net.f_forward(&x)?, &y.f_to(device)?)?;
            opt.zero_grad();
            loss.backward();
            opt.step()?;
            let l = loss.double_value();
            losses.push(l);
            sum += l;
            n += 1;
        }
        net.eval();
        let acc = accuracy(&net, &test_ds, device, &norm)?;
        println!(
            "epoch {}: mean loss {:.4}, test accuracy {:.1}% ({:.1}s)",
            epoch + 1,
            sum / n.max(1) as f64,
            100.0 * acc,
            started.elapsed().as_secs_f64()
        );
    }
    net.eval();
    let acc = accuracy(&net, &test_ds, device, &norm)?;
    let k = losses.len().clamp(1, 10);
    let first = losses.first().copied().unwrap_or(f64::NAN);
    let last = losses[losses.len().saturating_sub(k)..].iter().sum::<f64>() / k as f64;
    let target = args
        .target_accuracy
        .unwrap_or(if synthetic { 0.5 } else { 0.2 });
    let ok = last < first && acc >= target;
    println!(
        "loss {first:.4} -> {last:.4} (mean of the last {k} steps); test accuracy {:.1}% (target {:.0}%): {}",
        100.0 * acc,
        100.0 * target,
        if ok { "OK" } else { "FAILED" }
    );
    Ok(ok)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("resnet-cifar: {e}");
            ExitCode::FAILURE
        }
    }
}
