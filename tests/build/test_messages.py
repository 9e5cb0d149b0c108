#!/usr/bin/env python3
"""tests/build/test_messages.py BIN_DIR WORK_DIR — what a new learner reads in the first hour (issue 13).

  - every error starts "<program>: error: " (one format for every program);
  - a mistyped flag gets "did you mean --epochs?" instead of CLI11's raw list;
  - --data <a file> says it is a file;
  - --backend cuda without a GPU says "no NVIDIA GPU found" (skipped on a GPU machine);
  - --batch larger than the training set says it is clamped;
  - 00_data --help lists only flags that do something;
  - on the Fashion-MNIST fallback the result line names the dataset, the summary and every plot
    title name it, and the warning is repeated at the end with scripts/get-mnist.sh;
  - the "wrote" lines of 05_mlp name every file it writes.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

BIN = pathlib.Path(sys.argv[1])
WORK = pathlib.Path(sys.argv[2])
failures = []


def run(prog, *args, env=None):
    e = dict(os.environ, **(env or {}))
    r = subprocess.run([str(BIN / prog), *args], text=True, capture_output=True, env=e, timeout=300)
    return r.returncode, r.stdout, r.stderr


def expect(ok, what, detail=""):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)
        if detail:
            print("     ----\n     " + detail.strip().replace("\n", "\n     ")[-3000:] + "\n     ----")


def main():
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    a_file = WORK / "a_file"
    a_file.write_text("not a folder\n")
    programs = sorted(p.name for p in BIN.iterdir() if p.is_file() and os.access(p, os.X_OK))

    for p in programs:
        code, out, err = run(p, "--no-such-flag")
        expect(code == 2 and err.startswith(f"{p}: error: unknown flag '--no-such-flag'"),
               f"{p} --no-such-flag: exit 2, '{p}: error: unknown flag ...'", err)
        code, out, err = run(p, "--ou", str(WORK / "x"))
        expect(code == 2 and "did you mean --out?" in err, f"{p} --ou: did you mean --out?", err)
    for p in ["03_sgd", "04_adam", "05_mlp", "07_fast"]:
        if p in programs:
            code, out, err = run(p, "--epoch", "3")
            expect(code == 2 and err.startswith(f"{p}: error: unknown flag '--epoch' (did you mean --epochs?)"),
                   f"{p} --epoch 3: did you mean --epochs?", err)
    for p in ["00_data", "01_forward", "05_mlp", "07_fast"]:
        if p in programs:
            code, out, err = run(p, "--data", str(a_file), "--out", str(WORK / f"data_{p}"))
            expect(code == 2 and err.startswith(f"{p}: error: --data '{a_file}': is a file, not a folder"),
                   f"{p} --data <a file>: says it is a file", err)

    code, out, err = run("05_mlp", *["--dataset", "synthetic", "--train-limit", "200", "--test-limit", "50"],
                         "--lr", "1e5", "--quiet", "--out", str(WORK / "diverge"))
    expect(code == 3 and err.startswith("05_mlp: error: training diverged:"),
           "05_mlp --lr 1e5: '05_mlp: error: training diverged: ...' (the one error format)", err)

    code, out, err = run("00_data", "--help")
    expect(code == 0 and not any(f in out for f in ("--seed", "--threads", "--quiet")),
           "00_data --help lists no --seed/--threads/--quiet (they do nothing there)", out)

    gpu = subprocess.run(["sh", "-c", "nvidia-smi -L 2>/dev/null | grep -q 'GPU [0-9]'"]).returncode == 0
    if not gpu:
        code, out, err = run("05_mlp", "--backend", "cuda", "--out", str(WORK / "cuda"))
        # A build without CUDA code (the asan preset, DNN_ENABLE_CUDA=OFF) says that instead.
        expect(code == 2 and "05_mlp: error: " in err and
               ("no NVIDIA GPU found" in err or "this build has no CUDA code" in err),
               "05_mlp --backend cuda without a GPU: 'no NVIDIA GPU found'", err)

    small = ["--dataset", "synthetic", "--train-limit", "200", "--test-limit", "50", "--quiet"]
    code, out, err = run("05_mlp", *small, "--epochs", "1", "--batch", "100000", "--out", str(WORK / "batch"))
    expect(code == 0 and "--batch 100000 is more than the 200 training examples: clamped to 200" in out,
           "05_mlp --batch 100000: says it is clamped", out + err)

    # The fallback: no MNIST anywhere, Fashion-MNIST installed (scripts/setup.sh installs it).
    fashion = pathlib.Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    repo_mnist = pathlib.Path(os.environ.get("DNN_SOURCE_DIR", ".")) / "data" / "mnist"
    if not fashion.is_dir() or repo_mnist.exists():
        print(f"skip the fallback checks: {'no ' + str(fashion) if not fashion.is_dir() else str(repo_mnist) + ' exists'}")
    else:
        out_dir = WORK / "fallback"
        code, out, err = run("05_mlp", "--train-limit", "2000", "--test-limit", "300", "--epochs", "2", "--quiet",
                             "--out", str(out_dir), env={"MNIST_DIR": ""})
        lines = out.strip().splitlines()
        result = next((l for l in lines if l.startswith("Test accuracy:")), "")
        expect(code == 0 and "Fashion-MNIST" in result, f"fallback: the result line names Fashion-MNIST ({result!r})", out)
        tail = "\n".join(lines[-3:])
        expect("WARNING: MNIST not found" in tail and "scripts/get-mnist.sh" in tail,
               "fallback: the warning is repeated at the end with scripts/get-mnist.sh", tail)
        summary = json.loads((out_dir / "summary.json").read_text())
        expect(summary["data"].get("dataset") == "Fashion-MNIST", "fallback: summary.json names Fashion-MNIST")
        wrote = {pathlib.Path(l.split()[1]).name for l in lines if l.startswith("wrote ")}
        files = {f.name for f in out_dir.iterdir() if not f.name.startswith(".")}
        expect(files == wrote, f"05_mlp's 'wrote' lines name every file it writes (missing: {sorted(files - wrote)})",
               out)
    if failures:
        print(f"\n{len(failures)} failure(s)")
        return 1
    print("\nall first-hour messages as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
