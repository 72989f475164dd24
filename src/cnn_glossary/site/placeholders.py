"""Find and render the placeholders a page uses to embed snippet results.

Syntax, anywhere in a page outside code::

    {{ value convolution/output_size:example }}          a value, in the snippet's format
    {{ value mnist/score:test_accuracy | .2% }}          a value, in a page-chosen format
    {{ table convolution/output_size:sizes }}            a Markdown table
    {{ figure convolution/output_size:slide }}           a figure with alt text and caption
    {{ snippet convolution/output_size }}                the snippet's source, as a code block
    {{ snippet convolution/output_size:lesson }}         "In code", collapsed: the lines between
                                                         ``# --8<-- [start:lesson]`` and ``[end:lesson]``,
                                                         with the whole file one click further
    {{ data widgets/conv_explorer:config }}              a published JSON string, as
                                                         ``<script type="application/json"
                                                         id="cg-data-widgets-conv_explorer-config">`` for a widget

``{{ values_index }}`` renders the list of every value embedded on the site, ``{{ glossary_index }}``
the A-Z list of the glossary file's terms, and ``{{ statement name }}`` the wording of a fact that several
pages state, kept once in the glossary file. Anything else between ``{{`` and ``}}`` is an error, and
so is a ``{{`` that does not close on its own line, and a placeholder with one brace too few or too
many on either side (``{ value a/b:c }}``, ``{{ value a/b:c }}}``), so a typo never reaches a reader.
Fenced, indented and inline code is left alone.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass

from cnn_glossary.site.publish import format_value

OPEN = re.compile(r"\{\{")
PLACEHOLDER = re.compile(r"\{\{([^{}\n]*)\}\}")  # one line, no braces inside
FORM = re.compile(
    r"^\s*(?P<kind>value|table|figure|snippet|data)\s+(?P<sid>[A-Za-z0-9_][\w/-]*)"
    r"(?::(?P<name>\w+))?\s*(?:\|\s*(?P<fmt>[^|]*?))?\s*$"
)
SPECIAL = {"values_index", "glossary_index"}
# What is left of a placeholder when a brace is missing or extra: "{ value a/b:c }}", "value a/b:c }}",
# "{{ value a/b:c }", "{ value a/b:c }". The id must hold a "/" or a ":", so prose and math ("the value y}",
# "\text{value x}") are not taken for one.
_KIND = r"(?:value|table|figure|snippet|data)"
_ID = r"[A-Za-z0-9_][\w-]*(?:[/:][\w-]+)+"
LONE_OPEN = re.compile(r"(?<!\{)\{\s*" + _KIND + r"\s+" + _ID)
LONE_CLOSE = re.compile(r"\b" + _KIND + r"\s+" + _ID + r"\s*(?:\|[^{}\n]*)?\}")
STATEMENT = re.compile(r"^\s*statement\s+(?P<name>[a-z][a-z0-9_]*)\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
INCLUDE = re.compile(r"""^\s*-{1,}8<-{1,}\s+["']([^"':]+)(?::[^"']*)?["']""")  # path, then :section or :lines
INCLUDE_BLOCK = re.compile(r"^[ \t]*-{1,}8<-{1,}\r?$")  # a line of its own opening or closing a block of paths


class PlaceholderError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class Placeholder:
    kind: str  # value, table, figure, snippet, or a SPECIAL name
    snippet_id: str | None
    name: str | None
    fmt: str | None
    line: int  # 1-based line in the page source
    start: int
    end: int
    text: str


CONTAINER = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|(?:!!!|\?\?\?\+?|===)\s?)")


