#!/usr/bin/env python3
"""tests/check/test_check.py — does scripts/check blame the right exercise?

Fills a temporary exercises folder (build/check-test/exercises/) with the reference bodies, checks
that scripts/check calls every exercise done, then plants one bug in each exercise in turn and
asserts that `scripts/check NN` names exactly that exercise: its line is not done / FAILING, every
other exercise of the chapter is done, and "Next:" names it. One more case plants a bug in chapter
01's dense_forward and checks chapter 02: its unit tests pass, and its whole-network gradient check
must name dense_forward (chapter 01) as the function with the wrong output.

It reuses build/ (DNN_EXERCISES_DIR points it at the temporary folder; put back at the end) and
builds only the targets scripts/check needs, so each planted bug costs one compile of one file.
CI runs it (.ci/run); by hand: python3 tests/check/test_check.py [exercise ...]
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "check-test" / "exercises"

# One realistic bug per exercise: (text in the reference body, its replacement). An exercise of a
# new chapter without an entry gets its stub instead (the "not done" case), and a note says so.
BUGS = {
    "dense_forward": ("Z(i, j) += b(0, j);", "Z(i, j) -= b(0, j);"),
    "relu_forward": ("std::max(T(0), Z.data[k])", "std::min(T(0), Z.data[k])"),
    "softmax_rows": ("P(i, j) /= sum;", "P(i, j) *= sum;"),
    "relu_backward": ("Z.data[k] > T(0) ? dY.data[k] : T(0)", "Z.data[k] > T(0) ? T(1) : T(0)"),
    "softmax_ce_backward": ("dZ(i, y) -= inv_b;", "dZ(i, y) += inv_b;"),  # the sign bug of issue 13
    "dense_backward": ("db(0, j) += dZ(i, j);", "db(0, j) -= dZ(i, j);"),
    "numerical_gradient": ("param.data[k] = theta;  // leave the network as we found it", "// θ not restored"),
    "sgd_step": ("W.data[k] -= lr * dW.data[k];", "W.data[k] += lr * dW.data[k];"),
    "gather_minibatch": ("= labels[static_cast<std::size_t>(i)];", "= labels[static_cast<std::size_t>(r)];"),
    "learning_rate_at": ("std::pow(drop, k)", "std::pow(drop, k + 1)"),
    "momentum_step": ("W.data[k] += V.data[k];", "W.data[k] -= V.data[k];"),
    "adam_step": ("(std::sqrt(v_hat) + eps)", "std::sqrt(v_hat + eps)"),
    "rmsprop_step": ("(T(1) - rho) * g * g;", "(T(1) - rho) * g;"),
    "gemm_ikj": ("std::fill(c, c + N, 0.0f);", "// C not zeroed"),
    "gemm_blocked": ("for (int k = k0; k < k1; ++k) {", "for (int k = k0 + 1; k < k1; ++k) {"),
    # chapter 06's CUDA steps (host emulation): the row block used for the column, the tile's
    # K edge checked without k0, the B tile read transposed
    "coalesced_thread": ("const int j = block_x * kBlock + thread_x;", "const int j = block_y * kBlock + thread_x;"),
    "smem_load_tile": ("k0 + thread_x < K", "thread_x < K"),
    "smem_accumulate_tile": ("Bs[k * kBlock + thread_x]", "Bs[thread_x * kBlock + k]"),
    "shard_rows": ("r.count = base + (rank < extra ? 1 : 0);", "r.count = base + (rank <= extra ? 1 : 0);"),
    "ring_allreduce": ("data[in.first + i] += incoming", "data[in.first + i] = incoming"),
    "topk_error_feedback": ("residual[index[static_cast<std::size_t>(j)]] = 0.0f;", "// residual kept"),
    # Sattolo's algorithm by mistake: still a permutation, but not epoch_order's (and never i -> i).
    "shuffle_order": ("rng.below(i)", "rng.below(i - 1)"),
    "train_epoch": ("const long steps = (n + batch - 1) / batch;", "const long steps = n / batch;"),  # drops the short last batch
    "evaluate": (") * count;", ");"),  # chunk losses summed unweighted
    # chapter 09: the activation's derivative skipped (the gradient of a linear network), the left
    # end points instead of the midpoints, the drop measured the wrong way round
    "input_gradient": ("if (l > 0) dnn::naive::activation_backward(net.act[k - 1], f.Z[k - 1], f.A[k], dA, dZ);",
                       "if (l > 0) dZ = dA;"),
    "integrated_gradients": ("const double alpha = (k + 0.5) / steps;", "const double alpha = static_cast<double>(k) / steps;"),
    "occlusion_map": ("const double drop = z(0, c) - z(p, c);", "const double drop = z(p, c) - z(0, c);"),
    "to_csr": ("if (x != 0.0f) {", "if (x > 0.0f) {"),  # drops the negative values
    "sparse_dense_forward": ("Z(i, j) = b(0, j);", "Z(i, j) = 0.0f;"),  # forgets the bias
    "sparse_weight_gradient": ("dW.fill(0.0f);", "// dW not zeroed: last step's gradient stays in"),
}

# Exercises built on another one (their hint tells the learner to call it): a bug planted in the one
# below may fail them too; check must still name the one below first.
USES = {
    "ring_allreduce": {"shard_rows"},  # its chunks are shard_rows(n, P, c)
    "integrated_gradients": {"input_gradient"},  # the gradient at each point of the path
    # Chapter 05's epoch runs chapters 01-04's functions (through naive_ops) for every step.
    "train_epoch": {"gather_minibatch", "dense_forward", "relu_forward", "softmax_rows", "relu_backward",
                    "softmax_ce_backward", "dense_backward", "sgd_step", "momentum_step", "adam_step"},
    "evaluate": {"gather_minibatch", "dense_forward", "relu_forward", "softmax_rows"},
}

failures = []


def check(chapters, env):
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "check"), *chapters], cwd=ROOT, env=env,
                       text=True, capture_output=True)
    return r.returncode, r.stdout + r.stderr


def expect(ok, what, out):
    if ok:
        return
    failures.append(what)
    print(f"FAIL: {what}\n---- scripts/check said:\n{out}\n----", flush=True)


def region(text, name):
    """(start, end) of the body of exercise `name` between its BEGIN/END marks."""
    m = re.search(rf"// BEGIN EXERCISE {re.escape(name)} \|[^\n]*\n(.*?)\n[ \t]*// END EXERCISE", text, re.S)
    return m.span(1)


def stub_of(name, file):
    """The generated stub of one exercise, from exercises/ (the body between TODO and the next line)."""
    text = (ROOT / "exercises" / file).read_text()
    m = re.search(rf"\n([ \t]*DNN_TODO\(\"{re.escape(name)}\"[^\n]*)\n", text)
    return m.group(1)


def lines_of(out, chapter):
    """{exercise: verdict} of the '[x] chapter NN  name  verdict' lines."""
    got = {}
    for m in re.finditer(rf"^  \[.\] chapter {chapter}  (\S+)\s+(.*)$", out, re.M):
        got[m.group(1)] = m.group(2)
    return got


def main(argv):
    pairs = [tuple(l.split()) for l in subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen-exercises.py"), "--list"], cwd=ROOT, text=True,
        capture_output=True, check=True).stdout.splitlines() if l.strip()]
    only = set(argv)
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    sources = {p.name: p.read_text() for p in sorted((ROOT / "solutions").glob("ch*.cpp"))}
    for name, text in sources.items():
        (WORK / name).write_text(text)
    file_of = {}
    for ch, name in pairs:
        file_of[name] = next(f for f, t in sources.items() if f"BEGIN EXERCISE {name} |" in t)
    env = dict(os.environ, DNN_EXERCISES_DIR=str(WORK))
    start = time.monotonic()
    try:
        chapters = sorted({ch for ch, _ in pairs})
        rc, out = check(chapters, env)
        expect(rc == 0 and f"{len(pairs)}/{len(pairs)} exercises done" in out,
               "with the reference bodies every exercise is done", out)
        print(f"[{time.monotonic() - start:5.0f}s] reference bodies: check says all done", flush=True)

        cases = [(ch, name, ch) for ch, name in pairs]
        if "dense_forward" in file_of and "02" in chapters:
            cases.append(("01", "dense_forward", "02"))  # a chapter-01 bug seen by chapter 02's network
        for ch, name, checked in cases:
            if only and name not in only:
                continue
            file = file_of[name]
            text = sources[file]
            a, b = region(text, name)
            if name in BUGS:
                old, new = BUGS[name]
                body = text[a:b]
                if old not in body:
                    expect(False, f"{name}: the planted bug's text '{old}' is not in its reference body", "")
                    continue
                body = body.replace(old, new, 1)
                kind = "planted bug"
            else:
                body = stub_of(name, file)
                kind = "stub (no planted bug listed in tests/check/test_check.py BUGS)"
            (WORK / file).write_text(text[:a] + body + text[b:])
            rc, out = check([checked], env)
            verdicts = lines_of(out, checked)
            if checked == ch:
                others = {n: v for n, v in verdicts.items()
                          if n not in (name, "whole-network") and name not in USES.get(n, set())}
                expect(rc == 1 and f"Next: '{name}' (chapter {ch})" in out,
                       f"{name} ({kind}): check {checked} says Next: '{name}'", out)
                expect(verdicts.get(name, "done") != "done", f"{name} ({kind}): its own line is not 'done'", out)
                expect(all(v == "done" for v in others.values()),
                       f"{name} ({kind}): every other exercise of chapter {ch} is done", out)
            else:
                expect(rc == 1 and all(v == "done" for n, v in verdicts.items() if n != "whole-network")
                       and f"wrong output from '{name}' (chapter {ch})" in out
                       and f"Next: '{name}' (chapter {ch})" in out,
                       f"{name} ({kind}) seen from chapter {checked}: the whole-network check names it", out)
            print(f"[{time.monotonic() - start:5.0f}s] {name:<20} {kind}, check {checked}: "
                  f"{'named' if not failures else 'see above'}", flush=True)
            (WORK / file).write_text(text)
        if not only:
            # A half-done exercise that does not compile: check says so, and scripts/run.sh's build
            # (the reference program, never your files) still works.
            file = file_of[pairs[0][1]]
            text = sources[file]
            a, b = region(text, pairs[0][1])
            (WORK / file).write_text(text[:a] + text[a:b].replace(";", "", 1) + text[b:])
            rc, out = check([pairs[0][0]], env)
            expect(rc == 1 and "does not compile yet" in out, f"a missing ';' in {file}: check says it does not compile", out)
            r = subprocess.run(["bash", "scripts/build.sh", "default", "05_mlp"], cwd=ROOT, env=env, text=True,
                               capture_output=True)
            expect(r.returncode == 0, f"a missing ';' in {file}: scripts/run.sh's build still works",
                   r.stdout[-3000:] + r.stderr[-3000:])
            (WORK / file).write_text(sources[file])
            print(f"[{time.monotonic() - start:5.0f}s] missing ';' in {file}: check says so, run.sh's build works",
                  flush=True)
    finally:
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(ROOT / "build"),
                        f"-DDNN_EXERCISES_DIR={ROOT / 'exercises'}"], cwd=ROOT, capture_output=True)
    if failures:
        print(f"\n{len(failures)} failure(s):", *failures, sep="\n  ")
        return 1
    print(f"\ncheck attribution: every planted bug named ({time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
