#!/usr/bin/env python3
"""Chapter 06: turn Google Benchmark JSON into a GFLOP/s table (Markdown) and speedup bar charts (PNG).

    python3 chapters/06_kernels/report.py runs/06_kernels/cpu.json [runs/06_kernels/cuda.json ...] --out runs/06_kernels

Reads the gemm_cpu/<kernel>/<M>x<N>x<K> and gemm_cuda/... entries written by bench_ch06_cpu and
bench_ch06_cuda (--benchmark_out=FILE --benchmark_out_format=json), computes GFLOP/s = 2·M·N·K / time
from the measured time (for CUDA that is the event-timed kernel time, UseManualTime), and writes:

  <out>/gemm_table.md            GFLOP/s of every step at every shape; per device the speedup over the
                                 naive step and the share of the reference (Eigen on the CPU, cuBLAS FP32
                                 on the GPU) at the largest square shape; the MLP's small kernels
  <out>/gemm_speedup_cpu.png     bar chart: speedup over naive (log scale) at the largest square shape
  <out>/gemm_speedup_cuda.png    the same for the GPU (when CUDA results are given)

When a benchmark ran with --benchmark_repetitions, the fastest repetition ("min") is used if
present, else the median. Only the Python standard library
and the gnuplot program are needed (no PNG, with a message, when gnuplot is missing).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
REFERENCE = {"gemm_cpu": "eigen", "gemm_cuda": "cublas"}
DEVICE_NAME = {"gemm_cpu": "CPU", "gemm_cuda": "GPU"}


def load(paths):
    """Returns (results, contexts): results[(group, kernel, shape)] = seconds per run, in file order."""
    results, order, contexts = {}, [], []
    for path in paths:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit(f"report.py: error: cannot read benchmark JSON '{path}': {e}")
        contexts.append(doc.get("context", {}))
        benches = doc.get("benchmarks", [])
        # With repetitions: per benchmark, the fastest repetition ("min", bench_ch06_cpu adds it
        # for the GEMMs) or else the median; without repetitions, the single run.
        aggregates = {}
        for b in benches:
            if b.get("run_type") == "aggregate":
                aggregates.setdefault(b.get("run_name", b["name"]), set()).add(b.get("aggregate_name"))
        for b in benches:
            have = aggregates.get(b.get("run_name", b["name"]), set())
            wanted = "min" if "min" in have else ("median" if "median" in have else None)
            if wanted and (b.get("run_type") != "aggregate" or b.get("aggregate_name") != wanted):
                continue
            if b.get("error_occurred"):
                print(f"report.py: skipping {b.get('name')}: {b.get('error_message')}", file=sys.stderr)
                continue
            full_name = b.get("run_name", b["name"])
            name = full_name.split("/manual_time")[0].split("/real_time")[0]
            parts = name.split("/")
            if len(parts) < 3:
                continue
            group, kernel, shape = parts[0], parts[1], parts[2]
            unit = UNIT_SECONDS[b.get("time_unit", "ns")]
            seconds = b["real_time"] * unit  # for UseManualTime: the time the benchmark measured (CUDA events)
            if not seconds > 0:
                print(f"report.py: skipping {b.get('name')}: no time measured", file=sys.stderr)
                continue
            # Google Benchmark derives bytes_per_second from the time it bases its decisions on: the
            # manual time (UseManualTime, "/manual_time" in the name), the wall time (UseRealTime,
            # "/real_time"), else the CPU time. The tables use the measured (wall) time everywhere,
            # so only a rate from CPU time is turned back into bytes per iteration and divided by it.
            bps = b.get("bytes_per_second")
            timed_by_cpu = "/manual_time" not in full_name and "/real_time" not in full_name
            if bps and timed_by_cpu and b.get("cpu_time"):
                bps = bps * b["cpu_time"] * unit / seconds
            key = (group, kernel, shape)
            if key not in results:
                order.append(key)
            results[key] = (seconds, bps)
    return results, order, contexts


def flops(shape):
    m, n, k = (int(x) for x in shape.split("x"))
    return 2.0 * m * n * k


def is_square(shape):
    dims = shape.split("x")
    return len(dims) == 3 and len(set(dims)) == 1


def fmt(x, digits=1):
    return "–" if x is None else f"{x:,.{digits}f}"


def gemm_tables(results, order, group):
    kernels, shapes = [], []
    for g, k, s in order:
        if g != group:
            continue
        if k not in kernels:
            kernels.append(k)
        if s not in shapes:
            shapes.append(s)
    if not kernels:
        return "", None
    gf = {(k, s): flops(s) / results[(group, k, s)][0] / 1e9 for (g, k, s) in order if g == group}
    dev = DEVICE_NAME.get(group, group)
    out = [f"### {dev} GEMM, GFLOP/s (higher is better; shapes are M×N×K)", ""]
    out.append("| step | " + " | ".join(shapes) + " |")
    out.append("|---|" + "---:|" * len(shapes))
    for k in kernels:
        out.append(f"| {k} | " + " | ".join(fmt(gf.get((k, s))) for s in shapes) + " |")
    squares = [s for s in shapes if is_square(s)]
    focus = max(squares, key=flops) if squares else shapes[0]
    ref = REFERENCE.get(group)
    naive_gf = gf.get(("naive", focus))
    ref_gf = gf.get((ref, focus))
    out += ["", f"At {focus}: speedup over the naive step and share of {ref}", ""]
    out.append(f"| step | GFLOP/s | × naive | % of {ref} |")
    out.append("|---|---:|---:|---:|")
    bars = []
    for k in kernels:
        v = gf.get((k, focus))
        if v is None:
            continue
        sp = v / naive_gf if naive_gf else None
        pct = 100.0 * v / ref_gf if ref_gf else None
        out.append(f"| {k} | {fmt(v)} | {fmt(sp)} | {fmt(pct, 0)} |")
        if sp is not None:
            bars.append((k, sp))
    return "\n".join(out) + "\n", (focus, bars, dev)


def mlp_table(results, order):
    rows = [(g, k, s) for (g, k, s) in order if g.startswith("mlp_")]
    if not rows:
        return ""
    out = ["### The MLP's small kernels", "", "| kernel | shape | time [µs] | GB/s |", "|---|---|---:|---:|"]
    for g, k, s in rows:
        sec, bps = results[(g, k, s)]
        dev = "GPU" if g.endswith("cuda") else "CPU"
        out.append(f"| {dev} {k} | {s} | {sec * 1e6:,.2f} | {fmt(bps / 1e9 if bps else None)} |")
    return "\n".join(out) + "\n"


def bar_chart(png, title, bars):
    if not shutil.which("gnuplot"):
        print(f"report.py: gnuplot not found, no {png} (the table is written)", file=sys.stderr)
        return False
    data = "\n".join(f'"{k}" {v:.6g}' for k, v in bars)
    script = f"""set terminal pngcairo noenhanced size 900,520 font ",11"
