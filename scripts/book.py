"""`make book`: the course as a static website, built offline with Sphinx, MyST-NB and the book theme.

    python scripts/book.py            # stage the sources into build/book/src, then build build/book/html
    python scripts/book.py --stage    # only stage (to look at what Sphinx will read)

What goes in (staged into build/book/src, which mirrors the repository's layout so relative links hold):
- book/index.md: the home page with the table of contents by week (hand-written);
- the README's sections for newcomers, students, self-learners and instructors, one page each;
- GLOSSARY.md and BIBLIOGRAPHY.md (references.bib is offered as a download);
- lectures/*.ipynb, executed by MyST-NB (cached in build/book/cache: an unchanged notebook is not run again);
- labs/<lab>/<lab>.ipynb as students receive them (the release, never the solution), not executed, with
  their "Open in Colab" link and a download link to the unchanged notebook.

Changed on the way (on the staged copies only; the repository's notebooks are never touched): the Colab
badge image is the site's own SVG (the link still goes to Colab), the locked Colab setup cell is hidden
(it does nothing outside Colab), and a link to a repository file that is not a page of the book (code,
tests) points at that file in the published repository.

The build is strict: Sphinx runs with -W --keep-going, so a failing lecture cell, a broken cross-reference
or a missing image fails `make book`, and every problem is listed before it stops. MathJax comes from the
npm registry at `make book`'s install step ($VENV/book-vendor) and is copied into the site: the pages
fetch nothing from elsewhere (`make test-book` checks that in a browser). build/book/figures.json lists,
per lecture, the code cells that draw a figure, for `make test-book` to check; build/book/report.json
holds the build's numbers (pages, figures, size, seconds) for `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
OUT = ROOT / "build" / "book"
SRC, HTML, CACHE, STATIC = OUT / "src", OUT / "html", OUT / "cache", OUT / "static"
DEFAULT_MATHJAX = ROOT / ".venv" / "book-vendor" / "node_modules" / "mathjax" / "es5"
# what MathJax needs at run time: the TeX + CommonHTML bundle, its fonts, the TeX extensions it loads on
# demand (\boldsymbol, \cancel ...), the menu and the accessibility explorer. Not the speech engine (sre/,
# 4 MB), used only when a reader turns on speech in MathJax's menu.
MATHJAX_PARTS = ["tex-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors"]

sys.path.insert(0, str(ROOT / "scripts"))
import colab  # noqa: E402  (the repository URL and the ref the Colab links are pinned to)

# README sections (level-2 headings) -> book pages. Every section must land somewhere: a new README section
# that is not listed here stops the build with a message saying where to add it.
README_PAGES: dict[str, tuple[str, list[str]]] = {
    "getting-started": ("Getting started", ["Two commands", "What is in the course", "GPU (CUDA)",
                                            "Data and licences"]),
    "students": ("For students", ["For students"]),
    "self-learners": ("For self-learners", ["For self-learners"]),
    "instructors": ("For instructors", ["For instructors", "The course as a book", "Layout"]),
}
FIGURE_CALL = re.compile(r"\bplt\.subplots\(|\bplt\.figure\(|\bDraw\.MolsToGridImage\(|\bDraw\.MolToImage\(")
MD_LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")
BADGE = re.compile(r"\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)")


class BookError(Exception):
    """A problem in the course's sources that stops the build; the message names the file and the fix."""


def slug(heading: str) -> str:
    """The anchor MyST gives a heading (GitHub's rule): lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def split_sections(markdown: str) -> tuple[str, dict[str, str]]:
    """README text -> (the text before the first `## `, {section title: its text}); code fences respected."""
    head, sections, current, fenced = [], {}, None, False
    for line in markdown.splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else re.match(r"^## (.+?)\s*$", line)
        if match:
            current = match.group(1)
            sections[current] = [line]
        elif current is None:
            head.append(line)
        else:
            sections[current].append(line)
    return "".join(head), {k: "".join(v) for k, v in sections.items()}


def raise_headings(markdown: str) -> str:
    """One level up (## -> #), outside code fences: a README section becomes a page with its own title."""
    out, fenced = [], False
    for line in markdown.splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"^#{2,6} ", line):
            line = line[1:]
        out.append(line)
    return "".join(out)


