//! Guards of the linalg family (libtorch/src/guards/).

use crate::common::{close, meta, ones, rejected, t, vals};
use libtorch::{Error, Kind, Tensor};

#[test]
fn slow_conv2d_backward_rejects_empty_lists_batch_and_weight_mismatch() {
    let op = "aten::_slow_conv2d_backward.output_mask";
    let x = ones(&[2, 1, 3, 3]);
    let w = ones(&[1, 1, 2, 2]);
    let g = ones(&[2, 1, 2, 2]);
    let mask = [true, true, true];
    rejected(
        Tensor::f__slow_conv2d_backward_output_mask(&g, &x, &w, &[], &[1, 1], &[0, 0], mask),
        op,
        "kernel_size",
    );
    rejected(
        Tensor::f__slow_conv2d_backward_output_mask(
            &ones(&[1, 1, 2, 2]),
            &x,
            &w,
            &[2, 2],
            &[1, 1],
            &[0, 0],
            mask,
        ),
        op,
        "grad_output",
    );
    // A 3x3 weight with kernel_size 2x2: more columns than the per-frame buffer holds.
    rejected(
        Tensor::f__slow_conv2d_backward_output_mask(
            &g,
            &x,
            &ones(&[1, 1, 3, 3]),
            &[2, 2],
            &[1, 1],
            &[0, 0],
            mask,
        ),
        op,
        "weight",
    );
}

#[test]
fn weight_norm_rejects_empty_slices_and_per_slice_tensors_of_other_sizes() {
    // v * g / ||v|| row by row (dim 0): rows [3, 4] and [0, 5] have norms 5 and 5.
    let v = t(&[3.0, 4.0, 0.0, 5.0], &[2, 2]);
    let g = t(&[10.0, 2.0], &[2, 1]);
    assert_eq!(
        vals(&Tensor::f__weight_norm(&v, &g).unwrap()),
        [6.0, 8.0, 0.0, 2.0]
    );
    let m = rejected(
        Tensor::f__weight_norm(&v, &t(&[1.0], &[1, 1])),
        "aten::_weight_norm",
        "g",
    );
    assert_eq!(
        m,
        "g must have 2 elements (v's size at dimension 0), got 1 (libtorch 2.11 would crash)"
    );
    // The last dim: columns [3, 0] and [4, 5] have norms 3 and sqrt(41).
    rejected(
        Tensor::f__weight_norm_with(&v, &t(&[1.0, 1.0, 1.0], &[1, 3]), 1),
        "aten::_weight_norm",
        "g",
    );
    let (zv, zg) = (Tensor::zeros(&[0, 3]), Tensor::zeros(&[0, 1]));
    rejected(
        Tensor::f__weight_norm_interface(&zv, &zg),
        "aten::_weight_norm_interface",
        "v",
    );
    let (w, norms) = Tensor::f__weight_norm_interface(&v, &g).unwrap();
    assert_eq!(vals(&norms), [5.0, 5.0]);
    let gw = ones(&[2, 2]);
    rejected(
        Tensor::f__weight_norm_interface_backward(&gw, &zv, &zg, &zg, 0),
        "aten::_weight_norm_interface_backward",
        "saved_v",
    );
    rejected(
        Tensor::f__weight_norm_interface_backward(&ones(&[1, 2]), &v, &g, &norms, 0),
        "aten::_weight_norm_interface_backward",
        "saved_v",
    );
    rejected(
        Tensor::f__weight_norm_interface_backward(
            &gw,
            &v,
            &g,
            &norms.f_narrow(0, 0, 1).unwrap(),
            0,
        ),
        "aten::_weight_norm_interface_backward",
        "saved_norms",
    );
    let (_, grad_g) = Tensor::f__weight_norm_interface_backward(&gw, &v, &g, &norms, 0).unwrap();
    // d(sum w)/dg_i = sum_j v_ij / ||v_i||: (3 + 4) / 5 and (0 + 5) / 5.
    close(&vals(&grad_g), &[1.4, 1.0]);
    assert_eq!(w.size(), [2, 2]);
}

#[test]
fn batch_norm_without_stats_rejects_inference_and_short_weights_and_still_normalizes() {
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let op = "aten::_native_batch_norm_legit.no_stats";
    let m = rejected(
        Tensor::f__native_batch_norm_legit_no_stats(&x, None, None, false, 0.1, 1e-5),
        op,
        "training",
    );
    assert_eq!(
        m,
        "training must be true when input has elements (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f__native_batch_norm_legit_no_stats(&x, Some(&ones(&[1])), None, true, 0.1, 1e-5),
        op,
        "weight",
    );
    // Per channel: means [2, 3], biased variances [1, 1], so the output is [[-1, -1], [1, 1]].
    let (y, mean, _) =
        Tensor::f__native_batch_norm_legit_no_stats(&x, None, None, true, 0.1, 0.0).unwrap();
    close(&vals(&y), &[-1.0, -1.0, 1.0, 1.0]);
    close(&vals(&mean), &[2.0, 3.0]);
}

