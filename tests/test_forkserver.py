"""The snippet fork server (``site/forkserver.py``): each snippet a fresh child of one server that imported the
heavy libraries once.

Oracles: ``sys.modules`` and process ids seen from inside the snippets, a snippet run as a fresh process
(``fork_server=False``), SciPy for the convolution, and ``/proc`` for which processes are alive. The timeout,
Ctrl-C and killed-build cases run through the fork server in ``test_hardening.py`` and ``test_pipeline*.py``
(it is the pipeline's default).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn_glossary.site.pipeline import Pipeline, SnippetError

from .conftest import alive

# ``wave`` is a module neither the runner nor the package imports: present in a snippet only if preloaded
PROBE = """\
import os, sys
from cnn_glossary import publish
publish.value("preloaded", "wave" in sys.modules)
publish.value("package_module_held", "cnn_glossary.conv" in sys.modules)
publish.value("pid", os.getpid())
publish.value("parent", os.getppid())
publish.value("session_leader", os.getsid(0) == os.getpid())
import wave
publish.value("left_by_the_other", getattr(wave, "LEFT_BY_A_SNIPPET", False))
wave.LEFT_BY_A_SNIPPET = True
"""


def write(root: Path, sid: str, text: str) -> Path:
    path = root / "snippets" / f"{sid}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def values(result) -> dict:
    return {k: v["value"] for k, v in result.values.items()}


def test_every_snippet_is_a_fresh_child_of_one_server_that_preloaded(tmp_path):
    write(tmp_path, "a", PROBE)
    write(tmp_path, "b", PROBE)
    pipe = Pipeline(tmp_path, log=lambda m: None, preload=["wave", "cnn_glossary.conv"])
    got = {sid: values(r) for sid, r in pipe.ensure(["a", "b"]).items()}
    a, b = got["a"], got["b"]
    assert a["preloaded"] and b["preloaded"]  # imported once, by the server
    assert not a["package_module_held"] and not b["package_module_held"]  # the package is read afresh
    assert not a["left_by_the_other"] and not b["left_by_the_other"]  # nothing one snippet did reaches the next
    assert a["pid"] != b["pid"] and a["parent"] == b["parent"] != os.getpid()  # siblings, children of the server
    assert a["session_leader"] and b["session_leader"]  # each leads its own group: killpg stops all it started
    assert pipe._server is None  # ensure stops the server when it is done


def test_without_the_fork_server_each_snippet_is_a_fresh_python(tmp_path):
    write(tmp_path, "a", PROBE)
    pipe = Pipeline(tmp_path, log=lambda m: None, fork_server=False, preload=["wave"])
    a = values(pipe.run("a"))
    assert not a["preloaded"] and a["parent"] == os.getpid() and a["session_leader"]
    assert pipe._server is None


def test_a_preload_module_that_cannot_be_imported_fails_naming_it(tmp_path):
    write(tmp_path, "a", PROBE)
    lines: list[str] = []
    pipe = Pipeline(tmp_path, log=lines.append, preload=["no_such_module_for_this_test"])
    with pytest.raises(SnippetError) as info:
        pipe.ensure(["a"])
    message = str(info.value)
    assert "fork server did not start" in message and "No module named 'no_such_module_for_this_test'" in message
    assert "'preload' option" in message
    assert not list(pipe.cache_dir.glob(".report.*"))


def test_a_snippet_whose_server_dies_stops_itself_and_fails(tmp_path):
    pid_file = tmp_path / "pid"
    write(tmp_path, "slow", "import os, time\nfrom pathlib import Path\n"
                            f"Path({str(pid_file)!r}).write_text(str(os.getpid()))\ntime.sleep(120)\n")
    pipe = Pipeline(tmp_path, log=lambda m: None, timeout=120)

    def kill_the_server():
        end = time.time() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.time() < end:
            time.sleep(0.05)
        os.kill(pipe._server.proc.pid, signal.SIGKILL)

    thread = threading.Thread(target=kill_the_server)
    thread.start()
    with pytest.raises(SnippetError) as info:
        pipe.run("slow")
    thread.join()
    assert "exited with status -9" in info.value.summary
    child = int(pid_file.read_text())
    end = time.time() + 15
    while alive(child) and time.time() < end:
        time.sleep(0.1)
    assert not alive(child), "the snippet outlived its fork server"
    assert not list(pipe.cache_dir.glob(".report.*"))
    pipe.close()


TF_SNIPPET = """\
import numpy as np
import keras
import tensorflow as tf
from cnn_glossary import publish

x = np.arange(36, dtype="float32").reshape(6, 6) % 7
k = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype="float32")
conv = tf.nn.conv2d(x[None, :, :, None], k[:, :, None, None], strides=1, padding="VALID")
publish.value("x", x.tolist())
publish.value("k", k.tolist())
publish.value("conv", conv.numpy()[0, :, :, 0].tolist())
keras.utils.set_random_seed(3)
model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                          keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
rng = np.random.default_rng(0)
data, target = rng.normal(size=(32, 4, 4, 1)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
history = model.fit(data, target, epochs=3, batch_size=8, verbose=0)
publish.value("loss", [float(v) for v in history.history["loss"]])
publish.value("weights", [w.tolist() for w in model.get_weights()])
"""


@pytest.mark.slow  # imports TensorFlow twice (the server, then a fresh process)
def test_a_forked_child_runs_tensorflow_as_a_fresh_process_does(tmp_path):
    """TensorFlow is imported by the server but runs no operation there, so a forked child can run a convolution and
    train a model; it gets the very numbers a fresh process gets."""
    write(tmp_path, "tf", TF_SNIPPET)
    forked = values(Pipeline(tmp_path, log=lambda m: None, preload=["numpy", "tensorflow", "keras"]).run("tf"))
    fresh = values(Pipeline(tmp_path, log=lambda m: None, fork_server=False).run("tf"))
    x, k = np.array(forked["x"]), np.array(forked["k"])
    assert np.array_equal(np.array(forked["conv"]), correlate2d(x, k, mode="valid"))
    assert json.dumps(forked["loss"]) == json.dumps(fresh["loss"])  # bit for bit
    assert json.dumps(forked["weights"]) == json.dumps(fresh["weights"])
    assert forked["loss"][-1] < forked["loss"][0]  # it did train


def test_a_site_build_names_the_fork_server_and_its_preload(site):
    site.snippet("a", PROBE)
    site.snippet("b", PROBE)
    config = site.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("require_checks: false",
                                                 "require_checks: false\n      preload: [wave]"))
    site.page("{{ value a:preloaded }} and {{ value b:preloaded }}\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    assert "fork server ready in" in build.log and "(imported wave once for every snippet)" in build.log
    assert "True and True" in site.html()
