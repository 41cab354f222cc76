//! Lookups: `F.embedding`, `F.one_hot`.
use super::{named, pair};
use crate::{Error, Tensor};

pair! {
    /// The rows of `weight` picked by the integer `input` (`F.embedding(input, weight)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let w = Tensor::from_data(&[0.0f32, 0.5, 1.0, 1.5], &[2, 2]).unwrap();
    /// let idx = Tensor::from_slice(&[1i64, 0, 1]);
    /// let rows = F::embedding(&idx, &w).to_vec2::<f32>().unwrap();
    /// assert_eq!(rows, [[1.0, 1.5], [0.0, 0.5], [1.0, 1.5]]);
    /// ```
    fn embedding / f_embedding(input: &Tensor, weight: &Tensor) -> Tensor {
        f_embedding_with(input, weight, None, None, 2.0, false, false)
    }
    /// Rows of `weight` (`F.embedding(input, weight, padding_idx, max_norm, norm_type,
    /// scale_grad_by_freq, sparse)`): row `padding_idx` (negative: from the end) gets no
    /// gradient; with `max_norm`, the rows looked up are first renormalised in place to a
    /// `norm_type`-norm of at most `max_norm`, as PyTorch does.
    fn embedding_with / f_embedding_with(
        input: &Tensor,
        weight: &Tensor,
        padding_idx: Option<i64>,
        max_norm: Option<f64>,
        norm_type: f64,
        scale_grad_by_freq: bool,
        sparse: bool,
    ) -> Tensor {
        let rows = named(weight.f_size(), "embedding")?.first().copied().unwrap_or(0);
        let padding_idx = match padding_idx {
            None => -1,
            Some(p) if (-rows..rows).contains(&p) => if p < 0 { p + rows } else { p },
            Some(_) => {
                return Err(Error::invalid("embedding", "Padding_idx must be within num_embeddings"))
            }
        };
        let input = match max_norm {
            None => input.clone(),
            Some(max_norm) => {
                let input = named(input.f_contiguous(), "embedding")?;
                let _g = crate::NoGradGuard::new();
                let mut w = weight.clone(); // the same tensor: renormalised in place
                named(w.f_embedding_renorm_(&input, max_norm, norm_type), "embedding")?;
                input
            }
        };
        let (s, sp) = (scale_grad_by_freq, sparse);
        named(Tensor::f_embedding_with(weight, &input, padding_idx, s, sp), "embedding")
    }

    /// One-hot vectors of the class indices in `x`, as many classes as the largest index plus
    /// one (`F.one_hot(tensor)`).
    fn one_hot / f_one_hot(x: &Tensor) -> Tensor { f_one_hot_with(x, -1) }
    /// `x`'s shape plus a last dimension of `num_classes`, 1 at each index and 0 elsewhere
    /// (int64, `F.one_hot(tensor, num_classes)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let labels = Tensor::from_slice(&[2i64, 0]);
    /// assert_eq!(F::one_hot_with(&labels, 3).to_vec2::<i64>().unwrap(), [[0, 0, 1], [1, 0, 0]]);
    /// ```
    fn one_hot_with / f_one_hot_with(x: &Tensor, num_classes: i64) -> Tensor {
        named(x.f_one_hot_with(num_classes), "one_hot")
    }
}
