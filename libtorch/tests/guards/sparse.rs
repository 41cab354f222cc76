//! Guards of the sparse family (libtorch/src/guards/).

use crate::common::{close, ints, longs, ones, rejected, t, vals};
use libtorch::{Error, Kind, Tensor};

#[test]
fn sequence_and_sparse_helpers_reject_malformed_index_data() {
    // CSR rows [0, 2, 3]: row 0 holds two entries, row 1 one.
    let coo = Tensor::f__convert_indices_from_csr_to_coo(
        &longs(&[0, 2, 3], &[3]),
        &longs(&[0, 1, 1], &[3]),
    )
    .unwrap();
    assert_eq!(coo.to_vec::<i64>().unwrap(), [0, 0, 1, 0, 1, 1]);
    rejected(
        Tensor::f__convert_indices_from_csr_to_coo(
            &longs(&[0, 3, 1], &[3]),
            &longs(&[0, 1, 1], &[3]),
        ),
        "aten::_convert_indices_from_csr_to_coo",
        "crow_indices",
    );
    // Packed [a1, b1, a2] with batch sizes [2, 1]: padded time-major [[a1, b1], [a2, 0]].
    let data = t(&[1.0, 2.0, 3.0], &[3, 1]);
    let (padded, lengths) =
        Tensor::f__pad_packed_sequence(&data, &longs(&[2, 1], &[2]), false, 0.0, -1).unwrap();
    assert_eq!(
        (vals(&padded), lengths.to_vec::<i64>().unwrap()),
        (vec![1.0, 2.0, 3.0, 0.0], vec![2, 1])
    );
    let m = rejected(
        Tensor::f__pad_packed_sequence(&data, &longs(&[1, 2], &[2]), false, 0.0, -1),
        "aten::_pad_packed_sequence",
        "batch_sizes",
    );
    assert_eq!(
        m,
        "batch_sizes must be nonempty, not negative and non-increasing, got [1, 2] (libtorch 2.11 would crash)"
    );
    // Nested sizes [[2, 3], [1, 4]]: the second tensor starts after 6 elements.
    let (_, offsets) =
        Tensor::f__nested_compute_contiguous_strides_offsets(&longs(&[2, 3, 1, 4], &[2, 2]))
            .unwrap();
    assert_eq!(offsets.to_vec::<i64>().unwrap(), [0, 6]);
    rejected(
        Tensor::f__nested_compute_contiguous_strides_offsets(&longs(&[], &[2, 3, 0])),
        "aten::_nested_compute_contiguous_strides_offsets",
        "nested_size",
    );
}

#[test]
fn cdist_backward_and_compressed_constructors_check_the_sizes_they_index() {
    // |[0, 0] - [3, 4]| = 5; its gradient for x1 is (x1 - x2) / 5.
    let (x1, x2) = (t(&[0.0, 0.0], &[1, 2]), t(&[3.0, 4.0], &[1, 2]));
    let d = Tensor::f__cdist_forward(&x1, &x2, 2.0, None).unwrap();
    assert_eq!(vals(&d), [5.0]);
    let g = Tensor::f__cdist_backward(&ones(&[1, 1]), &x1, &x2, 2.0, &d).unwrap();
    close(&vals(&g), &[-0.6, -0.8]);
    let op = "aten::_cdist_backward";
    // Seed 296: an empty grad, and x2 with another column count.
    rejected(
        Tensor::f__cdist_backward(&ones(&[1, 1]), &x1, &ones(&[1, 3]), 2.0, &d),
        op,
        "x2",
    );
    rejected(
        Tensor::f__cdist_backward(&Tensor::zeros(&[0, 0, 3]), &x1, &x2, 2.0, &d),
        op,
        "grad",
    );
    // A CSR shell of size [2, 3] with room for 2 values.
    let csr = Tensor::f__sparse_compressed_tensor_with_dims_with(
        2,
        0,
        &[2, 3],
        &[],
        Kind::Int64,
        Some(Kind::Float),
        Some(libtorch::Layout::SparseCsr),
        None,
        None,
    )
    .unwrap();
    assert_eq!(csr.size(), [2, 3]);
    // Seed 273: no sizes at all.
    rejected(
        Tensor::f__sparse_compressed_tensor_with_dims_with(
            4,
            -2,
            &[],
            &[],
            Kind::Uint8,
            Some(Kind::Int8),
            Some(libtorch::Layout::SparseCsr),
            None,
            None,
        ),
        "aten::_sparse_compressed_tensor_with_dims",
        "size",
    );
}

