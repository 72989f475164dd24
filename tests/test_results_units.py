"""Fast unit tests for ``mnist/results.py`` on temporary folders and fake result files (no training, no Keras).

Oracles: the file system (which files exist, their bytes and modes), ``hashlib`` and ``json`` computed here,
hand-written expected text. Nothing here writes to the real ``results/mnist/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import platform
import sys
import types
from importlib import metadata
from pathlib import Path

import pytest

from cnn_glossary.mnist import results
from cnn_glossary.site import publish

TINY_SOURCE = b'"""A docstring."""\n# a comment\nX = 1\n'
TINY_CONFIG = {"seed": 1, "epochs": 2, "subset": None}
# sha256 of the tiny source without its prose ("X = 1") followed by the config as sorted-key JSON, by hand
TINY_HASH = hashlib.sha256(b'X = 1{"epochs": 2, "seed": 1, "subset": null}').hexdigest()


class FakeModel:
    """Stands in for a Keras model: ``save`` writes fixed bytes."""

    def __init__(self, data: bytes = b"the bytes of a model"):
        self.data = data
        self.saved_to: list[Path] = []

    def save(self, path):
        if not str(path).endswith(".keras"):  # as Keras 3's model.save: the extension picks the format
            raise ValueError(f"Invalid filepath extension for saving: {path}")
        self.saved_to.append(Path(path))
        Path(path).write_bytes(self.data)


def _fields(**extra) -> dict:
    result = {field: i for i, field in enumerate(results.REQUIRED_FIELDS) if field != "model_file"}
    result.update(extra)
    return result


def _keras_archive(layers: list[dict], keras_version: str = "3.0.0") -> bytes:
    """A stand-in for a ``.keras`` file: its layer list, its Keras version and one weight array per layer."""
    import io
    import zipfile

    import h5py
    import numpy as np

    weights = io.BytesIO()
    with h5py.File(weights, "w") as h5:
        for i, layer in enumerate(layers):
            if layer["parameters"]:
                h5[f"layers/w{i}/vars/0"] = np.zeros(layer["parameters"], dtype="float32")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("config.json", json.dumps({"config": {"layers": [
            {"class_name": layer["type"], "config": {"name": layer["name"]}} for layer in layers]}}))
        z.writestr("metadata.json", json.dumps({"keras_version": keras_version}))
        z.writestr("model.weights.h5", weights.getvalue())
    return archive.getvalue()


TINY_LAYERS = [{"name": "conv", "type": "Conv2D", "output_shape": [2, 2, 10], "parameters": 20},
               {"name": "gap", "type": "GlobalAveragePooling2D", "output_shape": [10], "parameters": 0}]


def _frozen_folder(folder: Path, model: bytes | None = None, **data) -> Path:
    """A result folder written by hand: a result.json whose numbers agree with each other, plus the model file
    it names. Test accuracy 0.5: ten digits right (the diagonal) and ten wrong, one in each row."""
    folder.mkdir(parents=True, exist_ok=True)
    model = _keras_archive(TINY_LAYERS) if model is None else model
    digest = hashlib.sha256(model).hexdigest()
    (folder / f"model-{digest[:12]}.keras").write_bytes(model)
    confusion = [[int(t == p or p == (t + 1) % 10) for p in range(10)] for t in range(10)]
    record = {"model_file": f"model-{digest[:12]}.keras", "model_sha256": digest,
              "training_hash": TINY_HASH, "config": dict(TINY_CONFIG), "test_accuracy": 0.5, "test_loss": 0.7,
              "confusion_matrix": confusion,
              "misclassified": {"index": list(range(10)), "true": list(range(10)),
                                "predicted": [(t + 1) % 10 for t in range(10)], "confidence": [0.6] * 10},
              "history": {key: [0.5, 0.4] for key in results.HISTORY_KEYS}, "epochs": 2, "seed": 1,
              "parameters": 20, "layers": TINY_LAYERS, "versions": {"keras": "3.0.0"}, "cpu": "a CPU",
              "date": "2026-01-01", "wall_seconds": 1.0}
    record.update(data)
    (folder / "result.json").write_text(json.dumps(record))
    return folder


@pytest.fixture
def tiny_recipe(monkeypatch):
    """The training code is TINY_SOURCE and the recipe TINY_CONFIG, so TINY_HASH is today's hash."""
    monkeypatch.setattr(results, "training_source", lambda: TINY_SOURCE)
    monkeypatch.setattr(results, "recipe_config", lambda: dict(TINY_CONFIG))


