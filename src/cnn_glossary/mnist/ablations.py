"""Ablations: our MNIST recipe with exactly one change each, over three seeds, on the validation split.

Each row of ``ABLATIONS`` names one change to the shipped recipe (``cnn_glossary.mnist.train``):
the model builder, the learning-rate schedule or the input pipeline is replaced for that run,
and everything else (data split, seeds, epochs, batch size, optimiser, augmentation) is the
training script's own code. Runs are compared on **validation** accuracy and loss only; the test
split is never evaluated here.

``make ablations`` (``python -m cnn_glossary.mnist.ablations``) trains every (ablation, seed)
that has no finished run yet, one at a time in a fresh process, keeps each finished run under
``.cache/ablations/<hash>/`` (so an interrupted session resumes where it stopped), and writes
``results/ablations/result.json`` in one atomic rename once every run is done. The file records
a hash of this module's and the training script's behaviour; when either changes, the result is
stale and the strict build fails, naming this command.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RESULTS_DIR = ROOT / "results" / "ablations"
CACHE_DIR = ROOT / ".cache" / "ablations"
COMMAND = "make ablations  (or .venv/bin/python -m cnn_glossary.mnist.ablations; about 75 minutes on two quiet cores)"

SEEDS = (1, 2, 3)
CONSTANT_RATES = (0.01, 0.03, 0.1)  # the constant-rate sweep, chosen on validation accuracy at SWEEP_SEED
SWEEP_SEED = 1
TARGET_ACCURACY = 0.99  # "epochs to reach 99 % validation accuracy"


@dataclass(frozen=True)
class Ablation:
    key: str
    label: str  # what changes, as a page shows it
    batch_norm: bool = True
    activation: str = "relu"
    downsample: str = "pool"  # "pool": 2x2 max pooling; "stride": the convolution before it takes stride 2
    head: str = "gap"  # "gap": 1x1 conv to ten maps + global average; "dense": Flatten + Dense(10)
    augmented: bool = True
    constant_rate: bool = False  # a constant learning rate (best of CONSTANT_RATES) instead of the schedule


ABLATIONS = (
    Ablation("full", "our full recipe"),
    Ablation("no_batch_norm", "no batch normalisation", batch_norm=False),
    Ablation("no_augmentation", "no augmentation", augmented=False),
    Ablation("constant_rate", "a constant learning rate", constant_rate=True),
    Ablation("stride_2", "stride-2 convolutions instead of max pooling", downsample="stride"),
    Ablation("dense_head", "Flatten + Dense head instead of 1x1 + global average", head="dense"),
    Ablation("sigmoid", "sigmoid instead of ReLU", activation="sigmoid"),
)
BY_KEY = {a.key: a for a in ABLATIONS}


# --8<-- [start:builder]
def build_variant(keras, ablation: Ablation):
    """Our MNIST model (``train.build_model``) with the one change ``ablation`` names.

    With every option at its default this builds the same layers, shapes and parameter counts as
    the training script's own builder (a test checks that). Without batch normalisation each
    convolution gets its bias back, since batch norm's shift was doing that job.
    """
    layers = keras.layers

    def conv_block(x, channels, kernel_size=3, padding="valid", strides=1, name=None):
        x = layers.Conv2D(channels, kernel_size, strides=strides, padding=padding,
                          use_bias=not ablation.batch_norm, name=name)(x)
        if ablation.batch_norm:
            x = layers.BatchNormalization(name=f"{name}_bn")(x)
        if ablation.activation == "relu":
            return layers.ReLU(name=f"{name}_relu")(x)
        return layers.Activation(ablation.activation, name=f"{name}_{ablation.activation}")(x)

    stride = 2 if ablation.downsample == "stride" else 1
    inputs = keras.Input((28, 28, 1), name="digit")
    x = conv_block(inputs, 16, padding="same", strides=stride, name="conv1")  # 28x28 (14x14 with stride 2)
    if ablation.downsample == "pool":
        x = layers.MaxPooling2D(name="pool1")(x)  # 14x14
    x = conv_block(x, 32, name="conv2")  # 12x12
    x = conv_block(x, 32, strides=stride, name="conv3")  # 10x10 (5x5 with stride 2)
    if ablation.downsample == "pool":
        x = layers.MaxPooling2D(name="pool2")(x)  # 5x5
    x = conv_block(x, 16, kernel_size=1, name="conv4_1x1")
    x = conv_block(x, 32, name="conv5")  # 3x3x32
    if ablation.head == "gap":
        x = layers.Conv2D(10, 1, name="classifier_1x1")(x)
        x = layers.GlobalAveragePooling2D(name="gap")(x)
    else:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(10, name="classifier_dense")(x)
    outputs = layers.Softmax(name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"mnist_cnn_{ablation.key}")
# --8<-- [end:builder]


def run_one(key: str, seed: int, rate: float | None = None, verbose: int = 0) -> dict:
    """Train one (ablation, seed) in this process with the training script's own code; validation only."""
    from cnn_glossary.mnist import train

    ablation = BY_KEY[key]
    train.build_model = lambda keras: build_variant(keras, ablation)
    if ablation.constant_rate:
        if rate is None:
            raise ValueError("a constant-rate run needs its rate")
        train.one_cycle = lambda keras, total_steps: rate
    if not ablation.augmented:
        batches = train.training_batches
        train.training_batches = lambda tf, x, y, epochs, seed: batches(tf, x, y, epochs, seed, augmented=False)
    model, history, _test, seconds = train.train(seed=seed, epochs=train.EPOCHS, verbose=verbose)
    return {
        "key": key, "seed": seed, "rate": rate, "epochs": train.EPOCHS,
        "parameters": int(model.count_params()), "wall_seconds": round(seconds, 1),
        "history": {name: history[name] for name in ("loss", "accuracy", "val_loss", "val_accuracy")},
    }


