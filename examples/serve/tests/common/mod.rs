//! Helpers for the loopback tests: a tiny model saved to a temporary folder, the `serve`
//! binary as a child process on an ephemeral port, and a blocking HTTP/1.1 client with timeouts.
#![allow(dead_code)]
use examples::fashion::model::{build, ModelKind};
use libtorch::nn::{Module, Sequential};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A fresh folder under the target directory, emptied first.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The Fashion-MNIST MLP with seed-0 weights (untrained: the serving path does not care),
/// saved as a state_dict; returns the model and the file.
pub fn save_mlp(dir: &Path) -> (Sequential, PathBuf) {
    libtorch::manual_seed(0);
    let mut net = build(ModelKind::Mlp);
    net.eval();
    let path = dir.join("mlp.pt");
    libtorch::serialize::save_module(&net, &path).unwrap();
    (net, path)
}

/// A deterministic 28x28 8-bit image, different for each `seed`.
pub fn image(seed: u32) -> Vec<u8> {
    (0..784u32)
        .map(|i| ((i * 37 + seed * 101 + (i / 28) * seed) % 256) as u8)
        .collect()
}

/// The model's logits for one image, alone (a batch of one), as the server scales it.
pub fn direct_logits(net: &Sequential, img: &[u8]) -> Vec<f32> {
    let x: Vec<f32> = img.iter().map(|&b| b as f32 / 255.0).collect();
    let x = libtorch::Tensor::from_data(&x, &[1, 1, 28, 28]).unwrap();
    libtorch::no_grad(|| net.forward(&x))
        .to_vec::<f32>()
        .unwrap()
}

/// A running `serve` child; killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub stdout: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `serve --port 0 ARGS` and waits (60 s at most) for its "listening on" line.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_serve"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting serve");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve printed no 'listening on' line within 60 s");
            };
            if let Some(rest) = line.strip_prefix("listening on http://") {
                let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
                return Server {
                    child,
                    addr,
                    stdout: rx,
                };
            }
        }
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, None, &[])
    }

    pub fn post(&self, path: &str, ctype: &str, body: &[u8]) -> Response {
        request(self.addr, "POST", path, Some(ctype), body)
    }

    /// The value of one unlabelled metric line (`name value`).
    pub fn metric(&self, name: &str) -> f64 {
        let m = self.get("/metrics");
        metric_value(&m.body, name).unwrap_or_else(|| panic!("no {name} in\n{}", m.body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value on the line starting with `name ` in a Prometheus text.
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One request on a fresh connection (`Connection: close`), 30 s timeouts.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    ctype: Option<&str>,
    body: &[u8],
) -> Response {
    let t = Duration::from_secs(30);
    let mut s = TcpStream::connect_timeout(&addr, t).expect("connecting");
    s.set_read_timeout(Some(t)).unwrap();
    s.set_write_timeout(Some(t)).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(c) = ctype {
        head += &format!("Content-Type: {c}\r\n");
    }
    head += "\r\n";
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and close before reading a large body: ignore that error.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Response {
        status,
        headers: head.to_string(),
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// `{"inputs": img as [28][28] floats in [0, 1]}`.
pub fn json_image(img: &[u8]) -> Vec<u8> {
    let rows: Vec<Vec<f32>> = img
        .chunks(28)
        .map(|r| r.iter().map(|&b| b as f32 / 255.0).collect())
        .collect();
    serde_json::to_vec(&serde_json::json!({ "inputs": rows })).unwrap()
}

/// The `outputs` rows of a /predict answer.
pub fn outputs(v: &serde_json::Value) -> Vec<Vec<f32>> {
    serde_json::from_value(v["outputs"].clone()).unwrap()
}
