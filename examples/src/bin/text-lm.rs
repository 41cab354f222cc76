//! A language model over BPE tokens, trained on the licence texts every Debian system carries
//! (`/usr/share/common-licenses`, from the Essential package `base-files`).
//!
//! Training (the default mode): trains a byte-level BPE tokenizer with Hugging Face's
//! `tokenizers` crate on 90% of each text, encodes the texts, trains an embedding → LSTM →
//! linear model on random windows of the token stream, reports the perplexity on the held-out
//! 10% against a unigram baseline, samples a continuation of `--prompt`, and saves the tokenizer
//! (`tokenizer.json`) and the model (`model.pt`, a PyTorch-loadable state_dict) together in
//! `--out-dir`, with `config.json` and reference logits. It then reloads the directory and
//! checks the tokenizer and the model give the same tokens and bit-identical logits. Exits
//! non-zero unless the validation perplexity is at most `--max-perplexity` and below the
//! unigram baseline's, the tokenizer decodes the validation text back exactly, and the reload
//! matches.
//!
//! `--infer` loads a directory written by an earlier run, repeats the reload check, and samples
//! from `--prompt`. `--quick` trains a much smaller model on four of the texts (the test's
//! setting).
use clap::Parser;
use examples::text::{bundle, corpus, generate, model::LmConfig, tokenizer, train};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Train a BPE tokenizer and an LSTM language model on Debian's licence texts")]
struct Args {
    /// Load the tokenizer and model saved in --out-dir, check them, and generate from --prompt.
    #[arg(long)]
    infer: bool,
    /// The small setting of the test: 4 texts, a 384-token vocabulary, a 1-layer 64-wide LSTM,
    /// 150 steps (defaults below are for the full run unless set).
    #[arg(long)]
    quick: bool,
    /// Directory of the tokenizer, model, config and reference logits (created if missing).
    #[arg(long, default_value_os_t = std::env::temp_dir().join("libtorch-rs-text-lm"))]
    out_dir: PathBuf,
    /// Plain-text files to learn from instead of Debian's licence texts.
    #[arg(long, num_args = 1..)]
    corpus: Vec<PathBuf>,
    /// BPE vocabulary size, including the 256 bytes and <|endoftext|> (full: 512; quick: 384).
    #[arg(long)]
    vocab_size: Option<usize>,
    /// Embedding width (full: 48; quick: 32).
    #[arg(long)]
    embed_dim: Option<i64>,
    /// LSTM hidden size (full: 192; quick: 64).
    #[arg(long)]
    hidden_size: Option<i64>,
    /// LSTM layers (full and quick: 1).
    #[arg(long)]
    num_layers: Option<i64>,
    /// Dropout in training (full: 0.1; quick: 0).
    #[arg(long)]
    dropout: Option<f64>,
    /// Tokens per training window (full: 48; quick: 32).
    #[arg(long)]
    seq_len: Option<i64>,
    /// Windows per step (full: 32; quick: 16).
    #[arg(long)]
    batch_size: Option<i64>,
    /// Optimisation steps (full: 1200; quick: 150).
    #[arg(long)]
    steps: Option<usize>,
    /// Adam's initial learning rate, cosine-annealed to 0 (full: 5e-3; quick: 1e-2).
    #[arg(long)]
    lr: Option<f64>,
    /// Largest validation perplexity for exit status 0 (full: 20; quick: 60).
    #[arg(long)]
    max_perplexity: Option<f64>,
    /// Seed of the weights, the windows, dropout and sampling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Text to continue.
    #[arg(long, default_value = "This License")]
    prompt: String,
    /// Tokens to generate after the prompt.
    #[arg(long, default_value_t = 80)]
    generate: usize,
    /// Sampling temperature.
    #[arg(long, default_value_t = 0.8)]
    temperature: f64,
    /// libtorch's intra-op threads (0: libtorch's default, one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// The full run's and the quick run's defaults.
struct Preset {
    files: &'static [&'static str],
    vocab_size: usize,
    model: LmConfig,
    seq_len: i64,
    batch_size: i64,
    steps: usize,
    lr: f64,
    max_perplexity: f64,
}

