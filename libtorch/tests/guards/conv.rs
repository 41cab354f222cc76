//! Guards of the conv family (libtorch/src/guards/).

use crate::common::{close, nested, ones, rejected, t, vals};
use libtorch::{Error, Kind, Result, Tensor};

#[test]
fn slow_conv3d_rejects_empty_lists() {
    let x = ones(&[1, 1, 3, 3, 3]);
    let w = ones(&[1, 1, 2, 2, 2]);
    let m = rejected(x.f_slow_conv3d(&w, &[]), "aten::slow_conv3d", "kernel_size");
    assert_eq!(
        m,
        "kernel_size must have 3 elements (or 1), got 0 (libtorch 2.11 would crash)"
    );
    rejected(
        x.f_slow_conv3d_with(&w, &[2, 2, 2], None, &[], &[0, 0, 0]),
        "aten::slow_conv3d",
        "stride",
    );
    rejected(
        x.f_slow_conv3d_forward(&w, &[2, 2, 2], None, &[1, 1, 1], &[0, 0]),
        "aten::slow_conv3d_forward",
        "padding",
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        x.f_slow_conv3d_out(&w, &[], &mut out),
        "aten::slow_conv3d.out",
        "kernel_size",
    );
}

#[test]
fn slow_conv3d_valid_calls_including_the_schema_defaults() {
    // A 2x2x2 box filter of ones over a 3x3x3 cube of ones: 8 everywhere, 2x2x2 out.
    let x = ones(&[1, 1, 3, 3, 3]);
    let w = ones(&[1, 1, 2, 2, 2]);
    // f_slow_conv3d applies the schema's defaults stride=1, padding=0 (one-element lists).
    let y = x.f_slow_conv3d(&w, &[2, 2, 2]).unwrap();
    assert_eq!(y.size(), [1, 1, 2, 2, 2]);
    assert_eq!(vals(&y), vec![8.0; 8]);
    // A one-element kernel_size is repeated, as in Python.
    assert_eq!(vals(&x.f_slow_conv3d(&w, &[2]).unwrap()), vec![8.0; 8]);
    let y = x
        .f_slow_conv3d_forward(&w, &[2, 2, 2], None, &[1, 1, 1], &[1, 1, 1])
        .unwrap();
    assert_eq!(y.size(), [1, 1, 4, 4, 4]);
    // A corner of the padded output sees one input element.
    assert_eq!(vals(&y)[0], 1.0);
}

#[test]
fn nnpack_spatial_convolution_rejects_bad_ranks_and_stride() {
    let w = ones(&[1, 1, 2, 2]);
    rejected(
        Tensor::f__nnpack_spatial_convolution(&Tensor::scalar_tensor(1.0), &w, None, &[0, 0]),
        "aten::_nnpack_spatial_convolution",
        "input",
    );
    rejected(
        Tensor::f__nnpack_spatial_convolution_with(
            &ones(&[1, 1, 3, 3]),
            &w,
            None,
            &[0, 0],
            &[0, 1],
        ),
        "aten::_nnpack_spatial_convolution",
        "stride",
    );
    rejected(
        Tensor::f__nnpack_spatial_convolution(&ones(&[1, 1, 3, 3]), &w, None, &[]),
        "aten::_nnpack_spatial_convolution",
        "padding",
    );
}

#[test]
fn nnpack_spatial_convolution_valid_call_passes_the_guard() {
    // x = 0..9 as [1, 1, 3, 3], w = [[1, 2], [3, 4]]: conv2d gives [[27, 37], [57, 67]]
    // (0·1 + 1·2 + 3·3 + 4·4 = 27, ...).
    let x = t(
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        &[1, 1, 3, 3],
    );
    let w = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]);
    match Tensor::f__nnpack_spatial_convolution(&x, &w, None, &[0, 0]) {
        Ok(y) => {
            assert_eq!(y.size(), [1, 1, 2, 2]);
            assert_eq!(vals(&y), [27.0, 37.0, 57.0, 67.0]);
        }
        // NNPACK refuses to run on some x86 CPUs (this 2-core VM's among them; PyTorch 2.11's
        // Python build says the same there): then the call must fail in NNPACK itself, not in
        // the guard.
        Err(Error::Torch { message, .. }) => assert_eq!(
            message.lines().next().unwrap(),
            "NNPACK SpatialConvolution_updateOutput failed"
        ),
        Err(e) => panic!("a valid call must reach NNPACK: {e:?}"),
    }
}

