#!/usr/bin/env bash
# Test of scripts/get-mnist.sh --from (no network): wrong files are deleted and fail loudly;
# with MNIST_DIR set, a real copy succeeds and a second run skips the verified files.
set -uo pipefail
repo="${1:?usage: test_get_mnist.sh REPO_DIR}"
script="$repo/scripts/get-mnist.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. A source folder with fake files: exit non-zero, nothing left in the destination.
mkdir -p "$tmp/fake" "$tmp/dest1"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  echo "not mnist" > "$tmp/fake/$f"
done
out="$(bash "$script" --from "$tmp/fake" --dest "$tmp/dest1" 2>&1)"; rc=$?
echo "$out"
[ "$rc" -ne 0 ] || fail "fake files accepted"
echo "$out" | grep -q "BAD MD5  train-images-idx3-ubyte.gz: expected f68b3c2dcbeaaa9fbdd348bbdeb94873" || fail "no BAD MD5 line"
[ -z "$(ls -A "$tmp/dest1")" ] || fail "files left behind: $(ls "$tmp/dest1")"

# 2. A wrong file already in the destination is deleted too.
mkdir -p "$tmp/dest2" "$tmp/empty"
echo junk > "$tmp/dest2/t10k-labels-idx1-ubyte.gz"
bash "$script" --from "$tmp/empty" --dest "$tmp/dest2" >/dev/null 2>&1 && fail "empty source accepted"
[ ! -e "$tmp/dest2/t10k-labels-idx1-ubyte.gz" ] || fail "wrong file in destination not deleted"

# 3. Bad arguments.
bash "$script" --from "$tmp/nope" --dest "$tmp/dest3" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing --from folder: expected exit 2"
bash "$script" --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown argument: expected exit 2"

# 4. Real files (only when MNIST_DIR is set): copy, then skip on the second run.
if [ -n "${MNIST_DIR:-}" ] && [ -f "$MNIST_DIR/train-images-idx3-ubyte.gz" ]; then
  bash "$script" --from "$MNIST_DIR" --dest "$tmp/real" || fail "copy from MNIST_DIR failed"
  out="$(bash "$script" --from "$MNIST_DIR" --dest "$tmp/real" 2>&1)" || fail "second run failed"
  [ "$(echo "$out" | grep -c 'already present')" = 4 ] || fail "second run did not skip: $out"
else
  echo "MNIST_DIR not set: real-copy part skipped"
fi
echo "PASS"
