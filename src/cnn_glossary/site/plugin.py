"""MkDocs plugin: a thin adapter from MkDocs events to :mod:`cnn_glossary.site.pipeline`.

- ``on_config``: set up the pipeline with paths resolved from the config file's folder,
  and point ``pymdownx.snippets`` there too.
- ``on_files``: find every placeholder on every page, check that each snippet whose values or
  tables reach a page is declared by a test (``@pytest.mark.checks``, read by :mod:`.checks`),
  run the snippets that are stale, and add their figures to the site.
- ``on_page_markdown``: replace placeholders with values, tables, figures, includes and shared statements,
  turn ``[@key]`` citations into links and append the page's References (:mod:`.citations`), link
  glossary terms and append the abbreviations (both from the glossary file, :mod:`.glossary`).
- ``on_serve``: watch the snippets and the package, so an edit re-runs what it affects.

Everything else lives in plain package functions.
"""

from __future__ import annotations

import logging
import posixpath
import re
import sys
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from cnn_glossary.site import checks, citations, glossary, mathml, mdext, notebooks, portable, rendercache, wheel
from cnn_glossary.site import placeholders as ph
from cnn_glossary.site.pipeline import DEFAULT_TIMEOUT, Pipeline, SnippetError, SnippetResult

log = logging.getLogger("mkdocs.plugins.cnn_glossary")
CELL_ID = re.compile(r'id="cell-id=([^"]+)"')


_CODE_BLOCK = re.compile(r'<div class="(?:language-[\w+-]+ )?highlight"(?=>)')  # pymdownx.highlight's block


def exclude_code_from_search(html: str) -> str:
    """Mark every highlighted code block ``data-search-exclude`` (Material's documented switch), so the search
    index holds the pages' prose, headings, lists and inline code, not the snippets' code a second time: the
    index every page downloads is less than half the size. Material removes the attribute from the page after
    indexing it."""
    return _CODE_BLOCK.sub(lambda m: m.group(0) + ' data-search-exclude="code"', html)


def _number_cell_ids(html: str) -> str:
    """``id="cell-id=<random>"`` becomes ``id="cell-id=cell-<n>"``, n counting cells in page order."""
    numbers: dict[str, int] = {}

    def number(m: re.Match) -> str:
        n = numbers.setdefault(m.group(1), len(numbers) + 1)
        return f'id="cell-id=cell-{n}"'

    return CELL_ID.sub(number, html)
FIGURE_URI = "assets/generated"


def discard_corrupt_jupyter_cache(cache_dir: Path) -> list[Path]:
    """Delete every entry of mkdocs-jupyter's page cache that it could not read; return their paths.

    mkdocs-jupyter caches each converted notebook page as ``<cache_dir>/<key>.json`` (written in place, not
    atomically) and reads it back with no check, so one cut-short entry crashed every build until deleted.
    An entry is kept only if it is JSON of the shape mkdocs-jupyter writes; a deleted one is converted again.
    """
    import json

    bad = []
    for entry in sorted(Path(cache_dir).glob("*.json")):
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            ok = (isinstance(data, dict) and isinstance(data.get("content"), str)
                  and isinstance(data.get("toc_tokens"), list) and isinstance(data.get("title"), (str, type(None))))
        except (OSError, ValueError):
            ok = False
        if not ok:
            try:
                entry.unlink()
            except OSError:
                continue
            bad.append(entry)
    return bad


def python_command(root: Path) -> str:
    """The Python running this build, as a reader types it from the project ``root`` (``.venv/bin/python``)."""
    import os
    import sys

    exe = Path(sys.executable)
    if exe.is_absolute() and exe.is_relative_to(root):
        return exe.relative_to(root).as_posix()
    return os.fspath(exe) if exe.name else "python"


