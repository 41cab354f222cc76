//! Counters, gauges and histograms, written in the Prometheus text format (version 0.0.4) by
//! `GET /metrics`.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// A histogram with fixed upper bounds (`le`), as Prometheus's client libraries keep them.
pub struct Histogram {
    bounds: Vec<f64>,
    inner: Mutex<HistInner>,
}

struct HistInner {
    counts: Vec<u64>, // one per bound, not cumulative; the last is +Inf
    sum: f64,
    count: u64,
}

impl Histogram {
    pub fn new(bounds: &[f64]) -> Self {
        Histogram {
            bounds: bounds.to_vec(),
            inner: Mutex::new(HistInner {
                counts: vec![0; bounds.len() + 1],
                sum: 0.0,
                count: 0,
            }),
        }
    }

    pub fn observe(&self, v: f64) {
        let i = self
            .bounds
            .iter()
            .position(|&b| v <= b)
            .unwrap_or(self.bounds.len());
        let mut h = self.inner.lock().unwrap();
        h.counts[i] += 1;
        h.sum += v;
        h.count += 1;
    }

    /// How many observations were made.
    pub fn count(&self) -> u64 {
        self.inner.lock().unwrap().count
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let h = self.inner.lock().unwrap();
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cum = 0;
        for (b, c) in self.bounds.iter().zip(&h.counts) {
            cum += c;
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cum}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "{name}_sum {}\n{name}_count {}", h.sum, h.count);
    }
}

/// Everything `/metrics` reports.
pub struct Metrics {
    /// Finished HTTP requests by route template and status code.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// Requests waiting in the batching queue (jobs not yet taken by an inference thread).
    pub queue_depth: AtomicI64,
    /// Requests refused because the queue was full.
    pub rejected: AtomicU64,
    /// Forward passes run.
    pub batches: AtomicU64,
    /// Samples per forward pass.
    pub batch_size: Histogram,
    /// Seconds from a request's arrival to its response, by any route.
    pub latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Mutex::new(BTreeMap::new()),
            queue_depth: AtomicI64::new(0),
            rejected: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            batch_size: Histogram::new(&[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
            latency: Histogram::new(&[
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
        }
    }
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, route: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .unwrap()
            .entry((route.to_string(), status))
            .or_insert(0) += 1;
        self.latency.observe(seconds);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let reqs = self.requests.lock().unwrap().clone();
        out.push_str("# HELP serve_requests_total HTTP requests answered, by route and status.\n");
        out.push_str("# TYPE serve_requests_total counter\n");
        for ((route, status), n) in &reqs {
            let _ = writeln!(
                out,
                "serve_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP serve_errors_total HTTP requests answered with a 4xx or 5xx status, by route.\n",
        );
        out.push_str("# TYPE serve_errors_total counter\n");
        let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
        for ((route, status), n) in &reqs {
            if *status >= 400 {
                *errors.entry(route).or_insert(0) += n;
            }
        }
        for (route, n) in errors {
            let _ = writeln!(out, "serve_errors_total{{route=\"{}\"}} {n}", escape(route));
        }
        let _ = writeln!(
            out,
            "# HELP serve_queue_depth Requests waiting for an inference thread.\n\
             # TYPE serve_queue_depth gauge\nserve_queue_depth {}",
            self.queue_depth.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP serve_rejected_total Requests refused with 503 because the queue was full.\n\
             # TYPE serve_rejected_total counter\nserve_rejected_total {}",
            self.rejected.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP serve_batches_total Forward passes run.\n\
             # TYPE serve_batches_total counter\nserve_batches_total {}",
            self.batches.load(Ordering::Relaxed)
        );
        self.batch_size.write(
            &mut out,
            "serve_batch_size",
            "Samples gathered into one forward pass.",
        );
        self.latency.write(
            &mut out,
            "serve_request_duration_seconds",
            "Time from a request's arrival to its response.",
        );
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::new(&[1.0, 2.0]);
        for v in [0.5, 1.0, 1.5, 3.0] {
            h.observe(v);
        }
        let mut s = String::new();
        h.write(&mut s, "x", "help");
        assert!(s.contains("x_bucket{le=\"1\"} 2\n"), "{s}");
        assert!(s.contains("x_bucket{le=\"2\"} 3\n"), "{s}");
        assert!(s.contains("x_bucket{le=\"+Inf\"} 4\n"), "{s}");
        assert!(s.contains("x_sum 6\nx_count 4\n"), "{s}");
    }
}
