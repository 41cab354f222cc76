//! The output directory: tokenizer and model saved together, loaded back for inference.
//!
//! - `tokenizer.json`: the tokenizer, in the `tokenizers` format (Python's
//!   `tokenizers.Tokenizer.from_file` and `transformers` read it too);
//! - `model.pt`: the model's `state_dict` written by `serialize::save_module`, loadable with
//!   PyTorch's `torch.load` (names in [`super::model`]);
//! - `config.json`: the model's sizes, the training settings and results, and a reference
//!   text;
//! - `reference.pt`: the reference text's token ids (`tokens`, Int64 `[L]`) and the model's
//!   logits for them (`logits`, Float `[L, V]`), for checking a reloaded bundle.
use super::model::{LmConfig, TextLm};
use super::tokenizer;
use libtorch::nn::Module;
use libtorch::{serialize, NoGradGuard, Tensor};
use serde_json::Value;
use std::path::Path;
use tokenizers::Tokenizer;

/// The tokenizer's file in the directory.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The weights' file.
pub const MODEL_FILE: &str = "model.pt";
/// Sizes, settings and results.
pub const CONFIG_FILE: &str = "config.json";
/// Reference tokens and logits.
pub const REFERENCE_FILE: &str = "reference.pt";

fn io<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// The model's logits `[L, V]` for `tokens` (eval mode, no gradients, zero initial state).
pub fn logits(model: &mut TextLm, tokens: &[i64]) -> libtorch::Result<Tensor> {
    model.eval();
    let _g = NoGradGuard::new();
    let x = Tensor::from_data(tokens, &[1, tokens.len() as i64])?;
    model.f_forward(&x)?.f_select(0, 0)
}

/// Writes the four files into `dir` (created if missing). `info` is an object of facts to keep
/// in `config.json` beside the model's sizes (under `model`) and `reference_text`.
pub fn save(
    dir: &Path,
    tok: &Tokenizer,
    model: &mut TextLm,
    info: Value,
    reference_text: &str,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let err = |e: libtorch::Error| e.to_string();
    let p = dir.join(TOKENIZER_FILE);
    tok.save(&p, true).map_err(io(&p))?;
    let p = dir.join(MODEL_FILE);
    serialize::save_module(model, &p).map_err(io(&p))?;
    let tokens = tokenizer::encode(tok, reference_text)?;
    let l = logits(model, &tokens).map_err(err)?;
    let p = dir.join(REFERENCE_FILE);
    let ids = Tensor::from_data(&tokens, &[tokens.len() as i64]).map_err(err)?;
    serialize::save([("tokens", &ids), ("logits", &l)], &p).map_err(io(&p))?;
    let mut config = match info {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    config.insert("model".into(), model.config.to_json());
    config.insert("reference_text".into(), reference_text.into());
    let p = dir.join(CONFIG_FILE);
    let text = serde_json::to_string_pretty(&Value::Object(config)).map_err(io(&p))?;
    std::fs::write(&p, text + "\n").map_err(io(&p))
}

/// A bundle read back from its directory.
pub struct Loaded {
    /// The tokenizer.
    pub tokenizer: Tokenizer,
    /// The model, in eval mode.
    pub model: TextLm,
    /// `config.json`.
    pub config: Value,
}

/// Reads a directory written by [`save`]: the tokenizer, a model of the saved sizes with the
/// saved weights (strict: every name and shape must match), the configuration.
pub fn load(dir: &Path) -> Result<Loaded, String> {
    let p = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&p).map_err(io(&p))?;
    let config: Value = serde_json::from_str(&text).map_err(io(&p))?;
    let lm = LmConfig::from_json(config.get("model").unwrap_or(&Value::Null))
        .map_err(|e| format!("{}: {e}", p.display()))?;
    let p = dir.join(TOKENIZER_FILE);
    let tokenizer = Tokenizer::from_file(&p).map_err(io(&p))?;
    let vocab = tokenizer.get_vocab_size(true) as i64;
    if vocab != lm.vocab_size {
        return Err(format!(
            "{}: {vocab} tokens, but the model was built for {}",
            p.display(),
            lm.vocab_size
        ));
    }
    let mut model = TextLm::new(lm).map_err(|e| e.to_string())?;
    let p = dir.join(MODEL_FILE);
    serialize::load_module(&model, &p).map_err(io(&p))?;
    model.eval();
    Ok(Loaded {
        tokenizer,
        model,
        config,
    })
}

/// What [`check_reference`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceCheck {
    /// Tokens in the reference text.
    pub tokens: usize,
    /// Whether the reloaded tokenizer gave the saved token ids.
    pub same_tokens: bool,
    /// Whether the reloaded model gave bit-identical logits.
    pub same_logits: bool,
    /// The largest absolute difference of the logits.
    pub max_abs_diff: f64,
}

/// Encodes the saved reference text with the loaded tokenizer and runs the loaded model on it,
/// comparing with `reference.pt`.
pub fn check_reference(dir: &Path, b: &mut Loaded) -> Result<ReferenceCheck, String> {
    let err = |e: libtorch::Error| e.to_string();
    let text = b
        .config
        .get("reference_text")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{CONFIG_FILE}: no reference_text"))?;
    let p = dir.join(REFERENCE_FILE);
    let saved = serialize::load(&p).map_err(io(&p))?;
    let get = |name: &str| {
        saved
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| format!("{}: no `{name}`", p.display()))
    };
    let (saved_tokens, saved_logits) = (get("tokens")?, get("logits")?);
    let tokens = tokenizer::encode(&b.tokenizer, text)?;
    let same_tokens = saved_tokens.to_vec::<i64>().map_err(err)? == tokens;
    let l = logits(&mut b.model, &tokens).map_err(err)?;
    let (same_logits, max_abs_diff) = if l.size() == saved_logits.size() {
        let diff = l.f_sub(&saved_logits).map_err(err)?.f_abs().map_err(err)?;
        let max = diff.f_max().map_err(err)?.double_value();
        (l.f_equal(&saved_logits).map_err(err)?, max)
    } else {
        (false, f64::INFINITY)
    };
    Ok(ReferenceCheck {
        tokens: tokens.len(),
        same_tokens,
        same_logits,
        max_abs_diff,
    })
}
