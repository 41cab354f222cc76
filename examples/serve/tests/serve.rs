//! The `serve` binary over loopback: every endpoint, batching equal to unbatched inference,
//! bad input, overload and SIGTERM. Each test starts its own server on an ephemeral port.
mod common;

use common::*;
use libtorch::Tensor;
use std::time::{Duration, Instant};

#[test]
fn hasktorch_endpoints_answer_as_hasktorch() {
    let dir = temp_dir("hasktorch");
    let (_, mlp) = save_mlp(&dir);
    // A Linear(3, 1) with weights whose output is exact in f32: 0.5 - 2 + 6 + 0.25.
    let reg = dir.join("regression.pt");
    let w = Tensor::from_data(&[0.5f32, -1.0, 2.0], &[1, 3]).unwrap();
    let b = Tensor::from_slice(&[0.25f32]);
    libtorch::serialize::save([("weight", &w), ("bias", &b)], &reg).unwrap();
    let s = Server::start(&[
        "--weights",
        mlp.to_str().unwrap(),
        "--regression-weights",
        reg.to_str().unwrap(),
    ]);
    // hasktorch's README: `curl http://localhost:8081/compute2x/3.1`.
    let r = s.get("/compute2x/3.1");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        r#"[{"msg":"f(x) = 2.0 * x is 6.2 for x = 3.1","result":[6.2]}]"#
    );
    let r = s.get("/inference/1.0/2.0/3.0");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"[{"msg":"infer","result":[4.75]}]"#);
    let r = s.get("/compute2x/abc");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "x = \"abc\" is not a finite number");
    let r = s.get("/inference/1/2/nan");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "c = \"nan\" is not a finite number");
}

#[test]
fn regression_trained_at_start_recovers_hasktorchs_ground_truth() {
    let dir = temp_dir("trained");
    let (_, mlp) = save_mlp(&dir);
    let s = Server::start(&["--weights", mlp.to_str().unwrap()]);
    let v = s.get("/inference/1.0/2.0/3.0").json();
    let y = v[0]["result"][0].as_f64().unwrap();
    // 1·42 + 2·64 + 3·96 + 3.14
    assert!((y - 461.14).abs() < 0.05, "{y}");
    assert_eq!(v[0]["msg"], "infer");
}

#[test]
fn predict_json_and_raw_image_equal_the_direct_forward() {
    let dir = temp_dir("predict");
    let (net, mlp) = save_mlp(&dir);
    let s = Server::start(&["--weights", mlp.to_str().unwrap(), "--max-batch", "1"]);
    assert_eq!(s.get("/healthz").body, "ok\n");
    let img = image(3);
    let want = direct_logits(&net, &img);
    let from_json = s.post("/predict", "application/json", &json_image(&img));
    assert_eq!(from_json.status, 200, "{}", from_json.body);
    let from_raw = s.post("/predict", "application/octet-stream", &img);
    assert_eq!(from_raw.status, 200, "{}", from_raw.body);
    for r in [&from_json, &from_raw] {
        let v = r.json();
        assert_eq!(outputs(&v), vec![want.clone()]);
        assert_eq!(v["output_shape"], serde_json::json!([10]));
        let p: Vec<Vec<f64>> = serde_json::from_value(v["probabilities"].clone()).unwrap();
        assert!((p[0].iter().sum::<f64>() - 1.0).abs() < 1e-5);
        let best = (0..10).fold(0, |b, i| if want[i] > want[b] { i } else { b });
        assert_eq!(v["predictions"], serde_json::json!([best]));
        assert_eq!(v["labels"][0], examples::fashion::CLASSES[best]);
    }
    // Two images in one request, as a [2, 784] JSON batch and as 1568 raw bytes.
    let img2 = image(4);
    let both: Vec<u8> = img.iter().chain(&img2).copied().collect();
    let want2 = vec![want.clone(), direct_logits(&net, &img2)];
    let flat: Vec<Vec<f32>> = [&img, &img2]
        .iter()
        .map(|i| i.iter().map(|&b| b as f32 / 255.0).collect())
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({ "inputs": flat })).unwrap();
    assert_eq!(
        outputs(&s.post("/predict", "application/json", &body).json()),
        want2
    );
    assert_eq!(
        outputs(&s.post("/predict", "application/octet-stream", &both).json()),
        want2
    );
    let m = s.get("/metrics");
    assert!(
        m.headers.contains("text/plain; version=0.0.4"),
        "{}",
        m.headers
    );
    assert!(
        m.body
            .contains("serve_requests_total{route=\"/predict\",status=\"200\"} 4\n"),
        "{}",
        m.body
    );
    assert_eq!(metric_value(&m.body, "serve_batches_total"), Some(4.0));
    assert_eq!(metric_value(&m.body, "serve_queue_depth"), Some(0.0));
    assert_eq!(metric_value(&m.body, "serve_batch_size_count"), Some(4.0));
    assert_eq!(metric_value(&m.body, "serve_batch_size_sum"), Some(6.0));
    assert!(m
        .body
        .contains("serve_request_duration_seconds_bucket{le=\"+Inf\"}"));
}

