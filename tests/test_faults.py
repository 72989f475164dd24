"""Faults probes (issue 25): nothing stale, nothing tampered, nothing half-broken.

Each test reproduces a fault found by trying the project as a new user and as an attacker would: a hand-edited
MNIST result, a one-brace placeholder typo, a cache copied to another folder, a corrupt mkdocs-jupyter cache entry,
NaN in widget data, a figure overwritten with garbage, includes of files outside the published folders, training
options that make no sense, and a build that fetches MNIST without saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_glossary.site import placeholders as ph
from cnn_glossary.site.pipeline import Pipeline

from .conftest import ROOT

# -- item 2: a placeholder with unbalanced braces fails, naming the line ------------------------------------------


@pytest.mark.parametrize(
    "typo",
    [
        "{ value convolution/output_size:mnist_first_layer }}",
        "{ value convolution/output_size:mnist_first_layer }",
        "value convolution/output_size:mnist_first_layer }}",
        "{{ value convolution/output_size:mnist_first_layer }}}",
        "{ table convolution/output_size:sizes }}",
        "{ figure convolution/output_size:slide }}",
        "{ snippet convolution/output_size:lesson }}",
        "{ data widgets/conv_explorer:config }}",
        "{ value a:x }}",
        "{value a/b:c | .2% }}",
    ],
)
def test_a_placeholder_with_unbalanced_braces_fails_on_its_line(typo):
    text = f"# T\n\nFine {{{{ value a/b:c }}}}.\n\nThe first layer gives {typo} outputs.\n"
    with pytest.raises(ph.PlaceholderError) as info:
        ph.find(text)
    assert info.value.line == 5
    assert "brace" in str(info.value) and typo.strip("{} ")[:20] in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "Inline `{ value a/b:c }}` is code.\n",
        "```\n{ value a/b:c }}\n```\n",
        "Math: $\\text{the value y}$ and $\\{ x \\}$ and $\\frac{a}{b_{i}}$.\n",
        "A set {a, b} and the value of x}.\n",
        "Python's format string \"{value}\" and {key: value} pairs.\n",
    ],
    ids=["inline-code", "fence", "math", "prose-braces", "prose-format"],
)
def test_braces_that_are_not_a_placeholder_typo_are_left_alone(text):
    assert ph.find(text) == []


def test_a_one_brace_typo_fails_the_build_naming_page_and_line(site):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 26)\n')
    site.page("# T\n\nFine {{ value a:x }}.\n\nTypo { value a:x }} here.\n")
    build = site.build("--strict")
    assert build.returncode != 0, build.log
    assert "docs/index.md:5:" in build.log and "brace" in build.log, build.log


# -- item 3: cache entries name their inputs relative to the project, so a copied or moved cache checks its own files


def _snippet(root: Path, sid: str, text: str) -> Path:
    path = root / "snippets" / f"{sid}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


READER = 'from cnn_glossary import publish\npublish.value("n", int(open("data.txt").read()) + {extra})\n'


@pytest.mark.parametrize("edit", ["data-file", "snippet"])
def test_a_cache_copied_with_its_project_checks_the_files_of_the_copy(tmp_path, edit):
    first = tmp_path / "checkout-a"
    (first / "data.txt").parent.mkdir()
    (first / "data.txt").write_text("41")
    _snippet(first, "a", READER.format(extra=1))
    assert Pipeline(first, log=lambda m: None).run("a").values["n"]["value"] == 42
    second = tmp_path / "checkout-b"
    shutil.copytree(first, second)  # the cache goes along, modification times included
    if edit == "data-file":
        (second / "data.txt").write_text("99")
    else:
        _snippet(second, "a", READER.format(extra=2))
    lines: list[str] = []
    copy = Pipeline(second, log=lines.append)
    assert copy.cached("a") is None, "the copy's cache still checks the first checkout's files"
    result = copy.ensure(["a"])["a"]
    assert result.ran and result.values["n"]["value"] == (100 if edit == "data-file" else 43)
    assert any("ran snippets/a.py" in line for line in lines), lines
    manifest = json.loads(copy._manifest_path("a").read_text())
    assert {d["path"] for d in manifest["deps"]} >= {"snippets/a.py", "data.txt"}
    assert not any(str(first) in d["path"] or str(second) in d["path"] for d in manifest["deps"])
    # and the first checkout's entry still serves the first checkout
    assert Pipeline(first, log=lambda m: None).cached("a").values["n"]["value"] == 42


def test_a_moved_project_keeps_its_cache(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "data.txt").write_text("41")
    _snippet(old, "a", READER.format(extra=1))
    Pipeline(old, log=lambda m: None).run("a")
    new = tmp_path / "new"
    old.rename(new)
    hit = Pipeline(new, log=lambda m: None).cached("a")
    assert hit is not None and hit.values["n"]["value"] == 42
    assert hit.path == new / "snippets" / "a.py"


# -- item 6: a cached figure is checked by its hash, not only its size --------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
FIGURE = ("from cnn_glossary import publish\n"
          f'publish.figure("f", {SVG!r}, alt="A tiny empty picture.", caption="Empty.")\n')


def test_a_figure_overwritten_with_garbage_of_the_same_size_is_made_again(tmp_path):
    _snippet(tmp_path, "a", FIGURE)
    pipe = Pipeline(tmp_path, log=lambda m: None)
    figure = pipe.run("a").figure_path("f")
    assert figure.read_bytes() == SVG
    figure.write_bytes(b"<" * len(SVG))  # same size, other bytes
    assert pipe.cached("a") is None, "a cached figure with other bytes of the same size is trusted"
    again = pipe.ensure(["a"])["a"]
    assert again.ran and again.figure_path("f").read_bytes() == SVG
    assert pipe.cached("a") is not None


# -- item 6: NaN and Infinity never reach a widget -------------------------------------------------------------------


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": [1, Infinity]}', '{"a": -Infinity}'])
def test_widget_data_with_nan_or_infinity_is_refused(text):
    with pytest.raises(ValueError, match="NaN|Infinity"):
        ph.render_data({"value": text}, "cg-data-x")


def test_widget_data_with_nan_fails_the_build_naming_page_and_line(site):
    site.snippet("w", 'from cnn_glossary import publish\npublish.value("config", \'{"scale": NaN}\')\n')
    site.page("# T\n\nA widget.\n\n{{ data w:config }}\n")
    build = site.build("--strict")
    assert build.returncode != 0, build.log
    assert "docs/index.md:5:" in build.log and "NaN" in build.log, build.log


# -- item 6: includes come from docs/, snippets/ or src/ only, and a bad one names page and line -------------------


def _project(root: Path) -> Path:
    for folder in ("docs", "snippets", "src/pkg", ".git"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / ".git" / "config").write_text("[remote]\n\turl = secret\n")
    (root / "snippets" / "a.py").write_text("x = 1\n")
    (root / "src" / "pkg" / "m.py").write_text("y = 2\n")
    (root / "docs" / "part.md").write_text("part\n")
    (root / "notes.txt").write_text("private\n")
    return root


@pytest.mark.parametrize("path", ["snippets/a.py", "src/pkg/m.py", "docs/part.md", "snippets/a.py:lesson"])
def test_includes_from_the_published_folders_are_allowed(tmp_path, path):
    root = _project(tmp_path)
    assert ph.include_problem(root, path, [root / "docs", root / "snippets", root / "src"]) is None


@pytest.mark.parametrize(
    "path, words",
    [(".git/config", "outside"), ("notes.txt", "outside"), ("../elsewhere.txt", "outside"), ("/etc/hostname", "outside"),
     ("snippets/../.git/config", "outside"), ("snippets/missing.py", "does not exist")],
)
def test_includes_outside_the_published_folders_or_missing_are_refused(tmp_path, path, words):
    root = _project(tmp_path / "project")
    (tmp_path / "elsewhere.txt").write_text("outside the tree\n")
    problem = ph.include_problem(root, path, [root / "docs", root / "snippets", root / "src"])
    assert problem is not None and words in problem and path.split(":")[0] in problem


def test_a_symlink_out_of_the_published_folders_is_refused(tmp_path):
    root = _project(tmp_path)
    (root / "snippets" / "config.py").symlink_to(root / ".git" / "config")
    assert "outside" in ph.include_problem(root, "snippets/config.py", [root / "snippets"])


def test_includes_in_the_block_form_are_found_too():
    text = 'A\n\n```\n--8<-- "snippets/a.py"\n```\n\n--8<--\n.git/config\n; a comment\n\nsnippets/b.py\n--8<--\n;--8<-- "x"\n'
    assert ph.includes(text) == [(4, "snippets/a.py"), (8, ".git/config"), (11, "snippets/b.py")]


@pytest.mark.parametrize("target", [".git/config", "../outside.txt"])
def test_an_include_outside_the_published_folders_fails_the_build_naming_page_and_line(site, target):
    (site.root / ".git").mkdir()
    (site.root / ".git" / "config").write_text("[remote]\n\turl = secret-token\n")
    (site.root.parent / "outside.txt").write_text("secret-token\n")
    site.page(f'# T\n\nText.\n\n```\n--8<-- "{target}"\n```\n')
    build = site.build("--strict")
    assert build.returncode != 0
    assert f"docs/index.md:6: the include '{target}'" in build.log and "Traceback" not in build.log, build.log
    assert not (site.root / "site" / "index.html").exists() or "secret-token" not in site.html()


# -- item 1: results/mnist/result.json is bound to its model file and to itself -------------------------------------


def _edited_result(tmp_path: Path, edit) -> Path:
    """A copy of the committed result folder with ``edit(record)`` applied to result.json."""
    from cnn_glossary.mnist import results

    folder = tmp_path / "mnist"
    shutil.copytree(results.RESULTS_DIR, folder)
    record = json.loads((folder / "result.json").read_text())
    edit(record)
    (folder / "result.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return folder


def _set(path: str, value):
    def edit(record):
        *parents, last = path.split(".")
        target = record
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return edit


def _swap_a_mistake(record):  # a digit moved from wrong to right: accuracy and matrix agree, the list does not
    record["confusion_matrix"][0][6] -= 1
    record["confusion_matrix"][0][0] += 1
    record["test_accuracy"] = (record["test_accuracy"] * 10000 + 1) / 10000


def _drop_an_epoch(record):
    for series in record["history"].values():
        series.pop()


def _move_a_parameter(record):  # the total is kept, and the two layers' counts are still plausible
    record["layers"][1]["parameters"] -= 1
    record["layers"][2]["parameters"] += 1


@pytest.mark.parametrize(
    "edit, field",
    [
        (_set("test_accuracy", 0.9991), "test_accuracy"),
        (_set("confusion_matrix.3.3", 1000), "test_accuracy"),
        (_swap_a_mistake, "misclassified"),
        (_set("misclassified.true.0", 9), "misclassified"),
        (_set("misclassified.confidence.0", 1.7), "misclassified"),
        (_drop_an_epoch, "history"),
        (_set("history.val_accuracy.14", 1.2), "history"),
        (_set("test_loss", float("nan")), "test_loss"),
        (_set("parameters", 12000), "parameters"),
        (_set("layers.1.parameters", 100), "parameters"),
        (_set("epochs", 20), "epochs"),
        (_set("seed", 7), "seed"),
        (_set("layers.1.name", "conv_first"), "layers"),
        (_set("versions.keras", "3.0.0"), "versions"),
    ],
    ids=["accuracy", "matrix-cell", "mistake-swapped", "mistake-label", "confidence", "history-length",
         "history-value", "loss-nan", "parameters", "layer-parameters", "epochs", "seed", "layer-name", "keras"],
)
def test_a_hand_edited_result_is_refused_naming_the_field_and_the_fix(tmp_path, edit, field):
    from cnn_glossary.mnist import results

    folder = _edited_result(tmp_path, edit)
    with pytest.raises(results.TamperedResult) as info:
        results.load_result(folder)
    message = str(info.value)
    assert "result.json" in message and f"  - {field}:" in message and "cnn-glossary train" in message, message


def test_parameters_moved_between_layers_are_caught_by_the_model_file(tmp_path):
    from cnn_glossary.mnist import results

    folder = _edited_result(tmp_path, _move_a_parameter)
    record = json.loads((folder / "result.json").read_text())
    assert results.consistency_problems(record) == []  # the numbers agree with each other ...
    with pytest.raises(results.TamperedResult, match=r"  - layers: the parameters recorded per layer"):
        results.load_result(folder)  # ... but not with the weights in the model file


def test_the_committed_result_holds_together():
    from cnn_glossary.mnist import results

    frozen = results.load_result()
    assert results.consistency_problems(frozen.data) == []
    assert results.model_problems(frozen.data, frozen.model_path) == []


def test_a_saved_result_carries_a_digest_of_every_other_field(tmp_path):
    from cnn_glossary.mnist import results

    record = json.loads((results.RESULTS_DIR / "result.json").read_text())
    model = (results.RESULTS_DIR / record["model_file"]).read_bytes()

    class Saved:
        def save(self, path):
            Path(path).write_bytes(model)

    path = results.write_result(record, Saved(), tmp_path)
    saved = json.loads(path.read_text())
    rest = {k: v for k, v in saved.items() if k != "result_sha256"}
    assert saved["result_sha256"] == __import__("hashlib").sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()
    assert results.load_result(tmp_path).data == saved
    saved["test_loss"] = 0.0101  # a number no other field can check
    path.write_text(json.dumps(saved))
    with pytest.raises(results.TamperedResult, match="  - result_sha256:"):
        results.load_result(tmp_path)


def test_a_hand_edited_result_fails_the_build(site, tmp_path):
    folder = _edited_result(tmp_path, _set("test_accuracy", 0.9991))
    site.snippet("score", f"""\
        from pathlib import Path
        from cnn_glossary import publish
        from cnn_glossary.mnist import results
        publish.value("accuracy", results.for_page(Path({str(folder)!r})).data["test_accuracy"], fmt=".2%")
        """)
    site.page("# T\n\nTest accuracy {{ value score:accuracy }}.\n")
    build = site.build("--strict")
    assert build.returncode != 0, build.log
    assert "result.json" in build.log and "test_accuracy" in build.log and "cnn-glossary train" in build.log, build.log
    assert "99.91" not in build.log.split("Traceback")[0]


# -- item 6: the training command refuses settings that make no sense, before it trains ---------------------------


@pytest.mark.parametrize("args, words", [(["--epochs", "-3"], "--epochs"), (["--epochs", "0"], "--epochs"),
                                         (["--subset", "-5"], "--subset"), (["--subset", "0"], "--subset")])
def test_train_rejects_epochs_or_subset_below_one(monkeypatch, capsys, args, words):
    from cnn_glossary.mnist import cli

    monkeypatch.setattr(cli, "run_training", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SystemExit) as info:
        cli.main(["train", *args, "--out", "/nonexistent-never-written"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "must be a whole number of 1 or more" in err, err


@pytest.mark.parametrize("how", ["under-a-file", "unwritable"])
def test_train_checks_that_out_is_writable_before_training(monkeypatch, capsys, tmp_path, how):
    from cnn_glossary.mnist import cli

    monkeypatch.setattr(cli, "run_training", lambda *a, **k: pytest.fail("training started before --out was checked"))
    if how == "under-a-file":
        (tmp_path / "a-file").write_text("x")
        out = tmp_path / "a-file" / "results"
    else:
        out = tmp_path / "read-only"
        out.mkdir()
        real = cli.tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):  # what a read-only folder does (root ignores chmod)
            if dir is not None and Path(dir) == out:
                raise PermissionError(13, "Permission denied", str(out))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(cli.tempfile, "mkstemp", refuse)
    assert cli.main(["train", "--subset", "100", "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out}" in err and "not writable" in err, err
    assert list(out.glob(".*")) == [] if out.is_dir() else True


def test_train_into_a_writable_out_leaves_no_probe(monkeypatch, tmp_path):
    from cnn_glossary.mnist import cli

    calls = []
    monkeypatch.setattr(cli, "run_training", lambda *a: calls.append(a) or {})
    out = tmp_path / "new" / "results"
    assert cli.main(["train", "--subset", "100", "--epochs", "1", "--out", str(out)]) == 0
    from cnn_glossary.mnist import train

    assert calls == [(train.SEED, 1, 100, out)]
    assert not (tmp_path / "new").exists()  # the check creates nothing; training creates the folder when it saves


# -- item 6: the hint to run a failing snippet alone names the Python that works ----------------------------------


def test_the_debug_hint_names_the_projects_python(monkeypatch, tmp_path):
    from cnn_glossary.site import plugin

    monkeypatch.setattr(sys, "executable", str(tmp_path / ".venv" / "bin" / "python"))
    assert plugin.python_command(tmp_path) == ".venv/bin/python"
    assert plugin.python_command(tmp_path / "elsewhere") == str(tmp_path / ".venv" / "bin" / "python")


def test_a_failing_snippet_says_how_to_run_it_alone(site):
    site.snippet("bad", 'raise ValueError("no")\n')
    site.page("# T\n\n{{ value bad:x }}\n")
    build = site.build()
    assert build.returncode != 0
    assert f"run it alone to debug: {sys.executable} snippets/bad.py\n" in build.log, build.log


# -- item 6: a snippet that fetches MNIST says so in the build log ---------------------------------------------------

FETCHING = """\
from pathlib import Path
from cnn_glossary import publish
from cnn_glossary.mnist import data

