//! Guards of the nested family (libtorch/src/guards/).

use crate::common::{close, meta, nested, ones, rejected, t, vals};
use libtorch::{Error, Kind, Tensor};

#[test]
fn range_without_step_and_nested_from_padded_refuse_device_tensors_read_on_the_host() {
    // range(0, 3) is inclusive: [0, 1, 2, 3].
    let mut out = Tensor::zeros(&[0]);
    Tensor::f_range_out_(0, 3, &mut out).unwrap();
    close(&vals(&out), &[0.0, 1.0, 2.0, 3.0]);
    // The CUDA fuzz's crash: the CPU kernel wrote through another device's pointer.
    let mut m = meta(&[3]);
    rejected(
        Tensor::f_range_out_(0, 3, &mut m),
        "aten::range.out_",
        "out",
    );
    rejected(
        Tensor::f__nested_from_padded_with(&ones(&[1, 2, 2]), &meta(&[1, 2]), false),
        "aten::_nested_from_padded",
        "cpu_nested_shape_example",
    );
    // On the CPU, batch norm over no channels is left to libtorch (which refuses it in training
    // mode itself); the device check only applies off the CPU.
    let x = Tensor::zeros(&[2, 0, 3]);
    let r = Tensor::f_native_batch_norm(&x, None, None, None, None, true, 0.1, 1e-5);
    assert!(matches!(r, Err(Error::Torch { .. })), "{:?}", r.err());
}

#[test]
fn nested_view_from_buffer_needs_a_stride_per_size_and_an_offset_per_row() {
    // Seed 1255 at 400 calls per op: three rows of five sizes with three strides each (read
    // past), and offsets of shape [3, 0] (dereferenced empty).
    let buffer = Tensor::from_slice(&[0.0f32, 1.0, 2.0, 3.0, 4.0]);
    let sizes = Tensor::from_slice(&[2i64, 3]).reshape(&[2, 1]);
    let strides = Tensor::from_slice(&[1i64, 1]).reshape(&[2, 1]);
    let offsets = Tensor::from_slice(&[0i64, 2]);
    let empty_rows = Tensor::zeros(&[2, 0]).to_dtype(Kind::Int64);
    rejected(
        buffer.f__nested_view_from_buffer(&sizes, &empty_rows, &offsets),
        "aten::_nested_view_from_buffer",
        "nested_strides",
    );
    rejected(
        buffer.f__nested_view_from_buffer_copy(&sizes, &strides, &empty_rows),
        "aten::_nested_view_from_buffer_copy",
        "offsets",
    );
    let mut out = Tensor::zeros(&[1, 3]);
    rejected(
        buffer.f__nested_view_from_buffer_copy_out(&sizes, &strides, &empty_rows, &mut out),
        "aten::_nested_view_from_buffer_copy.out",
        "offsets",
    );
    // Rows [0, 1] and [2, 3, 4] of the buffer, padded with -1.
    for nested in [
        buffer
            .f__nested_view_from_buffer(&sizes, &strides, &offsets)
            .unwrap(),
        buffer
            .f__nested_view_from_buffer_copy(&sizes, &strides, &offsets)
            .unwrap(),
    ] {
        let padded = nested.f_to_padded_tensor_with(-1.0, None).unwrap();
        assert_eq!(padded.size(), [2, 3]);
        close(&vals(&padded), &[0.0, 1.0, -1.0, 2.0, 3.0, 4.0]);
    }
}

#[test]
fn nested_select_needs_a_non_negative_dim() {
    // Found with `fuzz-ops --form-share`: select on a nested tensor does not wrap a negative
    // dim and reads component sizes before their start (SIGSEGV for select(-1, 1)).
    let n = nested(&[&[10.0, 11.0, 12.0], &[20.0, 21.0]]);
    rejected(n.f_select_int(-1, 1), "aten::select.int", "dim");
    rejected(
        Tensor::f__nested_select_backward(&ones(&[2]), &n, -1, 1),
        "aten::_nested_select_backward",
        "dim",
    );
    // Element 1 of each component, and an index past a component is libtorch's own error.
    close(&vals(&n.f_select_int(1, 1).unwrap()), &[11.0, 21.0]);
    assert!(matches!(n.f_select_int(1, 2), Err(Error::Torch { .. })));
}

