"""The training path on a small subset: shapes, learning, the results file, staleness, atomic writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from cnn_glossary.mnist import cli, results


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("results")
    result = cli.run_training(seed=3, epochs=2, subset=3000, out=out)
    return result, out


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_every_field_is_written(small_run):
    result, out = small_run
    data = json.loads((out / "result.json").read_text())
    for field in results.REQUIRED_FIELDS:
        assert field in data, field
    assert (out / data["model_file"]).is_file()
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(data["history"][key]) == 2
    assert data["config"] == {"seed": 3, "epochs": 2, "subset": 3000}


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_loss_goes_down_and_the_model_learns(small_run):
    result, _ = small_run
    assert result["history"]["loss"][1] < result["history"]["loss"][0]
    assert result["test_accuracy"] > 0.5  # chance is 0.1


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_shapes_and_counts_are_consistent(small_run):
    result, out = small_run
    model = results.load_result(out).load_model()
    assert model.output_shape == (None, 10)
    assert model.count_params() == result["parameters"] == sum(l["parameters"] for l in result["layers"])
    cm = np.array(result["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == 10000
    assert np.trace(cm) / 10000 == pytest.approx(result["test_accuracy"], abs=1e-6)
    assert len(result["misclassified"]["index"]) == 10000 - np.trace(cm)


def test_model_budget():
    import keras

    from cnn_glossary.mnist import train

    assert train.build_model(keras).count_params() <= 20_000


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_a_result_that_is_not_the_full_recipe_is_stale(small_run):
    _, out = small_run  # trained on a subset for 2 epochs with seed 3
    frozen = results.load_result(out)
    assert frozen.stale
    assert "not the full recipe" in frozen.stale_message and "cnn-glossary train" in frozen.stale_message


@pytest.fixture
def as_recipe(small_run, monkeypatch):
    """Pretend the small run's settings are the recipe, to test the code-hash half of staleness."""
    result, out = small_run
    monkeypatch.setattr(results, "recipe_config", lambda: dict(result["config"]))
    return out


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_stale_when_the_code_changes(as_recipe, monkeypatch):
    assert not results.load_result(as_recipe).stale
    source = results.training_source().decode()
    changed = source.replace("BATCH_SIZE = 128", "BATCH_SIZE = 64")
    assert changed != source
    monkeypatch.setattr(results, "training_source", lambda: changed.encode())
    frozen = results.load_result(as_recipe)
    assert frozen.stale
    assert "cnn-glossary train" in frozen.stale_message
    with pytest.raises(results.StaleResult):
        results.require_fresh(as_recipe)


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_prose_edits_keep_the_result_fresh(as_recipe, monkeypatch):
    source = results.training_source().decode()
    edited = (source.replace("# # Training a first CNN on MNIST", "# # Training a frist CNN on MNIST")
              .replace("held out from the 60,000", "kept apart from the 60,000")
              .replace('"""Train from scratch;', '"""Train, from scratch;'))
    assert edited.count("\n") == source.count("\n") and edited != source
    monkeypatch.setattr(results, "training_source", lambda: edited.encode())
    assert not results.load_result(as_recipe).stale


@pytest.mark.parametrize("argv", [["--subset", "2000", "--epochs", "1"], ["--epochs", "3"], ["--seed", "2"]])
def test_train_refuses_to_publish_anything_but_the_full_recipe(argv, capsys, monkeypatch):
    ran = []
    monkeypatch.setattr(cli, "run_training", lambda *a, **k: ran.append(a))
    assert cli.main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert "only the full recipe" in err and "--out" in err and len(err.strip().splitlines()) == 1
    assert not ran


def test_train_with_other_settings_writes_where_out_says(monkeypatch, tmp_path):
    ran = []
    monkeypatch.setattr(cli, "run_training", lambda *a, **k: ran.append(a))
    assert cli.main(["train", "--subset", "2000", "--epochs", "1", "--out", str(tmp_path)]) == 0
    from cnn_glossary.mnist import train

    assert ran == [(train.SEED, 1, 2000, tmp_path)]


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_reproduce_rejects_a_result_that_is_not_the_full_recipe(small_run, capsys, monkeypatch):
    _, out = small_run
    monkeypatch.setattr(cli, "run_training", lambda *a, **k: pytest.fail("must not train"))
    assert cli.main(["reproduce", "--results", str(out)]) == 1
    assert "not the full recipe" in capsys.readouterr().err


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_interrupted_write_leaves_previous_result_intact(small_run, tmp_path):
    _, out = small_run
    folder = tmp_path / "copy"
    shutil.copytree(out, folder)
    before = (folder / "result.json").read_bytes()
    data = json.loads(before)

    class DiesWhileSaving:
        def save(self, path):
            Path(path).write_bytes(b"half a model")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        results.write_result(data, DiesWhileSaving(), folder)
    assert (folder / "result.json").read_bytes() == before
    restored = results.load_result(folder).load_model()
    import keras

    original = keras.saving.load_model(out / data["model_file"], compile=False)  # the untouched run
    got, want = restored.get_weights(), original.get_weights()
    assert len(got) == len(want) > 0
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_strict_build_fails_on_a_stale_result(small_run, site):
    _, out = small_run
    stale = site.root / "frozen"
    shutil.copytree(out, stale)
    data = json.loads((stale / "result.json").read_text())
    data["training_hash"] = "0" * 64  # as if produced by other code, and saved by it (so the file is whole)
    if "result_sha256" in data:
        data["result_sha256"] = results.result_digest(data)
    (stale / "result.json").write_text(json.dumps(data))
    site.snippet(
        "score",
        "from pathlib import Path\nfrom cnn_glossary import publish\nfrom cnn_glossary.mnist import results\n"
        'r = results.for_page(Path("frozen"))\n'
        'publish.value("acc", r.data["test_accuracy"], fmt=".2%")\n',
    )
    site.page("# Score\n\nAccuracy {{ value score:acc }}.\n")
    strict = site.build("--strict")
    assert strict.returncode != 0
    assert "Retrain with: cnn-glossary train" in strict.log
    loose = site.build()
    assert loose.returncode == 0, loose.log
    html = site.html()
    assert "Out-of-date results on this page" in html and "Retrain with" in html
