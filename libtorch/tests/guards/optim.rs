//! Guards of the optim family (libtorch/src/guards/).

use crate::common::{
    close, filled, fused_sgd, fused_sgd_momentum, fused_sgd_scaled, meta, ones, rejected, t, vals,
};
use libtorch::{Scalar, Tensor};

#[test]
fn foreach_copy_rejects_unequal_lists_and_undefined_tensors_and_copies_valid_ones() {
    let a = [Tensor::zeros(&[2]), Tensor::zeros(&[2])];
    let src = [t(&[1.0, 2.0], &[2]), t(&[3.0, 4.0], &[2])];
    let mut out = [Tensor::zeros(&[2]), Tensor::zeros(&[2])];
    let m = rejected(
        Tensor::f__foreach_copy_out(&a, &src[..1], &mut out),
        "aten::_foreach_copy.out",
        "src",
    );
    assert_eq!(
        m,
        "src must have as many elements as self (2), got 1 (libtorch 2.11 would crash)"
    );
    let mut holey = [Tensor::zeros(&[2]), Tensor::default()];
    rejected(
        Tensor::f__foreach_copy_out(&a, &src, &mut holey),
        "aten::_foreach_copy.out",
        "out[1]",
    );
    rejected(
        Tensor::f__foreach_copy(&a[..1], &src),
        "aten::_foreach_copy",
        "src",
    );
    // Valid: the result is self with src's values copied in.
    let r = Tensor::f__foreach_copy(&a, &src).unwrap();
    assert_eq!(vals(&r[0]), [1.0, 2.0]);
    assert_eq!(vals(&r[1]), [3.0, 4.0]);
    Tensor::f__foreach_copy_out(&a, &src, &mut out).unwrap();
    assert_eq!(vals(&out[1]), [3.0, 4.0]);
}

#[test]
fn foreach_lerp_inplace_scalar_list_rejects_lists_of_other_lengths() {
    let mut xs = [t(&[0.0, 2.0], &[2]), t(&[4.0], &[1])];
    let ends = [t(&[2.0, 4.0], &[2]), t(&[8.0], &[1])];
    let half = [Scalar::from(0.5), Scalar::from(0.25)];
    let m = rejected(
        Tensor::f__foreach_lerp_scalarlist_(&mut xs, &ends[..1], &half),
        "aten::_foreach_lerp_.ScalarList",
        "tensors1",
    );
    assert_eq!(
        m,
        "tensors1 must have as many elements as self (2), got 1 (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f__foreach_lerp_scalarlist_(&mut xs, &ends, &half[..1]),
        "aten::_foreach_lerp_.ScalarList",
        "weight",
    );
    // lerp(start, end, w) = start + w * (end - start), per list element
    Tensor::f__foreach_lerp_scalarlist_(&mut xs, &ends, &half).unwrap();
    assert_eq!(vals(&xs[0]), [1.0, 3.0]);
    assert_eq!(vals(&xs[1]), [5.0]);
}

#[test]
fn foreach_addcmul_inplace_scalar_list_rejects_lists_of_other_lengths() {
    let mut xs = [t(&[1.0], &[1]), t(&[1.0], &[1])];
    let (a, b) = (
        [t(&[2.0], &[1]), t(&[4.0], &[1])],
        [t(&[3.0], &[1]), t(&[5.0], &[1])],
    );
    rejected(
        Tensor::f__foreach_addcmul_scalarlist_(
            &mut xs,
            &a[..1],
            &b,
            &[Scalar::from(0.5), Scalar::from(1.0)],
        ),
        "aten::_foreach_addcmul_.ScalarList",
        "tensor1",
    );
    // x + s * a * b: 1 + 0.5 * 2 * 3 = 4 and 1 + 1 * 4 * 5 = 21.
    Tensor::f__foreach_addcmul_scalarlist_(
        &mut xs,
        &a,
        &b,
        &[Scalar::from(0.5), Scalar::from(1.0)],
    )
    .unwrap();
    assert_eq!((vals(&xs[0]), vals(&xs[1])), (vec![4.0], vec![21.0]));
}

#[test]
fn fused_optimizers_reject_lists_spread_over_devices() {
    // SGD without momentum: p - lr * g = [1, 2] - 0.1 * [0.5, 0.5] = [0.95, 1.95].
    let mut params = vec![t(&[1.0, 2.0], &[2])];
    let mut grads = vec![t(&[0.5, 0.5], &[2])];
    fused_sgd(&mut params, &mut grads).unwrap();
    close(&vals(&params[0]), &[0.95, 1.95]);
    // Seeds 1-5 of the CUDA fuzz: a gradient on another device than the parameters.
    let mut grads = vec![meta(&[2])];
    let m = rejected(
        fused_sgd(&mut params, &mut grads),
        "aten::_fused_sgd_",
        "grads[0]",
    );
    assert!(m.contains("but self[0] is on Cpu"), "{m}");
    close(&vals(&params[0]), &[0.95, 1.95]);
}