# -- the training code and recipe ------------------------------------------------------------------


def test_training_source_is_the_bytes_of_train_py():
    from cnn_glossary.mnist import train

    assert results.training_source() == Path(train.__file__).read_bytes()


def test_recipe_is_the_training_scripts_seed_and_epochs_on_the_whole_split():
    from cnn_glossary.mnist import train

    assert results.recipe_config() == {"seed": train.SEED, "epochs": train.EPOCHS, "subset": None}
    assert results.is_full_recipe({"seed": train.SEED, "epochs": train.EPOCHS, "subset": None})
    assert not results.is_full_recipe({"seed": train.SEED, "epochs": train.EPOCHS, "subset": 3000})
    assert not results.is_full_recipe({"seed": train.SEED + 1, "epochs": train.EPOCHS, "subset": None})
    assert not results.is_full_recipe({})


@pytest.mark.parametrize(
    "source, expected",
    [
        ('"""Module doc."""\nX = 1\n', "X = 1"),
        ('"""Only a docstring."""\n', "pass"),
        ('# a comment\nX = 1  # another\n', "X = 1"),
        ('def f():\n    """Doc."""\n    return 1\n', "def f():\n    return 1"),
        ('def f():\n    """Doc only."""\n', "def f():\n    pass"),
        ('async def f():\n    """Doc."""\n    return 1\n', "async def f():\n    return 1"),
        ('class C:\n    """Doc."""\n    x = 1\n', "class C:\n    x = 1"),
        ('X = 1\n"""Not first: a statement."""\n', "X = 1\n'Not first: a statement.'"),
        ('1\nX = 2\n', "1\nX = 2"),  # a first expression that is not a string stays
        ('f()\nX = 2\n', "f()\nX = 2"),
        ('def f():\n    return 1\n', "def f():\n    return 1"),
        ('for i in x:\n    """Loop string."""\n    y = i\n', "for i in x:\n    'Loop string.'\n    y = i"),
        ('"""Doc."""\n"""Second string."""\nX = 1\n', '"""Second string."""\nX = 1'),  # the new first string prints as one
    ],
)
def test_behaviour_source_drops_comments_and_docstrings_only(source, expected):
    assert results.behaviour_source(source) == expected
    assert results.behaviour_source(source.encode()) == expected


def test_behaviour_source_defaults_to_the_training_script():
    from cnn_glossary.mnist import train

    script = Path(train.__file__).read_bytes()
    assert results.behaviour_source() == results.behaviour_source(script)
    assert "SEED = " in results.behaviour_source() and '"""' not in results.behaviour_source()


def test_training_hash_by_hand():
    assert results.training_hash(TINY_CONFIG, TINY_SOURCE) == TINY_HASH
    assert results.training_hash({"subset": None, "epochs": 2, "seed": 1}, TINY_SOURCE.decode()) == TINY_HASH
    assert results.training_hash(dict(TINY_CONFIG, epochs=3), TINY_SOURCE) != TINY_HASH
    assert results.training_hash(TINY_CONFIG, b"X = 2\n") != TINY_HASH


def test_training_hash_defaults_to_the_training_script():
    config = {"seed": 1}
    behaviour = results.behaviour_source(results.training_source())
    expected = hashlib.sha256(behaviour.encode() + b'{"seed": 1}').hexdigest()
    assert results.training_hash(config) == expected