def _code_mask(markdown: str) -> list[bool]:
    """For each line: is it code, i.e. inside a fenced block (fences included) or an indented one?

    An indented code block is a run of lines indented four spaces more than the content of the
    block they sit in (a list item, an admonition, a tab: Python-Markdown indents their content by
    four), after a blank line. The first line after a container opener is its content, never code.
    """
    mask: list[bool] = []
    fence = None
    containers: list[int] = []  # content indent of each open list item / admonition / tab
    prev_blank, prev_code = True, False
    for line in markdown.splitlines(keepends=True):
        text = line.expandtabs(4)
        stripped = text.strip()
        indent = len(text) - len(text.lstrip(" "))
        if fence is not None:
            mask.append(True)
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = None
            prev_blank, prev_code = False, False
            continue
        if not stripped:
            mask.append(prev_code)  # a blank line inside an indented block belongs to it
            prev_blank = True
            continue
        while containers and indent < containers[-1]:
            containers.pop()
        base = containers[-1] if containers else 0
        if indent >= base + 4 and (prev_blank or prev_code):
            mask.append(True)
            prev_blank, prev_code = False, True
            continue
        m = FENCE.match(line)
        if m:
            fence = m.group(2)[0] * len(m.group(2))
            mask.append(True)
            prev_blank, prev_code = False, False
            continue
        if CONTAINER.match(text):
            containers.append(indent + 4)
        mask.append(False)
        prev_blank, prev_code = False, False
    return mask


def _inline_code_spans(markdown: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"(`+)(?:(?!\1).)+?\1", markdown, re.S)]


def find(markdown: str) -> list[Placeholder]:
    """Every placeholder in ``markdown`` outside code, parsed.

    Every ``{{`` outside code must open a placeholder that closes with ``}}`` on the same line;
    anything else raises :class:`PlaceholderError` with the line, so a typo (one closing brace,
    a ``{{`` left open) fails the build instead of reaching a reader, and an error never
    swallows the text up to some later ``}}``.
    """
    mask = _code_mask(markdown)
    line_starts = [0]
    for line in markdown.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    spans = _inline_code_spans(markdown)
    found = []
    done = 0  # end of the last placeholder: a "{{" inside it was already parsed
    for opening in OPEN.finditer(markdown):
        at = opening.start()
        if at < done:
            continue
        line = bisect.bisect_right(line_starts, at)  # 1-based
        if line - 1 < len(mask) and mask[line - 1]:
            continue
        if any(a <= at < b for a, b in spans):
            continue
        m = PLACEHOLDER.match(markdown, at)
        if not m:
            end = markdown.find("\n", at)
            rest = markdown[at : end if end >= 0 else len(markdown)]
            shown = rest if len(rest) <= 60 else rest[:57] + "..."
            raise PlaceholderError(
                line,
                f"{shown!r}: a '{{{{' that does not close with '}}}}' on the same line; write "
                "{{ value|table|figure snippet/id:name }}, or put literal braces in `code`",
            )
        done = m.end()
        if markdown.startswith("}", done):
            raise PlaceholderError(line, _unbalanced(markdown, at))
        body = m.group(1).strip()
        if body in SPECIAL:
            found.append(Placeholder(body, None, None, None, line, m.start(), m.end(), m.group(0)))
            continue
        shared = STATEMENT.match(body)
        if shared:
            found.append(Placeholder("statement", None, shared["name"], None, line, m.start(), m.end(), m.group(0)))
            continue
        form = FORM.match(m.group(1))
        if not form:
            raise PlaceholderError(
                line,
                f"unknown placeholder {m.group(0)!r}; expected "
                "{{ value|table|figure|data snippet/id:name }}, {{ snippet snippet/id }}, {{ statement name }} "
                "or {{ values_index }}",
            )
        kind, name = form["kind"], form["name"]
        if kind != "snippet" and not name:
            raise PlaceholderError(line, f"{m.group(0)!r}: missing ':name' after the snippet id")
        if form["fmt"] and kind != "value":
            raise PlaceholderError(line, f"{m.group(0)!r}: only values take a '| format'")
        found.append(Placeholder(kind, form["sid"], name, form["fmt"], line, m.start(), m.end(), m.group(0)))
    _check_lone_braces(markdown, mask, spans, found, line_starts)
    return found


