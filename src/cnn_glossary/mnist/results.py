"""The frozen MNIST training result: write it atomically, read it back, tell when it is stale.

``results/mnist/`` holds ``result.json`` and the trained model ``model-<hash>.keras``. The
model is written first under a name of its own, then ``result.json`` is replaced in one
atomic rename, then older model files are removed: an interrupted run leaves the previous
result whole. ``result.json`` records the hash of the training code and configuration;
when that no longer matches the code, the result is stale.

``result.json`` is also bound to its model and to itself, so that a number edited by hand
never reaches a page: the model file must hash to the recorded sha256, its layers and weight
count must be the ones recorded, and the numbers must agree with each other (the test
accuracy is the confusion matrix's trace over its total, the misclassified digits are its
off-diagonal cells, every history has one entry per epoch, ...). A result written since
these checks exist also records ``result_sha256``, the hash of everything else in the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cnn_glossary.site import pipeline

ROOT = Path(__file__).resolve().parents[3]
RESULTS_DIR = ROOT / "results" / "mnist"
RETRAIN_COMMAND = "cnn-glossary train  (from a checkout: .venv/bin/cnn-glossary train)"
REQUIRED_FIELDS = (
    "test_loss", "test_accuracy", "history", "confusion_matrix", "misclassified", "parameters", "seed",
    "epochs", "wall_seconds", "versions", "cpu", "date", "training_hash", "model_file", "config", "layers",
)


class StaleResult(RuntimeError):
    """The frozen result was produced by different training code or configuration."""


class TamperedResult(ValueError):
    """``result.json`` does not agree with itself or with its model file: edited by hand, or damaged."""


def training_source() -> bytes:
    return (Path(__file__).resolve().parent / "train.py").read_bytes()


def behaviour_source(source: bytes | str | None = None) -> str:
    """The training script as Python sees it: comments, Markdown cells and docstrings removed.

    Editing the script's prose (it is also the site's "Training script" page) changes nothing here;
    editing a statement or a constant does.
    """
    import ast

    tree = ast.parse(training_source() if source is None else source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def recipe_config() -> dict:
    """The full recipe: the training script's own SEED and EPOCHS, on the whole training split."""
    from cnn_glossary.mnist import train

    return {"seed": train.SEED, "epochs": train.EPOCHS, "subset": None}


def is_full_recipe(config: dict) -> bool:
    return config == recipe_config()


def training_hash(config: dict, source: bytes | str | None = None) -> str:
    """sha256 of what the training script does (not its prose) and of the run's settings."""
    digest = hashlib.sha256(behaviour_source(source).encode())
    digest.update(json.dumps(config, sort_keys=True).encode())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries that compute the training result."""
    return pipeline.library_versions(("tensorflow", "tensorflow-cpu", "keras", "numpy"))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores)"


def _atomic_bytes(path: Path, data: bytes) -> None:
    """Write ``path`` in one rename, with the user's umask; an interrupt leaves no temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~pipeline.UMASK)  # mkstemp makes 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_result(result: dict, model, folder: Path = RESULTS_DIR) -> Path:
    """Save ``model`` and ``result`` into ``folder`` so that a reader never sees half of it."""
    missing = [f for f in REQUIRED_FIELDS if f not in result and f != "model_file"]
    if missing:
        raise ValueError(f"result lacks {', '.join(missing)}")
    folder.mkdir(parents=True, exist_ok=True)
    # Staged outside the results folder: an interrupt mid-save leaves nothing behind in it.
    with tempfile.TemporaryDirectory(prefix="cnn-glossary-model-") as tmp:
        staged = Path(tmp) / "model.keras"
        model.save(staged)
        data = staged.read_bytes()
    name = f"model-{hashlib.sha256(data).hexdigest()[:12]}.keras"
    _atomic_bytes(folder / name, data)
    result = dict(result, model_file=name, model_sha256=hashlib.sha256(data).hexdigest())
    result.pop("result_sha256", None)
    result["result_sha256"] = result_digest(result)
    _atomic_bytes(folder / "result.json", (json.dumps(result, indent=1, sort_keys=True) + "\n").encode())
    for old in folder.glob("model-*.keras"):
        if old.name != name:
            old.unlink()
    return folder / "result.json"


