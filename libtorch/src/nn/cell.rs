//! One time step of a recurrent layer: `RNNCell`, `LSTMCell`, `GRUCell` (ATen's
//! `rnn_tanh_cell`/`rnn_relu_cell`/`lstm_cell`/`gru_cell`), with PyTorch's parameter names.
use super::functional as F;
use super::init::uniform_;
use super::module::{param, Module, Slot};
use super::ops;
use super::rnn::RnnMode;
use crate::error::unwrap;
use crate::{Error, Result, Tensor};

/// The parameters every cell has: `weight_ih` `[G·H, in]`, `weight_hh` `[G·H, H]`, `bias_ih`,
/// `bias_hh` `[G·H]`, all U(±1/√H) in that order, as PyTorch's `RNNCellBase`.
struct CellParams {
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Option<Tensor>,
    bias_hh: Option<Tensor>,
    input_size: i64,
    hidden_size: i64,
}

impl CellParams {
    fn new(
        name: &'static str,
        input_size: i64,
        hidden_size: i64,
        bias: bool,
        gates: i64,
    ) -> Result<CellParams> {
        super::check::sizes(
            name,
            &[("input_size", input_size), ("hidden_size", hidden_size)],
        )?;
        let g = gates * hidden_size;
        let weight_ih = ops::empty(&[g, input_size])?;
        let weight_hh = ops::empty(&[g, hidden_size])?;
        let (bias_ih, bias_hh) = if bias {
            (Some(ops::empty(&[g])?), Some(ops::empty(&[g])?))
        } else {
            (None, None)
        };
        let stdv = if hidden_size > 0 {
            1.0 / (hidden_size as f64).sqrt()
        } else {
            0.0
        };
        for t in [
            Some(&weight_ih),
            Some(&weight_hh),
            bias_ih.as_ref(),
            bias_hh.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            uniform_(t, -stdv, stdv)?;
        }
        Ok(CellParams {
            weight_ih: param(weight_ih),
            weight_hh: param(weight_hh),
            bias_ih: bias_ih.map(param),
            bias_hh: bias_hh.map(param),
            input_size,
            hidden_size,
        })
    }

    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight_ih", Slot::Parameter, &self.weight_ih);
        f("weight_hh", Slot::Parameter, &self.weight_hh);
        if let (Some(bi), Some(bh)) = (&self.bias_ih, &self.bias_hh) {
            f("bias_ih", Slot::Parameter, bi);
            f("bias_hh", Slot::Parameter, bh);
        }
    }

    /// The input made batched (PyTorch's cells accept `[in]` as a batch of one), and whether it
    /// was.
    fn batched(&self, name: &'static str, x: &Tensor) -> Result<(Tensor, bool)> {
        match x.f_dim()? {
            2 => Ok((x.clone(), true)),
            1 => Ok((x.f_unsqueeze(0)?, false)),
            d => Err(Error::invalid(
                name,
                format!("Expected input to be 1D or 2D, got {d}D instead"),
            )),
        }
    }

    /// A given state, made batched like the input, or zeros `[N, H]`.
    fn state(
        &self,
        name: &'static str,
        x: &Tensor,
        h: Option<&Tensor>,
        batched: bool,
    ) -> Result<Tensor> {
        match h {
            None => Tensor::f_zeros_opts(
                &[x.f_size()?[0], self.hidden_size],
                (x.f_kind()?, x.f_device()?),
            ),
            Some(h) => {
                let d = h.f_dim()?;
                if d != if batched { 2 } else { 1 } {
                    return Err(Error::invalid(
                        name,
                        format!(
                            "Expected hidden to be {}D for {}D input, got {d}D instead",
                            if batched { 2 } else { 1 },
                            if batched { 2 } else { 1 },
                        ),
                    ));
                }
                if batched {
                    Ok(h.clone())
                } else {
                    h.f_unsqueeze(0)
                }
            }
        }
    }

    fn unbatch(t: Tensor, batched: bool) -> Result<Tensor> {
        if batched {
            Ok(t)
        } else {
            t.f_squeeze_dim(0)
        }
    }
}

