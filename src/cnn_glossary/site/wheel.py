"""The package as a wheel, written by the site build so that a page's notebook can install it.

The build publishes ``assets/dist/cnn_glossary-<version>-py3-none-any.whl`` next to the pages; a
notebook's first cell installs it with pip. The wheel is written here, from ``pyproject.toml`` and
``src/``, with the standard library alone: no build backend to fetch during a site build, and the
same bytes on every build (files in sorted order, a fixed timestamp and mode). It holds what
``pip install .`` (setuptools, configured in ``pyproject.toml``) installs: every package under
``src/`` that has an ``__init__.py`` and its ``.py`` modules, the metadata, and the entry points.
``tests/test_portable.py`` compares the two.

A file that setuptools would leave out of the wheel but that the code may need (a module folder
without ``__init__.py``, a data file inside a package) is an error here, naming the file, so the
gap is found before a reader's notebook fails with ``ModuleNotFoundError``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tomllib
import zipfile
from pathlib import Path

TAG = "py3-none-any"
TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: the bytes do not depend on the clock
SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


class WheelError(ValueError):
    """The package cannot be put into a wheel that installs everything it needs."""


def _project(root: Path) -> dict:
    data = tomllib.loads((root / "pyproject.toml").read_text())
    project = data["project"]
    find = data.get("tool", {}).get("setuptools", {}).get("packages", {}).get("find", {})
    return {"project": project, "where": find.get("where", ["."])}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _requirement(text: str, extra: str | None) -> str:
    """``text`` as a Requires-Dist line, with ``extra == "..."`` joined to its own marker."""
    from packaging.requirements import Requirement  # normalised as setuptools writes it

    req = Requirement(text)
    marker = str(req.marker) if req.marker else ""
    req.marker = None
    if extra is not None:
        marker = f'({marker}) and extra == "{extra}"' if marker else f'extra == "{extra}"'
    return f"{req}; {marker}" if marker else str(req)


def metadata(root: Path) -> str:
    """The core metadata (``METADATA``) of the project at ``root``."""
    project = _project(root)["project"]
    lines = [
        "Metadata-Version: 2.4",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
    ]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    if isinstance(project.get("license"), str):
        lines.append(f"License-Expression: {project['license']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    readme = project.get("readme")
    body = ""
    if isinstance(readme, str) and (root / readme).is_file():
        lines.append("Description-Content-Type: text/markdown" if readme.endswith(".md") else
                     "Description-Content-Type: text/plain")
        body = (root / readme).read_text()
    for req in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {_requirement(req, None)}")
    for extra, reqs in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for req in reqs:
            lines.append(f"Requires-Dist: {_requirement(req, extra)}")
    return "\n".join(lines) + "\n\n" + body


def entry_points(root: Path) -> str:
    project = _project(root)["project"]
    groups = {}
    if project.get("scripts"):
        groups["console_scripts"] = project["scripts"]
    groups.update(project.get("entry-points", {}))
    blocks = ["\n".join([f"[{group}]", *(f"{name} = {target}" for name, target in entries.items())])
              for group, entries in groups.items()]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def package_files(root: Path) -> dict[str, Path]:
    """Wheel path -> source file, for every module of every package under the ``where`` folders."""
    files: dict[str, Path] = {}
    for where in _project(root)["where"]:
        base = root / where
        for init in sorted(base.rglob("__init__.py")):
            if SKIP_DIRS & set(init.relative_to(base).parts):
                continue
            package = init.parent
            parents = package.relative_to(base).parents
            if any(not (base / p / "__init__.py").is_file() for p in list(parents)[:-1]):
                continue  # under a folder that is not a package: setuptools leaves it out too
            for path in sorted(package.iterdir()):
                rel = path.relative_to(base).as_posix()
                if path.is_dir():
                    if path.name in SKIP_DIRS or (path / "__init__.py").is_file():
                        continue
                    if any(path.rglob("*.py")):
                        raise WheelError(f"{path.relative_to(root)}/ holds Python files but no __init__.py, so "
                                         "pip install leaves it out: add an empty __init__.py")
                    if any(p.is_file() for p in path.rglob("*")):
                        raise WheelError(f"{path.relative_to(root)}/ holds data files, which pip install leaves out: "
                                         "declare them in pyproject.toml [tool.setuptools.package-data] and here")
                    continue
                if path.suffix in SKIP_SUFFIXES:
                    continue
                if path.suffix != ".py":
                    raise WheelError(f"{path.relative_to(root)} is not a module, so pip install leaves it out: "
                                     "declare it in pyproject.toml [tool.setuptools.package-data] and here")
                files[rel] = path
    if not files:
        raise WheelError(f"no package found under {', '.join(_project(root)['where'])} in {root}")
    return files


def wheel_name(root: Path) -> str:
    project = _project(root)["project"]
    return f"{_normalise(project['name'])}-{project['version']}-{TAG}.whl"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build(root: Path) -> tuple[str, bytes]:
    """``(file name, bytes)`` of the wheel of the project at ``root``."""
    project = _project(root)["project"]
    dist_info = f"{_normalise(project['name'])}-{project['version']}.dist-info"
    contents: list[tuple[str, bytes]] = [(rel, path.read_bytes()) for rel, path in sorted(package_files(root).items())]
    top = sorted({rel.split("/", 1)[0] for rel, _ in contents})
    contents += [
        (f"{dist_info}/METADATA", metadata(root).encode()),
        (f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: cnn_glossary.site.wheel\nRoot-Is-Purelib: true\n"
                               f"Tag: {TAG}\n\n".encode()),
        (f"{dist_info}/entry_points.txt", entry_points(root).encode()),
        (f"{dist_info}/top_level.txt", ("\n".join(top) + "\n").encode()),
    ]
    record = "\n".join([*(_record_line(p, d) for p, d in contents), f"{dist_info}/RECORD,,"]) + "\n"
    contents.append((f"{dist_info}/RECORD", record.encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in contents:
            info = zipfile.ZipInfo(path, date_time=TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return wheel_name(root), buffer.getvalue()
