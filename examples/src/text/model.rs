//! The language model: token embedding → LSTM → linear decoder to next-token logits, with
//! dropout on the LSTM's input and output in training mode. Its `state_dict` names are those of
//! this PyTorch module, which loads the saved `model.pt` as it is:
//!
//! ```python
//! class TextLM(nn.Module):
//!     def __init__(self, vocab_size, embed_dim, hidden_size, num_layers, dropout):
//!         super().__init__()
//!         self.embedding = nn.Embedding(vocab_size, embed_dim)
//!         self.drop = nn.Dropout(dropout)
//!         self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers, batch_first=True,
//!                             dropout=dropout if num_layers > 1 else 0.0)
//!         self.decoder = nn.Linear(hidden_size, vocab_size)
//!
//!     def forward(self, x):  # x: [N, L] token ids -> [N, L, vocab_size] logits
//!         y, _ = self.lstm(self.drop(self.embedding(x)))
//!         return self.decoder(self.drop(y))
//! ```
use libtorch::nn::{visit_child, Dropout, Embedding, Linear, Module, Rnn, RnnConfig, Slot};
use libtorch::{Result, Tensor};
use serde_json::{json, Value};

/// The model's sizes (saved as `config.json` beside the weights).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LmConfig {
    /// Tokens in the vocabulary.
    pub vocab_size: i64,
    /// Embedding width.
    pub embed_dim: i64,
    /// LSTM hidden size.
    pub hidden_size: i64,
    /// Stacked LSTM layers.
    pub num_layers: i64,
    /// Dropout probability in training mode.
    pub dropout: f64,
}

impl LmConfig {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "vocab_size": self.vocab_size,
            "embed_dim": self.embed_dim,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
        })
    }

    /// From [`LmConfig::to_json`]'s JSON.
    pub fn from_json(v: &Value) -> std::result::Result<LmConfig, String> {
        let int = |k: &str| {
            v.get(k)
                .and_then(Value::as_i64)
                .ok_or_else(|| format!("config: `{k}` missing or not an integer"))
        };
        Ok(LmConfig {
            vocab_size: int("vocab_size")?,
            embed_dim: int("embed_dim")?,
            hidden_size: int("hidden_size")?,
            num_layers: int("num_layers")?,
            dropout: v
                .get("dropout")
                .and_then(Value::as_f64)
                .ok_or("config: `dropout` missing or not a number")?,
        })
    }
}

/// The network. Build it with [`TextLm::new`] after `libtorch::manual_seed` for a reproducible
/// initialisation (PyTorch's: the same seed gives the same weights as the Python module above).
pub struct TextLm {
    /// Sizes.
    pub config: LmConfig,
    embedding: Embedding,
    drop: Dropout,
    lstm: Rnn,
    decoder: Linear,
}

/// An LSTM's `(h, c)` state, each `[num_layers, N, hidden_size]`.
pub type LstmState = (Tensor, Tensor);

impl TextLm {
    /// A freshly initialised model, or the error for an invalid size.
    pub fn new(config: LmConfig) -> Result<TextLm> {
        let embedding = Embedding::f_new(config.vocab_size, config.embed_dim, None)?;
        let lstm_dropout = if config.num_layers > 1 {
            config.dropout
        } else {
            0.0
        };
        let lstm = Rnn::f_with_mode(
            libtorch::nn::RnnMode::Lstm,
            config.embed_dim,
            config.hidden_size,
            RnnConfig::default()
                .num_layers(config.num_layers)
                .batch_first(true)
                .dropout(lstm_dropout),
        )?;
        let decoder = Linear::f_new(config.hidden_size, config.vocab_size, true)?;
        Ok(TextLm {
            config,
            embedding,
            drop: Dropout::f_new(config.dropout)?,
            lstm,
            decoder,
        })
    }

    /// Logits `[N, L, vocab_size]` for token ids `x` `[N, L]`, continuing from `state` (zeros
    /// when `None`), and the LSTM's state after the last token.
    pub fn forward_with_state(
        &self,
        x: &Tensor,
        state: Option<&LstmState>,
    ) -> Result<(Tensor, LstmState)> {
        let e = self.drop.f_forward(&self.embedding.f_forward(x)?)?;
        let (y, state) = self.lstm.forward_lstm(&e, state.map(|(h, c)| (h, c)))?;
        let logits = self.decoder.f_forward(&self.drop.f_forward(&y)?)?;
        Ok((logits, state))
    }
}

impl Module for TextLm {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_with_state(x, None)?.0)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("embedding", &self.embedding, f);
        visit_child("lstm", &self.lstm, f);
        visit_child("decoder", &self.decoder, f);
    }
    fn set_training(&mut self, training: bool) {
        self.drop.set_training(training);
        self.lstm.set_training(training);
    }
    fn is_training(&self) -> bool {
        self.lstm.is_training()
    }
}
