//! Training and evaluation loops.
use super::model::{build, ModelKind};
use indicatif::{ProgressBar, ProgressStyle};
use libtorch::data::{DataLoader, Dataset, DistributedSampler, TensorDataset};
use libtorch::distributed::{self as dist, DdpOptions, DistributedDataParallel};
use libtorch::nn::{functional as F, Module, Sequential};
use libtorch::optim::{Adam, Optimizer};
use libtorch::{Device, Kind, Result, Tensor};
use std::sync::Arc;
use std::time::Instant;

/// Training settings.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Which network.
    pub model: ModelKind,
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Seeds the initial weights (libtorch's generator) and the loader's shuffling.
    pub seed: u64,
    /// Loader threads assembling batches ahead of training (0: on the training thread).
    pub num_workers: usize,
    /// Where the model and batches live.
    pub device: Device,
    /// Draw a progress bar per epoch (on stderr, when it is a terminal).
    pub progress: bool,
}

/// What one epoch did.
#[derive(Clone, Debug)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Test accuracy after the epoch.
    pub test_accuracy: f64,
    /// Training images per second (the training pass only, not the evaluation).
    pub images_per_sec: f64,
    /// Seconds of the training pass.
    pub seconds: f64,
}

/// The record of a training run.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// One entry per epoch.
    pub epochs: Vec<EpochStats>,
    /// The loss of every training step, in order.
    pub step_losses: Vec<f64>,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
}

/// One optimisation step on a batch; returns the batch's mean loss (a scalar tensor, not read
/// back, so that the caller decides when to synchronise). With a
/// [`DistributedDataParallel`] net, backward averages the gradients over the ranks.
pub fn step(net: &dyn Module, opt: &mut Adam, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    let logits = net.f_forward(x)?;
    let loss = F::f_cross_entropy(&logits, y)?;
    opt.zero_grad();
    loss.backward_with(None, false, false)?;
    opt.step()?;
    Ok(loss)
}

/// A fresh network on `cfg.device` and its optimizer, seeded with `cfg.seed`.
pub fn fresh(cfg: &TrainConfig) -> Result<(Sequential, Adam)> {
    libtorch::manual_seed(cfg.seed);
    let mut net = build(cfg.model);
    net.to_device(cfg.device)?;
    let opt = Adam::new(net.parameters(), cfg.lr);
    Ok((net, opt))
}

/// The training loader: shuffled with `cfg.seed`, incomplete last batch dropped.
pub fn train_loader(
    cfg: &TrainConfig,
    train: Arc<TensorDataset>,
) -> Result<DataLoader<TensorDataset>> {
    Ok(DataLoader::from_arc(train, cfg.batch_size)?
        .shuffle(cfg.seed)
        .drop_last(true)
        .num_workers(cfg.num_workers)
        .prefetch(4)
        .device(cfg.device))
}

