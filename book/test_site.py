"""`make test-book`: every page of the built book (build/book/html) in a real headless Chromium.

Debian's `chromium` (or BOOK_CHROMIUM=/path/to/chrome) driven by Playwright's Python API; Playwright never
downloads a browser here. The site is served on 127.0.0.1 by Python's http.server, as GitHub Pages would
serve it. For every page:

- nothing is fetched from anywhere but the site itself (each such request is blocked and reported);
- no console error, no uncaught script error, no failed request (a missing font or script is one);
- every image loaded (naturalWidth > 0);
- math typeset: every Sphinx math element holds MathJax's output, and no raw `$$`, `\\(` or `\\[` is left in the
  visible text, nor a `$...$` pair (code blocks excluded);
- every internal link resolves: the file exists, and so does the anchor after `#`;
- a screenshot, saved to build/book/screenshots/<page>.png (the artefact to look at).

The lecture pages must also show each figure their code draws: build/book/figures.json (written by
scripts/book.py) lists the code cells that call plt.subplots, plt.figure or RDKit's drawing functions, and
each such cell's output must hold a loaded image. The search page must find a word of the course.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))  # book.py imports colab.py
# one rule for links, shared with the build (loaded by path: this folder, book/, would shadow the name)
_spec = importlib.util.spec_from_file_location("book_script", ROOT / "scripts" / "book.py")
_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_book)
broken_links, site_pages = _book.broken_links, _book.site_pages

OUT = ROOT / "build" / "book"
HTML = OUT / "html"
SHOTS = OUT / "screenshots"
FIGURES = OUT / "figures.json"
# The flags this machine kind's browser needs: without the background-networking ones Chromium tries to reach
# Google's services at every start (refused here, and noise in the console).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


PAGES = site_pages()


def chromium_path() -> str:
    found = os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("No Chromium found. `make test-book` installs Debian's chromium when run as root; otherwise "
                    "run `sudo apt-get install chromium`, or set BOOK_CHROMIUM=/path/to/chrome.", pytrace=False)
    return found


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="session")
def site() -> str:
    if not PAGES:
        pytest.fail(f"No built book in {HTML.relative_to(ROOT)}: run `make book` first (make test-book does).",
                    pytrace=False)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield chrome
        chrome.close()


PAGE_STATE = """() => {
  const images = Array.from(document.images).map(i =>
      ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const math = Array.from(document.querySelectorAll('.math'));
  const untypeset = math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
  const clone = document.querySelector('main, .bd-main, body').cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight, textarea').forEach(e => e.remove());
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
  return {images, math: math.length, untypeset, text: clone.textContent, links};
}"""

WAIT_FOR_IMAGES_AND_MATH = """async () => {
  document.querySelectorAll('img[loading]').forEach(i => i.loading = 'eager');
  await Promise.all(Array.from(document.images).map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  return true;
}"""


def visit(browser, site: str, page_name: str) -> tuple[object, dict, list[str]]:
    """Loads one page; returns the Playwright page, its state and every problem met while loading."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []

    def route(r):
        if r.request.url.startswith(site):
            r.continue_()
        else:
            problems.append(f"fetches from outside the site: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})")
            if r.url.startswith(site) else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(site + page_name, wait_until="load")
    page.evaluate(WAIT_FOR_IMAGES_AND_MATH)
    page.wait_for_load_state("networkidle")
    state = page.evaluate(PAGE_STATE)
    return page, state, problems


@pytest.mark.parametrize("page_name", PAGES or ["(no book built)"])
def test_page(browser, site: str, page_name: str) -> None:
    page, state, problems = visit(browser, site, page_name)
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / (page_name.replace("/", "__")[:-len(".html")] + ".png")), full_page=True)
        problems += [f"image did not load: {i['src']}" for i in state["images"] if not i["ok"]]
        problems += [f"math not typeset: {t!r}" for t in state["untypeset"]]
        raw = re.findall(r".{0,40}(?:\$\$|\\\(|\\\[|\$[^\s$][^$\n]{0,80}\$).{0,40}", state["text"])
        problems += [f"raw TeX left in the text: {t!r}" for t in raw]
        hrefs = ["/" + h[len(site):] if h.startswith(site) else h for h in state["links"]]
        problems += [f"broken link: {b}" for b in broken_links(page_name, hrefs, HTML)]
        if page_name.startswith("lectures/"):
            problems += missing_figures(page, page_name)
    finally:
        page.context.close()
    assert not problems, f"{page_name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems)


def missing_figures(page, page_name: str) -> list[str]:
    """Each code cell figures.json lists for this lecture must show a loaded image in its output."""
    figures = json.loads(FIGURES.read_text(encoding="utf-8")).get(page_name[:-len(".html")])
    if not figures:
        return [f"{FIGURES.relative_to(ROOT)} lists no figure for this lecture: rebuild with `make book`"]
    cells = page.evaluate("""() => Array.from(document.querySelectorAll('div.cell')).map(c =>
        Array.from(c.querySelectorAll('.cell_output img')).filter(i => i.naturalWidth > 0).length)""")
    out = []
    for fig in figures:
        k = fig["cell"]
        if k >= len(cells):
            out.append(f"code cell {k + 1} ({fig['line']!r}) is not on the page ({len(cells)} code cells shown)")
        elif cells[k] == 0:
            out.append(f"code cell {k + 1} ({fig['line']!r}) draws a figure but the page shows no image for it")
    return out


def test_search_finds_the_reparameterization_trick(browser, site: str) -> None:
    """Sphinx's offline search (searchindex.js): a course term leads to the lab that teaches it."""
    page, _, problems = visit(browser, site, "search.html?q=reparameterization")
    try:
        page.wait_for_selector("#search-results li", timeout=20_000)
        hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    finally:
        page.context.close()
    assert not problems, "search.html: " + "; ".join(problems)
    assert any("lab01_vae_building_blocks" in h for h in hits), f"search for 'reparameterization' found {hits}"


def test_every_lab_and_lecture_is_a_page() -> None:
    """The book holds both lectures and the release of every lab (a lab missing from labs/ is caught here)."""
    labs = sorted(p.parent.name for p in (ROOT / "labs").glob("*/*.ipynb") if p.parent.name == p.stem)
    expected = [f"labs/{lab}/{lab}.html" for lab in labs]
    expected += [f"lectures/{p.stem}.html" for p in sorted((ROOT / "lectures").glob("*.ipynb"))]
    missing = [p for p in expected if p not in PAGES]
    assert labs and not missing, f"not in the built book: {missing}; run `make book`"
