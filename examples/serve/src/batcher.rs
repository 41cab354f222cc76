//! Dynamic batching: requests wait in a bounded queue; a fixed pool of inference threads each
//! takes the oldest request, gathers more until the batch holds `max_batch` samples or
//! `max_wait` has passed since the first, runs one forward pass and hands each request its rows.
use crate::metrics::Metrics;
use crate::model::ModelSpec;
use libtorch::Tensor;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How batches are formed and run.
#[derive(Clone, Debug)]
pub struct BatchConfig {
    /// Most samples in one forward pass (1 turns batching off). A request with more samples
    /// than this runs alone.
    pub max_batch: usize,
    /// Longest time the first request of a batch waits for others.
    pub max_wait: Duration,
    /// Inference threads, each with its own copy of the model.
    pub workers: usize,
    /// libtorch intra-op threads of each inference thread.
    pub intra_op_threads: usize,
    /// Requests the queue holds before new ones are refused.
    pub queue_capacity: usize,
    /// Run every forward pass on exactly `max_batch` rows (zero-padded; a larger request in
    /// chunks of `max_batch`), so that each request's numbers are bit-identical whichever
    /// requests it shared a batch with. libtorch's matrix kernels sum in an order that depends
    /// on the number of rows, so without this a row's outputs move by about one ulp with the
    /// batch's size.
    pub batch_invariant: bool,
    /// Sleep before each forward pass (to make overload and shutdown observable in tests).
    pub simulate_delay: Duration,
}

/// What one request gets back: its rows of the output (and of the softmax for classifiers).
#[derive(Debug)]
pub struct Reply {
    /// The output's shape without the batch dimension.
    pub row_shape: Vec<i64>,
    /// One flattened output row per sample.
    pub outputs: Vec<Vec<f32>>,
    /// `softmax(outputs, -1)` per sample, for classifiers.
    pub probabilities: Option<Vec<Vec<f32>>>,
}

/// One queued request: `rows` samples, flattened, row-major.
struct Job {
    data: Vec<f32>,
    rows: usize,
    reply: oneshot::Sender<Result<Reply, String>>,
}

/// Why a request was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// The queue is at capacity.
    Full,
    /// The server is shutting down.
    Closed,
}

/// The queue and its inference threads.
pub struct Batcher {
    tx: Mutex<Option<SyncSender<Job>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    metrics: Arc<Metrics>,
}

