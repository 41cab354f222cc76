//! Guards of the onednn family (libtorch/src/guards/).

use crate::common::{close, onednn, ones, rejected, t, vals};
use libtorch::{Kind, Tensor};

#[test]
fn mkldnn_rnn_layer_accepts_only_an_lstm_with_matching_shapes() {
    // One LSTM step of hidden size 1 with zero weights: every gate is sigmoid(0) = 1/2 and the
    // candidate tanh(0) = 0, so c' = c / 2 and h' = tanh(c') / 2; from c = 1 over two steps.
    let (t, n, i, h) = (2, 1, 2, 1);
    let x = Tensor::zeros(&[t, n, i]);
    let (w0, w1, b) = (
        Tensor::zeros(&[4 * h, i]),
        Tensor::zeros(&[4 * h, h]),
        Tensor::zeros(&[4 * h]),
    );
    let (hx, cx) = (Tensor::zeros(&[1, n, h]), ones(&[1, n, h]));
    let run = |w0: &Tensor, mode: i64, train: bool| {
        Tensor::f_mkldnn_rnn_layer(
            &x,
            w0,
            &w1,
            &b,
            &b,
            &hx,
            &cx,
            false,
            &[],
            mode,
            h,
            1,
            true,
            false,
            false,
            train,
        )
    };
    let (out, hy, cy, _) = run(&w0, 2, false).unwrap();
    let h1 = 0.5 * 0.5f32.tanh();
    close(&vals(&out), &[h1, 0.5 * 0.25f32.tanh()]);
    close(&vals(&hy), &[0.5 * 0.25f32.tanh()]);
    close(&vals(&cy), &[0.25]);
    let op = "aten::mkldnn_rnn_layer";
    let m = rejected(run(&w0, 3, false), op, "mode");
    assert_eq!(
        m,
        "mode must be 2 (LSTM, the only primitive this layer builds), got 3 (libtorch 2.11 would crash)"
    );
    // Three gates' rows where the LSTM reads four: oneDNN would read past the weight.
    rejected(run(&Tensor::zeros(&[3 * h, i]), 2, false), op, "weight0");

    let (out, hy, cy, ws) = run(&w0, 2, true).unwrap();
    let back = |ws: &Tensor| {
        Tensor::f_mkldnn_rnn_layer_backward(
            &x,
            &w0,
            &w1,
            &b,
            &b,
            &hx,
            &cx,
            &out,
            &hy,
            &cy,
            Some(&ones(&[t, n, h])),
            None,
            None,
            false,
            2,
            h,
            1,
            true,
            true,
            false,
            &[],
            false,
            ws,
        )
    };
    let (gx, gw0, gw1, ..) = back(&ws).unwrap();
    assert_eq!(
        (gx.size(), gw0.size(), gw1.size()),
        (x.size(), w0.size(), w1.size())
    );
    let short = ws.f_narrow(0, 0, ws.size()[0] / 2).unwrap();
    rejected(back(&short), "aten::mkldnn_rnn_layer_backward", "workspace");
}

#[test]
fn mkldnn_zeros_reject_dtypes_the_float_fill_would_overflow() {
    use libtorch::Layout;
    // A float oneDNN tensor of zeros reads back as zeros.
    let z =
        Tensor::f_zeros_with(&[2, 3], Some(Kind::Float), Some(Layout::Mkldnn), None, None).unwrap();
    assert_eq!(z.layout(), Layout::Mkldnn);
    assert_eq!(vals(&z.f_to_dense().unwrap()), [0.0; 6]);
    // Seed 38: int8 with the Mkldnn layout; the fill writes 4 bytes per element.
    let m = rejected(
        Tensor::f_zeros_with(
            &[4, 2, 4, 1],
            Some(Kind::Int8),
            Some(Layout::Mkldnn),
            None,
            None,
        ),
        "aten::zeros",
        "dtype",
    );
    assert!(m.contains("Int8"), "{m}");
    rejected(
        ones(&[2]).f_new_zeros_with(&[2], Some(Kind::BFloat16), Some(Layout::Mkldnn), None, None),
        "aten::new_zeros",
        "dtype",
    );
    // Strided int8 zeros are fine.
    let z = Tensor::f_zeros_with(&[2], Some(Kind::Int8), None, None, None).unwrap();
    assert_eq!(z.to_vec::<i64>().unwrap(), [0, 0]);
}

