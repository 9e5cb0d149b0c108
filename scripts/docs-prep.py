#!/usr/bin/env python3
"""Copy the Markdown pages into the docs build folder, rewriting what Doxygen 1.9's Markdown reads
differently from GitHub's, so that the site renders what GitHub shows (docs/markdown.md):

- $…$ / $$…$$ math becomes Doxygen's \\f$…\\f$ / \\f[…\\f] (typeset by MathJax);
- **strong**, *emphasis* and _emphasis_ become <strong>/<em> by GitHub's rules (Doxygen gives up on
  emphasis around a formula, a code span with a quote, a Chinese character next to the marker …);
- a table inside a list item becomes an HTML table (Doxygen ends the list at a Markdown table and
  numbers the rest from 1 again);
- a numbered list that starts at another number than 1 becomes an HTML list with that start.

Code blocks and `inline code` are left untouched.

    docs-prep.py SOURCE_ROOT OUT_DIR
    docs-prep.py --self-test
"""
import pathlib
import re
import shutil
import unicodedata
import sys

SOURCE_ROOT = pathlib.Path(".")
PAGES = ["README.md", "docs/*.md", "chapters/*/README.md"]


LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
LINK_OR_CODE = re.compile(LINK.pattern + r"|`[^`]*`")
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
    # Not inside `code` (there a link is an example of Markdown, shown as written); a link's text
    # may hold code: scanning from the left, whichever starts first wins.
    return LINK_OR_CODE.sub(lambda m: m.group(0) if m.group(0).startswith("`") else repl(m), line)


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

    def formula(converted):
        codes.append(converted)  # kept out of the emphasis rules: "a_1 b_2" has no emphasis
        return f"\x00{len(codes) - 1}\x00"

    text = re.sub(r"\$\$(.+?)\$\$", lambda m: formula("\\f[" + tex(m.group(1)) + "\\f]"), text, flags=re.S)
    text = re.sub(r"(?<![\\\w$])\$(?![\s$])((?:[^$\n]|\n(?!\s*\n))+?)(?<!\s)\$(?![\w$])",
                  lambda m: formula("\\f$" + tex(m.group(1)) + "\\f$"), text)
    # Link targets, autolinks and HTML tags are not prose either ("a_b.md", "<a href=x_y>").
    text = re.sub(r"\]\([^)\s]*\)", lambda m: formula(m.group(0)), text)
    # An HTML tag is kept the same way, marked \x01 so that the emphasis rules see punctuation
    # there, as they would see "<li>" itself: "<li>*(tried)*" opens emphasis.
    def tag(m):
        codes.append(m.group(0))
        return f"\x01{len(codes) - 1}\x01"
    text = re.sub(r"<[A-Za-z/!][^<>\n]*>", tag, text)
    text = "\n".join(convert_emphasis(block) for block in inline_blocks(text))
    while "\x00" in text or "\x01" in text:
        text = re.sub(r"([\x00\x01])(\d+)\1", lambda m: codes[int(m.group(2))], text)
    return text


BLOCK_START = re.compile(r"\s*(?:[-*+]\s|\d+[.)]\s|#|>|\||<|$)")


def inline_blocks(text):
    """Split a run of lines into the pieces whose inline content Markdown parses as one: a
    paragraph, a list item's first lines, a heading, each cell of a table row. Emphasis never spans
    two of them. Yields strings that join back (with "\\n") to TEXT."""
    block = []
    for line in text.split("\n"):
        if block and BLOCK_START.match(line):
            yield "\n".join(block)
            block = []
        if line.lstrip().startswith("|"):
            yield line  # a table row: the emphasis rules run per cell (convert_emphasis splits it)
            continue
        block.append(line)
        if not line.strip():
            yield "\n".join(block)
            block = []
    if block:
        yield "\n".join(block)


def _kind(ch):
    """Character class for the delimiter rules: space, punctuation or other (a placeholder \\x00 for
    code or a formula counts as other, like a letter; \\x01 for an HTML tag as punctuation)."""
    if ch == "" or ch.isspace():
        return "space"
    if ch == "\x01" or ch != "\x00" and unicodedata.category(ch).startswith(("P", "S")):
        return "punct"
    return "other"


