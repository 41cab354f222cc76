#!/usr/bin/env bash
# Checks the drawing page in a real headless browser (Debian's Chromium: `apt-get install
# chromium`): starts `serve` with seed-0 weights on a free loopback port, opens
# `/?shape=NAME` for each shape the page offers (the page draws it and posts the 28x28 image to
# /predict), lets the page run, and reads the DOM: ten probabilities summing to 1 and the
# predicted label must be there, and the server must have answered one /predict per page.
#
#   cargo build --release -p serve && examples/serve/scripts/browser-check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
serve=${SERVE_BIN:-$root/target/release/serve}
chromium=${CHROMIUM:-chromium}
command -v "$chromium" >/dev/null || { echo "no $chromium: apt-get install chromium" >&2; exit 2; }
tmp=$(mktemp -d)
"$serve" --init-seed 0 --port 0 >"$tmp/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do
  grep -q '^listening on' "$tmp/serve.log" && break
  sleep 0.1
done
url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$tmp/serve.log")
[ -n "$url" ] || { cat "$tmp/serve.log"; echo "serve did not start" >&2; exit 1; }
shapes="trouser tshirt bag sneaker"
for shape in $shapes; do
  timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" \
    --virtual-time-budget=5000 --dump-dom "$url/?shape=$shape" >"$tmp/$shape.html" 2>/dev/null
  python3 - "$tmp/$shape.html" "$shape" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<pre id="result"[^>]*>(.*?)</pre>', dom, re.S)
assert m and m.group(1).strip(), f"{sys.argv[2]}: the page shows no result"
r = json.loads(html.unescape(m.group(1)))
p = r["probabilities"]
assert len(p) == 10 and abs(sum(p) - 1) < 1e-4, p
rows = re.findall(r"<tr[^>]*>", dom)
assert len(rows) == 10, f"{len(rows)} table rows"
print(f"{sys.argv[2]}: predicted {r['label']!r}, probabilities sum to {sum(p):.6f}")
PY
done
n=$(curl -s "$url/metrics" | sed -n 's/^serve_requests_total{route="\/predict",status="200"} //p')
[ "$n" = "$(echo $shapes | wc -w)" ] || { echo "the server answered ${n:-0} /predict requests" >&2; exit 1; }
echo "browser check passed: $n pages drew, posted and showed ten probabilities"
