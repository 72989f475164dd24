"""Which tests check which snippets, read from the tests' own declarations.

A test declares the snippets whose results it checks against an independent oracle with the
pytest marker registered in ``pyproject.toml``::

    @pytest.mark.checks("convolution/output_size")
    def test_snippet_table_matches_keras(): ...

The marker may also sit on a class, on a fixture-using test of a parametrised set, or in a
module's ``pytestmark`` (a single mark or a list of marks). The declarations are read statically,
with :mod:`ast`, so the site build knows them without importing or running any test. Every
argument must be a string literal naming a snippet id (``folder/name``, the snippet's path under
``snippets/`` without ``.py``); anything else is an error that names the file and line.

A test that guards a sentence about a computed result (a comparison, "most", "never", a ranking)
declares it with a second marker, naming the page and a literal piece of the sentence as the
page shows it (after its placeholders are filled in)::

    @pytest.mark.guards("mnist.md", "Training accuracy is above validation accuracy")
    def test_training_versus_validation_sentence(): ...

The build fails when a guarded piece is no longer on its page (the sentence changed, so its
guard must change with it), and the values page lists every guarded claim with its test.

The site build reads both with :func:`read`, which parses each test file once and remembers what it found
by the file's SHA-256 in a small cache file, so an unchanged test file is not parsed again.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path


class DeclarationError(ValueError):
    """A ``checks`` marker whose arguments cannot be read statically."""


@dataclass(frozen=True)
class Declaration:
    snippet_id: str
    test_file: str  # relative to the project root, posix
    test: str  # the test function or class (or "pytestmark" for a module-level mark)
    line: int


@dataclass(frozen=True)
class Guard:
    page: str  # under docs/, posix
    text: str  # a literal piece of the guarded sentence, as the page shows it
    test_file: str
    test: str
    line: int


def _is_checks_mark(node: ast.AST, name: str = "checks") -> bool:
    """``pytest.mark.checks(...)`` (or ``mark.checks(...)`` after ``from pytest import mark``)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr != name:
        return False
    owner = node.func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark"
    )


def _ids(call: ast.Call, where: str) -> list[str]:
    if call.keywords or not call.args:
        raise DeclarationError(f"{where}: @pytest.mark.checks takes one or more snippet ids as plain strings, "
                               'e.g. @pytest.mark.checks("convolution/output_size")')
    out = []
    for arg in call.args:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise DeclarationError(f"{where}: @pytest.mark.checks arguments must be string literals "
                                   f"(the site build reads them without running the test), got {ast.unparse(arg)}")
        sid = arg.value.strip().removesuffix(".py")
        if not sid or sid.startswith(("/", "snippets/")) or "\\" in sid:
            raise DeclarationError(f"{where}: {arg.value!r} is not a snippet id; write the path under "
                                   "snippets/ without '.py', e.g. 'convolution/output_size'")
        out.append(sid)
    return out


def declarations_in(source: str, test_file: str) -> list[Declaration]:
    """Every ``checks`` declaration in one test module's source."""
    return _declarations_in_tree(ast.parse(source, filename=test_file), test_file)


def _declarations_in_tree(tree: ast.AST, test_file: str) -> list[Declaration]:
    found: list[Declaration] = []

    def marks(expr: ast.AST):
        items = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
        return [item for item in items if _is_checks_mark(item)]

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for deco in node.decorator_list:
                if _is_checks_mark(deco):
                    where = f"{test_file}:{deco.lineno}"
                    found += [Declaration(s, test_file, node.name, deco.lineno) for s in _ids(deco, where)]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            for call in marks(node.value):
                where = f"{test_file}:{call.lineno}"
                found += [Declaration(s, test_file, "pytestmark", call.lineno) for s in _ids(call, where)]
    return found


def declarations(root: Path, tests_dir: str = "tests") -> dict[str, list[Declaration]]:
    """Snippet id -> the tests that declare they check it, for every ``test_*.py`` under ``tests_dir``."""
    out: dict[str, list[Declaration]] = {}
    for d in _scan(root, tests_dir, declarations_in):
        out.setdefault(d.snippet_id, []).append(d)
    return out


