//! Multi-dimensional indexing with `Tensor::i`.
use libtorch::indexing::{step, Ellipsis, NewAxis};
use libtorch::Tensor;

/// 0..24 as a 2×3×4 int64 tensor: element [i, j, k] = 12i + 4j + k.
fn t234() -> Tensor {
    let v: Vec<i64> = (0..24).collect();
    Tensor::from_data(&v, &[2, 3, 4]).unwrap()
}

fn ints(t: &Tensor) -> Vec<i64> {
    t.to_vec::<i64>().unwrap()
}

#[test]
fn integers_and_negative_integers() {
    let t = t234();
    assert_eq!(t.i(1).size(), [3, 4]);
    assert_eq!(ints(&t.i((1, 2))), [20, 21, 22, 23]);
    assert_eq!(t.i((1, 2, 3)).int64_value(), 23);
    assert_eq!(t.i((-1, -1, -1)).int64_value(), 23);
    assert_eq!(ints(&t.i((0, -3))), [0, 1, 2, 3]);
    assert_eq!(t.i((1usize, 0i64, 2i32)).int64_value(), 14);
}

#[test]
// `1..=-1` counts from the end, as `1:` / `1:-1` do in PyTorch; not an empty range.
#[allow(clippy::reversed_empty_ranges)]
fn ranges() {
    let t = t234();
    assert_eq!(ints(&t.i((0, 0, 1..3))), [1, 2]);
    assert_eq!(ints(&t.i((0, 0, 2..))), [2, 3]);
    assert_eq!(ints(&t.i((0, 0, ..2))), [0, 1]);
    assert_eq!(ints(&t.i((0, 0, ..=2))), [0, 1, 2]);
    assert_eq!(ints(&t.i((0, 0, 1..=3))), [1, 2, 3]);
    assert_eq!(ints(&t.i((0, 0, -2..))), [2, 3]);
    assert_eq!(ints(&t.i((0, 0, 1..=-1))), [1, 2, 3]);
    assert_eq!(ints(&t.i((0, 0, ..=-2))), [0, 1, 2]);
    assert_eq!(t.i((.., 1..)).size(), [2, 2, 4]);
    // Out-of-range slice ends clamp, as in Python.
    assert_eq!(ints(&t.i((0, 0, 2..100))), [2, 3]);
}

#[test]
fn steps() {
    let t = t234();
    assert_eq!(ints(&t.i((0, 0, step(.., 2)))), [0, 2]);
    assert_eq!(ints(&t.i((0, 0, step(1.., 2)))), [1, 3]);
    assert_eq!(ints(&t.i((1, step(0..3, 2), 0))), [12, 20]);
    let err = t.f_i(step(.., 0)).unwrap_err();
    assert!(
        err.to_string().contains("slice step cannot be zero"),
        "{err}"
    );
}

#[test]
fn new_axis_and_ellipsis() {
    let t = t234();
    assert_eq!(t.i(NewAxis).size(), [1, 2, 3, 4]);
    assert_eq!(t.i((.., NewAxis, 0)).size(), [2, 1, 4]);
    assert_eq!(t.i((Ellipsis, 1)).size(), [2, 3]);
    assert_eq!(ints(&t.i((Ellipsis, 1)).i(1)), [13, 17, 21]);
    assert_eq!(t.i((0, Ellipsis, NewAxis)).size(), [3, 4, 1]);
}

#[test]
fn bool_mask_and_index_tensors() {
    let t = Tensor::from_slice(&[10i64, 20, 30, 40]);
    let mask = Tensor::from_slice(&[true, false, true, true]);
    assert_eq!(ints(&t.i(&mask)), [10, 30, 40]);
    let idx = Tensor::from_slice(&[3i64, 0, 0]);
    assert_eq!(ints(&t.i(&idx)), [40, 10, 10]);
    let m = t234();
    let rows = Tensor::from_slice(&[1i64, 0]);
    assert_eq!(m.i((&rows, 0, 0)).to_vec::<i64>().unwrap(), [12, 0]);
    // Index tensors copy: writing to the result leaves the base alone.
    let mut picked = t.i(&idx);
    picked += 1;
    assert_eq!(ints(&t), [10, 20, 30, 40]);
}

