//! The calls PyTorch users type most (`../shared/pytorch-calls.md`, "Tensor methods and torch
//! functions"), each written the way this crate spells it, with a value checked by hand.
//!
//! The Rust form is PyTorch's name and positional order; optional arguments come through the
//! `_with` form and take the value itself (`1`, `[0, 1]`, `"floor"`) or `None`; a
//! tensor-or-number argument takes either; an overload Python picks by a keyword is named after it
//! (`x.sum(dim=1)` is `x.sum_dim(1)`). codegen/README.md, "Naming", has the rules.
use libtorch::{Kind, Tensor};

fn t(v: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}
fn f(x: &Tensor) -> Vec<f32> {
    x.flatten().to_vec::<f32>().unwrap()
}
fn l(x: &Tensor) -> Vec<i64> {
    x.flatten().to_vec::<i64>().unwrap()
}
fn b(x: &Tensor) -> Vec<bool> {
    x.flatten().to_vec::<bool>().unwrap()
}
/// [[1, 2, 3], [4, 5, 6]]
fn x23() -> Tensor {
    t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])
}
fn close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-6 * w.abs().max(1.0),
            "{got:?} != {want:?}"
        );
    }
}

#[test]
fn reductions() {
    let x = x23();
    assert_eq!(f(&x.sum()), [21.0]); // x.sum()
    assert_eq!(f(&x.sum_dim(1)), [6.0, 15.0]); // x.sum(dim=1)
    let s = x.sum_dim_with([0, 1], true, None); // x.sum(dim=(0, 1), keepdim=True)
    assert_eq!((s.size(), f(&s)), (vec![1, 1], vec![21.0]));
    assert_eq!(f(&x.mean()), [3.5]); // x.mean()
    let m = x.mean_dim_with(-1, true, None); // x.mean(dim=-1, keepdim=True)
    assert_eq!((m.size(), f(&m)), (vec![2, 1], vec![2.0, 5.0]));
    close(&f(&x.std()), &[3.5f32.sqrt()]); // x.std(): unbiased variance of 1..6 is 3.5
    assert_eq!(f(&x.std_dim_with(0, false, false)), [1.5; 3]); // x.std(dim=0, unbiased=False)
    assert_eq!(f(&x.var_dim(1)), [1.0, 1.0]); // x.var(dim=1)
    assert_eq!(f(&x.max()), [6.0]); // x.max()
    let (v, i) = x.max_dim(1); // x.max(dim=1)
    assert_eq!((f(&v), l(&i)), (vec![3.0, 6.0], vec![2, 2]));
    let (v, i) = x.min_dim(0); // x.min(dim=0)
    assert_eq!((f(&v), l(&i)), (vec![1.0, 2.0, 3.0], vec![0, 0, 0]));
    assert_eq!(l(&x.argmax()), [5]); // x.argmax()
    assert_eq!(l(&x.argmax_with(1, false)), [2, 2]); // x.argmax(dim=1)
    let a = x.argmin_with(1, true); // x.argmin(dim=1, keepdim=True)
    assert_eq!((a.size(), l(&a)), (vec![2, 1], vec![0, 0]));
    assert_eq!(f(&x.prod_dim(0)), [4.0, 10.0, 18.0]); // x.prod(dim=0)
    assert_eq!(f(&x.cumsum(0)), [1.0, 2.0, 3.0, 5.0, 7.0, 9.0]); // x.cumsum(dim=0)
    assert_eq!(f(&x.cumprod(1)), [1.0, 2.0, 6.0, 4.0, 20.0, 120.0]); // x.cumprod(dim=1)
    let lse = |a: f32, b: f32, c: f32| (a.exp() + b.exp() + c.exp()).ln();
    close(
        &f(&x.logsumexp(&[1])),
        &[lse(1.0, 2.0, 3.0), lse(4.0, 5.0, 6.0)],
    ); // x.logsumexp(dim=1)
    close(&f(&x.norm()), &[91f32.sqrt()]); // x.norm()
    assert_eq!(f(&x.norm_dim(1, 1)), [6.0, 15.0]); // x.norm(p=1, dim=1)
    assert_eq!(b(&x.all()), [true]); // x.all()
    assert_eq!(b(&x.gt(3).any_dim(0)), [true; 3]); // x.any(dim=0)
    assert_eq!(l(&x.gt(2).count_nonzero()), [4]); // x.count_nonzero()
}

