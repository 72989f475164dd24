"""Hardening probes (issue 11): typos in placeholders, cache faults, orphans, messages.

Each test reproduces a failure the old code had; see the issue for the probes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnn_glossary.site import pipeline
from cnn_glossary.site import placeholders as ph
from cnn_glossary.site.pipeline import Pipeline, SnippetError

from .conftest import MKDOCS_ENV, alive as _alive

# -- item 3: every "{{" outside code parses or fails, naming the line --------------------------


@pytest.mark.parametrize(
    "text, line",
    [
        ("# T\n\nWe have {{ value epochs/steps:n_all } steps.\n\nLater {{ value a/b:c }} is fine.\n", 3),
        ("# T\n\nok {{ value a/b:c }}\n\nand at the end {{ value a/b:d\n", 5),
        ("# T\n\n{{ value a/b:c\n}}\n", 3),
        ("# T\n\n{{{ value a/b:c }}}\n", 3),
    ],
    ids=["one-closing-brace", "open-at-end", "split-over-lines", "triple-brace"],
)
def test_an_unclosed_placeholder_is_an_error_on_its_own_line(text, line):
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find(text)
    assert info.value.line == line
    message = str(info.value)
    assert "does not close" in message
    assert "Later" not in message and "is fine" not in message  # nothing swallowed up to a later "}}"


def test_the_error_quotes_the_typo_not_the_text_after_it():
    text = "{{ value a/b:c } " + "words " * 40 + "{{ value a/b:d }}\n"
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find(text)
    assert str(info.value).startswith("'{{ value a/b:c } words")
    assert "a/b:d" not in str(info.value)


def test_braces_in_code_are_left_alone():
    text = (
        "# T\n\n"
        "Prose {{ value a/b:c }}.\n\n"
        "    {{ an indented code block\n"
        "    still code }}\n\n"
        "```\n{{ fenced\n```\n\n"
        "Inline `{{ code` too.\n\n"
        "- a list item\n\n"
        "    {{ value a/b:in_list }} is list content, not code\n\n"
        "!!! note \"Box\"\n\n"
        "    {{ value a/b:in_box }} is admonition content\n\n"
        "        {{ but this is code inside the box\n"
    )
    found = ph.find(text)
    assert [(p.name, p.line) for p in found] == [("c", 3), ("in_list", 16), ("in_box", 20)]


def test_indented_text_that_continues_a_paragraph_is_not_code():
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find("A paragraph\n    {{ value a/b:c }\n")
    assert info.value.line == 2


def test_a_typo_fails_the_build_naming_page_and_line(site):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    site.page("# T\n\nFine {{ value a:x }}.\n\nTypo {{ value a:x } here.\n\nMore {{ value a:x }}.\n")
    build = site.build()  # not even --strict: a typo is never a warning
    assert build.returncode != 0
    assert "docs/index.md:5:" in build.log and "does not close" in build.log, build.log


# -- item 5: cache faults -----------------------------------------------------------------------

FIGURE_SNIPPET = """\
from cnn_glossary import publish
from cnn_glossary.figures import style  # noqa: F401 - the project's plot style: reproducible SVG ids
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(1, 1))
ax.plot([0, 1], [0, {top}])
publish.figure("f", fig, alt="A straight line going up.", caption="A line.")
publish.value("v", {top})
"""


def _pipeline(tmp_path: Path, **kwargs) -> Pipeline:
    kwargs.setdefault("log", lambda m: None)
    return Pipeline(tmp_path, **kwargs)


def _snippet(root: Path, sid: str, text: str) -> Path:
    path = root / "snippets" / f"{sid}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "content",
    ["null", "[]", '"text"', '{"cache_version": 1}', "MANGLED_DEP"],
    ids=["null", "list", "string", "lacks-fields", "dep-lacks-fields"],
)
def test_a_manifest_of_the_wrong_shape_is_stale_not_a_crash(tmp_path, content):
    _snippet(tmp_path, "a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    pipe = _pipeline(tmp_path)
    pipe.run("a")
    manifest = pipe._manifest_path("a")
    if content == "MANGLED_DEP":
        data = json.loads(manifest.read_text())
        del data["deps"][0]["sha256"]
        content = json.dumps(data)
    manifest.write_text(content)
    assert pipe.cached("a") is None
    assert pipe.ensure(["a"])["a"].ran
    assert pipe.cached("a") is not None  # and the rewritten entry is good again


def _read_only(monkeypatch) -> None:
    """Writes under the cache fail as on a read-only folder (chmod does not stop root)."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pipeline.tempfile, "mkstemp", refuse)


