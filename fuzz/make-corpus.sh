#!/usr/bin/env bash
# fuzz/make-corpus.sh OUT_DIR — the seed corpus of the IDX fuzzer: small valid IDX files (raw and
# gzip) and the broken variants the tests cover (bad magic, truncated header/payload, trailing
# bytes, not gzip, corrupt gzip, zero dims, lying huge header). Regenerated on every fuzz run.
set -euo pipefail
out="${1:?usage: make-corpus.sh OUT_DIR}"
mkdir -p "$out"
python3 - "$out" <<'PY'
import gzip, os, struct, sys
out = sys.argv[1]
def idx(dims, payload=None):
    n = 1
    for d in dims: n *= d
    if payload is None: payload = bytes((i * 7) % 256 for i in range(n))
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload
def gz(b): return gzip.compress(b, compresslevel=6, mtime=0)
files = {
    "images_2x28x28": idx([2, 28, 28]),
    "images_3x4x5": idx([3, 4, 5]),
    "labels_10": idx([10], bytes(range(10))),
    "rank4": idx([2, 2, 2, 2]),
    "bad_magic": b"\x12\x34" + idx([1, 4, 4])[2:],
    "bad_dtype": b"\x00\x00\x0d\x03" + idx([1, 4, 4])[4:],
    "bad_rank": b"\x00\x00\x08\x09" + idx([1, 4, 4])[4:],
    "truncated_header": idx([1, 4, 4])[:10],
    "truncated_payload": idx([2, 8, 8])[:-5],
    "trailing": idx([2, 8, 8]) + b"\xab" * 7,
    "zero_dim": bytes([0, 0, 8, 3]) + struct.pack(">III", 0, 28, 28),
    "huge_header": bytes([0, 0, 8, 3]) + struct.pack(">III", 0x80000000, 28, 28) + b"\x01" * 784,
    "absurd_dims": bytes([0, 0, 8, 3]) + b"\xff" * 12,
    "empty": b"",
    "garbage": b"hello world, not an idx file",
}
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f: f.write(data)
    with open(os.path.join(out, name + ".gz"), "wb") as f: f.write(gz(data))
g = gz(idx([4, 8, 8]))
with open(os.path.join(out, "gz_truncated"), "wb") as f: f.write(g[: len(g) // 2])
bad = bytearray(g); bad[len(g) // 3] ^= 0x5A
with open(os.path.join(out, "gz_flipped"), "wb") as f: f.write(bytes(bad))
with open(os.path.join(out, "gz_two_members"), "wb") as f: f.write(gz(idx([2, 4, 4])[:20]) + gz(idx([2, 4, 4])[20:]))
with open(os.path.join(out, "gz_trailing_garbage"), "wb") as f: f.write(g + b"xyz")
with open(os.path.join(out, "gz_bomb"), "wb") as f: f.write(gz(idx([1, 4, 4]) + bytes(1 << 20)))
PY
echo "corpus: $(ls "$out" | wc -l) files in $out"
