//! Recurrent layers: `Rnn` (tanh/ReLU), `Lstm`, `Gru` — multi-layer, bidirectional,
//! batch-first, run by ATen's fused `lstm`/`gru`/`rnn_tanh`/`rnn_relu` operators.
use super::init::uniform_;
use super::module::{param, Module, Slot};
use super::{functional as F, ops};
use crate::error::unwrap;
use crate::{Error, Result, Tensor};

/// The cell of a recurrent layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RnnMode {
    /// `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`.
    Tanh,
    /// `h' = relu(...)`.
    Relu,
    /// Long short-term memory (4 gates: i, f, g, o).
    Lstm,
    /// Gated recurrent unit (3 gates: r, z, n).
    Gru,
}

impl RnnMode {
    fn gates(self) -> i64 {
        match self {
            RnnMode::Tanh | RnnMode::Relu => 1,
            RnnMode::Lstm => 4,
            RnnMode::Gru => 3,
        }
    }
    /// PyTorch's layer name, for errors.
    fn name(self) -> &'static str {
        match self {
            RnnMode::Tanh | RnnMode::Relu => "RNN",
            RnnMode::Lstm => "LSTM",
            RnnMode::Gru => "GRU",
        }
    }
}

/// Layers, direction, layout, bias and inter-layer dropout (PyTorch's defaults: 1 layer,
/// unidirectional, `[L, N, H]` layout, biases, no dropout).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RnnConfig {
    /// Stacked layers.
    pub num_layers: i64,
    /// Run a second direction and concatenate.
    pub bidirectional: bool,
    /// Inputs and outputs are `[N, L, H]` instead of `[L, N, H]` (hidden states stay
    /// `[layers·dirs, N, H]`).
    pub batch_first: bool,
    /// Whether there are `b_ih`, `b_hh`.
    pub bias: bool,
    /// Dropout between layers in training mode.
    pub dropout: f64,
}

impl Default for RnnConfig {
    fn default() -> Self {
        RnnConfig {
            num_layers: 1,
            bidirectional: false,
            batch_first: false,
            bias: true,
            dropout: 0.0,
        }
    }
}

impl RnnConfig {
    /// Sets the number of layers.
    pub fn num_layers(mut self, n: i64) -> Self {
        self.num_layers = n;
        self
    }
    /// Bidirectional or not.
    pub fn bidirectional(mut self, b: bool) -> Self {
        self.bidirectional = b;
        self
    }
    /// Batch-first layout or not.
    pub fn batch_first(mut self, b: bool) -> Self {
        self.batch_first = b;
        self
    }
    /// With or without biases.
    pub fn bias(mut self, b: bool) -> Self {
        self.bias = b;
        self
    }
    /// Inter-layer dropout.
    pub fn dropout(mut self, p: f64) -> Self {
        self.dropout = p;
        self
    }
}

/// A recurrent layer. Parameters, per layer `k` and direction (suffix `_reverse` for the
/// second): `weight_ih_l{k}` `[G·H, in]`, `weight_hh_l{k}` `[G·H, H]`, `bias_ih_l{k}`,
/// `bias_hh_l{k}` `[G·H]`, all U(±1/√H) as PyTorch, with G = 4 (LSTM), 3 (GRU), 1 (RNN).
///
/// ```
/// use libtorch::nn::{Rnn, RnnConfig};
/// use libtorch::Tensor;
/// let lstm = Rnn::lstm(3, 5, RnnConfig::default().num_layers(2).batch_first(true));
/// let x = Tensor::from_data(&[0.5f32; 2 * 4 * 3], &[2, 4, 3]).unwrap(); // N=2, L=4
/// let (y, (h, c)) = lstm.forward_lstm(&x, None).unwrap();
/// assert_eq!(y.size(), [2, 4, 5]);
/// assert_eq!(h.size(), [2, 2, 5]);
/// assert_eq!(c.size(), [2, 2, 5]);
/// ```
pub struct Rnn {
    /// The cell.
    pub mode: RnnMode,
    /// Input features.
    pub input_size: i64,
    /// Hidden features H.
    pub hidden_size: i64,
    /// Layout and depth.
    pub config: RnnConfig,
    names: Vec<String>,
    params: Vec<Tensor>,
    training: bool,
}

