//! Guards of the attention family (libtorch/src/guards/).

use crate::common::{close, ones, rejected, t, vals};
use libtorch::Tensor;

#[test]
fn cpu_flash_attention_refuses_what_it_divides_by() {
    let z = |s: &[i64]| Tensor::zeros(s);
    let q = t(&[1.0, 0.0], &[1, 1, 1, 2]);
    // Key heads 0 (sdpa picks the flash kernel), query length 0, key length 0: SIGFPEs.
    rejected(
        Tensor::f_scaled_dot_product_attention(
            &z(&[1, 0, 2, 4]),
            &z(&[1, 0, 2, 4]),
            &z(&[1, 0, 2, 4]),
        ),
        "aten::scaled_dot_product_attention",
        "key",
    );
    let flash = "aten::_scaled_dot_product_flash_attention_for_cpu";
    rejected(
        Tensor::f__scaled_dot_product_flash_attention_for_cpu(&z(&[1, 1, 0, 2]), &q, &q),
        flash,
        "query",
    );
    rejected(
        Tensor::f__scaled_dot_product_flash_attention_for_cpu(
            &q,
            &z(&[1, 1, 0, 2]),
            &z(&[1, 1, 0, 2]),
        ),
        flash,
        "key",
    );
    // The backward reads logsumexp and the gradient with the forward's shapes.
    let back = "aten::_scaled_dot_product_flash_attention_for_cpu_backward";
    let (q4, lse) = (ones(&[1, 1, 4, 2]), Tensor::zeros(&[1, 1, 4]));
    let fb = |g: &Tensor, lse: &Tensor| {
        Tensor::f__scaled_dot_product_flash_attention_for_cpu_backward(
            g, &q4, &q4, &q4, &q4, lse, 0.0, false,
        )
    };
    rejected(fb(&q4, &Tensor::zeros(&[1, 1, 1])), back, "logsumexp");
    rejected(fb(&ones(&[1, 1, 1, 2]), &lse), back, "grad_out");
    // A zero upstream gradient has zero gradients.
    let (gq, _, _) = fb(&Tensor::zeros(&[1, 1, 4, 2]), &lse).unwrap();
    close(&vals(&gq), &[0.0; 8]);
    // One key: the softmax weight is 1 and the output is its value.
    let v = t(&[3.0, 4.0], &[1, 1, 1, 2]);
    close(
        &vals(&Tensor::f_scaled_dot_product_attention(&q, &q, &v).unwrap()),
        &[3.0, 4.0],
    );
    let (out, _) = Tensor::f__scaled_dot_product_flash_attention_for_cpu(&q, &q, &v).unwrap();
    close(&vals(&out), &[3.0, 4.0]);
}
