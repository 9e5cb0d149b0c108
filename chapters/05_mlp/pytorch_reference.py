#!/usr/bin/env python3
"""The chapter-05 model in PyTorch, for a fair side-by-side timing with the C++ program.

Identical model and training: 784-50-50-10, ReLU, softmax + categorical cross-entropy
(nn.CrossEntropyLoss on the logits), plain SGD lr 0.01 (no momentum), batch 32, Glorot-uniform
weights (xavier_uniform_) and zero biases, the training set reshuffled every epoch.

PyTorch's *best* CPU loop at this size, so the comparison is fair:
  - torch.set_num_threads(1) (at batch 32 more threads only add synchronisation),
  - the whole dataset as float32 tensors in memory, no DataLoader,
  - each epoch's shuffled copy written with index_select(out=...) into buffers allocated once,
  - minibatches are views (slices) of those buffers, zero_grad(set_to_none=True),
  - nothing else in the timed loop but the running loss (one .item() per step; the running
    training accuracy that Keras prints is left out here because it costs PyTorch ~4 extra op
    dispatches per step).

Run with Debian's torch 1.13:
    /usr/bin/python3 chapters/05_mlp/pytorch_reference.py --mnist $MNIST_DIR --epochs 10
Prints one line per epoch (seconds and test accuracy) and writes a JSON summary.
Exits 0 with a clear message when torch cannot be imported (the comparison is optional).
"""
import argparse
import gzip
import json
import os
import platform
import struct
import sys
import time


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return dims, data[4 + 4 * rank:]


def find(dir_, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(dir_, name)
        if os.path.exists(p):
            return p
    sys.exit(f"pytorch_reference.py: error: {stem}[.gz] not found in '{dir_}' (--mnist DIR or MNIST_DIR)")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mnist", default=os.environ.get("MNIST_DIR", "data/mnist"),
                    help="folder with the four MNIST IDX files (default: $MNIST_DIR, then data/mnist)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default="out/05_mlp/pytorch.json", help="where to write the summary")
    args = ap.parse_args()
    for name in ("epochs", "batch", "threads"):
        if getattr(args, name) < 1:
            sys.exit(f"pytorch_reference.py: error: --{name} must be >= 1")
    if not args.lr > 0:
        sys.exit("pytorch_reference.py: error: --lr must be > 0")

    try:
        import torch
        import torch.nn as nn
    except Exception as e:  # ImportError, or a broken installation
        print(f"pytorch_reference.py: skipped: PyTorch is not importable by {sys.executable} ({e}). "
              "Debian's python3-torch is used by /usr/bin/python3.")
        return 0

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    def load(images, labels):
        (n, h, w), px = read_idx(find(args.mnist, images))
        (m,), lb = read_idx(find(args.mnist, labels))
        assert n == m, "image and label counts differ"
        x = torch.frombuffer(bytearray(px), dtype=torch.uint8).reshape(n, h * w).float().div_(255.0)
        y = torch.frombuffer(bytearray(lb), dtype=torch.uint8).long()
        return x, y

    x_train, y_train = load("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    x_test, y_test = load("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    n = x_train.shape[0]

    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 50), nn.ReLU(), nn.Linear(50, 10))
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)   # Keras's glorot_uniform
            nn.init.zeros_(m.bias)
    loss_fn = nn.CrossEntropyLoss()           # softmax + categorical cross-entropy, fused
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)

    xb_all = torch.empty_like(x_train)         # the shuffled epoch, allocated once
    yb_all = torch.empty_like(y_train)
    gen = torch.Generator().manual_seed(args.seed)

    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), {cpu_model()}")
    history = []
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        c0 = time.process_time()
        perm = torch.randperm(n, generator=gen)
        torch.index_select(x_train, 0, perm, out=xb_all)
        torch.index_select(y_train, 0, perm, out=yb_all)
        loss_sum = 0.0
        for s in range(0, n, args.batch):
            xb = xb_all[s:s + args.batch]
            yb = yb_all[s:s + args.batch]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * xb.shape[0]
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - c0
        with torch.no_grad():
            logits = model(x_test)
            test_loss = loss_fn(logits, y_test).item()
            test_acc = (logits.argmax(1) == y_test).float().mean().item()
        history.append({"epoch": epoch, "seconds": seconds, "cpu_seconds": cpu_seconds, "train_loss": loss_sum / n,
                        "test_loss": test_loss, "test_accuracy": test_acc})
        print(f"Epoch {epoch}/{args.epochs} - {seconds:.3f}s (cpu {cpu_seconds:.3f}s) - loss: {loss_sum / n:.4f} - "
              f"test_loss: {test_loss:.4f} - test_accuracy: {test_acc:.4f}", flush=True)

    secs = sorted(h["seconds"] for h in history)
    cpu = sorted(h["cpu_seconds"] for h in history)
    summary = {"program": "pytorch_reference.py", "torch": torch.__version__, "threads": torch.get_num_threads(),
               "cpu": cpu_model(), "batch": args.batch, "lr": args.lr, "epochs": args.epochs, "seed": args.seed,
               "median_seconds_per_epoch": secs[len(secs) // 2], "min_seconds_per_epoch": secs[0],
               "median_cpu_seconds_per_epoch": cpu[len(cpu) // 2],
               "final": {"test_loss": history[-1]["test_loss"], "test_accuracy": history[-1]["test_accuracy"]},
               "history": history}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    tmp = args.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=2)
    os.replace(tmp, args.json)
    print(f"Test loss: {history[-1]['test_loss']:.4f}\nTest accuracy: {history[-1]['test_accuracy']:.4f}")
    print(f"median {summary['median_seconds_per_epoch']:.3f} s/epoch; wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
