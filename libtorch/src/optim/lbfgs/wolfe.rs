//! torch.optim's strong-Wolfe line search (`_strong_wolfe`, `_cubic_interpolate`), with
//! Python's mix of floats and float32 tensors (see [`super::num`]).
use super::num::{f, max, min, Num};
use crate::{Result, Tensor};

/// PyTorch calls `_strong_wolfe` with its defaults for these.
const C1: f64 = 1e-4;
const C2: f64 = 0.9;
const TOLERANCE_CHANGE: f64 = 1e-9;

/// The minimiser of the cubic through `(x1, f1)`, `(x2, f2)` with slopes `g1`, `g2`, clamped
/// to `bounds` (default: between the two points); their midpoint when the cubic has none.
fn cubic_interpolate(
    x1: Num,
    f1: f64,
    g1: Num,
    x2: Num,
    f2: f64,
    g2: Num,
    bounds: Option<(Num, Num)>,
) -> Num {
    let (xmin, xmax) = bounds.unwrap_or(if x1.le(x2) { (x1, x2) } else { (x2, x1) });
    let d1 = g1.add(g2).sub(f(3.0).mul(f(f1 - f2)).div(x1.sub(x2)));
    let d2_square = d1.square().sub(g1.mul(g2));
    if d2_square.ge(f(0.0)) {
        let d2 = d2_square.sqrt();
        let min_pos = if x1.le(x2) {
            x2.sub(
                x2.sub(x1)
                    .mul(g2.add(d2).sub(d1).div(g2.sub(g1).add(f(2.0).mul(d2)))),
            )
        } else {
            x1.sub(
                x1.sub(x2)
                    .mul(g1.add(d2).sub(d1).div(g1.sub(g2).add(f(2.0).mul(d2)))),
            )
        };
        min(max(min_pos, xmin), xmax)
    } else {
        xmin.add(xmax).div(f(2.0))
    }
}

fn copy(t: &Tensor) -> Result<Tensor> {
    crate::nn::ops::deep_clone(t)
}

/// Searches along `d` from the current point (loss `f0`, gradient `g0`, slope `gtd`) for a
/// step `t` meeting the strong Wolfe conditions, evaluating `obj(t)` at most `max_ls` times.
/// Returns the loss and gradient there, the step and the number of evaluations.
#[allow(clippy::too_many_arguments)]
pub(crate) fn strong_wolfe(
    obj: &mut dyn FnMut(Num) -> Result<(f64, Tensor)>,
    t: Num,
    d: &Tensor,
    f0: f64,
    g0: &Tensor,
    gtd: Num,
    max_ls: i64,
) -> Result<(f64, Tensor, Num, i64)> {
    let dot = |a: &Tensor| -> Result<Num> { Num::of(&a.f_dot(d)?) };
    let d_norm = Num::of(&d.f_abs()?.f_max()?)?;
    let g0 = copy(g0)?;
    let mut t = t;
    let (mut f_new, mut g_new) = obj(t)?;
    let mut ls_func_evals = 1;
    let mut gtd_new = dot(&g_new)?;
    let (mut t_prev, mut f_prev, mut g_prev, mut gtd_prev) = (f(0.0), f0, g0.shallow_clone(), gtd);
    let mut done = false;
    let mut ls_iter = 0;
    // The bracket: steps, losses, gradients, slopes.
    let mut b: Vec<Num> = vec![];
    let mut bf: Vec<f64> = vec![];
    let mut bg: Vec<Tensor> = vec![];
    let mut bgtd: Vec<Num> = vec![];
    let armijo = |t: Num| f(f0).add(f(C1).mul(t).mul(gtd));
    let curvature = f(-C2).mul(gtd);
    while ls_iter < max_ls {
        if f(f_new).gt(armijo(t)) || (ls_iter > 1 && f_new >= f_prev) {
            (b, bf, bg, bgtd) = (
                vec![t_prev, t],
                vec![f_prev, f_new],
                vec![g_prev, copy(&g_new)?],
                vec![gtd_prev, gtd_new],
            );
            break;
        }
        if gtd_new.abs().le(curvature) {
            (b, bf, bg) = (vec![t], vec![f_new], vec![g_new.shallow_clone()]);
            done = true;
            break;
        }
        if gtd_new.ge(f(0.0)) {
            (b, bf, bg, bgtd) = (
                vec![t_prev, t],
                vec![f_prev, f_new],
                vec![g_prev, copy(&g_new)?],
                vec![gtd_prev, gtd_new],
            );
            break;
        }
        let min_step = t.add(f(0.01).mul(t.sub(t_prev)));
        let max_step = t.mul(f(10.0));
        let tmp = t;
        t = cubic_interpolate(
            t_prev,
            f_prev,
            gtd_prev,
            t,
            f_new,
            gtd_new,
            Some((min_step, max_step)),
        );
        t_prev = tmp;
        f_prev = f_new;
        g_prev = copy(&g_new)?;
        gtd_prev = gtd_new;
        (f_new, g_new) = obj(t)?;
        ls_func_evals += 1;
        gtd_new = dot(&g_new)?;
        ls_iter += 1;
    }
    if ls_iter == max_ls {
        (b, bf, bg) = (vec![f(0.0), t], vec![f0, f_new], vec![g0, g_new]);
    }

    let mut insuf_progress = false;
    let (mut low, mut high) = if bf[0] <= bf[bf.len() - 1] {
        (0, 1)
    } else {
        (1, 0)
    };
    while !done && ls_iter < max_ls {
        if b[1].sub(b[0]).abs().mul(d_norm).lt(f(TOLERANCE_CHANGE)) {
            break;
        }
        t = cubic_interpolate(b[0], bf[0], bgtd[0], b[1], bf[1], bgtd[1], None);
        let (bmax, bmin) = (max(b[0], b[1]), min(b[0], b[1]));
        let eps = f(0.1).mul(bmax.sub(bmin));
        if min(bmax.sub(t), t.sub(bmin)).lt(eps) {
            if insuf_progress || t.ge(bmax) || t.le(bmin) {
                t = if t.sub(bmax).abs().lt(t.sub(bmin).abs()) {
                    bmax.sub(eps)
                } else {
                    bmin.add(eps)
                };
                insuf_progress = false;
            } else {
                insuf_progress = true;
            }
        } else {
            insuf_progress = false;
        }
        (f_new, g_new) = obj(t)?;
        ls_func_evals += 1;
        gtd_new = dot(&g_new)?;
        ls_iter += 1;
        if f(f_new).gt(armijo(t)) || f_new >= bf[low] {
            b[high] = t;
            bf[high] = f_new;
            bg[high] = copy(&g_new)?;
            bgtd[high] = gtd_new;
            (low, high) = if bf[0] <= bf[1] { (0, 1) } else { (1, 0) };
        } else {
            if gtd_new.abs().le(curvature) {
                done = true;
            } else if gtd_new.mul(b[high].sub(b[low])).ge(f(0.0)) {
                b[high] = b[low];
                bf[high] = bf[low];
                bg[high] = bg[low].shallow_clone();
                bgtd[high] = bgtd[low];
            }
            b[low] = t;
            bf[low] = f_new;
            bg[low] = copy(&g_new)?;
            bgtd[low] = gtd_new;
        }
    }
    Ok((bf[low], bg[low].shallow_clone(), b[low], ls_func_evals))
}
