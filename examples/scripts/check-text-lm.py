#!/usr/bin/env python3
"""Checks, with Python's PyTorch, the model `text-lm` saved: the same module written in Python
loads `model.pt` strictly (plain `torch.load`, weights-only) and gives the logits Rust saved in
`reference.pt` for the reference text's tokens. With Python's `tokenizers` installed, also
checks that `tokenizer.json` encodes the reference text to the same ids.

    cargo run --release --bin text-lm -- --out-dir /tmp/ltrs-text-lm
    python3 examples/scripts/check-text-lm.py /tmp/ltrs-text-lm

Exits non-zero on a difference.
"""
import json
import os
import sys

import torch
from torch import nn


class TextLM(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_layers, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, x):
        y, _ = self.lstm(self.drop(self.embedding(x)))
        return self.decoder(self.drop(y))


def main(out):
    with open(os.path.join(out, "config.json")) as f:
        config = json.load(f)
    model = TextLM(**config["model"]).eval()
    model.load_state_dict(torch.load(os.path.join(out, "model.pt")))  # strict
    ref = torch.load(os.path.join(out, "reference.pt"))
    with torch.no_grad():
        logits = model(ref["tokens"][None])[0]
    diff = (logits - ref["logits"]).abs().max().item()
    print(f"logits of {len(ref['tokens'])} tokens: max |Python - Rust| = {diff:.3e}, "
          f"bit-identical: {torch.equal(logits, ref['logits'])}")
    ok = diff <= 1e-5
    try:
        from tokenizers import Tokenizer
    except ImportError:
        print("Python's tokenizers is not installed: tokenizer.json not checked")
    else:
        tok = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
        ids = tok.encode(config["reference_text"], add_special_tokens=False).ids
        same = ids == ref["tokens"].tolist()
        print(f"tokenizer.json in Python: {'same' if same else 'DIFFERENT'} token ids")
        ok = ok and same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
