//! Operators that take a tensor or a number where PyTorch does (`x.add(1)`, `x.gt(y)`,
//! `x.pow(2)`, `torch.where(c, x, 0.0)`): one method under PyTorch's name, the overload picked
//! by the argument as Python's argument parser picks it. Values are hand-computed.
use libtorch::{Kind, Tensor};

fn t(v: &[f32]) -> Tensor {
    Tensor::from_slice(v)
}

fn f(x: &Tensor) -> Vec<f32> {
    x.to_vec::<f32>().unwrap()
}

fn b(x: &Tensor) -> Vec<bool> {
    x.to_vec::<bool>().unwrap()
}

#[test]
fn arithmetic_takes_tensors_and_numbers() {
    let (x, y) = (t(&[1.0, 2.0, 3.0, 4.0]), t(&[4.0, 3.0, 2.0, 1.0]));
    assert_eq!(f(&x.add(1)), [2.0, 3.0, 4.0, 5.0]);
    assert_eq!(f(&x.add(&y)), [5.0; 4]);
    assert_eq!(f(&x.add_with(&y, 2)), [9.0, 8.0, 7.0, 6.0]);
    assert_eq!(f(&x.add_with(1.5, 2)), [4.0, 5.0, 6.0, 7.0]);
    assert_eq!(f(&x.sub(&y)), [-3.0, -1.0, 1.0, 3.0]);
    assert_eq!(f(&x.sub(0.5)), [0.5, 1.5, 2.5, 3.5]);
    assert_eq!(f(&x.mul(2)), [2.0, 4.0, 6.0, 8.0]);
    assert_eq!(f(&x.div(&y)), [0.25, 2.0f32 / 3.0, 1.5, 4.0]);
    assert_eq!(f(&x.div(2)), [0.5, 1.0, 1.5, 2.0]);
    assert_eq!(f(&x.div_with(&y, "floor")), [0.0, 0.0, 1.0, 4.0]);
    assert_eq!(f(&x.div_with(2, "floor")), [0.0, 1.0, 1.0, 2.0]);
    assert_eq!(f(&x.remainder(3)), [1.0, 2.0, 0.0, 1.0]);
    assert_eq!(f(&x.fmod(&y)), [1.0, 2.0, 1.0, 0.0]);
    assert_eq!(f(&x.pow(2)), [1.0, 4.0, 9.0, 16.0]);
    assert_eq!(f(&x.pow(&y)), [1.0, 8.0, 9.0, 4.0]);
    assert_eq!(f(&Tensor::pow_scalar(2, &x)), [2.0, 4.0, 8.0, 16.0]);
    assert_eq!(f(&x.lerp(&y, 0.5)), [2.5; 4]);
    assert_eq!(
        f(&x.lerp(&y, &t(&[0.0, 1.0, 0.0, 1.0]))),
        [1.0, 3.0, 3.0, 1.0]
    );
    assert_eq!(f(&x.clamp_min(2)), [2.0, 2.0, 3.0, 4.0]);
    assert_eq!(f(&x.clamp_min(&y)), [4.0, 3.0, 3.0, 4.0]);
    assert_eq!(f(&x.clamp_max(2)), [1.0, 2.0, 2.0, 2.0]);
}

#[test]
fn comparisons_take_tensors_and_numbers() {
    let (x, y) = (t(&[1.0, 2.0, 3.0, 4.0]), t(&[4.0, 3.0, 2.0, 1.0]));
    assert_eq!(b(&x.eq(&y)), [false; 4]);
    assert_eq!(b(&x.eq(2)), [false, true, false, false]);
    assert_eq!(b(&x.ne(2)), [true, false, true, true]);
    assert_eq!(b(&x.gt(2.5)), [false, false, true, true]);
    assert_eq!(b(&x.gt(&y)), [false, false, true, true]);
    assert_eq!(b(&x.ge(&y)), [false, false, true, true]);
    assert_eq!(b(&x.lt(2)), [true, false, false, false]);
    assert_eq!(b(&x.le(&y)), [true, true, false, false]);
}