#[test]
fn sparse_constructors_with_a_size_validate_their_indices() {
    // PyTorch issue 182662: an index outside the size, written through by to_dense.
    let vals2 = t(&[3.0, 4.0], &[2]);
    let m = rejected(
        Tensor::f__sparse_coo_tensor_unsafe(&ints(&[5, -3], &[1, 2]), &vals2, &[2]),
        "aten::_sparse_coo_tensor_unsafe",
        "invalid sparse COO arguments",
    );
    assert!(m.contains("negative"), "{m}");
    rejected(
        Tensor::f_sparse_coo_tensor_indices_size(&ints(&[0, 2], &[1, 2]), &vals2, &[2]),
        "aten::sparse_coo_tensor.indices_size",
        "invalid sparse COO arguments",
    );
    let dims = Tensor::f__sparse_coo_tensor_with_dims_and_tensors_with(
        1,
        0,
        &[2],
        &ints(&[5, -9], &[1, 2]),
        &vals2,
        None,
        Some(libtorch::Layout::Sparse),
        None,
        None,
        None,
    );
    rejected(
        dims,
        "aten::_sparse_coo_tensor_with_dims_and_tensors",
        "invalid sparse COO arguments",
    );
    // crow_indices [0, 9, 2] for 2 values: to_dense walked row 0 through 9 of them.
    rejected(
        Tensor::f__sparse_csr_tensor_unsafe(
            &ints(&[0, 9, 2], &[3]),
            &ints(&[0, 1], &[2]),
            &vals2,
            &[2, 2],
        ),
        "aten::_sparse_csr_tensor_unsafe",
        "invalid sparse compressed arguments",
    );
    let coo =
        Tensor::f_sparse_coo_tensor_indices_size(&ints(&[0, 1], &[1, 2]), &vals2, &[3]).unwrap();
    close(&vals(&coo.to_dense()), &[3.0, 4.0, 0.0]);
    let csr = Tensor::f__sparse_csr_tensor_unsafe(
        &ints(&[0, 1, 2], &[3]),
        &ints(&[1, 0], &[2]),
        &vals2,
        &[2, 2],
    )
    .unwrap();
    close(&vals(&csr.to_dense()), &[0.0, 3.0, 4.0, 0.0]);
}

#[test]
fn compressed_constructors_without_a_size_validate_against_the_size_they_infer() {
    // PyTorch issues 190046-7: crow_indices [0, 9, 2] for two values, a SIGSEGV in to_dense.
    let vals2 = t(&[3.0, 4.0], &[2]);
    rejected(
        Tensor::f_sparse_csr_tensor_crow_col_value(
            &ints(&[0, 9, 2], &[3]),
            &ints(&[0, 1], &[2]),
            &vals2,
        ),
        "aten::sparse_csr_tensor.crow_col_value",
        "invalid sparse compressed arguments",
    );
    // The inferred size is ATen's: each layout's parts, taken apart and put back together, give
    // the same dense matrix (with batch and block dimensions).
    let dense = t(
        &[0.0, 3.0, 0.0, 0.0, 4.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 7.0],
        &[2, 2, 3],
    );
    let csr = dense.f_to_sparse_csr().unwrap();
    let back = Tensor::f_sparse_csr_tensor_crow_col_value(
        &csr.crow_indices(),
        &csr.col_indices(),
        &csr.values(),
    )
    .unwrap();
    close(&vals(&back.to_dense()), &vals(&dense));
    let m = t(
        &[
            1.0, 2.0, 0.0, 0.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 5.0, 6.0, 0.0, 0.0, 7.0, 8.0,
        ],
        &[4, 4],
    );
    let bsr = m.f_to_sparse_bsr(&[2, 2]).unwrap();
    let back = Tensor::f_sparse_bsr_tensor_crow_col_value(
        &bsr.crow_indices(),
        &bsr.col_indices(),
        &bsr.values(),
    )
    .unwrap();
    close(&vals(&back.to_dense()), &vals(&m));
    let csc = m.f_to_sparse_csc().unwrap();
    let back = Tensor::f_sparse_csc_tensor_ccol_row_value(
        &csc.ccol_indices(),
        &csc.row_indices(),
        &csc.values(),
    )
    .unwrap();
    close(&vals(&back.to_dense()), &vals(&m));
}

