#!/usr/bin/env python3
"""The bad-input matrix: every user input, malformed or out of range, must give a non-zero exit
code and a message naming the input and what was expected — and must not damage any existing
output or checkpoint file.

    bad_input_matrix.py BIN_DIR WORK_DIR

Each row of CASES is (program, arguments, expected exit code, text that must appear in the
output (or a list of such texts)[, texts that must NOT appear: a wrong hint, a flag the program does
not have]). " pixels, " (the data line: "data: MNIST from ... 28x28 pixels, ...") among the texts that must not appear means the program must stop before it
loads any data (a bad output file is found before the training, not after it).
Then the rerun checks: a run into a folder that holds an earlier run's results removes those files
(and says so) but never a file it did not write; a run that fails on bad input removes nothing;
replacing another run's checkpoint is said in a note.
Then the checks of issue 21 (reliability2_checks): no string reaches gnuplot as a command, the
output-folder lock, inputs that are FIFOs or devices, benchmarks on a bad data folder, stdout on
/dev/full.
Programs that are not built are reported and skipped. Prints a table and 'N passed, N failed'.
"""
import hashlib
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

BIN = pathlib.Path(sys.argv[1])
WORK = pathlib.Path(sys.argv[2])
SMALL = ["--dataset", "synthetic", "--train-limit", "600", "--test-limit", "200", "--quiet"]
EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_DIVERGED = 1, 2, 3
SEED_RANGE = "expected a whole number from 0 to 18446744073709551615"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def setup():
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    (WORK / "a_file").write_text("not a folder\n")
    # malformed data folder: the four MNIST names, one of them truncated
    bad = WORK / "bad_mnist"
    bad.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (bad / name).write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05")  # header cut short
    # an existing results folder with a file that a failed run must leave alone
    out = WORK / "out"
    out.mkdir()
    (out / "sentinel.csv").write_text("epoch,loss\n1,0.5\n")
    # checkpoints: a garbage file, and (if 05_mlp exists) a real one plus damaged copies
    (WORK / "garbage.ckpt").write_bytes(os.urandom(300))
    # the learner's own files, which no --checkpoint or --json may replace
    (WORK / "notes.txt").write_text("my notes\n")
    (WORK / "precious.txt").write_text("{\"not\": \"ours\"}\n")
    os.mkfifo(WORK / "fifo.ckpt")
    (WORK / "empty.ckpt").write_bytes(b"")
    ck = WORK / "good.ckpt"
    mlp = BIN / "05_mlp"
    if mlp.exists():
        r = subprocess.run([str(mlp), *SMALL, "--epochs", "1", "--checkpoint", str(ck), "--out", str(WORK / "ckrun")],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0 or not ck.exists():
            print("could not create a checkpoint with 05_mlp:", r.stderr[-500:])
        else:
            data = ck.read_bytes()
            (WORK / "truncated.ckpt").write_bytes(data[: len(data) // 2])
            flipped = bytearray(data)
            flipped[len(flipped) // 2] ^= 0x40
            (WORK / "flipped.ckpt").write_bytes(bytes(flipped))
    # chapter 09 explains only the textbook model (784-50-50-10): a checkpoint of another architecture
    if mlp.exists() and (BIN / "09_inside").exists():
        subprocess.run([str(mlp), *SMALL, "--epochs", "1", "--hidden", "100", "--checkpoint", str(WORK / "wide.ckpt"),
                        "--out", str(WORK / "ckrun_wide")], capture_output=True, text=True, timeout=120)
    return out, ck


def cases(out, ck):
    w = str(WORK)
    notdir = f"{w}/a_file/sub"
    c = []
    data_programs = ["00_data", "01_forward", "05_mlp", "07_fast"]
    all_programs = ["00_data", "01_forward", "02_backprop", "03_sgd", "04_adam", "05_mlp", "06_kernels", "07_fast"]
    for p in all_programs:
        c += [
            (p, ["--no-such-flag"], EXIT_BAD_INPUT, "--no-such-flag"),
            (p, ["--out", notdir], EXIT_BAD_INPUT, notdir),
        ]
    # 00_data trains nothing: it has no --seed, --threads (its --help offers only flags that do something)
    c.append(("00_data", ["--seed", "1"], EXIT_BAD_INPUT, "unknown flag '--seed'"))
    for p in all_programs[1:]:
        c += [
            (p, ["--seed", "abc"], EXIT_BAD_INPUT, "--seed"),
            (p, ["--threads", "0"], EXIT_BAD_INPUT, "--threads"),
            # seeds are unsigned 64-bit: a sign or an overflow is refused, never wrapped around
            (p, ["--seed", "-1", "--out", str(out)], EXIT_BAD_INPUT, f"--seed: {SEED_RANGE}, got '-1'"),
            (p, ["--seed", "99999999999999999999999", "--out", str(out)], EXIT_BAD_INPUT, f"--seed: {SEED_RANGE}"),
            (p, ["--threads", "abc", "--out", str(out)], EXIT_BAD_INPUT,
             "--threads: expected a whole number from 1 to 1024, got 'abc'"),
        ]
    for p in data_programs:
        c += [
            (p, ["--data", f"{w}/no/such/folder", "--out", str(out)], EXIT_BAD_INPUT, f"{w}/no/such/folder"),
            (p, ["--data", f"{w}/bad_mnist", "--out", str(out)], EXIT_BAD_INPUT, "bad_mnist"),
            (p, ["--dataset", "imagenet", "--out", str(out)], EXIT_BAD_INPUT, "--dataset"),
            (p, ["--train-limit", "-5", "--out", str(out)], EXIT_BAD_INPUT, "--train-limit"),
        ]
    for p in data_programs + ["02_backprop", "03_sgd", "04_adam"]:
        c += [
            # readable range messages: no 309-digit upper bound, the flag and the expected values named
            (p, ["--train-limit", "abc", "--out", str(out)], EXIT_BAD_INPUT,
             "--train-limit: expected a whole number >= 0, got 'abc'", "179769313486"),
            (p, ["--test-limit", "99999999999", "--out", str(out)], EXIT_BAD_INPUT,
             "--test-limit: expected a whole number >= 0"),
            (p, ["--data-seed", "-1", "--out", str(out)], EXIT_BAD_INPUT, f"--data-seed: {SEED_RANGE}, got '-1'"),
        ]
    m = "05_mlp"
    base = [*SMALL, "--out", str(out), "--checkpoint", str(ck)]
    for args, flag in [
        (["--batch", "0"], "--batch"), (["--batch", "-3"], "--batch"), (["--batch", "x"], "--batch"),
        (["--epochs", "0"], "--epochs"), (["--epochs", "-1"], "--epochs"),
        (["--lr", "0"], "--lr"), (["--lr", "-0.1"], "--lr"), (["--lr", "nan"], "--lr"), (["--lr", "inf"], "--lr"),
        (["--lr", "fast"], "--lr"),
        (["--backend", "gpu9000"], "--backend"), (["--optimizer", "lbfgs"], "--optimizer"),
        (["--activation", "swish"], "--activation"), (["--hidden", "50,,50"], "--hidden"),
        (["--hidden", "0"], "--hidden"), (["--hidden", "-50"], "--hidden"),
        (["--momentum", "1.5"], "--momentum"),
    ]:
        c.append((m, base + args, EXIT_BAD_INPUT, flag))
    for f in ["no_such.ckpt", "garbage.ckpt", "empty.ckpt", "truncated.ckpt", "flipped.ckpt"]:
        if f in ("truncated.ckpt", "flipped.ckpt") and not (WORK / f).exists():
            continue
        c.append((m, [*SMALL, "--out", str(out), "--resume", f"{w}/{f}"], EXIT_BAD_INPUT, f))
    if ck.exists():
        c.append((m, [*SMALL, "--out", str(out), "--resume", str(ck), "--hidden", "20"], EXIT_BAD_INPUT, "--hidden"))
    # a diverging run must stop at once, say so, and leave the last good checkpoint alone
    c.append((m, [*SMALL, "--out", str(out), "--checkpoint", str(ck), "--lr", "10000", "--epochs", "2"],
              EXIT_DIVERGED, "diverged"))
    c.append(("05_mlp", [*SMALL, "--out", str(out), "--backend", "cuda"], EXIT_BAD_INPUT, "cuda"))
    # only the backends a program accepts are listed
    c += [
        ("01_forward", ["--backend", "foo", "--out", str(out)], EXIT_BAD_INPUT,
         "--backend: unknown backend 'foo' (expected naive or eigen)", "cublas"),
        ("01_forward", ["--backend", "cuda", "--out", str(out)], EXIT_BAD_INPUT, "--backend: expected naive or eigen"),
    ]
    for p in ["02_backprop", "03_sgd", "04_adam"]:
        c.append((p, ["--backend", "foo", "--out", str(out)], EXIT_BAD_INPUT, "(expected naive or eigen)", "cublas"))
    # layer widths: a clear limit instead of std::bad_alloc
    for p in ["01_forward", "02_backprop", "03_sgd", "04_adam", "05_mlp", "07_fast"]:
        c.append((p, [*SMALL, "--hidden", "100000,100000", "--out", str(out)], EXIT_BAD_INPUT,
                  "--hidden: expected comma-separated whole numbers from 1 to 4096", "bad_alloc"))
    # real-valued flags: a readable range, nan and inf refused (not a misleading divergence later)
    c += [
        ("02_backprop", ["--h", "0", "--out", str(out)], EXIT_BAD_INPUT, "--h: expected a number from 1e-10 to 0.1, got '0'"),
        ("02_backprop", ["--tolerance", "-1", "--out", str(out)], EXIT_BAD_INPUT,
         "--tolerance: expected a number > 0 and <= 1, got '-1'", "179769313486"),
        ("02_backprop", ["--tolerance", "nan", "--out", str(out)], EXIT_BAD_INPUT, "--tolerance: expected a number > 0"),
        ("03_sgd", ["--lr", "0", "--out", str(out)], EXIT_BAD_INPUT, "--lr: expected a number > 0 and <= 1e+06, got '0'"),
        ("03_sgd", ["--lr", "inf", "--out", str(out)], EXIT_BAD_INPUT, "--lr: expected a number > 0"),
        ("03_sgd", ["--noise", "-1", "--out", str(out)], EXIT_BAD_INPUT, "--noise: expected a number from 0 to 10, got '-1'"),
        ("03_sgd", ["--noise", "nan", "--out", str(out)], EXIT_BAD_INPUT, "--noise: expected a number from 0 to 10", "diverged"),
        ("03_sgd", ["--momentum", "nan", "--out", str(out)], EXIT_BAD_INPUT, "--momentum: expected a number >= 0 and < 1"),
        ("03_sgd", ["--lr-drop", "0", "--out", str(out)], EXIT_BAD_INPUT, "--lr-drop: expected a number > 0 and <= 1"),
        ("03_sgd", ["--epochs", "0", "--out", str(out)], EXIT_BAD_INPUT, "--epochs: expected a whole number from 1 to 100000"),
        ("04_adam", ["--noise", "-1", "--out", str(out)], EXIT_BAD_INPUT, "--noise: expected a number from 0 to 10, got '-1'"),
        ("04_adam", ["--lr-adam", "nan", "--out", str(out)], EXIT_BAD_INPUT, "--lr-adam: expected a number > 0"),
        ("04_adam", ["--eps", "inf", "--out", str(out)], EXIT_BAD_INPUT, "--eps: expected a number > 0 and <= 1"),
        ("04_adam", ["--beta2", "1", "--out", str(out)], EXIT_BAD_INPUT, "--beta2: expected a number >= 0 and < 1"),
    ]
    # divergence: the hint names the flag this program has (04_adam has no --lr)
    c.append(("04_adam", ["--activation", "relu", "--lr-sgd", "1e6", "--epochs", "2", "--points", "90",
                          "--mnist-examples", "0", "--quiet", "--out", f"{w}/run04"],
              EXIT_DIVERGED, "Try a lower --lr-sgd (now 1e+06)", "lower --lr ("))
    c.append(("03_sgd", ["--activation", "relu", "--lr", "100", "--epochs", "2", "--points", "90",
                         "--mnist-examples", "0", "--sweep", "", "--quiet", "--out", f"{w}/run03"],
              EXIT_DIVERGED, "Try a lower --lr (now 100)"))
    # the gradient check with another step or a stricter tolerance: exit 1, and the message says the
    # check itself may be the cause instead of blaming the learner's backward pass
    for args in (["--h", "1e-6"], ["--h", "1e-1"], ["--tolerance", "1e-12"]):
        c.append(("02_backprop", [*SMALL, *args, "--out", f"{w}/run02"], EXIT_FAILURE,
                  "the check itself may be the cause", "your relu_backward"))
    # file flags: a folder, a missing folder or a file where a folder should be is named at once
    before_data = " pixels, "  # in the data line ("data: MNIST from ... 28x28 pixels, 10 classes"), not in "00_data: error"
    for flag, prog in [("--checkpoint", "05_mlp"), ("--json", "07_fast")]:
        for path, why in [(w, "is a folder"), (f"{w}/no/such/dir/x.bin", "does not exist"),
                          (f"{w}/a_file/x.bin", "not a folder")]:
            c.append((prog, [*SMALL, "--out", str(out), flag, path], EXIT_BAD_INPUT, [f"{flag}: ", why], before_data))
    c.append((m, [*SMALL, "--out", str(out), "--resume", w], EXIT_BAD_INPUT,
              ["--resume: ", "is a folder; expected a checkpoint file"], before_data))
    c += [
        ("03_sgd", ["--lr", "-1", "--out", str(out)], EXIT_BAD_INPUT, "--lr"),
        ("03_sgd", ["--batch", "0", "--out", str(out)], EXIT_BAD_INPUT, "--batch"),
        ("03_sgd", ["--problem", "xor9", "--out", str(out)], EXIT_BAD_INPUT, "--problem"),
        ("03_sgd", ["--backend", "bogus", "--out", str(out)], EXIT_BAD_INPUT, "--backend"),
        ("04_adam", ["--beta1", "1.5", "--out", str(out)], EXIT_BAD_INPUT, "--beta1"),
        ("04_adam", ["--eps", "-1", "--out", str(out)], EXIT_BAD_INPUT, "--eps"),
        ("04_adam", ["--epochs", "0", "--out", str(out)], EXIT_BAD_INPUT, "--epochs"),
        ("06_kernels", ["--m", "0", "--out", str(out)], EXIT_BAD_INPUT, "--m"),
        ("06_kernels", ["--kernel", "nonesuch", "--out", str(out)], EXIT_BAD_INPUT, "--kernel"),
        ("07_fast", [*SMALL, "--batch", "0", "--out", str(out)], EXIT_BAD_INPUT, "--batch"),
        ("07_fast", [*SMALL, "--lr", "-1", "--out", str(out)], EXIT_BAD_INPUT, "--lr"),
        ("07_fast", [*SMALL, "--backend", "tpu", "--out", str(out)], EXIT_BAD_INPUT, "--backend"),
    ]
    # issue 21. Only a file the program can prove is its own is replaced (magic / JSON "program").
    for prog, flag, path, kind in [("05_mlp", "--checkpoint", f"{w}/notes.txt", "a checkpoint"),
                                   ("05_mlp", "--checkpoint", str(out / "sentinel.csv"), "a checkpoint"),
                                   ("07_fast", "--json", f"{w}/precious.txt", "a JSON result of 07_fast")]:
        c.append((prog, [*SMALL, "--epochs", "1", "--out", str(out), flag, path], EXIT_BAD_INPUT,
                  [f"{flag}: '{path}' exists and is not {kind}"], before_data))
    # an empty name (an unset variable) is refused, never read as "not given"
    for prog, flag in [("05_mlp", "--resume"), ("05_mlp", "--checkpoint"), ("07_fast", "--json")]:
        c.append((prog, [*SMALL, "--out", str(out), flag, ""], EXIT_BAD_INPUT,
                  f"{flag}: expected a file name, got an empty string", before_data))
    # every integer flag is decimal: no octal 010 = 8, no hex 0x10 = 16
    for prog, args in [("05_mlp", ["--batch", "010"]), ("05_mlp", ["--epochs", "0x10"]),
                       ("07_fast", ["--batch", "0x10"]),
                       ("07_fast", ["--epochs", "010"]), ("06_kernels", ["--m", "0x10"]),
                       ("06_kernels", ["--repeat", "010"]), ("00_data", ["--show", "0x3"])]:
        small = [] if prog == "06_kernels" else SMALL
        c.append((prog, [*small, *args, "--out", str(out)], EXIT_BAD_INPUT,
                  f"{args[-2]}: expected a whole number", before_data))
    # a learning rate that is 0 in 32-bit floats
    for prog in ["03_sgd", "05_mlp", "07_fast"]:
        c.append((prog, [*SMALL, "--lr", "1e-300", "--out", str(out)], EXIT_BAD_INPUT,
                  "--lr: expected a number > 0 and <= 1e+06, got '1e-300'", before_data))
    c += [
        ("05_mlp", [*SMALL, "--data", f"{w}/bad_mnist", "--out", str(out)], EXIT_BAD_INPUT,
         "--dataset synthetic generates its digits and reads no folder"),
        # inputs that are not regular files: refused before any data is loaded, no hang
        ("05_mlp", [*SMALL, "--out", str(out), "--resume", f"{w}/fifo.ckpt"], EXIT_BAD_INPUT,
         ["--resume: ", "is not a regular file"], before_data),
        ("05_mlp", [*SMALL, "--out", str(out), "--resume", "/dev/zero"], EXIT_BAD_INPUT,
         ["--resume: ", "is not a regular file"], before_data),
        # a folder where nothing can be created (root passes access(W_OK) on /proc): before training
        ("05_mlp", [*SMALL, "--out", "/proc"], EXIT_BAD_INPUT, ["--out: ", "/proc"], before_data),
    ]
    if ck.exists():
        # the checkpoint's data fingerprint: same name and size, other images (another --data-seed)
        c.append((m, [*SMALL, "--data-seed", "7", "--out", str(out), "--resume", str(ck)], EXIT_BAD_INPUT,
                  ["--resume", "the checkpoint was trained on other synthetic data"]))
    # chapter 09 (09_inside): every flag its README and --help list, each refused with exit 2 and the
    # flag named; none of them may write a file into --out (checked in main: the folder's listing)
    i = "09_inside"
    for args, flag in [
        (["--steps", "0"], "--steps"), (["--steps", "abc"], "--steps"),
        (["--image", "200"], "--image: expected a test image index from 0 to 199, got 200"),  # --test-limit 200
        (["--image", "-1"], "--image"),
        (["--class", "10"], "--class: expected a class from 0 to 9, got 10"), (["--class", "-2"], "--class"),
        (["--patch", "0"], "--patch"), (["--stride", "0"], "--stride"),
        (["--smooth-samples", "0"], "--smooth-samples"), (["--smooth-sigma", "nan"], "--smooth-sigma"),
        (["--ig-steps", "20,,300"], "--ig-steps"), (["--ig-images", "0"], "--ig-images"),
        (["--sanity-images", "0"], "--sanity-images"), (["--deletion-images", "0"], "--deletion-images"),
        (["--roar-train", "0"], "--roar-train"), (["--roar-seeds", "0"], "--roar-seeds"),
        (["--importance-images", "0"], "--importance-images"), (["--select-k", "0"], "--select-k"),
        (["--select-k", "10,785"], "--select-k"), (["--select-train", "0"], "--select-train"),
        (["--epochs", "0"], "--epochs"), (["--no-such-flag"], "--no-such-flag"),
        (["--resume", f"{w}/no_such.ckpt"], "no_such.ckpt"), (["--resume", f"{w}/garbage.ckpt"], "garbage.ckpt"),
        (["--resume", f"{w}/empty.ckpt"], "empty.ckpt"), (["--resume", ""], "--resume"),
        (["--json", f"{w}/precious.txt"], "--json"),
    ]:
        c.append((i, [*SMALL, "--out", str(out), *args], EXIT_BAD_INPUT, flag))
    if (WORK / "wide.ckpt").exists():
        c.append((i, [*SMALL, "--out", str(out), "--resume", f"{w}/wide.ckpt"], EXIT_BAD_INPUT,
                  ["--resume", "wide.ckpt", "784-50-50-10", "784-100-10"]))
    return c


def run(prog, args):
    r = subprocess.run([str(BIN / prog), *args], capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def listed(folder):
    """The names in a folder's manifest (the files its last run wrote)."""
    lines = (folder / ".dnn-outputs").read_text().splitlines() if (folder / ".dnn-outputs").exists() else []
    return {n for n in lines if n and not n.startswith("#")}


def rerun_checks():
    """Yields (label, ok, why): ok None = skipped. Results of an earlier run are replaced, never
    left stale next to new ones; foreign files and failed runs leave everything alone."""
    folder = WORK / "rerun"
    if not (BIN / "05_mlp").exists():
        yield "05_mlp reruns", None, "05_mlp not built"
    else:
        ck = WORK / "rerun.ckpt"
        code, text = run("05_mlp", [*SMALL, "--epochs", "3", "--out", str(folder), "--checkpoint", str(ck)])
        first = {p.name for p in folder.iterdir()}
        yield ("05_mlp 3 epochs writes curves and a manifest", code == 0 and "loss_curves.png" in first
               and ".dnn-outputs" in first, f"exit {code}, files {sorted(first)}: {text[-300:]}")
        (folder / "my_notes.txt").write_text("the learner's own file\n")
        summary = digest(folder / "summary.json")

        # a run that stops on bad input (after --out is prepared) must not remove anything
        code, text = run("05_mlp", [*SMALL, "--epochs", "1", "--out", str(folder), "--resume", str(WORK / "garbage.ckpt")])
        kept = {p.name for p in folder.iterdir()}
        yield ("a failed run into the folder removes nothing", code == EXIT_BAD_INPUT and kept == first | {"my_notes.txt"}
               and digest(folder / "summary.json") == summary, f"exit {code}, files {sorted(kept)}")

        code, text = run("05_mlp", [*SMALL, "--epochs", "1", "--hidden", "20", "--out", str(folder),
                                    "--checkpoint", str(ck)])
        now = {p.name for p in folder.iterdir()}
        stale = now - listed(folder) - {".dnn-outputs", "my_notes.txt"}
        yield ("05_mlp 1 epoch after 3: the 3-epoch curves are gone", code == 0 and not stale
               and "summary.json" in now and "loss_curves.png" not in now, f"exit {code}, stale: {sorted(stale)}")
        yield ("05_mlp rerun says it replaces the earlier run", f"{folder}: replacing" in text
               and "files of an earlier run" in text, text[-400:])
        yield ("05_mlp rerun leaves a file it did not write", (folder / "my_notes.txt").exists()
               and (folder / "my_notes.txt").read_text() == "the learner's own file\n", "my_notes.txt damaged")
        yield ("05_mlp --checkpoint over another run's checkpoint says so",
               f"note: --checkpoint: replacing '{ck}'" in text, text[-400:])

        code, text = run("05_mlp", [*SMALL, "--epochs", "2", "--out", str(folder), "--resume", str(ck),
                                    "--checkpoint", str(ck)])
        yield ("05_mlp --resume X --checkpoint X continues quietly", code == 0 and "--checkpoint: replacing" not in text,
               f"exit {code}: {text[-400:]}")
    if not (BIN / "03_sgd").exists():
        yield "03_sgd reruns", None, "03_sgd not built"
    else:
        sgd = WORK / "rerun_sgd"
        small = ["--points", "200", "--epochs", "3", "--sweep", "0.01,1", "--mnist-examples", "300",
                 "--dataset", "synthetic", "--test-limit", "200", "--quiet", "--out", str(sgd)]
        code1, _ = run("03_sgd", small)
        had = "decision_boundary.png" in {p.name for p in sgd.iterdir()}
        code2, text = run("03_sgd", [*small, "--problem", "mnist"])
        stale = {p.name for p in sgd.iterdir()} - listed(sgd) - {".dnn-outputs"}
        yield ("03_sgd --problem mnist after moons: only the mnist run's files", code1 == 0 and code2 == 0 and had
               and not (sgd / "decision_boundary.png").exists() and not stale and (sgd / "curves.csv").exists(),
               f"exits {code1}/{code2}, not written by the last run: {sorted(stale)}")


def reliability2_checks():
    """Yields (label, ok, why) for issue 21's contracts that need more than one run."""
    # 1. A newline (or a backquote) in --out reaches gnuplot as part of a file name, never as a command.
    if not (BIN / "05_mlp").exists():
        yield "05_mlp gnuplot injection", None, "05_mlp not built"
    else:
        pwned = WORK / "pwned"
        evil = WORK / f"x\nsystem 'touch {pwned}'\n#`touch {pwned}`"
        evil.mkdir(parents=True)
        code, text = run("05_mlp", [*SMALL, "--epochs", "2", "--out", str(evil)])
        yield ("a newline and a backquote in --out run no command", code == 0 and not pwned.exists()
               and (evil / "loss_curves.png").exists() == (shutil.which("gnuplot") is not None),
               f"exit {code}, {pwned} exists: {pwned.exists()}: {text[-300:]}")
    # 2. The output-folder lock: a second run into a busy folder stops at once naming the first's PID;
    #    a lock left by a killed run is taken over.
    if not (BIN / "05_mlp").exists():
        yield "05_mlp folder lock", None, "05_mlp not built"
    else:
        folder = WORK / "locked"
        first = subprocess.Popen([str(BIN / "05_mlp"), *SMALL, "--epochs", "100000", "--out", str(folder)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not (folder / ".dnn-lock").exists() and time.time() < deadline and first.poll() is None:
            time.sleep(0.05)
        code, text = run("05_mlp", [*SMALL, "--epochs", "1", "--out", str(folder)])
        yield ("a second run into a busy folder names the first's PID", code == EXIT_BAD_INPUT
               and f"is in use by another run (PID {first.pid})" in text and "data:" not in text,
               f"exit {code}: {text[-300:]}")
        first.send_signal(signal.SIGKILL)
        first.wait()
        code, text = run("05_mlp", [*SMALL, "--epochs", "1", "--out", str(folder)])
        yield ("the lock of a killed run is taken over", code == 0 and not (folder / ".dnn-lock").exists(),
               f"exit {code}: {text[-300:]}")
    # 3. The benchmarks on a bad data folder: one clear line and exit 2, not an abort (134).
    bench = BIN.parent / "bench"
    for b in ["bench_05_mlp", "bench_07_fast"]:
        if not (bench / b).exists():
            yield f"{b} bad data folder", None, f"{bench / b} not built"
            continue
        r = subprocess.run([str(bench / b), "--benchmark_filter=BM_Epoch", "--benchmark_min_time=0.001"],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "MNIST_DIR": str(WORK / "bad_mnist")})
        yield (f"{b} on a bad data folder: exit 2 naming it", r.returncode == EXIT_BAD_INPUT and "bad_mnist" in r.stderr,
               f"exit {r.returncode}: {r.stderr[-300:]}")
    # 4. --help and a benchmark whose stdout is /dev/full do not exit 0.
    runs = [("05_mlp --help", [str(BIN / "05_mlp"), "--help"])]
    if (bench / "bench_05_mlp").exists():
        runs.append(("bench_05_mlp", [str(bench / "bench_05_mlp"), "--benchmark_filter=BM_Op_Relu/1",
                                      "--benchmark_min_time=0.001"]))
    for label, cmd in runs:
        if not pathlib.Path(cmd[0]).exists():
            yield f"{label} >/dev/full", None, f"{cmd[0]} not built"
            continue
        with open("/dev/full", "w") as full:
            r = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                               env={**os.environ, "MNIST_DIR": ""})
        yield (f"{label} >/dev/full exits non-zero", r.returncode == EXIT_FAILURE
               and "writing to standard output failed" in r.stderr, f"exit {r.returncode}: {r.stderr[-300:]}")


def main():
    out, ck = setup()
    protected = [out / "sentinel.csv", WORK / "notes.txt", WORK / "precious.txt"] + ([ck] if ck.exists() else [])
    passed = failed = skipped = 0
    for prog, args, want_code, want_text, *forbidden in cases(out, ck):
        before = {p: digest(p) for p in protected}
        listing = sorted(out.rglob("*"))
        exe = BIN / prog
        label = f"{prog} {' '.join(a for a in args if a not in SMALL)}"
        if not exe.exists():
            skipped += 1
            print(f"SKIP  {label}  ({exe} not built)")
            continue
        try:
            r = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)
            code, err = r.returncode, r.stderr + r.stdout
        except subprocess.TimeoutExpired:
            code, err = None, "timed out after 120 s"
        damaged = [str(p) for p in protected if digest(p) != before[p]]
        if prog == "09_inside" and sorted(out.rglob("*")) != listing:
            damaged.append(f"{out} (files were added or removed)")
        found = [f for f in forbidden if f.lower() in err.lower()]
        wants = want_text if isinstance(want_text, list) else [want_text]
        missing = [t for t in wants if t.lower() not in err.lower()]
        ok = code == want_code and not missing and not damaged and not found
        if ok:
            passed += 1
            print(f"ok    {label}  -> exit {code}")
        else:
            failed += 1
            why = []
            if code != want_code:
                why.append(f"exit {code}, expected {want_code}")
            if missing:
                why.append("message does not say " + ", ".join(repr(t) for t in missing))
            if damaged:
                why.append("damaged " + ", ".join(damaged))
            if found:
                why.append("printed " + ", ".join(repr(f) for f in found) +
                           (": the check came too late" if " pixels, " in found else ": it must not"))
            print(f"FAIL  {label}  ({'; '.join(why)})\n      output: {err.strip()[-400:]}")
    for label, ok, why in [*rerun_checks(), *reliability2_checks()]:
        if ok is None:
            skipped += 1
            print(f"SKIP  {label}  ({why})")
        elif ok:
            passed += 1
            print(f"ok    {label}")
        else:
            failed += 1
            print(f"FAIL  {label}  ({why})")
    print(f"\n{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
