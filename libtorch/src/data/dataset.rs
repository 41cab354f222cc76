//! The `Dataset` trait and `TensorDataset`, examples held as rows of in-memory tensors.
use crate::error::{Error, Result};
use crate::{Device, Kind, Tensor};

/// An indexed collection of `(input, target)` examples (`torch.utils.data.Dataset`).
///
/// Implementors write [`Dataset::len`] and [`Dataset::get`]; a [`DataLoader`](super::DataLoader)
/// asks for whole batches through [`Dataset::get_batch`], which by default stacks `get`'s
/// results and is worth overriding with a gather (`index_select`) where the data is one tensor.
/// Datasets are shared with the loader's worker threads, hence `Send + Sync`.
pub trait Dataset: Send + Sync {
    /// The number of examples.
    fn len(&self) -> usize;

    /// Whether there are no examples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Example `index`: `(input, target)`.
    fn get(&self, index: usize) -> Result<(Tensor, Tensor)>;

    /// The examples at `indices`, stacked along a new first dimension.
    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        let mut xs = Vec::with_capacity(indices.len());
        let mut ys = Vec::with_capacity(indices.len());
        for &i in indices {
            let (x, y) = self.get(i)?;
            xs.push(x);
            ys.push(y);
        }
        Ok((Tensor::f_stack(&xs)?, Tensor::f_stack(&ys)?))
    }
}

/// Examples stored as the rows of two tensors, e.g. images `[N, 1, 28, 28]` and labels `[N]`
/// (`torch.utils.data.TensorDataset`). Batches are gathered with one `index_select` per tensor.
///
/// Inputs may be kept compactly (as `Uint8`) and converted per batch: with
/// [`TensorDataset::with_input_scale`], each batch of inputs becomes `Float` and is multiplied
/// by the scale (`1/255` turns bytes into `[0, 1]`).
///
/// ```
/// use libtorch::data::{Dataset, TensorDataset};
/// use libtorch::Tensor;
/// let x = Tensor::from_data(&[0u8, 255, 51, 102], &[4, 1]).unwrap();
/// let y = Tensor::from_slice(&[0i64, 1, 2, 3]);
/// let ds = TensorDataset::new(x, y).unwrap().with_input_scale(1.0 / 255.0);
/// let (xb, yb) = ds.get_batch(&[1, 0]).unwrap();
/// assert_eq!(xb.to_vec::<f32>().unwrap(), [1.0, 0.0]);
/// assert_eq!(yb.to_vec::<i64>().unwrap(), [1, 0]);
/// ```
///
/// `clone` gives another handle to the same tensors (no copy).
#[derive(Clone, Debug)]
pub struct TensorDataset {
    inputs: Tensor,
    targets: Tensor,
    input_scale: Option<f64>,
}

impl TensorDataset {
    /// Pairs row `i` of `inputs` with row `i` of `targets`; both must be non-scalar CPU tensors
    /// with the same number of rows.
    pub fn new(inputs: Tensor, targets: Tensor) -> Result<TensorDataset> {
        let op = "TensorDataset::new";
        let (n, m) = match (inputs.f_size()?.first(), targets.f_size()?.first()) {
            (Some(&n), Some(&m)) => (n, m),
            _ => {
                return Err(Error::invalid(
                    op,
                    "inputs and targets need a first dimension",
                ))
            }
        };
        if n != m {
            return Err(Error::invalid(
                op,
                format!("{n} input rows but {m} target rows"),
            ));
        }
        Ok(TensorDataset {
            inputs: inputs.f_contiguous()?,
            targets: targets.f_contiguous()?,
            input_scale: None,
        })
    }

    /// Converts each batch of inputs to `Float` and multiplies it by `scale`.
    pub fn with_input_scale(mut self, scale: f64) -> TensorDataset {
        self.input_scale = Some(scale);
        self
    }

    /// The whole input tensor, as stored (before any scaling).
    pub fn inputs(&self) -> &Tensor {
        &self.inputs
    }

    /// The whole target tensor.
    pub fn targets(&self) -> &Tensor {
        &self.targets
    }

    /// The first `n` examples (all of them if there are fewer), sharing storage with `self`.
    pub fn take(&self, n: usize) -> Result<TensorDataset> {
        let n = n.min(self.len()) as i64;
        Ok(TensorDataset {
            inputs: self.inputs.f_narrow(0, 0, n)?,
            targets: self.targets.f_narrow(0, 0, n)?,
            input_scale: self.input_scale,
        })
    }

    fn scale(&self, x: Tensor) -> Result<Tensor> {
        match self.input_scale {
            None => Ok(x),
            Some(s) => x.f_to_dtype(Kind::Float)?.f_mul_scalar(s),
        }
    }

    fn check(&self, index: usize) -> Result<()> {
        if index >= self.len() {
            return Err(Error::invalid(
                "TensorDataset::get",
                format!("index {index} out of range for {} examples", self.len()),
            ));
        }
        Ok(())
    }
}

impl Dataset for TensorDataset {
    fn len(&self) -> usize {
        self.inputs.size()[0] as usize
    }

    #[track_caller]
    fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
        self.check(index)?;
        let i = index as i64;
        let x = self.inputs.f_select_int(0, i)?;
        Ok((self.scale(x)?, self.targets.f_select_int(0, i)?))
    }

    #[track_caller]
    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        for &i in indices {
            self.check(i)?;
        }
        let idx: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
        let idx = Tensor::from_data(&idx, &[idx.len() as i64])?;
        let x = self.inputs.f_index_select(0, &idx)?;
        Ok((self.scale(x)?, self.targets.f_index_select(0, &idx)?))
    }
}

/// Moves a batch to `device` (no copy when it is already there).
pub(crate) fn batch_to(
    batch: (Tensor, Tensor),
    device: Option<Device>,
) -> Result<(Tensor, Tensor)> {
    match device {
        Some(d) => Ok((batch.0.f_to(d)?, batch.1.f_to(d)?)),
        None => Ok(batch),
    }
}