#[test]
fn group_norm_with_a_sparse_weight_needs_a_channel_dimension() {
    // Found with `fuzz-ops --form-share`: a sparse weight sends native_group_norm to its
    // composite fallback, which writes C at index 1 of a 0-D or 1-D input's shape (SIGSEGV).
    let sparse_w = ones(&[5]).f_to_sparse().unwrap();
    rejected(
        Tensor::f_native_group_norm(&ones(&[1]), Some(&sparse_w), None, 1, 0, 3, 1, 1.0),
        "aten::native_group_norm",
        "input",
    );
    // The fallback batch-normalizes the input viewed as [1, N * group, -1]: without elements
    // the CPU kernel refuses it, the CUDA one divides by its zero channels (SIGFPE, the CUDA
    // fuzz with a CSC bias), so an empty input is refused on this route.
    let csc_bias = t(&[2.0, 0.0, 4.0, 1.0, 3.0, 4.0], &[2, 3])
        .f_to_sparse_csc()
        .unwrap();
    let m = rejected(
        Tensor::f_native_group_norm(
            &Tensor::zeros(&[1, 0, 1]),
            None,
            Some(&csc_bias),
            0,
            -2,
            0,
            4,
            -1.0,
        ),
        "aten::native_group_norm",
        "input",
    );
    assert!(m.contains("got sizes [1, 0, 1]"), "{m}");
    // With a channel dimension the fallback runs its own checks and reports them.
    let r = Tensor::f_native_group_norm(&ones(&[2, 4, 3]), Some(&sparse_w), None, 2, 4, 3, 2, 1e-5);
    assert!(matches!(r, Err(Error::Torch { .. })), "{r:?}");
}

#[test]
fn coo_to_csr_reads_a_contiguous_self() {
    // Found with `fuzz-ops --form-share`: the conversion walks self's memory, so an expanded
    // [2] view of one row index reads a second past the storage and writes at it (SIGSEGV).
    let expanded = Tensor::from_slice(&[0i64]).expand(&[2]);
    rejected(
        expanded.f__convert_indices_from_coo_to_csr_with(1, true),
        "aten::_convert_indices_from_coo_to_csr",
        "self",
    );
    // Rows [0, 0, 2] of a 3-row matrix: row pointers [0, 2, 2, 3].
    let rows = Tensor::from_slice(&[0i64, 0, 2]);
    let crow = rows.f__convert_indices_from_coo_to_csr(3).unwrap();
    assert_eq!(crow.to_vec::<i64>().unwrap(), [0, 2, 2, 3]);
}

#[test]
fn sparse_broadcast_needs_positive_sizes() {
    // Found with `fuzz-ops --form-share`: broadcasting a sparse tensor to a shape with a zero
    // divides by it (SIGFPE).
    let coo = t(&[4.0], &[1]).f_to_sparse().unwrap();
    rejected(
        coo.f__sparse_broadcast_to(&[2, 3, 0]),
        "aten::_sparse_broadcast_to",
        "size",
    );
    let b = coo.f__sparse_broadcast_to(&[2, 3]).unwrap();
    close(&vals(&b.to_dense()), &[4.0; 6]);
}

