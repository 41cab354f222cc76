//! L-BFGS (`torch.optim.LBFGS`): a quasi-Newton method that re-evaluates the loss through a
//! closure, optionally with a strong-Wolfe line search.
mod num;
mod state;
mod wolfe;

use super::optimizer::check_lr;
use super::Optimizer;
use crate::error::unwrap;
use crate::{Error, IValue, Result, Tensor};
use num::{f, min, Num};

/// The line search LBFGS can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineSearch {
    /// Strong Wolfe conditions with cubic interpolation (`line_search_fn="strong_wolfe"`).
    StrongWolfe,
}

/// LBFGS's hyper-parameters (PyTorch's defaults from `default()`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LbfgsOptions {
    /// Learning rate (default 1).
    pub lr: f64,
    /// Iterations per `step` (default 20).
    pub max_iter: i64,
    /// Loss evaluations per `step` (default `max_iter * 5 / 4`).
    pub max_eval: Option<i64>,
    /// Stop when every gradient entry is at most this (default 1e-7).
    pub tolerance_grad: f64,
    /// Stop when the step or the loss changes less than this (default 1e-9).
    pub tolerance_change: f64,
    /// Update pairs kept (default 100).
    pub history_size: usize,
    /// No line search (default): fixed steps of `lr`.
    pub line_search_fn: Option<LineSearch>,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions {
            lr: 1.0,
            max_iter: 20,
            max_eval: None,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            history_size: 100,
            line_search_fn: None,
        }
    }
}

impl LbfgsOptions {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        LbfgsOptions {
            lr,
            ..Default::default()
        }
    }
    /// Sets the iterations per step.
    pub fn max_iter(mut self, n: i64) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the loss evaluations per step.
    pub fn max_eval(mut self, n: i64) -> Self {
        self.max_eval = Some(n);
        self
    }
    /// Sets the gradient tolerance.
    pub fn tolerance_grad(mut self, t: f64) -> Self {
        self.tolerance_grad = t;
        self
    }
    /// Sets the change tolerance.
    pub fn tolerance_change(mut self, t: f64) -> Self {
        self.tolerance_change = t;
        self
    }
    /// Sets the history size.
    pub fn history_size(mut self, n: usize) -> Self {
        self.history_size = n;
        self
    }
    /// Sets the line search.
    pub fn line_search_fn(mut self, l: Option<LineSearch>) -> Self {
        self.line_search_fn = l;
        self
    }
    fn max_eval_or_default(&self) -> i64 {
        self.max_eval
            .unwrap_or_else(|| (self.max_iter.saturating_mul(5)).div_euclid(4))
    }
    fn validate(&self) -> Result<()> {
        check_lr("LBFGS", self.lr)?;
        if self.history_size == 0 {
            return Err(Error::invalid(
                "LBFGS",
                "history_size must be positive (PyTorch fails on its first update with 0)",
            ));
        }
        Ok(())
    }
}

/// LBFGS's state, as torch.optim keeps it (on the first parameter).
#[derive(Clone, Default)]
struct State {
    func_evals: i64,
    n_iter: i64,
    d: Option<Tensor>,
    t: Option<Num>,
    old_dirs: Vec<Tensor>,
    old_stps: Vec<Tensor>,
    ro: Vec<Num>,
    h_diag: Option<Num>,
    prev_flat_grad: Option<Tensor>,
    prev_loss: Option<f64>,
    al: Option<Vec<Option<Num>>>,
}

