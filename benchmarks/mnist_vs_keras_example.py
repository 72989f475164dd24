"""Our MNIST recipe against the Keras "Simple MNIST convnet" recipe, trained side by side.

Run: `.venv/bin/python benchmarks/mnist_vs_keras_example.py [--seed N]`. Takes about a quarter
of an hour on two CPU cores. Both recipes train on the same 55,000 images and are measured on
the same 5,000 held-out validation images (the split of `cnn_glossary.mnist.train`; the Keras
example's own `validation_split=0.1` would overlap it). For each recipe it prints the parameter
count, the final validation accuracy, the training wall time, and the training time until
validation accuracy first reached 99.2 % and 99.4 %, then the ratios ours / Keras example.

The comparison reads validation accuracy only. The test set is read once, for one recipe, and
only when asked: `--final ours` (or `--final "keras example"`) adds that recipe's test accuracy
after its last epoch. Nothing is measured on the test set epoch by epoch.

`--subset N` trains on N images only: a check that the harness runs, not a measurement.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

THRESHOLDS = (0.992, 0.994)
RECIPES = ("ours", "keras example")


def make_probe(keras):
    class ValidationProbe(keras.callbacks.Callback):
        """Records (training seconds so far, validation accuracy) after each epoch; eval time is excluded."""

        def on_train_begin(self, logs=None):
            self.points, self.train_seconds, self._t, self._stop = [], 0.0, time.perf_counter(), None

        def on_epoch_begin(self, epoch, logs=None):
            self._t, self._stop = time.perf_counter(), None

        def on_test_begin(self, logs=None):  # the validation pass at the end of each epoch
            if self._stop is None:
                self._stop = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.train_seconds += (self._stop or time.perf_counter()) - self._t
            acc = (logs or {})["val_accuracy"]
            self.points.append((self.train_seconds, acc))
            print(f"  epoch {epoch + 1}: {self.train_seconds:6.1f} s of training, validation accuracy {acc:.4f}",
                  flush=True)

    return ValidationProbe()


def time_to(points, threshold):
    for seconds, acc in points:
        if acc >= threshold:
            return seconds
    return math.nan


def run_ours(seed, subset):
    from cnn_glossary.mnist import train

    keras, _ = train.setup(seed)
    probe = make_probe(keras)
    model, _, test, _ = train.train(seed=seed, subset=subset or None, verbose=0, callbacks=[probe])
    return model, probe, test


def run_keras_example(seed, subset):
    from cnn_glossary.mnist import baselines, train
    from cnn_glossary.mnist.data import load_mnist

    keras, _ = train.setup(seed)
    (x, y), (x_val, y_val), test = train.split(load_mnist())
    if subset:
        x, y = x[:subset], y[:subset]
        x_val, y_val = x_val[: max(subset // 10, 100)], y_val[: max(subset // 10, 100)]
    model = baselines.keras_example_model(keras)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    probe = make_probe(keras)
    model.fit(x, y, batch_size=baselines.KERAS_EXAMPLE_BATCH_SIZE, epochs=baselines.KERAS_EXAMPLE_EPOCHS,
              validation_data=(x_val, y_val), verbose=0, callbacks=[probe])
    return model, probe, test


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--subset", type=int, default=0, help="train on this many images only (a harness check)")
    parser.add_argument("--final", choices=RECIPES, default=None,
                        help="the recipe chosen on validation accuracy: also read its test accuracy, once")
    args = parser.parse_args(argv)
    rows = {}
    for name, run in zip(RECIPES, (run_ours, run_keras_example)):
        print(f"{name}:", flush=True)
        model, probe, (x_test, y_test) = run(args.seed, args.subset)
        rows[name] = (model.count_params(), probe.points[-1][1], probe.train_seconds,
                      *(time_to(probe.points, t) for t in THRESHOLDS))
        if name == args.final:
            _, test_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
            final_line = f"{name}: test accuracy {test_accuracy:.2%} (the one reading of the test set)"
    print()
    print(f"{'recipe':<14} {'params':>7} {'final val acc':>13} {'train s':>8} {'s to 99.2%':>10} {'s to 99.4%':>10}")
    for name, (params, acc, secs, t92, t94) in rows.items():
        print(f"{name:<14} {params:>7,} {acc:>13.2%} {secs:>8.0f} {t92:>10.0f} {t94:>10.0f}")
    ours, base = rows["ours"], rows["keras example"]
    print(f"ratios ours / keras example: params {ours[0] / base[0]:.2f}, train time {ours[2] / base[2]:.2f}, "
          f"time to 99.2% {ours[3] / base[3]:.2f}, time to 99.4% {ours[4] / base[4]:.2f} "
          "(validation accuracy; nan: that recipe never reached the threshold)")
    if args.final:
        print(final_line)


if __name__ == "__main__":
    main()