def convert_emphasis(text):
    """GitHub's (CommonMark's) emphasis, written as HTML that Doxygen passes through.

    >>> convert_emphasis("a **b** *c* _d_ snake_case_name 2*3*4")
    'a <strong>b</strong> <em>c</em> <em>d</em> snake_case_name 2<em>3</em>4'
    >>> convert_emphasis("**derivative (计算导数): \\x000\\x00**; *back*propagation")
    '<strong>derivative (计算导数): \\x000\\x00</strong>; <em>back</em>propagation'
    >>> convert_emphasis("**\\"仅对一个样本\\"** (x) and ***both***")
    '<strong>"仅对一个样本"</strong> (x) and <em><strong>both</strong></em>'
    >>> convert_emphasis("* a list item, a * b, __init__ and a ** b")
    '* a list item, a * b, <strong>init</strong> and a ** b'
    >>> convert_emphasis("| **a** | b* | *c |")
    '| <strong>a</strong> | b* | *c |'
    """
    if text.lstrip().startswith("|"):
        cells = re.split(r"(?<!\\)(\|)", text)
        return "".join(c if c == "|" else convert_emphasis(c) for c in cells)
    pieces = []  # text, or a delimiter run: [char, count, can_open, can_close, close_tags, open_tags]
    last = 0
    for m in re.finditer(r"\*+|_+", text):
        start, end = m.span()
        if start > 0 and text[start - 1] == "\\":
            continue  # \* is a literal star
        before = _kind(text[start - 1] if start else "")
        after = _kind(text[end] if end < len(text) else "")
        left = after != "space" and (after != "punct" or before in ("space", "punct"))
        right = before != "space" and (before != "punct" or after in ("space", "punct"))
        if m.group(0)[0] == "*":
            can_open, can_close = left, right
        else:
            can_open = left and (not right or before == "punct")
            can_close = right and (not left or after == "punct")
        pieces.append(text[last:start])
        pieces.append([m.group(0)[0], end - start, can_open, can_close, [], []])
        last = end
    pieces.append(text[last:])
    # Pair each closer with the nearest opener of the same character (CommonMark's "process
    # emphasis", without its rule of 3): two or more on both sides make <strong>, else <em>.
    stack = []
    for run in pieces:
        if isinstance(run, str):
            continue
        if run[3]:
            while run[1] > 0:
                opener = next((o for o in reversed(stack) if o[0] == run[0]), None)
                if opener is None:
                    break
                n = 2 if opener[1] >= 2 and run[1] >= 2 else 1
                tag = "strong" if n == 2 else "em"
                opener[1] -= n
                run[1] -= n
                opener[5].insert(0, f"<{tag}>")   # the opener's innermost end
                run[4].append(f"</{tag}>")        # the closer's innermost start
                del stack[stack.index(opener) + 1:]
                if opener[1] == 0:
                    stack.remove(opener)
        if run[2] and run[1] > 0:
            stack.append(run)
    return "".join(p if isinstance(p, str) else "".join(p[4]) + p[0] * p[1] + "".join(p[5])
                   for p in pieces)


TABLE_ROW = re.compile(r"^( +)\|(.*)\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|(\s*:?-+:?\s*\|)+\s*$")