/// L-BFGS (`torch.optim.LBFGS`) over one group of parameters. Its step needs the loss again
/// and again: [`Lbfgs::step_with_closure`] takes a closure that clears the gradients, computes
/// the loss, calls `backward` and returns the loss. [`Optimizer::step`] without a closure is
/// an error.
///
/// ```
/// use libtorch::optim::{Lbfgs, LbfgsOptions};
/// use libtorch::Tensor;
/// let w = Tensor::from_slice(&[3.0f32, -2.0]).set_requires_grad(true);
/// let target = Tensor::from_slice(&[1.0f32, 1.0]);
/// let mut opt = Lbfgs::new(vec![w.clone()], LbfgsOptions::default());
/// let loss = opt
///     .step_with_closure(|| {
///         w.shallow_clone().f_zero_grad()?; // optimizer.zero_grad()
///         let loss = (&w - &target).square().sum();
///         loss.backward();
///         Ok(loss)
///     })
///     .unwrap();
/// assert_eq!(loss.double_value(), 13.0);
/// // What torch.optim.LBFGS gives for the same problem.
/// assert_eq!(w.to_vec::<f32>().unwrap(), [1.0000005, 1.0000004]);
/// ```
#[derive(Clone)]
pub struct Lbfgs {
    params: Vec<Tensor>,
    o: LbfgsOptions,
    state: State,
    initial_lr: Option<f64>,
}

impl Lbfgs {
    /// LBFGS over `params`; panics where PyTorch raises (see [`Lbfgs::f_new`]).
    #[track_caller]
    pub fn new(params: Vec<Tensor>, options: LbfgsOptions) -> Lbfgs {
        unwrap(Lbfgs::f_new(params, options))
    }

    /// LBFGS over `params`, or PyTorch's error for a negative or NaN learning rate (and here,
    /// a history of 0).
    pub fn f_new(params: Vec<Tensor>, options: LbfgsOptions) -> Result<Lbfgs> {
        options.validate()?;
        Ok(Lbfgs {
            params,
            o: options,
            state: State::default(),
            initial_lr: None,
        })
    }

    /// The hyper-parameters.
    pub fn options(&self) -> &LbfgsOptions {
        &self.o
    }

    /// The iterations and loss evaluations made so far (`state["n_iter"]`,
    /// `state["func_evals"]`).
    pub fn counts(&self) -> (i64, i64) {
        (self.state.n_iter, self.state.func_evals)
    }

    fn gather_flat_grad(&self) -> Result<Tensor> {
        let mut views = Vec::with_capacity(self.params.len());
        for p in &self.params {
            let g = p.f_grad()?;
            views.push(if g.defined() {
                g.f_reshape(&[-1])?
            } else {
                p.f_zeros_like()?.f_reshape(&[-1])?
            });
        }
        Tensor::f_cat(&views)
    }

    /// `p += step_size · update[slice of p]` for every parameter.
    fn add_grad(&self, step_size: Num, update: &Tensor) -> Result<()> {
        let _g = crate::NoGradGuard::new();
        let mut offset = 0i64;
        for p in &self.params {
            let n = p.numel() as i64;
            let part = update.f_narrow(0, offset, n)?.f_view(&p.f_size()?)?;
            p.shallow_clone().f_add__with(&part, step_size.value())?;
            offset += n;
        }
        Ok(())
    }

    fn clone_params(&self) -> Result<Vec<Tensor>> {
        let _g = crate::NoGradGuard::new();
        self.params
            .iter()
            .map(|p| p.f_detach()?.f_contiguous())
            .map(|t| t.and_then(|t| crate::nn::ops::deep_clone(&t)))
            .collect()
    }

    fn set_params(&self, data: &[Tensor]) -> Result<()> {
        let _g = crate::NoGradGuard::new();
        for (p, d) in self.params.iter().zip(data) {
            p.shallow_clone().f_copy_(d)?;
        }
        Ok(())
    }

    /// Runs the closure and takes its loss as a Python float.
    fn evaluate(closure: &mut dyn FnMut() -> Result<Tensor>) -> Result<(Tensor, f64)> {
        let loss = closure()?;
        let v = loss.f_detach()?.item_as::<f64>()?;
        Ok((loss, v))
    }

