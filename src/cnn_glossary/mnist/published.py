"""The frozen MNIST result, fetched from the published site when the package runs outside a checkout.

A checkout has ``results/mnist/``. A reader who installed the package (a page's notebook, Colab)
has not: the site publishes the same two files under ``assets/mnist/`` (``result.json`` and the
model it names), and :func:`results_folder` fetches them from the site named by
``$CNN_GLOSSARY_SITE`` (its address, or the folder of a built site on disk; a page's notebook sets
it in its first cell) into ``<data home>/results/mnist/<first 12 hex of result.json's sha256>/``.

The model is checked against the ``model_sha256`` that ``result.json`` records before it is kept;
a mismatch is an error and nothing is kept. The files are written to temporary names and renamed
into place, so an interrupted fetch leaves no half-written model.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SITE_ENV = "CNN_GLOSSARY_SITE"
SITE_FOLDER = "assets/mnist"  # where the build publishes results/mnist/ inside the site
MODEL_NAME = re.compile(r"^model-[0-9a-f]{12}\.keras$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
TIMEOUT = 60.0  # seconds per request


class ResultUnavailable(FileNotFoundError):
    """The frozen result could not be found, fetched or verified."""


def base_url(site: str) -> str:
    """The address of the site's ``assets/mnist/`` folder; ``site`` is a URL or a local folder."""
    site = site.strip()
    if "://" not in site:  # a folder on disk (the built site, opened from disk)
        site = Path(site).expanduser().resolve().as_uri()
    return site.rstrip("/") + "/" + SITE_FOLDER + "/"


def cache_root() -> Path:
    from cnn_glossary.mnist.data import data_home

    return data_home().parent / "results" / "mnist"


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ResultUnavailable(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.lru_cache(maxsize=None)
def _fetch(base: str, cache: Path) -> Path:
    started = time.monotonic()
    raw = _get(base + "result.json")
    try:
        data = json.loads(raw)
        name, sha = data["model_file"], data["model_sha256"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultUnavailable(f"{base}result.json is not a frozen training result ({exc})") from None
    if not (isinstance(name, str) and MODEL_NAME.match(name) and isinstance(sha, str) and SHA256.match(sha)):
        raise ResultUnavailable(f"{base}result.json names the model {name!r} with sha256 {sha!r}; expected "
                                "model-<12 hex>.keras and 64 hex digits")
    folder = cache / hashlib.sha256(raw).hexdigest()[:12]
    model = folder / name
    if model.is_file() and hashlib.sha256(model.read_bytes()).hexdigest() == sha \
            and (folder / "result.json").is_file() and (folder / "result.json").read_bytes() == raw:
        return folder
    blob = _get(base + name)
    got = hashlib.sha256(blob).hexdigest()
    if got != sha:
        raise ResultUnavailable(f"{base}{name}: its sha256 is {got}, but result.json records {sha}; "
                                "nothing was kept (the site's copy is damaged or not the one result.json names)")
    _write(model, blob)
    _write(folder / "result.json", raw)  # last: a folder with result.json is complete
    print(f"fetched the trained MNIST model {name} ({len(blob) / 1e3:.0f} kB, sha256 checked) from {base} "
          f"in {time.monotonic() - started:.1f} s into {folder}", file=sys.stderr, flush=True)
    return folder


def results_folder(site: str | None = None, cache: Path | None = None) -> Path:
    """A local folder holding the published ``result.json`` and its verified model (fetched once)."""
    site = site if site is not None else os.environ.get(SITE_ENV, "")
    if not site.strip():
        raise ResultUnavailable(
            "the package is installed, not run from a checkout, so there is no results/mnist/ folder, and "
            f"${SITE_ENV} is not set: set it to the published site's address or the built site's folder "
            f"(os.environ['{SITE_ENV}'] = '...'; a page's notebook does it in its first cell), or run from a "
            "checkout of the project"
        )
    return _fetch(base_url(site), (cache or cache_root()).resolve())
