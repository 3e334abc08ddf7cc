"""The course's literature and notation, checked without running a notebook (issue #20, items 3-4).

One bibliography, references.bib, with an identifier (DOI, arXiv id or URL) for every work; every
lecture and solution notebook ends with a "## References" cell listing exactly the works its text
cites as (Author et al., Year), each line carrying the work's link; every notebook links the
glossary near its top; BIBLIOGRAPHY.md is what scripts/bibliography.py renders; and the decoder's
noise variance is never written with the encoder's symbol. Every message names the notebook and
what is missing.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course_bibliography", ROOT / "scripts" / "bibliography.py")
bib = importlib.util.module_from_spec(_spec)
sys.modules["course_bibliography"] = bib
_spec.loader.exec_module(bib)

ENTRIES = bib.load(ROOT / "references.bib")
BY_CITATION = {e.citation: e for e in ENTRIES.values()}
NOTEBOOKS = bib.notebooks()
IDS = [f"{p.parent.name}/{p.name}" for p in NOTEBOOKS]


def read(path: Path):
    return nbformat.read(path, as_version=4)


def body_markdown(nb) -> str:
    """The Markdown of every cell but the final References cell."""
    cells = nb.cells[:-1] if bib.references_cell(nb) is not None else nb.cells
    return "\n".join(c.source for c in cells if c.cell_type == "markdown")


def test_the_notebooks_are_found():
    names = {p.stem for p in NOTEBOOKS}
    assert {"15_generative_chemistry_vae", "16_vae_applications"} <= names, f"lectures missing from {names}"
    assert sum(n.startswith("lab") for n in names) == 10, f"expected the ten solution notebooks, found {sorted(names)}"


def test_every_bibliography_entry_has_a_doi_an_arxiv_id_or_a_url():
    assert len(ENTRIES) >= 20, f"references.bib holds only {len(ENTRIES)} entries: did the parser miss some?"
    problems = []
    for key, entry in ENTRIES.items():
        f = entry.fields
        if not (f.get("doi") or f.get("eprint") or f.get("url")):
            problems.append(f"{key}: no doi, eprint (arXiv) or url field")
        if f.get("doi") and not re.fullmatch(r"10\.\d{4,9}/\S+", f["doi"]):
            problems.append(f"{key}: doi {f['doi']!r} is not of the form 10.NNNN/...")
        if f.get("eprint") and not re.fullmatch(r"\d{4}\.\d{4,5}", f["eprint"]):
            problems.append(f"{key}: eprint {f['eprint']!r} is not a new-style arXiv id (YYMM.NNNNN)")
        if not f.get("doi") and not f.get("eprint") and not f.get("note"):
            problems.append(f"{key}: cited by url only; say why in a note field (e.g. 'no arXiv version')")
        for field in ("author", "title", "year"):
            if not f.get(field):
                problems.append(f"{key}: no {field}")
    assert not problems, "references.bib:\n" + "\n".join(problems)


def test_each_citation_label_names_one_entry():
    seen: dict[str, str] = {}
    clashes = []
    for key, entry in ENTRIES.items():
        if entry.citation in seen:
            clashes.append(f"({entry.citation}) is both {seen[entry.citation]} and {key}: add a letter to the year")
        seen[entry.citation] = key
    assert not clashes, "references.bib: " + "; ".join(clashes)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_notebook_ends_with_a_references_cell(path):
    nb = read(path)
    last = nb.cells[-1]
    assert bib.references_cell(nb) is not None, (
        f"{path.name}: the last cell must be a Markdown cell starting with '## References' "
        f"(found a {last.cell_type} cell starting {last.source[:40]!r})")
    keys, unmatched = bib.listed_keys(last.source, ENTRIES)
    assert keys, f"{path.name}: the References cell lists no work of references.bib"
    assert not unmatched, (f"{path.name}: these References lines carry no DOI/arXiv/URL link of an entry of "
                           "references.bib (copy the entry's line from BIBLIOGRAPHY.md, or add the work to "
                           "references.bib):\n" + "\n".join(unmatched))
    assert len(keys) == len(set(keys)), f"{path.name}: a work is listed twice in References"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_citation_in_the_text_is_in_the_bibliography_and_the_references(path):
    nb = read(path)
    cited = bib.citations(body_markdown(nb))
    unknown = sorted({c for c in cited if c not in BY_CITATION})
    assert not unknown, (f"{path.name} cites works that are not in references.bib: "
                         + "; ".join(f"({c})" for c in unknown))
    listed = set(bib.listed_keys(bib.references_cell(nb) or "", ENTRIES)[0])
    missing = sorted({c for c in cited if BY_CITATION[c].key not in listed})
    assert not missing, (f"{path.name} cites these in its text but its References cell does not list them: "
                         + "; ".join(f"({c})" for c in missing))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_listed_reference_is_cited_where_its_idea_appears(path):
    nb = read(path)
    cited = {BY_CITATION[c].key for c in bib.citations(body_markdown(nb)) if c in BY_CITATION}
    listed = bib.listed_keys(bib.references_cell(nb) or "", ENTRIES)[0]
    uncited = [ENTRIES[k].citation for k in listed if k not in cited]
    assert not uncited, (f"{path.name} lists these in References but never cites them in its text: "
                         + "; ".join(f"({c})" for c in uncited))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_notebook_links_the_glossary_near_its_top(path):
    nb = read(path)
    titles = [c for c in nb.cells[:4] if c.cell_type == "markdown" and c.source.startswith("# ")]
    assert titles, f"{path.name}: no title cell ('# ...') among the first four cells"
    links = [u for u in bib.markdown_links(titles[0].source) if u.split("#")[0].endswith("GLOSSARY.md")]
    assert links, f"{path.name}: the title cell does not link GLOSSARY.md (one line under the title)"
    for link in links:
        target = (path.parent / link.split("#")[0]).resolve()
        assert target == ROOT / "GLOSSARY.md", f"{path.name}: the glossary link {link!r} points to {target}"


def test_bibliography_md_is_rendered_from_references_bib():
    expected = bib.render_bibliography(ENTRIES, bib.usage(ENTRIES))
    current = (ROOT / "BIBLIOGRAPHY.md").read_text(encoding="utf-8")
    assert current == expected, ("BIBLIOGRAPHY.md is not what references.bib and the notebooks' References "
                                 "cells give: run  python scripts/bibliography.py")


def test_every_work_in_the_bibliography_is_used_by_some_notebook():
    unused = [e.citation for key, e in ENTRIES.items() if not bib.usage(ENTRIES)[key]]
    assert not unused, "references.bib holds works no notebook lists: " + "; ".join(unused)


def test_the_glossary_states_the_two_variances():
    text = (ROOT / "GLOSSARY.md").read_text(encoding="utf-8")
    for needed in ("σ²", "s²", "encoder variance", "decoder noise variance", "s² = 1/2", "logvar", "sigma2"):
        assert needed in text, f"GLOSSARY.md must state the variance convention; missing {needed!r}"


# The decoder's noise variance is s^2 (GLOSSARY.md); these are the ways it used to be written with sigma.
DECODER_SIGMA = re.compile(r"βσ²|β σ²|\\beta\s*\\sigma|noise σ|noise variance σ|> σ²|2σ²|\(2\\sigma\^2\)|σ²\s?I\b"
                           r"|\\sigma\^2\s*I\b|1/σ²|σ²/λ")
DOCSTRING_DECODER_SIGMA = re.compile(r"beta sigma\^2|noise sigma\^2|\(2 sigma\^2\)|sigma\^2 I\b|> sigma\^2")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_text_never_writes_the_decoder_noise_as_sigma(path):
    found = sorted({m.group(0) for m in DECODER_SIGMA.finditer(body_markdown(read(path)))})
    assert not found, (f"{path.name}: the decoder's noise variance is s² (σ² is the encoder's; see GLOSSARY.md), "
                       f"but the text writes {found}")


def test_course_utils_docstrings_never_write_the_decoder_noise_as_sigma():
    found = []
    for module in sorted((ROOT / "course_utils").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node) or ""
                found += [f"{module.name}: {m.group(0)!r}" for m in DOCSTRING_DECODER_SIGMA.finditer(doc)]
    assert not found, "docstrings write the decoder noise as sigma^2 (use s^2; GLOSSARY.md): " + "; ".join(found)
