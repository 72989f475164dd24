"""The glossary: one data file of terms, and the term autolinker it drives.

:func:`load` reads the glossary file (``docs/glossary.yml``): each term's one-sentence definition, the
page (and anchor) that explains it, a fallback while that page is not part of the site yet, the
spellings that become links, its abbreviations, and whether it is a topic page. The same file gives
the A-Z page (:func:`render_index`) and the abbreviation tooltips (:func:`abbreviation_lines`).

:func:`link_terms` turns the FIRST prose occurrence of each term on a page into a Markdown link whose
title is the term's definition (Material shows it as a tooltip); a topic's term is not linked again
after the page has linked to that topic page by hand. Headings, code (fenced and inline), math, existing links and images,
HTML (tags, raw HTML blocks, ``<a>`` elements), admonition and tab titles, attribute lists and
placeholders are left alone, and a term is never linked on the page that explains it. Tables count as
prose. The MkDocs plugin calls it in ``on_page_markdown`` after placeholder substitution.

A definition may cite a work (``[@lin2013]``, see :mod:`.citations`): the A-Z page shows the citation as a
link, and the tooltip, which cannot hold a link, shows it as plain words, "(Lin et al., 2013)".

The file also holds the **statements**: the wording of facts that more than one page states (that a convolution
can be computed as one matrix product, the output-size rule, what a parameter is). A page embeds one with
``{{ statement name }}`` (:func:`statement`), so no two pages can say the same thing in different words.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cnn_glossary.site import citations
from cnn_glossary.site.placeholders import _code_mask

KEYS = {"term", "definition", "page", "fallback", "spellings", "abbr", "topic"}
STATEMENT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the file, the term and the fix."""


@dataclass(frozen=True)
class Term:
    term: str
    definition: str
    page: str  # docs-relative page, e.g. "filters.md"
    anchor: str  # "" or the heading id on that page
    fallback: str | None  # "page.md" or "page.md#anchor", used while ``page`` is not part of the site
    spellings: tuple[str, ...]
    abbr: tuple[str, ...] = ()
    topic: bool = False
    tooltip: str = ""  # the definition with its citations as plain words (a link title cannot hold a link)

    def __post_init__(self):
        if not self.tooltip:
            object.__setattr__(self, "tooltip", self.definition)

    def target(self, existing: set[str] | None = None) -> tuple[str, str] | None:
        """``(page, anchor)`` to link to: the term's page if it is part of the site, else its fallback."""
        if existing is None or self.page in existing:
            return self.page, self.anchor
        if self.fallback:
            page, _, anchor = self.fallback.partition("#")
            if page in existing:
                return page, anchor
        return None


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    abbreviations: dict[str, str]  # abbreviations that are not terms: ABBR -> expansion (plain words)
    path: str = "glossary.yml"
    statements: dict[str, str] = field(default_factory=dict)  # name -> the shared wording (Markdown)

    @property
    def topics(self) -> list[str]:
        """The topic pages, in the order of the file."""
        return [t.page for t in self.terms if t.topic]


def _fail(path, i, term, message: str):
    name = f" (term {i + 1}: {term!r})" if term is not None else ""
    raise GlossaryError(f"{path}{name}: {message}")


def _plain(text: str, references, where: str) -> str:
    """``text`` with its citations as plain words; a citation that names no reference is an error."""
    if not citations.keys(text):
        return text
    if references is None:
        raise GlossaryError(f"{where}: cites {citations.keys(text)} but the site has no references file")
    try:
        return citations.plain(text, references, where)
    except citations.CitationError as exc:
        raise GlossaryError(str(exc)) from None


