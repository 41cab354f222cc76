//! The routes: hasktorch's endpoints, `/predict`, `/healthz`, `/metrics` and the drawing page.
use crate::batcher::{Batcher, SubmitError};
use crate::hasktorch;
use crate::input::{self, Samples};
use crate::metrics::Metrics;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use libtorch::nn::Linear;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// What the handlers share.
pub struct AppState {
    pub batcher: Batcher,
    pub metrics: Arc<Metrics>,
    /// One sample's shapes accepted in JSON; the first is the model's own.
    pub accepted_shapes: Vec<Vec<i64>>,
    pub labels: Option<Vec<String>>,
    /// The `/inference` regression model.
    pub regression: Linear,
}

/// The whole service. `body_limit` bounds every request body, in bytes.
pub fn router(state: Arc<AppState>, body_limit: usize) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("../static/index.html")) }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/compute2x/{x}", get(compute2x))
        .route("/inference/{a}/{b}/{c}", get(inference))
        .route("/predict", post(predict))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such route".into()) })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Counts and times every request, under its route template.
async fn track(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let resp = next.run(req).await;
    st.metrics.record(
        &route,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

/// A JSON error: `{"error": message}`.
fn error(status: StatusCode, msg: String) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

async fn metrics(State(st): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
        .into_response()
}

fn parse_float(name: &str, s: &str) -> Result<f32, Response> {
    s.parse::<f32>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                format!("{name} = {s:?} is not a finite number"),
            )
        })
}

async fn compute2x(Path(x): Path<String>) -> Response {
    let x = match parse_float("x", &x) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match hasktorch::compute2x(x) {
        Ok(a) => Json(a).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn inference(
    State(st): State<Arc<AppState>>,
    Path((a, b, c)): Path<(String, String, String)>,
) -> Response {
    let mut x = [0f32; 3];
    for (i, (name, s)) in [("a", a), ("b", b), ("c", c)].into_iter().enumerate() {
        x[i] = match parse_float(name, &s) {
            Ok(v) => v,
            Err(r) => return r,
        };
    }
    match hasktorch::inference(&st.regression, x) {
        Ok(a) => Json(a).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// `POST /predict`: `application/json` (`{"inputs": [...]}`) or `application/octet-stream`
/// (8-bit images). Answers `{"outputs": [[...]], "output_shape": [...]}` plus, for a
/// classifier, `"probabilities"`, `"predictions"` (class indices) and `"labels"` (their names).
async fn predict(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let parsed = match ctype.as_str() {
        "application/json" => input::parse_json(&body, &st.accepted_shapes),
        "application/octet-stream" => {
            let numel = st.accepted_shapes[0].iter().product::<i64>() as usize;
            input::parse_raw(&body, numel)
        }
        other => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "content type {other:?} is not served: send application/json \
                     ({{\"inputs\": [...]}}) or application/octet-stream (8-bit images)"
                ),
            )
        }
    };
    let Samples { data, rows } = match parsed {
        Ok(s) => s,
        Err(msg) => return error(StatusCode::BAD_REQUEST, msg),
    };
    let rx = match st.batcher.submit(data, rows) {
        Ok(rx) => rx,
        Err(SubmitError::Full) => {
            let mut r = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the inference queue is full; retry later".into(),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return r;
        }
        Err(SubmitError::Closed) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down".into(),
            )
        }
    };
    let reply = match rx.await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(_) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the inference thread stopped".into(),
            )
        }
    };
    let mut out = json!({ "outputs": reply.outputs, "output_shape": reply.row_shape });
    if let (Some(p), Some(labels)) = (&reply.probabilities, &st.labels) {
        let preds: Vec<usize> = reply.outputs.iter().map(|r| argmax(r)).collect();
        out["probabilities"] = json!(p);
        out["labels"] = json!(preds
            .iter()
            .map(|&i| labels.get(i).cloned().unwrap_or_default())
            .collect::<Vec<_>>());
        out["predictions"] = json!(preds);
    }
    Json(out).into_response()
}

/// The first index of the largest value (`torch.argmax`'s choice on ties).
fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