    /// One `optimizer.step(closure)`: up to `max_iter` L-BFGS iterations, each evaluating the
    /// closure (more with the line search); returns the loss of the first evaluation. The
    /// closure runs with grad mode on, as PyTorch's does; on an error the state is left as it
    /// was before the step (the parameters may have moved).
    pub fn step_with_closure(
        &mut self,
        mut closure: impl FnMut() -> Result<Tensor>,
    ) -> Result<Tensor> {
        self.o.validate()?;
        let saved = self.state.clone();
        let _grad = crate::autograd::GradModeGuard::new(true);
        let r = self.run(&mut closure);
        if r.is_err() {
            self.state = saved;
        }
        r
    }

    fn run(&mut self, closure: &mut dyn FnMut() -> Result<Tensor>) -> Result<Tensor> {
        let lr = f(self.o.lr);
        let max_iter = self.o.max_iter;
        let max_eval = self.o.max_eval_or_default();
        let tolerance_grad = f(self.o.tolerance_grad);
        let tolerance_change = f(self.o.tolerance_change);
        let history_size = self.o.history_size;
        let abs_max = |t: &Tensor| -> Result<Num> { Num::of(&t.f_abs()?.f_max()?) };
        let dot = |a: &Tensor, b: &Tensor| -> Result<Num> { Num::of(&a.f_dot(b)?) };

        let (orig_loss, mut loss) = Self::evaluate(closure)?;
        let mut current_evals = 1;
        self.state.func_evals += 1;
        let mut flat_grad = self.gather_flat_grad()?;
        let mut opt_cond = abs_max(&flat_grad)?.le(tolerance_grad);
        if opt_cond {
            return Ok(orig_loss);
        }
        let mut st = std::mem::take(&mut self.state);
        let mut n_iter = 0;
        while n_iter < max_iter {
            n_iter += 1;
            st.n_iter += 1;
            let d = if st.n_iter == 1 {
                st.old_dirs.clear();
                st.old_stps.clear();
                st.ro.clear();
                st.h_diag = Some(f(1.0));
                flat_grad.f_neg()?
            } else {
                let (Some(d), Some(t), Some(prev)) = (&st.d, st.t, &st.prev_flat_grad) else {
                    self.state = st;
                    return Err(Error::invalid(
                        "LBFGS.step",
                        "the state has iterations but no previous direction",
                    ));
                };
                let y = flat_grad.f_sub(prev)?;
                let s = d.f_mul_scalar(t.value())?;
                let ys = dot(&y, &s)?;
                if ys.gt(f(1e-10)) {
                    if st.old_dirs.len() == history_size {
                        st.old_dirs.remove(0);
                        st.old_stps.remove(0);
                        st.ro.remove(0);
                    }
                    let yy = dot(&y, &y)?;
                    st.old_dirs.push(y);
                    st.old_stps.push(s);
                    st.ro.push(f(1.0).div(ys));
                    st.h_diag = Some(ys.div(yy));
                }
                let num_old = st.old_dirs.len();
                let al = st.al.get_or_insert_with(|| vec![None; history_size]);
                let mut q = flat_grad.f_neg()?;
                for i in (0..num_old).rev() {
                    let a = dot(&st.old_stps[i], &q)?.mul(st.ro[i]);
                    al[i] = Some(a);
                    q.f_add__with(&st.old_dirs[i], a.neg().value())?;
                }
                let h = st.h_diag.unwrap_or(f(1.0));
                let mut r = q.f_mul_scalar(h.value())?;
                for (i, a) in al.iter().enumerate().take(num_old) {
                    let be_i = dot(&st.old_dirs[i], &r)?.mul(st.ro[i]);
                    let a = a.unwrap_or(f(0.0));
                    r.f_add__with(&st.old_stps[i], a.sub(be_i).value())?;
                }
                r
            };
            st.prev_flat_grad = Some(crate::nn::ops::deep_clone(&flat_grad)?);
            st.prev_loss = Some(loss);
            let t = if st.n_iter == 1 {
                let inv = f(1.0).div(Num::of(&flat_grad.f_abs()?.f_sum()?)?);
                min(f(1.0), inv).mul(lr)
            } else {
                lr
            };
            st.d = Some(d.shallow_clone());
            st.t = Some(t);
            let gtd = dot(&flat_grad, &d)?;
            if gtd.gt(tolerance_change.neg()) {
                break;
            }
            let mut ls_func_evals = 0;
            let mut t = t;
            match self.o.line_search_fn {
                Some(LineSearch::StrongWolfe) => {
                    let x_init = self.clone_params()?;
                    let this = &*self;
                    let mut obj = |step: Num| -> Result<(f64, Tensor)> {
                        this.add_grad(step, &d)?;
                        let (_, l) = Self::evaluate(closure)?;
                        let g = this.gather_flat_grad()?;
                        this.set_params(&x_init)?;
                        Ok((l, g))
                    };
                    let (l, g, step, evals) = wolfe::strong_wolfe(
                        &mut obj,
                        t,
                        &d,
                        loss,
                        &flat_grad,
                        gtd,
                        max_eval - current_evals,
                    )?;
                    (loss, flat_grad, t, ls_func_evals) = (l, g, step, evals);
                    st.t = Some(t);
                    self.add_grad(t, &d)?;
                    opt_cond = abs_max(&flat_grad)?.le(tolerance_grad);
                }
                None => {
                    self.add_grad(t, &d)?;
                    if n_iter != max_iter {
                        loss = Self::evaluate(closure)?.1;
                        flat_grad = self.gather_flat_grad()?;
                        opt_cond = abs_max(&flat_grad)?.le(tolerance_grad);
                        ls_func_evals = 1;
                    }
                }
            }
            current_evals += ls_func_evals;
            st.func_evals += ls_func_evals;
            if n_iter == max_iter || current_evals >= max_eval || opt_cond {
                break;
            }
            if abs_max(&d.f_mul_scalar(t.value())?)?.le(tolerance_change) {
                break;
            }
            if (loss - st.prev_loss.unwrap_or(loss)).abs() < self.o.tolerance_change {
                break;
            }
        }
        self.state = st;
        Ok(orig_loss)
    }
}