class GlossaryConfig(base.Config):
    enabled = c.Type(bool, default=True)
    snippets_dir = c.Type(str, default="snippets")
    cache_dir = c.Type(str, default=".cache/cnn-glossary")
    jobs = c.Type(int, default=2)
    timeout = c.Type(int, default=int(DEFAULT_TIMEOUT))  # seconds per snippet; see pipeline.DEFAULT_TIMEOUT
    # each snippet runs in a child forked from one server process that imported the 'preload' modules once
    # (site/forkserver.py); false: a fresh Python process per snippet
    fork_server = c.Type(bool, default=True)
    preload = c.ListOfItems(c.Type(str), default=[])
    # tests declare the snippets they check with @pytest.mark.checks("folder/name") (read statically);
    # a snippet whose values or tables reach a page with no such declaration is a warning (--strict: an error)
    tests_dir = c.Type(str, default="tests")
    require_checks = c.Type(bool, default=True)
    # the glossary file (relative to docs_dir): term links, abbreviation tooltips, {{ glossary_index }}
    glossary = c.Type(str, default="glossary.yml")
    # with a GitHub repo_url: the branch the Pages workflow pushes the notebooks to, which "Open in Colab" opens
    colab_branch = c.Type(str, default="notebooks")
    # the references file (relative to docs_dir): [@key] citations and each page's References section
    references = c.Type(str, default="references.yml")
    # remember highlighted code blocks and search-index sections by the hash of their input (site/rendercache.py),
    # in cache_dir/render.json; the site is the same either way, a warm build is faster
    render_cache = c.Type(bool, default=True)


