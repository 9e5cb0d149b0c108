#!/usr/bin/env bash
# scripts/get-mnist.sh [--from DIR] [--dest DIR] — get the four official MNIST files and check their MD5s.
#
#   scripts/get-mnist.sh                 download into data/mnist/ (the repository's data folder)
#   scripts/get-mnist.sh --dest DIR      download into DIR
#   scripts/get-mnist.sh --from DIR      copy from a local folder instead (offline machines, USB stick)
#
# Files already present with the right checksum are skipped. A file whose checksum is wrong is
# deleted and the script fails loudly (a half-downloaded or tampered file is never left behind).
# Mirrors are tried in order; needs curl or wget (downloads only), md5sum (coreutils).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/data/mnist"
from=""

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --from) [ $# -ge 2 ] || { echo "get-mnist.sh: --from needs a folder" >&2; exit 2; }; from="$2"; shift 2;;
    --dest) [ $# -ge 2 ] || { echo "get-mnist.sh: --dest needs a folder" >&2; exit 2; }; dest="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "get-mnist.sh: unknown argument '$1' (expected --from DIR, --dest DIR or --help)" >&2; exit 2;;
  esac
done

# name  md5 (of the .gz file, as published with MNIST)
files=(
  "train-images-idx3-ubyte.gz f68b3c2dcbeaaa9fbdd348bbdeb94873"
  "train-labels-idx1-ubyte.gz d53e105ee54ea40749a09fcbcd1e9432"
  "t10k-images-idx3-ubyte.gz 9fb629c4189551a2d022fa330f9573f3"
  "t10k-labels-idx1-ubyte.gz ec29112dd5afa0611ce80d1b7f02629c"
)
mirrors=(
  "https://ossci-datasets.s3.amazonaws.com/mnist"
  "https://storage.googleapis.com/cvdf-datasets/mnist"
  "http://yann.lecun.com/exdb/mnist"
)

if [ -n "$from" ] && [ ! -d "$from" ]; then
  echo "get-mnist.sh: --from '$from': no such folder" >&2
  exit 2
fi
command -v md5sum >/dev/null || { echo "get-mnist.sh: md5sum not found (coreutils)" >&2; exit 2; }
mkdir -p "$dest" || { echo "get-mnist.sh: cannot create '$dest'" >&2; exit 2; }

md5_of() { md5sum "$1" | cut -d' ' -f1; }

fetch() {  # fetch URL OUT
  if command -v curl >/dev/null; then curl -fsSL --retry 2 --connect-timeout 15 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -q -T 15 -t 2 -O "$2" "$1"
  else echo "get-mnist.sh: neither curl nor wget is installed" >&2; return 1
  fi
}

failed=0
for entry in "${files[@]}"; do
  name="${entry%% *}"; want="${entry##* }"
  out="$dest/$name"
  if [ -f "$out" ] && [ "$(md5_of "$out")" = "$want" ]; then
    echo "ok       $name (already present, MD5 $want)"
    continue
  fi
  tmp="$out.part"
  rm -f "$tmp"
  got_it=0
  if [ -n "$from" ]; then
    src="$from/$name"
    if [ -f "$src" ]; then
      cp "$src" "$tmp" && got_it=1
    else
      echo "MISSING  $name: not in --from folder '$from'" >&2
    fi
  else
    for m in "${mirrors[@]}"; do
      echo "download $m/$name"
      if fetch "$m/$name" "$tmp"; then got_it=1; break; fi
      echo "         (failed, trying the next mirror)" >&2
      rm -f "$tmp"
    done
    [ "$got_it" = 1 ] || echo "FAILED   $name: no mirror answered (offline? copy the files and use --from DIR)" >&2
  fi
  if [ "$got_it" = 1 ]; then
    have="$(md5_of "$tmp")"
    if [ "$have" = "$want" ]; then
      mv -f "$tmp" "$out"
      echo "ok       $name (MD5 $want)"
      continue
    fi
    echo "BAD MD5  $name: expected $want, got $have — deleted (corrupt or not the official file)" >&2
    rm -f "$tmp"
  fi
  # A wrong file already in place must not be used either.
  if [ -f "$out" ]; then
    echo "BAD MD5  $dest/$name: expected $want, got $(md5_of "$out") — deleted" >&2
    rm -f "$out"
  fi
  failed=1
done

if [ "$failed" != 0 ]; then
  echo "get-mnist.sh: FAILED: $dest does not hold all four verified MNIST files (see above)" >&2
  exit 1
fi
echo "get-mnist.sh: MNIST ready in $dest"
if [ "$dest" != "$here/data/mnist" ]; then echo "  use it with: --data $dest   or   export MNIST_DIR=$dest"; fi