#[test]
fn slow_conv2d_backward_valid_call_gives_pytorchs_gradients() {
    // Values from PyTorch 2.11: torch.ops.aten._slow_conv2d_backward(g, x, w, [2, 2], [1, 1],
    // [0, 0], [True, True, True]) with x = arange(18) as [2, 1, 3, 3], w = [[1, 2], [3, 4]],
    // g = 1..=8 as [2, 1, 2, 2].
    let x = Tensor::arange(18)
        .to_dtype(Kind::Float)
        .reshape(&[2, 1, 3, 3]);
    let w = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]);
    let g = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &[2, 1, 2, 2]);
    let (gi, gw, gb) = Tensor::f__slow_conv2d_backward_output_mask(
        &g,
        &x,
        &w,
        &[2, 2],
        &[1, 1],
        &[0, 0],
        [true, true, true],
    )
    .unwrap();
    assert_eq!(gi.size(), [2, 1, 3, 3]);
    assert_eq!(
        vals(&gi),
        [
            1.0, 4.0, 4.0, 6.0, 20.0, 16.0, 9.0, 24.0,
            16.0, // g[0] = [[1, 2], [3, 4]]: 1·1, 1·2 + 2·1, ...
            5.0, 16.0, 12.0, 22.0, 60.0, 40.0, 21.0, 52.0, 32.0
        ]
    );
    assert_eq!(vals(&gw), [320.0, 356.0, 428.0, 464.0]);
    assert_eq!(vals(&gb), [36.0]); // Σ g
}

