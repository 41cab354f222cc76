#!/usr/bin/env python3
"""Checks, with Python's PyTorch, the files `export-to-pytorch` wrote (the Rust -> Python
direction of torch.save files). Needs the pinned torch (see libtorch/tests/fixtures/gen/).

    cargo run --release --bin export-to-pytorch -- --out /tmp/ltrs-export
    python3 examples/scripts/check-export.py /tmp/ltrs-export

Everything is read with plain `torch.load(path)`, whose default is `weights_only=True`.
Exits non-zero on the first difference.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "libtorch", "tests", "fixtures")
sys.path.insert(0, os.path.join(FIXTURES, "gen"))
from describe import describe  # noqa: E402


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(
        a.contiguous().view(torch.uint8), b.contiguous().view(torch.uint8))


def main(out):
    failures = []
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    net.load_state_dict(torch.load(os.path.join(out, "model.pt")))  # strict
    ckpt = torch.load(os.path.join(out, "checkpoint.pt"))
    with torch.no_grad():
        if not same(net(ckpt["probe"]), ckpt["output"]):
            failures.append("the model's outputs differ from Rust's")
    # The optimizer's state continues Rust's training: the next step equals Rust's next step.
    net.load_state_dict(ckpt["model"])
    opt = torch.optim.Adam(net.parameters(), lr=123.0)
    opt.load_state_dict(ckpt["optimizer"])
    if opt.param_groups[0]["lr"] != 0.01:
        failures.append(f"the optimizer's lr is {opt.param_groups[0]['lr']}")
    loss = (net(ckpt["input"]) - ckpt["target"]).square().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    for i, (p, q) in enumerate(zip(net.parameters(), torch.load(os.path.join(out, "next_step.pt")))):
        if not same(p.detach(), q):
            failures.append(f"parameter {i} after the next Adam step differs from Rust's")
    # Every fixture PyTorch wrote, loaded and saved again by Rust, loads as the original did.
    with open(os.path.join(FIXTURES, "pt", "manifest.json")) as f:
        manifest = json.load(f)
    resaved = sorted(os.listdir(os.path.join(out, "resaved")))
    for name in resaved:
        got = describe(torch.load(os.path.join(out, "resaved", name)))
        if name in manifest and got != manifest[name]:
            failures.append(f"resaved/{name} loads differently from the original")
    for f in failures:
        print("check-export: FAIL:", f)
    print(f"check-export: model, checkpoint, optimizer step and {len(resaved)} re-saved files "
          f"checked with torch {torch.__version__}: {'FAILED' if failures else 'all identical'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