impl Optimizer for Lbfgs {
    /// An error: LBFGS evaluates the loss several times per step; use
    /// [`Lbfgs::step_with_closure`].
    fn step(&mut self) -> Result<()> {
        Err(Error::invalid(
            "LBFGS.step",
            "LBFGS needs a closure that recomputes the loss: call step_with_closure",
        ))
    }

    fn zero_grad(&mut self) {
        for p in &self.params {
            unwrap(p.clone().f_set_grad(None));
        }
    }

    fn learning_rates(&self) -> Vec<f64> {
        vec![self.o.lr]
    }

    fn set_group_lr(&mut self, group: usize, lr: f64) -> Result<()> {
        check_lr("set_group_lr", lr)?;
        if group != 0 {
            return Err(Error::invalid(
                "set_group_lr",
                format!("group {group} of an optimizer with 1 groups"),
            ));
        }
        self.o.lr = lr;
        Ok(())
    }

    fn state_dict(&self) -> Result<IValue> {
        let entries = self.state_entries()?;
        let state = if self.state.func_evals == 0 && self.state.n_iter == 0 {
            vec![]
        } else {
            vec![(IValue::Int(0), IValue::dict(entries))]
        };
        let mut g = self.group();
        g.push((
            "params",
            IValue::List((0..self.params.len() as i64).map(IValue::Int).collect()),
        ));
        Ok(IValue::dict([
            ("state", IValue::Dict(state)),
            ("param_groups", IValue::List(vec![IValue::dict(g)])),
        ]))
    }

    fn load_state_dict(&mut self, state: &IValue) -> Result<()> {
        self.load(state)
    }

    fn initial_lr(&self, group: usize) -> Option<f64> {
        (group == 0).then_some(self.initial_lr).flatten()
    }

    fn set_initial_lr(&mut self, group: usize, lr: f64) {
        if group == 0 {
            self.initial_lr = Some(lr);
        }
    }
}