def unreachable(workdir):
    raise OSError("no network in this test")

try:
    data.load_mnist(Path("mnist-home"), fetchers=[("a test source", unreachable)])
except data.MnistUnavailable:
    publish.value("fetched", 0)
"""


def test_the_progress_of_an_mnist_fetch_reaches_the_build_log(tmp_path):
    _snippet(tmp_path, "a", FETCHING)
    lines: list[str] = []
    Pipeline(tmp_path, log=lines.append).ensure(["a"])
    notes = [line for line in lines if line.startswith("snippets/a.py: MNIST:")]
    assert notes[:1] == ["snippets/a.py: MNIST: fetching from a test source ..."], lines
    assert any("a test source failed after" in line and "no network in this test" in line for line in notes), lines
    ran = next(i for i, line in enumerate(lines) if "ran snippets/a.py" in line)
    assert lines.index(notes[0]) < ran  # the progress comes before the snippet's "ran" line


# -- item 4: a corrupt mkdocs-jupyter cache entry is discarded, naming the file --------------------------------------

JUPYTER_CONFIG = """\
site_name: Tiny
use_directory_urls: false
nav:
  - Home: index.md
  - Script: script.py
plugins:
  - mkdocs-jupyter:
      include: ["script.py"]
      execute: false
  - cnn-glossary:
      require_checks: false
