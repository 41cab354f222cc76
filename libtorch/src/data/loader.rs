//! `DataLoader`: batches of a [`Dataset`], shuffled with a seed, prefetched on worker threads.
use super::dataset::{batch_to, Dataset};
use super::distributed_sampler::DistributedSampler;
use super::shuffle::permutation;
use crate::error::{Error, Result};
use crate::{Device, Tensor};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

const OP: &str = "DataLoader";

/// Splits a [`Dataset`] into batches (`torch.utils.data.DataLoader`).
///
/// - **Order**: in index order, or with [`DataLoader::shuffle`]`(seed)` a permutation that
///   depends only on the seed and the epoch number: the same seed gives the same order on
///   every run and every machine, and each epoch visits every example exactly once.
/// - **Batches**: `batch_size` examples each; the last one is smaller unless
///   [`DataLoader::drop_last`] drops it.
/// - **Workers**: with [`DataLoader::num_workers`]`(k)`, `k` threads assemble batches ahead of
///   the consumer (each keeps up to [`DataLoader::prefetch`] finished batches queued); the
///   batches and their order are exactly those of `num_workers(0)`, which assembles each
///   batch on the caller's thread when it is asked for. A worker's error or panic comes out
///   of the iterator as an `Err`, after which the epoch ends. Each worker runs libtorch's
///   operators on one intra-op thread, as PyTorch's workers do, so that it does not compete
///   with the training thread for the cores.
/// - **Device**: [`DataLoader::device`] moves each batch there (on the worker, when there are
///   workers).
///
/// ```
/// use libtorch::data::{DataLoader, TensorDataset};
/// use libtorch::Tensor;
/// let ds = TensorDataset::new(
///     Tensor::arange_opts(0, 10, 1, (libtorch::Kind::Float, libtorch::Device::Cpu)),
///     Tensor::arange_opts(0, 10, 1, (libtorch::Kind::Int64, libtorch::Device::Cpu)),
/// ).unwrap();
/// let mut loader = DataLoader::new(ds, 4).unwrap().shuffle(7).num_workers(2);
/// let mut seen = Vec::new();
/// for batch in &mut loader {
///     let (x, y) = batch.unwrap();
///     assert!(x.size()[0] <= 4);
///     seen.extend(y.to_vec::<i64>().unwrap());
/// }
/// seen.sort();
/// assert_eq!(seen, (0..10).collect::<Vec<i64>>());
/// assert_eq!(loader.len(), 3);
/// ```
pub struct DataLoader<D: Dataset + 'static> {
    dataset: Arc<D>,
    batch_size: usize,
    seed: Option<u64>,
    drop_last: bool,
    num_workers: usize,
    prefetch: usize,
    device: Option<Device>,
    next_epoch: u64,
    sampler: Option<DistributedSampler>,
}

