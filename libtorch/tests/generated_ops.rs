//! The generated safe API (libtorch/src/generated): one representative op per argument kind and
//! return shape, with values checked against PyTorch's documented results.

use libtorch::{Generator, Kind, QScheme, Scalar, Tensor};

fn f(v: &[f64]) -> Tensor {
    Tensor::from_slice(v)
}

fn vals(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().unwrap()
}

#[test]
fn add_with_scalar_alpha_and_default() {
    let a = f(&[1.0, 2.0]);
    let b = f(&[10.0, 20.0]);
    // torch.add(a, b) and torch.add(a, b, alpha=2)
    assert_eq!(vals(&a.add(&b)), [11.0, 22.0]);
    assert_eq!(vals(&a.add_with(&b, 2i64)), [21.0, 42.0]);
    assert_eq!(vals(&a.add_scalar(1.5)), [2.5, 3.5]);
    assert!(a.f_add(&f(&[1.0, 2.0, 3.0])).is_err());
}

#[test]
fn clamp_with_one_bound_none() {
    let a = f(&[-2.0, 0.5, 3.0]);
    // torch.clamp(a, min=0) leaves the top open.
    assert_eq!(vals(&a.clamp(0.0, None)), [0.0, 0.5, 3.0]);
    assert_eq!(vals(&a.clamp(None, 1.0)), [-2.0, 0.5, 1.0]);
    // The schema's `Option<Scalar>` still passes through.
    assert_eq!(
        vals(&a.clamp(Some(Scalar::from(0.0)), None)),
        [0.0, 0.5, 3.0]
    );
    // Tensor bounds, one left out.
    let hi = f(&[1.0, 1.0, 2.0]);
    assert_eq!(vals(&a.clamp(None, &hi)), [-2.0, 0.5, 2.0]);
    // A tensor and a number together: PyTorch's TypeError, an Err here.
    let e = a.f_clamp(0.0, &hi).unwrap_err().to_string();
    assert!(
        e.contains("aten::clamp.Tensor: `max` is a tensor and `min` a number"),
        "{e}"
    );
    // Neither bound: libtorch's own error, as PyTorch.
    assert!(a.f_clamp(None, None).is_err());
}

