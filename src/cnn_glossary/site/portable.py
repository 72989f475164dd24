"""What lets a page's code run away from the project: the files the site publishes for it, the notebook's
install cell, and the "Open in Colab" link.

- The build writes the package as a wheel into the site (``assets/dist/``, :mod:`.wheel`) and copies
  the frozen MNIST result there (``assets/mnist/``, read back by :mod:`cnn_glossary.mnist.published`).
- Each notebook starts with one install cell. It installs the site's wheel (from ``site_url`` in
  ``mkdocs.yml``, or ``$CNN_GLOSSARY_SITE``: the site's address or its folder on disk), or the
  repository with pip's git support when only ``repo_url`` is known, adds TensorFlow only where
  none is installed (Colab has its own), and points the frozen-result fetch at the same site. In a
  checkout, where the package is installed already, it installs nothing.
- With a GitHub ``repo_url``, each page with a notebook links to it in Colab, which opens notebooks
  from GitHub only: the Pages workflow pushes the built notebooks to the branch ``colab_branch``
  (``notebooks`` by default), at the same file names as under ``notebooks/`` in the site.
"""

from __future__ import annotations

import re
from pathlib import Path

from cnn_glossary.site import wheel

DIST_URI = "assets/dist"
RESULTS_URI = "assets/mnist"  # cnn_glossary.mnist.published.SITE_FOLDER reads it back
COLAB = "https://colab.research.google.com/github"
GITHUB_REPO = re.compile(r"^https?://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?$")
PACKAGE_ROOT = Path(__file__).resolve().parents[3]  # the checkout the package runs from, if it does


def package_wheel() -> tuple[str, bytes] | None:
    """The wheel of the package this build runs, or ``None`` when it is installed rather than checked out."""
    if not (PACKAGE_ROOT / "pyproject.toml").is_file():
        return None
    return wheel.build(PACKAGE_ROOT)


def result_files(root: Path) -> list[Path]:
    """The frozen MNIST result of the project at ``root`` (its ``result.json`` and model), if it has one."""
    folder = root / "results" / "mnist"
    if not (folder / "result.json").is_file():
        return []
    import json

    model = json.loads((folder / "result.json").read_text()).get("model_file", "")
    return [folder / "result.json"] + ([folder / model] if model and (folder / model).is_file() else [])


def install_cell(site_url: str | None, repo_url: str | None, wheel_file: str | None) -> str:
    """The notebook's first code cell (see the module docstring)."""
    site = (site_url or "").strip()
    repo = (repo_url or "").strip()
    return "\n".join([
        "# Run this cell first. It installs the code this page runs: the package cnn-glossary as built with",
        "# the site (and TensorFlow, unless the environment has it already, as Colab does). In a checkout of",
        "# the project, where the package is installed already, it installs nothing.",
        "import importlib, importlib.util, os, pathlib",
        "",
        f'SITE = os.environ.get("CNN_GLOSSARY_SITE") or {site!r}  # the site\'s address, or its folder on disk',
        f"REPOSITORY = {repo!r}  # used when SITE is empty",
        f"WHEEL = {(DIST_URI + '/' + wheel_file) if wheel_file else ''!r}  # the package, inside the site",
        "if SITE:",
        '    os.environ["CNN_GLOSSARY_SITE"] = SITE  # the trained MNIST model is fetched from there, sha256-checked',
        'if importlib.util.find_spec("cnn_glossary") is None:',
        '    extra = "" if importlib.util.find_spec("tensorflow") else "[tensorflow]"',
        "    if SITE and WHEEL:",
        '        base = SITE if "://" in SITE else pathlib.Path(SITE).expanduser().resolve().as_uri()',
        '        package = base.rstrip("/") + "/" + WHEEL',
        "    elif REPOSITORY:",
        '        package = "git+" + REPOSITORY',
        "    else:",
        '        raise RuntimeError("This notebook comes from a copy of the site built without a site_url, so it '
        'cannot tell where the package is: set SITE above to the site\'s address, or to the folder of the built '
        'site (the one with index.html), and run this cell again.")',
        '    %pip install --quiet "cnn-glossary{extra} @ {package}"',
        "    importlib.invalidate_caches()",
        "import cnn_glossary",
        'print("cnn_glossary from", cnn_glossary.__path__[0])',
    ])


def colab_url(repo_url: str | None, branch: str, notebook_file: str) -> str | None:
    """Where Colab opens ``notebook_file`` from the repository's ``branch``; ``None`` unless ``repo_url``
    is a GitHub repository (the only kind Colab opens)."""
    m = GITHUB_REPO.match((repo_url or "").strip())
    if not m:
        return None
    return f"{COLAB}/{m['owner']}/{m['repo']}/blob/{branch}/{notebook_file}"


def colab_link(url: str) -> str:
    return f"[Open this page's code in Colab]({url}){{ .md-button }}"