#[test]
fn linalg_eigvals_rejects_non_finite_input_and_still_solves() {
    let op = "aten::linalg_eigvals";
    let m = rejected(
        t(&[1.0, f32::NAN, 0.0, 2.0], &[2, 2]).f_linalg_eigvals(),
        op,
        "self",
    );
    assert_eq!(
        m,
        "self must not contain NaN or infinity (libtorch 2.11 would crash)"
    );
    rejected(
        t(&[f32::INFINITY, 0.0, 0.0, 2.0], &[2, 2]).f_linalg_eigvals(),
        op,
        "self",
    );
    // A triangular matrix's eigenvalues are its diagonal.
    let w = t(&[1.0, 5.0, 0.0, 2.0], &[2, 2])
        .f_linalg_eigvals()
        .unwrap();
    let mut re = vals(&w.f_real().unwrap());
    re.sort_by(|a, b| a.partial_cmp(b).unwrap());
    close(&re, &[1.0, 2.0]);
}

#[test]
fn lu_unpack_rejects_pivots_of_another_shape_and_still_unpacks() {
    let a = t(&[4.0, 3.0, 6.0, 3.0], &[2, 2]);
    let (lu, piv) = Tensor::f_linalg_lu_factor(&a).unwrap();
    let (p, l, u) = Tensor::f_lu_unpack(&lu, &piv).unwrap();
    // P L U reassembles A.
    let plu = p.f_matmul(&l).unwrap().f_matmul(&u).unwrap();
    close(&vals(&plu), &[4.0, 3.0, 6.0, 3.0]);
    let m = rejected(
        Tensor::f_lu_unpack(&lu, &piv.f_narrow(0, 0, 1).unwrap()),
        "aten::lu_unpack",
        "LU_pivots",
    );
    assert_eq!(
        m,
        "LU_pivots must have shape [2] (LU_data's batch and min(m, n)), got [1] (libtorch 2.11 would crash)"
    );
}

#[test]
fn matrix_power_rejects_the_one_exponent_whose_negation_overflows() {
    // [[1, 1], [0, 1]]^n = [[1, n], [0, 1]]; its inverse power has -n.
    let a = t(&[1.0, 1.0, 0.0, 1.0], &[2, 2]);
    assert_eq!(
        vals(&a.f_linalg_matrix_power(5).unwrap()),
        [1.0, 5.0, 0.0, 1.0]
    );
    assert_eq!(
        vals(&a.f_linalg_matrix_power(-3).unwrap()),
        [1.0, -3.0, 0.0, 1.0]
    );
    rejected(
        a.f_linalg_matrix_power(i64::MIN),
        "aten::linalg_matrix_power",
        "n",
    );
    rejected(a.f_matrix_power(i64::MIN), "aten::matrix_power", "n");
}

#[test]
fn compute_linear_combination_rejects_mismatched_shapes_and_dtypes() {
    // out[i] = sum_j c[i, j] * input[j]: [1, 2] + [3, 4] = [4, 6] and 2 [1, 2] - [3, 4] = [-1, 0].
    let input = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let c = t(&[1.0, 1.0, 2.0, -1.0], &[2, 2]);
    let y = Tensor::f__compute_linear_combination(&input, &c).unwrap();
    close(&vals(&y), &[4.0, 6.0, -1.0, 0.0]);
    // A complex input takes real coefficients: (1 + i) * 2 = 2 + 2i.
    let z = Tensor::from_data(&[1f32, 1.0], &[1, 2])
        .unwrap()
        .f_view_as_complex()
        .unwrap();
    let y = Tensor::f__compute_linear_combination(&z, &t(&[2.0], &[1, 1])).unwrap();
    close(&vals(&y.f_view_as_real().unwrap()), &[2.0, 2.0]);
    let op = "aten::_compute_linear_combination";
    // Seed 142: three coefficients per row for two input rows, and int32 coefficients.
    rejected(
        Tensor::f__compute_linear_combination(&input, &ones(&[2, 3])),
        op,
        "coefficients.size(1)",
    );
    let ints = Tensor::from_data(&[1i32, 1, 2, -1], &[2, 2]).unwrap();
    let m = rejected(
        Tensor::f__compute_linear_combination(&input, &ints),
        op,
        "coefficients",
    );
    assert!(m.contains("dtype float32"), "{m}");
    rejected(
        Tensor::f__compute_linear_combination(&z, &z),
        op,
        "coefficients",
    );
    rejected(
        Tensor::f__compute_linear_combination(&t(&[1.0], &[]), &c),
        op,
        "input",
    );
    let mut out = Tensor::zeros(&[2, 2]).f_to_dtype(Kind::Double).unwrap();
    rejected(
        Tensor::f__compute_linear_combination_out(&input, &c, &mut out),
        "aten::_compute_linear_combination.out",
        "out",
    );
}

