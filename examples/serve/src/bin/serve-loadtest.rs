//! `serve-loadtest`: a load test over loopback. Holds a fixed concurrency (and, with `--rate`,
//! a fixed request rate) of `POST /predict` raw-image requests for `--duration` seconds and
//! reports throughput, p50/p95/p99 latency, errors and the server's resident memory before and
//! after. With `--compare` (the default when no `--target` is given) it starts, one after the
//! other, `serve` with batching on (padded to a fixed batch, the default, and not padded),
//! `serve` with batching off and the same model in PyTorch
//! eager behind Python's HTTP server (`examples/serve/python/serve_torch.py`), and loads each
//! with every `--concurrency` value; results are printed as a Markdown table.
//!
//! ```text
//! cargo build --release -p serve
//! target/release/serve-loadtest --duration 60 --concurrency 1,8,32 --python /work/venv/bin/python
//! ```
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Load-test serve (and PyTorch behind Python) over loopback")]
struct Args {
    /// Seconds of load per run (each server, each concurrency).
    #[arg(long, default_value_t = 60.0)]
    duration: f64,
    /// Connections sending requests back to back, comma-separated (one run each).
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    concurrency: Vec<usize>,
    /// Total requests per second to hold (0: as fast as the server answers).
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Load an already running server (`http://127.0.0.1:PORT`) instead of starting them.
    #[arg(long)]
    target: Option<String>,
    /// A Fashion-MNIST MLP state_dict (default: seed-0 weights saved to a temporary file).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// The Python with torch for the reference server (empty: leave it out).
    #[arg(long, default_value = "python3")]
    python: String,
    /// The `serve` binary (default: beside this one).
    #[arg(long)]
    serve: Option<PathBuf>,
    /// Batch limit of the batching run.
    #[arg(long, default_value_t = 32)]
    max_batch: usize,
    /// Wait limit of the batching run, in milliseconds.
    #[arg(long, default_value_t = 2.0)]
    max_wait_ms: f64,
    /// Intra-op threads for every server (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// What one run measured.
struct Outcome {
    requests: usize,
    errors: usize,
    seconds: f64,
    /// Sorted latencies in seconds of the successful requests.
    latencies: Vec<f64>,
}

impl Outcome {
    fn pct(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[i - 1] * 1000.0
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve-loadtest: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    if !(args.duration > 0.0 && args.duration <= 3600.0) {
        return Err("--duration must be in (0, 3600] seconds".into());
    }
    let image: Vec<u8> = (0..784u32)
        .map(|i| ((i * 37 + (i / 28) * 11) % 256) as u8)
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "load: {} s per run, concurrency {:?}, rate {}, body: one raw 28x28 image",
        args.duration,
        args.concurrency,
        if args.rate > 0.0 {
            format!("{} req/s", args.rate)
        } else {
            "unlimited".into()
        }
    );
    if let Some(t) = &args.target {
        for &c in &args.concurrency {
            let o = rt.block_on(load(t, c, args.rate, args.duration, &image))?;
            print_row("target", c, &o, None);
        }
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("serve-loadtest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let weights = match &args.weights {
        Some(w) => w.clone(),
        None => {
            libtorch::manual_seed(0);
            let net = examples::fashion::model::build(examples::fashion::model::ModelKind::Mlp);
            let p = dir.join("mlp.pt");
            libtorch::serialize::save_module(&net, &p).map_err(|e| e.to_string())?;
            p
        }
    };
    let serve = match &args.serve {
        Some(s) => s.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("serve"),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = args.threads.unwrap_or(cores).to_string();
    let w = weights
        .to_str()
        .ok_or("non-UTF-8 weights path")?
        .to_string();
    let mut servers: Vec<(String, Vec<String>)> = vec![
        (
            format!(
                "serve, batching (max {} / {} ms)",
                args.max_batch, args.max_wait_ms
            ),
            vec![
                serve.display().to_string(),
                "--weights".into(),
                w.clone(),
                "--port".into(),
                "0".into(),
                "--max-batch".into(),
                args.max_batch.to_string(),
                "--max-wait-ms".into(),
                args.max_wait_ms.to_string(),
                "--intra-op-threads".into(),
                threads.clone(),
                "--queue-capacity".into(),
                "1024".into(),
            ],
        ),
        (
            format!(
                "serve, batching (max {} / {} ms), not padded",
                args.max_batch, args.max_wait_ms
            ),
            vec![
                serve.display().to_string(),
                "--weights".into(),
                w.clone(),
                "--port".into(),
                "0".into(),
                "--max-batch".into(),
                args.max_batch.to_string(),
                "--max-wait-ms".into(),
                args.max_wait_ms.to_string(),
                "--batch-invariant".into(),
                "false".into(),
                "--intra-op-threads".into(),
                threads.clone(),
                "--queue-capacity".into(),
                "1024".into(),
            ],
        ),
        (
            "serve, no batching".into(),
            vec![
                serve.display().to_string(),
                "--weights".into(),
                w.clone(),
                "--port".into(),
                "0".into(),
                "--max-batch".into(),
                "1".into(),
                "--intra-op-threads".into(),
                threads.clone(),
                "--queue-capacity".into(),
                "1024".into(),
            ],
        ),
    ];
    if !args.python.is_empty() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/serve_torch.py");
        servers.push((
            "PyTorch eager + http.server".into(),
            vec![
                args.python.clone(),
                script.display().to_string(),
                "--weights".into(),
                w,
                "--port".into(),
                "0".into(),
                "--threads".into(),
                threads,
            ],
        ));
    }
    println!();
    println!("| server | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors | RSS before → after MiB |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, cmd) in &servers {
        for &c in &args.concurrency {
            // A fresh server per run, so that the RSS figures belong to this run alone.
            let (mut child, url) = start(cmd)?;
            let result = (|| {
                // Warm-up: one request, so lazy initialisation is not timed.
                rt.block_on(load(&url, 1, 0.0, 0.5, &image))?;
                let before = rss_mib(child.id());
                let o = rt.block_on(load(&url, c, args.rate, args.duration, &image))?;
                let after = rss_mib(child.id());
                print_row(name, c, &o, Some((before, after)));
                Ok::<_, String>(())
            })();
            let _ = child.kill();
            let _ = child.wait();
            result?;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn print_row(name: &str, c: usize, o: &Outcome, rss: Option<(f64, f64)>) {
    let rss = rss.map_or("-".into(), |(b, a)| format!("{b:.0} → {a:.0}"));
    println!(
        "| {name} | {c} | {:.0} | {:.2} | {:.2} | {:.2} | {} of {} | {rss} |",
        (o.requests - o.errors) as f64 / o.seconds,
        o.pct(0.50),
        o.pct(0.95),
        o.pct(0.99),
        o.errors,
        o.requests
    );
}

/// Starts a server command and waits (60 s at most) for its `listening on http://ADDR` line.
fn start(cmd: &[String]) -> Result<(Child, String), String> {
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", cmd[0]))?;
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("listening on ") {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(url) => Ok((child, url)),
        Err(_) => {
            let _ = child.kill();
            Err(format!(
                "{} did not start listening within 60 s",
                cmd.join(" ")
            ))
        }
    }
}

/// The resident set of a process in MiB (Linux `/proc`), NaN where unreadable.
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// `concurrency` keep-alive connections sending requests for `seconds`; with `rate` > 0 each
/// holds `rate / concurrency` requests per second, and latency counts from the time a request
/// was due (so a server that falls behind is charged for the wait).
async fn load(
    url: &str,
    concurrency: usize,
    rate: f64,
    seconds: f64,
    image: &[u8],
) -> Result<Outcome, String> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build_http();
    let uri: hyper::Uri = format!("{url}/predict")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let body = Bytes::copy_from_slice(image);
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let period = (rate > 0.0).then(|| Duration::from_secs_f64(concurrency as f64 / rate));
    let client = Arc::new(client);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (client, uri, body) = (client.clone(), uri.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut n, mut errors) = (0usize, 0usize);
            // Workers of a fixed rate start spread over one period.
            let mut due =
                start + period.map_or(Duration::ZERO, |p| p * w as u32 / concurrency as u32);
            while Instant::now() < end {
                if period.is_some() {
                    tokio::time::sleep_until(due.into()).await;
                    if due >= end {
                        break;
                    }
                }
                let t0 = if period.is_some() {
                    due
                } else {
                    Instant::now()
                };
                let req = hyper::Request::post(uri.clone())
                    .header("content-type", "application/octet-stream")
                    .body(Full::new(body.clone()))
                    .expect("a valid request");
                let ok = match tokio::time::timeout(Duration::from_secs(10), async {
                    let r = client.request(req).await.map_err(|e| e.to_string())?;
                    let status = r.status();
                    r.into_body().collect().await.map_err(|e| e.to_string())?;
                    Ok::<_, String>(status.is_success())
                })
                .await
                {
                    Ok(Ok(ok)) => ok,
                    _ => false,
                };
                n += 1;
                if ok {
                    lat.push(t0.elapsed().as_secs_f64());
                } else {
                    errors += 1;
                }
                if let Some(p) = period {
                    due += p;
                }
            }
            (n, errors, lat)
        }));
    }
    let mut out = Outcome {
        requests: 0,
        errors: 0,
        seconds: 0.0,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (n, e, l) = t.await.map_err(|e| e.to_string())?;
        out.requests += n;
        out.errors += e;
        out.latencies.extend(l);
    }
    out.seconds = start.elapsed().as_secs_f64();
    out.latencies.sort_by(|a, b| a.total_cmp(b));
    Ok(out)
}
