"""Absolutes are decisions: every sentence that says never, always, only, every, no, none, cannot, all ... is
either guarded by a test, cited, or listed in a reviewed file with the reason it holds in every case.

:func:`page_sentences` reads a built page (HTML) and returns its prose sentences as a reader sees them: paragraphs,
list items, table cells, headings, admonitions and collapsed blocks, figure captions and alt text. Code, math,
tooltips and the page's References section are left out. :func:`absolute_words` finds the absolute words in a
sentence. :func:`check` sorts every absolute sentence of a built site into

- **guarded**: a ``@pytest.mark.guards("page.md", "piece")`` declaration (see :mod:`.checks`) whose piece is
  part of the sentence;
- **cited**: the sentence cites a source (a ``[@key]`` citation, see :mod:`.citations`);
- **reviewed**: an entry of the reviewed file (``tests/absolutes_reviewed.yml``) names the page, a piece of the
  sentence and the reason the absolute holds in every case;
- **unresolved**: none of these, which fails the check.

An entry of the reviewed file that matches no absolute sentence any more (the sentence changed), that matches
several, or whose sentence is already guarded or cited, also fails: the list stays small and true.

Run it on a built site to refresh the list after editing pages::

    python -m cnn_glossary.site.absolutes site/           # after mkdocs build; or: make absolutes
    python -m cnn_glossary.site.absolutes site/ --stubs   # also print YAML stubs for the unresolved sentences
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

ABSOLUTE = re.compile(
    r"\b(?:never|always|only|every|everything|everyone|everywhere|no|none|nothing|nobody|nowhere|cannot|can't"
    r"|can not|all)\b|\beach\b[^.;:]*?\bon\s+its\s+own\b",
    re.I,
)
REVIEWED = "tests/absolutes_reviewed.yml"
CITE = "\u2063"  # marks citation text inside a sentence (an invisible separator, removed for display)
CODE, END = "\ue000", "\ue001"  # around inline code and math: kept in the text, not read for absolutes
MARKED = re.compile(CODE + "[^" + END + "]*" + END)
MENTION = re.compile(r"[\"“][^\"“”\n]{1,40}[\"”]")  # a word in quotes is mentioned, not used: "never"
MIN_PIECE = 12

# blocks whose text is a unit of prose
BLOCKS = {"p", "li", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "summary",
          "blockquote", "div", "details", "ul", "ol", "table", "tr", "thead", "tbody", "figure", "article",
          "section", "aside", "br", "hr", "dl"}
SKIP_TAGS = {"script", "style", "pre", "svg", "button", "nav", "template"}
SKIP_CLASSES = {"headerlink", "highlight", "md-source-file", "md-content__button"}
INLINE = {"code", "kbd", "samp", "math"}  # their text stays in the sentence, marked
VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr", "col", "area", "base", "embed", "param", "track"}
# sentence ends: . ! ? (and a closing quote or bracket) before a space and a capital, digit or opening mark
SPLIT = re.compile(r"(?<=[.!?])([\"”’)\]]*)\s+(?=[A-Z0-9\"“‘(\[*$" + CITE + r"])")
NOT_AN_END = re.compile(r"(?:\b(?:e\.g|i\.e|et al|vs|etc|approx|cf|Fig|Eq|No|ca)\.|\b[A-Z]\.)$")
MIN_WORDS = 4  # a table cell or caption fragment shorter than this is a label, not a sentence
QUOTED = re.compile(r"^[“\"][^“”\"]+[”\"]$")
# the README's claims and quoted misconceptions, which the pages correct; lists of links ("See also", page names)
EXEMPT = {"readme", "quoted", "links"}


@dataclass(frozen=True)
class Sentence:
    page: str  # under docs/, e.g. "activation.md"
    text: str  # as a reader sees it (inline code as written, math as its TeX), whitespace collapsed
    kind: str  # "prose", "heading", "table", "caption", "alt"; not claims: "readme", "quoted", "links"
    cited: bool = False
    words: str = ""  # the text without inline code and math: where absolutes are looked for

    @property
    def absolutes(self) -> list[str]:
        return absolute_words(self.words if self.words else self.text)


def absolute_words(text: str) -> list[str]:
    """The absolute words in ``text``, lowercase (an "each ... on its own" counts as one); words in quotes are
    mentioned, not claimed, and do not count."""
    out = []
    for m in ABSOLUTE.finditer(MENTION.sub(" ", MARKED.sub(" ", text))):
        word = m.group(0).lower()
        out.append("each ... on its own" if word.startswith("each") else " ".join(word.split()))
    return out


def normalise(text: str) -> str:
    """Whitespace collapsed, emphasis and code marks dropped, curly quotes straightened."""
    text = text.replace("*", "").replace("`", "").replace("$", "").replace(CITE, "").replace(CODE, "").replace(END, "")
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "}))
    return " ".join(text.split())


class _Prose(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []  # (kind, text)
        self.buf: list[str] = []
        self.kinds: list[str] = []  # the open block tags, innermost last
        self.skip: list[str] = []  # tags being skipped, innermost last
        self.in_article = 0
        self.done = False
        self.quotes: list[list] = []  # open "quote" admonitions: [depth of divs inside, reached "What is true"]
        self.title = False  # inside an admonition's title
        self.column, self.headers = -1, {}  # the table cell's column, and the header text of each column
        self.links = 0  # open <a> elements (not citations)
        self.inline = None  # the inline code or math element being read
        self.own_words = False  # the block has text outside links (else it is a list of links, like "See also")

    def _kind(self) -> str:
        for tag in reversed(self.kinds):
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                return "heading"
            if tag in ("td", "th"):
                return "table"
            if tag == "figcaption":
                return "caption"
        return "prose"

    def flush(self):
        text = "".join(self.buf)
        self.buf, own_words, self.own_words = [], self.own_words, False
        if not text.strip():
            return
        kind = self._kind() if own_words else "links"
        if self.kinds and self.kinds[-1] == "th":
            self.headers[self.column] = text
        if self.quotes:  # a box quoting the README: its title and its claims are the README's, not ours
            if self.title:
                kind = "readme"
            elif not self.quotes[-1][1]:
                if normalise(text).startswith("What is true"):
                    self.quotes[-1][1] = True
                else:
                    kind = "readme"
        if kind == "table" and "README claimed" in self.headers.get(self.column, ""):
            kind = "readme"
        self.blocks.append((kind, text))

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        a = dict(attrs)
        if tag == "article":
            self.in_article += 1
            return
        if not self.in_article:
            return
        if self.skip:
            if tag not in VOID:
                self.skip.append(tag)
            return
        classes = set((a.get("class") or "").split())
        if tag in INLINE:  # inline code, or a formula (its TeX is in aria-label): kept, marked, skipped inside
            self.buf.append(CODE + (a.get("aria-label", "") if tag == "math" else ""))
            self.inline = tag
            self.skip.append(tag)
            return
        if tag in SKIP_TAGS or classes & SKIP_CLASSES:
            if tag not in VOID:
                self.skip.append(tag)
            return
        if tag in ("h2", "h3") and a.get("id") == "references":  # the works cited: their titles, not our prose
            self.flush()
            self.done = True
            return
        if tag == "img" and a.get("alt"):
            self.flush()
            self.blocks.append(("alt", a["alt"]))
            return
        if tag in BLOCKS:
            self.flush()
            if tag not in VOID:
                self.kinds.append(tag)
            if tag == "div" and self.quotes:
                self.quotes[-1][0] += 1
            if tag == "div" and {"admonition", "quote"} <= classes:
                self.quotes.append([0, False])
            if tag == "p" and "admonition-title" in classes:
                self.title = True
            if tag == "tr":
                self.column = -1
            if tag in ("td", "th"):
                self.column += 1
            if tag == "table":
                self.headers = {}
            return
        if tag == "a" and (a.get("href") or "").startswith("#ref-"):
            self.buf.append(CITE)
            self.own_words = True
        elif tag == "a":
            self.links += 1

    def handle_endtag(self, tag):
        if self.done or not self.in_article:
            return
        if tag == "article":
            self.flush()
            self.in_article -= 1
            return
        if self.skip:
            if self.skip[-1] == tag:
                self.skip.pop()
            elif tag in self.skip:  # tolerate unclosed inner tags
                while self.skip and self.skip.pop() != tag:
                    pass
            if not self.skip and self.inline:
                self.buf.append(END)
                self.inline = None
            return
        if tag == "a" and self.links:
            self.links -= 1
        if tag in BLOCKS and tag not in VOID:
            self.flush()
            if tag in self.kinds:
                while self.kinds and self.kinds.pop() != tag:
                    pass
            if tag == "p":
                self.title = False
            if tag == "div" and self.quotes:
                if self.quotes[-1][0]:
                    self.quotes[-1][0] -= 1
                else:
                    self.quotes.pop()

    def handle_data(self, data):
        if self.inline:
            if self.inline != "math" and not self.done:
                self.buf.append(data)  # inline code's own text
                self.own_words = self.own_words or not self.links
            return
        if self.in_article and not self.skip and not self.done:
            self.buf.append(data)
            if not self.links and data.strip(" \t\n·|,;"):
                self.own_words = True


def split_sentences(text: str) -> list[str]:
    """``text`` cut at sentence ends (not after "e.g.", "et al." or an initial)."""
    text = " ".join(text.split())
    out, start = [], 0
    for m in SPLIT.finditer(text):
        if NOT_AN_END.search(text[start : m.start()]):
            continue
        out.append(text[start : m.start() + len(m.group(1))].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def page_sentences(page_html: str, page: str = "") -> list[Sentence]:
    """Every prose sentence of a built page's article, in page order (see the module docstring)."""
    parser = _Prose()
    parser.feed(page_html)
    parser.close()
    parser.flush()
    out = []
    for kind, block in parser.blocks:
        block = html.unescape(block).replace("¶", "")
        for s in split_sentences(block):
            if kind in ("table", "caption", "alt", "heading") and len(s.replace(CITE, "").split()) < MIN_WORDS:
                continue
            raw = " ".join(s.replace(CITE, "").split())
            text = " ".join(raw.replace(CODE, "").replace(END, "").split())
            words = " ".join(MARKED.sub(" ", raw).split())
            kind_here = "quoted" if QUOTED.match(text) else kind  # a misconception quoted to correct it
            out.append(Sentence(page, text, kind_here, CITE in s, words))
    return out


