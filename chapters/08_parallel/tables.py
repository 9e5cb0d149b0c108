#!/usr/bin/env python3
"""chapters/08_parallel/tables.py — turn results/runs/*.json (written by experiments.sh) into the
CSV tables of results/ and print them as the Markdown tables of the README."""
import csv
import json
import math
import pathlib
import subprocess

R = pathlib.Path(__file__).resolve().parent / "results"
RUNS = R / "runs"


def load(name):
    p = RUNS / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def write(name, header, rows):
    with open(R / f"{name}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    print(f"\n{name}.csv\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


def cpu(j):  # rank 0's CPU seconds per epoch
    h = j["history"]
    return sum(e["cpu_seconds"] for e in h) / len(h)


def f(x, d=4):
    return "—" if x is None else f"{x:.{d}f}"


def timing():
    rows = []
    for B in (32, 256, 2048):
        p1 = load(f"timing_P1_B{B}")
        if not p1:
            continue
        row = [B, f(p1["seconds_per_epoch"], 3), f(cpu(p1), 3)]
        for v in ("", "_bindnone", "_yield"):
            p2 = load(f"timing_P2_B{B}{v}")
            row += [f(p2["seconds_per_epoch"], 3), f(cpu(p2), 3),
                    f(p1["seconds_per_epoch"] / p2["seconds_per_epoch"], 2)] if p2 else ["—"] * 3
        rows.append(row)
    write("timing", ["global batch", "P=1 s/epoch", "P=1 cpu s", "P=2 s/epoch", "P=2 cpu s (rank 0)", "speedup",
                     "P=2 --bind-to none s/epoch", "cpu s", "speedup", "P=2 mpi_yield_when_idle s/epoch", "cpu s",
                     "speedup"], rows)


def largebatch():
    rows = []
    for B in (32, 256, 2048, 8192):
        for w in ("", "_warmup"):
            j = load(f"largebatch_B{B}{w}")
            if not j:  # no JSON: the run diverged (exit 3), or was not run
                if (RUNS / f"largebatch_B{B}{w}.log").exists():
                    rows.append([B, 0.01 * B / 32, 2 if w else 0, "diverged (exit 3)", "—", "—"])
                continue
            steps = math.ceil(60000 / B)
            e97 = j["epoch_reached_97"]
            rows.append([B, j["lr"], j["warmup_epochs"], f(j["test_accuracy"]), e97 or "not in 10",
                         e97 * steps if e97 else "—"])
    write("largebatch", ["global batch B", "lr = 0.01·B/32", "warm-up epochs", "test accuracy (10 epochs)",
                         "epoch reaching 97 %", "steps to 97 %"], rows)


def largebatch_steps():  # steps to 94 % (the highest accuracy every trained run reaches) from the histories
    rows = []
    for B in (32, 256, 2048, 8192):
        for w in ("", "_warmup"):
            j = load(f"largebatch_B{B}{w}")
            if not j:
                continue
            e94 = next((h["epoch"] for h in j["history"] if h["test_accuracy"] >= 0.94), None)
            steps = math.ceil(60000 / B)
            rows.append([B, j["warmup_epochs"], e94 or "not in 10", e94 * steps if e94 else "—",
                         e94 * steps * B if e94 else "—"])
    write("largebatch_steps", ["global batch B", "warm-up epochs", "epoch reaching 94 %", "steps to 94 %",
                               "examples to 94 %"], rows)


def noise_scale():  # B_simple at 0, 1, 5 epochs (results/noise_scale.json, experiments.sh noisescale)
    p = R / "noise_scale.json"
    if not p.exists():
        return
    j = json.loads(p.read_text())
    print(f"\nnoise_scale.json ({j['noise_examples']} examples, {j['date']})\n"
          "| epochs of SGD (B 32, η 0.01) | steps | test accuracy | ‖G‖² | tr(Σ) | B_simple |\n|---:|---:|---:|---:|---:|---:|")
    for r in j["noise_scale"]:
        print(f"| {r['epochs_trained']} | {r['steps']} | {r['test_accuracy']:.4f} | {r['grad_norm2']:.4f} | "
              f"{r['trace_sigma']:.1f} | {r['b_simple']:.0f} |")


def compress():
    rows = []
    for c in ("none", "topk_0.1", "topk_0.01", "topk_0.001", "sign"):
        j = load(f"compress_{c}")
        if not j:
            continue
        per_step = j["bytes_sent_per_rank"] / max(1, j["rounds"])
        rows.append([c.replace("_", ":"), f"{per_step:.0f}", j["data"]["train"], j["epochs"], f(j["test_accuracy"]),
                     f(j["seconds_per_epoch"], 3), f(cpu(j), 3)])
    write("compress", ["--compress", "bytes sent per rank per step", "training images", "epochs", "test accuracy",
                       "s/epoch", "cpu s/epoch (rank 0)"], rows)


def localsgd():
    rows = []
    for H in (1, 8, 64):
        j = load(f"localsgd_H{H}")
        if not j:
            continue
        rows.append([H, f(j["test_accuracy"]), j["epoch_reached_97"] or "not in 10", j["rounds_to_97"] or "—",
                     f"{j['bytes_to_97'] / 1e6:.1f}" if j["epoch_reached_97"] else "—", f(j["seconds_per_epoch"], 3)])
    write("localsgd", ["H (--sync-every)", "test accuracy (10 epochs)", "epoch reaching 97 %", "averagings to 97 %",
                       "MB sent per rank to 97 %", "s/epoch"], rows)


def stale():
    rows, best = [], {}
    lrs = ("0.025", "0.05", "0.1", "0.2", "0.4", "0.8", "1.6")
    for S in (0, 1, 4, 16):
        row = [S]
        for lr in lrs:
            j = load(f"stale_S{S}_lr{lr}")
            acc = j["test_accuracy"] if j else None  # no JSON: the run diverged (exit 3)
            row.append(f(acc, 3) if acc is not None else "diverged")
            if acc is not None and acc >= 0.8:
                best[S] = float(lr)
        row.append(best.get(S, "—"))
        rows.append(row)
    write("stale", ["staleness S"] + [f"lr {lr}" for lr in lrs] + ["largest lr reaching 80 %"], rows)
    pts = "\n".join(f"{S} {best[S]}" for S in sorted(best))
    if pts:
        script = f"""set terminal pngcairo size 800,500; set output '{R / "stale.png"}'
set title 'Largest lr still reaching 80 % (1 epoch, 20 000 examples) vs staleness'
set xlabel 'staleness S (steps)'; set ylabel 'largest working lr (log)'; set logscale y; set grid
set key bottom left; set xrange [-1:17]
plot '-' using 1:2 with linespoints lw 2 pt 7 title 'measured (grid 0.025 ... 1.6)', \\
     {best.get(0, 1.6)}/(1+x) with lines dt 2 title 'lr(0)/(1+S)'
{pts}
e
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=False)


def hogwild():
    rows = []
    for name, label in (("hogwild_T1", "hogwild, 1 thread"), ("hogwild_T2", "hogwild, 2 threads"),
                        ("hogwild_T2_locked", "mutex, 2 threads"), ("hogwild_sync_P1", "sync, 1 process")):
        j = load(name)
        if not j:
            continue
        over = "—"
        if "hogwild" in j.get("extra", {}):
            eps = j["extra"]["hogwild"]["epochs"]
            u0 = sum(e["updates_first_layer"] for e in eps); o0 = sum(e["overwritten_first_layer"] for e in eps)
            u1 = sum(e["updates_other_layers"] for e in eps); o1 = sum(e["overwritten_other_layers"] for e in eps)
            over = f"{o0} of {u0} ({100 * o0 / max(1, u0):.3f} %) / {o1} of {u1} ({100 * o1 / max(1, u1):.3f} %)"
        rows.append([label, f(j["seconds_per_epoch"], 3), f(j["test_accuracy"]), over])
    write("hogwild", ["run (3 epochs)", "s/epoch", "test accuracy", "overwritten updates: first layer / other layers"],
          rows)


for fn in (timing, largebatch, largebatch_steps, noise_scale, compress, localsgd, stale, hogwild):
    fn()
