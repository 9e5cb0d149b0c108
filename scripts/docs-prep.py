#!/usr/bin/env python3
"""Copy the Markdown pages into the docs build folder, turning $…$ / $$…$$ math (as GitHub renders
it) into Doxygen's \\f$…\\f$ / \\f[…\\f] so the Doxygen site renders the same formulas (MathJax).
Code blocks and `inline code` are left untouched.

    docs-prep.py SOURCE_ROOT OUT_DIR
"""
import pathlib
import re
import shutil
import sys

SOURCE_ROOT = pathlib.Path(".")
PAGES = ["README.md", "docs/*.md", "chapters/*/README.md"]


LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
IMAGES = {}  # committed images the pages show: unique name in OUT_DIR/images -> source file


def convert_links(line, page, pages):
    """Keep web links, links to other pages and images that are committed next to the page (copied
    to OUT_DIR/images, Doxygen's IMAGE_PATH, under a unique name); other links (source files,
    folders, anchors, images of generated output) become plain text, which Doxygen cannot resolve."""
    def repl(m):
        bang, text, target = m.groups()
        if target.startswith(("http://", "https://")):
            return m.group(0)
        path = target.split("#", 1)[0]
        if path.endswith(".md") and not bang:
            resolved = (page.parent / path).resolve()
            if resolved in pages:
                return f"[{text}]({path})"
        if bang:
            image = (page.parent / path).resolve()
            if image.is_file() and image.suffix.lower() in (".png", ".jpg", ".jpeg", ".svg"):
                name = "_".join(image.relative_to(SOURCE_ROOT).parts)
                IMAGES[name] = image
                return f"![{text}]({name})"
            return f"(figure: `{target}`)"
        return text if text else f"`{target}`"
    return LINK.sub(repl, line)


def convert_chunk(text):
    """Math in a run of non-code lines; formulas may span lines (not blank ones)."""
    codes = []

    def keep(m):
        code = m.group(0)
        if "'" in code:
            # Doxygen also reads `text' as a code span, so a quote inside backticks unbalances the
            # rest of the paragraph: write such spans as HTML instead.
            # Inside HTML, Doxygen still reads commands and typography: "\\x" and "@x" are commands,
            # "--" becomes a dash, and it knows &apos; but not &#39;.
            inner = code[1:-1].replace("\\", "\\\\").replace("@", "\\@").replace("--", "\\--")
            inner = inner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            code = "<code>" + inner.replace("'", "&apos;") + "</code>"
        codes.append(code)
        return f"\x00{len(codes) - 1}\x00"

    text = re.sub(r"`(?:[^`\n]|\n(?!\s*\n))*`", keep, text)  # a code span may wrap, as in Markdown
    # Doxygen applies Markdown emphasis inside formulas in table cells ("(z_i)_{y_i}" opens "_..._").
    # "_ " can never open emphasis, and TeX ignores the space: "z_ i" is still z subscript i.
    tex = lambda body: body.replace("_", "_ ")
    text = re.sub(r"\$\$(.+?)\$\$", lambda m: "\\f[" + tex(m.group(1)) + "\\f]", text, flags=re.S)
    text = re.sub(r"(?<![\\\w$])\$(?![\s$])((?:[^$\n]|\n(?!\s*\n))+?)(?<!\s)\$(?![\w$])",
                  lambda m: "\\f$" + tex(m.group(1)) + "\\f$", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], text)


def convert_math(text, page=None, pages=frozenset()):
    out, chunk, in_fence = [], [], False

    def flush():
        if chunk:
            out.append(convert_chunk("\n".join(chunk)))
            chunk.clear()

    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            flush()
            in_fence = not in_fence
            out.append(line)
        elif in_fence:
            out.append(line)
        else:
            chunk.append(convert_links(line, page, pages) if page else line)
    flush()
    return "\n".join(out)


def main():
    global SOURCE_ROOT
    src, dst = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    SOURCE_ROOT = src
    files = [f for pattern in PAGES for f in sorted(src.glob(pattern))]
    pages = frozenset(f.resolve() for f in files)
    for f in files:
        target = dst / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(convert_math(f.read_text(), f.resolve(), pages))
    (dst / "images").mkdir(parents=True, exist_ok=True)
    for name, image in IMAGES.items():
        shutil.copyfile(image, dst / "images" / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