def _scan(root: Path, tests_dir: str, read) -> list:
    """``read(source, rel_path)`` over every ``test_*.py`` under ``tests_dir``, concatenated; a file that does
    not parse is a :class:`DeclarationError` naming it."""
    found = []
    for path in sorted((root / tests_dir).rglob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        try:
            found += read(path.read_text(encoding="utf-8"), rel)
        except SyntaxError as exc:
            raise DeclarationError(f"{rel}:{exc.lineno}: cannot parse the test file: {exc.msg}") from None
    return found


def _guard(call: ast.Call, test_file: str, test: str) -> Guard:
    where = f"{test_file}:{call.lineno}"
    args = call.args
    if call.keywords or len(args) != 2 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                                  for a in args):
        raise DeclarationError(f"{where}: @pytest.mark.guards takes two string literals: the page under docs/ "
                               'and a piece of the guarded sentence, e.g. @pytest.mark.guards("mnist.md", "above")')
    page, text = args[0].value.strip().removeprefix("docs/"), " ".join(args[1].value.split())
    if not page.endswith(".md") or len(text) < 12:
        raise DeclarationError(f"{where}: @pytest.mark.guards needs a page ending in .md and at least 12 characters "
                               f"of the sentence, got {page!r}, {text!r}")
    return Guard(page, text, test_file, test, call.lineno)


def guards_in(source: str, test_file: str) -> list[Guard]:
    """Every ``guards`` declaration in one test module's source."""
    return _guards_in_tree(ast.parse(source, filename=test_file), test_file)


def _guards_in_tree(tree: ast.AST, test_file: str) -> list[Guard]:
    found: list[Guard] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found += [_guard(d, test_file, node.name) for d in node.decorator_list if _is_checks_mark(d, "guards")]
    return found


def guards(root: Path, tests_dir: str = "tests") -> dict[str, list[Guard]]:
    """Page -> the guarded claims on it, for every ``test_*.py`` under ``tests_dir``."""
    out: dict[str, list[Guard]] = {}
    for g in _scan(root, tests_dir, guards_in):
        out.setdefault(g.page, []).append(g)
    return out


def missing_guards(rendered_markdown: str, page_guards: list[Guard]) -> list[Guard]:
    """The guards whose text the rendered page no longer contains (whitespace and emphasis ignored)."""
    flat = " ".join(rendered_markdown.replace("*", "").replace("`", "").split())
    return [g for g in page_guards if " ".join(g.text.replace("*", "").replace("`", "").split()) not in flat]


CACHE_VERSION = 1


def read(root: Path, tests_dir: str = "tests", cache: Path | None = None
         ) -> tuple[dict[str, list[Declaration]], dict[str, list[Guard]]]:
    """:func:`declarations` and :func:`guards` together, each test file parsed once.

    With ``cache`` (a JSON file), what a file declares is remembered under the SHA-256 of its bytes and read
    from there while the file is unchanged; a cache that is missing, unreadable or of another shape is
    ignored and rewritten, and one that cannot be written is only a lost speed-up. A file that does not
    parse, or a declaration that cannot be read, raises :class:`DeclarationError` as before.
    """
    known: dict = {}
    if cache is not None:
        try:
            data = json.loads(cache.read_text())
            if isinstance(data, dict) and data.get("version") == CACHE_VERSION and isinstance(data.get("files"), dict):
                known = data["files"]
        except (OSError, ValueError):
            pass
    files: dict[str, dict] = {}
    declared: dict[str, list[Declaration]] = {}
    guarded: dict[str, list[Guard]] = {}
    for path in sorted((root / tests_dir).rglob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        entry = known.get(rel)
        try:
            if not (isinstance(entry, dict) and entry.get("sha256") == digest):
                raise KeyError(rel)
            decls = [Declaration(**d) for d in entry["declarations"]]
            grds = [Guard(**g) for g in entry["guards"]]
        except (KeyError, TypeError):
            try:
                tree = ast.parse(data.decode("utf-8"), filename=rel)
            except SyntaxError as exc:
                raise DeclarationError(f"{rel}:{exc.lineno}: cannot parse the test file: {exc.msg}") from None
            decls, grds = _declarations_in_tree(tree, rel), _guards_in_tree(tree, rel)
        files[rel] = {"sha256": digest, "declarations": [asdict(d) for d in decls],
                      "guards": [asdict(g) for g in grds]}
        for d in decls:
            declared.setdefault(d.snippet_id, []).append(d)
        for g in grds:
            guarded.setdefault(g.page, []).append(g)
    if cache is not None and files != known:
        _write(cache, json.dumps({"version": CACHE_VERSION, "files": files}, indent=0, sort_keys=True))
    return declared, guarded


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (best effort: the cache only saves time)."""
    from cnn_glossary.site.pipeline import _atomic_write

    try:
        _atomic_write(path, text)
    except OSError:
        pass