#[test]
fn sum_dim_keepdim_and_dtype() {
    let a = Tensor::from_data(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
    // torch.sum(a, dim=1, keepdim=True)
    let s = a.sum_dim_with(1, true, None);
    assert_eq!(s.size(), [2, 1]);
    assert_eq!(vals(&s), [6.0, 15.0]);
    // dim=None sums everything; dtype given as a Kind.
    let all = a.sum_dim_with(None, false, Kind::Float);
    assert_eq!(all.kind(), Kind::Float);
    assert_eq!(all.to_vec::<f32>().unwrap(), [21.0]);
}

#[test]
fn max_dim_tuple_return() {
    let a = Tensor::from_data(&[1.0f64, 5.0, 2.0, 7.0, 0.0, 3.0], &[2, 3]).unwrap();
    let (values, indices) = a.max_dim(1);
    assert_eq!(vals(&values), [5.0, 7.0]);
    assert_eq!(indices.to_vec::<i64>().unwrap(), [1, 0]);
}

#[test]
fn split_list_return_and_cat_list_argument() {
    let a = f(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    let parts = a.split(2);
    assert_eq!(parts.len(), 3);
    assert_eq!(vals(&parts[2]), [5.0]);
    // Tensor[] takes anything that borrows as a Tensor: owned or references.
    let joined = Tensor::cat(&parts);
    assert_eq!(vals(&joined), [1.0, 2.0, 3.0, 4.0, 5.0]);
    let stacked = Tensor::cat_with(&[&parts[0], &parts[0]], 0);
    assert_eq!(vals(&stacked), [1.0, 2.0, 1.0, 2.0]);
}

#[test]
fn zeros_with_kind_and_defaults() {
    let z = Tensor::zeros(&[2, 3]);
    assert_eq!(z.size(), [2, 3]);
    assert_eq!(z.kind(), Kind::Float);
    let zi = Tensor::zeros_with(&[4], Some(Kind::Int64), None, None, None);
    assert_eq!(zi.kind(), Kind::Int64);
    assert_eq!(zi.to_vec::<i64>().unwrap(), [0, 0, 0, 0]);
}

#[test]
fn index_with_optional_tensor_list() {
    let a = f(&[10.0, 20.0, 30.0, 40.0]);
    let idx = Tensor::from_slice(&[3i64, 0]);
    assert_eq!(vals(&a.index(&[Some(&idx)])), [40.0, 10.0]);
}

#[test]
fn bernoulli_with_generator_or_none() {
    let p = f(&[1.0, 0.0, 1.0]);
    // p = 1 always draws 1, p = 0 always 0, whichever generator.
    assert_eq!(vals(&p.bernoulli()), [1.0, 0.0, 1.0]);
    let g = Generator::cpu(42).unwrap();
    assert_eq!(vals(&p.bernoulli_with(Some(&g))), [1.0, 0.0, 1.0]);
    assert_eq!(vals(&p.bernoulli_with(None)), [1.0, 0.0, 1.0]);
}

#[test]
fn div_with_optional_str() {
    let a = f(&[7.0, -7.0]);
    let b = f(&[2.0, 2.0]);
    // torch.div(a, b, rounding_mode="floor") / "trunc" / None
    assert_eq!(vals(&a.div_with(&b, "floor")), [3.0, -4.0]);
    assert_eq!(vals(&a.div_with(&b, "trunc")), [3.0, -3.0]);
    assert_eq!(vals(&a.div_with(&b, None)), [3.5, -3.5]);
    assert!(a.f_div_with(&b, "bogus").is_err());
}

#[test]
fn linalg_vector_norm_with_defaults() {
    let a = f(&[3.0, 4.0]);
    assert_eq!(vals(&a.linalg_vector_norm()), [5.0]);
    assert_eq!(
        vals(&a.linalg_vector_norm_with(1i64, None, false, None)),
        [7.0]
    );
}

#[test]
fn out_variant_writes_into_out() {
    let a = f(&[1.0, 2.0]);
    let b = f(&[3.0, 4.0]);
    let mut out = f(&[0.0, 0.0]);
    let r = a.add_out(&b, &mut out);
    assert_eq!(vals(&out), [4.0, 6.0]);
    assert_eq!(vals(&r), [4.0, 6.0]);
}

#[test]
fn in_place_ops_chain_on_self() {
    let mut a = f(&[1.0, 2.0]);
    a.add_(&f(&[1.0, 1.0])).mul_(&f(&[10.0, 10.0]));
    assert_eq!(vals(&a), [20.0, 30.0]);
    a.add_scalar_(1i64);
    assert_eq!(vals(&a), [21.0, 31.0]);
}

#[test]
fn foreach_add_mutable_tensor_list() {
    let mut list = [f(&[1.0]), f(&[2.0, 3.0])];
    Tensor::_foreach_add_scalar_(&mut list, 1.0);
    assert_eq!(vals(&list[0]), [2.0]);
    assert_eq!(vals(&list[1]), [3.0, 4.0]);
}

#[test]
fn bool_returns() {
    assert!(f(&[2.0]).is_nonzero());
    assert!(!f(&[0.0]).is_nonzero());
    assert!(f(&[1.0, 2.0]).is_same_size(&f(&[3.0, 4.0])));
    assert!(!f(&[1.0]).is_same_size(&f(&[3.0, 4.0])));
}

#[test]
fn kind_and_scalar_returns() {
    let i = Tensor::from_slice(&[1i64]);
    let d = f(&[1.0]);
    assert_eq!(Tensor::result_type(&i, &d), Kind::Double);
    assert_eq!(f(&[2.5]).item(), Scalar::from(2.5));
}

#[test]
fn qscheme_return() {
    // Quantization takes float32 input only.
    let q = Tensor::from_slice(&[0.5f32, 1.0]).quantize_per_tensor(0.5, 0, Kind::QInt8);
    assert_eq!(q.qscheme(), QScheme::PerTensorAffine);
}

#[test]
fn an_optional_dimname_list_of_none_is_none_not_empty() {
    // `names=None` means no names (PyTorch's `torch.ones(2, names=None)`); passed as an empty
    // list it would fail: "Number of names (0) and number of dimensions in tensor (1) do not
    // match".
    let t = Tensor::f_ones_names(&[2], None).unwrap();
    assert_eq!(t.size(), [2]);
    let named = Tensor::f_ones_names(&[2, 3], Some(&["a", "b"])).unwrap();
    let plain = named.f_rename(None).unwrap();
    assert_eq!(plain.to_vec::<f32>().unwrap(), [1.0; 6]);
    // A list of the wrong length is still refused.
    assert!(Tensor::f_ones_names(&[2], Some(&["a", "b"])).is_err());
}
