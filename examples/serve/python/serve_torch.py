"""The load test's reference: the same Fashion-MNIST MLP in PyTorch eager mode behind
Python's standard threaded HTTP server, answering `POST /predict` as `serve` does.

    python serve_torch.py --weights mlp.pt [--port 0] [--threads N]

It prints `listening on http://HOST:PORT` once ready. No batching: each request runs its own
forward pass on the handler thread, as a minimal Flask or http.server deployment would.
"""
import argparse
import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch
from torch import nn

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def mlp():
    # The architecture of examples/src/fashion/model.rs (ModelKind::Mlp), same state_dict keys.
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(),
                         nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the Rust server
    model = None

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold the second for 40 ms on every keep-alive request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/healthz":
            body = b"ok\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send(404, {"error": "no such route"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        if n > 1 << 20:
            self.send(413, {"error": "body too large"})
            return
        body = self.rfile.read(n)
        if self.path != "/predict":
            self.send(404, {"error": "no such route"})
            return
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            if ctype == "application/octet-stream":
                if len(body) == 0 or len(body) % 784:
                    raise ValueError(f"raw upload of {len(body)} bytes")
                x = torch.frombuffer(bytearray(body), dtype=torch.uint8)
                x = x.reshape(-1, 1, 28, 28).float() / 255.0
            elif ctype == "application/json":
                x = torch.tensor(json.loads(body)["inputs"], dtype=torch.float32)
                x = x.reshape(-1, 1, 28, 28)
            else:
                raise ValueError(f"content type {ctype!r}")
        except (ValueError, KeyError, RuntimeError, TypeError) as e:
            self.send(400, {"error": str(e)})
            return
        with torch.inference_mode():
            y = self.model(x)
            p = y.softmax(-1)
        preds = y.argmax(-1).tolist()
        self.send(200, {"outputs": y.tolist(), "output_shape": [10],
                        "probabilities": p.tolist(), "predictions": preds,
                        "labels": [LABELS[i] for i in preds]})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8082)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    model = mlp()
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    model.eval()
    Handler.model = model
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    print(f"listening on http://{a.host}:{srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
