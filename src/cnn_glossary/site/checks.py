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
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


class DeclarationError(ValueError):
    """A ``checks`` marker whose arguments cannot be read statically."""


@dataclass(frozen=True)
class Declaration:
    snippet_id: str
    test_file: str  # relative to the project root, posix
    test: str  # the test function or class (or "pytestmark" for a module-level mark)
    line: int


def _is_checks_mark(node: ast.AST) -> bool:
    """``pytest.mark.checks(...)`` (or ``mark.checks(...)`` after ``from pytest import mark``)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr != "checks":
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
    tree = ast.parse(source, filename=test_file)
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
    base = root / tests_dir
    for path in sorted(base.rglob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        try:
            found = declarations_in(path.read_text(encoding="utf-8"), rel)
        except SyntaxError as exc:
            raise DeclarationError(f"{rel}:{exc.lineno}: cannot parse the test file: {exc.msg}") from None
        for d in found:
            out.setdefault(d.snippet_id, []).append(d)
    return out
