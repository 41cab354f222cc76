//! Training on random windows of the token stream, and perplexity.
use super::model::{LmConfig, TextLm};
use libtorch::nn::{functional as F, Module, Reduction};
use libtorch::optim::{clip_grad_norm_, Adam, CosineAnnealingLr, LrScheduler, Optimizer};
use libtorch::{Device, Kind, NoGradGuard, Result, Tensor};
use std::time::Instant;

/// Training settings.
#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    /// The model's sizes.
    pub model: LmConfig,
    /// Tokens per training window (the model predicts each from those before it).
    pub seq_len: i64,
    /// Windows per step.
    pub batch_size: i64,
    /// Optimisation steps.
    pub steps: usize,
    /// Adam's initial learning rate, annealed to zero along a cosine over the steps.
    pub lr: f64,
    /// Largest gradient norm (`clip_grad_norm_`).
    pub clip: f64,
    /// Seeds the initial weights, the windows drawn and dropout (libtorch's generator).
    pub seed: u64,
    /// Evaluate the validation perplexity every this many steps (and after the last).
    pub eval_every: usize,
}

/// A progress report.
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    /// Steps done.
    pub step: usize,
    /// Mean training loss (nats per token) since the previous report.
    pub train_loss: f64,
    /// Validation perplexity now.
    pub valid_perplexity: f64,
    /// Seconds since training began.
    pub seconds: f64,
}

/// `batch_size` windows of `seq_len + 1` tokens starting at random offsets of `ids`, as
/// inputs `[N, seq_len]` and next-token targets `[N, seq_len]`.
fn random_windows(ids: &[i64], seq_len: i64, batch_size: i64) -> Result<(Tensor, Tensor)> {
    let span = seq_len as usize + 1;
    let starts = Tensor::f_randint_opts(
        0,
        (ids.len() - span + 1) as i64,
        &[batch_size],
        (Kind::Int64, Device::Cpu),
    )?
    .to_vec::<i64>()?;
    let mut buf = Vec::with_capacity(starts.len() * span);
    for s in starts {
        buf.extend_from_slice(&ids[s as usize..s as usize + span]);
    }
    let t = Tensor::from_data(&buf, &[batch_size, span as i64])?;
    Ok((t.f_narrow(1, 0, seq_len)?, t.f_narrow(1, 1, seq_len)?))
}

/// Mean cross-entropy (nats per token) of `logits` `[N, L, V]` against `targets` `[N, L]`.
fn loss(logits: &Tensor, targets: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let v = logits.f_size()?[2];
    F::f_cross_entropy_with(
        &logits.f_reshape(&[-1, v])?,
        &targets.f_reshape(&[-1])?,
        None,
        -100,
        reduction,
        0.0,
    )
}

