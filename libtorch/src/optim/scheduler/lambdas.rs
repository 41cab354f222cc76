//! The per-group factor functions of LambdaLR and MultiplicativeLR: one type holds them, checks
//! their number against the optimizer's groups, and saves them as PyTorch does.
use super::bad;
use crate::optim::Optimizer;
use crate::{IValue, Result};
use std::sync::Arc;

/// A rate factor as a function of the epoch (LambdaLR's and MultiplicativeLR's `lr_lambda`).
pub type LrLambda = Arc<dyn Fn(i64) -> f64 + Send + Sync>;

/// One factor function per parameter group.
#[derive(Clone)]
pub(super) struct Lambdas(Vec<LrLambda>);

impl std::fmt::Debug for Lambdas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} lr_lambda fn(epoch) -> f64]", self.0.len())
    }
}

impl Lambdas {
    /// The same function for every group of `opt`.
    pub(super) fn shared(
        opt: &dyn Optimizer,
        lr_lambda: impl Fn(i64) -> f64 + Send + Sync + 'static,
    ) -> Lambdas {
        let f: LrLambda = Arc::new(lr_lambda);
        Lambdas(vec![f; opt.learning_rates().len()])
    }

    /// One function per group (PyTorch's list of `lr_lambda`s), or PyTorch's error, naming
    /// `scheduler`, when their number is not the number of groups.
    pub(super) fn per_group(
        scheduler: &'static str,
        opt: &dyn Optimizer,
        lr_lambdas: Vec<LrLambda>,
    ) -> Result<Lambdas> {
        let n = opt.learning_rates().len();
        if lr_lambdas.len() != n {
            return Err(bad(
                scheduler,
                format!("Expected {n} lr_lambdas, but got {}", lr_lambdas.len()),
            ));
        }
        Ok(Lambdas(lr_lambdas))
    }

    /// `rates[i] · f_i(epoch)` for every group.
    pub(super) fn scale(&self, rates: &[f64], epoch: i64) -> Vec<f64> {
        self.0
            .iter()
            .zip(rates)
            .map(|(f, r)| r * f(epoch))
            .collect()
    }

    /// As PyTorch's `state_dict`: plain functions are not saved (`lr_lambdas` is a list of
    /// `None`), and loading leaves the functions as they are.
    pub(super) fn state(&self) -> Vec<(&'static str, IValue)> {
        vec![("lr_lambdas", IValue::List(vec![IValue::None; self.0.len()]))]
    }
}