# -- the machine --------------------------------------------------------------------------------------


def test_library_versions_are_the_installed_distributions():
    expected = {"python": platform.python_version()}
    for name in ("tensorflow", "tensorflow-cpu", "keras", "numpy"):
        try:
            expected[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    assert {"keras", "numpy"} <= set(expected)
    assert results.library_versions() == expected


def test_library_versions_name_the_four_training_libraries(monkeypatch):
    """Whichever of them is installed (here every one, as far as the fake metadata says)."""
    from cnn_glossary.site import pipeline

    monkeypatch.setattr(pipeline.importlib.metadata, "version", lambda name: f"v-{name}")
    assert results.library_versions() == {
        "python": platform.python_version(), "tensorflow": "v-tensorflow", "tensorflow-cpu": "v-tensorflow-cpu",
        "keras": "v-keras", "numpy": "v-numpy",
    }


def _fake_cpuinfo(monkeypatch, text: str | None) -> None:
    real = pathlib.Path.read_text

    def read_text(self, *args, **kwargs):
        if str(self) == "/proc/cpuinfo":
            if text is None:
                raise PermissionError(13, "Permission denied")
            return text
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_text", read_text)


def test_cpu_name_is_the_first_model_name_line(monkeypatch):
    _fake_cpuinfo(monkeypatch, "processor\t: 0\nvendor_id\t: Acme\nmodel name\t:  Acme CPU: fast @ 2GHz \n"
                               "model name\t: a second core\n")
    monkeypatch.setattr(os, "cpu_count", lambda: 7)
    assert results.cpu_name() == "Acme CPU: fast @ 2GHz (7 cores)"


@pytest.mark.parametrize("processor, expected", [("Acme-9", "Acme-9 (3 cores)"), ("", "riscv64 (3 cores)")])
def test_cpu_name_without_cpuinfo_asks_platform(monkeypatch, processor, expected):
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setattr(platform, "processor", lambda: processor)
    monkeypatch.setattr(platform, "machine", lambda: "riscv64")
    _fake_cpuinfo(monkeypatch, None)
    assert results.cpu_name() == expected
    _fake_cpuinfo(monkeypatch, "processor\t: 0\nflags\t: fpu\n")  # readable, but no model name
    assert results.cpu_name() == expected


# -- writing ------------------------------------------------------------------------------------------


def test_write_result_writes_the_model_and_the_record(tmp_path):
    folder = tmp_path / "a" / "b"  # does not exist yet, nor does its parent
    model = FakeModel(b"weights \x00\x01")
    digest = hashlib.sha256(b"weights \x00\x01").hexdigest()
    path = results.write_result(_fields(), model, folder)
    assert path == folder / "result.json"
    name = f"model-{digest[:12]}.keras"
    assert sorted(p.name for p in folder.iterdir()) == [name, "result.json"]
    assert (folder / name).read_bytes() == b"weights \x00\x01"
    expected = dict(_fields(), model_file=name, model_sha256=digest)
    expected["result_sha256"] = hashlib.sha256(json.dumps(expected, sort_keys=True).encode()).hexdigest()
    assert path.read_text() == json.dumps(expected, indent=1, sort_keys=True) + "\n"
    assert model.saved_to and not model.saved_to[0].exists()  # staged outside the folder, then removed
    assert folder not in model.saved_to[0].parents
    assert model.saved_to[0].parent.name.startswith("cnn-glossary-model-")  # a leftover is recognisable


def test_write_result_replaces_older_models_and_keeps_other_files(tmp_path):
    (tmp_path / "model-old.keras").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "model-old.h5").write_bytes(b"not a .keras file")
    results.write_result(_fields(), FakeModel(b"one"), tmp_path)
    results.write_result(_fields(), FakeModel(b"two"), tmp_path)
    name = f"model-{hashlib.sha256(b'two').hexdigest()[:12]}.keras"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "model-old.h5", "notes.txt", "result.json"])
    assert json.loads((tmp_path / "result.json").read_text())["model_file"] == name
    # the same model again keeps its file
    results.write_result(_fields(), FakeModel(b"two"), tmp_path)
    assert (tmp_path / name).read_bytes() == b"two"