#[test]
fn basic_indexing_returns_views() {
    let base = t234();
    let mut view = base.i((1, 1..3, step(.., 2)));
    assert_eq!(ints(&view), [16, 18, 20, 22]);
    view *= 0;
    let all = ints(&base);
    assert_eq!(&all[16..24], &[0, 17, 0, 19, 0, 21, 0, 23]);
    assert_eq!(all[0..16], (0..16).collect::<Vec<i64>>()[..]);
}

#[test]
fn assignment_through_i_set() {
    let mut t = Tensor::from_data(&[0.0f32; 6], &[2, 3]).unwrap();
    t.i_set((.., 1), &Tensor::from_slice(&[5.0f32, 6.0]));
    t.i_set((0, 2), &Tensor::scalar(7.0f32));
    assert_eq!(t.to_vec::<f32>().unwrap(), [0.0, 5.0, 7.0, 0.0, 6.0, 0.0]);
    let mask = Tensor::from_data(&[true, false, false, false, false, true], &[2, 3]).unwrap();
    t.i_set(&mask, &Tensor::scalar(-1.0f32));
    assert_eq!(t.to_vec::<f32>().unwrap(), [-1.0, 5.0, 7.0, 0.0, 6.0, -1.0]);
}

#[test]
fn errors_name_the_problem() {
    let t = t234();
    let err = t.f_i(2).unwrap_err();
    assert!(
        err.to_string()
            .contains("index 2 is out of bounds for dimension 0 with size 2"),
        "{err}"
    );
    let err = t.f_i((0, 0, -5)).unwrap_err();
    assert!(
        err.to_string().contains("index -5 is out of bounds"),
        "{err}"
    );
    let err = t.f_i((0, 0, 0, 0)).unwrap_err();
    assert!(err.to_string().contains("too many indices"), "{err}");
    let err = t.f_i(Tensor::from_slice(&[0.5f32])).unwrap_err();
    assert!(
        err.to_string()
            .contains("tensors used as indices must be long, int, byte or bool tensors"),
        "{err}"
    );
    let err = t.f_i(Tensor::from_slice(&[7i64])).unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");
    // i() panics with the same message.
    let p = std::panic::catch_unwind(|| t.i(9)).unwrap_err();
    assert!(p
        .downcast_ref::<String>()
        .unwrap()
        .contains("index 9 is out of bounds"));
}

#[test]
fn narrow_view_reshape_permute_transpose_are_views() {
    // base = [[0, 1, 2], [3, 4, 5]]; writing through each view shows in base.
    let base = || Tensor::from_data(&[0f32, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]).unwrap();
    let check = |b: &Tensor, want: &[f32]| assert_eq!(b.to_vec::<f32>().unwrap(), want);

    let b = base();
    b.narrow(1, 1, 1).fill_scalar_(9.0);
    check(&b, &[0.0, 9.0, 2.0, 3.0, 9.0, 5.0]);

    let b = base();
    let v = b.view(&[3, 2]);
    assert_eq!(v.size(), [3, 2]);
    v.i(2).fill_scalar_(-1.0);
    check(&b, &[0.0, 1.0, 2.0, 3.0, -1.0, -1.0]);

    let b = base();
    b.reshape(&[6]).i(0).fill_scalar_(7.0);
    check(&b, &[7.0, 1.0, 2.0, 3.0, 4.0, 5.0]);

    let b = base();
    let p = b.permute(&[1, 0]);
    assert_eq!((p.size(), p.stride()), (vec![3, 2], vec![1, 3]));
    p.i(2).fill_scalar_(8.0);
    check(&b, &[0.0, 1.0, 8.0, 3.0, 4.0, 8.0]);

    let b = base();
    let t = b.transpose_int(0, 1);
    assert!(!t.is_contiguous());
    t.i((0, 1)).fill_scalar_(6.0);
    check(&b, &[0.0, 1.0, 2.0, 6.0, 4.0, 5.0]);
    // reshape of a non-contiguous tensor copies, as in PyTorch.
    let r = t.reshape(&[6]);
    r.i(0).fill_scalar_(-5.0);
    check(&b, &[0.0, 1.0, 2.0, 6.0, 4.0, 5.0]);
}
