//! `F.scaled_dot_product_attention`.
use super::{named, pair};
use crate::Tensor;

pair! {
    /// `softmax(q kᵀ / √d) v` over the last two dimensions of `[..., L, E]` queries and
    /// `[..., S, E]` keys and values (`F.scaled_dot_product_attention(query, key, value)`).
    fn scaled_dot_product_attention / f_scaled_dot_product_attention(
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
    ) -> Tensor {
        f_scaled_dot_product_attention_with(query, key, value, None, 0.0, false, None, false)
    }
    /// Attention (`F.scaled_dot_product_attention(query, key, value, attn_mask, dropout_p,
    /// is_causal, scale, enable_gqa)`): `attn_mask` a boolean mask (true: attend) or an
    /// additive float mask; `is_causal` masks out the keys after each query; `scale` replaces
    /// `1/√E`; `enable_gqa` lets several query heads share a key/value head.
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let q = Tensor::zeros(&[1, 2, 4]);
    /// let v = Tensor::from_data(&[1.0f32, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0], &[1, 2, 4]);
    /// let v = v.unwrap();
    /// let y = F::scaled_dot_product_attention_with(&q, &q, &v, None, 0.0, true, None, false);
    /// assert_eq!(y.flatten().to_vec::<f32>().unwrap(), [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
    /// ```
    fn scaled_dot_product_attention_with / f_scaled_dot_product_attention_with(
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        attn_mask: Option<&Tensor>,
        dropout_p: f64,
        is_causal: bool,
        scale: Option<f64>,
        enable_gqa: bool,
    ) -> Tensor {
        let (m, p, c, s, g) = (attn_mask, dropout_p, is_causal, scale, enable_gqa);
        named(
            Tensor::f_scaled_dot_product_attention_with(query, key, value, m, p, c, s, g),
            "scaled_dot_product_attention",
        )
    }
}