#[test]
fn onednn_zero_fill_of_narrow_dtypes_is_refused_where_it_overflows() {
    // Found with `fuzz-ops --form-share`: oneDNN's zero_ writes 4-byte floats whatever the
    // dtype, so a bfloat16 or half tensor's buffer overflows (heap corruption).
    let mut bf16 = onednn(&ones(&[2, 4, 3]), Kind::BFloat16);
    rejected(bf16.f_zero_(), "aten::zero_", "self");
    let mut list = [onednn(&ones(&[2, 3]), Kind::BFloat16)];
    rejected(
        Tensor::f__foreach_zero_(&mut list),
        "aten::_foreach_zero_",
        "self[0]",
    );
    // diag and slice_backward make zeros of their input's dtype and layout.
    rejected(
        onednn(&ones(&[4]), Kind::Half).f_diag(),
        "aten::diag",
        "self",
    );
    let u8 = ones(&[1]).to_dtype(Kind::Uint8).f_to_mkldnn().unwrap();
    rejected(
        Tensor::f_slice_backward(&u8, &[4, 3], 1, 2, -1, 4),
        "aten::slice_backward",
        "grad_output",
    );
    // float32 is the dtype the fill is written for.
    let mut f32 = onednn(&ones(&[2, 3]), Kind::Float);
    f32.f_zero_().unwrap();
    close(&vals(&f32.to_dense()), &[0.0; 6]);
}

#[test]
fn copy_refuses_sparse_compressed_and_onednn_arguments() {
    // Found with `fuzz-ops --form-share`: the functional copy clones self and writes through
    // strides a CSR or oneDNN tensor does not have (SIGSEGV even for a src of its own kind).
    let csr = ones(&[5, 3]).f_to_sparse_csr().unwrap();
    rejected(csr.f_copy(&csr), "aten::copy", "self");
    let mk = onednn(&ones(&[2, 3]), Kind::Float);
    let mut out = Tensor::zeros(&[2, 3]);
    rejected(
        mk.f_copy_out(&ones(&[2, 3]), &mut out),
        "aten::copy.out",
        "self",
    );
    // A dense self takes src broadcast to its shape; the in-place copy_ of CSR into CSR works.
    let y = Tensor::zeros(&[2, 2])
        .f_copy(&t(&[1.0, 2.0], &[2]))
        .unwrap();
    close(&vals(&y), &[1.0, 2.0, 1.0, 2.0]);
    // (copy_ between CSR tensors needs the same number of specified elements.)
    let mut target = t(&[0.0, 1.0, 1.0, 0.0], &[2, 2]).f_to_sparse_csr().unwrap();
    let src = t(&[0.0, 3.0, 4.0, 0.0], &[2, 2]).f_to_sparse_csr().unwrap();
    target.f_copy_(&src).unwrap();
    close(&vals(&target.to_dense()), &[0.0, 3.0, 4.0, 0.0]);
}

#[test]
fn index_copy_and_sparse_mm_refuse_onednn_arguments() {
    // Found with `fuzz-ops --form-share`: index_copy_ reads a oneDNN index or source as strided
    // memory (SIGSEGV); _sparse_mm divides by a zero size of a oneDNN argument (SIGFPE).
    let mut x = Tensor::zeros(&[3, 2]);
    let index = Tensor::from_slice(&[2i64, 0]);
    rejected(
        x.f_index_copy_(0, &onednn(&ones(&[2]), Kind::Float), &ones(&[2, 2])),
        "aten::index_copy_",
        "index",
    );
    rejected(
        x.f_index_copy_(0, &index, &onednn(&ones(&[2, 2]), Kind::Float)),
        "aten::index_copy_",
        "source",
    );
    rejected(
        Tensor::f__sparse_mm(&onednn(&ones(&[4, 3]), Kind::Float), &ones(&[3, 0])),
        "aten::_sparse_mm",
        "sparse",
    );
    rejected(
        Tensor::f__sparse_mm(&ones(&[0, 3]), &onednn(&ones(&[3, 0]), Kind::Float)),
        "aten::_sparse_mm",
        "dense",
    );
    // Rows 2 and 0 receive the source's rows.
    x.f_index_copy_(0, &index, &t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]))
        .unwrap();
    close(&vals(&x), &[3.0, 4.0, 0.0, 0.0, 1.0, 2.0]);
    // diag(1, 2) as COO times a column of ones.
    let sparse = t(&[1.0, 0.0, 0.0, 2.0], &[2, 2]).f_to_sparse().unwrap();
    let y = Tensor::f__sparse_mm(&sparse, &ones(&[2, 1])).unwrap();
    close(&vals(&y), &[1.0, 2.0]);
}

