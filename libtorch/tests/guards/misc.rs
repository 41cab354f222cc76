//! Guards of the misc family (libtorch/src/guards/).

use crate::common::{close, longs, meta, ones, rejected, t, vals};
use libtorch::{Kind, Tensor};

#[test]
fn private_logcumsumexp_out_rejects_an_out_of_another_dtype() {
    let x = Tensor::zeros(&[3]);
    let mut int_out = Tensor::zeros(&[3]).f_to_dtype(Kind::Int).unwrap();
    let m = rejected(
        x.f__logcumsumexp_out(0, &mut int_out),
        "aten::_logcumsumexp.out",
        "out",
    );
    assert!(m.starts_with("out must have self's dtype"), "{m}");
    // log(cumsum(exp([0, 0, 0]))) = [0, ln 2, ln 3]
    let mut out = Tensor::zeros(&[0]);
    x.f__logcumsumexp_out(0, &mut out).unwrap();
    close(&vals(&out), &[0.0, 2f32.ln(), 3f32.ln()]);
}

#[test]
fn private_shape_trusting_helpers_reject_shapes_they_would_overrun() {
    let x = Tensor::from_data(&[0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0], &[6]).unwrap();
    let v = x.f__reshape_alias_copy(&[2, 3], &[3, 1]).unwrap();
    assert_eq!(
        (v.size(), vals(&v)),
        (vec![2, 3], vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    );
    let m = rejected(
        x.f__reshape_alias_copy(&[4, 4], &[4, 1]),
        "aten::_reshape_alias_copy",
        "stride",
    );
    assert!(
        m.starts_with("size [4, 4] and stride [4, 1] must make a valid view of self: "),
        "{m}"
    );
    // A = L L^T with L = diag(2, 3): solving A x = [4, 9] gives x = [1, 1].
    let l = t(&[2.0, 0.0, 0.0, 3.0], &[2, 2]);
    let b = t(&[4.0, 9.0], &[2, 1]);
    close(
        &vals(&b.f__cholesky_solve_helper(&l, false).unwrap()),
        &[1.0, 1.0],
    );
    let op = "aten::_cholesky_solve_helper";
    rejected(b.f__cholesky_solve_helper(&ones(&[2, 3]), false), op, "A");
    rejected(ones(&[3, 1]).f__cholesky_solve_helper(&l, false), op, "A");
    // out_dim is the raw insert position of the new batch dimension (expanded, so at the front).
    let y = ones(&[2, 3]);
    assert_eq!(y.f__remove_batch_dim(1, 4, 0).unwrap().size(), [4, 2, 3]);
    for d in [-1, 3] {
        rejected(
            y.f__remove_batch_dim(1, 4, d),
            "aten::_remove_batch_dim",
            "out_dim",
        );
    }
    // cummax of [1, 3, 2]: values [1, 3, 3] at [0, 1, 1].
    let s = t(&[1.0, 3.0, 2.0], &[3]);
    let (mut values, mut indices) = (Tensor::zeros(&[3]), longs(&[0, 0, 0], &[3]));
    s.f__cummax_helper(&mut values, &mut indices, 0).unwrap();
    assert_eq!(
        (vals(&values), indices.to_vec::<i64>().unwrap()),
        (vec![1.0, 3.0, 3.0], vec![0, 1, 1])
    );
    let mut short = Tensor::zeros(&[1]);
    rejected(
        s.f__cummax_helper(&mut short, &mut indices, 0),
        "aten::_cummax_helper",
        "values",
    );
}

#[test]
fn an_undefined_result_type_is_an_error_not_a_panic() {
    let u = Tensor::default();
    match Tensor::f_result_type(&u, &u) {
        Err(e) => assert!(
            e.to_string().contains("ScalarType") || e.to_string().contains("undefined"),
            "{e}"
        ),
        Ok(k) => panic!("result_type of two undefined tensors gave {k:?}"),
    }
    assert_eq!(
        Tensor::f_result_type(&ones(&[1]), &longs(&[1], &[1])).unwrap(),
        Kind::Float
    );
}

#[test]
fn other_private_helpers_reject_what_they_would_overrun() {
    let z = Tensor::zeros(&[2, 2])
        .f_to_dtype(Kind::ComplexFloat)
        .unwrap();
    rejected(z.f__fft_c2c(&[0, 0], 0, true), "aten::_fft_c2c", "dim");
    rejected(
        Tensor::zeros(&[3, 2, 0]).f__pdist_forward(),
        "aten::_pdist_forward",
        "self",
    );
    // Distances between rows [0, 0], [3, 4], [0, 4]: 5, 4, 3.
    let d = t(&[0.0, 0.0, 3.0, 4.0, 0.0, 4.0], &[3, 2])
        .f__pdist_forward()
        .unwrap();
    close(&vals(&d), &[5.0, 4.0, 3.0]);
    rejected(
        Tensor::f_embedding_bag(
            &ones(&[3, 2]),
            &longs(&[0, 1], &[1, 2]),
            &longs(&[], &[1, 0]),
        ),
        "aten::embedding_bag",
        "offsets",
    );
    rejected(
        Tensor::f_fbgemm_pack_gemm_matrix_fp16(&Tensor::zeros(&[2, 2, 0])),
        "aten::fbgemm_pack_gemm_matrix_fp16",
        "input",
    );
    let mut state = longs(&[0; 10], &[1, 10]);
    rejected(
        state.f__sobol_engine_initialize_state_(1),
        "aten::_sobol_engine_initialize_state_",
        "self",
    );
    let mut state = longs(&[0; 30], &[1, 30]);
    state.f__sobol_engine_initialize_state_(1).unwrap();
    // The first dimension's direction numbers are 1 shifted to each of the 30 bits.
    assert_eq!(
        state.to_vec::<i64>().unwrap()[..3],
        [1 << 29, 1 << 28, 1 << 27]
    );
    let q = ones(&[1, 2, 1, 1]);
    rejected(
        Tensor::f__scaled_dot_product_attention_math_with(
            &q,
            &Tensor::zeros(&[1, 0, 1, 1]),
            &q,
            None,
            0.0,
            false,
            None,
            None,
            true,
        ),
        "aten::_scaled_dot_product_attention_math",
        "key",
    );
    let r = Tensor::zeros(&[2]);
    rejected(r.f_random_from(i64::MAX, None), "aten::random.from", "from");
    let ints = longs(&[0, 0], &[2]).f_random_from(i64::MAX, None).unwrap();
    assert_eq!(ints.to_vec::<i64>().unwrap(), [i64::MAX, i64::MAX]);
}

#[test]
fn cpu_only_kernels_reject_tensors_on_other_devices() {
    // The CUDA fuzz crashed these with CUDA inputs; a meta tensor is refused the same way.
    let m = rejected(
        Tensor::f_fbgemm_pack_gemm_matrix_fp16(&meta(&[2, 2])),
        "aten::fbgemm_pack_gemm_matrix_fp16",
        "input",
    );
    assert!(m.contains("must be on the CPU"), "{m}");
    rejected(
        Tensor::f__rowwise_prune(&ones(&[2, 2]), &meta(&[2]), Kind::Int),
        "aten::_rowwise_prune",
        "mask",
    );
    // On the CPU: rows [1, 2] kept, [3, 4] pruned; compressed indices [0, -1].
    let mask = Tensor::from_data(&[true, false], &[2]).unwrap();
    let (kept, idx) =
        Tensor::f__rowwise_prune(&t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), &mask, Kind::Int).unwrap();
    close(&vals(&kept), &[1.0, 2.0]);
    assert_eq!(idx.to_vec::<i32>().unwrap(), [0, -1]);
}