impl<D: Dataset + 'static> DataLoader<D> {
    /// Batches of `batch_size` (positive) examples, in index order, on the caller's thread.
    pub fn new(dataset: D, batch_size: usize) -> Result<DataLoader<D>> {
        DataLoader::from_arc(Arc::new(dataset), batch_size)
    }

    /// As [`DataLoader::new`], for a dataset shared with other code.
    pub fn from_arc(dataset: Arc<D>, batch_size: usize) -> Result<DataLoader<D>> {
        if batch_size == 0 {
            return Err(Error::invalid(OP, "batch_size must be at least 1"));
        }
        Ok(DataLoader {
            dataset,
            batch_size,
            seed: None,
            drop_last: false,
            num_workers: 0,
            prefetch: 2,
            device: None,
            next_epoch: 0,
            sampler: None,
        })
    }

    /// Shuffles each epoch with a permutation drawn from `seed` and the epoch number.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// `sampler=`: batches only the indices `sampler` gives this rank, in its order, with the
    /// loader's epoch as the sampler's epoch (what `sampler.set_epoch(epoch)` does in PyTorch).
    /// An error after [`DataLoader::shuffle`], as in PyTorch (the sampler shuffles); a later
    /// `shuffle` is ignored.
    ///
    /// ```
    /// use libtorch::data::{DataLoader, DistributedSampler, TensorDataset};
    /// use libtorch::Tensor;
    /// let ds = TensorDataset::new(Tensor::zeros(&[10, 2]), Tensor::arange(10)).unwrap();
    /// let rank1 = DistributedSampler::new(ds.len(), 2, 1).unwrap();
    /// let loader = DataLoader::new(ds, 2).unwrap().sampler(rank1).unwrap();
    /// assert_eq!(loader.len(), 3); // 5 of the 10 examples, in batches of 2
    /// # use libtorch::data::Dataset;
    /// ```
    pub fn sampler(mut self, sampler: DistributedSampler) -> Result<Self> {
        if self.seed.is_some() {
            return Err(Error::invalid(
                OP,
                "sampler option is mutually exclusive with shuffle",
            ));
        }
        if sampler.dataset_len() != self.dataset.len() {
            return Err(Error::invalid(
                OP,
                format!(
                    "the sampler is for {} examples, the dataset has {}",
                    sampler.dataset_len(),
                    self.dataset.len()
                ),
            ));
        }
        self.sampler = Some(sampler);
        Ok(self)
    }

    /// Drops the last batch of an epoch when it has fewer than `batch_size` examples.
    pub fn drop_last(mut self, drop: bool) -> Self {
        self.drop_last = drop;
        self
    }

    /// Assembles batches on `n` background threads (0: on the caller's thread).
    pub fn num_workers(mut self, n: usize) -> Self {
        self.num_workers = n;
        self
    }

    /// Finished batches each worker may hold ahead of the consumer (at least 1; default 2).
    pub fn prefetch(mut self, depth: usize) -> Self {
        self.prefetch = depth.max(1);
        self
    }

    /// Moves every batch to `device`.
    pub fn device(mut self, device: Device) -> Self {
        self.device = Some(device);
        self
    }

    /// The dataset.
    pub fn dataset(&self) -> &D {
        &self.dataset
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Batches per epoch.
    pub fn len(&self) -> usize {
        let n = match &self.sampler {
            Some(s) => s.num_samples(),
            None => self.dataset.len(),
        };
        if self.drop_last {
            n / self.batch_size
        } else {
            n.div_ceil(self.batch_size)
        }
    }

    /// Whether an epoch has no batches.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The example order of epoch `epoch` (0-based), before batching.
    #[track_caller]
    pub fn order(&self, epoch: u64) -> Vec<usize> {
        if let Some(s) = &self.sampler {
            return crate::error::unwrap(s.indices_at(epoch));
        }
        let n = self.dataset.len();
        match self.seed {
            Some(seed) => permutation(n, seed, epoch),
            None => (0..n).collect(),
        }
    }

    /// The example indices of each batch of epoch `epoch`.
    pub fn batch_indices(&self, epoch: u64) -> Vec<Vec<usize>> {
        let order = self.order(epoch);
        order
            .chunks(self.batch_size)
            .take(self.len())
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// The batches of the next epoch (the first call gives epoch 0, then 1, ...).
    pub fn epoch(&mut self) -> Batches {
        let e = self.next_epoch;
        self.next_epoch += 1;
        self.epoch_at(e)
    }

    /// The batches of epoch `epoch`, without advancing the epoch counter.
    pub fn epoch_at(&self, epoch: u64) -> Batches {
        let batches = Arc::new(self.batch_indices(epoch));
        let dataset: Arc<dyn Dataset> = self.dataset.clone();
        let total = batches.len();
        if self.num_workers == 0 || total == 0 {
            return Batches {
                inner: Inner::Inline { dataset, batches },
                device: self.device,
                pos: 0,
                total,
            };
        }
        let k = self.num_workers.min(total);
        let mut receivers = Vec::with_capacity(k);
        let mut handles = Vec::with_capacity(k);
        for w in 0..k {
            // More slots than this worker has batches would only be empty memory (and a huge
            // depth would make `sync_channel` abort allocating them).
            let (tx, rx) = sync_channel(self.prefetch.min(total.div_ceil(k)));
            let (dataset, batches, device) = (dataset.clone(), batches.clone(), self.device);
            let spawned = std::thread::Builder::new()
                .name(format!("data-loader-{w}"))
                .spawn(move || {
                    // Batches are assembled on one intra-op thread, beside the training thread's
                    // team (see `threads::set_num_threads_this_thread`). Without OpenMP this
                    // fails and the process-wide count applies, which is only slower.
                    let _ = crate::threads::set_num_threads_this_thread(1);
                    for b in (w..batches.len()).step_by(k) {
                        let r = assemble(&*dataset, &batches[b], device, &format!("worker {w}"), b);
                        let failed = r.is_err();
                        if tx.send(r).is_err() || failed {
                            break;
                        }
                    }
                });
            match spawned {
                Ok(h) => {
                    receivers.push(rx);
                    handles.push(h);
                }
                Err(e) => {
                    let err = Error::data(OP, format!("cannot start worker thread {w}: {e}"));
                    return Batches {
                        inner: Inner::Failed(Some(err), Workers { receivers, handles }),
                        device: self.device,
                        pos: 0,
                        total,
                    };
                }
            }
        }
        Batches {
            inner: Inner::Workers(Workers { receivers, handles }),
            device: self.device,
            pos: 0,
            total,
        }
    }
}

/// One batch, with a panic turned into an error.
fn assemble(
    dataset: &dyn Dataset,
    indices: &[usize],
    device: Option<Device>,
    who: &str,
    batch: usize,
) -> Result<(Tensor, Tensor)> {
    match catch_unwind(AssertUnwindSafe(|| {
        batch_to(dataset.get_batch(indices)?, device)
    })) {
        Ok(r) => r,
        Err(payload) => {
            let msg = crate::callback::panic_message(payload.as_ref());
            crate::callback::drop_quietly(payload);
            Err(Error::data(
                OP,
                format!("{who} panicked assembling batch {batch}: {msg}"),
            ))
        }
    }
}

impl<D: Dataset + 'static> IntoIterator for &mut DataLoader<D> {
    type Item = Result<(Tensor, Tensor)>;
    type IntoIter = Batches;
    fn into_iter(self) -> Batches {
        self.epoch()
    }
}

