//! Guards of the polynomials family (libtorch/src/guards/).

use crate::common::{close, rejected, t, vals};
use libtorch::Tensor;

#[test]
fn polynomials_reject_degrees_whose_recurrence_never_ends() {
    let x = t(&[0.5], &[1]);
    // P_2(0.5) = (3 x^2 - 1) / 2 = -0.125; T_n(0.5) = cos(n pi / 3) has a closed form at any n.
    let p2 = Tensor::f_special_legendre_polynomial_p_n_scalar(&x, 2).unwrap();
    close(&vals(&p2), &[-0.125]);
    let tn = Tensor::f_special_chebyshev_polynomial_t_n_scalar(&x, 3i64 << 40).unwrap();
    assert!(vals(&tn)[0].abs() <= 1.0);
    // i64::MAX rounds to 2^63 in floating point, which the kernel's cast makes negative: 0.
    let p = Tensor::f_special_legendre_polynomial_p_n_scalar(&x, i64::MAX).unwrap();
    assert_eq!(vals(&p), [0.0]);
    rejected(
        Tensor::f_special_legendre_polynomial_p_n_scalar(&x, 1i64 << 40),
        "aten::special_legendre_polynomial_p.n_scalar",
        "n",
    );
    // Seed 5: in float, 2 * 1e-8 - 1 rounds to -1, where the shifted U has no closed form.
    let tiny = t(&[1e-8], &[1]);
    rejected(
        Tensor::f_special_shifted_chebyshev_polynomial_u_n_scalar(&tiny, 1i64 << 40),
        "aten::special_shifted_chebyshev_polynomial_u.n_scalar",
        "n",
    );
    let n = Tensor::from_data(&[(1i64 << 40) as f32], &[1]).unwrap();
    rejected(
        Tensor::f_special_laguerre_polynomial_l(&t(&[2.0], &[1]), &n),
        "aten::special_laguerre_polynomial_l",
        "n",
    );
    // U_n(2) overflows to infinity within about 540 steps and stops there.
    let two = t(&[2.0], &[1]);
    let u = Tensor::f_special_chebyshev_polynomial_u_n_scalar(&two, 1i64 << 40).unwrap();
    assert!(!vals(&u)[0].is_finite());
}
