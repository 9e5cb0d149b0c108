#!/usr/bin/env python3
"""tests/build/test_learner_builds.py BUILD_DIR — the README's commands never compile your exercises.

A half-done exercise (a missing `;` in exercises/ch01_forward.cpp) must not break scripts/run.sh or
scripts/test.sh. Asked of ninja's build graph (no compile, no timing):
  - scripts/run.sh builds only the targets named on its `scripts/build.sh default ...` line, and
    building those runs no compile of a file in the exercises folder;
  - the default build (`all`, what scripts/test.sh builds) compiles no exercise file either, unless
    the tree was configured for CI's teeth tests (DNN_TEETH_TESTS=ON, the `ci` preset);
  - scripts/check's targets (the *_yours twins) do compile them: the test would otherwise pass on a
    graph that never builds exercises at all.
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def commands(build, targets):
    r = subprocess.run(["ninja", "-C", str(build), "-t", "commands", *targets], text=True, capture_output=True)
    if r.returncode != 0:
        sys.exit(f"ninja -t commands {' '.join(targets)} failed: {r.stderr.strip()}")
    return r.stdout.splitlines()


def exercise_compiles(lines, folder):
    return [l for l in lines if " -c " in l and re.search(rf"{re.escape(str(folder))}/ch\w*\.cpp", l)]


def main(argv):
    build = pathlib.Path(argv[0] if argv else ROOT / "build")
    cache = (build / "CMakeCache.txt").read_text()
    m = re.search(r"^DNN_EXERCISES_DIR:PATH=(.*)$", cache, re.M)
    source = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", cache, re.M).group(1)
    folder = m.group(1) if m else f"{source}/exercises"
    teeth = re.search(r"^DNN_TEETH_TESTS:BOOL=(ON|TRUE|1)$", cache, re.M | re.I) is not None
    problems = []

    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    m = re.search(r"^\s*bash scripts/build\.sh default(.*)$", run_sh, re.M)
    targets = m.group(1).split() if m else []
    if not targets:
        problems.append("scripts/run.sh builds everything (no target on its 'scripts/build.sh default' line)")
    else:
        bad = exercise_compiles(commands(build, targets), folder)
        if bad:
            problems.append(f"scripts/run.sh's targets {targets} compile exercise files: {bad[0][:200]}")
    if not teeth:
        bad = exercise_compiles(commands(build, ["all"]), folder)
        if bad:
            problems.append(f"the default build (scripts/test.sh) compiles exercise files: {bad[0][:200]}")
    if not exercise_compiles(commands(build, ["test_ch01_exercises_yours"]), folder):
        problems.append("test_ch01_exercises_yours (scripts/check) does not compile the exercise files")
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"ok: scripts/run.sh builds {' '.join(targets)}; neither it nor the default build compiles "
              f"{folder}/ch*.cpp; scripts/check's twins do")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
