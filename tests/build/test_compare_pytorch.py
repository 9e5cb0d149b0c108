#!/usr/bin/env python3
"""scripts/compare-pytorch.sh end to end, one epoch each, PyTorch left out (it is optional, and slow):
the script runs, its table has the C++ rows, the fastcpu row is the step `07_fast --backend fastcpu`
runs (the ladder step marked is_fastcpu_backend, step 6), and it names the CPU kernels' ISA.

    test_compare_pytorch.py BUILD_DIR WORK_DIR

Exit 77 (skipped) without MNIST: the script insists on the textbook's data (--dataset mnist).
"""
import json
import os
import subprocess
import sys

build, work = sys.argv[1], sys.argv[2]
root = os.environ.get("DNN_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
mnist = os.environ.get("MNIST_DIR") or os.path.join(root, "data", "mnist")
if not os.path.exists(os.path.join(mnist, "train-images-idx3-ubyte.gz")) and \
        not os.path.exists(os.path.join(mnist, "train-images-idx3-ubyte")):
    print(f"skipped: no MNIST in {mnist} (set MNIST_DIR); compare-pytorch.sh runs on MNIST only")
    sys.exit(77)

out = os.path.join(work, "out")
env = dict(os.environ, BUILD=build, EPOCHS="1", NAIVE_EPOCHS="1", OUT=out, PYTHON="/nonexistent/python3",
           MNIST_DIR=mnist)
r = subprocess.run(["bash", os.path.join(root, "scripts", "compare-pytorch.sh")], cwd=root, env=env,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
text = r.stdout
failures = []
if r.returncode != 0:
    failures.append(f"exit code {r.returncode}")
for want in ("| C++ eigen", "| C++ naive", "| C++ fastcpu (chapter 07)", "CPU kernels: ",
             "PyTorch not importable", "fastcpu vs chapter 05's Eigen path in the same round-robin run"):
    if want not in text:
        failures.append(f"output lacks {want!r}")
ladder = json.load(open(os.path.join(out, "fastcpu", "ladder.json")))
marked = [row["step"] for row in ladder["results"] if row.get("is_fastcpu_backend")]
if len(marked) != 1 or not marked[0].startswith("6 "):
    failures.append(f"the ladder marks {marked} as the fastcpu backend, expected step 6 only")
else:
    fast = next(row for row in ladder["results"] if row.get("is_fastcpu_backend"))
    line = next((l for l in text.splitlines() if l.startswith("| C++ fastcpu (chapter 07)")), "")
    want = f"{fast['median_cpu_seconds_per_epoch']:12.3f}"
    if want.strip() not in line:
        failures.append(f"the fastcpu row {line!r} does not show step 6's {want.strip()} CPU s/epoch")
if failures:
    print(text[-4000:])
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("compare-pytorch.sh: ran, C++ rows present, fastcpu = ladder step 6, ISA named")