struct Workers {
    receivers: Vec<Receiver<Result<(Tensor, Tensor)>>>,
    handles: Vec<JoinHandle<()>>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        // Closing the channels makes every worker's next send fail, so each stops after at
        // most the batch it is assembling.
        self.receivers.clear();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

enum Inner {
    Inline {
        dataset: Arc<dyn Dataset>,
        batches: Arc<Vec<Vec<usize>>>,
    },
    Workers(Workers),
    // The workers are only held so that dropping the epoch stops and joins them.
    Failed(Option<Error>, #[allow(dead_code)] Workers),
}

/// One epoch's batches, `(inputs, targets)`, from [`DataLoader::epoch`]. Dropping it early
/// stops the workers.
pub struct Batches {
    inner: Inner,
    device: Option<Device>,
    pos: usize,
    total: usize,
}

impl Iterator for Batches {
    type Item = Result<(Tensor, Tensor)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.total {
            return None;
        }
        let b = self.pos;
        self.pos += 1;
        let r = match &mut self.inner {
            Inner::Inline { dataset, batches } => {
                assemble(&**dataset, &batches[b], self.device, "the dataset", b)
            }
            Inner::Workers(w) => {
                let k = w.receivers.len();
                w.receivers[b % k].recv().unwrap_or_else(|_| {
                    Err(Error::data(
                        OP,
                        format!("worker {} stopped before sending batch {b}", b % k),
                    ))
                })
            }
            Inner::Failed(e, _) => Err(e
                .take()
                .unwrap_or_else(|| Error::data(OP, "the loader's workers could not be started"))),
        };
        if r.is_err() {
            self.pos = self.total;
        }
        Some(r)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.total - self.pos;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Batches {}
