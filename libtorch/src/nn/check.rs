//! The argument checks PyTorch's layer constructors make, with its messages, shared by the
//! `f_new` constructors (a bad size is an error naming the layer, not a libtorch error about a
//! tensor the user never made).
use crate::{Error, Result};

/// Each `(name, value)` is a size: not negative.
pub(crate) fn sizes(layer: &'static str, sizes: &[(&str, i64)]) -> Result<()> {
    for &(name, v) in sizes {
        if v < 0 {
            return Err(Error::invalid(
                layer,
                format!("{name} must be non-negative, got {v}"),
            ));
        }
    }
    Ok(())
}

/// Each `(name, value)` is positive (PyTorch's "must be greater than zero").
pub(crate) fn positive(layer: &'static str, values: &[(&str, i64)]) -> Result<()> {
    for &(name, v) in values {
        if v <= 0 {
            return Err(Error::invalid(
                layer,
                format!("{name} must be greater than zero, got {v}"),
            ));
        }
    }
    Ok(())
}

/// A probability in [0, 1] (PyTorch: "dropout probability has to be between 0 and 1").
pub(crate) fn probability(layer: &'static str, p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::invalid(
            layer,
            format!("dropout probability has to be between 0 and 1, but got {p}"),
        ));
    }
    Ok(())
}
