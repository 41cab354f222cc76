//! `DistributedSampler`: each rank's share of a dataset's indices, as PyTorch deals them.
use crate::distributed;
use crate::error::{Error, Result};
use crate::{Generator, Tensor};

const OP: &str = "DistributedSampler";

/// `torch.utils.data.DistributedSampler`: the indices of a dataset of `len` examples that rank
/// `rank` of `num_replicas` visits in an epoch, exactly those PyTorch's sampler gives for the
/// same arguments and epoch (shuffling draws `torch.randperm(len)` from a CPU generator seeded
/// with `seed + epoch`, as there). Every rank gets [`num_samples`](Self::num_samples) indices:
/// without `drop_last` the shuffled list is padded by repeating its start so that it divides
/// evenly; with it, the tail is dropped instead.
///
/// Give it to [`DataLoader::sampler`](super::DataLoader::sampler): the loader then batches this
/// rank's indices, and its epoch counter plays the role of `set_epoch` (call
/// [`DataLoader::epoch`](super::DataLoader::epoch) once per epoch, or
/// [`epoch_at`](super::DataLoader::epoch_at)`(e)`).
///
/// ```
/// use libtorch::data::DistributedSampler;
/// let s = DistributedSampler::new(10, 3, 1).unwrap().shuffle(false);
/// // 10 indices padded to 12 (0, 1 repeated), every third from rank 1.
/// assert_eq!(s.indices_at(0).unwrap(), [1, 4, 7, 0]);
/// ```
#[derive(Debug, Clone)]
pub struct DistributedSampler {
    len: usize,
    num_replicas: usize,
    rank: usize,
    shuffle: bool,
    seed: u64,
    drop_last: bool,
    epoch: u64,
}

impl DistributedSampler {
    /// `DistributedSampler(dataset, num_replicas, rank)` for a dataset of `len` examples, with
    /// PyTorch's defaults: `shuffle=True`, `seed=0`, `drop_last=False`. An error unless
    /// `rank < num_replicas`.
    pub fn new(len: usize, num_replicas: usize, rank: usize) -> Result<DistributedSampler> {
        if rank >= num_replicas {
            return Err(Error::invalid(
                OP,
                format!(
                    "Invalid rank {rank}, rank should be in the interval [0, {}]",
                    num_replicas as i64 - 1
                ),
            ));
        }
        Ok(DistributedSampler {
            len,
            num_replicas,
            rank,
            shuffle: true,
            seed: 0,
            drop_last: false,
            epoch: 0,
        })
    }

    /// `DistributedSampler(dataset)`: `num_replicas` and `rank` from the default process group
    /// (an error before [`init_process_group`](crate::distributed::init_process_group)).
    pub fn from_default_group(len: usize) -> Result<DistributedSampler> {
        let group = distributed::default_group().map_err(|e| e.in_call(OP))?;
        DistributedSampler::new(len, group.size(), group.rank())
    }

    /// `shuffle=` (default true).
    pub fn shuffle(mut self, shuffle: bool) -> DistributedSampler {
        self.shuffle = shuffle;
        self
    }

    /// `seed=` (default 0): the same on every rank.
    pub fn seed(mut self, seed: u64) -> DistributedSampler {
        self.seed = seed;
        self
    }

    /// `drop_last=` (default false).
    pub fn drop_last(mut self, drop_last: bool) -> DistributedSampler {
        self.drop_last = drop_last;
        self
    }

    /// `set_epoch(epoch)`: the epoch [`indices`](Self::indices) shuffles for.
    pub fn set_epoch(&mut self, epoch: u64) {
        self.epoch = epoch;
    }

    /// The length of the dataset it samples.
    pub fn dataset_len(&self) -> usize {
        self.len
    }

    /// `len(sampler)`: the indices each rank gets per epoch.
    pub fn num_samples(&self) -> usize {
        if self.drop_last && self.len % self.num_replicas != 0 {
            // math.ceil((len - num_replicas) / num_replicas), never negative here.
            self.len
                .saturating_sub(self.num_replicas)
                .div_ceil(self.num_replicas)
        } else {
            self.len.div_ceil(self.num_replicas)
        }
    }

    /// `num_replicas * num_samples`: the length of the padded (or cut) list the ranks share.
    pub fn total_size(&self) -> usize {
        self.num_samples() * self.num_replicas
    }

    /// `list(sampler)` after `set_epoch`: this rank's indices for the current epoch.
    pub fn indices(&self) -> Result<Vec<usize>> {
        self.indices_at(self.epoch)
    }

    /// This rank's indices for epoch `epoch`.
    pub fn indices_at(&self, epoch: u64) -> Result<Vec<usize>> {
        let mut all: Vec<usize> = if self.shuffle {
            let seed = self.seed.checked_add(epoch).ok_or_else(|| {
                Error::invalid(OP, "seed + epoch does not fit a generator's 64-bit seed")
            })?;
            let g = Generator::cpu(seed).map_err(|e| e.in_call(OP))?;
            let n = i64::try_from(self.len)
                .map_err(|_| Error::invalid(OP, "the dataset is too long"))?;
            let perm = Tensor::f_randperm_generator(n, Some(&g)).map_err(|e| e.in_call(OP))?;
            perm.to_vec::<i64>()
                .map_err(|e| e.in_call(OP))?
                .into_iter()
                .map(|i| i as usize)
                .collect()
        } else {
            (0..self.len).collect()
        };
        let total = self.total_size();
        if !self.drop_last {
            // Pad with the list's start, repeated as often as needed.
            let base = all.clone();
            while all.len() < total && !base.is_empty() {
                let take = (total - all.len()).min(base.len());
                all.extend_from_slice(&base[..take]);
            }
        } else {
            all.truncate(total);
        }
        Ok(all
            .into_iter()
            .skip(self.rank)
            .step_by(self.num_replicas)
            .collect())
    }
}
