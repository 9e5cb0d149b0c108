#!/usr/bin/env python3
"""Generate exercises/ from solutions/ — the one source of truth for every exercise.

Each solutions/chNN_*.cpp marks the body of an exercise function like this:

    template <typename T>
    void relu_forward(const BasicMatrix<T>& Z, BasicMatrix<T>& Y) {
      // BEGIN EXERCISE relu_forward | Y(i,j) = max(0, Z(i,j)); resize Y to Z's shape first
      ... reference code ...
      // END EXERCISE
    }

and exercises/chNN_*.cpp is the same file with each marked region replaced by a stub:

      // TODO(exercise relu_forward): Y(i,j) = max(0, Z(i,j)); resize Y to Z's shape first
      DNN_TODO("relu_forward", "Y(i,j) = max(0, Z(i,j)); resize Y to Z's shape first");

Usage:
    scripts/gen-exercises.py            # (re)write exercises/ from solutions/
    scripts/gen-exercises.py --check    # exit 1 if exercises/ is out of sync, or an exercise
                                        # has no test tagged [its_name] under tests/
    scripts/gen-exercises.py --list     # print "chapter exercise" pairs
    scripts/gen-exercises.py --force    # also overwrite exercise files you have edited

Your own work is safe: an exercises/ file that differs from its last committed version (you have
written code in it) is never overwritten without --force.
"""
import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
TESTS = ROOT / "tests"

BEGIN = re.compile(r"^(?P<indent>\s*)// BEGIN EXERCISE (?P<name>\w+)\s*\|\s*(?P<hint>.+?)\s*$")
END = re.compile(r"^\s*// END EXERCISE\s*$")

SOLUTION_BANNER = "// SOLUTION FILE — the reference bodies."
EXERCISE_BANNER = (
    "// EXERCISE FILE — yours to edit. Generated from solutions/{name} by scripts/gen-exercises.py.\n"
    "// Replace each DNN_TODO(...) line with your code, then run: scripts/check {chapter}\n"
    "// (Stuck? The chapter README has a hint for every exercise; solutions/{name} has the answer.)"
)


def chapter_of(path):
    m = re.match(r"ch(\d\d)_", path.name)
    if not m:
        sys.exit(f"gen-exercises: {path}: file name must start with chNN_")
    return m.group(1)


def exercises_in(path):
    """[(name, hint)] for every marked region, checking the markers are well formed."""
    found, open_name = [], None
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        b, e = BEGIN.match(line), END.match(line)
        if "BEGIN EXERCISE" in line and not b:
            sys.exit(f"gen-exercises: {path}:{lineno}: expected '// BEGIN EXERCISE <name> | <hint>'")
        if b:
            if open_name:
                sys.exit(f"gen-exercises: {path}:{lineno}: BEGIN inside exercise '{open_name}'")
            open_name = b.group("name")
            found.append((open_name, b.group("hint")))
        elif e:
            if not open_name:
                sys.exit(f"gen-exercises: {path}:{lineno}: END without BEGIN")
            open_name = None
    if open_name:
        sys.exit(f"gen-exercises: {path}: exercise '{open_name}' has no END")
    return found


def stub_of(path):
    out, skipping = [], False
    for line in path.read_text().splitlines():
        b = BEGIN.match(line)
        if line.startswith(SOLUTION_BANNER):
            out.append(EXERCISE_BANNER.format(name=path.name, chapter=chapter_of(path)))
        elif b:
            ind, name, hint = b.group("indent"), b.group("name"), b.group("hint")
            c_hint = hint.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f"{ind}// TODO(exercise {name}): {hint}")
            out.append(f'{ind}DNN_TODO("{name}", "{c_hint}");')
            skipping = True
        elif END.match(line):
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def committed_text(path):
    """The file's text in git's HEAD, or None (no git, not a repository, or not committed)."""
    try:
        r = subprocess.run(["git", "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"], cwd=ROOT,
                           capture_output=True, text=True)
    except OSError:
        return None
    return r.stdout if r.returncode == 0 else None


def edited_by_learner(target, want):
    """True when target holds text that neither the generator nor git put there: someone's code."""
    if not target.exists():
        return False
    text = target.read_text()
    return text != want and text != committed_text(target)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify instead of writing")
    ap.add_argument("--list", action="store_true", help="list chapter/exercise pairs")
    ap.add_argument("--force", action="store_true", help="overwrite exercise files even when they were edited")
    args = ap.parse_args()

    sources = sorted(SOLUTIONS.glob("ch*.cpp"))
    if args.list:
        for s in sources:
            for name, _ in exercises_in(s):
                print(chapter_of(s), name)
        return 0

    problems = []
    test_text = "\n".join(p.read_text() for p in TESTS.rglob("*.cpp"))
    for s in sources:
        if not s.read_text().startswith(SOLUTION_BANNER):
            problems.append(f"{s.relative_to(ROOT)}: must start with the line '{SOLUTION_BANNER}'")
        names = exercises_in(s)
        if not names:
            problems.append(f"{s.relative_to(ROOT)}: has no '// BEGIN EXERCISE' region")
        for name, _ in names:
            if f"[{name}]" not in test_text:
                problems.append(f"exercise '{name}' ({s.name}) has no test tagged [{name}] under tests/")
        target = EXERCISES / s.name
        want = stub_of(s)
        if args.check:
            if not target.exists():
                problems.append(f"exercises/{s.name} is missing (run scripts/gen-exercises.py)")
            elif target.read_text() != want:
                problems.append(f"exercises/{s.name} is out of sync with solutions/{s.name} "
                                "(run scripts/gen-exercises.py)")
        elif edited_by_learner(target, want) and not args.force:
            problems.append(f"exercises/{s.name} has your edits (it differs from its committed version): "
                            "not overwritten. Keep your code, or run with --force to replace it by the stubs")
        elif not target.exists() or target.read_text() != want:
            target.write_text(want)
            print(f"wrote exercises/{s.name}")
    for e in sorted(EXERCISES.glob("ch*.cpp")):
        if not (SOLUTIONS / e.name).exists():
            problems.append(f"exercises/{e.name} has no solutions/{e.name}")
    for p in problems:
        print("gen-exercises:", p, file=sys.stderr)
    if args.check and not problems:
        n = sum(len(exercises_in(s)) for s in sources)
        print(f"gen-exercises: {n} exercises in {len(sources)} files, exercises/ in sync, every exercise tested")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