#[test]
fn selection_takes_tensors_and_numbers() {
    let (x, y) = (t(&[1.0, 2.0, 3.0, 4.0]), t(&[4.0, 3.0, 2.0, 1.0]));
    let cond = x.gt(2);
    assert_eq!(f(&Tensor::r#where(&cond, &x, 0.0)), [0.0, 0.0, 3.0, 4.0]);
    assert_eq!(f(&Tensor::r#where(&cond, &x, &y)), [4.0, 3.0, 3.0, 4.0]);
    let mask = x.lt(3);
    assert_eq!(f(&x.masked_fill(&mask, 0.0)), [0.0, 0.0, 3.0, 4.0]);
    assert_eq!(
        f(&x.masked_fill(&mask, &Tensor::scalar_tensor(9.0))),
        [9.0, 9.0, 3.0, 4.0]
    );
    let z = Tensor::zeros(&[4]);
    let idx = Tensor::from_slice(&[3i64, 0]);
    assert_eq!(
        f(&z.scatter(0, &idx, &t(&[10.0, 20.0]))),
        [20.0, 0.0, 0.0, 10.0]
    );
    assert_eq!(f(&z.scatter(0, &idx, 7)), [7.0, 0.0, 0.0, 7.0]);
}

#[test]
fn in_place_forms_take_both_too() {
    let y = t(&[4.0, 3.0, 2.0, 1.0]);
    let mut a = t(&[1.0, 2.0, 3.0, 4.0]);
    a.add_(1).mul_(&y).clamp_min_(8);
    assert_eq!(f(&a), [8.0, 9.0, 8.0, 8.0]);
}

#[test]
fn a_number_promotes_as_a_python_number() {
    let i = Tensor::from_slice(&[1i64, 2, 3]);
    assert_eq!(i.add(2.5).kind(), Kind::Float);
    assert_eq!(i.mul(2).kind(), Kind::Int64);
    assert_eq!(i.mul(2).to_vec::<i64>().unwrap(), [2, 4, 6]);
    let h = Tensor::from_slice(&[1.0f32]).to_dtype(Kind::Half);
    assert_eq!(
        h.add(1.0).kind(),
        Kind::Half,
        "a number keeps half precision"
    );
}

#[test]
fn errors_name_the_overload_that_ran() {
    let x = t(&[1.0, 2.0]);
    let e = x.f_add(&t(&[1.0, 2.0, 3.0])).unwrap_err();
    assert!(e.to_string().contains("add.Tensor"), "{e}");
    let mut i = Tensor::from_slice(&[1i64, 2]);
    let e = i.f_add_(0.5).unwrap_err();
    assert!(e.to_string().contains("add_.Tensor"), "{e}");
    let e = x.f_masked_fill(&Tensor::from_slice(&[true]), 0.0);
    assert!(e.is_ok(), "a mask broadcasts: {e:?}");
}

#[test]
fn graphs_record_the_nodes_python_records() {
    // torch 2.11.0, x = torch.tensor([1., 2.], requires_grad=True):
    // (x * 2.0).grad_fn.name() == "MulBackward0" (a number goes to mul.Tensor, wrapped: Python
    // has no binding for mul.Scalar), x.pow(2) "PowBackward0" (pow.Tensor_Scalar),
    // x.masked_fill(m, 0.0) "MaskedFillBackward0" (masked_fill.Scalar), 2 - x "RsubBackward1",
    // 2 / x "MulBackward0" (x.reciprocal() * 2).
    let x = t(&[1.0, 2.0]).set_requires_grad(true);
    let name = |y: Tensor| y.grad_fn_name().unwrap();
    assert_eq!(name(&x * 2.0), "MulBackward0");
    assert_eq!(name(x.mul(2.0)), "MulBackward0");
    assert_eq!(name(x.add(1)), "AddBackward0");
    assert_eq!(name(x.add_with(1, 2)), "AddBackward0");
    assert_eq!(name(&x - 1), "SubBackward0");
    assert_eq!(name(&x / 2), "DivBackward0");
    assert_eq!(name(2 - &x), "RsubBackward1");
    assert_eq!(name(2.0 / &x), "MulBackward0");
    assert_eq!(name(x.pow(2)), "PowBackward0");
    assert_eq!(name(x.masked_fill(&x.gt(1), 0.0)), "MaskedFillBackward0");
    assert_eq!(name(x.clamp_min(&x)), "ClampMinBackward1");
    assert_eq!(name(Tensor::r#where(&x.gt(1), &x, 0.0)), "WhereBackward0");
}
