"""Render the page's TeX formulas to MathML at build time.

``pymdownx.arithmatex`` (generic mode) marks formulas as ``<span class="arithmatex">\\(...\\)</span>``
(inline) or ``<div class="arithmatex">\\[...\\]</div>`` (display). This replaces each with
MathML, which browsers draw natively: no script, no font download, no request.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)


def _tex(body: str) -> tuple[str, bool]:
    body = html.unescape(body).strip()
    for left, right, display in (("\\(", "\\)", False), ("\\[", "\\]", True), ("$$", "$$", True), ("$", "$", False)):
        if body.startswith(left) and body.endswith(right):
            return body[len(left) : len(body) - len(right)].strip(), display
    return body, False


def render(page_html: str) -> str:
    """Replace every arithmatex formula in ``page_html`` with MathML."""

    def swap(m: re.Match) -> str:
        tex, display = _tex(m.group(2))
        if m.group(1) == "div":
            display = True
        math = convert(tex, display="block" if display else "inline")
        math = math.replace("<math ", f'<math aria-label="{html.escape(tex, quote=True)}" ', 1)
        tag = "div" if display else "span"
        focus = ' tabindex="0"' if display else ""  # a scrollable formula must be reachable by keyboard
        return f'<{tag} class="cg-math"{focus}>{math}</{tag}>'

    return ARITHMATEX.sub(swap, page_html)
