//! The loader-overhead measurement: one training epoch fed by the `DataLoader`, against the
//! same epoch (same batches, same initial weights) fed from batches assembled beforehand.
use super::train::{fresh, step, train_loader, TrainConfig};
use libtorch::data::TensorDataset;
use libtorch::{Result, Tensor};
use std::sync::Arc;
use std::time::Instant;

/// Seconds of each way of feeding, best of `repeats` runs each (runs alternate, so a change in
/// the machine's load hits both alike).
#[derive(Clone, Copy, Debug)]
pub struct Overhead {
    /// Best seconds for the epoch from batches already in memory.
    pub in_memory: f64,
    /// Best seconds for the epoch through the loader.
    pub loader: f64,
}

impl Overhead {
    /// `loader / in_memory`.
    pub fn ratio(&self) -> f64 {
        self.loader / self.in_memory
    }
}

/// Runs the measurement; `report(kind, run, seconds)` sees every run.
pub fn measure(
    cfg: &TrainConfig,
    train: Arc<TensorDataset>,
    repeats: usize,
    mut report: impl FnMut(&str, usize, f64),
) -> Result<Overhead> {
    let loader = train_loader(cfg, train)?;
    let batches: Vec<(Tensor, Tensor)> = loader.epoch_at(0).collect::<Result<_>>()?;
    let mut best = Overhead {
        in_memory: f64::INFINITY,
        loader: f64::INFINITY,
    };
    for run in 1..=repeats.max(1) {
        let (net, mut opt) = fresh(cfg)?;
        let start = Instant::now();
        for (x, y) in &batches {
            step(&net, &mut opt, x, y)?.double_value();
        }
        let t = start.elapsed().as_secs_f64();
        report("in-memory", run, t);
        best.in_memory = best.in_memory.min(t);

        let (net, mut opt) = fresh(cfg)?;
        let start = Instant::now();
        for batch in loader.epoch_at(0) {
            let (x, y) = batch?;
            step(&net, &mut opt, &x, &y)?.double_value();
        }
        let t = start.elapsed().as_secs_f64();
        report("loader", run, t);
        best.loader = best.loader.min(t);
    }
    Ok(best)
}