def behaviour_hash() -> str:
    """sha256 of what this module and the training script do (not their prose) and of the run settings."""
    import inspect

    from cnn_glossary.mnist import results

    digest = hashlib.sha256(results.behaviour_source().encode())
    for part in (Ablation, build_variant, run_one, choose_rate):  # what decides a run (not how it is read)
        digest.update(results.behaviour_source(inspect.getsource(part)).encode())
    digest.update(repr(ABLATIONS).encode())
    digest.update(json.dumps({"seeds": SEEDS, "rates": CONSTANT_RATES, "sweep_seed": SWEEP_SEED}).encode())
    return digest.hexdigest()


def plan(chosen_rate: float | None) -> list[tuple[str, int, float | None]]:
    """Every run, in order: the constant-rate sweep first, then each ablation over the seeds."""
    runs = [("constant_rate", SWEEP_SEED, r) for r in CONSTANT_RATES]
    for ablation in ABLATIONS:
        for seed in SEEDS:
            if ablation.constant_rate:
                if chosen_rate is not None and seed != SWEEP_SEED:
                    runs.append((ablation.key, seed, chosen_rate))
            else:
                runs.append((ablation.key, seed, None))
    return runs


def _run_name(key: str, seed: int, rate: float | None) -> str:
    return f"{key}-seed{seed}" + (f"-rate{rate:g}" if rate is not None else "") + ".json"


def choose_rate(sweep: dict[float, dict]) -> float:
    """The constant rate with the highest final validation accuracy (ties: the lower final validation loss)."""
    return max(sweep, key=lambda r: (sweep[r]["history"]["val_accuracy"][-1], -sweep[r]["history"]["val_loss"][-1]))


def threads_per_run(jobs: int) -> int:
    """TensorFlow threads per training: one each when ``jobs`` trainings share the machine, else 0 (the default pool).

    The published MNIST run (``cnn-glossary train``) sets no thread count, so it uses TensorFlow's default pool.
    """
    return 1 if jobs > 1 else 0