fn bar(cfg: &TrainConfig, len: usize, epoch: usize) -> ProgressBar {
    if !cfg.progress {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    let style = ProgressStyle::with_template(
        "epoch {prefix:>2} [{bar:30}] {pos:>4}/{len} {msg} {elapsed_precise} eta {eta}",
    )
    .expect("valid template")
    .progress_chars("=> ");
    pb.set_style(style);
    pb.set_prefix(format!("{}/{}", epoch, cfg.epochs));
    pb
}

/// The network being trained: alone, or one replica of a data-parallel group.
enum Replica {
    Local(Sequential),
    Ddp(DistributedDataParallel<Sequential>),
}

impl Replica {
    fn model(&self) -> &dyn Module {
        match self {
            Replica::Local(net) => net,
            Replica::Ddp(ddp) => ddp,
        }
    }

    fn net_mut(&mut self) -> &mut Sequential {
        match self {
            Replica::Local(net) => net,
            Replica::Ddp(ddp) => ddp.module_mut(),
        }
    }

    fn into_net(self) -> Sequential {
        match self {
            Replica::Local(net) => net,
            Replica::Ddp(ddp) => ddp.into_inner(),
        }
    }
}

/// Trains a fresh network for `cfg.epochs` epochs, evaluating on `test` after each; `on_epoch`
/// sees each epoch's figures as they come.
pub fn train(
    cfg: &TrainConfig,
    train: Arc<TensorDataset>,
    test: &TensorDataset,
    on_epoch: impl FnMut(&EpochStats),
) -> Result<(Sequential, History)> {
    let (net, opt) = fresh(cfg)?;
    let loader = train_loader(cfg, train)?;
    run_epochs(cfg, Replica::Local(net), opt, loader, Some(test), on_epoch)
}

/// [`train`] as one rank of the default process group (`init_process_group` first), with
/// DistributedDataParallel: `cfg.batch_size` is the global batch, each of the `W` ranks takes
/// `cfg.batch_size / W` examples of its [`DistributedSampler`] share per step, and the averaged
/// gradients make every step the single-process step on the ranks' batches together. Only rank
/// 0 evaluates on `test` after each epoch and calls `on_epoch` (with the images per second of
/// all the ranks together); the other ranks' history has NaN accuracies and their own share's
/// losses and rates. The returned network is the same on every rank. An error when the batch
/// does not split evenly.
pub fn train_distributed(
    cfg: &TrainConfig,
    train: Arc<TensorDataset>,
    test: &TensorDataset,
    on_epoch: impl FnMut(&EpochStats),
) -> std::result::Result<(Sequential, History), String> {
    let world = dist::get_world_size().map_err(|e| e.to_string())?;
    if !cfg.batch_size.is_multiple_of(world) {
        return Err(format!(
            "--batch-size {} (the global batch) does not split evenly over {world} ranks",
            cfg.batch_size
        ));
    }
    ddp_epochs(cfg, train, test, world, on_epoch).map_err(|e| e.to_string())
}

fn ddp_epochs(
    cfg: &TrainConfig,
    train: Arc<TensorDataset>,
    test: &TensorDataset,
    world: usize,
    mut on_epoch: impl FnMut(&EpochStats),
) -> Result<(Sequential, History)> {
    let rank = dist::get_rank()?;
    let (net, _) = fresh(cfg)?;
    let ddp = DistributedDataParallel::new(net, DdpOptions::default())?;
    let opt = Adam::new(ddp.parameters(), cfg.lr);
    let sampler = DistributedSampler::from_default_group(train.len())?.seed(cfg.seed);
    let loader = DataLoader::from_arc(train, cfg.batch_size / world)?
        .sampler(sampler)?
        .drop_last(true)
        .num_workers(cfg.num_workers)
        .prefetch(4)
        .device(cfg.device);
    let lead = rank == 0;
    let quiet = TrainConfig {
        progress: cfg.progress && lead,
        ..cfg.clone()
    };
    run_epochs(
        &quiet,
        Replica::Ddp(ddp),
        opt,
        loader,
        lead.then_some(test),
        |s| {
            if lead {
                // Every rank trained as many images as this one in the same time.
                on_epoch(&EpochStats {
                    images_per_sec: s.images_per_sec * world as f64,
                    ..s.clone()
                })
            }
        },
    )
}

fn run_epochs(
    cfg: &TrainConfig,
    mut replica: Replica,
    mut opt: Adam,
    mut loader: DataLoader<TensorDataset>,
    test: Option<&TensorDataset>,
    mut on_epoch: impl FnMut(&EpochStats),
) -> Result<(Sequential, History)> {
    let mut history = History {
        steps_per_epoch: loader.len(),
        ..History::default()
    };
    for epoch in 1..=cfg.epochs {
        replica.net_mut().train();
        let pb = bar(cfg, loader.len(), epoch);
        let start = Instant::now();
        let (mut images, mut loss_sum) = (0usize, 0.0f64);
        for (k, batch) in loader.epoch().enumerate() {
            let (x, y) = batch?;
            let loss = step(replica.model(), &mut opt, &x, &y)?.double_value();
            history.step_losses.push(loss);
            loss_sum += loss;
            images += x.size()[0] as usize;
            pb.inc(1);
            if k % 20 == 0 {
                let rate = images as f64 / start.elapsed().as_secs_f64();
                pb.set_message(format!(
                    "loss {:.4} | {rate:>6.0} img/s",
                    loss_sum / (k + 1) as f64
                ));
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        pb.finish_and_clear();
        let test_accuracy = match test {
            Some(test) => evaluate(replica.net_mut(), test, cfg.device)?.0,
            None => f64::NAN,
        };
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / loader.len().max(1) as f64,
            test_accuracy,
            images_per_sec: images as f64 / seconds,
            seconds,
        };
        on_epoch(&stats);
        history.epochs.push(stats);
    }
    Ok((replica.into_net(), history))
}

/// Test accuracy and the confusion matrix (`m[true][predicted]` counts), in eval mode.
pub fn evaluate(
    net: &mut Sequential,
    data: &TensorDataset,
    device: Device,
) -> Result<(f64, [[u64; 10]; 10])> {
    net.eval();
    let _guard = libtorch::NoGradGuard::new();
    let mut m = [[0u64; 10]; 10];
    let loader = DataLoader::new(data.clone(), 1000)?.device(device);
    for batch in loader.epoch_at(0) {
        let (x, y) = batch?;
        let pred = net.f_forward(&x)?.f_argmax_with(Some(1), false)?;
        let pred = pred
            .f_to_device(Device::Cpu, Kind::Int64)?
            .to_vec::<i64>()?;
        let truth = y.f_to_device(Device::Cpu, Kind::Int64)?.to_vec::<i64>()?;
        for (t, p) in truth.iter().zip(&pred) {
            m[*t as usize][*p as usize] += 1;
        }
    }
    let total: u64 = m.iter().flatten().sum();
    let correct: u64 = (0..10).map(|i| m[i][i]).sum();
    net.train();
    Ok((correct as f64 / total.max(1) as f64, m))
}