def test_write_result_names_every_missing_field_and_writes_nothing(tmp_path):
    record = _fields()
    del record["seed"], record["cpu"]
    with pytest.raises(ValueError) as info:
        results.write_result(record, FakeModel(), tmp_path / "out")
    assert str(info.value) == "result lacks seed, cpu"
    assert not (tmp_path / "out").exists()


def test_write_result_needs_no_model_file_field(tmp_path):
    record = _fields()
    assert "model_file" not in record
    assert results.write_result(record, FakeModel(), tmp_path).is_file()


def test_write_result_given_a_model_file_field_replaces_it(tmp_path):
    path = results.write_result(_fields(model_file="elsewhere.keras"), FakeModel(b"m"), tmp_path)
    assert json.loads(path.read_text())["model_file"] == f"model-{hashlib.sha256(b'm').hexdigest()[:12]}.keras"


def test_every_write_goes_to_a_hidden_temporary_name_first(tmp_path, monkeypatch):
    """While a file is being written, the folder shows only a dot-file ending in .tmp, never the real name."""
    seen: list[list[str]] = []
    real_fsync = os.fsync

    def fsync(fd):
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        real_fsync(fd)

    monkeypatch.setattr(results.os, "fsync", fsync)
    results.write_result(_fields(), FakeModel(b"m"), tmp_path)
    name = f"model-{hashlib.sha256(b'm').hexdigest()[:12]}.keras"
    assert len(seen) == 2
    (model_tmp,) = seen[0]  # the model, before its rename
    assert model_tmp.startswith(f".{name}.") and model_tmp.endswith(".tmp")
    json_tmp, model = seen[1]  # result.json, before its rename; the model is in place ("." sorts first)
    assert json_tmp.startswith(".result.json.") and json_tmp.endswith(".tmp") and model == name


