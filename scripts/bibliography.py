"""The course's bibliography: references.bib is the source, BIBLIOGRAPHY.md is rendered from it.

    python scripts/bibliography.py           # rewrite BIBLIOGRAPHY.md
    python scripts/bibliography.py --check   # exit 1 if BIBLIOGRAPHY.md is not what it would write

Notebooks cite a work in their text as "(Kingma & Welling, 2014)" (one author: "(Weininger, 1988)";
three or more: "(Rezende et al., 2014)") and list it in their last cell, "## References", one line
per work as rendered here (the line carries the work's DOI, arXiv or URL link, which is how a line
is matched to its entry). tests/test_literature.py checks all of this; this module is also its parser.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"
RENDERED = ROOT / "BIBLIOGRAPHY.md"
PARTICLES = ("van", "von", "der", "den", "de", "du", "da", "di", "le", "la")


@dataclass(frozen=True)
class Entry:
    key: str
    kind: str
    fields: dict[str, str]

    @property
    def authors(self) -> list[tuple[str, str]]:
        """(last, first) per author, from 'Last, First and Last, First'."""
        people = []
        for name in re.split(r"\s+and\s+", self.fields.get("author", "")):
            last, _, first = name.partition(",")
            people.append((last.strip(), first.strip()))
        return people

    @property
    def year(self) -> str:
        return self.fields.get("year", "")

    @property
    def label(self) -> str:
        """How the text cites it, without the year: 'Weininger', 'Kingma & Welling', 'Rezende et al.'."""
        last = [a[0] for a in self.authors]
        if len(last) == 1:
            return last[0]
        if len(last) == 2:
            return f"{last[0]} & {last[1]}"
        return f"{last[0]} et al."

    @property
    def citation(self) -> str:
        return f"{self.label}, {self.year}"

    @property
    def link(self) -> tuple[str, str] | None:
        """(text, url) of the work's identifier: its DOI, else its arXiv id, else its URL."""
        f = self.fields
        if f.get("doi"):
            return f"doi:{f['doi']}", f"https://doi.org/{quote(f['doi'], safe='/')}"  # ( ) escaped for Markdown
        if f.get("eprint"):
            return f"arXiv:{f['eprint']}", f"https://arxiv.org/abs/{f['eprint']}"
        if f.get("url"):
            return re.sub(r"^https?://(www\.)?", "", f["url"]), f["url"]
        return None

    @property
    def sort_key(self) -> tuple[str, str, str]:
        words = self.authors[0][0].split()
        while len(words) > 1 and words[0] in PARTICLES:
            words = words[1:]
        plain = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore").decode()
        return plain.lower(), self.year, self.key


def _clean(value: str) -> str:
    value = re.sub(r"\s+", " ", value).replace("\\%", "%").replace("--", "–")
    return value.replace("{", "").replace("}", "").strip()