/// Trains a fresh model on `train_ids`, reporting the validation perplexity on `valid_ids`
/// through `on_checkpoint`; returns the model (in eval mode) and the reports.
pub fn train(
    cfg: &TrainConfig,
    train_ids: &[i64],
    valid_ids: &[i64],
    mut on_checkpoint: impl FnMut(&Checkpoint),
) -> std::result::Result<(TextLm, Vec<Checkpoint>), String> {
    if train_ids.len() <= cfg.seq_len as usize + 1 {
        return Err(format!(
            "{} training tokens: fewer than one window of --seq-len {} + 1",
            train_ids.len(),
            cfg.seq_len
        ));
    }
    if valid_ids.len() < 2 {
        return Err(format!(
            "{} validation tokens: too few to measure a perplexity (give more text)",
            valid_ids.len()
        ));
    }
    if cfg.steps == 0 || cfg.eval_every == 0 || cfg.batch_size < 1 || cfg.seq_len < 1 {
        return Err("steps, eval interval, batch size and window length must be positive".into());
    }
    let err = |e: libtorch::Error| e.to_string();
    libtorch::manual_seed(cfg.seed);
    let mut model = TextLm::new(cfg.model).map_err(err)?;
    let params = model.parameters();
    let mut opt = Adam::new(params.clone(), cfg.lr);
    let mut sched = CosineAnnealingLr::f_new(&mut opt, cfg.steps as u64, 0.0).map_err(err)?;
    let start = Instant::now();
    let mut reports = Vec::new();
    let (mut loss_sum, mut loss_n) = (0.0, 0usize);
    for step in 1..=cfg.steps {
        model.train();
        let (x, y) = random_windows(train_ids, cfg.seq_len, cfg.batch_size).map_err(err)?;
        let l = loss(&model.f_forward(&x).map_err(err)?, &y, Reduction::Mean).map_err(err)?;
        opt.zero_grad();
        l.backward_with(None, false, false).map_err(err)?;
        clip_grad_norm_(&params, cfg.clip, 2.0).map_err(err)?;
        opt.step().map_err(err)?;
        sched.step(&mut opt).map_err(err)?;
        loss_sum += l.double_value();
        loss_n += 1;
        if step % cfg.eval_every == 0 || step == cfg.steps {
            let c = Checkpoint {
                step,
                train_loss: loss_sum / loss_n as f64,
                valid_perplexity: perplexity(&mut model, valid_ids, cfg.seq_len).map_err(err)?,
                seconds: start.elapsed().as_secs_f64(),
            };
            (loss_sum, loss_n) = (0.0, 0);
            on_checkpoint(&c);
            reports.push(c);
        }
    }
    model.eval();
    Ok((model, reports))
}

/// The model's perplexity on `ids` (eval mode, no gradients): `exp` of the mean negative
/// log-likelihood of each token after the first given the ones before it, read in windows of
/// `seq_len` predictions that each start from a zero LSTM state.
pub fn perplexity(model: &mut TextLm, ids: &[i64], seq_len: i64) -> Result<f64> {
    let was_training = model.is_training();
    model.eval();
    let _g = NoGradGuard::new();
    let t = seq_len as usize;
    let n_pred = ids.len().saturating_sub(1);
    let full = n_pred / t;
    let mut nll = 0.0;
    const WINDOWS_PER_BATCH: usize = 64;
    let batch_of = |first: usize, count: usize, len: usize| -> Result<f64> {
        let mut buf = Vec::with_capacity(count * (len + 1));
        for w in first..first + count {
            buf.extend_from_slice(&ids[w * t..w * t + len + 1]);
        }
        let b = Tensor::from_data(&buf, &[count as i64, len as i64 + 1])?;
        let (x, y) = (b.f_narrow(1, 0, len as i64)?, b.f_narrow(1, 1, len as i64)?);
        Ok(loss(&model.f_forward(&x)?, &y, Reduction::Sum)?.double_value())
    };
    let mut w = 0;
    while w < full {
        let count = WINDOWS_PER_BATCH.min(full - w);
        nll += batch_of(w, count, t)?;
        w += count;
    }
    let rest = n_pred - full * t;
    if rest > 0 {
        nll += batch_of(full, 1, rest)?;
    }
    if was_training {
        model.train();
    }
    Ok((nll / n_pred.max(1) as f64).exp())
}

/// The perplexity on `valid` of the unigram model of `train` (each token's frequency, counts
/// plus one): the bar a model that ignores context reaches, scored on the same predictions as
/// [`perplexity`] (every token after the first).
pub fn unigram_perplexity(train: &[i64], valid: &[i64], vocab_size: i64) -> f64 {
    let mut counts = vec![1.0f64; vocab_size as usize];
    for &i in train {
        counts[i as usize] += 1.0;
    }
    let total: f64 = counts.iter().sum();
    let preds = &valid[1.min(valid.len())..];
    let nll: f64 = preds
        .iter()
        .map(|&i| -(counts[i as usize] / total).ln())
        .sum();
    (nll / preds.len().max(1) as f64).exp()
}