def test_an_error_while_writing_removes_the_temporary_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    target.write_bytes(b"old")

    def fail(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results.os, "fsync", fail)
    with pytest.raises(OSError, match="No space"):
        results._atomic_bytes(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"] and target.read_bytes() == b"old"


def test_an_interrupt_just_after_the_rename_stays_an_interrupt(tmp_path, monkeypatch):
    """Ctrl-C may land after os.replace has renamed the file: the cleanup must not turn it into another error."""
    real_replace = os.replace

    def replace_then_interrupt(src, dst):
        real_replace(src, dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(results.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt) as info:
        results._atomic_bytes(tmp_path / "f.bin", b"new")
    assert info.value.__context__ is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def test_atomic_bytes_makes_missing_folders_and_follows_the_umask(tmp_path):
    target = tmp_path / "x" / "y" / "f.bin"
    results._atomic_bytes(target, b"\x00data")
    assert target.read_bytes() == b"\x00data"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


# -- reading ------------------------------------------------------------------------------------------


def test_load_result_reads_the_record_and_todays_hash(tmp_path, tiny_recipe):
    folder = _frozen_folder(tmp_path / "r")
    frozen = results.load_result(folder)
    assert frozen.data == json.loads((folder / "result.json").read_text())
    assert frozen.folder == folder
    assert frozen.current_hash == TINY_HASH
    assert frozen.model_path == folder / frozen.data["model_file"] and frozen.model_path.is_file()
    assert not frozen.stale


def test_load_result_without_a_result_names_the_file_and_the_command(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        results.load_result(tmp_path)
    assert str(info.value) == f"{tmp_path / 'result.json'} does not exist. Train the model first: {results.RETRAIN_COMMAND}"


@pytest.mark.parametrize("how", ["missing", "changed"])
def test_load_result_refuses_a_model_file_that_does_not_match(tmp_path, how):
    folder = _frozen_folder(tmp_path)
    (model,) = folder.glob("model-*.keras")
    if how == "missing":
        model.unlink()
    else:
        model.write_bytes(bytes(b ^ 1 if i == 100 else b for i, b in enumerate(model.read_bytes())))  # same size
    with pytest.raises(FileNotFoundError) as info:
        results.load_result(folder)
    assert str(info.value) == (f"{model} is missing or does not match result.json. "
                               f"Retrain: {results.RETRAIN_COMMAND}")


def test_a_result_from_other_code_is_stale(tmp_path, tiny_recipe):
    frozen = results.load_result(_frozen_folder(tmp_path, training_hash="ab" * 32))
    assert frozen.stale
    assert frozen.stale_message == (
        f"{tmp_path}/result.json was produced by other training code or settings (hash abababababab, "
        f"the code now hashes to {TINY_HASH[:12]}). Retrain with: {results.RETRAIN_COMMAND}"
    )
    with pytest.raises(results.StaleResult) as info:
        results.require_fresh(tmp_path)
    assert str(info.value) == frozen.stale_message


@pytest.mark.parametrize("config", [dict(TINY_CONFIG, subset=3000), None], ids=["subset", "no-config"])
def test_a_result_that_is_not_the_recipe_is_stale(tmp_path, tiny_recipe, config):
    folder = _frozen_folder(tmp_path)
    record = json.loads((folder / "result.json").read_text())
    if config is None:
        del record["config"]
    else:
        record["config"] = config
    (folder / "result.json").write_text(json.dumps(record))
    frozen = results.load_result(folder)
    assert frozen.stale  # the hash matches; the settings do not
    assert frozen.stale_message == (
        f"{tmp_path}/result.json is not the full recipe (it was trained with {config}, the recipe is "
        f"{TINY_CONFIG}). Retrain with: {results.RETRAIN_COMMAND}"
    )
    with pytest.raises(results.StaleResult):
        results.require_fresh(folder)


def test_the_stale_message_names_a_folder_inside_the_project_relative_to_it():
    folder = results.ROOT / "results" / "elsewhere"  # never created: the message needs only the path
    frozen = results.FrozenResult({"training_hash": "cd" * 32, "config": results.recipe_config()}, folder, "ef" * 32)
    assert frozen.stale_message.startswith("results/elsewhere/result.json was produced by other training code")
    assert "(hash cdcdcdcdcdcd, the code now hashes to efefefefefef)" in frozen.stale_message


def test_require_fresh_returns_a_fresh_result(tmp_path, tiny_recipe):
    frozen = results.require_fresh(_frozen_folder(tmp_path))
    assert frozen.data["test_accuracy"] == 0.5 and not frozen.stale


def test_for_page_warns_on_a_stale_result_and_not_on_a_fresh_one(tmp_path, tiny_recipe):
    fresh = _frozen_folder(tmp_path / "fresh")
    stale = _frozen_folder(tmp_path / "stale", training_hash="0" * 64)
    collector = publish.Collector()
    publish.set_collector(collector)
    try:
        assert results.for_page(fresh).data["test_accuracy"] == 0.5
        assert collector.warnings == []
        got = results.for_page(stale)
    finally:
        publish.set_collector(None)
    assert got.folder == stale and got.stale
    assert collector.warnings == [got.stale_message]
    assert "Retrain with: cnn-glossary train" in collector.warnings[0]


def test_load_model_loads_the_recorded_file_without_compiling(tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType("keras")
    fake.saving = types.SimpleNamespace(load_model=lambda *a, **k: calls.append((a, k)) or "a model")
    monkeypatch.setitem(sys.modules, "keras", fake)
    frozen = results.FrozenResult({"model_file": "model-y.keras"}, tmp_path, "0" * 64)
    assert frozen.load_model() == "a model"
    assert calls == [((tmp_path / "model-y.keras",), {"compile": False})]
