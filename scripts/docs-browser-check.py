#!/usr/bin/env python3
"""Open every page of the Doxygen site in headless Chromium, as a reader would, and fail on what a
reader would see broken:

  - a formula MathJax could not typeset (red "Undefined control sequence …"), or one left as raw TeX;
  - a literal ** or __ in the text (Markdown emphasis Doxygen did not parse);
  - a numbered list that restarts ("1. 2. 1. 2.": one list broken into several);
  - an image that does not load;
  - a Chinese character drawn in a font that has no glyph for it (an empty box): the font Chromium
    resolves for each run of Chinese text (DevTools' CSS.getPlatformFontsForNode) is looked up in
    fontconfig, which says which characters that font has;
  - a link to a page or an anchor of the site that does not exist.

It writes a full-length screenshot of every page made from a Markdown file (README, docs/, every
chapter README) to OUT_DIR (default: html/../screenshots) for a person to look at.

    docs-browser-check.py [--out DIR] [--browser chromium] [--only PATTERN] [--jobs N] build/docs/html

Only the Python standard library: Chromium is driven through its DevTools protocol over a pipe
(--remote-debugging-pipe: JSON messages separated by NUL bytes on file descriptors 3 and 4).
Exit status: 0 all pages fine, 1 something is broken (listed), 2 bad arguments or no browser.
"""
import argparse
import base64
import fnmatch
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PROGRAM = "docs-browser-check"
CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
PAGE_TIMEOUT_S = 60