#[test]
fn batched_requests_get_the_numbers_of_unbatched_inference() {
    let dir = temp_dir("batching");
    let (net, mlp) = save_mlp(&dir);
    // A long wait so that the eight concurrent requests surely meet in few batches.
    let s = Server::start(&[
        "--weights",
        mlp.to_str().unwrap(),
        "--max-batch",
        "8",
        "--max-wait-ms",
        "500",
    ]);
    let addr = s.addr;
    let post = move |img: &[u8]| {
        let r = request(
            addr,
            "POST",
            "/predict",
            Some("application/octet-stream"),
            img,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        outputs(&r.json()).remove(0)
    };
    let images: Vec<Vec<u8>> = (0..8).map(|i| image(10 + i)).collect();
    let handles: Vec<_> = images
        .iter()
        .cloned()
        .map(|img| std::thread::spawn(move || post(&img)))
        .collect();
    let together: Vec<Vec<f32>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let batches = s.metric("serve_batch_size_count");
    assert!(
        batches < 8.0,
        "no two requests shared a batch ({batches} batches)"
    );
    // The same requests one at a time: each forward pass holds one of them.
    let alone: Vec<Vec<f32>> = images.iter().map(|img| post(img)).collect();
    assert_eq!(s.metric("serve_batch_size_count"), batches + 8.0);
    assert_eq!(s.metric("serve_batch_size_sum"), 16.0);
    // Bit for bit, whatever shared their batch.
    assert_eq!(together, alone);
    for (img, got) in images.iter().zip(&together) {
        // Each is row 0 of a forward pass over 8 rows (the image, then zeros)...
        let mut padded: Vec<u8> = img.clone();
        padded.resize(8 * 784, 0);
        let x: Vec<f32> = padded.iter().map(|&b| b as f32 / 255.0).collect();
        let x = Tensor::from_data(&x, &[8, 1, 28, 28]).unwrap();
        let y = libtorch::no_grad(|| libtorch::nn::Module::forward(&net, &x));
        assert_eq!(*got, y.to_vec::<f32>().unwrap()[..10].to_vec());
        // ...and within float32 rounding of a forward pass on the image alone.
        for (a, b) in got.iter().zip(direct_logits(&net, img)) {
            assert!((a - b).abs() <= 1e-6, "{a} vs {b}");
        }
    }
}

#[test]
fn bad_input_gets_400_with_a_message() {
    let dir = temp_dir("bad");
    let (_, mlp) = save_mlp(&dir);
    let s = Server::start(&["--weights", mlp.to_str().unwrap(), "--body-limit", "100000"]);
    let err = |ctype: &str, body: &[u8], status: u16| {
        let r = s.post("/predict", ctype, body);
        assert_eq!(r.status, status, "{}", r.body);
        r.json()["error"].as_str().unwrap().to_string()
    };
    let json = "application/json";
    assert!(err(json, b"{\"inputs\": [1,", 400).starts_with("malformed JSON body: "));
    assert_eq!(
        err(json, b"{\"inputs\": [[1, 2], [3, 4]]}", 400),
        "inputs have shape [2, 2]; expected one sample of shape [1, 28, 28] or [28, 28] or \
         [784] or a batch [N, ...] of them"
    );
    let mut row = vec![serde_json::json!(0.5); 784];
    row[7] = serde_json::json!("0.5");
    let body = serde_json::to_vec(&serde_json::json!({ "inputs": row })).unwrap();
    assert_eq!(
        err(json, &body, 400),
        "inputs[7] is a string; expected a number (the model takes float32)"
    );
    let body = serde_json::to_vec(&serde_json::json!({ "inputs": vec![0; 784], "dtype": "int64" }))
        .unwrap();
    assert!(err(json, &body, 400).starts_with("dtype \"int64\" is not served"));
    assert_eq!(
        err("application/octet-stream", &[0; 783], 400),
        "a raw upload must hold whole 8-bit images of 784 bytes each (28x28 for Fashion-MNIST); \
         got 783 bytes"
    );
    assert!(err("text/plain", b"hello", 415).contains("is not served"));
    // Over --body-limit: refused before the body is parsed.
    let r = s.post("/predict", "application/octet-stream", &vec![0; 200_000]);
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(s.get("/nowhere").status, 404);
    // Nothing reached libtorch, and the server still answers.
    assert_eq!(s.metric("serve_batches_total"), 0.0);
    assert_eq!(s.metric("serve_errors_total{route=\"/predict\"}"), 7.0);
    let ok = s.post("/predict", "application/octet-stream", &image(1));
    assert_eq!(ok.status, 200);
}

#[test]
fn a_full_queue_gets_503_quickly() {
    let dir = temp_dir("overload");
    let (_, mlp) = save_mlp(&dir);
    // One thread, one batch of one at a time, each taking 1 s, one request queued behind it.
    let s = Server::start(&[
        "--weights",
        mlp.to_str().unwrap(),
        "--max-batch",
        "1",
        "--queue-capacity",
        "1",
        "--simulate-delay-ms",
        "1000",
    ]);
    let addr = s.addr;
    let handles: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                // Staggered a little so the first is surely taken off the queue.
                std::thread::sleep(Duration::from_millis(if i == 0 { 0 } else { 200 }));
                let t = Instant::now();
                let r = request(
                    addr,
                    "POST",
                    "/predict",
                    Some("application/octet-stream"),
                    &image(i),
                );
                (r, t.elapsed())
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for h in handles {
        let (r, took) = h.join().unwrap();
        match r.status {
            200 => ok += 1,
            503 => {
                refused += 1;
                assert!(r.headers.to_ascii_lowercase().contains("retry-after: 1"));
                assert_eq!(
                    r.json()["error"],
                    "the inference queue is full; retry later"
                );
                assert!(took < Duration::from_millis(500), "503 took {took:?}");
            }
            other => panic!("status {other}: {}", r.body),
        }
    }
    // The one being computed and the one queued are answered; the rest are refused.
    assert_eq!((ok, refused), (2, 6));
    assert_eq!(s.metric("serve_rejected_total"), 6.0);
}

#[test]
fn sigterm_finishes_in_flight_requests_and_exits() {
    let dir = temp_dir("sigterm");
    let (net, mlp) = save_mlp(&dir);
    let mut s = Server::start(&[
        "--weights",
        mlp.to_str().unwrap(),
        "--max-batch",
        "1",
        "--simulate-delay-ms",
        "1500",
    ]);
    let addr = s.addr;
    let img = image(7);
    let want = direct_logits(&net, &img);
    let in_flight = std::thread::spawn(move || {
        request(
            addr,
            "POST",
            "/predict",
            Some("application/octet-stream"),
            &img,
        )
    });
    // Wait until its batch is running (bounded).
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.metric("serve_batches_total") < 1.0 {
        assert!(
            Instant::now() < deadline,
            "the request never reached a batch"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill() on our own child's pid with a valid signal number.
    let rc = unsafe { libc::kill(s.child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
    let r = in_flight.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outputs(&r.json()), vec![want]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not exit within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let lines: Vec<String> = s.stdout.try_iter().collect();
    assert!(lines.iter().any(|l| l == "shut down cleanly"), "{lines:?}");
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err());
}
