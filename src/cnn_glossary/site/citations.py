"""Works cited: one data file of references, ``[@key]`` citations in page prose, a References section per page.

The references live in one YAML file (``docs/references.yml``), a mapping from a key to an entry::

    lin2013:
      authors: [Min Lin, Qiang Chen, Shuicheng Yan]
      year: 2013
      title: Network In Network
      venue: arXiv:1312.4400 (ICLR 2014)
      url: https://arxiv.org/abs/1312.4400

A key is the first author's surname and the year, lowercase, with a letter after the year when two entries
would otherwise share it (``smith2018``, ``smith2018b``). An author is written ``Given Surname``, or
``Surname, Given`` when the surname is not the last word (``van der Maaten, Laurens``); an organisation is
written in braces and cited whole (``{PyTorch Contributors}``); the citation shows surnames only. :func:`load` checks every entry and names the file and key of the first one that is malformed.

In page prose a citation is written ``[@lin2013]``, several in one pair of brackets as ``[@lin2013; @szegedy2014]``.
:func:`render` turns it into "(Lin et al., 2013)" (one author: "Smith, 2018"; two: "Dumoulin & Visin, 2016"),
each name a link to the page's References section, which it appends at the end of the page: every cited entry
once, sorted by first author and year, with its authors, year, title (linked to the work) and venue.
``[-@luo2016]`` leaves the names out, for prose that already names the authors: "Luo et al. [-@luo2016]"
reads "Luo et al. (2016)". Fenced, indented and inline code is left alone.

:func:`unknown` lists the citations on a page that resolve to nothing, with their lines, so the build can fail
naming the page and line; :func:`plain` gives the citation as text, for tooltips, which cannot hold links.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from cnn_glossary.site.placeholders import _code_mask, _inline_code_spans

FIELDS = ("authors", "year", "title", "venue", "url")
KEY = re.compile(r"^[a-z][a-z0-9]*?\d{4}[a-z]?$")
# [@key] or [@a; -@b]; not a link's text ("[@x](...)") nor a reference definition ("[@x]: ...")
CITATION = re.compile(r"\[(-?@[A-Za-z0-9_]+(?:\s*;\s*-?@[A-Za-z0-9_]+)*)\](?![(\[])")
ITEM = re.compile(r"(-?)@([A-Za-z0-9_]+)")


def _is_definition(text: str, m: re.Match) -> bool:
    """``[@key]: ...`` at the start of a line (up to three spaces in) is a Markdown link definition, not a
    citation; the same followed by a colon in the middle of a sentence is a citation."""
    if not text.startswith(":", m.end()):
        return False
    before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
    return len(before) <= 3 and not before.strip(" ")
ANCHOR = "ref-"  # the References entry of key k has the id "ref-k"
HEADING = "References"


class CitationError(ValueError):
    """A malformed references file or a citation that resolves to nothing; the message names where."""


@dataclass(frozen=True)
class Reference:
    key: str
    authors: tuple[str, ...]
    year: int
    title: str
    venue: str
    url: str
    label: str = ""  # the year as cited: "2018", or "2018a" when two entries share names and year

    @property
    def surnames(self) -> list[str]:
        return [surname(a) for a in self.authors]

    @property
    def names(self) -> str:
        """Lin et al. / Dumoulin & Visin / Smith"""
        s = self.surnames
        if len(s) == 1:
            return s[0]
        if len(s) == 2:
            return f"{s[0]} & {s[1]}"
        return f"{s[0]} et al."

    def cite(self, names: bool = True) -> str:
        return f"{self.names}, {self.label}" if names else self.label


def surname(author: str) -> str:
    """``Given Surname`` -> Surname; ``Surname, Given`` -> Surname; ``{Organisation Name}`` -> Organisation Name."""
    author = " ".join(author.split())
    if author.startswith("{") and author.endswith("}"):
        return author[1:-1].strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    return author.rsplit(" ", 1)[-1]


def _fail(path, key, message: str):
    raise CitationError(f"{path}: entry {key!r}: {message}")


def parse(data, path: str = "references.yml") -> dict[str, Reference]:
    """Check and read the references file's parsed YAML: key -> :class:`Reference`."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CitationError(f"{path}: expected a mapping from a key (e.g. lin2013) to an entry with "
                            f"{', '.join(FIELDS)}")
    refs: dict[str, Reference] = {}
    for key, entry in data.items():
        if not isinstance(key, str) or not KEY.match(key):
            _fail(path, key, "a key is the first author's surname and the year, lowercase, with an optional "
                             "letter after the year, e.g. lin2013 or smith2018b")
        if not isinstance(entry, dict):
            _fail(path, key, f"expected a mapping with {', '.join(FIELDS)}")
        unknown = sorted(set(entry) - set(FIELDS))
        if unknown:
            _fail(path, key, f"unknown fields {unknown}; an entry has exactly {', '.join(FIELDS)}")
        missing = [f for f in FIELDS if entry.get(f) in (None, "", [])]
        if missing:
            _fail(path, key, f"missing {', '.join(repr(m) for m in missing)} (every entry has {', '.join(FIELDS)})")
        authors = entry["authors"]
        if isinstance(authors, str) or not isinstance(authors, list) or not all(
                isinstance(a, str) and a.strip() for a in authors):
            _fail(path, key, "'authors' is a list of names, e.g. [Min Lin, Qiang Chen, Shuicheng Yan]")
        year = entry["year"]
        if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 2999:
            _fail(path, key, f"'year' is a four-digit number, got {year!r}")
        for f in ("title", "venue", "url"):
            if not isinstance(entry[f], str) or not entry[f].strip():
                _fail(path, key, f"'{f}' is a non-empty string")
        if not re.match(r"^https?://\S+$", entry["url"].strip()):
            _fail(path, key, f"'url' is an http(s) address, got {entry['url']!r}")
        if str(year) not in key:
            _fail(path, key, f"the key does not contain the entry's year {year}")
        ascii_name = unicodedata.normalize("NFKD", surname(authors[0])).encode("ascii", "ignore").decode()
        first = re.sub(r"[^a-z0-9]", "", ascii_name.lower())
        if not key.startswith(first[:4]):
            _fail(path, key, f"the key starts with the first author's surname ({surname(authors[0])!r})")
        refs[key] = Reference(key, tuple(" ".join(a.split()) for a in authors), year,
                              " ".join(entry["title"].split()), " ".join(entry["venue"].split()),
                              entry["url"].strip())
    # two entries that would read the same get the key's letter after the year ("Smith, 2018a")
    same: dict[tuple[str, int], list[str]] = {}
    for r in refs.values():
        same.setdefault((r.names, r.year), []).append(r.key)
    out = {}
    for key, r in refs.items():
        label = str(r.year)
        if len(same[(r.names, r.year)]) > 1:
            label = str(r.year) + (key.rsplit(str(r.year), 1)[1] or "a")
        out[key] = Reference(r.key, r.authors, r.year, r.title, r.venue, r.url, label)
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping with the same key twice (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise CitationError(
                    f"line {key_node.start_mark.line + 1}: the key {key!r} is already defined at line {seen[key]}; "
                    "keep one entry and delete the other")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load(path: str | Path) -> dict[str, Reference]:
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise CitationError(f"{path}: not valid YAML: {exc}") from None
    except CitationError as exc:
        raise CitationError(f"{path}: {exc}") from None
    return parse(data, str(path))


@dataclass(frozen=True)
class Citation:
    start: int
    end: int
    line: int  # 1-based
    items: tuple[tuple[str, bool], ...]  # (key, show names)


def find(markdown: str) -> list[Citation]:
    """Every citation outside code, in order."""
    mask = _code_mask(markdown)
    starts = [0]
    for line in markdown.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    code = _inline_code_spans(markdown)
    out = []
    for m in CITATION.finditer(markdown):
        if _is_definition(markdown, m):
            continue
        line = bisect.bisect_right(starts, m.start())
        if (line - 1 < len(mask) and mask[line - 1]) or any(a <= m.start() < b for a, b in code):
            continue
        items = tuple((key, not minus) for minus, key in ITEM.findall(m.group(1)))
        out.append(Citation(m.start(), m.end(), line, items))
    return out


def keys(markdown: str) -> list[str]:
    """The keys cited in ``markdown``, in order of first citation."""
    return list(dict.fromkeys(key for c in find(markdown) for key, _ in c.items))


def unknown(markdown: str, refs: dict[str, Reference]) -> list[tuple[int, str]]:
    """``(line, key)`` for every citation of a key that is not in ``refs``."""
    return [(c.line, key) for c in find(markdown) for key, _ in c.items if key not in refs]


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _display(author: str) -> str:
    """An author as the References list shows it: an organisation without its braces."""
    return author[1:-1].strip() if author.startswith("{") and author.endswith("}") else author


def _authors(ref: Reference) -> str:
    names = [_display(a) for a in ref.authors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def entry(ref: Reference) -> str:
    """One line of the References list, Markdown."""
    title = _escape(ref.title)
    end = "" if ref.title.endswith(("?", "!", ".")) else "."
    return (f'<span id="{ANCHOR}{ref.key}"></span>{_escape(_authors(ref))} ({ref.label}). '
            f"[{title}]({ref.url}){end} {_escape(ref.venue)}.")


def references_section(cited: list[str], refs: dict[str, Reference]) -> str:
    """The References section for the cited keys: a heading and one list item per work."""
    works = sorted({refs[k] for k in cited}, key=lambda r: (r.surnames[0].casefold(), r.year, r.label, r.key))
    return "\n".join([f"## {HEADING}", "", *(f"- {entry(r)}" for r in works)]) + "\n"


def plain(text: str, refs: dict[str, Reference], where: str = "") -> str:
    """``text`` with each citation as plain words, "(Lin et al., 2013)", for a tooltip."""

    def one(m: re.Match) -> str:
        if _is_definition(text, m):
            return m.group(0)
        parts = []
        for minus, key in ITEM.findall(m.group(1)):
            if key not in refs:
                raise CitationError(f"{where}: the citation [@{key}] names no entry of the references file")
            parts.append(refs[key].cite(names=not minus))
        return "(" + "; ".join(parts) + ")"

    return CITATION.sub(one, text)


def render(markdown: str, refs: dict[str, Reference], where: str = "the page") -> str:
    """Replace every citation by linked names and years, and append the References section.

    A citation of an unknown key raises :class:`CitationError` naming ``where`` and the line. A page without
    citations comes back unchanged.
    """
    found = find(markdown)
    bad = [(c.line, key) for c in found for key, _ in c.items if key not in refs]
    if bad:
        raise CitationError(unknown_message(where, bad, refs))
    if not found:
        return markdown
    out, pos = [], 0
    for c in found:
        out.append(markdown[pos:c.start])
        links = []
        for key, names in c.items:
            title = refs[key].title.replace('"', "'")
            links.append(f'[{_escape(refs[key].cite(names))}](#{ANCHOR}{key} "{title}")')
        out.append("(" + "; ".join(links) + ")")
        pos = c.end
    out.append(markdown[pos:])
    cited = list(dict.fromkeys(key for c in found for key, _ in c.items))
    return "".join(out).rstrip("\n") + "\n\n" + references_section(cited, refs)


def unknown_message(where: str, bad: list[tuple[int, str]], refs: dict[str, Reference],
                    file: str = "docs/references.yml") -> str:
    lines = [f"{where}:{line}: the citation [@{key}] names no entry of {file}" for line, key in bad]
    near = sorted(refs)
    hint = (f"add the work to {file} (authors, year, title, venue, url) or fix the key; "
            f"known keys: {', '.join(near) if near else 'none'}")
    return "\n".join(lines) + "\n  " + hint