def _unbalanced(markdown: str, at: int) -> str:
    end = markdown.find("\n", at)
    rest = markdown[at : end if end >= 0 else len(markdown)].rstrip()
    shown = rest if len(rest) <= 60 else rest[:57] + "..."
    return (f"{shown!r}: unbalanced braces around a placeholder; write it with two braces on each side, "
            "{{ value|table|figure|data snippet/id:name }} or {{ snippet snippet/id }}")


def _check_lone_braces(markdown: str, mask: list[bool], spans, found: list[Placeholder], line_starts) -> None:
    """A placeholder with one brace too few on either side (``{ value a/b:c }}``) is not parsed as one, so it
    would reach readers as text: outside code, raise :class:`PlaceholderError` on its line."""
    blank = list(markdown)
    for a, b in [*spans, *((p.start, p.end) for p in found)]:
        for i in range(a, b):
            if blank[i] != "\n":
                blank[i] = " "
    text = "".join(blank)
    for at in sorted(m.start() for pattern in (LONE_OPEN, LONE_CLOSE) for m in pattern.finditer(text)):
        line = bisect.bisect_right(line_starts, at)
        if line - 1 < len(mask) and mask[line - 1]:
            continue
        while at > line_starts[line - 1] and markdown[at - 1] in " {":  # quote the typo from its brace
            at -= 1
        raise PlaceholderError(line, _unbalanced(markdown, at + len(markdown[at:]) - len(markdown[at:].lstrip(" "))))


def includes(markdown: str) -> list[tuple[int, str]]:
    """``(line, path)`` of every file pymdownx.snippets would include: each ``--8<-- "path"`` line, and each
    path line between two ``--8<--`` lines (the block form). pymdownx.snippets reads them inside code fences
    too, which is where they usually are; ``;--8<--`` is an escaped marker, a path line starting with ``;``
    a comment."""
    out = []
    block = False
    for i, line in enumerate(markdown.splitlines()):
        if INCLUDE_BLOCK.match(line):
            block = not block
            continue
        if block:
            path = line.strip()
            if path and not path.startswith(";"):
                out.append((i + 1, _file_of(path)))
            continue
        m = INCLUDE.match(line)
        if m:
            out.append((i + 1, m.group(1)))
    return out


def _file_of(target: str) -> str:
    """The file of an include target: ``path``, ``path:section`` or ``path:start:end[,start:end]``."""
    return re.sub(r"(?::-?\d*){1,2}(?:,-?\d*(?::-?\d*)?)*$|:[A-Za-z][-_0-9A-Za-z]*$", "", target)


def include_problem(root, path: str, allowed) -> str | None:
    """Why a page may not include ``path`` (relative to the project ``root``), or ``None`` if it may.

    A page may include files from the ``allowed`` folders only (the site's docs, snippets and package source):
    never ``.git/config``, a file elsewhere in the checkout, or one outside it, also not through ``..`` or a
    symbolic link.
    """
    from pathlib import Path

    path = _file_of(path)
    target = (Path(root) / path).resolve()
    folders = [Path(a).resolve() for a in allowed]
    if not any(target.is_relative_to(folder) for folder in folders):
        names = ", ".join(f"{f.relative_to(Path(root).resolve()).as_posix()}/" if f.is_relative_to(Path(root).resolve())
                          else str(f) for f in folders)
        return (f"the include '{path}' is outside the folders a page may include from ({names}); "
                "include a file from one of them, or move the file there")
    if not target.is_file():
        return f"the include '{path}' does not exist"
    return None


def render_table(table: dict) -> str:
    headers, rows, fmts = table["headers"], table["rows"], table["fmts"]
    align = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(align.get(a, "---") for a in table["align"]) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(format_value(cell, f).replace("|", "\\|") for cell, f in zip(row, fmts)) + " |")
    return "\n".join(lines)


def render_value(value: dict, fmt: str | None) -> str:
    return format_value(value["value"], fmt if fmt else value["fmt"])