#[test]
fn sparse_addends_are_not_added_into_offset_views() {
    // Found by the form fuzz under memcheck: ATen adds a sparse COO tensor into a dense view
    // at twice the view's storage offset, a wrong value and a write past the storage.
    let base = t(&[9.0, 9.0, 1.0, 1.0, 2.0, 2.0], &[6]);
    let mut view = base.narrow(0, 2, 4).view(&[2, 2]);
    assert_eq!(view.f_storage_offset().unwrap(), 2);
    let sparse = t(&[1.0, 0.0, 0.0, 5.0], &[2, 2]).f_to_sparse().unwrap();
    rejected(view.f_add_(&sparse), "aten::add_.Tensor", "self");
    rejected(view.f_sub_(&sparse), "aten::sub_.Tensor", "self");
    rejected(view.f_mul_(&sparse), "aten::mul_.Tensor", "self");
    // (An out= view is refused before that: out= may resize, and the view shares storage.)
    let e = t(&[1.0, 1.0, 2.0, 2.0], &[2, 2])
        .f_add_out(&sparse, &mut view)
        .unwrap_err();
    assert!(e.message().contains("`out` is a view"), "{e}");
    let mut list = [ones(&[2, 2]), view.shallow_clone()];
    rejected(
        Tensor::f__foreach_mul_(&mut list, &sparse),
        "aten::_foreach_mul_.Tensor",
        "self[1]",
    );
    close(&vals(&base), &[9.0, 9.0, 1.0, 1.0, 2.0, 2.0]);
    // The functional add, a tensor of its own, and a hybrid addend are right.
    close(&vals(&view.f_add(&sparse).unwrap()), &[2.0, 1.0, 2.0, 7.0]);
    let mut own = view.deep_clone();
    own.f_add_(&sparse).unwrap();
    close(&vals(&own), &[2.0, 1.0, 2.0, 7.0]);
    let hybrid = t(&[1.0, 0.0, 0.0, 5.0], &[2, 2])
        .f_to_sparse_sparse_dim(1)
        .unwrap();
    view.f_add_(&hybrid).unwrap();
    close(&vals(&base), &[9.0, 9.0, 2.0, 1.0, 2.0, 7.0]);
}

#[test]
fn triangular_solve_out_with_a_sparse_a_needs_the_functional_checks_and_a_sized_x() {
    // CSR-only form fuzz, seeds 1 and 6: the sparse kernel of the out form checks nothing and
    // does not resize X; a 2 x 4 A made invalid writes, and a mis-shaped X came back empty.
    let csr = |v: &[f32], s: &[i64]| t(v, s).f_to_sparse_csr().unwrap();
    let lower = csr(&[1.0, 0.0, 2.0, 1.0], &[2, 2]);
    let b = t(&[1.0, 4.0], &[2, 1]);
    let op = "aten::triangular_solve.X";
    let solve = |b: &Tensor, a: &Tensor, x: &mut Tensor| {
        b.f_triangular_solve_x_with(a, false, false, true, x, &mut Tensor::zeros(&[0]))
    };
    rejected(
        solve(
            &ones(&[4, 1]),
            &csr(&[0.0; 8], &[2, 4]),
            &mut Tensor::zeros(&[4, 1]),
        ),
        op,
        "A",
    );
    rejected(
        solve(&ones(&[3, 5, 2, 3]), &lower, &mut Tensor::zeros(&[2])),
        op,
        "X",
    );
    rejected(
        solve(&ones(&[4, 1]), &lower, &mut Tensor::zeros(&[4, 1])),
        op,
        "self",
    );
    let m = rejected(solve(&b, &lower, &mut Tensor::zeros(&[0])), op, "X");
    assert!(m.contains("shape [2, 1]"), "{m}");
    // Lower triangular [[1, 0], [2, 1]] x = [1, 4]: x = [1, 2].
    let mut x = Tensor::zeros(&[2, 1]);
    b.f_triangular_solve_x_with(
        &lower,
        false,
        false,
        false,
        &mut x,
        &mut Tensor::zeros(&[0]),
    )
    .unwrap();
    close(&vals(&x), &[1.0, 2.0]);
}