impl Batcher {
    /// Starts the inference threads; each loads the model and reports success before this
    /// returns, so a bad model file fails here rather than at the first request.
    pub fn start(
        spec: &ModelSpec,
        cfg: &BatchConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Batcher, String> {
        let (tx, rx) = sync_channel::<Job>(cfg.queue_capacity.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let mut handles = Vec::new();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        for i in 0..cfg.workers.max(1) {
            let (spec, cfg, rx, metrics, ready) = (
                spec.clone(),
                cfg.clone(),
                rx.clone(),
                metrics.clone(),
                ready_tx.clone(),
            );
            let h = std::thread::Builder::new()
                .name(format!("inference-{i}"))
                .spawn(move || {
                    // Each thread runs its operators on its share of the cores rather than
                    // starting a team of one thread per core (the default), which would make
                    // the pool's threads fight over the cores.
                    let _ = libtorch::threads::set_num_threads_this_thread(cfg.intra_op_threads);
                    let loaded = match spec.load() {
                        Ok(m) => m,
                        Err(e) => {
                            let _ = ready.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready.send(Ok(()));
                    let labels = spec.labels().is_some();
                    let shape = spec.sample_shape();
                    let pad_to = cfg.batch_invariant.then_some(cfg.max_batch);
                    worker_loop(&rx, &cfg, &metrics, |batch, rows| {
                        run_padded(&loaded, &shape, batch, rows, labels, pad_to)
                    });
                })
                .map_err(|e| format!("starting an inference thread: {e}"))?;
            handles.push(h);
        }
        drop(ready_tx);
        for _ in 0..handles.len() {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err("an inference thread died while loading the model".into()),
            }
        }
        Ok(Batcher {
            tx: Mutex::new(Some(tx)),
            workers: Mutex::new(handles),
            metrics,
        })
    }

    /// Queues `rows` samples (flattened) without waiting; the receiver yields the result.
    pub fn submit(
        &self,
        data: Vec<f32>,
        rows: usize,
    ) -> Result<oneshot::Receiver<Result<Reply, String>>, SubmitError> {
        let (reply, rx) = oneshot::channel();
        let guard = self.tx.lock().unwrap();
        let tx = guard.as_ref().ok_or(SubmitError::Closed)?;
        // Counted before the send: a worker may take the job (and decrement) at once.
        self.metrics.queue_depth.fetch_add(1, Ordering::SeqCst);
        match tx.try_send(Job { data, rows, reply }) {
            Ok(()) => Ok(rx),
            Err(e) => {
                self.metrics.queue_depth.fetch_sub(1, Ordering::SeqCst);
                match e {
                    TrySendError::Full(_) => {
                        self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                        Err(SubmitError::Full)
                    }
                    TrySendError::Disconnected(_) => Err(SubmitError::Closed),
                }
            }
        }
    }

    /// Stops taking requests, lets the threads finish what is queued and waits for them.
    pub fn shutdown(&self) {
        self.tx.lock().unwrap().take();
        for h in self.workers.lock().unwrap().drain(..) {
            let _ = h.join();
        }
    }
}

/// Takes batches off the queue until it is closed and empty.
fn worker_loop(
    rx: &Mutex<Receiver<Job>>,
    cfg: &BatchConfig,
    metrics: &Metrics,
    mut run: impl FnMut(&[f32], usize) -> Result<Reply, String>,
) {
    let mut carried: Option<Job> = None;
    loop {
        let mut jobs = Vec::new();
        {
            // One thread gathers at a time, so requests arriving together share a batch.
            let rx = rx.lock().unwrap();
            let first = match carried.take() {
                Some(j) => j,
                None => match rx.recv() {
                    Ok(j) => {
                        metrics.queue_depth.fetch_sub(1, Ordering::SeqCst);
                        j
                    }
                    Err(_) => return,
                },
            };
            let mut rows = first.rows;
            jobs.push(first);
            let deadline = Instant::now() + cfg.max_wait;
            while rows < cfg.max_batch {
                let left = deadline.saturating_duration_since(Instant::now());
                let next = if left.is_zero() {
                    rx.try_recv().map_err(|_| ())
                } else {
                    // Timeout or closed: either way the batch is complete.
                    rx.recv_timeout(left).map_err(|_| ())
                };
                let Ok(job) = next else { break };
                metrics.queue_depth.fetch_sub(1, Ordering::SeqCst);
                if rows + job.rows > cfg.max_batch {
                    carried = Some(job);
                    break;
                }
                rows += job.rows;
                jobs.push(job);
            }
        }
        let rows: usize = jobs.iter().map(|j| j.rows).sum();
        let data: Vec<f32> = if jobs.len() == 1 {
            std::mem::take(&mut jobs[0].data)
        } else {
            jobs.iter().flat_map(|j| j.data.iter().copied()).collect()
        };
        metrics.batches.fetch_add(1, Ordering::Relaxed);
        metrics.batch_size.observe(rows as f64);
        if !cfg.simulate_delay.is_zero() {
            std::thread::sleep(cfg.simulate_delay);
        }
        match run(&data, rows) {
            Ok(mut all) => {
                for job in jobs {
                    let outputs: Vec<Vec<f32>> = all.outputs.drain(..job.rows).collect();
                    let probabilities = all
                        .probabilities
                        .as_mut()
                        .map(|p| p.drain(..job.rows).collect());
                    let _ = job.reply.send(Ok(Reply {
                        row_shape: all.row_shape.clone(),
                        outputs,
                        probabilities,
                    }));
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// The forward pass over `rows` samples, in chunks of exactly `pad_to` rows (the last one
/// zero-padded and its padding dropped) when given, else in one pass.
fn run_padded(
    model: &crate::model::Loaded,
    sample_shape: &[i64],
    data: &[f32],
    rows: usize,
    classifier: bool,
    pad_to: Option<usize>,
) -> Result<Reply, String> {
    let Some(width) = pad_to else {
        return run_batch(model, sample_shape, data, rows, classifier);
    };
    let numel = sample_shape.iter().product::<i64>() as usize;
    let mut all: Option<Reply> = None;
    for chunk in data.chunks(width * numel) {
        let n = chunk.len() / numel;
        let mut buf = chunk.to_vec();
        buf.resize(width * numel, 0.0);
        let mut r = run_batch(model, sample_shape, &buf, width, classifier)?;
        r.outputs.truncate(n);
        if let Some(p) = r.probabilities.as_mut() {
            p.truncate(n);
        }
        match all.as_mut() {
            None => all = Some(r),
            Some(a) => {
                a.outputs.extend(r.outputs);
                if let (Some(p), Some(q)) = (a.probabilities.as_mut(), r.probabilities) {
                    p.extend(q);
                }
            }
        }
    }
    all.ok_or_else(|| format!("no samples in a batch of {rows}"))
}

/// One forward pass over `rows` samples of `sample_shape`.
fn run_batch(
    model: &crate::model::Loaded,
    sample_shape: &[i64],
    data: &[f32],
    rows: usize,
    classifier: bool,
) -> Result<Reply, String> {
    let mut shape = vec![rows as i64];
    shape.extend_from_slice(sample_shape);
    let x = Tensor::from_data(data, &shape).map_err(|e| e.to_string())?;
    let y = model.forward(&x).map_err(|e| format!("inference: {e}"))?;
    let out_shape = y.size();
    if out_shape.first() != Some(&(rows as i64)) {
        return Err(format!(
            "inference: the model returned shape {out_shape:?} for a batch of {rows}"
        ));
    }
    let split = |t: &Tensor| -> Result<Vec<Vec<f32>>, String> {
        let v = t.to_vec::<f32>().map_err(|e| e.to_string())?;
        let per = v.len() / rows.max(1);
        Ok(v.chunks(per.max(1)).map(|c| c.to_vec()).collect())
    };
    let probabilities = if classifier {
        let p = y.f_softmax(-1).map_err(|e| format!("softmax: {e}"))?;
        Some(split(&p)?)
    } else {
        None
    };
    Ok(Reply {
        row_shape: out_shape[1..].to_vec(),
        outputs: split(&y)?,
        probabilities,
    })
}
