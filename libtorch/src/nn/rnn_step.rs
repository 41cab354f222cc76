//! One time step of a multi-layer recurrent layer ([`Rnn::step_lstm`], [`Rnn::step_hidden`]):
//! the layer's own fused operator on a sequence of length 1, so a step uses the same weights,
//! cells and layer stacking as the sequence forward (autoregressive decoding, online use).
use super::rnn::{Rnn, RnnMode};
use crate::{Error, Result, Tensor};

impl Rnn {
    /// The input `x_t` (`[batch, input_size]`) as a sequence of one step in the layer's layout.
    fn one_step(&self, op: &'static str, x_t: &Tensor) -> Result<Tensor> {
        if self.config.bidirectional {
            return Err(Error::invalid(
                op,
                "a bidirectional layer needs the whole sequence: its reverse direction starts \
                 from the last step",
            ));
        }
        let s = x_t.f_size()?;
        if s.len() != 2 {
            return Err(Error::invalid(
                op,
                format!("expected a 2-D input (batch, features) for one step, got shape {s:?}"),
            ));
        }
        x_t.f_unsqueeze(if self.config.batch_first { 1 } else { 0 })
    }

    fn squeeze_step(&self, y: Tensor) -> Result<Tensor> {
        y.f_squeeze_dim(if self.config.batch_first { 1 } else { 0 })
    }

    /// One step of an LSTM: `x_t` `[batch, input_size]` and the state `(h, c)`
    /// (`[num_layers, batch, hidden_size]` each; None: zeros) give the top layer's output
    /// `[batch, hidden_size]` and the new state. Stepping through a sequence gives the outputs
    /// and final state of [`forward_lstm`](Rnn::forward_lstm) on it, up to float32 rounding (on
    /// the CPU ATen projects a whole sequence's inputs in one matrix product, whose rounding
    /// depends on its length). An error for a bidirectional layer.
    ///
    /// ```
    /// use libtorch::nn::{Rnn, RnnConfig};
    /// use libtorch::Tensor;
    /// let lstm = Rnn::lstm(3, 4, RnnConfig::default().num_layers(2));
    /// let x = Tensor::from_data(&[0.1f32; 5 * 2 * 3], &[5, 2, 3]).unwrap(); // L=5, N=2
    /// let (y, (h, c)) = lstm.forward_lstm(&x, None).unwrap();
    /// let mut state = None;
    /// let mut last = None;
    /// for t in 0..5 {
    ///     let (y_t, s) = lstm.step_lstm(&x.select(0, t), state.as_ref().map(|(h, c)| (h, c))).unwrap();
    ///     last = Some(y_t);
    ///     state = Some(s);
    /// }
    /// let (h_t, c_t) = state.unwrap();
    /// assert!(last.unwrap().allclose(&y.select(0, 4)));
    /// assert!(h_t.allclose(&h) && c_t.allclose(&c));
    /// ```
    pub fn step_lstm(
        &self,
        x_t: &Tensor,
        state: Option<(&Tensor, &Tensor)>,
    ) -> Result<(Tensor, (Tensor, Tensor))> {
        const OP: &str = "step_lstm";
        if self.mode != RnnMode::Lstm {
            return Err(Error::invalid(
                OP,
                "the layer is not an LSTM: use step_hidden",
            ));
        }
        let x = self.one_step(OP, x_t)?;
        let (y, state) = self.forward_lstm(&x, state)?;
        Ok((self.squeeze_step(y)?, state))
    }

    /// One step of an RNN or GRU: `x_t` `[batch, input_size]` and the state `h`
    /// (`[num_layers, batch, hidden_size]`; None: zeros) give the top layer's output
    /// `[batch, hidden_size]` and the new state, as one step of
    /// [`forward_hidden`](Rnn::forward_hidden). An error for a bidirectional layer or an LSTM.
    pub fn step_hidden(&self, x_t: &Tensor, h: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
        const OP: &str = "step_hidden";
        if self.mode == RnnMode::Lstm {
            return Err(Error::invalid(OP, "use step_lstm for an LSTM"));
        }
        let x = self.one_step(OP, x_t)?;
        let (y, h) = self.forward_hidden(&x, h)?;
        Ok((self.squeeze_step(y)?, h))
    }
}