#[test]
fn cuda_launch_helpers_reject_what_they_divide_by() {
    rejected(
        Tensor::f_batch_norm_stats(&Tensor::zeros(&[5, 0]), 1e-5),
        "aten::batch_norm_stats",
        "input",
    );
    rejected(
        ones(&[2, 3]).f_native_channel_shuffle(0),
        "aten::native_channel_shuffle",
        "groups",
    );
    // Channels [0, 1, 2, 3] in 2 groups of 2, interleaved: [0, 2, 1, 3].
    let x = t(&[0.0, 1.0, 2.0, 3.0], &[1, 4, 1]);
    close(
        &vals(&x.f_native_channel_shuffle(2).unwrap()),
        &[0.0, 2.0, 1.0, 3.0],
    );
    rejected(
        Tensor::f__sparse_semi_structured_linear(&t(&[1.0], &[]), &ones(&[2, 2]), &ones(&[2, 2])),
        "aten::_sparse_semi_structured_linear",
        "input",
    );
}

#[test]
fn rrelu_with_noise_out_needs_self_shape_in_training() {
    // Seed 1179 at 400 calls per op: a 0-D self into a [0, 1] out, written unresized.
    let x = t(&[-2.0, 3.0], &[2]);
    let mut noise = Tensor::zeros(&[2]);
    let mut out = Tensor::zeros(&[0, 1]);
    rejected(
        x.f_rrelu_with_noise_out_with(&mut noise, 0.5, 0.5, true, None, &mut out),
        "aten::rrelu_with_noise.out",
        "out",
    );
    // With lower = upper = 0.5 the slope is 0.5: [-1, 3], and the noise records it (1 for
    // positive inputs).
    let mut out = Tensor::zeros(&[2]);
    x.f_rrelu_with_noise_out_with(&mut noise, 0.5, 0.5, true, None, &mut out)
        .unwrap();
    close(&vals(&out), &[-1.0, 3.0]);
    close(&vals(&noise), &[0.5, 1.0]);
}