class Linker:
    """Rewrites relative links of staged text: to a staged page or file when the book has it, else to the file
    in the published repository; in-page anchors of the README go to the page that now holds the heading."""

    def __init__(self, staged: set[str], anchors: dict[str, str], repository: str, ref: str):
        self.staged, self.anchors, self.repository, self.ref = staged, anchors, repository, ref
        self.external: list[str] = []

    def rewrite(self, text: str, origin: str, dest: str) -> str:
        """origin: the repository path the text comes from; dest: the staged path it is written to."""
        def one(match: re.Match) -> str:
            label, target = match.group(1), match.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("//"):
                return match.group(0)
            path, _, anchor = target.partition("#")
            if not path:  # an anchor in the same file
                page = self.anchors.get(anchor) if origin == "README.md" else None
                if page is None or page == dest:
                    return match.group(0)
                return f"{label}({os.path.relpath(page, Path(dest).parent)}#{anchor})"
            repo_path = os.path.normpath(os.path.join(os.path.dirname(origin), path))
            if repo_path.startswith(".."):
                raise BookError(f"{origin}: the link {target!r} leaves the repository; link inside it instead.")
            if repo_path in self.staged:
                rel = os.path.relpath(repo_path, Path(dest).parent)
                return f"{label}({rel}{'#' + anchor if anchor else ''})"
            if not (ROOT / repo_path).exists():
                raise BookError(f"{origin}: the link {target!r} points at {repo_path}, which does not exist. "
                                "Fix the link in that file.")
            kind = "tree" if (ROOT / repo_path).is_dir() else "blob"
            self.external.append(repo_path)
            url = f"{self.repository}/{kind}/{self.ref}/{repo_path}"
            return f"{label}({url}{'#' + anchor if anchor else ''})"

        return MD_LINK.sub(one, text)


def write_if_changed(path: Path, text: str) -> None:
    """Keeps the file's time when nothing changed, so Sphinx rereads only what did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def copy_if_changed(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or dst.read_bytes() != src.read_bytes():
        shutil.copyfile(src, dst)


def badge_cell_source(source: str, dest: str, download: str | None) -> str:
    """The notebook's first cell: the site's own badge image; for a lab, the download link beside it."""
    badge = os.path.relpath("_assets/colab-badge.svg", Path(dest).parent)
    source = BADGE.sub(f"({badge})", source)
    if download:
        source += (f" &nbsp; {{download}}`Download the notebook <{download}>`\n\n"
                   "This page shows the lab as you receive it: the answer cells are empty. Open it in Colab, or "
                   "download it and work in JupyterLab; run the cells from the top.")
    return source


def stage_notebook(src: Path, dest: str, linker: Linker, *, download: str | None) -> tuple[str, list[dict]]:
    """A staged copy of a lecture or lab notebook, and the code cells (after hiding) that draw a figure."""
    nb = nbformat.read(src, as_version=4)
    origin = src.relative_to(ROOT).as_posix()
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown" or not BADGE.search(first.source):
        raise BookError(f"{origin}: the first cell is not the Open-in-Colab badge. Run `make colab` to put the "
                        "badge and setup cell back.")
    figures, shown = [], 0
    for cell in nb.cells:
        meta = cell.get("metadata", {})
        if cell.cell_type == "markdown":
            cell.source = linker.rewrite(cell.source, origin, dest)
        elif cell.cell_type == "code":
            if (meta.get("nbgrader", {}).get("grade_id") == "colab_setup"
                    or cell.source.startswith("# Colab setup (locked)")):
                meta.setdefault("tags", []).append("remove-cell")  # does nothing off Colab
                continue
            if FIGURE_CALL.search(cell.source):
                figures.append({"cell": shown, "line": cell.source.strip().splitlines()[0][:100]})
            shown += 1
        cell["metadata"] = meta
    first.source = badge_cell_source(first.source, dest, download)
    if download:  # a lab as released: answer cells raise NotImplementedError, so it is shown, never run
        nb.metadata["mystnb"] = {"execution_mode": "off"}
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return nbformat.writes(nb), figures


def readme_pages(linker: Linker) -> dict[str, str]:
    """The README split into the pages of README_PAGES, headings one level up, links rewritten."""
    _, sections = split_sections((ROOT / "README.md").read_text(encoding="utf-8"))
    placed = {title for _, titles in README_PAGES.values() for title in titles}
    missing = [t for t in sections if t not in placed]
    if missing:
        raise BookError(f"README.md has sections the book does not place: {missing}. Add each to README_PAGES "
                        "in scripts/book.py (which page it belongs on).")
    gone = [t for t in placed if t not in sections]
    if gone:
        raise BookError(f"README_PAGES in scripts/book.py names README sections that no longer exist: {gone}.")
    pages = {}
    for name, (title, titles) in README_PAGES.items():
        body = "".join(sections[t] for t in titles)
        if len(titles) == 1:
            text = raise_headings(body)
        else:  # sections stay level 2 under the page title; a first section named like the page loses its heading
            first = sections[titles[0]]
            if titles[0] == title:
                body = first.split("\n", 1)[1] + "".join(sections[t] for t in titles[1:])
            text = f"# {title}\n\n" + body
        pages[f"{name}.md"] = linker.rewrite(text, "README.md", f"{name}.md")
    return pages


def readme_anchors() -> dict[str, str]:
    """Heading anchor -> the staged page that holds it, for README's in-page links."""
    _, sections = split_sections((ROOT / "README.md").read_text(encoding="utf-8"))
    where = {title: f"{name}.md" for name, (_, titles) in README_PAGES.items() for title in titles}
    anchors = {}
    for title, text in sections.items():
        fenced = False
        for line in text.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            match = None if fenced else re.match(r"^#{2,6} (.+?)\s*$", line)
            if match and title in where:
                anchors[slug(match.group(1))] = where[title]
    return anchors