#[test]
fn powsum_rejects_a_bfloat16_result_of_a_complex_input() {
    // sum |x|^1 over [3 + 4i, 0]: 5; into bfloat16 from a real input: |-2| + 3 = 5.
    let z = t(&[3.0, 4.0, 0.0, 0.0], &[2, 2])
        .f_view_as_complex()
        .unwrap();
    let s = z
        .f_linalg__powsum_with(1, None, false, Some(Kind::Half))
        .unwrap();
    assert_eq!(s.kind(), Kind::Half);
    close(&vals(&s.f_to_dtype(Kind::Float).unwrap()), &[5.0]);
    let r = t(&[-2.0, 3.0], &[2]);
    let s = r
        .f_linalg__powsum_with(1, None, false, Some(Kind::BFloat16))
        .unwrap();
    close(&vals(&s.f_to_dtype(Kind::Float).unwrap()), &[5.0]);
    // Seed 1: a complex input into bfloat16 wrote 4-byte floats past each 2-byte element.
    let m = rejected(
        z.f_linalg__powsum_with(1, None, false, Some(Kind::BFloat16)),
        "aten::linalg__powsum",
        "dtype",
    );
    assert!(m.contains("complex128") || m.contains("complex64"), "{m}");
    rejected(
        Tensor::f__foreach_powsum_scalar_with(&[&r, &z], 1, Some(Kind::BFloat16)),
        "aten::_foreach_powsum.Scalar",
        "dtype",
    );
}

#[test]
fn matrix_exp_checks_norms_only_off_the_cpu() {
    // exp([[0, 1], [0, 0]]) = I + A for this nilpotent A: [[1, 1], [0, 1]].
    let a = t(&[0.0, 1.0, 0.0, 0.0], &[2, 2]);
    close(&vals(&a.f_matrix_exp().unwrap()), &[1.0, 1.0, 0.0, 1.0]);
    // On the CPU an infinite entry is not refused (the CPU kernel returns); the CUDA kernel
    // would square 2^63 times, which this check prevents there (no GPU here to show it).
    let inf = t(&[f32::INFINITY, 0.0, 0.0, 1.0], &[2, 2]);
    assert!(inf.f_matrix_exp().is_ok());
    // Meta tensors are not checked either: libtorch's own error (no meta kernel) comes back.
    let err = meta(&[2, 2]).f_matrix_exp().unwrap_err();
    assert!(matches!(err, Error::Torch { .. }), "{err:?}");
}

#[test]
fn ldl_solve_takes_only_lapack_pivots() {
    let a = t(&[4.0, 1.0, 1.0, 3.0], &[2, 2]);
    let b = t(&[1.0, 2.0], &[2, 1]);
    let piv = |v: &[i32]| Tensor::from_data(v, &[2]).unwrap();
    // PyTorch issue 91590: zeros (a SIGSEGV), 100 (an abort), and an unpaired 2x2 pivot.
    for bad in [[0, 0], [100, 1], [-2, 1]] {
        rejected(
            Tensor::f_linalg_ldl_solve(&a, &piv(&bad), &b),
            "aten::linalg_ldl_solve",
            "pivots",
        );
    }
    // A x = b for A = [[4, 1], [1, 3]], b = [1, 2]: x = [1/11, 7/11].
    let (ld, pivots) = a.f_linalg_ldl_factor().unwrap();
    let x = Tensor::f_linalg_ldl_solve(&ld, &pivots, &b).unwrap();
    close(&vals(&x), &[1.0 / 11.0, 7.0 / 11.0]);
}

#[test]
fn weight_norm_differentiable_backward_needs_saved_g() {
    // Form fuzz seed 390: saved_norms is converted to saved_g's dtype; an undefined saved_g has
    // none, and a nested saved_norms divides by the zero element size (SIGFPE).
    let v = t(&[3.0, 4.0], &[1, 2]);
    let nested = Tensor::f__nested_tensor_from_tensor_list(&[&v, &v]).unwrap();
    rejected(
        Tensor::f__weight_norm_differentiable_backward(
            &Tensor::zeros(&[3, 0]),
            &nested,
            &Tensor::default(),
            &nested,
            0,
        ),
        "aten::_weight_norm_differentiable_backward",
        "saved_g",
    );
    // w = g * v / |v| with v = [3, 4], g = 5: for grad_w = [1, 0], the sum over the row is
    // grad_w . v = 3, grad_g = 3 / |v| = 0.6, grad_v = (g / |v|) (grad_w - v * 3 / |v|^2)
    // = [1 - 0.36, -0.48].
    let (grad_v, grad_g) = Tensor::f__weight_norm_differentiable_backward(
        &t(&[1.0, 0.0], &[1, 2]),
        &v,
        &t(&[5.0], &[1, 1]),
        &t(&[5.0], &[1, 1]),
        0,
    )
    .unwrap();
    close(&vals(&grad_v), &[0.64, -0.48]);
    close(&vals(&grad_g), &[0.6]);
}
