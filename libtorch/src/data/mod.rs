//! Loading data for training (`torch.utils.data`): the [`Dataset`] trait, [`TensorDataset`],
//! the IDX file format ([`idx`]), MNIST-layout datasets ([`mnist`]), CIFAR-10 ([`cifar`]) and the
//! [`DataLoader`], which batches, shuffles with a seed and prefetches on worker threads, and the
//! [`DistributedSampler`] that gives each rank of a distributed run its share.
//!
//! ```
//! use libtorch::data::{DataLoader, Dataset, TensorDataset};
//! use libtorch::Tensor;
//! let images = Tensor::from_data(&[0u8; 6 * 4], &[6, 1, 2, 2]).unwrap();
//! let labels = Tensor::from_slice(&[0i64, 1, 2, 3, 4, 5]);
//! let ds = TensorDataset::new(images, labels).unwrap().with_input_scale(1.0 / 255.0);
//! let loader = DataLoader::new(ds, 4).unwrap().shuffle(0).drop_last(true);
//! assert_eq!(loader.len(), 1);
//! let sizes: Vec<Vec<i64>> = loader.epoch_at(0).map(|b| b.unwrap().0.size()).collect();
//! assert_eq!(sizes, [[4, 1, 2, 2]]);
//! ```
pub mod cifar;
mod dataset;
mod distributed_sampler;
pub mod idx;
mod loader;
pub mod mnist;
mod shuffle;

pub use dataset::{Dataset, TensorDataset};
pub use distributed_sampler::DistributedSampler;
pub use loader::{Batches, DataLoader};