def test_a_read_only_cache_of_fresh_entries_still_builds(tmp_path, monkeypatch):
    path = _snippet(tmp_path, "a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    pipe = _pipeline(tmp_path)
    pipe.run("a")
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))  # touched, same content
    _read_only(monkeypatch)
    hit = pipe.cached("a")
    assert hit is not None and hit.values["x"]["value"] == 1
    assert pipe.ensure(["a"])["a"].ran is False


def test_a_snippet_that_must_run_in_a_read_only_cache_names_the_folder(tmp_path, monkeypatch):
    _snippet(tmp_path, "a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    pipe = _pipeline(tmp_path)
    _read_only(monkeypatch)
    with pytest.raises(SnippetError) as info:
        pipe.ensure(["a"])
    assert ".cache/cnn-glossary/ is not writable" in str(info.value)
    assert "Permission denied" in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod; the monkeypatched test covers it")
def test_a_chmod_read_only_cache(tmp_path):  # pragma: no cover - runs for non-root users
    path = _snippet(tmp_path, "a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    pipe = _pipeline(tmp_path)
    pipe.run("a")
    folders = [pipe.cache_dir, pipe.cache_dir / "snippets", pipe.figure_dir]
    for folder in folders:
        folder.chmod(0o555)
    try:
        os.utime(path)
        assert pipe.ensure(["a"])["a"].ran is False
        path.write_text('from cnn_glossary import publish\npublish.value("x", 2)\n')
        with pytest.raises(SnippetError, match="not writable"):
            pipe.ensure(["a"])
    finally:
        for folder in folders:
            folder.chmod(0o755)


def test_a_zero_byte_cached_figure_is_made_again(tmp_path):
    _snippet(tmp_path, "a", FIGURE_SNIPPET.format(top=1))
    pipe = _pipeline(tmp_path)
    first = pipe.run("a")
    figure = first.figure_path("f")
    good = figure.read_bytes()
    figure.write_bytes(b"")
    assert pipe.cached("a") is None
    again = pipe.ensure(["a"])["a"]
    assert again.ran and again.figure_path("f").read_bytes() == good


def test_figures_no_manifest_refers_to_are_pruned(tmp_path):
    path = _snippet(tmp_path, "a", FIGURE_SNIPPET.format(top=1))
    pipe = _pipeline(tmp_path)
    old = pipe.run("a").figure_path("f")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    path.write_text(FIGURE_SNIPPET.format(top=2))
    new = pipe.ensure(["a"])["a"].figure_path("f")
    assert new != old and new.exists()
    assert not old.exists()
    assert sorted(p.name for p in pipe.figure_dir.iterdir()) == [new.name]


# -- item 6: orphans ------------------------------------------------------------------------------

SPAWNER = """\
import os, subprocess, sys, time
from pathlib import Path
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
Path({pids!r}).write_text(f"{{os.getpid()}} {{child.pid}}")
time.sleep(120)
"""


def _wait_for(predicate, seconds: float = 60.0) -> bool:
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _no_reports(cache: Path) -> bool:
    return not list(cache.glob(".report.*"))


@pytest.mark.slow  # waits out a real 8 s timeout; make test runs it, make quick leaves it to the unit test's 2.5 s
def test_a_timeout_stops_the_snippet_and_every_process_it_started(tmp_path):
    pids = tmp_path / "pids.txt"
    _snippet(tmp_path, "slow", SPAWNER.format(pids=str(pids)))
    pipe = _pipeline(tmp_path, timeout=8)
    with pytest.raises(SnippetError, match="did not finish within 8 s"):
        pipe.ensure(["slow"])
    runner, child = map(int, pids.read_text().split())
    assert _wait_for(lambda: not _alive(child), 10), f"the snippet's child {child} outlived the timeout"
    assert not _alive(runner)
    assert _no_reports(pipe.cache_dir)


def test_a_slow_snippet_says_it_is_still_running(tmp_path):
    _snippet(tmp_path, "slow", "import time\ntime.sleep(2.5)\n")
    lines: list[str] = []
    pipe = _pipeline(tmp_path, heartbeat=1.0, log=lines.append)
    pipe.ensure(["slow"])
    assert any(re.fullmatch(r"still running snippets/slow\.py \(\d+ s\)", line) for line in lines), lines
    assert any(re.fullmatch(r"\[1/1\] ran snippets/slow\.py in \d+\.\d s", line) for line in lines), lines


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["int", "term", "kill"])
def test_an_interrupted_build_stops_its_snippets_and_leaves_no_reports(site, how, default_sigint):
    pids = site.root / "pids.txt"
    site.snippet("slow", SPAWNER.format(pids=str(pids)))
    site.page("{{ value slow:x }}\n")
    build = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(site.root / "mkdocs.yml")],
        cwd=site.root, env=MKDOCS_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(lambda: pids.exists() and pids.read_text(), 120), "the snippet never started"
        runner, child = map(int, pids.read_text().split())
        build.send_signal(how)
        build.wait(timeout=60)
    finally:
        if build.poll() is None:
            build.kill()
    assert _wait_for(lambda: not _alive(runner) and not _alive(child), 15), "a snippet outlived its build"
    # after a SIGKILL the fork server cleans up once it has reaped the snippet: moments later, not at once
    assert _wait_for(lambda: _no_reports(site.root / ".cache" / "cnn-glossary"), 15), "a report file was left"


