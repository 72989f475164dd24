"""Every topic page's code as a Jupyter notebook a reader can download and run.

A page's notebook starts with one cell that installs the package (see :mod:`.portable`), then holds
the snippets the page uses, in the order the page first uses them.
Each snippet becomes up to three code cells: the lines before its lesson section (setup),
the lesson lines themselves, and the lines after (publishing, which prints values outside a
build). A snippet without a lesson section is one cell. Run top to bottom, a notebook does
exactly what the build did, so executing it in the tests checks that it works.

The output is deterministic: cell ids come from the page and the cell's position, keys are
sorted, and no execution counts or outputs are stored.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cnn_glossary.site import portable

SECTION = "lesson"
_MARKER = re.compile(r"^\s*#\s*-{1,}8<-{1,}\s*\[\s*(start|end)\s*:\s*([a-z][-_0-9a-z]*)\s*\]\s*$")

class NotebookError(ValueError):
    """A snippet's section markers do not pair up."""


def split_snippet(source: str, section: str = SECTION) -> tuple[str, str, str] | None:
    """``(before, lesson, after)`` of a snippet with a ``section`` section, markers removed;
    ``None`` if the file has no such section. Markers of other sections are dropped."""
    parts: dict[str, list[str]] = {"before": [], "lesson": [], "after": []}
    state = "before"
    for line in source.splitlines():
        m = _MARKER.match(line)
        if m:
            kind, name = m.groups()
            if name == section:
                if kind == "start":
                    if state != "before":
                        raise NotebookError(f"a second [start:{section}] marker")
                    state = "lesson"
                else:
                    if state != "lesson":
                        raise NotebookError(f"[end:{section}] without [start:{section}]")
                    state = "after"
            continue
        parts[state].append(line)
    if state == "before":
        return None
    if state == "lesson":
        raise NotebookError(f"[start:{section}] without [end:{section}]")
    return tuple("\n".join(parts[k]).strip("\n") for k in ("before", "lesson", "after"))  # type: ignore[return-value]


def _compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec")
    except SyntaxError:
        return False
    return True


def _marked(source: str, section: str) -> str:
    """The whole snippet, with its ``section`` markers turned into plain comments and other markers dropped."""
    out = []
    for line in source.strip("\n").splitlines():
        m = _MARKER.match(line)
        if m:
            if m.group(2) == section:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}# ---- lesson ----" if m.group(1) == "start" else f"{indent}# ---- end of lesson ----")
            continue
        out.append(line)
    return "\n".join(out)


def _cell(kind: str, source: str, cell_id: str) -> dict:
    cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def build_notebook(title: str, page: str, snippets: list[tuple[str, Path]], section: str = SECTION,
                   install: str | None = None) -> str:
    """The notebook (JSON text) for ``page`` titled ``title`` from ``(snippet_id, path)`` pairs in page order.

    ``install`` is its first code cell (:func:`cnn_glossary.site.portable.install_cell`; by default the cell
    of a site with neither ``site_url`` nor ``repo_url``)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", page.removesuffix(".md")).strip("-") or "page"
    cells = []

    def add(kind: str, source: str) -> None:
        if source.strip():
            cells.append(_cell(kind, source, f"{stem}-{len(cells) + 1}"))

    add("markdown", f"# {title}: the code\n\nThe snippets of the page *{title}*, in the order the page uses "
                    f"them. Each lesson is a cell of its own; the cells around it set up and print the results.")
    add("code", install if install is not None else portable.install_cell(None, None, None))
    for snippet_id, path in snippets:
        source = path.read_text()
        try:
            split = split_snippet(source, section)
        except NotebookError as exc:
            raise NotebookError(f"{path}: {exc}") from None
        add("markdown", f"## `snippets/{snippet_id}.py`")
        if split is None:
            add("code", source.strip("\n"))
        elif all(_compiles(part) for part in split):
            before, lesson, after = split
            add("code", before)
            add("markdown", "The lesson:")
            add("code", lesson)
            add("code", after)
        else:  # the lesson sits inside a block (a loop, a function): one cell, the lesson marked by comments
            add("markdown", "The lesson lines sit inside a block here, so the snippet is one cell; they are marked "
                            "`# ---- lesson ----`.")
            add("code", _marked(source, section))
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def notebook_uri(page: str) -> str:
    """Where a page's notebook lives in the built site."""
    return "notebooks/" + page.removesuffix(".md").replace("/", "-") + ".ipynb"


def download_link(page: str) -> str:
    """A Material button that downloads the page's notebook, relative to the page."""
    depth = page.count("/")
    href = "../" * depth + notebook_uri(page)
    name = notebook_uri(page).rsplit("/", 1)[1]
    return f'[Download this page\'s code as a notebook]({href}){{ .md-button download="{name}" }}'
