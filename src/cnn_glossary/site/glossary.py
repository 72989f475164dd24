"""The glossary's connective tissue: link each glossary term to its page.

:data:`TERMS` is the one table of terms and the page that defines them. :func:`link_terms`
turns the FIRST occurrence of each page's terms on another page into a Markdown link, in
prose only (and only if no earlier link on the page goes there): headings, code (fenced and
inline), math, existing links and images, HTML
(tags, raw HTML blocks, ``<a>`` elements), admonition and tab titles, attribute lists and
placeholders are left alone, and a term is never linked on its own page. Tables count as
prose. The MkDocs plugin calls it in ``on_page_markdown`` after placeholder substitution.
"""

from __future__ import annotations

import posixpath
import re

from cnn_glossary.site.placeholders import _code_mask

# page -> its terms (singular and plural spelled out; matching ignores case, except for
# upper-case abbreviations, and allows any run of whitespace between words)
TERMS: dict[str, list[str]] = {
    "conv-1x1.md": ["1x1 convolutions", "1x1 convolution", "1×1 convolutions", "1×1 convolution"],
    "conv-3x3.md": ["3x3 convolutions", "3x3 convolution", "3×3 convolutions", "3×3 convolution"],
    "feature-maps.md": ["feature maps", "feature map"],
    "receptive-field.md": ["effective receptive fields", "effective receptive field", "receptive fields",
                           "receptive field"],
    "activation.md": ["activation functions", "activation function"],
    "epochs.md": ["epochs", "epoch", "early stopping"],
    "filters.md": ["kernels", "kernel", "filters", "filter"],
    "convolution.md": ["convolutions", "convolution"],
    "mnist.md": ["MNIST"],
}

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


def _combined(terms: dict[str, list[str]]) -> tuple[re.Pattern, dict[str, str]]:
    """One regex, longest terms first, whose groups name the term's page."""
    group_page, parts = {}, []
    flat = sorted(((t, page) for page, ts in terms.items() for t in ts), key=lambda tp: -len(tp[0]))
    for i, (term, page) in enumerate(flat):
        group_page[f"t{i}"] = page
        parts.append(f"(?P<t{i}>{_pattern(term)})")
    return re.compile("|".join(parts), re.I), group_page


_REGEX, _GROUP_PAGE = _combined(TERMS)


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


def link_terms(markdown: str, page: str, terms: dict[str, list[str]] | None = None,
               existing: set[str] | None = None) -> str:
    """Link the first prose occurrence of each page's terms on ``page`` (a docs-relative path).

    ``existing``: the site's pages; terms of pages not in it stay plain text (no broken links).
    """
    regex, group_page = (_REGEX, _GROUP_PAGE) if terms is None else _combined(terms)
    spans = protected_spans(markdown)
    here = posixpath.dirname(page) or "."
    done = {page}
    linked_at: dict[str, int] = {}  # where the page already links to a term's page itself
    for m in re.finditer(r"\]\(([^)#\s]+)", markdown):
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), m.group(1)))
        linked_at.setdefault(target, m.start())
    out, pos = [], 0
    for m in regex.finditer(markdown):
        target = group_page[m.lastgroup]
        if target in done or (existing is not None and target not in existing):
            continue
        a, b = m.span()
        if linked_at.get(target, len(markdown)) < a:  # an earlier link to that page is enough
            done.add(target)
            continue
        if any(s < b and a < e for s, e in spans):
            continue
        done.add(target)
        out.append(markdown[pos:a])
        out.append(f"[{m.group(0)}]({posixpath.relpath(target, here)})")
        pos = b
    out.append(markdown[pos:])
    return "".join(out)