def result_digest(data: dict) -> str:
    """sha256 of every field but ``result_sha256`` itself, as sorted-key JSON."""
    rest = {k: v for k, v in data.items() if k != "result_sha256"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()


HISTORY_KEYS = ("accuracy", "loss", "val_accuracy", "val_loss")


def _number(v) -> bool:
    import math

    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def consistency_problems(data: dict) -> list[str]:
    """Every way the numbers of ``result.json`` disagree with each other, as ``"field: why"`` lines.

    What can be recomputed from the file itself is: the test accuracy from the confusion matrix,
    the misclassified digits from its off-diagonal cells, the parameter count from the layers,
    the length of every history from the epochs, the seed and epochs from the run's settings.
    """
    missing = [f for f in (*REQUIRED_FIELDS, "model_sha256") if f not in data and f != "config"]  # no config: stale
    if missing:
        return [f"{f}: missing" for f in missing]
    problems = []
    cm = data["confusion_matrix"]
    if not (isinstance(cm, list) and len(cm) == 10 and all(isinstance(r, list) and len(r) == 10 for r in cm)
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for r in cm for v in r)):
        return ["confusion_matrix: not a 10 by 10 table of counts"]
    total = sum(map(sum, cm))
    trace = sum(cm[i][i] for i in range(10))
    accuracy = data["test_accuracy"]
    if not _number(accuracy) or total == 0 or abs(accuracy - trace / total) > 1e-6:
        problems.append(f"test_accuracy: {accuracy!r} is not the confusion matrix's trace / total "
                        f"({trace} / {total} = {trace / max(total, 1):.6f})")
    if not _number(data["test_loss"]) or data["test_loss"] < 0:
        problems.append(f"test_loss: {data['test_loss']!r} is not a loss (a finite number, 0 or more)")
    wrong = data["misclassified"]
    fields = ("index", "true", "predicted", "confidence")
    if not (isinstance(wrong, dict) and all(isinstance(wrong.get(f), list) for f in fields)):
        problems.append("misclassified: needs the lists " + ", ".join(fields))
    else:
        lengths = {f: len(wrong[f]) for f in fields}
        if set(lengths.values()) != {total - trace}:
            problems.append(f"misclassified: {lengths} entries, but the confusion matrix has {total} - {trace} = "
                            f"{total - trace} misclassified digits")
        else:
            pairs = [[0] * 10 for _ in range(10)]
            for t, p in zip(wrong["true"], wrong["predicted"]):
                if isinstance(t, int) and isinstance(p, int) and 0 <= t < 10 and 0 <= p < 10:
                    pairs[t][p] += 1
            off = [[cm[t][p] if t != p else 0 for p in range(10)] for t in range(10)]
            if pairs != off:
                cells = [(t, p) for t in range(10) for p in range(10) if pairs[t][p] != off[t][p]]
                problems.append(f"misclassified: its (true, predicted) pairs do not match the confusion matrix's "
                                f"off-diagonal cells, e.g. at {cells[:3]}")
            index = wrong["index"]
            if (len(set(index)) != len(index) or index != sorted(index)
                    or not all(isinstance(i, int) and 0 <= i < total for i in index)):
                problems.append(f"misclassified: the indices are not distinct test images in order (0 to {total - 1})")
            if not all(_number(c) and 0.1 <= c <= 1 for c in wrong["confidence"]):
                problems.append("misclassified: a confidence outside 0.1 to 1 (the top of ten probabilities)")
    history, epochs = data["history"], data["epochs"]
    if not isinstance(history, dict) or not set(HISTORY_KEYS) <= set(history):
        problems.append(f"history: needs {', '.join(HISTORY_KEYS)}")
    else:
        for key in history:
            series = history[key]
            if not isinstance(series, list) or len(series) != epochs:
                problems.append(f"history: {key} has {len(series) if isinstance(series, list) else '?'} entries, "
                                f"epochs is {epochs}")
            elif not all(_number(v) and v >= 0 and (v <= 1 or "accuracy" not in key) for v in series):
                problems.append(f"history: {key} holds a value that is not a finite "
                                + ("fraction" if "accuracy" in key else "number of 0 or more"))
    config = data.get("config")
    for key in ("seed", "epochs"):
        if isinstance(config, dict) and config.get(key) != data[key]:
            problems.append(f"{key}: {data[key]!r}, but the run's config says {config.get(key)!r}")
    layers = data["layers"]
    if not (isinstance(layers, list) and all(isinstance(l, dict) and isinstance(l.get("parameters"), int)
                                             for l in layers)):
        problems.append("layers: needs name, type, output_shape and parameters for every layer")
    elif sum(l["parameters"] for l in layers) != data["parameters"]:
        problems.append(f"parameters: {data['parameters']!r}, but the layers add up to "
                        f"{sum(l['parameters'] for l in layers)}")
    if data["model_file"] != f"model-{str(data['model_sha256'])[:12]}.keras":
        problems.append(f"model_file: {data['model_file']!r} is not named after its sha256 ({str(data['model_sha256'])[:12]})")
    if "result_sha256" in data and data["result_sha256"] != result_digest(data):
        problems.append("result_sha256: the file's other fields do not hash to it (a number was changed after saving)")
    return problems