def _spawn(key: str, seed: int, rate: float | None, out: Path, threads: int = 0) -> dict:
    cmd = [sys.executable, "-m", "cnn_glossary.mnist.ablations", "--one", key, str(seed), repr(rate), str(out)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT / "src"))
    if threads:
        env.update(TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS=str(threads))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{key} seed {seed} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def _training_elsewhere(out: Path) -> bool:
    """True while another process (an earlier ``make ablations`` still running) trains into ``out``."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--one" in args and str(out).encode() in args:
            return True
    return False


def _atomic_write(path: Path, data: dict) -> None:
    from cnn_glossary.mnist.results import _atomic_bytes

    _atomic_bytes(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def run_all(log=print, jobs: int = 1) -> Path:
    """Train every missing run (resuming from the cache), then write the frozen result atomically.

    ``jobs`` runs that many trainings at a time (one TensorFlow thread pool each when more than one).
    """
    import datetime as dt
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from cnn_glossary.mnist import results

    digest = behaviour_hash()
    cache = CACHE_DIR / digest[:12]
    cache.mkdir(parents=True, exist_ok=True)
    done: dict[str, dict] = {}
    total = len(plan(chosen_rate=0.0))
    counter = iter(range(1, total + 1))
    lock = threading.Lock()

    def get(key, seed, rate):
        path = cache / _run_name(key, seed, rate)
        with lock:
            index = next(counter)
        what = f"[{index}/{total}] {key} seed {seed}" + (f" rate {rate:g}" if rate is not None else "")
        if not path.exists() and _training_elsewhere(path):
            log(f"{what}: another process is training it; waiting")
            while _training_elsewhere(path) and not path.exists():
                time.sleep(5)
        if path.exists():
            done[path.name] = json.loads(path.read_text())
            log(f"{what}: cached")
            return done[path.name]
        log(f"{what}: training ...")
        start = time.perf_counter()
        row = _spawn(key, seed, rate, path, threads=threads_per_run(jobs))
        done[path.name] = row
        h = row["history"]
        log(f"{what}: val accuracy {h['val_accuracy'][-1]:.2%}, val loss {h['val_loss'][-1]:.4f} "
            f"({time.perf_counter() - start:.0f} s)")
        return row

    def run_many(runs):
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(lambda r: get(*r), runs))

    first = plan(chosen_rate=None)
    rows = run_many(first)
    sweep = {rate: row for (key, _, rate), row in zip(first, rows) if key == "constant_rate"}
    chosen = choose_rate(sweep)
    log(f"constant rate chosen on validation accuracy: {chosen:g}")
    later = [r for r in plan(chosen_rate=chosen) if r not in first]
    run_many(later)
    variants = {}
    for key, seed, rate in plan(chosen_rate=chosen):
        if key == "constant_rate" and rate != chosen:
            continue
        variants.setdefault(key, []).append(done[_run_name(key, seed, rate)])
    result = {
        "hash": digest,
        "seeds": list(SEEDS),
        "constant_rates": list(CONSTANT_RATES),
        "chosen_rate": chosen,
        "sweep": {f"{r:g}": sweep[r] for r in CONSTANT_RATES},
        "ablations": {a.key: {"label": a.label, "runs": sorted(variants[a.key], key=lambda r: r["seed"])}
                      for a in ABLATIONS},
        "versions": results.library_versions(),
        "cpu": results.cpu_name(),
        "jobs": jobs,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "total_wall_seconds": round(sum(r["wall_seconds"] for r in done.values()), 1),
    }
    path = RESULTS_DIR / "result.json"
    _atomic_write(path, result)
    log(f"wrote {path.relative_to(ROOT)} ({len(done)} runs, {result['total_wall_seconds'] / 60:.0f} min of training)")
    return path


# ---- reading the frozen result ----------------------------------------------------------------

class StaleAblations(RuntimeError):
    """The frozen ablations were produced by other code or settings."""


def epochs_to_reach(val_accuracy: list[float], target: float = TARGET_ACCURACY) -> int | None:
    """The first epoch (counted from 1) whose validation accuracy is at least ``target``; None if none is."""
    for epoch, acc in enumerate(val_accuracy, start=1):
        if acc >= target:
            return epoch
    return None


def load(folder: Path = RESULTS_DIR) -> dict:
    path = folder / "result.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist. Train the ablations: {COMMAND}")
    return json.loads(path.read_text())


def stale_message(data: dict, folder: Path = RESULTS_DIR) -> str | None:
    current = behaviour_hash()
    if data.get("hash") == current:
        return None
    where = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    return (f"{where}/result.json was produced by other training or ablation code (hash {str(data.get('hash'))[:12]}, "
            f"the code now hashes to {current[:12]}). Retrain with: {COMMAND}")


def for_page(folder: Path = RESULTS_DIR) -> dict:
    """The frozen ablations for a snippet; a stale result is still shown but fails the strict build."""
    from cnn_glossary.site import publish

    data = load(folder)
    message = stale_message(data, folder)
    if message:
        publish.warning(message)
    return data


@dataclass(frozen=True)
class Summary:
    """One ablation's runs over the seeds: final validation numbers, epochs to the target, curves."""

    key: str
    label: str
    seeds: tuple[int, ...]
    val_accuracy: tuple[float, ...]  # after the last epoch, one per seed
    val_loss: tuple[float, ...]
    epochs_to_target: tuple[int | None, ...]
    seconds: tuple[float, ...]
    parameters: int
    curves: dict  # metric -> one list per seed
    rate: float | None = None

    @property
    def accuracy_range(self) -> tuple[float, float]:
        return min(self.val_accuracy), max(self.val_accuracy)

    @property
    def loss_range(self) -> tuple[float, float]:
        return min(self.val_loss), max(self.val_loss)