impl Rnn {
    /// A recurrent layer of the given cell.
    #[track_caller]
    pub fn with_mode(mode: RnnMode, input_size: i64, hidden_size: i64, config: RnnConfig) -> Rnn {
        unwrap(Rnn::f_with_mode(mode, input_size, hidden_size, config))
    }

    /// [`Rnn::with_mode`], or PyTorch's error: `hidden_size` and `num_layers` must be greater
    /// than zero, `input_size` not negative, `dropout` a probability.
    pub fn f_with_mode(
        mode: RnnMode,
        input_size: i64,
        hidden_size: i64,
        config: RnnConfig,
    ) -> Result<Rnn> {
        super::functional::named(
            Self::unnamed_with_mode(mode, input_size, hidden_size, config),
            mode.name(),
        )
    }

    fn unnamed_with_mode(
        mode: RnnMode,
        input_size: i64,
        hidden_size: i64,
        config: RnnConfig,
    ) -> Result<Rnn> {
        super::check::sizes("RNN", &[("input_size", input_size)])?;
        super::check::positive(
            "RNN",
            &[
                ("hidden_size", hidden_size),
                ("num_layers", config.num_layers),
            ],
        )?;
        super::check::probability("RNN", config.dropout)?;
        let dirs = if config.bidirectional { 2 } else { 1 };
        let g = mode.gates() * hidden_size;
        let bound = 1.0 / (hidden_size as f64).sqrt();
        let mut names = Vec::new();
        let mut params = Vec::new();
        for layer in 0..config.num_layers {
            let in_size = if layer == 0 {
                input_size
            } else {
                hidden_size * dirs
            };
            for dir in 0..dirs {
                let sfx = if dir == 1 { "_reverse" } else { "" };
                let mut shapes = vec![
                    (format!("weight_ih_l{layer}{sfx}"), vec![g, in_size]),
                    (format!("weight_hh_l{layer}{sfx}"), vec![g, hidden_size]),
                ];
                if config.bias {
                    shapes.push((format!("bias_ih_l{layer}{sfx}"), vec![g]));
                    shapes.push((format!("bias_hh_l{layer}{sfx}"), vec![g]));
                }
                for (n, s) in shapes {
                    let t = ops::empty(&s)?;
                    uniform_(&t, -bound, bound)?;
                    names.push(n);
                    params.push(param(t));
                }
            }
        }
        Ok(Rnn {
            mode,
            input_size,
            hidden_size,
            config,
            names,
            params,
            training: true,
        })
    }

    /// An Elman RNN with tanh.
    pub fn new(input_size: i64, hidden_size: i64, config: RnnConfig) -> Rnn {
        Rnn::with_mode(RnnMode::Tanh, input_size, hidden_size, config)
    }

    /// An LSTM.
    pub fn lstm(input_size: i64, hidden_size: i64, config: RnnConfig) -> Rnn {
        Rnn::with_mode(RnnMode::Lstm, input_size, hidden_size, config)
    }

    /// A GRU.
    pub fn gru(input_size: i64, hidden_size: i64, config: RnnConfig) -> Rnn {
        Rnn::with_mode(RnnMode::Gru, input_size, hidden_size, config)
    }

