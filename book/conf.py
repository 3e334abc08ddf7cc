"""Sphinx configuration of the course book (`make book`; scripts/book.py stages the sources and runs Sphinx).

Why Sphinx + MyST-NB + the book theme (and not Jupyter Book 2 / mystmd): Jupyter Book 1 is this same stack
under a YAML front end, and Jupyter Book 2's HTML theme is a template that the `myst` CLI downloads at build
time, which this course's rule (nothing fetched at build or run time) forbids. Sphinx builds from PyPI
packages alone; the only other piece, MathJax, comes from the npm registry at `make book`'s install step and
is served from the site itself (no CDN). See the README, "The course as a book".

Settings that keep the build offline and strict:
- ``mathjax_path`` points at the vendored copy in ``_static/mathjax`` (Sphinx's default is a CDN);
- ``nb_ipywidgets_js = {}``: MyST-NB would otherwise add require.js and the widget manager from a CDN;
- lectures are executed (``nb_execution_mode = "cache"``: an unchanged notebook is not run again), labs are
  shown as released to students (scripts/book.py sets their execution_mode to off: answer cells are empty);
- ``nb_execution_raise_on_error``: a failing cell fails the build; scripts/book.py runs Sphinx with
  ``-W --keep-going``, so a broken cross-reference or a missing image fails it too.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = os.environ.get("BOOK_STATIC")  # the staged static folder holding mathjax/ (scripts/book.py)
CACHE = os.environ.get("BOOK_CACHE", str(HERE.parent / "build" / "book" / "cache"))
REPOSITORY = os.environ.get("BOOK_REPOSITORY", "https://github.com/vae-chem-course/vae-chem-course")

project = "Generative Chemistry with Variational Autoencoders"
author = "The vae-chem-course authors"
copyright = "the vae-chem-course authors, MIT licence"

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**/student/*", "**.ipynb_checkpoints", "references.bib"]
root_doc = "index"

# MyST: $...$ and $$...$$ math, heading anchors for links such as [..](getting-started.md#installing-pytorch)
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# Notebooks
nb_execution_mode = "cache"
nb_execution_cache_path = CACHE
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_ipywidgets_js = {}
nb_merge_streams = True

# Math: served from the site, never from a CDN
mathjax_path = "mathjax/tex-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "Generative Chemistry with VAEs"
html_static_path = [p for p in (str(HERE / "_static"), STATIC) if p]
html_css_files = ["book.css"]
html_last_updated_fmt = None
html_copy_source = True  # the theme's download button offers the page's source (.ipynb, .md)
html_show_sourcelink = False
# the theme reads the light/dark choice from the page; unset, it logs a console error on a first visit
html_context = {"default_mode": "light"}
html_theme_options = {
    "repository_url": REPOSITORY,
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}
# No icon fonts or analytics from elsewhere; pydata-sphinx-theme serves its own Font Awesome.
html_theme_options["icon_links"] = []

suppress_warnings: list[str] = []