#[test]
fn onednn_weight_reorder_needs_positive_strides() {
    // Found with `fuzz-ops --form-share`: the reorder divides by each stride (SIGFPE).
    let w = onednn(
        &t(
            &(0..48).map(|v| v as f32).collect::<Vec<_>>(),
            &[4, 3, 2, 2],
        ),
        Kind::Float,
    );
    rejected(
        w.f_mkldnn_reorder_conv2d_weight_with(&[0], &[0], &[1], 1, None),
        "aten::mkldnn_reorder_conv2d_weight",
        "stride",
    );
    // The reorder changes the memory layout only: the values read back unchanged.
    let r = w
        .f_mkldnn_reorder_conv2d_weight_with(&[0], &[1], &[1], 1, None)
        .unwrap();
    assert_eq!(r.size(), [4, 3, 2, 2]);
    close(
        &vals(&r.to_dense()),
        &(0..48).map(|v| v as f32).collect::<Vec<_>>(),
    );
}

#[test]
fn empty_onednn_tensors_are_not_transposed() {
    // Found with `fuzz-ops --form-share`: oneDNN's transpose of [3, 0] divides by zero
    // (SIGFPE), through t, mT, mH, adjoint, transpose and batch-first recurrent layers.
    let empty = onednn(&Tensor::zeros(&[3, 0]), Kind::Float);
    rejected(empty.f_transpose_int(0, 1), "aten::transpose.int", "self");
    rejected(
        empty.f__mkldnn_transpose(1, 0),
        "aten::_mkldnn_transpose",
        "self",
    );
    rejected(empty.f_t(), "aten::t", "self");
    rejected(empty.f_mh(), "aten::mH", "self");
    rejected(
        Tensor::f_gru_input(
            &empty,
            &ones(&[2]),
            &[] as &[Tensor],
            false,
            1,
            0.0,
            false,
            false,
            true,
        ),
        "aten::gru.input",
        "input",
    );
    // A transpose of a dimension with itself is no transpose; a tensor with elements is fine.
    assert_eq!(empty.f_transpose_int(-1, 1).unwrap().size(), [3, 0]);
    let m = onednn(&t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), Kind::Float);
    close(&vals(&m.f_t().unwrap().to_dense()), &[1.0, 3.0, 2.0, 4.0]);
}

#[test]
fn foreach_copy_refuses_a_sparse_compressed_or_onednn_self() {
    // Found with `fuzz-ops --form-share`: the functional form copies through a clone of each
    // self[i], which for a oneDNN tensor reads memory it does not have (SIGSEGV).
    let mk = onednn(&ones(&[2, 3]), Kind::Float);
    rejected(
        Tensor::f__foreach_copy(&[ones(&[1]), mk], &[ones(&[1]), ones(&[2, 3])]),
        "aten::_foreach_copy",
        "self[1]",
    );
    let csr = ones(&[1, 4]).f_to_sparse_csr().unwrap();
    rejected(
        Tensor::f__foreach_copy(&[csr], &[ones(&[1, 4])]),
        "aten::_foreach_copy",
        "self[0]",
    );
    let coo = ones(&[1, 2]).f_to_sparse().unwrap();
    rejected(
        Tensor::f__foreach_copy(&[coo], &[ones(&[1, 2]).f_to_sparse_csr().unwrap()]),
        "aten::_foreach_copy",
        "src[0]",
    );
    let copied = Tensor::f__foreach_copy(&[Tensor::zeros(&[2])], &[t(&[5.0, 6.0], &[2])]).unwrap();
    close(&vals(&copied[0]), &[5.0, 6.0]);
}