def render_data(value: dict, element_id: str) -> str:
    """A published JSON string as an inert ``<script type="application/json">`` a widget reads.

    It is one line (so the glossary linker and Markdown leave it alone), and ``<`` is escaped so the
    data can never close the script element.
    """
    import json

    text = value["value"]
    if not isinstance(text, str):
        raise ValueError("a data placeholder needs a value published as a JSON string (json.dumps(...))")
    def refuse(constant: str):
        raise ValueError(f"the published JSON holds {constant}, which a browser's JSON.parse rejects; publish "
                         "finite numbers (or null) in the widget data")

    json.loads(text, parse_constant=refuse)  # fail at build time, not in the reader's browser
    body = text.replace("<", "\\u003c").replace("\n", " ")
    return f'<script type="application/json" id="{element_id}">{body}</script>'


def render_figure(fig: dict, url: str) -> str:
    """A figure with alt text and caption; ``url`` is relative to the rendered page.

    An animation (a figure record with a ``poster``, see ``publish.figure``) shows its still poster, which the
    build stores next to the animation (same folder as ``url``), wrapped in a link to the animation so that it
    opens without JavaScript, and a hidden Play button. ``docs/assets/cg-animation.js`` unhides the button, and
    swaps the image and its alt text (from the ``data-cg-*`` attributes) when it is pressed.
    """

    def attr(text: str) -> str:
        return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace("\n", " ")

    width = f' width="{fig["width"]}"' if fig.get("width") else ""
    caption = f'<figcaption>{html.escape(fig["caption"], quote=False)}</figcaption>\n'
    poster = fig.get("poster")
    if not poster:
        return (
            '<figure class="cg-figure">\n'
            f'<img src="{url}" alt="{attr(fig["alt"])}"{width} loading="lazy">\n'
            f"{caption}</figure>"
        )
    poster_url = url.rsplit("/", 1)[0] + "/" + poster["file"] if "/" in url else poster["file"]
    return (
        '<figure class="cg-figure cg-animation">\n'
        f'<a class="cg-animation-link" href="{url}">'
        f'<img src="{poster_url}" alt="{attr(poster["alt"])}"{width} loading="lazy" '
        f'data-cg-poster="{poster_url}" data-cg-poster-alt="{attr(poster["alt"])}" '
        f'data-cg-animation="{url}" data-cg-animation-alt="{attr(fig["alt"])}"></a>\n'
        '<button type="button" class="md-button cg-animation-toggle" aria-pressed="false" hidden data-search-exclude="button">Play</button>\n'
        f"{caption}</figure>"
    )


def render_snippet(path: str, section: str | None = None, indent: str = "") -> str:
    """A code block whose body pymdownx.snippets fills from the snippet file.

    With ``section``, a collapsed "In code" block shows only that section of the file (its
    ``# --8<-- [start:section]`` ... ``[end:section]`` lines), and a nested collapsed block shows
    the whole file. ``indent`` is the placeholder's own indentation, repeated on every line after
    the first so that the block stays inside a list or an admonition.
    """
    if not section:
        return f'```python title="{path}"\n{indent}--8<-- "{path}"\n{indent}```'
    lines = [
        f'??? example "In code: the lesson lines of `{path}`"',
        "",
        f'    ```python title="{path}"',
        f'    --8<-- "{path}:{section}"',
        "    ```",
        "",
        '    ??? note "Show the full snippet"',
        "",
        f'        ```python title="{path}"',
        f'        --8<-- "{path}"',
        "        ```",
        "",
    ]
    return "\n".join(lines[:1] + [indent + line if line else "" for line in lines[1:]])


def render_warnings(messages: list[str]) -> str:
    """A visible box at the top of a page whose embedded results are questionable."""
    if not messages:
        return ""
    body = "\n\n".join("    " + m.replace("\n", "\n    ") for m in messages)
    return f'!!! warning "Out-of-date results on this page"\n\n{body}\n\n'


def insert_after_title(markdown: str, block: str) -> str:
    """Insert ``block`` after the page's ``# Title`` line (or at the top if it has none)."""
    if not block:
        return markdown
    m = re.search(r"^# .*\n", markdown, re.M)
    at = m.end() if m else 0
    return markdown[:at] + "\n" + block + markdown[at:]