"""


@pytest.mark.parametrize("corruption", ["", "{\"content\": \"<p>half", "[1, 2]", '{"content": 3, "toc_tokens": []}'],
                         ids=["empty", "cut-short", "not-an-object", "wrong-fields"])
def test_corrupt_jupyter_cache_entries_are_discarded(tmp_path, corruption):
    from cnn_glossary.site import plugin

    cache = tmp_path / ".cache" / "mkdocs-jupyter"
    cache.mkdir(parents=True)
    good = cache / "good.json"
    good.write_text(json.dumps({"content": "<p>x</p>", "toc_tokens": [], "title": None}))
    bad = cache / "bad.json"
    bad.write_text(corruption)
    assert plugin.discard_corrupt_jupyter_cache(cache) == [bad]
    assert good.exists() and not bad.exists()
    assert plugin.discard_corrupt_jupyter_cache(tmp_path / "absent") == []


def test_a_corrupt_jupyter_cache_entry_is_rebuilt_not_a_crash(site):
    (site.root / "mkdocs.yml").write_text(JUPYTER_CONFIG)
    site.page("# Home\n\nSee the script.\n")
    (site.root / "docs" / "script.py").write_text('# %% [markdown]\n# # A script\n\n# %%\nprint("hello")\n')
    first = site.build("--strict")
    assert first.returncode == 0, first.log
    (entry,) = (site.root / ".cache" / "mkdocs-jupyter").glob("*.json")
    entry.write_text(entry.read_text()[:40])  # cut short, as an interrupted write leaves it
    again = site.build("--strict")
    assert again.returncode == 0, again.log
    assert f"{entry.relative_to(site.root)}" in again.log and "discarded" in again.log, again.log
    assert "Traceback" not in again.log
    assert "hello" in site.html("script.html")
    assert json.loads(entry.read_text())["content"]  # written again, whole