def parse(data, path: str = "glossary.yml", references: dict | None = None) -> Glossary:
    """Check and read the glossary file's parsed YAML; ``references`` (from :func:`.citations.load`) resolve
    the citations in definitions, abbreviations and statements."""
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise GlossaryError(f"{path}: expected a mapping with a 'terms' list (and optionally 'abbreviations' "
                            "and 'statements')")
    extra = set(data) - {"terms", "abbreviations", "statements"}
    if extra:
        raise GlossaryError(f"{path}: unknown top-level keys {sorted(extra)}; only 'terms', 'abbreviations' "
                            "and 'statements'")
    terms, owner = [], {}
    for i, entry in enumerate(data["terms"]):
        name = entry.get("term") if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            _fail(path, i, None, "each term is a mapping with term, definition, page, spellings")
        unknown = set(entry) - KEYS
        if unknown:
            _fail(path, i, name, f"unknown keys {sorted(unknown)}; allowed: {sorted(KEYS)}")
        for key in ("term", "definition", "page"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                _fail(path, i, name, f"'{key}' is missing or empty")
        if any(t.term.casefold() == entry["term"].strip().casefold() for t in terms):
            _fail(path, i, name, "this term is listed twice")
        definition = " ".join(entry["definition"].split())
        if not definition.endswith(".") or re.search(r"[.!?]\s+[A-Z]", definition[:-1]):
            _fail(path, i, name, "the definition must be one sentence ending with a full stop")
        if '"' in definition:
            _fail(path, i, name, "the definition may not contain a double quote (it becomes a link title)")
        page, _, anchor = entry["page"].partition("#")
        if not page.endswith(".md"):
            _fail(path, i, name, f"'page' must name a Markdown page like 'filters.md', got {entry['page']!r}")
        fallback = entry.get("fallback")
        if fallback is not None and not (isinstance(fallback, str) and fallback.partition("#")[0].endswith(".md")):
            _fail(path, i, name, f"'fallback' must name a Markdown page, got {fallback!r}")
        spellings = entry.get("spellings") or [entry["term"]]
        abbr = entry.get("abbr") or []
        if isinstance(abbr, str):
            abbr = [abbr]
        if not all(isinstance(x, str) and x.strip() for x in [*spellings, *abbr]):
            _fail(path, i, name, "'spellings' and 'abbr' are lists of non-empty strings")
        for sp in spellings:
            key = sp if sp.isupper() else sp.lower()
            if key in owner:
                _fail(path, i, name, f"the spelling {sp!r} already belongs to {owner[key]!r}")
            owner[key] = entry["term"]
        tooltip = _plain(definition, references, f"{path} (term {i + 1}: {name!r})")
        terms.append(Term(entry["term"].strip(), definition, page, anchor, fallback,
                          tuple(" ".join(sp.split()) for sp in spellings), tuple(abbr), bool(entry.get("topic")),
                          tooltip))
    abbreviations = data.get("abbreviations") or {}
    if not isinstance(abbreviations, dict) or not all(isinstance(v, str) for v in abbreviations.values()):
        raise GlossaryError(f"{path}: 'abbreviations' maps each abbreviation to its expansion")
    clash = set(abbreviations) & {a for t in terms for a in t.abbr}
    if clash:
        raise GlossaryError(f"{path}: {sorted(clash)} are both a term's abbr and in 'abbreviations'; keep one")
    abbreviations = {str(k): _plain(" ".join(v.split()), references, f"{path} (abbreviation {k!r})")
                     for k, v in abbreviations.items()}
    statements = data.get("statements") or {}
    if not isinstance(statements, dict):
        raise GlossaryError(f"{path}: 'statements' maps a name to the wording pages embed with "
                            "{{ statement name }}")
    for name, text in statements.items():
        where = f"{path} (statement {name!r})"
        if not isinstance(name, str) or not STATEMENT_NAME.match(name):
            raise GlossaryError(f"{where}: a statement's name is lowercase letters, digits and '_'")
        if not isinstance(text, str) or not text.strip():
            raise GlossaryError(f"{where}: the wording is missing or empty")
        if "\n" in text.strip() or "|" in text or "{{" in text:
            raise GlossaryError(f"{where}: the wording is one paragraph (write it with '>-'), without '|' or "
                                "'{{', so that it fits in a sentence, an admonition or a table cell")
        _plain(text, references, where)  # every citation resolves
    statements = {name: " ".join(text.split()) for name, text in statements.items()}
    return Glossary(tuple(terms), abbreviations, path, statements)


def load(path: str | Path, references: dict | None = None) -> Glossary:
    """Read the glossary file; without ``references``, the citations resolve against ``references.yml`` next to
    it, if there is one."""
    path = Path(path)
    if references is None and (path.parent / "references.yml").is_file():
        try:
            references = citations.load(path.parent / "references.yml")
        except citations.CitationError as exc:
            raise GlossaryError(str(exc)) from None
    try:
        # the C loader when PyYAML has it: the same safe subset of YAML, ten times faster
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise GlossaryError(f"{path}: not valid YAML: {exc}") from None
    return parse(data, str(path), references)


def statement(glossary: Glossary | None, name: str) -> str:
    """The shared wording ``{{ statement name }}`` stands for."""
    if glossary is None:
        raise GlossaryError(f"{{{{ statement {name} }}}} needs the glossary file, which holds the statements")
    if name not in glossary.statements:
        raise GlossaryError(f"{{{{ statement {name} }}}}: {glossary.path} has no statement {name!r} "
                            f"(statements: {', '.join(sorted(glossary.statements)) or 'none'})")
    return glossary.statements[name]


def abbreviation_lines(glossary: Glossary) -> str:
    """``*[ABBR]: tooltip`` lines for the ``abbr`` extension: a term's abbreviations show its definition."""
    lines = [f"*[{a}]: {t.tooltip}" if a == t.term else f"*[{a}]: {t.term}: {t.tooltip}"
             for t in glossary.terms for a in t.abbr]
    lines += [f"*[{a}]: {text}" for a, text in glossary.abbreviations.items()]
    return "\n".join(lines)


def render_index(glossary: Glossary, here: str, existing: set[str] | None = None) -> tuple[str, list[str]]:
    """The A-Z list as Markdown (a definition list under one heading per letter) for the page ``here``;
    and the terms whose page and fallback are both missing from the site (listed unlinked)."""
    unresolved, out, letter = [], [], None
    base = posixpath.dirname(here) or "."
    for t in sorted(glossary.terms, key=lambda t: t.term.casefold()):
        first = t.term[0].upper() if t.term[0].isalpha() else "0–9"
        if first != letter:
            letter = first
            out += [f"## {letter}", ""]
        name = t.term + (f" ({', '.join(a for a in t.abbr if a != t.term)})"
                         if any(a != t.term for a in t.abbr) else "")
        target = t.target(existing)
        if target is None:
            unresolved.append(t.term)
            out += [f"**{name}**", f":   {t.definition}", ""]
            continue
        page, anchor = target
        href = posixpath.relpath(page, base) + (f"#{anchor}" if anchor else "")
        out += [f"[**{name}**]({href})", f":   {t.definition}", ""]
    return "\n".join(out), unresolved


# Spans of a line or of the page that are never prose.
_INLINE_SKIP = re.compile(
    r"(`+)(?:(?!\1).)+?\1"  # inline code
    r"|!?\[(?:[^\[\]]|\[[^\]]*\])*\]\([^)]*\)"  # links and images [text](url)
    r"|!?\[(?:[^\[\]]|\[[^\]]*\])*\]\[[^\]]*\]"  # reference links [text][ref]
    r"|<a\b.*?</a>"  # HTML links
    r"|<abbr\b.*?</abbr>"
    r"|<code\b.*?</code>"
    r"|<[^>\n]+>"  # any other HTML tag
    r"|\$\$.*?\$\$|\$[^$\n]+\$"  # math
    r"|\{\{.*?\}\}"  # placeholders
    r"|\{[:#.][^}\n]*\}"  # attribute lists
    r"|https?://\S+",  # bare URLs
    re.S,
)
_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_TITLE = re.compile(r"^\s*(!!!|\?\?\?\+?|===!?)\s")  # admonition / details / tab titles
_LINK_DEF = re.compile(r"^\s{0,3}(\[[^\]]+\]:|\*\[[^\]]+\]:)")  # link references, abbreviations
_HTML_BLOCK = re.compile(r"^\s{0,3}<(?!https?:)[/!?A-Za-z]")


def _pattern(term: str) -> str:
    words = [re.escape(w) for w in term.split()]
    body = r"\s+".join(words)
    if term.isupper():
        return rf"(?-i:\b{body}\b)"
    return rf"\b{body}\b"


class _Matcher:
    """The glossary's spellings as one pattern, longest first, whose groups name the term; :meth:`finditer`
    gives exactly the matches of ``re.finditer`` with that pattern, in one fast pass.

    Every spelling starts at a word boundary, so a match can start only where a spelling's first character
    follows one: a small pattern finds those places, and there only the spellings that can start with that
    character are tried (in the same order, so the same one wins). Trying all of them at every character of
    the page took a tenth of a second per page.
    """

    def __init__(self, terms: tuple[Term, ...]):
        self.group_term: dict[str, Term] = {}
        self._parts: list[tuple[str, re.Pattern]] = []  # (the spelling's group, its first character's pattern)
        flat = sorted(((sp, t) for t in terms for sp in t.spellings), key=lambda st: -len(st[0]))
        for i, (spelling, term) in enumerate(flat):
            self.group_term[f"t{i}"] = term
            first = re.escape(spelling[0])
            self._parts.append((f"(?P<t{i}>{_pattern(spelling)})",
                                re.compile(f"(?-i:{first})" if spelling.isupper() else first, re.I)))
        firsts = sorted({f.pattern for _, f in self._parts})
        self._starts = re.compile(r"\b(?:" + "|".join(firsts) + ")" if firsts else r"(?!x)x", re.I)
        self._by_char: dict[str, re.Pattern] = {}

    def reference(self) -> re.Pattern:
        """The one pattern of every spelling, whose ``finditer`` :meth:`finditer` reproduces (for the tests)."""
        return re.compile("|".join(p for p, _ in self._parts) or r"(?!x)x", re.I)

    def _for(self, char: str) -> re.Pattern:
        """The spellings that can start with ``char`` (decided by the regex engine itself), in order."""
        found = self._by_char.get(char)
        if found is None:
            parts = [p for p, first in self._parts if first.fullmatch(char)]
            found = self._by_char[char] = re.compile("|".join(parts) or r"(?!x)x", re.I)
        return found

    def finditer(self, text: str):
        pos = 0
        for start in self._starts.finditer(text):
            at = start.start()
            if at < pos:  # inside the previous match
                continue
            m = self._for(text[at]).match(text, at)
            if m:
                yield m
                pos = m.end()


_COMPILED: dict[tuple[Term, ...], _Matcher] = {}


def _combined(terms: tuple[Term, ...]) -> _Matcher:
    """The matcher for ``terms`` (compiled once per glossary)."""
    if terms not in _COMPILED:
        _COMPILED[terms] = _Matcher(terms)
    return _COMPILED[terms]


def protected_spans(markdown: str) -> list[tuple[int, int]]:
    """Character spans of ``markdown`` that are not prose (see the module docstring)."""
    spans: list[tuple[int, int]] = []
    lines = markdown.splitlines(keepends=True)
    code = _code_mask(markdown)
    pos, in_html, in_math = 0, False, False
    for i, line in enumerate(lines):
        end = pos + len(line)
        stripped = line.strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        skip = code[i] if i < len(code) else False
        if not skip:
            if in_math:
                skip = True
                if stripped.startswith("$$") or stripped.endswith("$$"):
                    in_math = False
            elif stripped.startswith("$$") and not (len(stripped) > 2 and stripped.endswith("$$")):
                skip, in_math = True, True
            elif in_html:
                skip = True
                if not stripped:
                    in_html = False
            elif _HTML_BLOCK.match(line):
                skip = True
                # a raw HTML block lasts until a blank line, unless it asks for Markdown inside
                in_html = "markdown" not in line and not re.search(r"</[^>]+>\s*$", line)
            elif (_HEADING.match(line) or _TITLE.match(line) or _LINK_DEF.match(line)
                  or (stripped and _SETEXT.match(nxt) and not stripped.startswith("|"))
                  or _SETEXT.match(line) and stripped.startswith(("=", "---"))):
                skip = True
        if skip:
            spans.append((pos, end))
        pos = end
    spans.extend(m.span() for m in _INLINE_SKIP.finditer(markdown))
    return sorted(spans)


def link_terms(markdown: str, page: str, glossary: Glossary, existing: set[str] | None = None) -> str:
    """Link the first prose occurrence of each term on ``page`` (a docs-relative path).

    ``existing``: the site's pages; a term whose page is not among them links to its fallback if that
    is, and otherwise stays plain text (no broken links).
    """
    matcher = _combined(glossary.terms)
    group_term = matcher.group_term
    spans = protected_spans(markdown)
    here = posixpath.dirname(page) or "."
    done: set[str] = set()
    linked_at: dict[tuple[str, str], int] = {}  # where the page already links somewhere itself
    for m in re.finditer(r"\]\(([^)\s]+)", markdown):
        path, _, anchor = m.group(1).partition("#")
        target = posixpath.normpath(posixpath.join(here, path)) if path else page
        linked_at.setdefault((target, anchor), m.start())
    out, pos = [], 0
    for m in matcher.finditer(markdown):
        term = group_term[m.lastgroup]
        if term.term in done:
            continue
        target = term.target(existing)
        if target is None or target[0] == page or term.page == page:
            continue
        a, b = m.span()
        if term.topic and linked_at.get(target, len(markdown)) < a:  # a topic page linked by hand earlier
            done.add(term.term)
            continue
        if any(s < b and a < e for s, e in spans):
            continue
        done.add(term.term)
        href = posixpath.relpath(target[0], here) + (f"#{target[1]}" if target[1] else "")
        out.append(markdown[pos:a])
        out.append(f'[{m.group(0)}]({href} "{term.tooltip}")')
        pos = b
    out.append(markdown[pos:])
    return "".join(out)