def model_problems(data: dict, model: Path) -> list[str]:
    """Every way the model file disagrees with ``result.json``, read without TensorFlow: its layers
    (names and types, from ``config.json`` in the ``.keras`` archive), its weight count (the sizes of the
    layer weights in ``model.weights.h5``) and the Keras version that saved it."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(model) as archive:
            config = json.loads(archive.read("config.json"))
            meta = json.loads(archive.read("metadata.json"))
            weights = archive.read("model.weights.h5")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        return [f"model_file: {model.name} is not a Keras model archive ({exc})"]
    problems = []
    saved = [(l.get("config", {}).get("name"), l.get("class_name")) for l in config.get("config", {}).get("layers", [])]
    recorded = [(l.get("name"), l.get("type")) for l in data["layers"]]
    if saved != recorded:
        problems.append(f"layers: the model file's layers are {saved}, result.json records {recorded}")
    import h5py

    per_layer: dict[str, int] = {}  # "conv2d_1/vars/0" -> the layer's weight group "conv2d_1"

    def count(name: str, obj) -> None:
        if isinstance(obj, h5py.Dataset):
            per_layer[name.split("/")[0]] = per_layer.get(name.split("/")[0], 0) + obj.size

    with h5py.File(io.BytesIO(weights), "r") as h5:
        if "layers" in h5:
            h5["layers"].visititems(count)
    if sum(per_layer.values()) != data["parameters"]:
        problems.append(f"parameters: {data['parameters']!r}, but the model file holds {sum(per_layer.values())} "
                        "weights")
    elif sorted(v for v in per_layer.values() if v) != sorted(l["parameters"] for l in data["layers"] if l["parameters"]):
        problems.append("layers: the parameters recorded per layer are not the model file's "
                        f"({sorted(v for v in per_layer.values() if v)})")
    keras_version = data.get("versions", {}).get("keras") if isinstance(data.get("versions"), dict) else None
    if meta.get("keras_version") != keras_version:
        problems.append(f"versions: keras {keras_version!r}, but the model file was saved by {meta.get('keras_version')!r}")
    return problems


@dataclass
class FrozenResult:
    data: dict
    folder: Path
    current_hash: str

    @property
    def stale(self) -> bool:
        """True unless the result came from today's code run with the full recipe's settings."""
        return self.data["training_hash"] != self.current_hash or not is_full_recipe(self.data.get("config", {}))

    @property
    def stale_message(self) -> str:
        where = f"{self.folder.relative_to(ROOT) if self.folder.is_relative_to(ROOT) else self.folder}/result.json"
        if not is_full_recipe(self.data.get("config", {})):
            return (f"{where} is not the full recipe (it was trained with {self.data.get('config')}, the recipe "
                    f"is {recipe_config()}). Retrain with: {RETRAIN_COMMAND}")
        return (
            f"{where} was produced by other training code or settings (hash {self.data['training_hash'][:12]}, "
            f"the code now hashes to {self.current_hash[:12]}). Retrain with: {RETRAIN_COMMAND}"
        )

    @property
    def model_path(self) -> Path:
        return self.folder / self.data["model_file"]

    def load_model(self):
        import keras

        from cnn_glossary.mnist import train  # noqa: F401 - registers nothing, but keeps the dependency visible

        return keras.saving.load_model(self.model_path, compile=False)


def in_checkout() -> bool:
    """Whether the package runs from a checkout of the project (which has ``results/mnist/``), not installed."""
    return (ROOT / "pyproject.toml").is_file() and (ROOT / "src" / "cnn_glossary").is_dir()


def load_result(folder: Path = RESULTS_DIR) -> FrozenResult:
    """Read the frozen result; raises FileNotFoundError with the command that creates it.

    Outside a checkout (the package installed from a wheel, as in a page's notebook) the default folder
    is the published site's copy, fetched and checked by :mod:`cnn_glossary.mnist.published`.
    """
    if folder == RESULTS_DIR and not in_checkout():
        from cnn_glossary.mnist import published

        folder = published.results_folder()
    path = folder / "result.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist. Train the model first: {RETRAIN_COMMAND}")
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise TamperedResult(f"{where} is not valid JSON ({exc}). {_FIX}") from None
    if not isinstance(data, dict) or not isinstance(data.get("model_file"), str):
        raise TamperedResult(f"{where} does not name its model file (model_file). {_FIX}")
    model = folder / data["model_file"]
    if not model.exists() or hashlib.sha256(model.read_bytes()).hexdigest() != data.get("model_sha256"):
        raise FileNotFoundError(f"{model} is missing or does not match result.json. Retrain: {RETRAIN_COMMAND}")
    problems = consistency_problems(data)
    if not problems:
        problems = model_problems(data, model)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise TamperedResult(f"{where} does not agree with itself or with its model file {data['model_file']}, "
                             f"so none of its numbers are shown:\n{lines}\n{_FIX}")
    return FrozenResult(data, folder, training_hash(recipe_config()))


_FIX = ("It was edited by hand or is damaged: restore the committed copy (git checkout -- results/mnist/), "
        f"or retrain with: {RETRAIN_COMMAND}")


def require_fresh(folder: Path = RESULTS_DIR) -> FrozenResult:
    result = load_result(folder)
    if result.stale:
        raise StaleResult(result.stale_message)
    return result


def for_page(folder: Path = RESULTS_DIR) -> FrozenResult:
    """The frozen result for a snippet: a stale one is still shown, but flagged.

    The flag becomes a build warning (``mkdocs build --strict`` fails, naming the retrain
    command) and a visible box on every page that embeds the snippet's results.
    """
    from cnn_glossary.site import publish

    result = load_result(folder)
    if result.stale:
        publish.warning(result.stale_message)
    return result