class Browser:
    """Headless Chromium, spoken to through the DevTools protocol on a pipe."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="docs-check-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        high_r, high_w = os.dup(to_chrome_r), os.dup(from_chrome_w)

        def child_fds():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                "--allow-file-access-from-files", f"--user-data-dir={self.profile}",
                "--remote-debugging-pipe", "about:blank"]
        self.log = open(os.path.join(self.profile, "chromium.log"), "w")
        self.process = subprocess.Popen(args, preexec_fn=child_fds, close_fds=False,
                                        stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        for fd in (to_chrome_r, from_chrome_w, high_r, high_w):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                self.log.flush()
                with open(self.log.name, errors="replace") as log:
                    tail = log.read()[-2000:]
                raise RuntimeError(f"Chromium exited (status {self.process.poll()}); its last words:\n{tail}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, session=None, timeout=PAGE_TIMEOUT_S, **params):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._keep(reply)

    def _keep(self, event):
        # Only the events something waits for (Network.enable alone sends dozens per page).
        if event.get("method") in ("Page.loadEventFired",):
            self.events.append(event)

    def wait_event(self, method, session, timeout=PAGE_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            self._keep(self._read_message(deadline))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# Runs in the page once it has loaded: waits for MathJax (2.x: Hub; 3.x: startup.promise), then
# returns what the checks need. Text inside code, formulas and scripts is not the reader's prose.
PAGE_REPORT_JS = r"""
(async () => {
  const mathjaxScript = document.querySelector('script[src*="MathJax"], script[src*="mathjax"]') && HAS_MATH;
  const result = {mathjax: 'none', mathErrors: [], rawTeX: [], emphasis: [], lists: [],
                  images: [], links: [], anchors: [], cjkRuns: 0};
  if (mathjaxScript) {
    const t0 = Date.now();
    while (!(window.MathJax && (MathJax.Hub || MathJax.startup)) && Date.now() - t0 < 20000)
      await new Promise(r => setTimeout(r, 50));
    if (window.MathJax && MathJax.Hub) {
      await new Promise(r => MathJax.Hub.Queue(r));  // after the page's first typeset
      result.mathjax = 'MathJax ' + MathJax.version;
    } else if (window.MathJax && MathJax.startup) {
      await MathJax.startup.promise;
      result.mathjax = 'MathJax ' + MathJax.version;
    } else {
      result.mathjax = 'not loaded';
    }
  }
  // MathJax 2: an error is a <merror> in the typeset formula; MathJax 3: an mjx-merror element.
  if (window.MathJax && MathJax.Hub && MathJax.Hub.getAllJax) {
    const merror = node => {
      if (!node || typeof node !== 'object') return false;
      if (node.type === 'merror') return true;
      return (node.data || []).some(merror);
    };
    for (const jax of MathJax.Hub.getAllJax()) {
      if (!merror(jax.root)) continue;
      const frame = document.getElementById(jax.inputID + '-Frame');
      result.mathErrors.push((frame ? frame.textContent.trim() : 'error') + '  in  ' +
                             jax.originalText.trim().replace(/\s+/g, ' ').slice(0, 80));
    }
  }
  for (const e of document.querySelectorAll('mjx-merror, .MathJax_Error, .merror'))
    if (!result.mathErrors.some(x => x.startsWith(e.textContent.trim())))
      result.mathErrors.push(e.getAttribute('data-mjx-error') || e.textContent.trim());

  // Not prose: code, formulas, and the C++ declarations of the API pages ("char **argv", "__FILE__").
  const skip = el => el.closest('pre, code, .fragment, .line, script, style, .MathJax, .MathJax_Display, ' +
                                 'mjx-container, .MathJax_Preview, textarea, #MSearchBox, #MSearchResultsWindow, ' +
                                 '.memname, .memItemLeft, .memItemRight, .memTemplParams, .memTemplItemLeft, ' +
                                 '.memTemplItemRight, .paramname, .paramtype, .memproto, .mlabels, .fieldname, ' +
                                 '.fieldtype, .memberdecls .memSeparator, td.entry');
  const contents = document.querySelector('div.contents') || document.body;
  const walker = document.createTreeWalker(contents, NodeFilter.SHOW_TEXT);
  const cjk = /[\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+/g;
  const hasCjk = new RegExp(cjk.source);  // without /g: test() keeps no state
  const textNodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) textNodes.push(n);
  for (const n of textNodes) {
    const parent = n.parentElement;
    if (!parent || parent.closest('script, style, textarea, .MathJax, .MathJax_Display, mjx-container')) continue;
    const text = n.nodeValue;
    const prose = !skip(parent);  // Chinese is checked in code too; emphasis and TeX only in prose
    // ** or __ anywhere, and a single * or _ around a word ("*back*propagation", "_not_").
    if (prose) for (const m of text.matchAll(/\*\*|__|(?:^|(?<=[\s(]))\*(?=[^\s*])[^*\n]{0,80}?[^\s*]\*(?!\*)|\b_[^\s_][^_\n]{0,80}?[^\s_]_\b/g)) {
      const around = (n.previousSibling ? n.previousSibling.textContent : '') + text +
                     (n.nextSibling ? n.nextSibling.textContent : '');
      const at = around.indexOf(text) + m.index;
      result.emphasis.push(around.slice(Math.max(0, at - 40), at + 42).replace(/\s+/g, ' ').trim());
    }
    if (prose) for (const m of text.matchAll(/\\[\(\[]|\\f[\$\[]/g))
      result.rawTeX.push(text.slice(Math.max(0, m.index - 20), m.index + 60).replace(/\s+/g, ' ').trim());
    // Each run of Chinese text gets its own span so that DevTools can say which font draws it.
    // (Not in what is not drawn: the hidden tooltips of the source pages have no font at all.)
    if (hasCjk.test(text) && parent.getClientRects().length) {
      const frag = document.createDocumentFragment();
      let last = 0;
      for (const m of text.matchAll(cjk)) {
        frag.append(text.slice(last, m.index));
        const span = document.createElement('span');
        span.setAttribute('data-docs-check-cjk', '');
        span.textContent = m[0];
        frag.append(span);
        last = m.index + m[0].length;
        result.cjkRuns++;
      }
      frag.append(text.slice(last));
      parent.replaceChild(frag, n);
    }
  }
  // A Markdown numbered list that Doxygen broke into several <ol>: a list after another in the same
  // block whose numbering starts at 1 again, with only a paragraph or code between them.
  for (const ol of contents.querySelectorAll('ol')) {
    const items = [...ol.children].filter(c => c.tagName === 'LI');
    const start = ol.hasAttribute('start') ? parseInt(ol.getAttribute('start')) : 1;
    let prev = ol.previousElementSibling, hops = 0;
    while (prev && prev.tagName !== 'OL' && !/^H[1-6]$/.test(prev.tagName) && hops < 3) {
      prev = prev.previousElementSibling; hops++;
    }
    if (prev && prev.tagName === 'OL' && start === 1 && hops <= 2 && items.length) {
      const prevItems = [...prev.children].filter(c => c.tagName === 'LI');
      result.lists.push('list restarts at 1 after ' + prevItems.length + ' item(s): "' +
                        items[0].textContent.trim().replace(/\s+/g, ' ').slice(0, 60) + '"');
    }
  }
  // Two items on one source line ("1. forward …; 2. error …") read as one item numbered wrong.
  for (const ol of contents.querySelectorAll('ol')) {
    const start = ol.hasAttribute('start') ? parseInt(ol.getAttribute('start')) : 1;
    [...ol.children].filter(c => c.tagName === 'LI').forEach((li, k) => {
      const own = [...li.childNodes].filter(c => c.nodeType === 3 || !/^(OL|UL|DIV|TABLE|PRE)$/.test(c.tagName))
                                   .map(c => c.textContent).join('');
      const next = start + k + 1;
      if (new RegExp('[;,.:]\\s+' + next + '\\.\\s+\\S').test(own))
        result.lists.push('item ' + (start + k) + ' holds item ' + next + ' (two items on one line): "' +
                          own.trim().replace(/\s+/g, ' ').slice(0, 70) + '"');
    });
  }
  // A list item Doxygen left as text ("2. …" in a paragraph, the list after it numbered from 1).
  for (const ol of contents.querySelectorAll('ol')) {
    const prev = ol.previousElementSibling;
    if (prev && prev.tagName === 'P' && /^\s*\d+[.)]\s/.test(prev.textContent.replace(/\u200d/g, '')))
      result.lists.push('a list item left as text before a list: "' +
                        prev.textContent.trim().replace(/\s+/g, ' ').slice(0, 70) + '"');
  }
  for (const img of document.images) {
    if (img.closest('#MSearchBox, #nav-tree, #side-nav')) continue;
    if (!img.complete || img.naturalWidth === 0) result.images.push(img.getAttribute('src'));
  }
  for (const a of contents.querySelectorAll('a[href]')) result.links.push(a.getAttribute('href'));
  for (const a of document.querySelectorAll('a[href]'))
    if (!a.closest('div.contents')) result.links.push(a.getAttribute('href'));
  for (const e of document.querySelectorAll('[id], a[name]')) result.anchors.push(e.id || e.getAttribute('name'));
  void document.body.offsetHeight;  // lay out the new spans before DevTools asks for their fonts
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return result;
})()
"""

# For the screenshot: Doxygen's tree view scrolls the page inside #doc-content, so the window is made
# as tall as that content and resized, after which the whole page fits in one capture.
CONTENT_HEIGHT_JS = r"""
(() => {
  const doc = document.getElementById('doc-content');
  const header = document.getElementById('top');
  const inner = doc ? doc.scrollHeight : document.documentElement.scrollHeight;
  return Math.ceil(inner + (header ? header.offsetHeight : 0) + 40);
})()
"""


def font_charsets(cache, family):
    """The characters fontconfig says FAMILY has (a set of code points), or None if unknown."""
    if family not in cache:
        try:
            out = subprocess.run(["fc-list", "--format", "%{charset}\n", f":family={family}"],
                                 capture_output=True, text=True, check=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            cache[family] = None
            return None
        ranges = []
        for token in out.split():
            lo, _, hi = token.partition("-")
            try:
                ranges.append((int(lo, 16), int(hi or lo, 16)))
            except ValueError:
                pass
        cache[family] = ranges or None
    return cache[family]


def has_glyph(ranges, ch):
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_chapter_page(html_name):
    # Pages Doxygen makes from Markdown files: md_<path>.html, and index.html (the README).
    return html_name == "index.html" or html_name.startswith("md_")


def check_page(browser, session, html_dir, page, shots_dir, anchors_of, fonts_cache, problems, counts):
    url = page.resolve().as_uri()
    # MathJax takes a third of a second per page even when there is nothing to typeset: it is
    # loaded only on pages with a formula (Doxygen writes them as \( … \) and \[ … \]).
    html = page.read_text(errors="replace")
    has_math = "\\(" in html or "\\[" in html or "\\begin{" in html
    browser.call("Network.setBlockedURLs", session, urls=[] if has_math else ["*MathJax.js*", "*mathjax*"])
    browser.events.clear()
    browser.call("Page.navigate", session, url=url)
    browser.wait_event("Page.loadEventFired", session)
    reply = browser.call("Runtime.evaluate", session, awaitPromise=True, returnByValue=True,
                         expression=PAGE_REPORT_JS.replace("HAS_MATH", "true" if has_math else "false"),
                         timeout=PAGE_TIMEOUT_S)
    if "exceptionDetails" in reply:
        problems.append(f"{page.name}: the page check script failed: "
                        f"{reply['exceptionDetails'].get('exception', {}).get('description', reply['exceptionDetails'])}")
        return
    r = reply["result"]["value"]
    name = page.name
    if r["mathjax"] == "not loaded":
        problems.append(f"{name}: MathJax did not load (MATHJAX_RELPATH?)")
        counts["mathjax_errors"] += 1
    for e in r["mathErrors"]:
        problems.append(f"{name}: MathJax error: {e}")
    counts["mathjax_errors"] += len(r["mathErrors"])
    for e in r["rawTeX"]:
        problems.append(f"{name}: formula left as raw TeX: …{e}…")
    counts["raw_tex"] += len(r["rawTeX"])
    for e in r["emphasis"]:
        problems.append(f"{name}: literal ** or __ in the text: …{e}…")
    counts["literal_emphasis"] += len(r["emphasis"])
    for e in r["lists"]:
        problems.append(f"{name}: {e}")
    counts["misnumbered_lists"] += len(r["lists"])
    for src in r["images"]:
        problems.append(f"{name}: image does not load: {src}")
    counts["broken_images"] += len(r["images"])

    for href in r["links"]:
        parsed = urllib.parse.urlparse(href)
        if parsed.scheme in ("http", "https", "mailto", "javascript") or href.startswith("#!"):
            continue
        target = page if not parsed.path else (page.parent / urllib.parse.unquote(parsed.path))
        if parsed.scheme == "file":
            target = pathlib.Path(urllib.parse.unquote(parsed.path))
        if not target.exists():
            problems.append(f"{name}: dead link: {href}")
            counts["dead_links"] += 1
            continue
        if parsed.fragment and target.suffix == ".html":
            if target.resolve() not in anchors_of:
                text = target.read_text(errors="replace")
                anchors_of[target.resolve()] = set(re.findall(r'\b(?:id|name)="([^"]+)"', text))
            if page.resolve() == target.resolve():
                anchors_of[target.resolve()] |= set(r["anchors"])
            if parsed.fragment not in anchors_of[target.resolve()]:
                problems.append(f"{name}: dead link: {href} (no such anchor)")
                counts["dead_links"] += 1

    if r["cjkRuns"]:
        counts["cjk_runs"] += r["cjkRuns"]
        browser.call("DOM.enable", session)
        browser.call("CSS.enable", session)
        root = browser.call("DOM.getDocument", session, depth=0)["root"]["nodeId"]
        nodes = browser.call("DOM.querySelectorAll", session, nodeId=root,
                             selector="span[data-docs-check-cjk]")["nodeIds"]
        for node in nodes:
            text = browser.call("DOM.getOuterHTML", session, nodeId=node)["outerHTML"]
            text = re.sub(r"<[^>]+>", "", text)
            fonts = browser.call("CSS.getPlatformFontsForNode", session, nodeId=node)["fonts"]
            drawn_by = [f["familyName"] for f in fonts]
            missing = []
            for ch in sorted(set(text)):
                if not CJK.match(ch):
                    continue
                if not any((rs := font_charsets(fonts_cache, fam)) and has_glyph(rs, ch) for fam in drawn_by):
                    missing.append(ch)
            if missing:
                counts["cjk_boxes"] += len(missing)
                problems.append(f"{name}: Chinese without a glyph (empty boxes): {text!r} is drawn with "
                                f"{', '.join(drawn_by) or 'no font'}, which lacks {''.join(missing)}")
        browser.call("CSS.disable", session)
        browser.call("DOM.disable", session)

    if shots_dir and is_chapter_page(name):
        height = browser.call("Runtime.evaluate", session, expression=CONTENT_HEIGHT_JS,
                              returnByValue=True)["result"]["value"]
        height = max(800, min(int(height), 30000))
        browser.call("Emulation.setDeviceMetricsOverride", session, width=1280, height=height,
                     deviceScaleFactor=1, mobile=False)
        browser.call("Runtime.evaluate", session, awaitPromise=True, returnByValue=True,
                     expression="new Promise(r => { window.dispatchEvent(new Event('resize'));"
                                " const s = document.createElement('style');"
                                " s.textContent = '#MathJax_Message { display: none !important; }';"
                                " document.head.append(s);"
                                " requestAnimationFrame(() => requestAnimationFrame(r)); })")
        shot = browser.call("Page.captureScreenshot", session, format="png", timeout=120)["data"]
        (shots_dir / (page.stem + ".png")).write_bytes(base64.b64decode(shot))
        browser.call("Emulation.setDeviceMetricsOverride", session, width=1280, height=900,
                     deviceScaleFactor=1, mobile=False)


def main():
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", type=pathlib.Path, help="the Doxygen site, e.g. build/docs/html")
    parser.add_argument("--out", type=pathlib.Path, help="screenshot folder (default: HTML_DIR/../screenshots)")
    parser.add_argument("--browser", default=os.environ.get("CHROMIUM", "chromium"),
                        help="Chromium executable (default: chromium, or $CHROMIUM)")
    parser.add_argument("--only", default="*", help="check only pages whose file name matches (glob)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="browsers side by side (default: 2, or 1 on one core)")
    args = parser.parse_args()

    html_dir = args.html_dir
    if not (html_dir / "index.html").is_file():
        print(f"{PROGRAM}: HTML_DIR '{html_dir}': expected the Doxygen site (index.html); "
              "build it with: cmake --build build --target docs", file=sys.stderr)
        return 2
    executable = shutil.which(args.browser)
    if not executable:
        print(f"{PROGRAM}: --browser '{args.browser}': not found; install Debian's chromium "
              "(scripts/setup.sh --docs)", file=sys.stderr)
        return 2
    shots_dir = args.out or html_dir.parent / "screenshots"
    if shots_dir.exists():
        shutil.rmtree(shots_dir)
    shots_dir.mkdir(parents=True)

    pages = sorted(p for p in html_dir.glob("*.html") if fnmatch.fnmatch(p.name, args.only))
    chapter_pages = [p for p in pages if p.name.startswith("md_chapters_")]
    names = ["pages", "mathjax_errors", "raw_tex", "literal_emphasis", "misnumbered_lists",
             "broken_images", "dead_links", "cjk_runs", "cjk_boxes"]
    started = time.monotonic()
    # A few browsers side by side (each page is mostly one renderer's CPU time); the long chapter
    # pages first so that no worker is left with one at the end.
    pages.sort(key=lambda p: (not is_chapter_page(p.name), p.name))
    jobs = max(1, min(args.jobs, len(pages)))
    queue, lock, results = list(pages), threading.Lock(), []

    def worker():
        counts, problems, anchors_of, fonts_cache = dict.fromkeys(names, 0), [], {}, {}
        browser = Browser(executable)
        try:
            target = browser.call("Target.createTarget", url="about:blank")["targetId"]
            session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            browser.call("Page.enable", session)
            browser.call("Network.enable", session)
            browser.call("Emulation.setDeviceMetricsOverride", session, width=1280, height=900,
                         deviceScaleFactor=1, mobile=False)
            while True:
                with lock:
                    if not queue:
                        break
                    page = queue.pop(0)
                    done = len(pages) - len(queue)
                before = len(problems)
                check_page(browser, session, html_dir, page, shots_dir, anchors_of, fonts_cache, problems, counts)
                counts["pages"] += 1
                if is_chapter_page(page.name) or len(problems) > before:
                    print(f"[{done}/{len(pages)}] {page.name}: {len(problems) - before} problem(s)", flush=True)
        except Exception as e:  # noqa: BLE001 - reported as a failure of the check
            problems.append(f"the browser failed: {e}")
        finally:
            browser.close()
            with lock:
                results.append((counts, problems))

    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = {k: sum(c[k] for c, _ in results) for k in names}
    problems = sorted(p for _, ps in results for p in ps)

    for p in problems:
        print(f"{PROGRAM}: {p}")
    summary = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
    print(f"{PROGRAM}: {summary}; {len(chapter_pages)} chapter pages; screenshots in {shots_dir}; "
          f"{time.monotonic() - started:.0f} s")
    (shots_dir / "counts.json").write_text(json.dumps(counts, indent=1) + "\n")
    if counts["cjk_runs"] == 0 and any(p.name.startswith("md_chapters_") for p in pages):
        print(f"{PROGRAM}: no Chinese text found on the chapter pages: the check itself is broken", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