#[test]
fn fused_optimizers_need_one_state_per_parameter() {
    // The CUDA fuzz (session 12, all 24 overloads): the CUDA kernels index every list at each
    // parameter's position without comparing lengths. The CPU kernels reject these themselves;
    // the guard names the list on every device.
    let adam = |grads: usize, steps: usize, max: usize, amsgrad: bool| {
        Tensor::f__fused_adam_(
            &mut filled(2, 1.0),
            &mut filled(grads, 0.5),
            &mut filled(2, 0.0),
            &mut filled(2, 0.0),
            &mut filled(max, 0.0),
            &filled(steps, 0.0),
            0.1,
            0.9,
            0.999,
            0.0,
            1e-8,
            amsgrad,
            false,
        )
    };
    let m = rejected(adam(1, 2, 0, false), "aten::_fused_adam_", "grads");
    assert_eq!(
        m,
        "grads must have as many elements as self (2), got 1 (libtorch 2.11 would crash)"
    );
    rejected(adam(2, 1, 0, false), "aten::_fused_adam_", "state_steps");
    rejected(adam(2, 2, 0, true), "aten::_fused_adam_", "max_exp_avg_sqs");
    let sgd_momentum = |buffers: usize| {
        Tensor::f__fused_sgd_(
            &mut filled(2, 1.0),
            &mut filled(2, 0.5),
            &mut filled(buffers, 0.0),
            0.0,
            0.9,
            0.1,
            0.0,
            false,
            false,
            true,
        )
    };
    rejected(sgd_momentum(1), "aten::_fused_sgd_", "momentum_buffer_list");
    // A first momentum step takes the gradient as the buffer: p - lr * g = 1 - 0.1 * 0.5.
    let mut params = filled(2, 1.0);
    let mut buffers = filled(2, 0.0);
    Tensor::f__fused_sgd_(
        &mut params,
        &mut filled(2, 0.5),
        &mut buffers,
        0.0,
        0.9,
        0.1,
        0.0,
        false,
        false,
        true,
    )
    .unwrap();
    close(&vals(&params[1]), &[0.95]);
    close(&vals(&buffers[1]), &[0.5]);
    let adagrad = |params: &mut [Tensor], steps: usize| {
        Tensor::f__fused_adagrad_(
            params,
            &mut filled(2, 0.5),
            &mut filled(2, 0.0),
            &mut filled(steps, 0.0),
            0.1,
            0.0,
            0.0,
            1e-10,
            false,
        )
    };
    rejected(
        adagrad(&mut filled(2, 1.0), 1),
        "aten::_fused_adagrad_",
        "state_steps",
    );
    // Step 1: sum = 0.5² = 0.25, p - lr * g / sqrt(sum) = 1 - 0.1 * 0.5 / 0.5 = 0.9.
    let mut params = filled(2, 1.0);
    adagrad(&mut params, 2).unwrap();
    close(&vals(&params[0]), &[0.9]);
    // A grad_scale on another device than the parameters reaches the kernel as a pointer of
    // the wrong device.
    let m = rejected(
        fused_sgd_scaled(&mut filled(1, 1.0), &mut filled(1, 0.5), Some(&meta(&[]))),
        "aten::_fused_sgd_",
        "grad_scale",
    );
    assert!(
        m.contains("grad_scale is on Meta but the parameters (self[0]) are on Cpu"),
        "{m}"
    );
}

