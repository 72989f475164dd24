"""``cnn-glossary``: train the MNIST model, or check that the committed result reproduces."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
from pathlib import Path

TOLERANCE_PP = 0.1  # percentage points


def build_result(model, history: dict, test, loss: float, accuracy: float, predicted, config: dict,
                 seconds: float) -> dict:
    import numpy as np

    from cnn_glossary.mnist import results

    y_true = np.asarray(test[1])
    y_pred = predicted.argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y_true, y_pred), 1)
    wrong = np.flatnonzero(y_pred != y_true)
    layers = [
        {
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": list(layer.output.shape[1:]),
            "parameters": int(layer.count_params()),
        }
        for layer in model.layers
    ]
    return {
        "test_loss": loss,
        "test_accuracy": accuracy,
        "history": history,
        "confusion_matrix": confusion.tolist(),
        "misclassified": {
            "index": wrong.tolist(),
            "true": y_true[wrong].tolist(),
            "predicted": y_pred[wrong].tolist(),
            "confidence": predicted[wrong, y_pred[wrong]].round(4).tolist(),
        },
        "parameters": int(model.count_params()),
        "layers": layers,
        "seed": config["seed"],
        "epochs": config["epochs"],
        "config": config,
        "wall_seconds": round(seconds, 1),
        "versions": results.library_versions(),
        "cpu": results.cpu_name(),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "training_hash": results.training_hash(config),
    }


def run_training(seed: int, epochs: int, subset: int | None, out: Path) -> dict:
    import time

    from cnn_glossary.mnist import results, train

    config = {"seed": seed, "epochs": epochs, "subset": subset}
    print(f"Training {epochs} epochs with seed {seed}" + (f" on {subset} images" if subset else ""), flush=True)
    start = time.perf_counter()
    model, history, test, _ = train.train(seed=seed, epochs=epochs, subset=subset,
                                          verbose=1 if sys.stdout.isatty() else 2)
    loss, accuracy, predicted = train.evaluate(model, test)
    seconds = time.perf_counter() - start
    result = build_result(model, history, test, loss, accuracy, predicted, config, seconds)
    path = results.write_result(result, model, out)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.2%} "
          f"({result['parameters']:,} parameters, {seconds:.0f} s); wrote {path}")
    return result


def positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return value


def unwritable(out: Path) -> str | None:
    """Why the results can not be saved into ``out`` (checked before training), or ``None``.

    The folder need not exist yet: its nearest existing ancestor must be a folder a file can be created in.
    A probe file is created there and removed at once; nothing else is created.
    """
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".cnn-glossary-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"{existing} does not accept new files ({exc.strerror or exc})"
    return None


def cmd_train(args) -> int:
    from cnn_glossary.mnist import results

    out = Path(args.out) if args.out else results.RESULTS_DIR
    config = {"seed": args.seed, "epochs": args.epochs, "subset": args.subset}
    if not results.is_full_recipe(config) and out.resolve() == results.RESULTS_DIR.resolve():
        recipe = results.recipe_config()
        print(f"error: only the full recipe (seed {recipe['seed']}, {recipe['epochs']} epochs, every training image) "
              f"may write {results.RESULTS_DIR.relative_to(results.ROOT)}/; pass --out DIR for this run",
              file=sys.stderr)
        return 2
    why = unwritable(out)
    if why:
        print(f"error: --out {out} is not writable: {why}. Nothing was trained; choose a writable folder",
              file=sys.stderr)
        return 2
    run_training(args.seed, args.epochs, args.subset, out)
    return 0


def cmd_reproduce(args) -> int:
    from cnn_glossary.mnist import results

    frozen = results.load_result(Path(args.results) if args.results else results.RESULTS_DIR)
    if frozen.stale:
        print(f"error: {frozen.stale_message}", file=sys.stderr)
        return 1
    config = results.recipe_config()  # the recipe's constants, never the result's own settings
    with tempfile.TemporaryDirectory() as tmp:
        fresh = run_training(config["seed"], config["epochs"], config["subset"], Path(tmp))
    committed, again = frozen.data["test_accuracy"] * 100, fresh["test_accuracy"] * 100
    gap = abs(committed - again)
    print(f"committed test accuracy {committed:.2f} %, reproduced {again:.2f} %: "
          f"difference {gap:.3f} percentage points (tolerance {TOLERANCE_PP})")
    if gap > TOLERANCE_PP:
        print("error: the committed MNIST result did not reproduce", file=sys.stderr)
        return 1
    print("reproduced")
    return 0


def quiet_tensorflow(verbose: bool) -> None:
    """Hide TensorFlow's start-up noise (absl, oneDNN, "NodeDef mentions attribute") unless verbose.

    TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL`` once, when it is first imported, so this runs
    before anything imports it. Level 3 keeps only fatal messages of the C++ runtime; Python
    errors and tracebacks are not affected.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0" if verbose else "3"
    if not verbose:
        import logging

        logging.getLogger("absl").setLevel(logging.ERROR)
        import_tensorflow_quietly()


# Lines TensorFlow's C++ runtime writes while it loads, whatever TF_CPP_MIN_LOG_LEVEL says
# (since TensorFlow 2.20 the oneDNN notice is logged before the level is read).
_STARTUP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|port\.cc:\d+\] oneDNN custom operations are on"
    r"|cpu_feature_guard\.cc:\d+\]|^To enable the following instructions:"
)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up lines filtered out of the process's stderr.

    The C++ runtime writes to file descriptor 2 directly, so Python's ``sys.stderr`` cannot catch
    it: the descriptor is pointed at a temporary file for the import, and afterwards every line
    that is not known start-up noise is written back to stderr. If the import fails, everything
    is written back, so an error is never hidden.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    failed = True
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
            import keras  # noqa: F401

            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept = [line for line in lines if failed or not _STARTUP_NOISE.search(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    quiet_tensorflow("--verbose" in argv)
    from cnn_glossary.mnist import train

    parser = argparse.ArgumentParser(prog="cnn-glossary", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_train = sub.add_parser("train", help="train the MNIST model and write results/mnist/")
    p_train.add_argument("--seed", type=int, default=train.SEED)
    p_train.add_argument("--epochs", type=positive_int, default=train.EPOCHS)
    p_train.add_argument("--subset", type=positive_int, default=None,
                         help="train on the first N images only (for tests)")
    p_train.add_argument("--out", default=None, help="results folder (default: results/mnist)")
    p_train.add_argument("--verbose", action="store_true", help="show TensorFlow's own start-up messages")
    p_train.set_defaults(func=cmd_train)
    p_rep = sub.add_parser("reproduce", help="retrain from scratch and compare with the committed result")
    p_rep.add_argument("--results", default=None)
    p_rep.add_argument("--verbose", action="store_true", help="show TensorFlow's own start-up messages")
    p_rep.set_defaults(func=cmd_reproduce)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        where = "the results folder" if args.command == "reproduce" else (args.out or "results/mnist/")
        print(f"\ninterrupted: training stopped, nothing was written to {where}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
