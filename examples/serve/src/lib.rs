//! A model-serving HTTP server for `libtorch` (the `serve` binary): hasktorch's serving
//! endpoints, `POST /predict` with dynamic batching on a fixed pool of inference threads,
//! Prometheus metrics, bounded queues and bodies, graceful `SIGTERM`, and a page to draw a
//! Fashion-MNIST image on. See `docs/serving.md`.
pub mod batcher;
pub mod hasktorch;
pub mod http;
pub mod input;
pub mod metrics;
pub mod model;