def summarise(data: dict, key: str) -> Summary:
    runs = data["ablations"][key]["runs"]
    return Summary(
        key=key, label=data["ablations"][key]["label"],
        seeds=tuple(r["seed"] for r in runs),
        val_accuracy=tuple(r["history"]["val_accuracy"][-1] for r in runs),
        val_loss=tuple(r["history"]["val_loss"][-1] for r in runs),
        epochs_to_target=tuple(epochs_to_reach(r["history"]["val_accuracy"]) for r in runs),
        seconds=tuple(r["wall_seconds"] for r in runs),
        parameters=runs[0]["parameters"],
        curves={m: [r["history"][m] for r in runs] for m in ("val_accuracy", "val_loss", "accuracy", "loss")},
        rate=runs[0].get("rate"),
    )


def _mean(xs) -> float:
    return sum(xs) / len(xs)


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """True when two [lowest, highest] ranges over the seeds share a point."""
    return a[0] <= b[1] and b[0] <= a[1]


def verdict(full: Summary, other: Summary) -> str:
    """How the ablation's final validation accuracy compares with the full recipe's, seed ranges taken into account."""
    if overlap(full.accuracy_range, other.accuracy_range):
        return "overlap"
    return "lower" if other.accuracy_range[1] < full.accuracy_range[0] else "higher"


def outcome_sentence(full: Summary, other: Summary, change: str, comparisons: int = len(ABLATIONS) - 1) -> str:
    """A sentence generated from the numbers: the accuracy comparison and whether the seed ranges overlap.

    ``change`` completes "With ...", e.g. "no batch normalisation".
    """
    n = len(other.seeds)
    head = (f"With {change}, validation accuracy after the last epoch was {_mean(other.val_accuracy):.2%} "
            f"(seeds from {other.accuracy_range[0]:.2%} to {other.accuracy_range[1]:.2%}), against "
            f"{_mean(full.val_accuracy):.2%} ({full.accuracy_range[0]:.2%} to {full.accuracy_range[1]:.2%}) "
            f"for our full recipe")
    v = verdict(full, other)
    if v == "overlap":
        return head + f": the ranges over {n} seeds overlap, so {n} seeds cannot tell these recipes apart."
    edge = "below the full recipe's lowest" if v == "lower" else "above the full recipe's highest"
    m = len(full.seeds)
    chance = math.comb(m + n, n)
    # If the two recipes were equally good and the n + m runs interchangeable, each ordering of the runs is equally
    # likely: all n of the variant's runs end on one given side of all m of ours 1 time in C(n + m, n), on either
    # side 2 times in C(n + m, n). Our runs share seeds, so they are only roughly interchangeable.
    return (head + f": every one of its {n} seeds ended {edge}. That is suggestive, not conclusive: if the recipes "
            f"were equally good, chance alone would split the runs this cleanly, this way round, 1 time in {chance} "
            f"(2 in {chance} either way), and we made {comparisons} such comparisons.")