#[test]
fn onednn_prelu_needs_weight_elements() {
    // Found with `fuzz-ops --form-share`: oneDNN's PReLU reads weight.size(0) values of a
    // weight without elements (SIGSEGV for [1, 3, 3, 0]).
    let x = onednn(&t(&[-2.0, 3.0], &[1, 2]), Kind::Float);
    rejected(
        x.f__prelu_kernel(&Tensor::zeros(&[1, 3, 3, 0])),
        "aten::_prelu_kernel",
        "weight",
    );
    // One shared slope of 0.25: -2 becomes -0.5, 3 stays.
    let y = x.f__prelu_kernel(&t(&[0.25], &[1])).unwrap();
    close(&vals(&y.to_dense()), &[-0.5, 3.0]);
}

#[test]
fn onednn_matrix_products_refuse_mixed_layouts_that_crash() {
    // Found with `fuzz-ops --form-share`: a oneDNN weight without elements under a dense input
    // (linear), and a oneDNN self times a sparse matrix (mm), divide by zero (SIGFPE).
    let w = onednn(&Tensor::zeros(&[3, 0]), Kind::Float);
    rejected(
        Tensor::f_linear(&Tensor::zeros(&[2, 0]), &w),
        "aten::linear",
        "weight",
    );
    let empty = onednn(&Tensor::zeros(&[4, 0]), Kind::Float);
    let sparse = Tensor::zeros(&[0, 3]).f_to_sparse().unwrap();
    rejected(empty.f_mm(&sparse), "aten::mm", "self");
    rejected(empty.f_matmul(&sparse), "aten::matmul", "self");
    // oneDNN's own linear: [1, 2] times the rows [1, 1] and [2, 0].
    let x = onednn(&t(&[1.0, 2.0], &[1, 2]), Kind::Float);
    let w = onednn(&t(&[1.0, 1.0, 2.0, 0.0], &[2, 2]), Kind::Float);
    close(
        &vals(&Tensor::f_linear(&x, &w).unwrap().to_dense()),
        &[3.0, 2.0],
    );
}

#[test]
fn in_place_scatters_refuse_a_onednn_src() {
    // Found with `fuzz-ops --form-share`: the in-place scatters read a oneDNN src as strided
    // memory (SIGSEGV, even for an empty index).
    let mut x = Tensor::zeros(&[3, 4]);
    let index = Tensor::from_slice(&[0i64, 1, 2]).reshape(&[3, 1]);
    rejected(
        x.f_scatter_add_(1, &index, &onednn(&ones(&[3, 1]), Kind::Float)),
        "aten::scatter_add_",
        "src",
    );
    rejected(
        Tensor::f_cummaxmin_backward(
            &onednn(&ones(&[3, 4]), Kind::Float),
            &ones(&[3, 4]),
            &Tensor::zeros(&[3, 4]).to_dtype(Kind::Int64),
            1,
        ),
        "aten::cummaxmin_backward",
        "grad",
    );
    // Row r gets 1 added at column r.
    x.f_scatter_add_(1, &index, &ones(&[3, 1])).unwrap();
    let mut want = [0.0; 12];
    for r in 0..3 {
        want[r * 4 + r] = 1.0;
    }
    close(&vals(&x), &want);
}

#[test]
fn onednn_linear_needs_a_weight_with_dimensions() {
    // Found with `fuzz-ops --form-share`: oneDNN's linear reads the output size from a 0-D
    // weight (SIGSEGV).
    let x = onednn(&t(&[1.0, 2.0], &[1, 2]), Kind::Float);
    rejected(
        x.f_mkldnn_linear(&Tensor::from_slice(&[0.5f32]).reshape(&[])),
        "aten::mkldnn_linear",
        "weight",
    );
    let empty = onednn(&Tensor::zeros(&[3, 0]), Kind::Float);
    rejected(
        empty.f_mkldnn_linear(&ones(&[1, 4, 3])),
        "aten::mkldnn_linear",
        "weight",
    );
    let y = x
        .f_mkldnn_linear(&t(&[1.0, 1.0, 2.0, 0.0], &[2, 2]))
        .unwrap();
    close(&vals(&y.to_dense()), &[3.0, 2.0]);
}