def list_tables_to_html(lines):
    """A Markdown table indented under a list item, as an HTML table (Doxygen 1.9 ends the list at
    a Markdown table, so the items after it are numbered from 1 again; an HTML table stays in the
    item). The cells stay Markdown; the classes are those of Doxygen's own tables.

    >>> list_tables_to_html(["2. Chapters:", "", "   | a | b |", "   |---|--:|", "   | `x` | 1 |", "", "3. Next"])
    ['2. Chapters:', '', '   <table class="markdownTable">', '   <tr class="markdownTableHead"><th class="markdownTableHeadNone">a</th><th class="markdownTableHeadRight">b</th></tr>', '   <tr class="markdownTableRowOdd"><td class="markdownTableBodyNone">`x`</td><td class="markdownTableBodyRight">1</td></tr>', '   </table>', '', '3. Next']
    """
    out, i = [], 0
    while i < len(lines):
        head = TABLE_ROW.match(lines[i])
        if not (head and i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1])):
            out.append(lines[i])
            i += 1
            continue
        indent = head.group(1)
        split = lambda row: [c.strip() for c in re.split(r"(?<!\\)\|", row)]
        align = []
        for rule in split(TABLE_RULE.match(lines[i + 1]).group(0).strip()[1:-1]):
            align.append("Center" if rule.startswith(":") and rule.endswith(":") else
                         "Right" if rule.endswith(":") else "Left" if rule.startswith(":") else "None")
        cells = lambda row, tag, kind: "".join(
            f'<{tag} class="markdownTable{kind}{align[k] if k < len(align) else "None"}">{c}</{tag}>'
            for k, c in enumerate(split(row)))
        out.append(f'{indent}<table class="markdownTable">')
        out.append(f'{indent}<tr class="markdownTableHead">{cells(head.group(2), "th", "Head")}</tr>')
        i += 2
        odd = True
        while i < len(lines) and (row := TABLE_ROW.match(lines[i])):
            out.append(f'{indent}<tr class="markdownTableRow{"Odd" if odd else "Even"}">'
                       f'{cells(row.group(2), "td", "Body")}</tr>')
            odd = not odd
            i += 1
        out.append(f"{indent}</table>")
    return out


ITEM = re.compile(r"^((?:>\s?)*)(\d+)[.)]\s+(.*)$")


def numbered_lists_to_html(lines):
    """A numbered list that does not start at 1 ("0. the baseline", a quote of the book's steps 2
    and 3) as an HTML list with its start: Doxygen 1.9 numbers every list from 1 (and in a quote
    it does not even see the first item). Items are joined to one line each (inline Markdown
    stays); lists starting at 1 are left to Doxygen.

    >>> numbered_lists_to_html(["x", "0. **a**", "   more", "1. b", "", "> 2. c", "> 3. d"])
    ['x', '<ol start="0">', '<li>**a**\\nmore</li>', '<li>b</li>', '</ol>', '', '> <ol start="2">', '> <li>c</li>', '> <li>d</li>', '> </ol>']
    """
    out, i = [], 0
    while i < len(lines):
        first = ITEM.match(lines[i])
        starts_list = first and (i == 0 or not lines[i - 1].strip() or not (
            ITEM.match(lines[i - 1]) or lines[i - 1].startswith((" ", "\t"))))
        if not (starts_list and int(first.group(2)) != 1):
            out.append(lines[i])
            i += 1
            continue
        prefix = first.group(1)
        quote = prefix.rstrip() + " " if prefix else ""
        items = []
        while i < len(lines):
            item = ITEM.match(lines[i])
            if item and item.group(1) == prefix:
                items.append([item.group(3)])
            elif items and lines[i].startswith(prefix) and lines[i][len(prefix):][:1] in (" ", "\t") \
                    and lines[i].strip():
                items[-1].append(lines[i][len(prefix):].strip())
            else:
                break
            i += 1
        out.append(f'{quote}<ol start="{int(first.group(2))}">')
        # the item's lines stay lines: Doxygen reads no formula in a "quote" on one line
        out.extend(f"{quote}<li>" + f"\n{quote}".join(item) + "</li>" for item in items)
        out.append(f"{quote}</ol>")
    return out


def convert_math(text, page=None, pages=frozenset()):
    out, chunk, in_fence = [], [], False

    def flush():
        if chunk:
            out.append(convert_chunk("\n".join(numbered_lists_to_html(list_tables_to_html(chunk)))))
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
    if sys.argv[1:] == ["--self-test"]:
        import doctest
        failures, tests = doctest.testmod()
        print(f"docs-prep: {tests - failures}/{tests} examples pass")
        return 1 if failures else 0
    if len(sys.argv) != 3:
        print("docs-prep: expected SOURCE_ROOT OUT_DIR (or --self-test)", file=sys.stderr)
        return 2
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