#[test]
fn nested_metadata_is_read_contiguously() {
    // Found by the form fuzz under memcheck: nested_size is read in memory order, so an
    // expanded [2, 3] (one row of storage) is read past its end.
    let expanded = Tensor::from_slice(&[1i64, 2, 3])
        .reshape(&[1, 3])
        .expand(&[2, 3]);
    rejected(
        Tensor::f__nested_compute_contiguous_strides_offsets(&expanded),
        "aten::_nested_compute_contiguous_strides_offsets",
        "nested_size",
    );
    // Two [1, 2, 3] components: row-major strides [6, 3, 1], offsets 0 and 6.
    let sizes = expanded.contiguous();
    let (strides, offsets) = Tensor::f__nested_compute_contiguous_strides_offsets(&sizes).unwrap();
    assert_eq!(strides.to_vec::<i64>().unwrap(), [6, 3, 1, 6, 3, 1]);
    assert_eq!(offsets.to_vec::<i64>().unwrap(), [0, 6]);
}

#[test]
fn trapezoid_of_a_nested_tensor_needs_a_non_negative_dim() {
    // Memcheck with forms (seed 3): trapezoid selects y's first and last entries along dim, and
    // a nested tensor's select does not wrap the default dim -1 (invalid writes).
    let a = t(&[2.0, 4.0, 4.0, 1.0, 5.0, 6.0], &[2, 3]);
    let nested = Tensor::f__nested_tensor_from_tensor_list(&[&a, &a.narrow(0, 0, 1)]).unwrap();
    let m = rejected(
        Tensor::f_trapezoid_dx_with(&nested, 2, -1),
        "aten::trapezoid.dx",
        "dim -1",
    );
    assert!(m.contains("nested"), "{m}");
    rejected(
        Tensor::f_cumulative_trapezoid_x_with(&nested, &ones(&[3]), -1),
        "aten::cumulative_trapezoid.x",
        "dim -1",
    );
    // Rows [2, 4, 4] and [1, 5, 6] with spacing 2: 2 * ((2 + 4) / 2 + (4 + 4) / 2) = 14 and
    // 2 * (3 + 5.5) = 17.
    close(
        &vals(&Tensor::f_trapezoid_dx_with(&a, 2, -1).unwrap()),
        &[14.0, 17.0],
    );
}

#[test]
fn nested_sum_backward_needs_one_gradient_per_row() {
    // Nested-only form fuzz, seeds 2 and 13: the kernel spreads each gradient element over a row
    // of self's last dimension, trusting both sizes, and wrote past its buffer.
    let nested = |parts: &[&Tensor]| Tensor::f__nested_tensor_from_tensor_list(parts).unwrap();
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let self_ = nested(&[&a, &a.narrow(0, 0, 1)]);
    let m = rejected(
        Tensor::f__nested_sum_backward(&nested(&[&ones(&[3]), &ones(&[1])]), &self_, -1),
        "aten::_nested_sum_backward",
        "grad",
    );
    assert!(m.contains("component 0"), "{m}");
    // The gradient of a sum over the last dimension: each row gets its row's gradient.
    let grad = nested(&[&t(&[1.0, 2.0], &[2]), &t(&[3.0], &[1])]);
    let back = Tensor::f__nested_sum_backward(&grad, &self_, -1).unwrap();
    let parts = back.f_unbind_int().unwrap();
    close(&vals(&parts[0]), &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    close(&vals(&parts[1]), &[3.0, 3.0, 3.0]);
}