# --- the reviewed list and the check ---------------------------------------------------------------------


class ReviewError(ValueError):
    """The reviewed file is malformed; the message names the file, the page and the entry."""


@dataclass(frozen=True)
class Entry:
    page: str
    piece: str
    reason: str
    line: int = 0  # in the reviewed file, when known
    sentences: int = 1  # how many sentences of the page the piece must match (captions repeat)


def load_reviewed(path: Path) -> list[Entry]:
    """The reviewed file: ``page.md: [{piece: ..., reason: ...}, ...]``; an entry whose piece is meant to match
    several sentences (a caption that repeats) says how many with ``sentences: N``."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ReviewError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, yaml.MappingNode):
        raise ReviewError(f"{path}: expected a mapping from a page (e.g. activation.md) to a list of entries")
    out = []
    for key_node, value_node in data.value:
        page = key_node.value
        if not isinstance(page, str) or not page.endswith(".md"):
            raise ReviewError(f"{path}:{key_node.start_mark.line + 1}: {page!r} is not a page under docs/")
        if not isinstance(value_node, yaml.SequenceNode):
            raise ReviewError(f"{path}:{key_node.start_mark.line + 1}: {page}: expected a list of entries")
        for item in value_node.value:
            line = item.start_mark.line + 1
            entry = yaml.safe_load(yaml.serialize(item)) if isinstance(item, yaml.MappingNode) else None
            if not isinstance(entry, dict) or not {"piece", "reason"} <= set(entry) <= {"piece", "reason", "sentences"}:
                raise ReviewError(f"{path}:{line}: {page}: each entry has 'piece' (words of the sentence as the page "
                                  "shows it) and 'reason' (why the absolute holds in every case), and may have "
                                  "'sentences' (how many sentences the piece matches, if more than one)")
            count = entry.get("sentences", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ReviewError(f"{path}:{line}: {page}: 'sentences' is a whole number of sentences, at least 1")
            piece, reason = entry["piece"], entry["reason"]
            if not isinstance(piece, str) or len(normalise(piece)) < MIN_PIECE:
                raise ReviewError(f"{path}:{line}: {page}: the piece needs at least {MIN_PIECE} characters of "
                                  "the sentence")
            if not isinstance(reason, str) or len(reason.split()) < 5 or re.search(r"\bTODO\b", reason):
                raise ReviewError(f"{path}:{line}: {page}: {piece!r} needs its reason (a sentence saying why the "
                                  "absolute holds in every case), not a placeholder")
            out.append(Entry(page, normalise(piece), " ".join(reason.split()), line, count))
    return out


@dataclass
class Report:
    absolute: list[Sentence] = field(default_factory=list)
    guarded: list[Sentence] = field(default_factory=list)
    cited: list[Sentence] = field(default_factory=list)
    reviewed: list[tuple[Sentence, Entry]] = field(default_factory=list)
    unresolved: list[Sentence] = field(default_factory=list)
    stale: list[tuple[Entry, str]] = field(default_factory=list)  # entry, what is wrong with it

    @property
    def ok(self) -> bool:
        return not self.unresolved and not self.stale


def _guarded_indices(sentences: list[Sentence], pieces: list[str]) -> set[int]:
    """Sentences that a guarded piece covers: the piece is inside the sentence, or overlaps it by at least
    ``MIN_PIECE`` characters (a piece may run across a sentence end)."""
    texts = [normalise(s.text) for s in sentences]
    joined, spans, pos = "", [], 0
    for t in texts:
        spans.append((pos, pos + len(t)))
        joined += t + " "
        pos += len(t) + 1
    out = set()
    for piece in pieces:
        for m in re.finditer(re.escape(piece), joined):
            a, b = m.span()
            for i, (s, e) in enumerate(spans):
                overlap = min(b, e) - max(a, s)
                if overlap >= min(MIN_PIECE, e - s):
                    out.add(i)
    return out


def check(sentences: dict[str, list[Sentence]], guards: dict[str, list[str]], entries: list[Entry]) -> Report:
    """Sort the absolute sentences of every page (page -> sentences in order) into guarded, cited, reviewed and
    unresolved; ``guards``: page -> the guarded pieces; ``entries``: the reviewed file."""
    report = Report()
    by_page: dict[str, list[Entry]] = {}
    for e in entries:
        by_page.setdefault(e.page, []).append(e)
    for page in sorted(set(sentences) | set(by_page)):
        found = sentences.get(page, [])
        guarded = _guarded_indices(found, [normalise(g) for g in guards.get(page, [])])
        matches: dict[int, list[int]] = {k: [] for k in range(len(by_page.get(page, [])))}
        page_entries = by_page.get(page, [])
        for i, s in enumerate(found):
            text = normalise(s.text)
            for k, e in enumerate(page_entries):
                if e.piece in text:
                    matches[k].append(i)
            if not s.absolutes or s.kind in EXEMPT:
                continue
            report.absolute.append(s)
            if i in guarded:
                report.guarded.append(s)
            elif s.cited:
                report.cited.append(s)
            else:
                listed = [page_entries[k] for k in matches if i in matches[k]]
                if listed:
                    report.reviewed.append((s, listed[0]))
                else:
                    report.unresolved.append(s)
        for k, e in enumerate(page_entries):
            hits = matches[k]
            if page not in sentences:
                report.stale.append((e, f"docs/{page} is not a page of the built site"))
            elif not hits:
                report.stale.append((e, "no sentence on the page contains this piece any more"))
            elif len(hits) != e.sentences:
                report.stale.append((e, f"{len(hits)} sentences contain this piece, the entry says {e.sentences}; "
                                        "quote more of the one meant, or set 'sentences'"))
            elif any(not found[h].absolutes or found[h].kind in EXEMPT for h in hits):
                report.stale.append((e, "its sentence no longer says an absolute; remove the entry"))
            elif any(h in guarded or found[h].cited for h in hits):
                how = "guarded by a test" if any(h in guarded for h in hits) else "cited"
                report.stale.append((e, f"its sentence is {how} already; remove the entry"))
    return report


def site_sentences(site_dir: Path, docs_dir: Path) -> dict[str, list[Sentence]]:
    """page -> its sentences, for every Markdown page of ``docs_dir`` built into ``site_dir``. On the values page
    only the introduction counts: the rest lists other pages' guarded sentences, quoted."""
    out = {}
    for md in sorted(docs_dir.glob("*.md")):
        built = site_dir / md.with_suffix(".html").name
        if not built.is_file():
            built = site_dir / md.stem / "index.html"
        if not built.is_file():
            continue
        text = built.read_text(encoding="utf-8")
        if md.name == "values.md":
            text = re.sub(r"<h2\b.*(?=</article>)", "", text, flags=re.S)
        out[md.name] = page_sentences(text, md.name)
    return out


