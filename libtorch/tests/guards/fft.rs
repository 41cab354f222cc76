//! Guards of the fft family (libtorch/src/guards/).

use crate::common::{close, ones, rejected, t, vals};
use libtorch::Kind;

#[test]
fn fft_r2c_rejects_empty_out_of_range_and_repeated_dims() {
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[4]);
    rejected(x.f__fft_r2c(&[], 0, true), "aten::_fft_r2c", "dim");
    rejected(x.f__fft_r2c(&[1], 0, true), "aten::_fft_r2c", "dim");
    rejected(x.f__fft_r2c(&[-1], 0, true), "aten::_fft_r2c", "dim");
    let x2 = ones(&[2, 2]);
    let m = rejected(x2.f__fft_r2c(&[0, 0], 0, true), "aten::_fft_r2c", "dim");
    assert!(m.contains("repeats dimension 0"), "{m}");
    // Valid: rfft([1, 2, 3, 4]) = [10, -2+2i, -2].
    let y = x.f__fft_r2c(&[0], 0, true).unwrap();
    assert_eq!(y.kind(), Kind::ComplexFloat);
    assert_eq!(vals(&y.view_as_real()), [10.0, 0.0, -2.0, 2.0, -2.0, 0.0]);
}

#[test]
fn private_fft_c2r_rejects_raw_dims_out_of_range_and_inconsistent_sizes() {
    let spectrum = t(&[1.0, 0.0, 0.0], &[3])
        .f_to_dtype(Kind::ComplexFloat)
        .unwrap();
    let op = "aten::_fft_c2r";
    rejected(spectrum.f__fft_c2r(&[-1], 2, 4), op, "dim");
    rejected(spectrum.f__fft_c2r(&[], 2, 4), op, "dim");
    let m = rejected(spectrum.f__fft_c2r(&[0], 2, 2), op, "last_dim_size");
    assert_eq!(
        m,
        "self's size along the last dimension in dim (3) must be last_dim_size / 2 + 1 (2) or \
         last_dim_size (2) (libtorch 2.11 would crash)"
    );
    // irfft([1, 0, 0], n=4) normalized by 1/n (normalization 2): a constant 1/4.
    let x = spectrum.f__fft_c2r(&[0], 2, 4).unwrap();
    close(&vals(&x), &[0.25; 4]);
}
