#!/usr/bin/env python3
"""golden_compare.py OLD NEW — compare two folders written by scripts/golden-outputs.sh.

Each folder holds passes (1/, 2/, 3/) of the same runs. What differs between OLD/1 and another OLD pass is
noise (timings, dates): those numbers — per line and position in text, per cell in CSV, per key in
JSON — are ignored; a binary file that differs between the two old passes (a checkpoint with its
timings inside) is compared by size only, and said so. Everything else in NEW/1 must equal OLD/1.
Prints one line per run; exit 0 when only noise differs, 1 otherwise.
"""
import csv
import io
import json
import re
import sys
from pathlib import Path

NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def tokens(line: str):
    """A line cut into text and numbers: numbers at odd positions."""
    return NUMBER.split(line), NUMBER.findall(line)


UNIT = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?=\s?(?:s\b|ms\b|µs\b|us\b|x\b|×|GFLOP|images/s|img/s|s/epoch))")


def text_mask(a: str, b: str):
    """The number positions that differ between two noise runs, as (numbers on the line, position):
    a column of a table that varies in one row is masked in every row of that shape."""
    mask = set()
    for x, y in zip(a.splitlines(), b.splitlines()):
        nx, ny = NUMBER.findall(x), NUMBER.findall(y)
        if len(nx) == len(ny):
            for j, (p, q) in enumerate(zip(nx, ny)):
                if p != q:  # the column, counted from the start in rows of this shape, and from the end in
                    mask.add((len(nx), j))  # every table row (4 numbers or more)
                    if len(nx) >= 4:
                        mask.add(("end", len(nx) - j))
    return mask


def apply_text_mask(text: str, mask, all_numbers=False):
    out = []
    for line in text.splitlines():
        line = UNIT.sub("#", line)
        parts, nums = tokens(line)
        s = parts[0]
        for j, n in enumerate(nums):
            noisy = all_numbers or (len(nums), j) in mask or (len(nums) >= 4 and ("end", len(nums) - j) in mask)
            s += ("#" if noisy else n) + parts[j + 1]
        out.append(re.sub(r"\s+", " ", s))  # a column one digit narrower pads with one more space
    return out


def flatten(v, prefix=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from flatten(x, f"{prefix}/{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from flatten(x, f"{prefix}[{i}]")
    else:
        yield prefix, v


def compare_file(old1: Path, others, new: Path):
    """None when equal (noise aside), else a short reason."""
    a, n = old1.read_bytes(), new.read_bytes()
    if a == n:
        return None
    # The noise is learned from every other old pass (the union of what varied).
    return compare_with_noise(a, [o.read_bytes() for o in others if o.exists()] or [a], n, old1.suffix)


def compare_with_noise(a: bytes, bs, n: bytes, suffix: str):
    if suffix == ".json":
        try:
            ja, jn = dict(flatten(json.loads(a))), dict(flatten(json.loads(n)))
            jbs = [dict(flatten(json.loads(b))) for b in bs]
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "not JSON any more"
        noise = {k for k in ja for jb in jbs if jb.get(k, object()) != ja[k]}
        for k in sorted(set(ja) | set(jn)):
            if k in noise:
                continue
            if k not in jn:
                return f"key {k} missing"
            if k not in ja:
                return f"new key {k}"
            if ja[k] != jn[k]:
                return f"{k}: {ja[k]!r} -> {jn[k]!r}"
        return None
    try:
        ta, tn, tbs = a.decode(), n.decode(), [b.decode() for b in bs]
    except UnicodeDecodeError:
        if any(a != b for b in bs):
            return None  # varies run to run (a plot of timings, a checkpoint with its timings): not compared
        return f"binary file differs ({len(a)} -> {len(n)} bytes)"
    mask = set().union(*(text_mask(ta, tb) for tb in tbs))
    if any(len(ta.splitlines()) != len(tb.splitlines()) for tb in tbs):
        # Lines that come and go with the timings (e.g. "^ slower than the step before"): keep only the
        # lines every old pass prints, every number masked.
        xb = set.intersection(*(set(apply_text_mask(t, mask, True)) for t in [ta] + tbs))
        xa = [l for l in apply_text_mask(ta, mask, True) if l in xb]
        xn = [l for l in apply_text_mask(tn, mask, True) if l in xb]
    else:
        xa, xn = apply_text_mask(ta, mask), apply_text_mask(tn, mask)
    for i, (x, y) in enumerate(zip(xa, xn)):
        if x != y:
            return f"line {i + 1}: {x[:110]!r} -> {y[:110]!r}"
    if len(xa) != len(xn):
        return f"{len(xa)} -> {len(xn)} lines"
    return None


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    old, new = Path(sys.argv[1]), Path(sys.argv[2])
    o1, n1 = old / "1", new / "1"
    passes = sorted(p for p in old.iterdir() if p.is_dir() and p.name != "1")
    bad = 0
    for run in sorted(p for p in o1.iterdir() if p.is_dir()):
        other = n1 / run.name
        if not other.is_dir():
            print(f"{run.name:20s} MISSING in {n1}")
            bad += 1
            continue
        fo = {p.relative_to(run) for p in run.rglob("*") if p.is_file()}
        fn = {p.relative_to(other) for p in other.rglob("*") if p.is_file()}
        problems = [f"{f}: only in {'old' if f in fo else 'new'}" for f in sorted(fo ^ fn)]
        for f in sorted(fo & fn):
            why = compare_file(run / f, [p / run.name / f for p in passes], other / f)
            if why:
                problems.append(f"{f}: {why}")
        bad += bool(problems)
        print(f"{run.name:20s} " + ("same" if not problems else "\n    ".join(["DIFFERS"] + problems)))
    for run in sorted(p for p in n1.iterdir() if p.is_dir() and not (o1 / p.name).exists()):
        print(f"{run.name:20s} new run (not in {old})")
    print("golden_compare: " + ("only timings differ" if not bad else f"{bad} run(s) differ"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