#[test]
fn weight_norm_of_an_empty_onednn_v_is_refused() {
    // Found with `fuzz-ops --form-share`: along dim 1 the composite path transposes v, and
    // oneDNN's transpose of an empty tensor divides by zero (SIGFPE).
    let v = onednn(&Tensor::zeros(&[4, 0, 4, 4]), Kind::Float);
    rejected(
        Tensor::f__weight_norm_with(&v, &ones(&[1, 0, 1, 1]), 1),
        "aten::_weight_norm",
        "v",
    );
    // v = [[3, 4]] with g = 10 along dim 0: 10 * v / 5.
    let w = Tensor::f__weight_norm(&t(&[3.0, 4.0], &[1, 2]), &t(&[10.0], &[1, 1])).unwrap();
    close(&vals(&w), &[6.0, 8.0]);
}

#[test]
fn norm_except_dim_of_an_empty_onednn_v_is_refused() {
    // Found with `fuzz-ops --form-share`: it transposes v, which oneDNN cannot do for an empty
    // tensor (SIGFPE).
    let v = onednn(&Tensor::zeros(&[2, 0, 4, 5]), Kind::Float);
    rejected(
        Tensor::f_norm_except_dim_with(&v, 1, 1),
        "aten::norm_except_dim",
        "v",
    );
    // The 2-norm of each row of [[3, 4], [6, 8]].
    let n = Tensor::f_norm_except_dim_with(&t(&[3.0, 4.0, 6.0, 8.0], &[2, 2]), 2, 0).unwrap();
    close(&vals(&n), &[5.0, 10.0]);
}

#[test]
fn batch_norm_with_update_needs_onednn_channels() {
    // Found with `fuzz-ops --form-share` (seed 378): on a oneDNN input without channels the
    // kernel divides by the channel count (SIGFPE).
    let x = onednn(&Tensor::zeros(&[1, 0, 3, 1]), Kind::Float);
    let (w, b) = (ones(&[0]), Tensor::zeros(&[0]));
    rejected(
        Tensor::f__batch_norm_with_update_functional(&x, Some(&w), Some(&b), &b, &w, 0.1, 1e-5),
        "aten::_batch_norm_with_update_functional",
        "input",
    );
    // Two channels of [0, 2, 4] (variance 8/3) and [1, 1, 1]: normalized to about
    // [-1.22, 0, 1.22] and [0, 0, 0] with eps = 1e-5.
    let x = onednn(
        &t(&[0.0, 2.0, 4.0, 1.0, 1.0, 1.0], &[1, 2, 3, 1]),
        Kind::Float,
    );
    let (w, b) = (ones(&[2]), Tensor::zeros(&[2]));
    let out =
        Tensor::f__batch_norm_with_update_functional(&x, Some(&w), Some(&b), &b, &w, 0.1, 1e-5)
            .unwrap();
    close(
        &vals(&out.0.to_dense()),
        &[-1.2247449, 0.0, 1.2247449, 0.0, 0.0, 0.0],
    );
}

#[test]
fn linalg_matmul_of_a_onednn_self_by_a_sparse_matrix_is_refused() {
    // The CUDA build's form fuzz (seed 74), reproduced on the CPU: a oneDNN [2, 3, 2, 0] self
    // times a hybrid COO [3, 0] matrix divides by the zero size (SIGFPE), as `matmul` does.
    let self_ = onednn(&Tensor::zeros(&[2, 3, 2, 0]), Kind::Float);
    let sparse = Tensor::zeros(&[3, 0]).f_to_sparse_sparse_dim(1).unwrap();
    rejected(
        self_.f_linalg_matmul(&sparse),
        "aten::linalg_matmul",
        "self",
    );
    // [[1, 2], [3, 4]] @ [1, 1] = [3, 7].
    let m = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    close(
        &vals(&m.f_linalg_matmul(&t(&[1.0, 1.0], &[2])).unwrap()),
        &[3.0, 7.0],
    );
}