def loss_sentence(full: Summary, other: Summary, change: str) -> str:
    if overlap(full.loss_range, other.loss_range):
        how = f"the ranges over {len(other.seeds)} seeds overlap"
    else:
        how = "higher in every seed" if other.loss_range[0] > full.loss_range[1] else "lower in every seed"
    return (f"Validation loss with {change}: {_mean(other.val_loss):.4f} against {_mean(full.val_loss):.4f} "
            f"({how}).")


def target_phrase(epochs: tuple[int | None, ...], target: float = TARGET_ACCURACY) -> str:
    """'epochs 3, 3, 4' or 'never in 15 epochs' style wording for epochs to reach the target, per seed."""
    return ", ".join("never" if e is None else str(e) for e in epochs)


def rerun_sentence(published: dict, data: dict) -> str:
    """How the full recipe's run at the published seed compares with the published run, and what differed in their
    settings, generated from the two result files. It names the thread settings as a difference, not as the cause."""
    seed = published["seed"]
    run = next(r for r in data["ablations"]["full"]["runs"] if r["seed"] == seed)
    ours, theirs = run["history"], published["history"]
    if ours["val_accuracy"] == theirs["val_accuracy"] and ours["val_loss"] == theirs["val_loss"]:
        return (f"The seed-{seed} run of our full recipe repeats the published network's validation curves "
                "exactly.")
    shared = [f"the same seed ({seed})"]
    if data.get("versions") == published.get("versions"):
        shared.append("the same library versions")
    if data.get("cpu") == published.get("cpu"):
        shared.append("the same kind of CPU")
    shared_text = ", ".join(shared[:-1]) + " and " + shared[-1] if len(shared) > 1 else shared[0]
    reach_ours, reach_theirs = epochs_to_reach(ours["val_accuracy"]), epochs_to_reach(theirs["val_accuracy"])
    reach = ""
    if reach_ours != reach_theirs:
        reach = (f", and it first reached {TARGET_ACCURACY:.0%} at epoch {target_phrase((reach_ours,))} against "
                 f"{target_phrase((reach_theirs,))}")
    jobs = int(data.get("jobs", 1))
    threads = threads_per_run(jobs)
    if threads:
        how = (f"One setting we know differed: the ablations ran {jobs} at a time with {threads} "
               f"TensorFlow thread each, the published run with TensorFlow's default thread pool. A different "
               f"thread count can add numbers up in a different order, which changes the last digits of a sum; "
               f"we have not measured whether that alone explains the gap.")
    else:
        how = ("Both used TensorFlow's default thread pool; we have not found what made them differ.")
    return (f"These runs are separate from the published network. With {shared_text}, the seed-{seed} run of our "
            f"full recipe ended at {ours['val_accuracy'][-1]:.2%} validation accuracy, against "
            f"{theirs['val_accuracy'][-1]:.2%} for the published run{reach}. {how}")


@functools.lru_cache(maxsize=None)
def learned_parameters(key: str) -> int:
    """The parameters gradient descent trains in one variant: the sizes of its Keras trainable weights.

    The frozen runs record Keras's ``count_params()``, which also counts each batch-normalisation layer's moving
    mean and variance (non-trainable running averages, not learned). The variant is rebuilt here to count what is
    learned; :func:`table_rows` checks that the rebuilt model's Keras count equals the one the run recorded.
    """
    import keras

    model = build_variant(keras, BY_KEY[key])
    return sum(math.prod(w.shape) for w in model.trainable_weights)


@functools.lru_cache(maxsize=None)
def keras_parameters(key: str) -> int:
    """Keras's ``count_params()`` of the rebuilt variant: learned weights plus batch norm's moving statistics."""
    import keras

    return int(build_variant(keras, BY_KEY[key]).count_params())


def parameter_counts(s: Summary) -> tuple[int, int]:
    """(learned, Keras's count) for one ablation; fails if the rebuilt variant is not the model that was trained."""
    if keras_parameters(s.key) != s.parameters:
        raise RuntimeError(f"{s.key}: the rebuilt variant has {keras_parameters(s.key)} Keras parameters, the frozen "
                           f"runs recorded {s.parameters}. Retrain with: {COMMAND}")
    return learned_parameters(s.key), s.parameters


