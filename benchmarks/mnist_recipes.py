"""Variants of the MNIST recipe, trained over several seeds: what each change buys in accuracy and time.

Run: `.venv/bin/python benchmarks/mnist_recipes.py [--variants a,b] [--seeds 1,2,3] [--jobs 2]`.
Each (variant, seed) trains from scratch in a fresh process with the shipped training code
(`cnn_glossary.mnist.train`), changed only as the variant says. It prints one line per run, then a
table with each variant's final validation accuracy (mean and lowest over the seeds) and training
seconds, and names the variant with the best mean validation accuracy.

Variants are compared and chosen on the validation split only; the test set is never read in
that comparison. Once a variant is chosen, `--final VARIANT` trains that one variant over the
seeds and reads its test accuracy, once per run, after the last epoch. This keeps the training
script's promise that nothing is selected on the test set.

`--jobs 2` trains two runs at a time with one thread each. On two cores that gives about the
same throughput as one run at a time with two threads, but the seconds it prints are then those
of a shared machine: compare them with each other, not with the frozen result's wall time.
A full run of every variant over three seeds takes several hours on two cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

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


@dataclass(frozen=True)
class Variant:
    constants: dict = field(default_factory=dict)  # module constants of cnn_glossary.mnist.train to change
    smoothing: float = 0.0  # label smoothing of the training loss
    builder: Callable | None = None  # a model builder in place of the shipped one
    elastic_pixels: float = 0.0  # elastic distortion after the affine one: largest displacement
    clean_epochs: int = 0  # the last epochs train on undistorted images


VARIANTS = {
    "shipped": Variant(),
    "weight-decay": Variant({"WEIGHT_DECAY": 0.002}),
    "weight-decay+smoothing": Variant({"WEIGHT_DECAY": 0.002}, smoothing=0.1),
    "weight-decay+smoothing+30 epochs": Variant({"WEIGHT_DECAY": 0.002, "EPOCHS": 30}, smoothing=0.1),
    "weight-decay+stronger augmentation": Variant(
        {"WEIGHT_DECAY": 0.002, "MAX_ROTATION_DEGREES": 12.0, "MAX_SHIFT_PIXELS": 3.0}),
    "two convolutions at 28x28": Variant(builder=_two_convs_at_full_resolution),
    "elastic 2 px": Variant(elastic_pixels=2.0),
    "clean last 2 epochs": Variant(clean_epochs=2),
    "elastic 1.5 px+clean last 2 epochs": Variant(elastic_pixels=1.5, clean_epochs=2),
}
ELASTIC_GRID = 5  # control points per side of the random displacement field


def _elastic(tf, images, key, pixels):
    """Move each pixel along a smooth random field (control points interpolated bicubically), bilinear."""
    n, h, w = tf.shape(images)[0], 28, 28
    controls = tf.random.stateless_uniform([n, ELASTIC_GRID, ELASTIC_GRID, 2], seed=key, minval=-1.0, maxval=1.0)
    d = tf.image.resize(controls, [h, w], method="bicubic") * pixels
    ys, xs = tf.meshgrid(tf.range(h, dtype=tf.float32), tf.range(w, dtype=tf.float32), indexing="ij")
    sy, sx = ys[None] + d[..., 0], xs[None] + d[..., 1]
    y0, x0 = tf.floor(sy), tf.floor(sx)
    wy, wx = sy - y0, sx - x0
    flat = tf.reshape(images, [-1])
    first = tf.range(n)[:, None, None] * (h * w)

    def at(yy, xx):
        inside = tf.cast((yy >= 0) & (yy <= h - 1) & (xx >= 0) & (xx <= w - 1), tf.float32)
        yi = tf.cast(tf.clip_by_value(yy, 0, h - 1), tf.int32)
        xi = tf.cast(tf.clip_by_value(xx, 0, w - 1), tf.int32)
        return tf.gather(flat, first + yi * w + xi) * inside

    out = ((1 - wy) * (1 - wx) * at(y0, x0) + (1 - wy) * wx * at(y0, x0 + 1)
           + wy * (1 - wx) * at(y0 + 1, x0) + wy * wx * at(y0 + 1, x0 + 1))
    return out[..., None]


def run_one(variant: str, seed: int, threads: int, subset: int = 0, final: bool = False) -> dict:
    """Train one (variant, seed) in this process and return its measurements.

    The test set is evaluated only when ``final`` is true: for the one variant already chosen
    on validation accuracy.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, SRC)
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras
    import numpy as np

    from cnn_glossary.mnist import train

    v = VARIANTS[variant]
    for name, value in v.constants.items():
        setattr(train, name, value)
    if v.builder:
        train.build_model = v.builder
    if v.elastic_pixels:
        affine = train.augment

        def affine_then_elastic(tf, images, batch_index, seed):
            key = tf.stack([tf.cast(batch_index, tf.int32), tf.constant(seed + 1000, tf.int32)])
            return _elastic(tf, affine(tf, images, batch_index, seed), key, v.elastic_pixels)

        train.augment = affine_then_elastic
    if v.clean_epochs:
        distort, batches, steps_per_epoch = train.augment, train.training_batches, []

        def batches_counted(tf, x, y, epochs, seed, augmented=True):
            steps_per_epoch.append(math.ceil(len(x) / train.BATCH_SIZE))
            return batches(tf, x, y, epochs, seed, augmented)

        def distort_until_the_last_epochs(tf, images, batch_index, seed):
            epoch = tf.cast(batch_index, tf.int32) // steps_per_epoch[-1]
            out = distort(tf, images, batch_index, seed)
            return tf.cond(epoch < train.EPOCHS - v.clean_epochs, lambda: out, lambda: images)

        train.augment, train.training_batches = distort_until_the_last_epochs, batches_counted
    if v.smoothing:
        compile_ = keras.Model.compile

        def smoothed_loss(y_true, y_pred):
            one_hot = keras.ops.one_hot(keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32"), 10)
            return keras.losses.categorical_crossentropy(one_hot, y_pred, label_smoothing=v.smoothing)

        def compile_smoothed(self, **kwargs):
            kwargs.update(loss=smoothed_loss, metrics=["sparse_categorical_accuracy"])
            return compile_(self, **kwargs)

        keras.Model.compile = compile_smoothed

    model, history, (x_test, y_test), seconds = train.train(
        seed=seed, epochs=train.EPOCHS, subset=subset or None, verbose=0)
    val_key = next(k for k in history if k.startswith("val_") and k.endswith("accuracy"))
    row = {
        "variant": variant,
        "seed": seed,
        "parameters": model.count_params(),
        "epochs": train.EPOCHS,
        "val_accuracy": history[val_key][-1],
        "train_seconds": seconds,
    }
    if final:  # the chosen variant only: its one look at the test set
        probabilities = model.predict(x_test, batch_size=1000, verbose=0)
        row["test_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == y_test))
        # Plain cross-entropy, whatever loss the variant trained with.
        row["test_loss"] = float(-np.mean(np.log(np.maximum(probabilities[np.arange(len(y_test)), y_test], 1e-7))))
    return row


def spawn(variant: str, seed: int, threads: int, subset: int, final: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", variant, str(seed), str(threads), str(subset), str(int(final))],
        capture_output=True, text=True,
    )
    if out.returncode:
        raise RuntimeError(f"{variant!r} seed {seed} failed:\n{out.stderr[-3000:]}")
    row = json.loads(out.stdout.strip().splitlines()[-1])
    test = f"  test {row['test_accuracy']:.2%}" if final else ""
    print(f"  {variant:<36} seed {seed}: val {row['val_accuracy']:.2%}{test}  {row['train_seconds']:.0f} s", flush=True)
    return row


def choose(rows: list[dict], variants: list[str]) -> str:
    """The variant with the highest mean validation accuracy over its seeds (never test accuracy)."""
    return max(variants, key=lambda v: statistics.mean(r["val_accuracy"] for r in rows if r["variant"] == v))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--one"]:
        variant, (seed, threads, subset, final) = argv[1], map(int, argv[2:6])
        print(json.dumps(run_one(variant, seed, threads, subset, bool(final))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, from: {', '.join(VARIANTS)}")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (each gets 2 // jobs threads)")
    parser.add_argument("--subset", type=int, default=0,
                        help="train on this many images only (a quick check of the harness, not a measurement)")
    parser.add_argument("--final", metavar="VARIANT", default=None,
                        help="the variant already chosen on validation accuracy: train it and read its test accuracy")
    args = parser.parse_args(argv)
    variants = [args.final] if args.final else [v.strip() for v in args.variants.split(",")]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    threads = 1 if args.jobs > 1 else 0
    jobs = [(v, s) for v in variants for s in seeds]
    final = bool(args.final)
    print(f"{len(jobs)} runs, {args.jobs} at a time" + (" (final: reading the test set)" if final else "") + ":",
          flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda job: spawn(*job, threads, args.subset, final), jobs))
    print()
    print(f"{'variant':<36} {'params':>7} {'epochs':>6} {'val acc mean':>12} {'lowest':>7} {'train s':>8}"
          + (f" {'test acc mean':>13} {'lowest':>7}" if final else ""))
    for variant in variants:
        mine = [r for r in rows if r["variant"] == variant]
        vals = [r["val_accuracy"] for r in mine]
        line = (f"{variant:<36} {mine[0]['parameters']:>7,} {mine[0]['epochs']:>6} "
                f"{statistics.mean(vals):>12.2%} {min(vals):>7.2%} "
                f"{statistics.mean(r['train_seconds'] for r in mine):>8.0f}")
        if final:
            tests = [r["test_accuracy"] for r in mine]
            line += f" {statistics.mean(tests):>13.2%} {min(tests):>7.2%}"
        print(line)
    if not final:
        best = choose(rows, variants)
        print(f"\nbest on validation accuracy: {best}. Read its test accuracy, once, with: "
              f"--final {best!r} --seeds {args.seeds}")


if __name__ == "__main__":
    main()