def parse_bib(text: str) -> dict[str, Entry]:
    """The entries of a BibTeX file with brace-delimited field values (the form references.bib uses)."""
    entries: dict[str, Entry] = {}
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("%")]
    text = "\n".join(lines)
    for start in re.finditer(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", text):
        kind, key = start.group(1).lower(), start.group(2)
        pos, depth, fields = start.end(), 1, {}
        body_start = pos
        while depth and pos < len(text):  # find the entry's closing brace
            depth += {"{": 1, "}": -1}.get(text[pos], 0)
            pos += 1
        body = text[body_start:pos - 1]
        for field in re.finditer(r"(\w+)\s*=\s*\{", body):
            i, d = field.end(), 1
            while d and i < len(body):
                d += {"{": 1, "}": -1}.get(body[i], 0)
                i += 1
            fields[field.group(1).lower()] = _clean(body[field.end():i - 1])
        if key in entries:
            raise ValueError(f"references.bib: the key {key!r} is used twice")
        entries[key] = Entry(key, kind, fields)
    return entries


def load(path: Path = BIB) -> dict[str, Entry]:
    return parse_bib(path.read_text(encoding="utf-8"))


def _initials(first: str) -> str:
    parts = []
    for word in first.split():
        parts.append("-".join(f"{piece[0]}." for piece in word.split("-") if piece))
    return " ".join(parts)


def render_authors(entry: Entry) -> str:
    people = [f"{last}, {_initials(first)}" if first else last for last, first in entry.authors]
    if len(people) > 5:
        return ", ".join(people[:3]) + " et al."
    if len(people) == 1:
        return people[0]
    return ", ".join(people[:-1]) + " & " + people[-1]


def render_venue(entry: Entry) -> str:
    f = entry.fields
    if entry.kind == "article":
        venue = f"*{f['journal']}*"
        if f.get("volume"):
            venue += f" {f['volume']}"
        if f.get("pages"):
            venue += f", {f['pages']}"
        return venue
    if entry.kind == "inproceedings":
        return f"*{f['booktitle']}*" + (f", {f['pages']}" if f.get("pages") else "")
    if entry.kind == "book":
        return (f"{f['edition']} ed., " if f.get("edition") else "") + f["publisher"]
    return "arXiv preprint" if f.get("eprint") else f.get("howpublished", "")


def render(entry: Entry) -> str:
    """One Markdown list line: authors (year). Title. Venue. [identifier](link) (note)."""
    text, url = entry.link or ("", "")
    line = f"- {render_authors(entry)} ({entry.year}). {entry.fields['title']}. {render_venue(entry)}. [{text}]({url})"
    if entry.fields.get("note"):
        line += f" ({entry.fields['note']})"
    return line


# --------------------------------------------------------------------------- notebooks
def notebooks() -> list[Path]:
    """The lectures and the solution (nbgrader source) notebooks, the ones that carry references."""
    return sorted((ROOT / "lectures").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/*.ipynb"))


def short_name(path: Path) -> str:
    """'lecture 15' or 'lab 02', as BIBLIOGRAPHY.md and test messages name a notebook."""
    match = re.match(r"(?:lab)?(\d+)", path.stem)
    number = match.group(1) if match else path.stem
    return f"lab {number}" if path.stem.startswith("lab") else f"lecture {number}"


def markdown_links(text: str) -> list[str]:
    return re.findall(r"\]\((\S+?)\)", text)


def listed_keys(references_source: str, entries: dict[str, Entry]) -> tuple[list[str], list[str]]:
    """(keys, unmatched lines): the entries a References cell lists, by the identifier link on each line."""
    by_url = {e.link[1]: e.key for e in entries.values() if e.link}
    keys, unmatched = [], []
    for line in references_source.splitlines():
        if not line.startswith("- "):
            continue
        found = [by_url[u] for u in markdown_links(line) if u in by_url]
        if len(found) == 1:
            keys.append(found[0])
        else:
            unmatched.append(line)
    return keys, unmatched


_NAME = r"(?:(?:" + "|".join(PARTICLES) + r") )*[^\W\d_][\w'’\-]*"
_LABEL = rf"{_NAME}(?: et al\.| & {_NAME})?"
_PARENTHETICAL = re.compile(rf"(?<![\w'’\-])(?P<label>{_LABEL}),? (?P<year>\d{{4}})\b")
_NARRATIVE = re.compile(rf"(?P<label>{_LABEL}) \((?P<year>\d{{4}})\)")


def _is_name(label: str) -> bool:
    words = [w for w in label.replace(" et al.", "").replace(" & ", " ").split() if w not in PARTICLES]
    return bool(words) and all(w[0].isupper() for w in words)


def citations(text: str) -> list[str]:
    """Every 'Label, Year' cited in Markdown text: '(Tripp et al., 2020)', '(Kingma & Welling, 2014;
    Rezende et al., 2014)', '(SELFIES: Krenn et al., 2020)' and 'Tripp et al. (2020)' forms, parenthetical
    ones first. A label is surnames that start with a capital (particles such as 'van der' allowed)."""
    text = re.sub(r"\s+", " ", text)  # a citation may be broken across lines
    found = []
    for group in re.findall(r"\(([^()]*)\)", text):
        for match in _PARENTHETICAL.finditer(group):
            if _is_name(match.group("label")):
                found.append(f"{match.group('label')}, {match.group('year')}")
    for match in _NARRATIVE.finditer(text):
        if _is_name(match.group("label")):
            found.append(f"{match.group('label')}, {match.group('year')}")
    return found


def references_cell(nb) -> str | None:
    """The source of the notebook's last cell if it is the Markdown '## References' cell, else None."""
    if nb.cells and nb.cells[-1].cell_type == "markdown" and nb.cells[-1].source.startswith("## References"):
        return nb.cells[-1].source
    return None


def usage(entries: dict[str, Entry]) -> dict[str, list[str]]:
    """key -> the notebooks (short names) whose References cell lists it."""
    import nbformat

    used: dict[str, list[str]] = {key: [] for key in entries}
    for path in notebooks():
        source = references_cell(nbformat.read(path, as_version=4)) or ""
        for key in listed_keys(source, entries)[0]:
            used[key].append(short_name(path))
    return used


def render_bibliography(entries: dict[str, Entry], used: dict[str, list[str]]) -> str:
    lines = [
        "# Bibliography",
        "",
        "The works the course cites, rendered from [`references.bib`](references.bib) by",
        "`python scripts/bibliography.py` (do not edit this file by hand; `tests/test_literature.py` checks",
        "that it is current). Each lecture and lab cites a work where its idea appears, as",
        "(Author et al., Year), and lists it in its last cell, \"References\".",
        "Symbols and terms: [GLOSSARY.md](GLOSSARY.md).",
        "",
    ]
    for entry in sorted(entries.values(), key=lambda e: e.sort_key):
        where = ", ".join(used.get(entry.key, [])) or "no notebook yet"
        lines.append(f"{render(entry)} Cited in: {where}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if BIBLIOGRAPHY.md is out of date")
    args = parser.parse_args(argv)
    entries = load()
    text = render_bibliography(entries, usage(entries))
    if args.check:
        current = RENDERED.read_text(encoding="utf-8") if RENDERED.exists() else ""
        if current != text:
            print("BIBLIOGRAPHY.md is out of date: run  python scripts/bibliography.py", file=sys.stderr)
            return 1
        print("BIBLIOGRAPHY.md is current")
        return 0
    RENDERED.write_text(text, encoding="utf-8")
    print(f"wrote {RENDERED.relative_to(ROOT)} ({len(entries)} works)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
