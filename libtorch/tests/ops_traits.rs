//! The std operator traits on tensors.
use libtorch::{Kind, Tensor};

fn f32s(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

#[test]
fn tensor_tensor_all_ownership_forms() {
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let b = Tensor::from_slice(&[4.0f32, 5.0, 6.0]);
    assert_eq!(f32s(&(&a + &b)), [5.0, 7.0, 9.0]);
    assert_eq!(f32s(&(&a - &b)), [-3.0, -3.0, -3.0]);
    assert_eq!(f32s(&(&a * &b)), [4.0, 10.0, 18.0]);
    assert_eq!(f32s(&(&b / &a)), [4.0, 2.5, 2.0]);
    assert_eq!(f32s(&(a.clone() + &b)), [5.0, 7.0, 9.0]);
    assert_eq!(f32s(&(&a + b.clone())), [5.0, 7.0, 9.0]);
    assert_eq!(f32s(&(a.clone() * b.clone())), [4.0, 10.0, 18.0]);
    assert_eq!(f32s(&-&a), [-1.0, -2.0, -3.0]);
    assert_eq!(f32s(&-a.clone()), [-1.0, -2.0, -3.0]);
}

#[test]
fn scalars_on_both_sides() {
    let a = Tensor::from_slice(&[1.0f32, 2.0, 4.0]);
    assert_eq!(f32s(&(&a + 1.0f64)), [2.0, 3.0, 5.0]);
    assert_eq!(f32s(&(&a - 1.0f32)), [0.0, 1.0, 3.0]);
    assert_eq!(f32s(&(&a * 2i64)), [2.0, 4.0, 8.0]);
    assert_eq!(f32s(&(&a / 2i32)), [0.5, 1.0, 2.0]);
    assert_eq!(f32s(&(2.0 * &a)), [2.0, 4.0, 8.0]);
    assert_eq!(f32s(&(1.0 - &a)), [0.0, -1.0, -3.0]);
    assert_eq!(f32s(&(8.0 / &a)), [8.0, 4.0, 2.0]);
    assert_eq!(f32s(&(3 + a.clone())), [4.0, 5.0, 7.0]);
    // A Python-number scalar does not widen the tensor's dtype.
    assert_eq!((&a * 2.0f64).kind(), Kind::Float);
}

#[test]
fn mixed_dtypes_promote_like_pytorch() {
    let i = Tensor::from_slice(&[1i32, 2, 3]);
    let f = Tensor::from_slice(&[0.5f32, 0.25, 0.125]);
    let s = &i + &f;
    assert_eq!(s.kind(), Kind::Float);
    assert_eq!(f32s(&s), [1.5, 2.25, 3.125]);
    let d = Tensor::from_slice(&[0.5f64, 0.5, 0.5]);
    let p = &f * &d;
    assert_eq!(p.kind(), Kind::Double);
    assert_eq!(p.to_vec::<f64>().unwrap(), [0.25, 0.125, 0.0625]);
    // int tensor with a float scalar -> the default float dtype.
    let h = &i * 0.5f64;
    assert_eq!(h.kind(), Kind::Float);
    assert_eq!(f32s(&h), [0.5, 1.0, 1.5]);
    // int / int is true division.
    let q = &i / 2i64;
    assert_eq!(q.kind(), Kind::Float);
    assert_eq!(f32s(&q), [0.5, 1.0, 1.5]);
    // int + int stays int.
    let n = &i + 1i64;
    assert_eq!(n.kind(), Kind::Int);
    assert_eq!(n.to_vec::<i32>().unwrap(), [2, 3, 4]);
}

#[test]
fn broadcasting() {
    let col = Tensor::from_data(&[1.0f32, 2.0], &[2, 1]).unwrap();
    let row = Tensor::from_data(&[10.0f32, 20.0, 30.0], &[1, 3]).unwrap();
    let s = &col + &row;
    assert_eq!(s.size(), [2, 3]);
    assert_eq!(f32s(&s), [11.0, 21.0, 31.0, 12.0, 22.0, 32.0]);
}

#[test]
fn compound_assignment_is_in_place() {
    let mut a = Tensor::from_slice(&[1.0f32, 2.0]);
    let alias = a.shallow_clone(); // another handle to the same tensor
    a += 1.0;
    a *= &Tensor::from_slice(&[2.0f32, 3.0]);
    a -= 1;
    a /= 2.0f32;
    assert_eq!(f32s(&a), [1.5, 4.0]);
    assert_eq!(f32s(&alias), [1.5, 4.0], "in place: every handle sees it");
    a += Tensor::from_slice(&[0.5f32, 0.5]);
    assert_eq!(f32s(&alias), [2.0, 4.5]);
}

#[test]
fn rejected_operands_panic_with_the_message() {
    let a = Tensor::from_data(&[0.0f32; 6], &[2, 3]).unwrap();
    let b = Tensor::from_data(&[0.0f32; 4], &[4]).unwrap();
    let err = std::panic::catch_unwind(|| &a + &b).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.starts_with("add: "), "{msg}");
    assert!(
        msg.contains("The size of tensor a (3) must match the size of tensor b (4)"),
        "{msg}"
    );
    // An in-place op that would need a wider dtype is refused (int += float).
    let mut i = Tensor::from_slice(&[1i64, 2]);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| i += 0.5)).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("can't be cast to the desired output type"),
        "{msg}"
    );
    // The tensor is unchanged.
    assert_eq!(i.to_vec::<i64>().unwrap(), [1, 2]);
}

#[test]
fn number_literals_need_no_annotation() {
    // Each of these failed with E0282 (type annotations needed) while the operators had one
    // impl per number type: the result's type was unknown until the literal's was.
    let x = Tensor::from_slice(&[1.0f32, 2.0, 4.0]).set_requires_grad(true);
    let w = &x * 2.0;
    assert!(w.requires_grad());
    assert_eq!((&x + 1).to_vec::<f32>().unwrap(), [2.0, 3.0, 5.0]);
    assert_eq!((2.0 - &x).to_vec::<f32>().unwrap(), [1.0, 0.0, -2.0]);
    assert_eq!((1 - &x).to_vec::<f32>().unwrap(), [0.0, -1.0, -3.0]);
    assert_eq!((&x / 2).to_vec::<f32>().unwrap(), [0.5, 1.0, 2.0]);
    let mut y = x.detach();
    y *= 0.5f32;
    y -= 1;
    assert_eq!(y.to_vec::<f32>().unwrap(), [-0.5, 0.0, 1.0]);
    // An int tensor with a float on the left is promoted as in Python: 2.5 - int64 is float32.
    let i = Tensor::from_slice(&[1i64, 2, 4]);
    assert_eq!((2 - &i).to_vec::<i64>().unwrap(), [1, 0, -2]);
    assert_eq!((2.5 - &i).kind(), libtorch::Kind::Float);
    assert_eq!((1 / &i).to_vec::<f32>().unwrap(), [1.0, 0.5, 0.25]);
}

#[test]
fn a_number_over_a_tensor_is_computed_as_python_does() {
    // Python's `3.0 / x` is `x.reciprocal() * 3.0` (torch.Tensor.__rtruediv__), which differs
    // from `torch.div(3.0, x)` in the last bit for 7 and 13. Bits from torch 2.11.0:
    // (3.0 / torch.tensor([3., 7., .1, 11., 13.])).view(torch.int32).
    let x = Tensor::from_slice(&[3.0f32, 7.0, 0.1, 11.0, 13.0]);
    let bits: Vec<u32> = (3.0 / &x)
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(
        bits,
        [1065353216, 1054567864, 1106247680, 1049338601, 1047285446]
    );
}