def vendor_mathjax(mathjax: Path) -> None:
    if not (mathjax / "tex-chtml.js").is_file():
        raise BookError(f"MathJax is not at {mathjax}. `make book` installs it from the npm registry into "
                        ".venv/book-vendor; run `make book` (not scripts/book.py alone), or set BOOK_MATHJAX to a "
                        "MathJax 3 es5/ folder.")
    target = STATIC / "mathjax"
    for part in MATHJAX_PARTS:
        src = mathjax / part
        if src.is_dir():
            for f in src.rglob("*"):
                if f.is_file():
                    copy_if_changed(f, target / part / f.relative_to(src))
        elif src.is_file():
            copy_if_changed(src, target / part)


def stage() -> dict[str, list[dict]]:
    """Writes build/book/src; returns the figures each lecture must show."""
    lectures = sorted((ROOT / "lectures").glob("*.ipynb"))
    labs = sorted(p for p in (ROOT / "labs").glob("*/*.ipynb") if p.parent.name == p.stem)
    if not lectures or not labs:
        raise BookError("no lectures/*.ipynb or labs/<lab>/<lab>.ipynb found: run `make release` to make labs/.")
    pages = {p.relative_to(ROOT).as_posix() for p in lectures + labs}
    staged = pages | {"GLOSSARY.md", "BIBLIOGRAPHY.md", "references.bib", "README.md"}
    linker = Linker(staged, readme_anchors(), colab.repository(), colab.chosen_ref())
    wanted: dict[str, str | Path] = {}
    for name, text in readme_pages(linker).items():
        wanted[name] = text
    # README.md itself is not a page: a link to it goes to the home page
    linker.staged.discard("README.md")
    linker.staged.add("index.md")
    wanted["index.md"] = (BOOK / "index.md").read_text(encoding="utf-8")
    for name in ("GLOSSARY.md", "BIBLIOGRAPHY.md"):
        wanted[name] = linker.rewrite((ROOT / name).read_text(encoding="utf-8"), name, name)
    wanted["references.bib"] = ROOT / "references.bib"
    wanted["_assets/colab-badge.svg"] = BOOK / "colab-badge.svg"
    figures: dict[str, list[dict]] = {}
    for nb in lectures:
        rel = nb.relative_to(ROOT).as_posix()
        wanted[rel], figures[rel[:-len(".ipynb")]] = stage_notebook(nb, rel, linker, download=None)
    for nb in labs:
        rel = nb.relative_to(ROOT).as_posix()
        student = f"student/{nb.name}"
        wanted[rel], _ = stage_notebook(nb, rel, linker, download=student)
        wanted[str(Path(rel).parent / student)] = nb
    for rel, content in wanted.items():
        if isinstance(content, Path):
            copy_if_changed(content, SRC / rel)
        else:
            write_if_changed(SRC / rel, content)
    for f in SRC.rglob("*"):  # files staged by an earlier build whose source is gone
        if f.is_file() and f.relative_to(SRC).as_posix() not in wanted and ".jupyter_cache" not in f.parts:
            f.unlink()
    vendor_mathjax(Path(os.environ.get("BOOK_MATHJAX", DEFAULT_MATHJAX)))
    write_if_changed(OUT / "figures.json", json.dumps(figures, indent=1) + "\n")
    return figures


def count_html() -> dict[str, float]:
    pages = [HTML / p for p in site_pages() if p not in {"genindex.html", "search.html"}]
    figures = 0
    for page in pages:
        images = re.findall(r'<img[^>]+src="[^"]*_images/([^"]+)"', page.read_text(encoding="utf-8"))
        figures += sum(1 for name in images if name != "colab-badge.svg")
    size = sum(f.stat().st_size for f in HTML.rglob("*") if f.is_file())
    return {"pages": len(pages), "figures": figures, "size_mb": round(size / 2**20, 2)}