def table_rows(data: dict, keys: list[str]) -> list[list]:
    """One row per ablation: what changed, final validation accuracy and loss (mean, range), epochs to 99 %, and
    its parameters: learned, and as Keras counts them (with batch norm's moving statistics)."""
    rows = []
    for key in keys:
        s = summarise(data, key)
        rows.append([
            s.label + (f" ({s.rate:g})" if s.rate is not None else ""),
            _mean(s.val_accuracy), f"{s.accuracy_range[0]:.2%} to {s.accuracy_range[1]:.2%}",
            _mean(s.val_loss), target_phrase(s.epochs_to_target), *parameter_counts(s),
        ])
    return rows


TABLE_HEADERS = ["recipe", "validation accuracy (mean)", "lowest to highest seed", "validation loss (mean)",
                 f"epochs to {TARGET_ACCURACY:.0%} validation accuracy, per seed", "learned parameters",
                 "Keras's count (adds batch norm's moving averages)"]
TABLE_FORMATS = [None, ".2%", None, ".4f", None, ",", ","]


def comparison_values(data: dict, key: str, change: str) -> dict[str, tuple[object, str | None]]:
    """What a page says about one ablation against the full recipe: name -> (value, format), sentences included."""
    full, other = summarise(data, "full"), summarise(data, key)
    return {
        "sentence": (outcome_sentence(full, other, change), None),
        "loss_sentence": (loss_sentence(full, other, change), None),
        "verdict": (verdict(full, other), None),
        "accuracy": (_mean(other.val_accuracy), ".2%"),
        "full_accuracy": (_mean(full.val_accuracy), ".2%"),
        "loss": (_mean(other.val_loss), ".4f"),
        "full_loss": (_mean(full.val_loss), ".4f"),
        "epochs_to_target": (target_phrase(other.epochs_to_target), None),
        "full_epochs_to_target": (target_phrase(full.epochs_to_target), None),
        "parameters": (parameter_counts(other)[0], ","),  # learned, as the pages define a parameter
        "full_parameters": (parameter_counts(full)[0], ","),
        "keras_parameters": (parameter_counts(other)[1], ","),  # Keras's count, with moving statistics
        "full_keras_parameters": (parameter_counts(full)[1], ","),
        "seeds": (len(other.seeds), None),
        "epochs": (len(other.curves["val_accuracy"][0]), None),
        "target": (TARGET_ACCURACY, ".0%"),
    }


def publish_comparison(data: dict, changes: dict[str, tuple[str, str]]) -> None:
    """Publish a page's comparison: for each ``prefix -> (ablation key, "no batch normalisation")`` the values of
    :func:`comparison_values` (names prefixed), then one table and one curves figure with the full recipe first."""
    from cnn_glossary.figures import ablations as drawing
    from cnn_glossary.site import publish

    keys = [key for key, _ in changes.values()]
    for prefix, (key, change) in changes.items():
        for name, (value, fmt) in comparison_values(data, key, change).items():
            publish.value(prefix + name, value, fmt=fmt)
    publish.table("runs", table_rows(data, ["full", *keys]), headers=TABLE_HEADERS, fmts=TABLE_FORMATS)
    summaries = [summarise(data, k) for k in ["full", *keys]]
    fig, floor = drawing.curves(summaries)
    alt, caption = drawing.alt_and_caption(summaries, floor)
    publish.figure("curves", fig, alt=alt, caption=caption)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--one"]:
        key, seed, out = argv[1], int(argv[2]), Path(argv[4])
        rate = None if argv[3] == "None" else float(argv[3])
        row = run_one(key, seed, rate)
        _atomic_write(out, row)
        return 0
    parser = argparse.ArgumentParser(prog="python -m cnn_glossary.mnist.ablations", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1, choices=(1, 2),
                        help="trainings at a time (2: one TensorFlow thread each; the seconds recorded are then "
                             "those of a shared machine)")
    args = parser.parse_args(argv)
    try:
        run_all(jobs=args.jobs)
    except KeyboardInterrupt:
        print("\ninterrupted: finished runs are kept in .cache/ablations/; results/ablations/ is unchanged",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