class GlossaryPlugin(BasePlugin[GlossaryConfig]):
    def on_config(self, config):
        # the Markdown extension that fails a build whose placeholders were never filled (a builder that
        # runs no MkDocs plugins): tell it this one fills them, or leaves them on purpose when switched off
        mdext.tell(config.mdx_configs, substituted=self.config.enabled)
        if not self.config.enabled:
            return config
        self.root = Path(config.config_file_path).resolve().parent
        self.pipeline = Pipeline(
            self.root,
            snippets_dir=self.config.snippets_dir,
            cache_dir=self.config.cache_dir,
            jobs=self.config.jobs,
            timeout=self.config.timeout,
            log=lambda msg: log.info(msg),
            fork_server=self.config.fork_server,
            preload=self.config.preload,
        )
        snippets_ext = config.mdx_configs.setdefault("pymdownx.snippets", {})
        snippets_ext["base_path"] = [str(self.root)]
        snippets_ext["check_paths"] = True
        self.results: dict[str, SnippetResult] = {}
        self.uses: dict[str, list[ph.Placeholder]] = {}
        rendercache.abandon()  # a previous build that failed (under `mkdocs serve`) leaves nothing behind
        if self.config.render_cache:
            _, highlight, search = rendercache.start(self.pipeline.cache_dir / "render.json", config.plugins)
            if not (highlight and search):
                log.info("cnn-glossary: the render cache could not wrap "
                         f"{'code highlighting' if not highlight else 'the search index'}; it is built uncached")
        self.glossary_path = Path(config.docs_dir) / self.config.glossary
        self.glossary, self.references = None, {}
        try:
            if (Path(config.docs_dir) / self.config.references).is_file():
                self.references = citations.load(Path(config.docs_dir) / self.config.references)
            if self.glossary_path.is_file():
                self.glossary = glossary.load(self.glossary_path, self.references)
                # what the glossary's links are computed from, for the render cache
                self._glossary_digest = [rendercache.file_digest(str(self.glossary_path)),
                                         rendercache.file_digest(str(Path(config.docs_dir) / self.config.references))]
        except (glossary.GlossaryError, citations.CitationError) as exc:
            raise PluginError(str(exc)) from None
        return config

    def on_files(self, files: Files, config):
        if not self.config.enabled:
            return files
        jupyter = config.plugins.get("mkdocs-jupyter")
        if jupyter is not None and jupyter.config.get("cache"):
            cache = Path(jupyter.config["cache_dir"])  # relative to the working folder, as mkdocs-jupyter reads it
            for entry in discard_corrupt_jupyter_cache(cache):
                log.info(f"discarded the unreadable mkdocs-jupyter cache entry {entry}; its page is converted again")
        for data in (self.config.glossary, self.config.references):  # data files the build reads, not published
            if files.get_file_from_path(data) is not None:
                files.remove(files.get_file_from_path(data))
        needed: dict[str, list[str]] = {}
        for file in files.documentation_pages():
            where = file.src_uri
            try:
                found = ph.find(file.content_string)
            except ph.PlaceholderError as exc:
                raise PluginError(f"docs/{where}:{exc.line}: {exc}") from None
            self.uses[where] = found
            for p in found:
                if p.snippet_id:
                    used = needed.setdefault(p.snippet_id, [])
                    if f"docs/{where}:{p.line}" not in used:  # two placeholders on one line: list it once
                        used.append(f"docs/{where}:{p.line}")
        for sid, pages in needed.items():
            if not self.pipeline.snippet_path(sid).is_file():
                raise PluginError(
                    f"{pages[0]}: no snippet '{sid}' (looked for "
                    f"{self.pipeline.snippet_path(sid).relative_to(self.root)})"
                )
        self._check_declarations()
        try:
            self.results = self.pipeline.ensure(needed)
        except SnippetError as exc:
            rel = exc.path.relative_to(self.root)
            where = f"{rel}:{exc.line}" if exc.line else str(rel)
            sid = exc.path.relative_to(self.pipeline.snippets_dir).with_suffix("").as_posix()
            raise PluginError(
                f"snippet {where} failed: {exc.summary}\n"
                f"  used by {', '.join(needed.get(sid, []))}\n"
                f"  run it alone to debug: {python_command(self.root)} {rel}\n\n{exc.details}"
            ) from None
        self._add_portable(files, config)
        self._add_notebooks(files, config)
        for res in self.results.values():
            for message in res.warnings:
                log.warning(f"{res.path.relative_to(self.root)}: {message}")
            for fig in res.figures.values():  # each figure file, and an animation's poster next to it
                for name in [fig["file"]] + ([fig["poster"]["file"]] if fig.get("poster") else []):
                    uri = f"{FIGURE_URI}/{name}"
                    if files.get_file_from_path(uri) is None:
                        files.append(File.generated(config, uri, abs_src_path=str(res.figure_dir / name)))
        return files

    def _add_portable(self, files: Files, config) -> None:
        """The package as a wheel and the frozen MNIST result, which notebooks install and fetch (:mod:`.portable`)."""
        try:
            built = portable.package_wheel()
        except wheel.WheelError as exc:
            raise PluginError(f"cannot make the package's wheel for the notebooks: {exc}") from None
        self.wheel_file = built[0] if built else None
        if built:
            files.append(File.generated(config, f"{portable.DIST_URI}/{built[0]}", content=built[1]))
        for path in portable.result_files(self.root):
            files.append(File.generated(config, f"{portable.RESULTS_URI}/{path.name}", abs_src_path=str(path)))
        self.install = portable.install_cell(config.site_url, config.repo_url, self.wheel_file)
        self.colab = lambda page: portable.colab_url(config.repo_url, self.config.colab_branch,
                                                     notebooks.notebook_uri(page).rsplit("/", 1)[1])
        if config.repo_url and not portable.colab_url(config.repo_url, "x", "x.ipynb"):
            log.info("no \"Open in Colab\" links: Colab opens notebooks from GitHub only; "
                     f"repo_url is {config.repo_url}")
        if config.repo_url and not config.site_url:
            log.warning("repo_url is set but site_url is not: a notebook opened from the repository (Colab) installs "
                        "the package with git but cannot fetch the trained MNIST model; set site_url in mkdocs.yml")

    def _add_notebooks(self, files: Files, config) -> None:
        """One notebook per page that shows code: the snippets it uses, in page order."""
        self.notebook_pages: set[str] = set()
        for file in files.documentation_pages():
            found = self.uses.get(file.src_uri, [])
            if not any(p.kind == "snippet" for p in found):
                continue
            # widget data is plumbing for the page's scripts, not code a reader runs
            order = list(dict.fromkeys(p.snippet_id for p in found if p.snippet_id and p.kind != "data"))
            title = next((line[2:].strip() for line in file.content_string.splitlines() if line.startswith("# ")),
                         file.src_uri)
            try:
                text = notebooks.build_notebook(
                    title, file.src_uri, [(sid, self.pipeline.snippet_path(sid)) for sid in order],
                    install=self.install)
            except notebooks.NotebookError as exc:
                raise PluginError(f"docs/{file.src_uri}: cannot make its notebook: {exc}") from None
            files.append(File.generated(config, notebooks.notebook_uri(file.src_uri), content=text))
            self.notebook_pages.add(file.src_uri)

    def _check_declarations(self) -> None:
        """Read the tests' ``checks`` declarations; warn (fail under --strict) for every snippet whose values
        or tables reach a page but that no test declares it checks."""
        tests = self.root / self.config.tests_dir
        self.declared: dict[str, list[checks.Declaration]] = {}
        self.guarded: dict[str, list[checks.Guard]] = {}
        if tests.is_dir():
            try:
                self.declared, self.guarded = checks.read(self.root, self.config.tests_dir,
                                                          cache=self.pipeline.cache_dir / "checks.json")
            except checks.DeclarationError as exc:
                raise PluginError(str(exc)) from None
        if not self.config.require_checks:
            return
        if not tests.is_dir():
            log.warning(f"no tests folder '{self.config.tests_dir}' next to mkdocs.yml, so no snippet is checked; "
                        "set 'tests_dir' or 'require_checks: false' in the cnn-glossary plugin's options")
            return
        numbers: dict[str, list[str]] = {}
        for where, found in sorted(self.uses.items()):
            for p in found:
                if p.kind in ("value", "table"):
                    numbers.setdefault(p.snippet_id, []).append(f"docs/{where}:{p.line}")
        for sid in sorted(set(numbers) - set(self.declared)):
            rel = self.pipeline.snippet_path(sid).relative_to(self.root).as_posix()
            log.warning(
                f"snippet {rel} puts numbers on a page ({', '.join(numbers[sid][:3])}) but no test declares that it "
                f"checks them: add @pytest.mark.checks(\"{sid}\") to the test under {self.config.tests_dir}/ that "
                "compares its results with an independent oracle"
            )

    def on_page_markdown(self, markdown: str, page, config, files):
        if not self.config.enabled:
            return markdown
        src = page.file.src_uri
        self._files = files
        allowed = [Path(config.docs_dir), self.pipeline.snippets_dir, self.root / "src"]
        if citations.unknown(markdown, self.references):  # a citation that resolves to nothing: page and line
            raise PluginError(citations.unknown_message(f"docs/{src}", citations.unknown(markdown, self.references),
                                                        self.references, f"docs/{self.config.references}"))
        for line, path in ph.includes(markdown):
            problem = ph.include_problem(self.root, path, allowed)
            if problem:
                raise PluginError(f"docs/{src}:{line}: {problem}")
        found = ph.find(markdown)
        missing = {p.snippet_id for p in found if p.snippet_id and p.snippet_id not in self.results}
        if missing:  # the page was edited after the build scanned it (mkdocs serve)
            try:
                self.results.update(self.pipeline.ensure(missing))
            except SnippetError as exc:
                raise PluginError(f"docs/{src}: snippet {exc}\n\n{exc.details}") from None
        shown = {p.snippet_id for p in found if p.snippet_id}
        if any(p.kind == "values_index" for p in found):  # it shows every page's values, so their warnings too
            shown |= {q.snippet_id for uses in self.uses.values() for q in uses if q.kind == "value"}
        warnings = sorted({w for sid in shown if sid in self.results for w in self.results[sid].warnings})
        out, pos = [], 0
        self._link_pending = src in getattr(self, "notebook_pages", set())
        for p in found:
            out.append(markdown[pos : p.start])
            rendered = self._render(p, page, markdown)
            if p.kind in ("table", "figure"):  # keep a block inside its admonition or list item
                line_start = markdown.rfind("\n", 0, p.start) + 1
                indent = markdown[line_start : p.start]
                if indent and not indent.strip():
                    rendered = rendered.replace("\n", "\n" + indent)
            out.append(rendered)
            pos = p.end
        out.append(markdown[pos:])
        try:  # citations become links, and the page ends with its References
            linked = citations.render("".join(out), self.references, f"docs/{src} (inserted by a placeholder)")
        except citations.CitationError as exc:
            raise PluginError(str(exc)) from None
        for g in checks.missing_guards(linked, getattr(self, "guarded", {}).get(src, [])):
            log.warning(f"{g.test_file}:{g.line} ({g.test}) guards the words \"{g.text}\" on docs/{src}, which the "
                        "page no longer says: change the sentence and its guarding test together")
        if self.glossary is not None:
            # each glossary term links to its page, once per page, if that page is part of the site;
            # every abbreviation in the glossary file gets its tooltip
            existing = {f.src_uri for f in files.documentation_pages()}
            linked = rendercache.memo(
                "terms", [linked, src, self._glossary_digest, sorted(existing)],
                lambda text=linked: glossary.link_terms(text, src, self.glossary, existing=existing),
                code=(glossary,))
            linked = linked.rstrip("\n") + "\n\n" + glossary.abbreviation_lines(self.glossary) + "\n"
        return ph.insert_after_title(linked, ph.render_warnings(warnings))

    def _render(self, p: ph.Placeholder, page, markdown: str = "") -> str:
        src = page.file.src_uri
        where = f"docs/{src}:{p.line}"
        if p.kind == "values_index":
            return self._values_index(src)
        if p.kind == "glossary_index":
            return self._glossary_index(page, where)
        if p.kind == "statement":
            try:
                return glossary.statement(self.glossary, p.name)
            except glossary.GlossaryError as exc:
                raise PluginError(f"{where}: {exc}") from None
        res = self.results[p.snippet_id]
        rel = res.path.relative_to(self.root).as_posix()
        if p.kind == "snippet":
            line_start = markdown.rfind("\n", 0, p.start) + 1
            before = markdown[line_start : p.start]
            indent = before if not before.strip() else ""
            block = ph.render_snippet(rel, p.name, indent)
            if getattr(self, "_link_pending", False):  # the notebook button follows the page's first code block
                self._link_pending = False
                colab = self.colab(src)
                block += f"\n\n{indent}{notebooks.download_link(src)}" + \
                    (f" {portable.colab_link(colab)}" if colab else "") + "\n"
            return block
        pool = {"value": res.values, "data": res.values, "table": res.tables, "figure": res.figures}[p.kind]
        if p.name not in pool:
            have = ", ".join(sorted(pool)) or "none"
            raise PluginError(
                f"{where}: {p.text} names a {p.kind} that {rel} never publishes ({p.kind}s it publishes: {have})"
            )
        if p.kind == "value":
            try:
                return ph.render_value(pool[p.name], p.fmt)
            except (ValueError, TypeError) as exc:
                raise PluginError(f"{where}: {p.text}: cannot format: {exc}") from None
        if p.kind == "data":
            element_id = "cg-data-" + p.snippet_id.replace("/", "-") + "-" + p.name
            try:
                return ph.render_data(pool[p.name], element_id)
            except ValueError as exc:
                raise PluginError(f"{where}: {p.text}: {exc}") from None
        if p.kind == "table":
            return ph.render_table(pool[p.name])
        uri = f"{FIGURE_URI}/{pool[p.name]['file']}"
        return ph.render_figure(pool[p.name], get_relative_url(uri, page.url))

    def _glossary_index(self, page, where: str) -> str:
        if self.glossary is None:
            raise PluginError(f"{where}: {{{{ glossary_index }}}} needs the glossary file {self.glossary_path}")
        existing = {f.src_uri for f in self._files.documentation_pages()} if hasattr(self, "_files") else None
        text, unresolved = glossary.render_index(self.glossary, page.file.src_uri, existing)
        for term in unresolved:
            log.warning(f"{self.glossary_path}: the term {term!r} has neither its page nor its fallback in the "
                        "site; add the page, or a 'fallback' page that exists")
        return text

    def _values_index(self, src: str) -> str:
        """Every value embedded on the site: page, value, as shown, the snippet, the tests that run it."""
        declared = getattr(self, "declared", {})

        def checked_by(sid: str) -> str:
            tests: dict[str, list[str]] = {}
            for d in declared.get(sid, []):
                tests.setdefault(d.test_file, []).append(d.test)
            return "<br>".join(f"`{f}`: {', '.join(f'`{t}`' for t in names)}" for f, names in tests.items()) \
                or "**none declared**"

        out = []
        for page in sorted(self.uses):
            seen, rows, last_sid = set(), [], None
            for p in sorted((p for p in self.uses[page] if p.kind == "value"), key=lambda p: (p.snippet_id, p.line)):
                if (p.snippet_id, p.name, p.fmt) in seen:
                    continue
                seen.add((p.snippet_id, p.name, p.fmt))
                res = self.results[p.snippet_id]
                shown = ph.render_value(res.values[p.name], p.fmt) if p.name in res.values else "?"
                first = p.snippet_id != last_sid
                last_sid = p.snippet_id
                snippet = f"`{res.path.relative_to(self.root).as_posix()}`" if first else ""
                tested = checked_by(p.snippet_id) if first else ""
                rows.append(f"| {snippet} | {tested} | `{p.name}` | {shown.replace('|', chr(92) + '|')} |")
            claims = [f"| \u201c{g.text.replace('|', chr(92) + '|')}\u201d | `{g.test_file}`: `{g.test}` |"
                      for g in getattr(self, "guarded", {}).get(page, [])]
            if rows or claims:
                link = posixpath.relpath(page, posixpath.dirname(src) or ".")
                out += [f"## [{page}]({link})", ""]
            if rows:  # kept out of the search index: a thousand value names would drown every search
                out += ['<div class="cg-values" data-search-exclude="values" markdown>', "",
                        "| Snippet | Checked by | Value | Shown as |", "| :-- | :-- | :-- | --: |", *rows, "",
                        "</div>", ""]
            if claims:
                out += ["Sentences about results on this page and the tests that guard them (the build checks that "
                        "the words are still on the page; the test, when the tests run, checks what they state):", "",
                        "| Claim | Guarded by |", "| :-- | :-- |", *claims, ""]
        return "\n".join(out)

    def on_post_build(self, config):
        if self.config.enabled:
            done = rendercache.finish()
            if done is not None:
                log.info(f"render cache: {done.hits} of {done.hits + done.misses} entries reused (page conversions, "
                         "code blocks, glossary links, search sections)")

    def on_build_error(self, error):
        rendercache.abandon()

    def on_post_page(self, output: str, page, config):
        """Notebook pages: replace the random cell ids nbformat gives each conversion by numbers.

        mkdocs-jupyter converts the training script with jupytext, which gives every cell a
        random id (a fresh uuid on each build), and nbconvert writes it into the page as
        ``id="cell-id=..."``. Numbering the cells in page order makes two clean builds identical.
        """
        if not self.config.enabled or not page.file.src_uri.endswith((".py", ".ipynb")):
            return output
        return _number_cell_ids(output)

    def on_page_content(self, html: str, page, config, files):
        if not self.config.enabled:
            return html
        return rendercache.memo("content", html, lambda: exclude_code_from_search(mathml.render(html)),
                                code=(mathml, sys.modules[__name__]))

    def on_serve(self, server, config, builder):
        if self.config.enabled:
            server.watch(str(self.pipeline.snippets_dir))
            server.watch(str(Path(__file__).resolve().parents[1]))  # the whole package
        return server