const FULL: Preset = Preset {
    files: &corpus::DEBIAN_LICENSE_FILES,
    vocab_size: 512,
    model: LmConfig {
        vocab_size: 512,
        embed_dim: 64,
        hidden_size: 192,
        num_layers: 1,
        dropout: 0.1,
    },
    seq_len: 48,
    batch_size: 32,
    steps: 1200,
    lr: 5e-3,
    max_perplexity: 20.0,
};

const QUICK: Preset = Preset {
    files: &corpus::QUICK_FILES,
    vocab_size: 384,
    model: LmConfig {
        vocab_size: 384,
        embed_dim: 32,
        hidden_size: 64,
        num_layers: 1,
        dropout: 0.0,
    },
    seq_len: 32,
    batch_size: 16,
    steps: 150,
    lr: 1e-2,
    max_perplexity: 60.0,
};

fn main() -> ExitCode {
    examples::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> Result<bool, String> {
    if args.threads > 0 {
        libtorch::threads::set_num_threads(args.threads).map_err(|e| e.to_string())?;
    }
    if args.infer {
        infer(args)
    } else {
        train_and_save(args)
    }
}

fn train_and_save(args: &Args) -> Result<bool, String> {
    let p = if args.quick { &QUICK } else { &FULL };
    let start = Instant::now();
    let files = if args.corpus.is_empty() {
        corpus::debian_licenses(p.files)?
    } else {
        args.corpus.clone()
    };
    let docs = files
        .iter()
        .map(|f| corpus::read_document(f, 0.1))
        .collect::<Result<Vec<_>, _>>()?;
    let train_texts: Vec<&str> = docs.iter().map(|d| d.train.as_str()).collect();
    let vocab_size = args.vocab_size.unwrap_or(p.vocab_size);
    let tok = tokenizer::train_bpe(&train_texts, vocab_size)?;
    let eot = tokenizer::end_of_text(&tok)?;
    let vocab = tok.get_vocab_size(true) as i64;
    // One stream per split: each document's tokens, then <|endoftext|>.
    let (mut train_ids, mut valid_ids) = (Vec::new(), Vec::new());
    let mut roundtrip = true;
    for d in &docs {
        train_ids.extend(tokenizer::encode(&tok, &d.train)?);
        train_ids.push(eot);
        let v = tokenizer::encode(&tok, &d.valid)?;
        roundtrip &= tokenizer::decode(&tok, &v)? == d.valid;
        valid_ids.extend(v);
        valid_ids.push(eot);
    }
    let bytes: usize = docs.iter().map(|d| d.train.len() + d.valid.len()).sum();
    println!(
        "corpus: {} files, {:.0} KB ({}); BPE tokenizer of {vocab} tokens trained and the text \
         encoded in {:.2} s: {} training, {} validation tokens ({:.2} bytes per token)",
        docs.len(),
        bytes as f64 / 1e3,
        if args.corpus.is_empty() {
            corpus::DEBIAN_LICENSES
        } else {
            "--corpus"
        },
        start.elapsed().as_secs_f64(),
        train_ids.len(),
        valid_ids.len(),
        bytes as f64 / (train_ids.len() + valid_ids.len()) as f64,
    );
    let cfg = train::TrainConfig {
        model: LmConfig {
            vocab_size: vocab,
            embed_dim: args.embed_dim.unwrap_or(p.model.embed_dim),
            hidden_size: args.hidden_size.unwrap_or(p.model.hidden_size),
            num_layers: args.num_layers.unwrap_or(p.model.num_layers),
            dropout: args.dropout.unwrap_or(p.model.dropout),
        },
        seq_len: args.seq_len.unwrap_or(p.seq_len),
        batch_size: args.batch_size.unwrap_or(p.batch_size),
        steps: args.steps.unwrap_or(p.steps),
        lr: args.lr.unwrap_or(p.lr),
        clip: 1.0,
        seed: args.seed,
        eval_every: (args.steps.unwrap_or(p.steps) / 6).max(1),
    };
    let unigram = train::unigram_perplexity(&train_ids, &valid_ids, vocab);
    println!(
        "model: embedding {} → LSTM {}×{} → linear {vocab}, dropout {}; {} steps of {}×{} \
         tokens, Adam lr {} (cosine), seed {}, {} libtorch threads; unigram baseline \
         perplexity {unigram:.2}",
        cfg.model.embed_dim,
        cfg.model.num_layers,
        cfg.model.hidden_size,
        cfg.model.dropout,
        cfg.steps,
        cfg.batch_size,
        cfg.seq_len,
        cfg.lr,
        cfg.seed,
        libtorch::threads::get_num_threads(),
    );
    let train_start = Instant::now();
    let (mut model, reports) = train::train(&cfg, &train_ids, &valid_ids, |c| {
        println!(
            "step {:>5}: train loss {:.3} (perplexity {:.2}), validation perplexity {:.2} ({:.1} s)",
            c.step,
            c.train_loss,
            c.train_loss.exp(),
            c.valid_perplexity,
            c.seconds
        );
    })?;
    let train_seconds = train_start.elapsed().as_secs_f64();
    let ppl = reports.last().map_or(f64::INFINITY, |c| c.valid_perplexity);
    // The same loss per byte of text, comparable across vocabularies: the total negative
    // log-likelihood of the validation predictions in bits, over the validation bytes.
    let valid_bytes: usize = docs.iter().map(|d| d.valid.len()).sum();
    let bits_per_byte =
        ppl.log2() * valid_ids.len().saturating_sub(1) as f64 / valid_bytes.max(1) as f64;
    let max_ppl = args.max_perplexity.unwrap_or(p.max_perplexity);

    generate_from(args, &tok, &model)?;

    let reference = docs
        .iter()
        .find_map(|d| d.valid.lines().find(|l| l.len() > 40))
        .unwrap_or("This License applies to any program or other work.");
    let info = json!({
        "corpus": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "training": {
            "seq_len": cfg.seq_len, "batch_size": cfg.batch_size, "steps": cfg.steps,
            "lr": cfg.lr, "clip": cfg.clip, "seed": cfg.seed, "seconds": train_seconds,
        },
        "tokens": { "train": train_ids.len(), "valid": valid_ids.len() },
        "valid_perplexity": ppl,
        "valid_bits_per_byte": bits_per_byte,
        "unigram_perplexity": unigram,
    });
    bundle::save(&args.out_dir, &tok, &mut model, info, reference)?;
    println!(
        "tokenizer and model saved in {} (reload: text-lm --infer --out-dir {})",
        args.out_dir.display(),
        args.out_dir.display()
    );
    let reload_ok = check_reload(&args.out_dir)?.0;

    let ppl_ok = ppl <= max_ppl && ppl < unigram;
    println!(
        "validation perplexity {ppl:.2} ({} the bound {max_ppl}; unigram baseline {unigram:.2}; \
         {bits_per_byte:.3} bits per byte); tokenizer round trip {}; reload {}; total {:.1} s",
        if ppl_ok { "within" } else { "NOT within" },
        if roundtrip { "exact" } else { "DIFFERS" },
        if reload_ok { "identical" } else { "DIFFERS" },
        start.elapsed().as_secs_f64()
    );
    Ok(ppl_ok && roundtrip && reload_ok)
}

/// Loads the bundle in `dir` and compares it with its reference logits.
fn check_reload(dir: &Path) -> Result<(bool, bundle::Loaded), String> {
    let mut b = bundle::load(dir)?;
    let c = bundle::check_reference(dir, &mut b)?;
    println!(
        "reloaded from {}: reference text of {} tokens: tokens {}, logits {} (max |diff| {:e})",
        dir.display(),
        c.tokens,
        if c.same_tokens { "identical" } else { "DIFFER" },
        if c.same_logits {
            "bit-identical"
        } else {
            "DIFFER"
        },
        c.max_abs_diff
    );
    Ok((c.same_tokens && c.same_logits, b))
}

fn generate_from(
    args: &Args,
    tok: &tokenizers::Tokenizer,
    model: &examples::text::model::TextLm,
) -> Result<(), String> {
    let prompt = tokenizer::encode(tok, &args.prompt)?;
    libtorch::manual_seed(args.seed);
    let eot = tokenizer::end_of_text(tok)?;
    let out = generate::sample(model, &prompt, args.generate, args.temperature, Some(eot))?;
    println!(
        "sample (temperature {}): {}{}",
        args.temperature,
        args.prompt,
        tokenizer::decode(tok, &out)?
    );
    Ok(())
}

fn infer(args: &Args) -> Result<bool, String> {
    let (ok, b) = check_reload(&args.out_dir)?;
    generate_from(args, &b.tokenizer, &b.model)?;
    Ok(ok)
}
