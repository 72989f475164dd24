"""The frozen MNIST training result: write it atomically, read it back, tell when it is stale.

``results/mnist/`` holds ``result.json`` and the trained model ``model-<hash>.keras``. The
model is written first under a name of its own, then ``result.json`` is replaced in one
atomic rename, then older model files are removed: an interrupted run leaves the previous
result whole. ``result.json`` records the hash of the training code and configuration;
when that no longer matches the code, the result is stale.
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
    _atomic_bytes(folder / "result.json", (json.dumps(result, indent=1, sort_keys=True) + "\n").encode())
    for old in folder.glob("model-*.keras"):
        if old.name != name:
            old.unlink()
    return folder / "result.json"


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
    data = json.loads(path.read_text())
    model = folder / data["model_file"]
    if not model.exists() or hashlib.sha256(model.read_bytes()).hexdigest() != data["model_sha256"]:
        raise FileNotFoundError(f"{model} is missing or does not match result.json. Retrain: {RETRAIN_COMMAND}")
    return FrozenResult(data, folder, training_hash(recipe_config()))


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