#[test]
fn elementwise() {
    let y = t(&[0.25, 1.0, 4.0], &[3]);
    assert_eq!(f(&t(&[-1.0, 2.0], &[2]).abs()), [1.0, 2.0]);
    assert_eq!(f(&y.neg()), [-0.25, -1.0, -4.0]);
    let z = t(&[0.0], &[1]);
    assert_eq!(f(&z.exp()), [1.0]);
    assert_eq!(f(&t(&[1.0], &[1]).log()), [0.0]);
    assert_eq!(f(&z.log1p()), [0.0]);
    assert_eq!(f(&y.sqrt()), [0.5, 1.0, 2.0]);
    assert_eq!(f(&y.rsqrt()), [2.0, 1.0, 0.5]);
    assert_eq!(f(&z.sin()), [0.0]);
    assert_eq!(f(&z.cos()), [1.0]);
    assert_eq!(f(&z.tanh()), [0.0]);
    assert_eq!(f(&z.sigmoid()), [0.5]);
    assert_eq!(f(&t(&[-1.0, 2.0], &[2]).relu()), [0.0, 2.0]);
    let h = t(&[1.5, -1.5], &[2]);
    assert_eq!(f(&h.floor()), [1.0, -2.0]);
    assert_eq!(f(&h.ceil()), [2.0, -1.0]);
    assert_eq!(f(&t(&[0.5, 1.5, 2.5], &[3]).round()), [0.0, 2.0, 2.0]); // half to even
    let x = t(&[1.0, 2.0, 3.0], &[3]);
    let w = t(&[3.0, 2.0, 1.0], &[3]);
    assert_eq!(f(&x.pow(2)), [1.0, 4.0, 9.0]); // x.pow(2)
    assert_eq!(f(&x.pow(&w)), [1.0, 4.0, 3.0]); // x.pow(y)
    assert_eq!(f(&Tensor::pow_scalar(2, &x)), [2.0, 4.0, 8.0]); // torch.pow(2, x)
    assert_eq!(f(&x.clamp(2, None)), [2.0, 2.0, 3.0]); // x.clamp(min=2)
    let c = t(&[-3.0, 0.5, 3.0], &[3]).clamp(-1, 1); // x.clamp(-1, 1)
    assert_eq!(f(&c), [-1.0, 0.5, 1.0]);
    assert_eq!(f(&x.clamp(None, &w)), [1.0, 2.0, 1.0]); // x.clamp(max=y)
    assert_eq!(f(&x.add(&w)), [4.0; 3]); // x.add(y)
    assert_eq!(f(&x.add(1)), [2.0, 3.0, 4.0]); // x.add(1)
    assert_eq!(f(&x.add_with(&w, 2)), [7.0, 6.0, 5.0]); // x.add(y, alpha=2)
    assert_eq!(f(&x.sub(&w)), [-2.0, 0.0, 2.0]); // x.sub(y)
    assert_eq!(f(&x.mul(2)), [2.0, 4.0, 6.0]); // x.mul(2)
    assert_eq!(f(&x.div(&w)), [1.0 / 3.0, 1.0, 3.0]); // x.div(y)
    assert_eq!(f(&x.div_with(&w, "floor")), [0.0, 1.0, 3.0]); // x.div(y, rounding_mode="floor")
    assert_eq!(f(&x.remainder(3)), [1.0, 2.0, 0.0]); // x.remainder(3)
    assert_eq!(f(&x.fmod(&w)), [1.0, 0.0, 0.0]); // x.fmod(y)
    assert_eq!(b(&x.eq(&w)), [false, true, false]); // x.eq(y)
    assert_eq!(b(&x.eq(0)), [false; 3]); // x.eq(0)
    assert_eq!(b(&x.ne(&w)), [true, false, true]); // x.ne(y)
    assert_eq!(b(&x.gt(1.5)), [false, true, true]); // x.gt(0.5)
    assert_eq!(b(&x.gt(&w)), [false, false, true]); // x.gt(y)
    assert_eq!(b(&x.ge(&w)), [false, true, true]); // x.ge(y)
    assert_eq!(b(&x.lt(2)), [true, false, false]); // x.lt(0)
    assert_eq!(b(&x.le(&w)), [true, true, false]); // x.le(y)
    let cond = x.gt(1);
    // torch.where(cond, x, y), torch.where(cond, x, 0.0): `where` is a Rust keyword, so `r#where`.
    assert_eq!(f(&Tensor::r#where(&cond, &x, &w)), [3.0, 2.0, 3.0]);
    assert_eq!(f(&Tensor::r#where(&cond, &x, 0.0)), [0.0, 2.0, 3.0]);
    assert_eq!(f(&x.masked_fill(&cond, 0.0)), [1.0, 0.0, 0.0]); // x.masked_fill(mask, 0.0)
    assert_eq!(f(&x.maximum(&w)), [3.0, 2.0, 3.0]); // torch.maximum(x, y)
    assert_eq!(f(&x.minimum(&w)), [1.0, 2.0, 1.0]); // torch.minimum(x, y)
    assert_eq!(f(&x.lerp(&w, 0.5)), [2.0; 3]); // torch.lerp(a, b, 0.5)
}

#[test]
fn products_and_shapes() {
    let x = x23();
    let sq = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    assert_eq!(f(&sq.matmul(&sq)), [7.0, 10.0, 15.0, 22.0]); // x.matmul(y), x @ y
    assert_eq!(f(&sq.mm(&sq)), [7.0, 10.0, 15.0, 22.0]); // x.mm(y)
    let bsq = sq.unsqueeze(0);
    assert_eq!(f(&bsq.bmm(&bsq)), [7.0, 10.0, 15.0, 22.0]); // x.bmm(y)
    let e = Tensor::einsum("ij,jk->ik", &[&sq, &sq]); // torch.einsum("ij,jk->ik", [a, b])
    assert_eq!(f(&e), [7.0, 10.0, 15.0, 22.0]);
    assert_eq!(x.view(&[3, -1]).size(), [3, 2]); // x.view(2, -1)
    assert_eq!(x.reshape(&[-1]).size(), [6]); // x.reshape(-1)
    assert_eq!(x.flatten().size(), [6]); // x.flatten()
    assert_eq!(x.unsqueeze(0).flatten_with(1, -1).size(), [1, 6]); // x.flatten(1)
    assert_eq!(f(&x.transpose(0, 1)), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]); // x.transpose(0, 1)
    assert_eq!(x.unsqueeze(0).permute(&[2, 0, 1]).size(), [3, 1, 2]); // x.permute(2, 0, 1)
    assert_eq!(f(&x.t()), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]); // x.t()
    assert_eq!(x.mt().size(), [3, 2]); // x.mT
    let u = x.unsqueeze(1); // x.unsqueeze(0) (here 1)
    assert_eq!(u.size(), [2, 1, 3]);
    assert_eq!(u.squeeze().size(), [2, 3]); // x.squeeze()
    assert_eq!(u.squeeze_dim(1).size(), [2, 3]); // x.squeeze(1)
    let row = t(&[1.0, 2.0], &[1, 2]);
    assert_eq!(f(&row.expand(&[3, -1])), [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]); // x.expand(4, -1)
    assert_eq!(row.expand_as(&sq).size(), [2, 2]); // x.expand_as(y)
    assert_eq!(f(&row.repeat(&[2, 1])), [1.0, 2.0, 1.0, 2.0]); // x.repeat(2, 1)
    assert_eq!(f(&x.select(0, 1)), [4.0, 5.0, 6.0]); // x.select(0, 1)
    assert_eq!(f(&x.narrow(1, 0, 2)), [1.0, 2.0, 4.0, 5.0]); // x.narrow(1, 0, 2)
    let idx = Tensor::from_slice(&[2i64, 0]);
    assert_eq!(f(&x.index_select(1, &idx)), [3.0, 1.0, 6.0, 4.0]); // x.index_select(0, idx)
    let gi = Tensor::from_data(&[0i64, 0, 1, 0], &[2, 2]).unwrap();
    assert_eq!(f(&sq.gather(1, &gi)), [1.0, 1.0, 4.0, 3.0]); // x.gather(1, idx)
    let z = Tensor::zeros(&[2, 2]);
    let src = t(&[5.0, 6.0, 7.0, 8.0], &[2, 2]);
    let si = Tensor::from_data(&[1i64, 0, 0, 1], &[2, 2]).unwrap();
    assert_eq!(f(&z.scatter(1, &si, &src)), [6.0, 5.0, 7.0, 8.0]); // x.scatter(1, idx, src)
    assert_eq!(f(&z.scatter_add(1, &si, &src)), [6.0, 5.0, 7.0, 8.0]); // x.scatter_add(1, idx, src)
    let mut p = Tensor::zeros(&[3]);
    let pi = Tensor::from_slice(&[0i64, 2]);
    p.index_put_(&[&pi], &t(&[1.0, 9.0], &[2])); // x.index_put_((i,), v)
    assert_eq!(f(&p), [1.0, 0.0, 9.0]);
    assert_eq!(f(&x.masked_select(&x.gt(4))), [5.0, 6.0]); // x.masked_select(mask)
    assert_eq!(l(&t(&[0.0, 3.0, 0.0, 1.0], &[4]).nonzero()), [1, 3]); // x.nonzero()
}

#[test]
fn joining_splitting_ordering() {
    let a = t(&[1.0, 2.0], &[1, 2]);
    let c = t(&[3.0, 4.0], &[1, 2]);
    let cat = Tensor::cat_with(&[&a, &c], 1); // torch.cat([a, b], dim=1)
    assert_eq!(
        (cat.size(), f(&cat)),
        (vec![1, 4], vec![1.0, 2.0, 3.0, 4.0])
    );
    assert_eq!(Tensor::stack(&[&a, &c]).size(), [2, 1, 2]); // torch.stack([a, b])
    let v = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[6]);
    let chunks = v.chunk_with(3, 0); // x.chunk(3, dim=0)
    assert_eq!(
        chunks.iter().map(f).collect::<Vec<_>>(),
        [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    );
    let halves = v.split(4); // x.split(2) (here 4)
    assert_eq!(
        (f(&halves[0]), f(&halves[1])),
        (vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0])
    );
    // x.split([1, 2], dim=1): the list form is `split_with_sizes` (the schema's name).
    let parts = x23().split_with_sizes_with(&[1, 2], 1);
    assert_eq!((parts[0].size(), parts[1].size()), (vec![2, 1], vec![2, 2]));
    assert_eq!(x23().unbind_with(0).len(), 2); // x.unbind(0)
    let s = t(&[3.0, 1.0, 2.0], &[1, 3]);
    let (sv, si) = s.sort_with(1, true); // x.sort(dim=1, descending=True)
    assert_eq!((f(&sv), l(&si)), (vec![3.0, 2.0, 1.0], vec![0, 2, 1]));
    assert_eq!(l(&s.argsort_with(-1, false)), [1, 2, 0]); // x.argsort(dim=-1)
    let (tv, ti) = s.flatten().topk(2); // x.topk(3) (here 2)
    assert_eq!((f(&tv), l(&ti)), (vec![3.0, 2.0], vec![0, 2]));
    let (tv, _) = s.flatten().topk_with(2, 0, false, true); // x.topk(3, dim=0, largest=False)
    assert_eq!(f(&tv), [1.0, 2.0]);
    assert_eq!(
        f(&t(&[2.0, 1.0, 2.0, -3.0], &[4]).unique()),
        [-3.0, 1.0, 2.0]
    ); // x.unique()
    assert_eq!(f(&v.flip(&[0])), [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]); // x.flip(0)
    assert_eq!(f(&v.roll_with(&[1], &[0])), [6.0, 1.0, 2.0, 3.0, 4.0, 5.0]); // x.roll(1, dims=0)
    let sm = t(&[0.0, 0.0], &[2]).softmax(-1); // x.softmax(dim=-1)
    assert_eq!(f(&sm), [0.5, 0.5]);
    close(&f(&t(&[0.0, 0.0], &[2]).log_softmax(0)), &[-(2f32.ln()); 2]); // x.log_softmax(dim=1)
}

#[test]
fn conversions_and_in_place() {
    let x = t(&[1.5, -2.0], &[2]);
    assert_eq!(x.to_dtype(Kind::Double).kind(), Kind::Double); // x.type(torch.float64)
    assert_eq!(x.to_dtype(Kind::Half).kind(), Kind::Half); // x.to(torch.float16)
    assert_eq!(l(&x.long()), [1, -2]); // x.long(): toward zero
    assert_eq!(x.float().kind(), Kind::Float); // x.float()
    assert_eq!(x.double().to_vec::<f64>().unwrap(), [1.5, -2.0]); // x.double()
    assert_eq!(x.int().kind(), Kind::Int); // x.int()
    assert_eq!(x.half().kind(), Kind::Half); // x.half()
    assert_eq!(
        t(&[0.0, 0.5, -1.0], &[3]).bool().to_vec::<bool>().unwrap(),
        [false, true, true]
    ); // x.bool()
    assert!(x.transpose(0, 0).contiguous().is_contiguous()); // x.contiguous()
    let copy = x.deep_clone(); // x.clone(): `clone` is Rust's cheap handle copy
    assert_eq!(f(&copy), f(&x));
    assert!(!x.set_requires_grad(true).detach().requires_grad()); // x.detach()
    assert_eq!(t(&[2.5], &[1]).double_value(), 2.5); // x.item()
    let mut m = Tensor::zeros(&[3]);
    m.fill_(2); // x.fill_(0)
    assert_eq!(f(&m), [2.0; 3]);
    m.add_(&t(&[1.0, 2.0, 3.0], &[3])).mul_(0.5); // x.add_(y), x.mul_(0.9)
    assert_eq!(f(&m), [1.5, 2.0, 2.5]);
    m.clamp_(0, 2); // x.clamp_(0, 1)
    assert_eq!(f(&m), [1.5, 2.0, 2.0]);
    m.copy_(&t(&[7.0, 8.0, 9.0], &[3])); // x.copy_(y)
    assert_eq!(f(&m), [7.0, 8.0, 9.0]);
    m.zero_(); // x.zero_()
    assert_eq!(f(&m), [0.0; 3]);
}

#[test]
fn factories() {
    assert_eq!(Tensor::zeros(&[2, 3]).size(), [2, 3]); // torch.zeros(2, 3)
    assert_eq!(f(&Tensor::ones_like(&x23())), [1.0; 6]); // torch.ones_like(x)
    assert_eq!(f(&Tensor::full(&[2, 2], 7.0)), [7.0; 4]); // torch.full((2, 2), 7.0)
    assert_eq!(Tensor::empty(&[3]).size(), [3]); // torch.empty(3)
    assert_eq!(l(&Tensor::arange(4)), [0, 1, 2, 3]); // torch.arange(10)
    assert_eq!(l(&Tensor::arange_start(1, 4)), [1, 2, 3]); // torch.arange(1, 4)
    let r = Tensor::arange_start_with(1, 10, 2, None, None, None, None); // torch.arange(1, 10, 2)
    assert_eq!(l(&r), [1, 3, 5, 7, 9]);
    let ls = Tensor::linspace(0, 1, 5); // torch.linspace(0, 1, steps=5)
    assert_eq!(
        (ls.kind(), f(&ls)),
        (Kind::Float, vec![0.0, 0.25, 0.5, 0.75, 1.0])
    );
    assert_eq!(f(&Tensor::eye(2)), [1.0, 0.0, 0.0, 1.0]); // torch.eye(3)
    assert_eq!(Tensor::rand(&[2, 3]).size(), [2, 3]); // torch.rand(2, 3)
    assert_eq!(Tensor::randn(&[4]).size(), [4]); // torch.randn(4)
    let ri = Tensor::randint_low(0, 10, [5]); // torch.randint(0, 10, (5,))
    assert!(l(&ri).iter().all(|v| (0..10).contains(v)));
    let (sorted, _) = Tensor::randperm(8).sort(); // torch.randperm(8)
    assert_eq!(l(&sorted), (0..8).collect::<Vec<_>>());
    let m = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap(); // torch.tensor([[1., 2.], [3., 4.]])
    assert_eq!(m.size(), [2, 2]);
    // torch.zeros(2, dtype=torch.int64, device=...): the options tuple.
    let zi = Tensor::zeros_opts(&[2], (Kind::Int64, libtorch::Device::Cpu));
    assert_eq!(l(&zi), [0, 0]);
}

/// The forms optional arguments take, each with literals and no annotation: these lines only
/// have to compile (codegen/README.md, "Optional arguments"), and give PyTorch's values.
#[test]
fn optional_arguments_take_plain_values() {
    let x = t(&[-3.0, 0.5, 3.0], &[1, 3]);
    assert_eq!(f(&x.clamp(-1, 1)), [-1.0, 0.5, 1.0]); // x.clamp(-1, 1)
    assert_eq!(f(&x.clamp(0.0, 1.0)), [0.0, 0.5, 1.0]); // x.clamp(0.0, 1.0)
    assert_eq!(f(&x.clamp(0, None)), [0.0, 0.5, 3.0]); // x.clamp(min=0)
    assert_eq!(f(&x.norm_dim(1, [1])), [6.5]); // x.norm(p=1, dim=[1])
                                               // An int list takes an int, an array, a slice, a Vec or None.
    let v = vec![0i64, 1];
    assert_eq!(f(&x.sum_dim(&[1])), [0.5]);
    assert_eq!(f(&x.sum_dim(&v)), [0.5]);
    assert_eq!(f(&x.sum_dim(v.as_slice())), [0.5]);
    assert_eq!(f(&x.sum_dim(None)), [0.5]);
    assert_eq!(x.view(-1).size(), [3]); // x.view(-1)
                                        // `int?`, `ScalarType?` and `str?`: the value or None.
    assert_eq!(l(&x.argmax_with(None, false)), [2]);
    assert_eq!(x.sum_dim_with(1, false, Kind::Double).kind(), Kind::Double);
    assert_eq!(f(&x.div_with(2, None)), [-1.5, 0.25, 1.5]);
    assert_eq!(f(&x.div_with(2, "trunc")), [-1.0, 0.0, 1.0]);
    // `Tensor?[]`: tensors, or optional tensors where None takes a dimension whole (`x[:, i]`).
    let i = Tensor::from_slice(&[2i64, 0]);
    assert_eq!(f(&x.index(&[None, Some(&i)])), [3.0, -3.0]);
    let mut y = Tensor::zeros(&[3]);
    y.index_put_(&vec![&i], &t(&[7.0, 8.0], &[2]));
    assert_eq!(f(&y), [8.0, 0.0, 7.0]);
}