macro_rules! cell_module {
    ($name:ident) => {
        impl $name {
            /// `weight_ih` `[G·H, input_size]`.
            pub fn weight_ih(&self) -> &Tensor {
                &self.p.weight_ih
            }
            /// `weight_hh` `[G·H, hidden_size]`.
            pub fn weight_hh(&self) -> &Tensor {
                &self.p.weight_hh
            }
            /// `bias_ih` `[G·H]`, when the cell has biases.
            pub fn bias_ih(&self) -> Option<&Tensor> {
                self.p.bias_ih.as_ref()
            }
            /// `bias_hh` `[G·H]`, when the cell has biases.
            pub fn bias_hh(&self) -> Option<&Tensor> {
                self.p.bias_hh.as_ref()
            }
            /// Input features.
            pub fn input_size(&self) -> i64 {
                self.p.input_size
            }
            /// Hidden features H.
            pub fn hidden_size(&self) -> i64 {
                self.p.hidden_size
            }
        }
    };
}

/// An Elman cell, `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (or ReLU) (`nn.RNNCell(
/// input_size, hidden_size, bias=True, nonlinearity='tanh')`).
///
/// ```
/// use libtorch::nn::RNNCell;
/// use libtorch::Tensor;
/// let cell = RNNCell::new(3, 4);
/// let x = Tensor::from_data(&[0.5f32; 6], &[2, 3]).unwrap();
/// let h = cell.forward_cell(&x, None).unwrap();
/// let h = cell.forward_cell(&x, Some(&h)).unwrap();
/// assert_eq!(h.size(), [2, 4]);
/// ```
pub struct RNNCell {
    p: CellParams,
    /// [`RnnMode::Tanh`] or [`RnnMode::Relu`].
    pub nonlinearity: RnnMode,
}

cell_module!(RNNCell);

impl RNNCell {
    /// A tanh cell with biases.
    #[track_caller]
    pub fn new(input_size: i64, hidden_size: i64) -> RNNCell {
        unwrap(RNNCell::f_new(input_size, hidden_size, true, RnnMode::Tanh))
    }

    /// All of PyTorch's arguments; an error for a negative size or a non-linearity other
    /// than tanh and ReLU.
    pub fn f_new(
        input_size: i64,
        hidden_size: i64,
        bias: bool,
        nonlinearity: RnnMode,
    ) -> Result<RNNCell> {
        if !matches!(nonlinearity, RnnMode::Tanh | RnnMode::Relu) {
            return Err(Error::invalid(
                "RNNCell",
                format!("Unknown nonlinearity '{nonlinearity:?}'. Select from 'tanh' or 'relu'."),
            ));
        }
        let p = F::named(
            CellParams::new("RNNCell", input_size, hidden_size, bias, 1),
            "RNNCell",
        )?;
        Ok(RNNCell { p, nonlinearity })
    }

    /// `h' = cell(x, h)`: `x` `[N, in]` (or `[in]`), `h` `[N, H]` (or `[H]`; None: zeros).
    pub fn forward_cell(&self, x: &Tensor, h: Option<&Tensor>) -> Result<Tensor> {
        F::named(self.step(x, h), "RNNCell")
    }

    fn step(&self, x: &Tensor, h: Option<&Tensor>) -> Result<Tensor> {
        let p = &self.p;
        let (x, batched) = p.batched("RNNCell", x)?;
        let h = p.state("RNNCell", &x, h, batched)?;
        let (bi, bh) = (p.bias_ih.as_ref(), p.bias_hh.as_ref());
        let y = if self.nonlinearity == RnnMode::Relu {
            Tensor::f_rnn_relu_cell_with(&x, &h, &p.weight_ih, &p.weight_hh, bi, bh)?
        } else {
            Tensor::f_rnn_tanh_cell_with(&x, &h, &p.weight_ih, &p.weight_hh, bi, bh)?
        };
        CellParams::unbatch(y, batched)
    }
}

impl Module for RNNCell {
    /// One step from a zero state.
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_cell(x, None)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        self.p.visit(f)
    }
}