#[test]
fn attention_with_an_empty_onednn_key_is_refused() {
    // Form fuzz seed 373 and the CUDA build's seeds 111 and 130, reproduced on the CPU: the math
    // path transposes the key, and oneDNN divides by zero transposing an empty tensor.
    let key = onednn(&Tensor::zeros(&[4, 0]), Kind::Float);
    let q = ones(&[3, 2]);
    rejected(
        Tensor::f__scaled_dot_product_attention_math(&q, &key, &ones(&[4, 2])),
        "aten::_scaled_dot_product_attention_math",
        "key",
    );
    rejected(
        Tensor::f_scaled_dot_product_attention(&q, &key, &ones(&[4, 2])),
        "aten::scaled_dot_product_attention",
        "key",
    );
    // One key: every query attends to it with weight 1 and reads its value.
    let (out, weights) =
        Tensor::f__scaled_dot_product_attention_math(&q, &ones(&[1, 2]), &t(&[5.0, 6.0], &[1, 2]))
            .unwrap();
    close(&vals(&out), &[5.0, 6.0, 5.0, 6.0, 5.0, 6.0]);
    close(&vals(&weights), &[1.0, 1.0, 1.0]);
}

#[test]
fn onednn_training_batch_norm_needs_a_full_weight_even_for_an_empty_input() {
    // oneDNN-only form fuzz, seeds 1, 7 and 15: in training, oneDNN reads a weight of
    // input.size(1) elements even for an empty input, where libtorch skips its per-channel
    // checks (SIGFPE for a 0-element weight under a [1, 3, 0, 3] input).
    let empty = onednn(&Tensor::zeros(&[1, 3, 0, 3]), Kind::Float);
    let (mean, var) = (Tensor::zeros(&[3]), ones(&[3]));
    let short = Tensor::zeros(&[0]);
    let bias = Tensor::zeros(&[3]);
    let m = rejected(
        Tensor::f_native_batch_norm(
            &empty,
            Some(&short),
            Some(&bias),
            Some(&mean),
            Some(&var),
            true,
            0.1,
            1e-5,
        ),
        "aten::native_batch_norm",
        "weight",
    );
    assert!(m.contains("weight must have 3 elements"), "{m}");
    rejected(
        Tensor::f__batch_norm_with_update_functional(
            &empty,
            Some(&short),
            Some(&bias),
            &mean,
            &var,
            0.1,
            1e-5,
        ),
        "aten::_batch_norm_with_update_functional",
        "weight",
    );
    // MKL-DNN seed 16: training a oneDNN input without channels with running statistics.
    let no_channels = onednn(&Tensor::zeros(&[3, 0, 3, 5]), Kind::Float);
    let none = Tensor::zeros(&[0]);
    let m = rejected(
        Tensor::f_native_batch_norm(
            &no_channels,
            Some(&none),
            Some(&none),
            Some(&none),
            Some(&none),
            true,
            1.0,
            2.0,
        ),
        "aten::native_batch_norm",
        "input",
    );
    assert!(m.contains("without channels"), "{m}");
    // Inference reads no weight for an empty input: libtorch runs it, and so do we.
    let (out, _, _) = Tensor::f_native_batch_norm(
        &empty,
        Some(&short),
        Some(&bias),
        Some(&mean),
        Some(&var),
        false,
        0.1,
        1e-5,
    )
    .unwrap();
    assert_eq!(out.size(), [1, 3, 0, 3]);
    // Training on [1, 3]: mean 2, biased variance 1, so (x - 2) / 1 = [-1, 1].
    let x = onednn(&t(&[1.0, 3.0], &[1, 1, 2, 1]), Kind::Float);
    let (y, _, _) = Tensor::f_native_batch_norm(
        &x,
        Some(&ones(&[1])),
        Some(&Tensor::zeros(&[1])),
        Some(&Tensor::zeros(&[1])),
        Some(&ones(&[1])),
        true,
        0.1,
        0.0,
    )
    .unwrap();
    close(&vals(&y.to_dense()), &[-1.0, 1.0]);
}
