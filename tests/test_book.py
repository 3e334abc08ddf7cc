"""scripts/book.py, the staging of the course website (issue #21): fast tests, no Sphinx run.

The build itself and every page in a browser are checked by `make test-book` (book/test_site.py).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))  # scripts/book.py imports scripts/colab.py
# loaded by path: the folder book/ (the site's sources) would otherwise shadow the name
_spec = importlib.util.spec_from_file_location("book_script", ROOT / "scripts" / "book.py")
book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book)


def test_readme_sections_split_at_level_two_headings_but_not_inside_code_fences():
    text = "intro\n## One\nbody\n```bash\n## not a heading\n```\n### Sub\n## Two\nend\n"
    head, sections = book.split_sections(text)
    assert head == "intro\n"
    assert list(sections) == ["One", "Two"]
    assert "## not a heading" in sections["One"] and "### Sub" in sections["One"]


def test_raise_headings_moves_headings_up_one_level_outside_code_only():
    text = "## Title\n```\n## shell comment\n```\n### Sub\n"
    assert book.raise_headings(text) == "# Title\n```\n## shell comment\n```\n## Sub\n"


def test_slug_is_the_anchor_myst_gives_a_heading():
    assert book.slug("Installing PyTorch") == "installing-pytorch"
    assert book.slug("GPU (CUDA)") == "gpu-cuda"
    assert book.slug("The course as a book") == "the-course-as-a-book"


@pytest.fixture
def linker() -> book.Linker:
    staged = {"GLOSSARY.md", "labs/lab01_vae_building_blocks/lab01_vae_building_blocks.ipynb"}
    return book.Linker(staged, {"installing-pytorch": "getting-started.md"}, "https://example.org/course", "v9")


def test_a_link_to_a_staged_page_stays_relative(linker):
    out = linker.rewrite("see [g](../../GLOSSARY.md#sigma)", "labs/lab01_vae_building_blocks/x.ipynb",
                         "labs/lab01_vae_building_blocks/x.ipynb")
    assert out == "see [g](../../GLOSSARY.md#sigma)"


def test_a_link_to_code_goes_to_the_file_in_the_published_repository_at_the_pinned_ref(linker):
    out = linker.rewrite("[vae](course_utils/vae.py) and [tests](tests)", "README.md", "instructors.md")
    assert out == ("[vae](https://example.org/course/blob/v9/course_utils/vae.py) and "
                   "[tests](https://example.org/course/tree/v9/tests)")
    assert linker.external == ["course_utils/vae.py", "tests"]


def test_a_readme_anchor_goes_to_the_page_that_now_holds_the_heading(linker):
    assert linker.rewrite("[t](#installing-pytorch)", "README.md", "instructors.md") == \
        "[t](getting-started.md#installing-pytorch)"
    assert linker.rewrite("[t](#installing-pytorch)", "README.md", "getting-started.md") == "[t](#installing-pytorch)"


def test_web_links_and_images_elsewhere_are_left_alone(linker):
    text = "[a](https://x.org/p) [b](mailto:a@b.c) ![c](https://x.org/i.png)"
    assert linker.rewrite(text, "README.md", "students.md") == text


def test_a_link_to_a_missing_file_stops_the_build_naming_the_file(linker):
    with pytest.raises(book.BookError, match=r"GLOSSARY\.md: the link 'nowhere\.md' points at nowhere\.md"):
        linker.rewrite("[x](nowhere.md)", "GLOSSARY.md", "GLOSSARY.md")
    with pytest.raises(book.BookError, match="leaves the repository"):
        linker.rewrite("[x](../../outside.md)", "GLOSSARY.md", "GLOSSARY.md")


def test_every_readme_section_is_placed_on_a_page_and_a_new_one_is_reported(monkeypatch):
    linker = book.Linker({"GLOSSARY.md", "BIBLIOGRAPHY.md", "references.bib"}, book.readme_anchors(),
                         "https://example.org/c", "v1")
    pages = book.readme_pages(linker)
    assert set(pages) == {f"{name}.md" for name in book.README_PAGES}
    for name, text in pages.items():
        assert text.startswith("# "), f"{name} starts with its title"
        title = text.splitlines()[0][2:]
        assert f"## {title}\n" not in text, f"{name}: the title {title!r} is not repeated as a section heading"
    assert "\n## The course as a book\n" in pages["instructors.md"]
    monkeypatch.setitem(book.README_PAGES, "instructors", ("For instructors", ["For instructors", "Layout"]))
    with pytest.raises(book.BookError, match=r"sections the book does not place: \['The course as a book'\]"):
        book.readme_pages(linker)


def stage(path: str, **kw) -> nbformat.NotebookNode:
    linker = book.Linker(set(), {}, "https://example.org/c", "v1")
    linker.staged |= {"GLOSSARY.md", "BIBLIOGRAPHY.md", "lectures/15_generative_chemistry_vae.ipynb",
                      "lectures/16_vae_applications.ipynb"}
    text, figures = book.stage_notebook(ROOT / path, path, linker, **kw)
    nb = nbformat.reads(text, as_version=4)
    nb["figures"] = figures
    return nb


def test_a_lab_is_staged_as_released_with_the_site_badge_a_download_link_and_no_execution():
    lab = "labs/lab01_vae_building_blocks/lab01_vae_building_blocks.ipynb"
    nb = stage(lab, download="student/lab01_vae_building_blocks.ipynb")
    first = nb.cells[0].source
    assert "(../../_assets/colab-badge.svg)" in first and "colab-badge.svg)" in first
    assert "https://colab.research.google.com/github/" in first, "the badge still opens the lab in Colab"
    assert "{download}`Download the notebook <student/lab01_vae_building_blocks.ipynb>`" in first
    assert nb.metadata["mystnb"] == {"execution_mode": "off"}
    setup = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Colab setup (locked)")]
    assert len(setup) == 1 and "remove-cell" in setup[0].metadata["tags"]
    original = nbformat.read(ROOT / lab, as_version=4)
    assert [c.source for c in original.cells[1:] if c.cell_type == "code"] == \
        [c.source for c in nb.cells[1:] if c.cell_type == "code"], "code cells are shown exactly as released"


def test_a_lecture_lists_each_figure_drawing_cell_counted_among_the_cells_the_page_shows():
    path = "lectures/15_generative_chemistry_vae.ipynb"
    nb = stage(path, download=None)
    assert "mystnb" not in nb.metadata, "lectures are executed"
    shown = [c for c in nb.cells if c.cell_type == "code" and "remove-cell" not in c.metadata.get("tags", [])]
    drawing = [i for i, c in enumerate(shown)
               if re.search(r"plt\.subplots\(|plt\.figure\(|MolsToGridImage\(|MolToImage\(", c.source)]
    assert [f["cell"] for f in nb["figures"]] == drawing and len(drawing) >= 5


def test_a_notebook_without_its_colab_badge_is_refused_with_the_fix(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    target = ROOT / "build" / "test_book_no_badge.ipynb"
    target.parent.mkdir(exist_ok=True)
    nbformat.write(nb, target)
    try:
        with pytest.raises(book.BookError, match=r"build/test_book_no_badge\.ipynb: .*Run `make colab`"):
            book.stage_notebook(target, "x.ipynb", book.Linker(set(), {}, "u", "r"), download=None)
    finally:
        target.unlink()


def test_broken_links_finds_missing_files_and_anchors_and_ignores_other_sites(tmp_path):
    (tmp_path / "index.html").write_text('<h1 id="top">x</h1>')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text('<section id="kl">x</section>')
    hrefs = ["sub/b.html#kl", "sub/b.html#nope", "missing.html", "https://x.org/a.html", "#top", "sub/",
             "index.html?x=1#top"]
    bad = book.broken_links("index.html", hrefs, tmp_path)
    assert bad == ["missing.html (no file missing.html)", "sub/ (no file sub/index.html)",
                   "sub/b.html#nope (no anchor #nope in sub/b.html)"]
    assert book.broken_links("sub/b.html", ["../index.html#top", "#kl"], tmp_path) == []


def test_pages_whose_source_is_gone_are_removed_from_the_site(tmp_path):
    src, html = tmp_path / "src", tmp_path / "html"
    for f in ("index.md", "labs/a/a.ipynb"):
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        (src / f).write_text("x")
    for f in ("index.html", "search.html", "genindex.html", "labs/a/a.html", "labs/gone/gone.html", "old.html"):
        (html / f).parent.mkdir(parents=True, exist_ok=True)
        (html / f).write_text("x")
    assert sorted(book.remove_stale_pages(src, html)) == ["labs/gone/gone.html", "old.html"]
    assert sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")) == \
        ["genindex.html", "index.html", "labs/a/a.html", "search.html"]
