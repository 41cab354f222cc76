#!/usr/bin/env python3
"""Checks that the rendered docs of every generated `Tensor` method show its PyTorch schema.

Usage: schema-docs.py DOC_DIR   (the `doc/` directory that `cargo doc -p libtorch` wrote)

The method names come from libtorch/src/generated/ops_*.rs (less the `#[doc(hidden)]` aliases,
and the methods gated to PyTorch versions other than the default one the docs are built for,
libtorch-sys/provision/default-version); each must have a section in
libtorch/struct.Tensor.html whose doc block holds an `aten::NAME(...) -> ...` schema.
"""
import glob
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
default_minor = int(open(os.path.join(root, "libtorch-sys/provision/default-version")).read()
                    .strip().split(".")[1])


def active(cfg):
    """Whether a generated item's `#[cfg(...)]` (over `torch_ge_2_M`) holds for the default."""
    if cfg is None:
        return True
    expr = re.sub(r"torch_ge_2_(\d+)", lambda m: str(default_minor >= int(m.group(1))), cfg)
    expr = expr.replace("all(", "_all(").replace("any(", "_any(").replace("not(", "_not(")
    return eval(expr, {"_all": lambda *a: all(a), "_any": lambda *a: any(a),
                       "_not": lambda a: not a, "True": True, "False": False})


names = set()
hidden = re.compile(r"#\[doc\(hidden\)\]\s*(?:#\[[^\]]*\]\s*)*pub fn (?:r#)?(\w+)")
item = re.compile(r"(?:#\[cfg\((.*)\)\]\s*)?((?:///.*\n\s*|#\[[^\]]*\]\s*)*)pub fn (?:r#)?(\w+)")
for path in glob.glob(os.path.join(root, "libtorch/src/generated/ops_*.rs")):
    text = open(path).read()
    names.update(m.group(3) for m in item.finditer(text) if active(m.group(1)))
    # The schema-named aliases of methods that took PyTorch's plain name are out of the docs.
    names.difference_update(hidden.findall(text))
if not names:
    sys.exit("no generated methods found")

page = open(os.path.join(sys.argv[1], "libtorch/struct.Tensor.html")).read()
# Each method is a <section id="method.NAME"> followed by its doc block, up to the next method.
parts = re.split(r'<section id="method\.(\w+)"', page)
schema = re.compile(r"aten::[\w.]+\(.*\) -&gt; ")
documented = {}
for name, body in zip(parts[1::2], parts[2::2]):
    documented[name] = bool(schema.search(body.split('<section id="method.')[0]))

missing = sorted(n for n in names if n not in documented)
no_schema = sorted(n for n in names if documented.get(n) is False)
print(f"{len(names)} generated methods; {len(names) - len(missing) - len(no_schema)} rendered "
      f"with their schema")
for label, bad in (("not in the rendered docs", missing), ("rendered without a schema", no_schema)):
    if bad:
        print(f"{len(bad)} {label}: {', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}")
sys.exit(1 if missing or no_schema else 0)
