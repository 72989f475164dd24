"""Variants of the MNIST recipe, trained over several seeds: what each change buys in accuracy and time.

Run: `.venv/bin/python benchmarks/mnist_recipes.py [--variants a,b] [--seeds 1,2,3] [--jobs 2]`.
Each (variant, seed) trains from scratch in a fresh process with the shipped training code
(`cnn_glossary.train`), changed only as the variant says. It prints one line per run, then a
table with each variant's final validation accuracy, final test accuracy (mean and lowest over
the seeds) and training seconds. The test set is evaluated once per run, after the last epoch.

`--jobs 2` trains two runs at a time with one thread each. On two cores that gives about the
same throughput as one run at a time with two threads, but the seconds it prints are then those
of a shared machine: compare them with each other, not with the frozen result's wall time.
A full run of every variant over three seeds takes several hours on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def _two_convs_at_full_resolution(keras):
    """Like the shipped model, with an 8-channel convolution before the 16-channel one at 28x28."""
    layers = keras.layers

    def block(x, channels, kernel_size=3, padding="valid"):
        x = layers.Conv2D(channels, kernel_size, padding=padding, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    inputs = keras.Input((28, 28, 1))
    x = block(inputs, 8, padding="same")
    x = block(x, 16, padding="same")
    x = layers.MaxPooling2D()(x)  # 14x14
    x = block(x, 32)
    x = block(x, 32)
    x = layers.MaxPooling2D()(x)  # 5x5
    x = block(x, 16, kernel_size=1)
    x = block(x, 24)  # 3x3
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(10, 1)(x))
    return keras.Model(inputs, layers.Softmax()(x))


# name: (module constants to change, label smoothing, model builder or None for the shipped one)
VARIANTS = {
    "shipped": ({}, 0.0, None),
    "weight-decay": ({"WEIGHT_DECAY": 0.002}, 0.0, None),
    "weight-decay+smoothing": ({"WEIGHT_DECAY": 0.002}, 0.1, None),
    "weight-decay+smoothing, 30 epochs": ({"WEIGHT_DECAY": 0.002, "EPOCHS": 30}, 0.1, None),
    "weight-decay, stronger augmentation": (
        {"WEIGHT_DECAY": 0.002, "MAX_ROTATION_DEGREES": 12.0, "MAX_SHIFT_PIXELS": 3.0}, 0.0, None),
    "two convolutions at 28x28": ({}, 0.0, _two_convs_at_full_resolution),
}


def run_one(variant: str, seed: int, threads: int, subset: int = 0) -> dict:
    """Train one (variant, seed) in this process and return its measurements."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, SRC)
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras
    import numpy as np

    from cnn_glossary import train

    constants, smoothing, builder = VARIANTS[variant]
    for name, value in constants.items():
        setattr(train, name, value)
    if builder:
        train.build_model = builder
    if smoothing:
        compile_ = keras.Model.compile

        def smoothed_loss(y_true, y_pred):
            one_hot = keras.ops.one_hot(keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32"), 10)
            return keras.losses.categorical_crossentropy(one_hot, y_pred, label_smoothing=smoothing)

        def compile_smoothed(self, **kwargs):
            kwargs.update(loss=smoothed_loss, metrics=["sparse_categorical_accuracy"])
            return compile_(self, **kwargs)

        keras.Model.compile = compile_smoothed

    model, history, (x_test, y_test), seconds = train.train(
        seed=seed, epochs=train.EPOCHS, subset=subset or None, verbose=0)
    probabilities = model.predict(x_test, batch_size=1000, verbose=0)
    val_key = next(k for k in history if k.startswith("val_") and k.endswith("accuracy"))
    return {
        "variant": variant,
        "seed": seed,
        "parameters": model.count_params(),
        "epochs": train.EPOCHS,
        "val_accuracy": history[val_key][-1],
        "test_accuracy": float(np.mean(probabilities.argmax(axis=1) == y_test)),
        # Plain cross-entropy, whatever loss the variant trained with.
        "test_loss": float(-np.mean(np.log(np.maximum(probabilities[np.arange(len(y_test)), y_test], 1e-7)))),
        "train_seconds": seconds,
    }


def spawn(variant: str, seed: int, threads: int, subset: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", variant, str(seed), str(threads), str(subset)],
        capture_output=True, text=True,
    )
    if out.returncode:
        raise RuntimeError(f"{variant!r} seed {seed} failed:\n{out.stderr[-3000:]}")
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {variant:<36} seed {seed}: val {row['val_accuracy']:.2%}  test {row['test_accuracy']:.2%}  "
          f"{row['train_seconds']:.0f} s", flush=True)
    return row


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        variant, seed, threads, subset = sys.argv[2], *map(int, sys.argv[3:6])
        print(json.dumps(run_one(variant, seed, threads, subset)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, from: {', '.join(VARIANTS)}")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (each gets 2 // jobs threads)")
    parser.add_argument("--subset", type=int, default=0,
                        help="train on this many images only (a quick check of the harness, not a measurement)")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",")]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    threads = 1 if args.jobs > 1 else 0
    jobs = [(v, s) for v in variants for s in seeds]
    print(f"{len(jobs)} runs, {args.jobs} at a time:", flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda job: spawn(*job, threads, args.subset), jobs))
    print()
    print(f"{'variant':<36} {'params':>7} {'epochs':>6} {'val acc':>8} {'test acc mean':>13} "
          f"{'lowest':>7} {'train s':>8}")
    for variant in variants:
        mine = [r for r in rows if r["variant"] == variant]
        tests = [r["test_accuracy"] for r in mine]
        print(f"{variant:<36} {mine[0]['parameters']:>7,} {mine[0]['epochs']:>6} "
              f"{statistics.mean(r['val_accuracy'] for r in mine):>8.2%} {statistics.mean(tests):>13.2%} "
              f"{min(tests):>7.2%} {statistics.mean(r['train_seconds'] for r in mine):>8.0f}")


if __name__ == "__main__":
    main()
