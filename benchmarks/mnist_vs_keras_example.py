"""Our MNIST recipe against the Keras "Simple MNIST convnet" recipe, trained side by side.

Run: `.venv/bin/python benchmarks/mnist_vs_keras_example.py [--seed N]`. Takes about a quarter
of an hour on two CPU cores. For each recipe it prints the parameter count, the final test
accuracy, the training wall time, and the training time until test accuracy first reached
99.2 % and 99.4 % (test accuracy is *measured* after every epoch for this benchmark only; the
recipes never see it), then the ratios ours / Keras example.
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


def make_probe(keras, x_test, y_test):
    class TestProbe(keras.callbacks.Callback):
        """Records (training seconds so far, test accuracy) after each epoch; eval time is excluded."""

        def on_train_begin(self, logs=None):
            self.points, self.train_seconds, self._t = [], 0.0, time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self._t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.train_seconds += time.perf_counter() - self._t
            _, acc = self.model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
            self.points.append((self.train_seconds, acc))
            print(f"  epoch {epoch + 1}: {self.train_seconds:6.1f} s of training, test accuracy {acc:.4f}", flush=True)

    return TestProbe()


def time_to(points, threshold):
    for seconds, acc in points:
        if acc >= threshold:
            return seconds
    return math.nan


def run_ours(seed):
    from cnn_glossary.mnist import train

    keras, _ = train.setup(seed)
    from cnn_glossary.mnist.data import load_mnist

    _, _, (x_test, y_test) = train.split(load_mnist())
    probe = make_probe(keras, x_test, y_test)
    model, _, _, _ = train.train(seed=seed, verbose=0, callbacks=[probe])
    return model.count_params(), probe


def run_keras_example(seed):
    from cnn_glossary.mnist import baselines, train

    keras, _ = train.setup(seed)
    from cnn_glossary.mnist.data import load_mnist

    mnist = load_mnist()
    x = (mnist.x_train.astype("float32") / 255)[..., None]
    x_test = (mnist.x_test.astype("float32") / 255)[..., None]
    model = baselines.keras_example_model(keras)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    probe = make_probe(keras, x_test, mnist.y_test)
    model.fit(x, mnist.y_train, batch_size=baselines.KERAS_EXAMPLE_BATCH_SIZE,
              epochs=baselines.KERAS_EXAMPLE_EPOCHS, validation_split=0.1, verbose=0, callbacks=[probe])
    return model.count_params(), probe


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    seed = parser.parse_args().seed
    rows = {}
    for name, run in (("ours", run_ours), ("keras example", run_keras_example)):
        print(f"{name}:", flush=True)
        params, probe = run(seed)
        rows[name] = (params, probe.points[-1][1], probe.train_seconds,
                      *(time_to(probe.points, t) for t in THRESHOLDS))
    print()
    print(f"{'recipe':<14} {'params':>7} {'final test acc':>14} {'train s':>8} {'s to 99.2%':>10} {'s to 99.4%':>10}")
    for name, (params, acc, secs, t92, t94) in rows.items():
        print(f"{name:<14} {params:>7,} {acc:>14.2%} {secs:>8.0f} {t92:>10.0f} {t94:>10.0f}")
    ours, base = rows["ours"], rows["keras example"]
    print(f"ratios ours / keras example: params {ours[0] / base[0]:.2f}, train time {ours[2] / base[2]:.2f}, "
          f"time to 99.2% {ours[3] / base[3]:.2f}, time to 99.4% {ours[4] / base[4]:.2f} "
          "(nan: that recipe never reached the threshold)")


if __name__ == "__main__":
    main()