set output "{png}"
set title "{title}"
set ylabel "speedup over naive (log scale)"
set logscale y
set style fill solid 0.8
set boxwidth 0.7
set grid ytics
set yrange [0.5:*]
set xtics rotate by -30
unset key
$d << EOD
{data}
EOD
plot $d using 0:2:xtic(1) with boxes lc rgb "#3b75af", $d using 0:2:(sprintf("%.1fx", $2)) with labels offset 0,0.8
"""
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        print(f"report.py: gnuplot failed for {png}: {r.stderr.strip()}", file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", nargs="+", help="benchmark JSON files (bench_ch06_cpu / bench_ch06_cuda)")
    ap.add_argument("--out", default="runs/06_kernels", help="output folder (created if needed)")
    args = ap.parse_args()
    results, order, contexts = load(args.json)
    if not results:
        sys.exit("report.py: error: no gemm_*/mlp_* benchmarks found in " + ", ".join(args.json))
    os.makedirs(args.out, exist_ok=True)
    md = ["# Chapter 06 benchmark results", ""]
    for ctx in contexts:
        machine = ctx.get("dnn_machine")
        cpu = json.loads(machine).get("cpu", "") if machine else ""
        line = f"- {ctx.get('date', '')}, {ctx.get('host_name', '')}"
        if cpu:
            line += f", CPU: {cpu}"
        if ctx.get("gpu"):
            line += f", GPU: {ctx['gpu']}"
        md.append(line)
    md.append("")
    for group in ("gemm_cpu", "gemm_cuda"):
        table, chart = gemm_tables(results, order, group)
        if not table:
            continue
        md.append(table)
        if chart and chart[1]:
            focus, bars, dev = chart
            png = os.path.join(args.out, f"gemm_speedup_{group.split('_')[1]}.png")
            if bar_chart(png, f"{dev} GEMM ladder at {focus}: speedup over naive", bars):
                md.append(f"![{dev} speedups]({os.path.basename(png)})\n")
                print(f"report.py: wrote {png}", file=sys.stderr)
    md.append(mlp_table(results, order))
    text = "\n".join(md)
    path = os.path.join(args.out, "gemm_table.md")
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    print(text)
    print(f"report.py: wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