/// A long short-term memory cell (`nn.LSTMCell(input_size, hidden_size, bias=True)`; gates
/// i, f, g, o stacked in the weights' rows).
///
/// ```
/// use libtorch::nn::LSTMCell;
/// use libtorch::Tensor;
/// let cell = LSTMCell::new(3, 4);
/// let x = Tensor::from_data(&[0.5f32; 6], &[2, 3]).unwrap();
/// let (h, c) = cell.forward_cell(&x, None).unwrap();
/// let (h, _c) = cell.forward_cell(&x, Some((&h, &c))).unwrap();
/// assert_eq!(h.size(), [2, 4]);
/// ```
pub struct LSTMCell {
    p: CellParams,
}

cell_module!(LSTMCell);

impl LSTMCell {
    /// A cell with biases.
    #[track_caller]
    pub fn new(input_size: i64, hidden_size: i64) -> LSTMCell {
        unwrap(LSTMCell::f_new(input_size, hidden_size, true))
    }

    /// With or without biases; an error for a negative size.
    pub fn f_new(input_size: i64, hidden_size: i64, bias: bool) -> Result<LSTMCell> {
        let p = F::named(
            CellParams::new("LSTMCell", input_size, hidden_size, bias, 4),
            "LSTMCell",
        )?;
        Ok(LSTMCell { p })
    }

    /// `(h', c') = cell(x, (h, c))`; a None state starts from zeros.
    pub fn forward_cell(
        &self,
        x: &Tensor,
        state: Option<(&Tensor, &Tensor)>,
    ) -> Result<(Tensor, Tensor)> {
        F::named(self.step(x, state), "LSTMCell")
    }

    fn step(&self, x: &Tensor, state: Option<(&Tensor, &Tensor)>) -> Result<(Tensor, Tensor)> {
        let p = &self.p;
        let (x, batched) = p.batched("LSTMCell", x)?;
        let (h, c) = match state {
            None => {
                let z = p.state("LSTMCell", &x, None, batched)?;
                (z.clone(), z)
            }
            Some((h, c)) => (
                p.state("LSTMCell", &x, Some(h), batched)?,
                p.state("LSTMCell", &x, Some(c), batched)?,
            ),
        };
        let (h, c) = Tensor::f_lstm_cell_with(
            &x,
            &[h, c],
            &p.weight_ih,
            &p.weight_hh,
            p.bias_ih.as_ref(),
            p.bias_hh.as_ref(),
        )?;
        Ok((
            CellParams::unbatch(h, batched)?,
            CellParams::unbatch(c, batched)?,
        ))
    }
}

impl Module for LSTMCell {
    /// One step from a zero state: the new hidden state `h'` (use
    /// [`LSTMCell::forward_cell`] for `c'`).
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_cell(x, None)?.0)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        self.p.visit(f)
    }
}

/// A gated recurrent unit cell (`nn.GRUCell(input_size, hidden_size, bias=True)`; gates r, z,
/// n).
pub struct GRUCell {
    p: CellParams,
}

cell_module!(GRUCell);

impl GRUCell {
    /// A cell with biases.
    #[track_caller]
    pub fn new(input_size: i64, hidden_size: i64) -> GRUCell {
        unwrap(GRUCell::f_new(input_size, hidden_size, true))
    }

    /// With or without biases; an error for a negative size.
    pub fn f_new(input_size: i64, hidden_size: i64, bias: bool) -> Result<GRUCell> {
        let p = F::named(
            CellParams::new("GRUCell", input_size, hidden_size, bias, 3),
            "GRUCell",
        )?;
        Ok(GRUCell { p })
    }

    /// `h' = cell(x, h)`; a None state starts from zeros.
    pub fn forward_cell(&self, x: &Tensor, h: Option<&Tensor>) -> Result<Tensor> {
        F::named(self.step(x, h), "GRUCell")
    }

    fn step(&self, x: &Tensor, h: Option<&Tensor>) -> Result<Tensor> {
        let p = &self.p;
        let (x, batched) = p.batched("GRUCell", x)?;
        let h = p.state("GRUCell", &x, h, batched)?;
        let y = Tensor::f_gru_cell_with(
            &x,
            &h,
            &p.weight_ih,
            &p.weight_hh,
            p.bias_ih.as_ref(),
            p.bias_hh.as_ref(),
        )?;
        CellParams::unbatch(y, batched)
    }
}

impl Module for GRUCell {
    /// One step from a zero state.
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_cell(x, None)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        self.p.visit(f)
    }
}
