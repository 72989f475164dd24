"""A Python-Markdown extension that refuses to render a page whose placeholders were never substituted.

The placeholders (``{{ value ... }}``, ``{{ figure ... }}``, ...) are filled by the MkDocs plugin
``cnn-glossary`` (:mod:`cnn_glossary.site.plugin`), which runs the snippets first. A builder that
reads ``mkdocs.yml`` but runs no MkDocs plugins (Zensical, the successor of Material for MkDocs,
does exactly that today) would otherwise publish the raw placeholders as text and report success.
This extension is listed in ``mkdocs.yml``'s ``markdown_extensions``, which such builders do load:

- under MkDocs, the plugin tells it (through ``mdx_configs``) that it substituted every page, or
  that it was switched off on purpose (``enabled: false``), and the extension does nothing;
- anywhere else it scans the page like the plugin does (code is left alone) and raises
  :class:`UnsubstitutedPlaceholder`, naming the page file and line, and saying how to build.

It imports nothing from MkDocs, only Python-Markdown and the placeholder parser.
"""

from __future__ import annotations

from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor

from cnn_glossary.site import placeholders as ph

NAME = "cnn_glossary.site.mdext"  # the name mkdocs.yml lists it by
PRIORITY = 40  # before every other preprocessor (pymdownx.snippets is 32): the lines are the page's own
HOW_TO_BUILD = (
    "the snippet step did not run: this page's placeholders are filled by the cnn-glossary MkDocs plugin, "
    "which runs the snippets, and this builder runs no MkDocs plugins (Zensical does not yet). Build the site "
    "with MkDocs: `make build` or `.venv/bin/mkdocs build --strict` (README, \"Building with Zensical\")"
)


class UnsubstitutedPlaceholder(RuntimeError):
    """A page reached Markdown with its placeholders still in it."""


def locate(line_text: str, docs_dir: Path) -> list[str]:
    """``path:line`` of every page under ``docs_dir`` that has ``line_text`` as one of its lines."""
    wanted = line_text.rstrip()
    hits = []
    if docs_dir.is_dir():
        for path in sorted(docs_dir.rglob("*.md")):
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for number, line in enumerate(lines, 1):
                if line.rstrip() == wanted:
                    hits.append(f"{path.as_posix()}:{number}")
                    break
    return hits


class _Guard(Preprocessor):
    def __init__(self, md, extension: "PlaceholderGuard"):
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        if self.extension.getConfig("substituted") or self.extension.getConfig("disabled"):
            return lines
        text = "\n".join(lines)
        try:
            found = ph.find(text)
        except ph.PlaceholderError as exc:  # a malformed one is unsubstituted too
            line, what = exc.line, str(exc)
        else:
            if not found:
                return lines
            line, what = found[0].line, f"{found[0].text} (and {len(found) - 1} more)" if len(found) > 1 \
                else found[0].text
        line_text = lines[line - 1] if 0 < line <= len(lines) else ""
        docs_dir = Path(self.extension.getConfig("docs_dir"))
        where = ", ".join(locate(line_text, docs_dir)) if line_text.strip() else ""
        where = where or f"a page (line {line} of its Markdown; no page under {docs_dir.as_posix()}/ has that line)"
        raise UnsubstitutedPlaceholder(f"{where}: {what} was not substituted: {HOW_TO_BUILD}")


class PlaceholderGuard(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "substituted": [False, "set by the cnn-glossary MkDocs plugin: it substituted every page"],
            "disabled": [False, "set by the cnn-glossary MkDocs plugin when it is switched off (enabled: false)"],
            "docs_dir": ["docs", "the pages' folder, to name the page that still has placeholders"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md) -> None:
        md.preprocessors.register(_Guard(md, self), "cnn_glossary_placeholders", PRIORITY)


def makeExtension(**kwargs) -> PlaceholderGuard:  # noqa: N802 - the name Python-Markdown looks for
    return PlaceholderGuard(**kwargs)


def tell(mdx_configs: dict, *, substituted: bool) -> None:
    """Called by the MkDocs plugin: the extension's options for this build (``substituted`` when the plugin
    fills the placeholders, ``disabled`` when it is switched off and leaves them on purpose)."""
    options = mdx_configs.setdefault(NAME, {})
    options["substituted"] = substituted
    options["disabled"] = not substituted