    /// The parameter named `name` (`weight_ih_l0`, ...).
    pub fn parameter(&self, name: &str) -> Option<&Tensor> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|k| &self.params[k])
    }

    /// The shape of a hidden state for input `x`: `[num_layers * directions, batch, hidden]`.
    fn state_shape(&self, x: &Tensor) -> Result<[i64; 3]> {
        let dirs = if self.config.bidirectional { 2 } else { 1 };
        let s = x.f_size()?;
        let batch = if s.len() == 2 {
            return Err(Error::invalid(
                "rnn",
                "unbatched (2-D) input is not supported: add a batch dimension",
            ));
        } else if s.len() != 3 {
            return Err(Error::invalid(
                "rnn",
                format!("expected a 3-D input (sequence, batch, features), got shape {s:?}"),
            ));
        } else if self.config.batch_first {
            s[0]
        } else {
            s[1]
        };
        Ok([self.config.num_layers * dirs, batch, self.hidden_size])
    }

    fn zeros_state(&self, x: &Tensor) -> Result<Tensor> {
        Tensor::f_zeros_opts(&self.state_shape(x)?, (x.f_kind()?, x.f_device()?))
    }

    /// PyTorch's `check_hidden_size`: a given state must have exactly the expected shape.
    fn check_state(&self, x: &Tensor, name: &str, h: &Tensor) -> Result<()> {
        let want = self.state_shape(x)?;
        let got = h.f_size()?;
        if got != want {
            return Err(Error::invalid(
                "rnn",
                format!("expected {name} of size {want:?} (num_layers * directions, batch, hidden_size), got {got:?}"),
            ));
        }
        Ok(())
    }

    /// Runs ATen's fused operator for the mode over `x` from `hx` (`[h, c]` for an LSTM, `[h]`
    /// otherwise): `[output, h_n]` or `[output, h_n, c_n]`.
    fn run(&self, x: &Tensor, hx: &[Tensor]) -> Result<Vec<Tensor>> {
        let c = &self.config;
        let (p, b, n, d, t) = (
            &self.params[..],
            c.bias,
            c.num_layers,
            c.dropout,
            self.training,
        );
        let (bi, bf) = (c.bidirectional, c.batch_first);
        let r = match (self.mode, hx) {
            (RnnMode::Lstm, _) => {
                Tensor::f_lstm_input(x, hx, p, b, n, d, t, bi, bf).map(|(y, h, c)| vec![y, h, c])
            }
            (RnnMode::Gru, [h]) => {
                Tensor::f_gru_input(x, h, p, b, n, d, t, bi, bf).map(|(y, h)| vec![y, h])
            }
            (RnnMode::Tanh, [h]) => {
                Tensor::f_rnn_tanh_input(x, h, p, b, n, d, t, bi, bf).map(|(y, h)| vec![y, h])
            }
            (RnnMode::Relu, [h]) => {
                Tensor::f_rnn_relu_input(x, h, p, b, n, d, t, bi, bf).map(|(y, h)| vec![y, h])
            }
            _ => Err(Error::invalid(
                "rnn",
                format!("expected one hidden state, got {}", hx.len()),
            )),
        };
        F::named(r, self.mode.name())
    }

    /// LSTM forward: `(output, (h_n, c_n))`; `state` None starts from zeros.
    pub fn forward_lstm(
        &self,
        x: &Tensor,
        state: Option<(&Tensor, &Tensor)>,
    ) -> Result<(Tensor, (Tensor, Tensor))> {
        if self.mode != RnnMode::Lstm {
            return Err(Error::invalid("forward_lstm", "the layer is not an LSTM"));
        }
        let hx = match state {
            Some((h, c)) => {
                self.check_state(x, "h0", h)?;
                self.check_state(x, "c0", c)?;
                vec![h.clone(), c.clone()]
            }
            None => {
                let z = self.zeros_state(x)?;
                vec![z.clone(), ops::deep_clone(&z)?]
            }
        };
        let mut r = self.run(x, &hx)?.into_iter();
        let (Some(y), Some(h), Some(c)) = (r.next(), r.next(), r.next()) else {
            return Err(Error::invalid("lstm", "expected three results"));
        };
        Ok((y, (h, c)))
    }

    /// GRU / RNN forward: `(output, h_n)`; `h0` None starts from zeros.
    pub fn forward_hidden(&self, x: &Tensor, h0: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
        if self.mode == RnnMode::Lstm {
            return Err(Error::invalid(
                "forward_hidden",
                "use forward_lstm for an LSTM",
            ));
        }
        let h = match h0 {
            Some(h) => {
                self.check_state(x, "h0", h)?;
                h.clone()
            }
            None => self.zeros_state(x)?,
        };
        let mut r = self.run(x, &[h])?.into_iter();
        let (Some(y), Some(h)) = (r.next(), r.next()) else {
            return Err(Error::invalid("rnn", "expected two results"));
        };
        Ok((y, h))
    }
}

impl Module for Rnn {
    /// The output sequence, from zero initial states.
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        if self.mode == RnnMode::Lstm {
            Ok(self.forward_lstm(x, None)?.0)
        } else {
            Ok(self.forward_hidden(x, None)?.0)
        }
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (n, t) in self.names.iter().zip(&self.params) {
            f(n, Slot::Parameter, t);
        }
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn is_training(&self) -> bool {
        self.training
    }
}