RESOLVE = (
    "resolve it in one of three ways:\n"
    "    - guard it: a test that fails when it stops holding, declared with "
    "@pytest.mark.guards(\"{page}\", \"<words of the sentence>\");\n"
    "    - cite it: [@key] with an entry in docs/references.yml;\n"
    "    - or list it in {reviewed} (page, a piece of the sentence, the reason it holds in every case);\n"
    "    and if it is not true in every case, reword it."
)


def format_report(report: Report, reviewed: str = REVIEWED) -> str:
    lines = []
    for s in report.unresolved:
        lines.append(f"docs/{s.page}: \"{s.text}\" ({', '.join(dict.fromkeys(s.absolutes))}; {s.kind})")
    if report.unresolved:
        lines.append(RESOLVE.format(page="page.md", reviewed=reviewed))
    for e, why in report.stale:
        lines.append(f"{reviewed}:{e.line}: {e.page}: {e.piece!r}: {why}")
    lines.append(f"{len(report.absolute)} absolute sentences: {len(report.guarded)} guarded, {len(report.cited)} "
                 f"cited, {len(report.reviewed)} reviewed, {len(report.unresolved)} unresolved; "
                 f"{len(report.stale)} stale entries")
    return "\n".join(lines)


def stubs(report: Report) -> str:
    """YAML entries for the unresolved sentences, to review and complete (a reason is required)."""
    out, last = [], None
    for s in report.unresolved:
        if s.page != last:
            out.append(f"{s.page}:")
            last = s.page
        out.append(f"  - piece: {json.dumps(s.text, ensure_ascii=False)}")
        out.append("    reason: TODO")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cnn_glossary.site.absolutes", description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path, help="the built site (mkdocs build -d SITE)")
    ap.add_argument("--root", type=Path, default=Path("."), help="the project folder (mkdocs.yml, docs/, tests/)")
    ap.add_argument("--stubs", action="store_true", help="print YAML stubs for the unresolved sentences")
    args = ap.parse_args(argv)
    from cnn_glossary.site import checks

    guards = {page: [g.text for g in gs] for page, gs in checks.guards(args.root, "tests").items()}
    try:
        entries = load_reviewed(args.root / REVIEWED)
    except ReviewError as exc:
        print(exc, file=sys.stderr)
        return 2
    report = check(site_sentences(args.site, args.root / "docs"), guards, entries)
    print(format_report(report))
    if args.stubs and report.unresolved:
        print("\n# entries to review: keep only true absolutes, each with the reason it holds in every case\n")
        print(stubs(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