#[test]
fn fused_optimizers_walk_only_lists_laid_out_like_the_parameters() {
    let op = "aten::_fused_sgd_";
    // Seed 1042 at 400 calls per op: a 0-D gradient and a 1-element momentum buffer for a
    // [3, 5] parameter were walked for 15 elements each (heap corruption).
    let mut params = vec![ones(&[3, 5])];
    let mut grads = vec![t(&[0.5], &[])];
    let mut bufs = vec![Tensor::zeros(&[1])];
    let m = rejected(
        fused_sgd_momentum(&mut params, &mut grads, &mut bufs, None, None),
        op,
        "grads[0]",
    );
    assert!(m.contains("sizes of self[0] ([3, 5]), got []"), "{m}");
    let mut grads = vec![ones(&[3, 5])];
    rejected(
        fused_sgd_momentum(&mut params, &mut grads, &mut bufs, None, None),
        op,
        "momentum_buffer_list[0]",
    );
    // An expanded gradient has the sizes but one element in memory; a transposed one would be
    // walked in another order than the parameter.
    let mut grads = vec![t(&[0.5], &[1]).expand(&[3, 5])];
    let mut bufs = vec![Tensor::zeros(&[3, 5])];
    let m = rejected(
        fused_sgd_momentum(&mut params, &mut grads, &mut bufs, None, None),
        op,
        "grads[0]",
    );
    assert!(m.contains("strides of self[0] ([5, 1]), got [0, 0]"), "{m}");
    let mut params_t = vec![ones(&[5, 3]).transpose_int(0, 1)];
    rejected(
        fused_sgd_momentum(&mut params_t, &mut [ones(&[3, 5])], &mut bufs, None, None),
        op,
        "grads[0]",
    );
    close(&vals(&params[0]), &[1.0; 15]);

    // Valid steps. found_inf = 1 skips the step; grad_scale 2 halves the gradient, which is
    // written back unscaled: buf = g / 2 = 0.25, p = 1 - 0.1 * 0.25 = 0.975.
    let (mut p, mut g, mut b) = (
        vec![ones(&[2])],
        vec![t(&[0.5, 0.5], &[2])],
        vec![Tensor::zeros(&[2])],
    );
    let skip = t(&[1.0], &[1]);
    fused_sgd_momentum(&mut p, &mut g, &mut b, None, Some(&skip)).unwrap();
    close(&vals(&p[0]), &[1.0, 1.0]);
    let scale = t(&[2.0], &[]);
    fused_sgd_momentum(&mut p, &mut g, &mut b, Some(&scale), Some(&t(&[0.0], &[1]))).unwrap();
    close(&vals(&p[0]), &[0.975, 0.975]);
    close(&vals(&g[0]), &[0.25, 0.25]);
    close(&vals(&b[0]), &[0.25, 0.25]);
    // The functional form clones every list (dense) first, so an expanded gradient is fine:
    // p = [1, 2] - 0.1 * 0.5 = [0.95, 1.95], with the inputs untouched.
    let g = [t(&[0.5], &[1]).expand(&[2])];
    let p = [t(&[1.0, 2.0], &[2])];
    let (p2, _, _) = Tensor::f__fused_sgd(
        &p,
        &g,
        &[] as &[Tensor],
        0.0,
        0.0,
        0.1,
        0.0,
        false,
        false,
        false,
    )
    .unwrap();
    close(&vals(&p2[0]), &[0.95, 1.95]);
    close(&vals(&p[0]), &[1.0, 2.0]);
    let bad = [t(&[0.5], &[1])];
    rejected(
        Tensor::f__fused_sgd(
            &p,
            &bad,
            &[] as &[Tensor],
            0.0,
            0.0,
            0.1,
            0.0,
            false,
            false,
            false,
        ),
        "aten::_fused_sgd",
        "grads[0]",
    );

    // Adam's first step moves each parameter by lr against the gradient's sign:
    // m = 0.1 g, v = 0.001 g^2, m / (1 - 0.9) / (sqrt(v / (1 - 0.999)) + eps) = sign(g).
    let mut p = vec![t(&[1.0, 1.0], &[2])];
    let mut g = vec![t(&[0.5, -2.0], &[2])];
    let (mut m1, mut v1) = (vec![Tensor::zeros(&[2])], vec![Tensor::zeros(&[2])]);
    let steps = vec![t(&[1.0], &[])];
    Tensor::f__fused_adam_(
        &mut p,
        &mut g,
        &mut m1,
        &mut v1,
        &mut [],
        &steps,
        0.1,
        0.9,
        0.999,
        0.0,
        1e-8,
        false,
        false,
    )
    .unwrap();
    close(&vals(&p[0]), &[0.9, 1.1]);
    close(&vals(&m1[0]), &[0.05, -0.2]);
    let mut v_short = vec![Tensor::zeros(&[1])];
    rejected(
        Tensor::f__fused_adam_(
            &mut p,
            &mut g,
            &mut m1,
            &mut v_short,
            &mut [],
            &steps,
            0.1,
            0.9,
            0.999,
            0.0,
            1e-8,
            false,
            false,
        ),
        "aten::_fused_adam_",
        "exp_avg_sqs[0]",
    );
    let mut sums = vec![Tensor::zeros(&[3])];
    rejected(
        Tensor::f__fused_adagrad_(
            &mut p,
            &mut g,
            &mut sums,
            &mut [t(&[1.0], &[])],
            0.1,
            0.0,
            0.0,
            1e-10,
            false,
        ),
        "aten::_fused_adagrad_",
        "state_sums[0]",
    );
}

#[test]
fn median_along_an_expanded_dim_is_refused() {
    // Found by the form fuzz under memcheck: median and nanmedian read a dim of stride 0 with
    // stride 1, past the storage: [2].expand([5]).median(0) returned 0.
    let e = t(&[2.0], &[1]).expand(&[5]);
    rejected(e.f_median_dim(0), "aten::median.dim", "self");
    rejected(e.f_nanmedian_dim(-1), "aten::nanmedian.dim", "self");
    // Expanded along another dim is fine, and so is the contiguous copy.
    let rows = t(&[1.0, 5.0, 3.0], &[3, 1]).expand(&[3, 4]);
    let (v, _) = rows.f_median_dim(0).unwrap();
    close(&vals(&v), &[3.0; 4]);
    let (v, _) = e.contiguous().f_median_dim(0).unwrap();
    close(&vals(&v), &[2.0]);
}