def anchors_of(path: Path, cache: dict[Path, set[str]] = {}) -> set[str]:  # noqa: B006 (a deliberate memo)
    if path not in cache:
        cache[path] = set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))
    return cache[path]


def broken_links(page: str, hrefs: list[str], html: Path = HTML) -> list[str]:
    """The links of the built page `page` (a path inside `html`) that stay on the site and lead nowhere: no such
    file, or no element with the id after `#`. Links to other sites are not followed (the build is offline)."""
    base = "http://site.invalid/"
    broken = []
    for href in sorted(set(hrefs)):
        url = urlsplit(urljoin(base + page, href))
        if f"{url.scheme}://{url.netloc}/" != base:
            continue
        target = html / unquote(url.path.lstrip("/"))
        if url.path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{href} (no file {target.relative_to(html)})")
        elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in anchors_of(target):
            broken.append(f"{href} (no anchor #{url.fragment} in {target.relative_to(html)})")
    return broken


def site_pages(html: Path = HTML) -> list[str]:
    """The pages of the built site (theme templates and copied sources left out)."""
    if not (html / "index.html").is_file():
        return []
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not p.relative_to(html).as_posix().startswith(("_static/", "_sources/", "_downloads/")))


def all_broken_links(html: Path = HTML) -> dict[str, list[str]]:
    """Every page's broken links, read from the HTML files (`make test-book` also checks links added by scripts)."""
    found = {}
    for page in site_pages(html):
        hrefs = re.findall(r'\shref="([^"]*)"', (html / page).read_text(encoding="utf-8"))
        if bad := broken_links(page, [h.replace("&amp;", "&") for h in hrefs], html):
            found[page] = bad
    return found


def remove_stale_pages(src: Path = SRC, html: Path = HTML) -> list[str]:
    """Sphinx's incremental build keeps the HTML of a page whose source was removed: delete it, so the site
    never publishes a lab or lecture that no longer exists."""
    stale = [page for page in site_pages(html) if page not in {"genindex.html", "search.html"}
             and not any((src / (page[:-len(".html")] + ext)).is_file() for ext in (".md", ".ipynb"))]
    for page in stale:
        (html / page).unlink()
    return stale


def build() -> int:
    started = time.perf_counter()
    cached_before = len(list(CACHE.glob("executed/*"))) if CACHE.exists() else 0
    figures = stage()
    env = dict(os.environ, BOOK_STATIC=str(STATIC), BOOK_CACHE=str(CACHE),
               BOOK_REPOSITORY=colab.repository(), PYDEVD_DISABLE_FILE_VALIDATION="1",
               # the Makefile exports MPLBACKEND=Agg for the tests; the lectures must draw inline instead
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-c", str(BOOK),
           str(SRC), str(HTML)]
    print("book: sphinx-build (lectures run only when changed; cache in build/book/cache)", flush=True)
    done = subprocess.run(cmd, cwd=ROOT, env=env)
    seconds = round(time.perf_counter() - started, 1)
    if done.returncode != 0:
        print(f"book: FAILED after {seconds} s: Sphinx's messages above name each file and line "
              "(a failing lecture cell shows its traceback; a warning counts as an error).", file=sys.stderr)
        return done.returncode
    stale = remove_stale_pages()
    if stale:
        print(f"book: removed {len(stale)} page(s) of an earlier build whose source is gone: {', '.join(stale)}")
    numbers = count_html()
    broken = all_broken_links()
    numbers["broken_links"] = sum(len(v) for v in broken.values())
    if broken:
        for page, links in broken.items():
            print(f"book: {page}: broken link(s): {'; '.join(links)}", file=sys.stderr)
        print("book: FAILED: broken links above (fix the link in the notebook or markdown file the page comes from).",
              file=sys.stderr)
        return 1
    report = {"seconds": seconds, **numbers, "lecture_figures_expected": sum(len(v) for v in figures.values()),
              "cache_entries_before": cached_before}
    write_if_changed(OUT / "report.json", json.dumps(report, indent=1) + "\n")
    print(f"book: {numbers['pages']} pages, {numbers['figures']} figures, 0 broken links, {numbers['size_mb']} MB in "
          f"{HTML.relative_to(ROOT)} ({seconds} s). Open {HTML.relative_to(ROOT)}/index.html, "
          "or check it in a browser: make test-book")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", action="store_true", help="only stage the sources into build/book/src")
    args = parser.parse_args()
    try:
        if args.stage:
            stage()
            print(f"book: staged into {SRC.relative_to(ROOT)}")
            return 0
        return build()
    except BookError as err:
        print(f"book: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