def test_cache_files_follow_the_umask(tmp_path):
    _snippet(tmp_path, "a", FIGURE_SNIPPET.format(top=1))
    pipe = _pipeline(tmp_path)
    res = pipe.run("a")
    expected = 0o666 & ~pipeline.UMASK
    assert pipe._manifest_path("a").stat().st_mode & 0o777 == expected
    assert res.figure_path("f").stat().st_mode & 0o777 == expected


# -- item 8: the "used by" list -------------------------------------------------------------------


def test_the_used_by_list_has_no_repeats(site):
    site.snippet("bad", 'raise ValueError("no")\n')
    site.page("{{ value bad:x }} and {{ value bad:y }}\n\nagain {{ value bad:z }}\n")
    build = site.build()
    assert build.returncode != 0
    assert "used by docs/index.md:1, docs/index.md:3\n" in build.log, build.log


# -- item 6: an interrupted training run ----------------------------------------------------------


def test_ctrl_c_during_training_prints_one_line_and_writes_nothing(monkeypatch, tmp_path, capsys):
    from cnn_glossary.mnist import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_training", interrupted)
    out = tmp_path / "out"
    assert cli.main(["train", "--epochs", "1", "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip()
    assert err == f"interrupted: training stopped, nothing was written to {out}"
    assert not out.exists()


def test_an_interrupt_while_writing_the_model_leaves_no_temporary_files(monkeypatch, tmp_path):
    from cnn_glossary.mnist import results

    class Model:
        def save(self, path):
            Path(path).write_bytes(b"a model")

    def fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(results.os, "fsync", fsync)
    result = {field: 0 for field in results.REQUIRED_FIELDS}
    with pytest.raises(KeyboardInterrupt):
        results.write_result(result, Model(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_result_files_follow_the_umask(tmp_path):
    from cnn_glossary.mnist import results

    class Model:
        def save(self, path):
            Path(path).write_bytes(b"a model")

    path = results.write_result({field: 0 for field in results.REQUIRED_FIELDS}, Model(), tmp_path)
    expected = 0o666 & ~pipeline.UMASK
    assert {p.stat().st_mode & 0o777 for p in tmp_path.iterdir()} == {expected}
    assert path.name == "result.json"


@pytest.mark.slow
@pytest.mark.long  # a real (small) training run in a subprocess: make test-long and CI
def test_train_is_quiet_unless_verbose(tmp_path):
    """A real (tiny) training run in a fresh process: TensorFlow's start-up lines stay hidden."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    proc = subprocess.run(
        [sys.executable, "-m", "cnn_glossary.mnist", "train", "--subset", "300", "--epochs", "1",
         "--out", str(tmp_path / "run")],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr
    assert "test accuracy" in proc.stdout


def test_quiet_import_drops_only_startup_noise(tmp_path):
    """The fd-level filter hides TensorFlow's start-up lines and writes every other line back."""
    fake = tmp_path / "fake"
    (fake / "tensorflow").mkdir(parents=True)
    (fake / "keras").mkdir()
    (fake / "tensorflow" / "__init__.py").write_text(
        "import os\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n')\n"
        "os.write(2, b'I0000 00:00:1.2   7 port.cc:153] oneDNN custom operations are on. You may see\\n')\n"
        "os.write(2, b'a real warning the reader must see\\n')\n"
    )
    (fake / "keras" / "__init__.py").write_text("")
    code = ("import sys; from cnn_glossary.mnist import cli; cli.quiet_tensorflow(False); "
            "print('after', file=sys.stderr)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), str(ROOT / "src")]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "a real warning the reader must see\nafter\n"


def test_quiet_import_hides_nothing_when_the_import_fails(tmp_path):
    fake = tmp_path / "fake"
    (fake / "tensorflow").mkdir(parents=True)
    (fake / "tensorflow" / "__init__.py").write_text(
        "import os\nos.write(2, b'I0000 port.cc:153] oneDNN custom operations are on\\n')\n"
        "raise ImportError('broken install')\n"
    )
    code = "from cnn_glossary.mnist import cli; cli.quiet_tensorflow(False)"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), str(ROOT / "src")]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "oneDNN custom operations are on" in proc.stderr
    assert "broken install" in proc.stderr


# -- item 8: packaging and newcomer polish ---------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_the_licence_is_an_spdx_string_setuptools_accepts():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"  # not the deprecated {text = ...} table
    requires = project["build-system"]["requires"]
    setuptools = [r for r in requires if r.startswith("setuptools")]
    assert setuptools and re.fullmatch(r"setuptools>=(\d+)", setuptools[0].split()[0])
    assert int(setuptools[0].split(">=")[1]) >= 77  # the first setuptools that reads SPDX strings


def test_make_serve_takes_a_port():
    proc = subprocess.run(["make", "-n", "serve", "PORT=8001"], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, MAKEFLAGS=""))
    assert proc.returncode == 0, proc.stderr
    assert "mkdocs serve -a 127.0.0.1:8001" in proc.stdout
    default = subprocess.run(["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True)
    assert "mkdocs serve -a 127.0.0.1:8000" in default.stdout


# -- item 9: the values page shows the out-of-date box too ------------------------------------------


def test_the_values_page_flags_stale_values_in_a_non_strict_build(site):
    site.snippet("score", 'from cnn_glossary import publish\npublish.warning("this result is stale")\n'
                          'publish.value("acc", 0.5, fmt=".1%")\n')
    site.snippet("fresh", 'from cnn_glossary import publish\npublish.value("n", 3)\n')
    site.page("# Home\n\nOnly a fresh {{ value fresh:n }} here.\n")
    site.page("# Score\n\nAccuracy {{ value score:acc }}.\n", name="score.md")
    site.page("# Every number\n\n{{ values_index }}\n", name="values.md")
    build = site.build()
    assert build.returncode == 0, build.log
    values = site.html("values.html")
    assert "50.0%" in values  # the stale value is listed ...
    assert "Out-of-date results on this page" in values and "this result is stale" in values  # ... and flagged
    assert "Out-of-date results on this page" in site.html("score.html")
    assert "Out-of-date results on this page" not in site.html("index.html")


# -- issue 11 item 12: the recipe benchmarks choose on validation accuracy ------------------------


def _load_benchmark(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_recipes_are_compared_on_validation_and_the_test_set_is_read_only_for_the_final_one(monkeypatch, capsys):
    bench = _load_benchmark("mnist_recipes")
    calls = []

    def fake_run(cmd, **kwargs):
        variant, seed, final = cmd[3], int(cmd[4]), cmd[7] == "1"
        calls.append((variant, final))
        row = {"variant": variant, "seed": seed, "parameters": 19930, "epochs": 15, "train_seconds": 1.0,
               "val_accuracy": {"shipped": 0.990, "weight-decay": 0.995}[variant]}
        if final:
            row["test_accuracy"] = 0.99
        return subprocess.CompletedProcess(cmd, 0, json.dumps(row) + "\n", "")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    bench.main(["--variants", "shipped,weight-decay", "--seeds", "1,2"])
    out = capsys.readouterr().out
    assert calls and not any(final for _, final in calls)
    assert "test" not in out.replace("test accuracy, once", "")
    assert "best on validation accuracy: weight-decay" in out

    calls.clear()
    bench.main(["--final", "weight-decay", "--seeds", "1"])
    out = capsys.readouterr().out
    assert calls == [("weight-decay", True)]
    assert "test acc mean" in out


def test_the_keras_comparison_measures_validation_accuracy_each_epoch(monkeypatch, capsys):
    import keras

    bench = _load_benchmark("mnist_vs_keras_example")
    probe = bench.make_probe(keras)
    probe.on_train_begin()
    for epoch, acc in enumerate((0.98, 0.993, 0.995)):
        probe.on_epoch_begin(epoch)
        probe.on_epoch_end(epoch, {"val_accuracy": acc, "accuracy": 0.5})
    assert [a for _, a in probe.points] == [0.98, 0.993, 0.995]

    class Model:
        evaluated = 0

        def count_params(self):
            return 10

        def evaluate(self, x, y, **kwargs):
            Model.evaluated += 1
            return 0.1, 0.97

    def fake(seed, subset):
        return Model(), probe, (None, None)

    monkeypatch.setattr(bench, "run_ours", fake)
    monkeypatch.setattr(bench, "run_keras_example", fake)
    monkeypatch.setattr(bench, "RECIPES", ("ours", "keras example"))
    bench.main([])
    assert Model.evaluated == 0 and "test" not in capsys.readouterr().out
    bench.main(["--final", "ours"])
    assert Model.evaluated == 1
    assert "ours: test accuracy 97.00%" in capsys.readouterr().out


# -- issue 12 items 7 and 9: the training script's prose matches what it does ----------------------


def test_every_convolution_but_the_1x1_classifier_is_followed_by_batch_norm_and_relu():
    import keras

    from cnn_glossary.mnist import train

    model = train.build_model(keras)
    chain = [type(layer).__name__ for layer in model.layers]
    convs = [i for i, kind in enumerate(chain) if kind == "Conv2D"]
    *inner, last = convs
    assert all(chain[i + 1 : i + 3] == ["BatchNormalization", "ReLU"] for i in inner), chain
    assert model.layers[last].name == "classifier_1x1" and chain[last + 1] == "GlobalAveragePooling2D"
    assert model.layers[last].use_bias and model.layers[last].kernel_size == (1, 1)
    source = (ROOT / "src" / "cnn_glossary" / "mnist" / "train.py").read_text()
    assert "Every convolution except the last is followed by batch normalisation and ReLU" in source
    assert "Every convolution is followed by batch normalisation" not in source


def test_the_training_script_does_not_claim_more_than_the_benchmarks_do():
    source = (ROOT / "src" / "cnn_glossary" / "mnist" / "train.py").read_text()
    assert "never looks at the test set before" in source
    for name in ("mnist_recipes", "mnist_vs_keras_example"):
        text = (ROOT / "benchmarks" / f"{name}.py").read_text()
        assert "--final" in text and "validation" in text, name


# -- item 4: the notebook page's random cell ids ---------------------------------------------------


def test_notebook_cell_ids_are_numbered_not_random():
    from types import SimpleNamespace

    from cnn_glossary.site.plugin import GlossaryPlugin

    plugin = GlossaryPlugin()
    plugin.load_config({})
    page = SimpleNamespace(file=SimpleNamespace(src_uri="mnist-training.py"))
    cells = '<div id="cell-id={}" class="jp-Cell"></div><div id="cell-id={}" class="jp-Cell"></div>'
    one = plugin.on_post_page(cells.format("3f2a9c1e", "77b0e2d4"), page, None)
    two = plugin.on_post_page(cells.format("0c4e8a21", "b19f5d3a"), page, None)
    assert one == two == cells.format("cell-1", "cell-2")
    markdown_page = SimpleNamespace(file=SimpleNamespace(src_uri="index.md"))
    untouched = cells.format("3f2a9c1e", "77b0e2d4")
    assert plugin.on_post_page(untouched, markdown_page, None) == untouched
