//! Guards of the shape family (libtorch/src/guards/).

use crate::common::{close, longs, ones, rejected, t, vals};
use libtorch::{Kind, Tensor};

#[test]
fn align_to_ellipsis_idx_valid_calls_permute_by_name() {
    // PyTorch: x.refine_names('A', 'B').align_to('...', 'A') is x.T with names ('B', 'A');
    // align_to('A', '...') keeps x.
    let x = Tensor::arange(6).to_dtype(Kind::Float).reshape(&[2, 3]);
    let named = x.f_refine_names(&["A", "B"]).unwrap();
    let y = named.f_align_to_ellipsis_idx(&["A"], 0).unwrap();
    assert_eq!(y.size(), [3, 2]);
    assert_eq!(vals(&y), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    let y = named.f_align_to_ellipsis_idx(&["A"], 1).unwrap();
    assert_eq!(y.size(), [2, 3]);
    assert_eq!(vals(&y), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    // (A, B, C).align_to('C', '...', 'A') is (C, B, A): PyTorch's first values 0, 12, 4, 16.
    let x3 = Tensor::arange(24).to_dtype(Kind::Float).reshape(&[2, 3, 4]);
    let y = x3
        .f_refine_names(&["A", "B", "C"])
        .unwrap()
        .f_align_to_ellipsis_idx(&["C", "A"], 1)
        .unwrap();
    assert_eq!(y.size(), [4, 3, 2]);
    assert_eq!(vals(&y)[..8], [0.0, 12.0, 4.0, 16.0, 8.0, 20.0, 1.0, 13.0]);
}

#[test]
fn copy_rejects_an_undefined_self_and_still_copies() {
    let src = t(&[1.0, 2.0], &[2]);
    let m = rejected(Tensor::default().f_copy(&src), "aten::copy", "self");
    assert_eq!(
        m,
        "self must be a defined tensor (libtorch 2.11 would crash)"
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        Tensor::default().f_copy_out(&src, &mut out),
        "aten::copy.out",
        "self",
    );
    // A CSR src sends a COO self to the compressed kernel.
    let coo = ones(&[2, 3]).f_to_sparse().unwrap();
    rejected(
        coo.f_copy(&ones(&[2, 3]).f_to_sparse_csr().unwrap()),
        "aten::copy",
        "src",
    );
    // copy(self, src): self's shape and dtype, src's values; self is not written.
    let dst = Tensor::zeros(&[2]);
    assert_eq!(vals(&dst.f_copy(&src).unwrap()), [1.0, 2.0]);
    assert_eq!(vals(&dst), [0.0, 0.0]);
}

#[test]
fn private_chunk_cat_rejects_0_dim_tensors_and_still_concatenates_chunks() {
    let scalar = Tensor::from_data(&[1.0f32], &[]).unwrap();
    let m = rejected(
        Tensor::f__chunk_cat(&[&scalar], 0, 1),
        "aten::_chunk_cat",
        "tensors[0]",
    );
    assert_eq!(
        m,
        "tensors[0] must have at least 1 dimensions, got 0 (libtorch 2.11 would crash)"
    );
    // Each tensor is cut into 2 chunks along dim 0; the chunks are concatenated chunk by chunk.
    let (a, b) = (t(&[1.0, 2.0, 3.0, 4.0], &[4]), t(&[5.0, 6.0], &[2]));
    let c = Tensor::f__chunk_cat(&[&a, &b], 0, 2).unwrap();
    assert_eq!(c.size(), [2, 3]);
    assert_eq!(vals(&c), [1.0, 2.0, 5.0, 3.0, 4.0, 6.0]);
}

#[test]
fn unfold_backward_rejects_gradients_of_another_shape_and_sums_windows() {
    // unfold([4], 0, size 2, step 1) has 3 windows; each element is in up to two of them.
    let g = Tensor::f_unfold_backward(&ones(&[3, 2]), &[4], 0, 2, 1).unwrap();
    assert_eq!(vals(&g), [1.0, 2.0, 2.0, 1.0]);
    let op = "aten::unfold_backward";
    let m = rejected(
        Tensor::f_unfold_backward(&ones(&[2, 2]), &[4], 0, 2, 1),
        op,
        "grad_in",
    );
    assert_eq!(
        m,
        "grad_in must have the unfolded shape [3, 2], got [2, 2] (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f_unfold_backward(&ones(&[3, 2]), &[4], 0, 2, 0),
        op,
        "step",
    );
}

#[test]
fn private_stack_rejects_a_first_tensor_its_serial_kernel_would_misread() {
    // [[0, 1, 2], [3, 4, 5]] transposed is [[0, 3], [1, 4], [2, 5]]; stacking it alone at dim 1
    // gives [3, 1, 2] with the same values in row-major order.
    let a = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
    let at = a.f_transpose_int(0, 1).unwrap();
    let op = "aten::_stack";
    let m = rejected(Tensor::f__stack_with(&[&at], 1), op, "tensors[0]");
    assert!(m.contains("strides [1, 3]"), "{m}");
    let s = Tensor::f__stack_with(&[&at.f_contiguous().unwrap()], 1).unwrap();
    assert_eq!(s.size(), [3, 1, 2]);
    assert_eq!(vals(&s), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    // Integer tensors take the general path, which handles any strides.
    let li = at.f_to_dtype(Kind::Int64).unwrap();
    let s = Tensor::f__stack_with(&[&li], 1).unwrap();
    assert_eq!(s.to_vec::<i64>().unwrap(), [0, 3, 1, 4, 2, 5]);
    // Several tensors: the kernel itself falls back unless all share contiguous strides.
    let s = Tensor::f__stack_with(&[&at, &at], 0).unwrap();
    assert_eq!(
        vals(&s),
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0, 0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        Tensor::f__stack_out_with(&[&at], 1, &mut out),
        "aten::_stack.out",
        "tensors[0]",
    );
}

#[test]
fn repeat_interleave_rejects_an_output_size_other_than_the_repeats_total() {
    let r = longs(&[1, 2], &[2]);
    let y = Tensor::f_repeat_interleave_with(&r, Some(3)).unwrap();
    assert_eq!(y.to_vec::<i64>().unwrap(), [0, 1, 1]);
    let op = "aten::repeat_interleave.Tensor";
    // Seed 42: repeats [1, -1] into 0 elements.
    rejected(
        Tensor::f_repeat_interleave_with(&longs(&[1, -1], &[2]), Some(0)),
        op,
        "repeats",
    );
    let m = rejected(
        Tensor::f_repeat_interleave_with(&r, Some(2)),
        op,
        "output_size",
    );
    assert!(m.contains("(3)"), "{m}");
    // One repeat applies to every element: [5, 6] twice each is 4 elements.
    let x = t(&[5.0, 6.0], &[2]);
    let y = x
        .f_repeat_interleave_self_int_with(2, None, Some(4))
        .unwrap();
    assert_eq!(vals(&y), [5.0, 5.0, 6.0, 6.0]);
    rejected(
        x.f_repeat_interleave_self_int_with(2, Some(0), Some(3)),
        "aten::repeat_interleave.self_int",
        "output_size",
    );
    rejected(
        x.f_repeat_interleave_self_tensor_with(&longs(&[3], &[1]), Some(0), Some(5)),
        "aten::repeat_interleave.self_Tensor",
        "output_size",
    );
}

#[test]
fn segment_reduce_rejects_offsets_outside_the_data() {
    // Rows [1, 2, 3] and [4, 5, 6] cut at [0, 1, 3] and [0, 2, 3]: sums [1, 5] and [9, 6].
    let data = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let offsets = longs(&[0, 1, 3, 0, 2, 3], &[2, 3]);
    let call = |o: &Tensor| {
        Tensor::f_segment_reduce_with(&data, "sum", None, None, Some(o), 1, false, None)
    };
    assert_eq!(vals(&call(&offsets).unwrap()), [1.0, 5.0, 9.0, 6.0]);
    let op = "aten::segment_reduce";
    rejected(call(&longs(&[0, 1, 4, 0, 2, 3], &[2, 3])), op, "offsets");
    // Seed 27: an empty offsets tensor for two rows of data.
    rejected(call(&longs(&[], &[0, 5])), op, "offsets");
}

#[test]
fn unsafe_masked_index_rejects_more_indices_than_dimensions() {
    // self = [[0, 1, 2], [3, 4, 5]]; row index [1, 5] where the mask is [true, false]: row 1,
    // then the fill (the out-of-range 5 is never read).
    let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
    let mask = Tensor::from_data(&[true, false], &[2, 1]).unwrap();
    let rows = longs(&[1, 5], &[2]);
    let y = x
        .f__unsafe_masked_index(&mask, &[Some(&rows)], -1.0)
        .unwrap();
    close(&vals(&y), &[3.0, 4.0, 5.0, -1.0, -1.0, -1.0]);
    // Seed 142: three indices for a 2-D self.
    let m = rejected(
        x.f__unsafe_masked_index(&mask, &[Some(&rows), None, None], -1.0),
        "aten::_unsafe_masked_index",
        "indices",
    );
    assert!(m.contains("self (2), got 3"), "{m}");
    rejected(
        x.f__unsafe_masked_index_put_accumulate(&mask, &[None, None, Some(&rows)], &x),
        "aten::_unsafe_masked_index_put_accumulate",
        "indices",
    );
}

#[test]
fn segment_reduce_backward_checks_its_segments_and_gradient_shapes() {
    let op = "aten::_segment_reduce_backward";
    let i64s = |v: &[i64], s: &[i64]| Tensor::from_data(v, s).unwrap();
    let back = |grad: &Tensor, out: &Tensor, data: &Tensor, reduce, lengths: &Tensor, axis| {
        Tensor::f__segment_reduce_backward_with(
            grad,
            out,
            data,
            reduce,
            Some(lengths),
            None,
            axis,
            None,
        )
    };
    // Seed 1045 at 400 calls per op: lengths of shape [2, 3] for a [3, 1] data along axis -1.
    let m = rejected(
        back(
            &ones(&[3]),
            &ones(&[3, 1]),
            &ones(&[3, 1]),
            "sum",
            &i64s(&[3, 1, 4, 4, 0, 4], &[2, 3]),
            -1,
        ),
        op,
        "lengths",
    );
    assert!(m.contains("data's sizes before axis 1 ([3])"), "{m}");
    // Lengths are summed into offsets unchecked: a negative one walks backwards.
    let data = t(&[1.0, 2.0, 3.0, 4.0], &[4]);
    rejected(
        back(
            &ones(&[2]),
            &ones(&[2]),
            &data,
            "sum",
            &i64s(&[5, -1], &[2]),
            0,
        ),
        op,
        "lengths",
    );
    // grad and output are read per segment.
    let lengths = i64s(&[2, 2], &[2]);
    rejected(
        back(&ones(&[3]), &ones(&[2]), &data, "sum", &lengths, 0),
        op,
        "grad",
    );
    rejected(
        back(&ones(&[2]), &ones(&[]), &data, "sum", &lengths, 0),
        op,
        "output",
    );
    // Segments [1, 2] and [3, 4]: sum spreads each segment's gradient over it, mean divides it by
    // the segment's length.
    let (sums, grad) = (t(&[3.0, 7.0], &[2]), t(&[1.0, 10.0], &[2]));
    close(
        &vals(&back(&grad, &sums, &data, "sum", &lengths, 0).unwrap()),
        &[1.0, 1.0, 10.0, 10.0],
    );
    let means = t(&[1.5, 3.5], &[2]);
    close(
        &vals(&back(&grad, &means, &data, "mean", &lengths, 0).unwrap()),
        &[0.5, 0.5, 5.0, 5.0],
    );
}