#[test]
fn slow_conv2d_backward_valid_call() {
    let x = ones(&[1, 1, 3, 3]);
    let w = ones(&[1, 1, 2, 2]);
    let g = ones(&[1, 1, 2, 2]);
    let (gi, gw, gb) = Tensor::f__slow_conv2d_backward_output_mask(
        &g,
        &x,
        &w,
        &[2, 2],
        &[1, 1],
        &[0, 0],
        [true, true, true],
    )
    .unwrap();
    // Each input element receives one gradient per 2x2 window covering it.
    assert_eq!(vals(&gi), [1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
    assert_eq!(vals(&gw), [4.0; 4]);
    assert_eq!(vals(&gb), [4.0]);
    // The weight may also come as the 2-D [out, in * kh * kw] matrix.
    let (gi2, _, _) = Tensor::f__slow_conv2d_backward_output_mask(
        &g,
        &x,
        &ones(&[1, 4]),
        &[2, 2],
        &[1, 1],
        &[0, 0],
        [true, false, false],
    )
    .unwrap();
    assert_eq!(vals(&gi2), vals(&gi));
}

#[test]
fn convolution_double_backward_checks_ranks_before_indexing_them() {
    // A 1-D convolution: input [1, 2, 3], kernel [1, 1]. With ggI = [1, 0, 0] and gO = [1, 1]:
    // ggO = conv(ggI, w) = [1, 0], and gW[k] = sum_t ggI[t + k] gO[t] = [1, 0].
    let x = t(&[1.0, 2.0, 3.0], &[1, 1, 3]);
    let w = t(&[1.0, 1.0], &[1, 1, 2]);
    let go = ones(&[1, 1, 2]);
    let ggi = t(&[1.0, 0.0, 0.0], &[1, 1, 3]);
    let call = |ggb: Option<&Tensor>, go: &Tensor, groups| {
        Tensor::f__convolution_double_backward(
            Some(&ggi),
            None,
            ggb,
            go,
            &w,
            &x,
            &[1],
            &[0],
            &[1],
            false,
            &[0],
            groups,
            [true, true, true],
        )
    };
    let (ggo, gi, gw) = call(None, &go, 1).unwrap();
    assert_eq!(vals(&ggo), [1.0, 0.0]);
    assert_eq!(vals(&gw), [1.0, 0.0]);
    assert!(!gi.defined()); // no ggW: no input gradient
    let op = "aten::_convolution_double_backward";
    // Seed 12: a 0-dim gO with a bias gradient wrote new_size[1] of an empty vector.
    rejected(
        call(Some(&ones(&[3, 1])), &Tensor::scalar(1.0f32), 1),
        op,
        "gO",
    );
    rejected(call(Some(&ones(&[1, 1])), &go, 1), op, "ggb");
    rejected(call(None, &go, 0), op, "groups");
}

#[test]
fn cudnn_entry_points_reject_what_convolution_would() {
    let op = "aten::cudnn_convolution";
    let x = ones(&[1, 2, 3, 3]);
    let w = ones(&[4, 2, 2, 2]);
    let conv = |x: &Tensor, w: &Tensor, pad: &[i64], dil: &[i64], groups| {
        Tensor::f_cudnn_convolution(x, w, pad, &[1, 1], dil, groups, false, false, false)
    };
    // Valid arguments pass the guard and reach libtorch, which has no cuDNN kernel for CPU
    // tensors (the GPU's valid calls are in tests/cuda.rs).
    let no_cpu_kernel = |r: Result<Tensor>, op: &str| match r {
        Err(Error::Torch {
            message,
            full_message,
            ..
        }) => {
            // The dispatcher's list of backends, in one sentence; its own text kept whole.
            assert_eq!(message, format!("`{op}` cannot run on CPU tensors"));
            assert!(
                full_message.starts_with(&format!(
                    "Could not run '{op}' with arguments from the 'CPU' backend"
                )),
                "{full_message}"
            )
        }
        other => panic!("a valid CPU call should reach libtorch's dispatcher: {other:?}"),
    };
    no_cpu_kernel(conv(&x, &w, &[0, 0], &[1, 1], 1), op);
    no_cpu_kernel(
        Tensor::f_cudnn_convolution_transpose(
            &x,
            &ones(&[2, 4, 2, 2]),
            &[0, 0],
            &[0, 0],
            &[1, 1],
            &[1, 1],
            1,
            false,
            false,
            false,
        ),
        "aten::cudnn_convolution_transpose",
    );
    // The CUDA fuzz's crashes: a 0-D self, an empty dilation, no channels, groups 0.
    rejected(conv(&t(&[1.0], &[]), &w, &[0, 0], &[1, 1], 1), op, "self");
    rejected(conv(&x, &w, &[0, 0], &[], 1), op, "dilation");
    rejected(
        conv(
            &ones(&[3, 0, 4, 3]),
            &Tensor::zeros(&[5, 0, 5, 1]),
            &[0, 0],
            &[1, 1],
            1,
        ),
        op,
        "weight",
    );
    rejected(conv(&x, &w, &[0, 0], &[1, 1], 0), op, "groups");
    rejected(conv(&x, &w, &[0, 0], &[1, 0], 1), op, "dilation");
    rejected(
        Tensor::f_cudnn_convolution_transpose(
            &x,
            &w,
            &[0],
            &[0, 0],
            &[1, 1],
            &[1, 1],
            1,
            false,
            false,
            false,
        ),
        "aten::cudnn_convolution_transpose",
        "padding",
    );
}

#[test]
fn layout_conversion_backwards_need_the_input() {
    // Found with `fuzz-ops --form-share`: with a nested grad and an undefined input,
    // to_dense_backward and to_mkldnn_backward divide by the missing input's size (SIGFPE).
    let grad = nested(&[&[1.0, 2.0], &[3.0]]);
    rejected(
        Tensor::f_to_dense_backward(&grad, &Tensor::default()),
        "aten::to_dense_backward",
        "input",
    );
    rejected(
        Tensor::f_to_mkldnn_backward(&grad, &Tensor::default()),
        "aten::to_mkldnn_backward",
        "input",
    );
    // The backward of to_dense for a dense input is the gradient itself.
    let g = t(&[1.0, 2.0], &[2]);
    close(
        &vals(&Tensor::f_to_dense_backward(&g, &ones(&[2])).unwrap()),
        &[1.0, 2.0],
    );
}
