#!/usr/bin/env python3
"""Copy the Markdown pages into the docs build folder, turning $…$ / $$…$$ math (as GitHub renders
it) into Doxygen's \\f$…\\f$ / \\f[…\\f] so the Doxygen site renders the same formulas (MathJax).
Code blocks and `inline code` are left untouched.

    docs-prep.py SOURCE_ROOT OUT_DIR
"""
import pathlib
import re
import sys

PAGES = ["README.md", "docs/*.md", "chapters/*/README.md"]


def convert_math(text):
    out, in_fence = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            out.append(line)
            continue
        if in_fence:
            out.append(line)
            continue
        # split off inline code spans, convert math only outside them
        parts = re.split(r"(`[^`]*`)", line)
        for i, p in enumerate(parts):
            if p.startswith("`"):
                continue
            p = re.sub(r"\$\$(.+?)\$\$", r"\\f[\1\\f]", p)
            p = re.sub(r"(?<![\\\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\w)", r"\\f$\1\\f$", p)
            parts[i] = p
        out.append("".join(parts))
    return "\n".join(out)


def main():
    src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    for pattern in PAGES:
        for f in sorted(src.glob(pattern)):
            target = dst / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(convert_math(f.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
