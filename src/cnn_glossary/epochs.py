"""Epochs, batches and steps; a small, deliberately overfitting model for early stopping.

An epoch over ``n`` examples in batches of ``batch_size`` is ``ceil(n / batch_size)`` steps
(the last batch is smaller unless it is dropped). :func:`overfit_run` trains a dense network
on a small MNIST subset for many epochs, so that validation loss turns upward within a
minute on one core, optionally with a Keras ``EarlyStopping`` callback.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

OVERFIT_TRAIN = 1_000  # training images: few, so the network memorises them
OVERFIT_VAL = 1_000  # validation images, from our usual validation split
OVERFIT_EPOCHS = 40
OVERFIT_BATCH = 32
OVERFIT_SEED = 7
OVERFIT_UNITS = 256  # two hidden layers: far more weights than 1,000 images can pin down


def steps_per_epoch(n: int, batch_size: int, drop_remainder: bool = False) -> int:
    """Gradient updates in one pass over ``n`` examples."""
    if n < 0 or batch_size < 1:
        raise ValueError("need n >= 0 and batch_size >= 1")
    return n // batch_size if drop_remainder else math.ceil(n / batch_size)


def epoch_batches(n: int, batch_size: int, rng: np.random.Generator | None = None,
                  drop_remainder: bool = False) -> list[np.ndarray]:
    """The example indices each step of one epoch sees: shuffled by ``rng`` (in order without one),
    cut into batches of ``batch_size``; the last batch holds what is left, unless it is dropped."""
    steps = steps_per_epoch(n, batch_size, drop_remainder)  # refuses a negative n or a batch size below 1
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [order[k * batch_size : (k + 1) * batch_size] for k in range(steps)]


def stop_epoch(val_loss, patience: int = 0, min_delta: float = 0.0) -> int | None:
    """The 1-based epoch after which ``EarlyStopping(patience)`` on ``val_loss`` stops, or None.

    As in Keras, the first epoch always sets the best value (even NaN or infinity), the sign of ``min_delta`` is
    ignored, and an epoch improves only if it beats the best by more than ``min_delta``.
    """
    min_delta = abs(min_delta)
    best, wait = None, 0
    for epoch, v in enumerate(val_loss, start=1):
        if best is None or v < best - min_delta:
            best, wait = v, 0
            continue
        wait += 1
        if wait >= patience:
            return epoch
    return None


def overfit_data():
    """(x_train, y_train), (x_val, y_val): small subsets of our usual training / validation split."""
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import split

    (x_train, y_train), (x_val, y_val), _ = split(load_mnist())
    flat = lambda x: x.reshape(len(x), -1)  # noqa: E731
    return (flat(x_train[:OVERFIT_TRAIN]), y_train[:OVERFIT_TRAIN]), (flat(x_val[:OVERFIT_VAL]), y_val[:OVERFIT_VAL])


@dataclass
class Run:
    history: dict  # per-epoch loss, accuracy, val_loss, val_accuracy
    epochs_run: int
    final_val_loss: float  # of the weights the run ends with
    final_val_accuracy: float


def overfit_run(data=None, epochs: int = OVERFIT_EPOCHS, early_stopping: dict | None = None,
                seed: int = OVERFIT_SEED) -> Run:
    """Train the small dense network from the same seed; ``early_stopping``: EarlyStopping kwargs."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    (x, y), (x_val, y_val) = data or overfit_data()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = keras.Sequential([
        keras.Input((x.shape[1],)),
        keras.layers.Dense(OVERFIT_UNITS, activation="relu"),
        keras.layers.Dense(OVERFIT_UNITS, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    # steps_per_execution: Keras runs a whole epoch's steps per call instead of returning to Python after each
    # one; the same updates in the same order (the results are bit for bit those of one step per call), a
    # fifth less CPU time
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=steps_per_epoch(len(x), OVERFIT_BATCH))
    callbacks = [keras.callbacks.EarlyStopping(**early_stopping)] if early_stopping is not None else []
    hist = model.fit(x, y, batch_size=OVERFIT_BATCH, epochs=epochs, validation_data=(x_val, y_val),
                     callbacks=callbacks, verbose=0, shuffle=True)
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    loss, acc = model.evaluate(x_val, y_val, batch_size=1000, verbose=0)
    return Run(history, len(history["loss"]), float(loss), float(acc))


def argmin1(values) -> int:
    """1-based index of the smallest value (the first, on ties)."""
    return int(np.argmin(values)) + 1


def after_best(history: dict, n_val: int) -> dict:
    """What happens after the epoch of lowest validation loss, read off a Keras history.

    Returns the best epoch, the validation loss and accuracy there and at the last epoch, and the words
    for each change. Two accuracies on the same ``n_val`` images count as "the same" when they differ by
    less than half an image (the history stores float32 fractions).
    """
    loss, val_loss, val_acc = list(history["loss"]), list(history["val_loss"]), list(history["val_accuracy"])
    best = argmin1(val_loss)
    loss_best, loss_last = val_loss[best - 1], val_loss[-1]
    acc_best, acc_last = val_acc[best - 1], val_acc[-1]
    right_best, right_last = round(acc_best * n_val), round(acc_last * n_val)

    def change(name: str, a: float, b: float, fmt: str, same: bool) -> str:
        if same:
            return f"{name} is the same at both ({a:{fmt}})"
        return f"{name} {'rises' if b > a else 'falls'} from {a:{fmt}} to {b:{fmt}}"

    return {
        "best_epoch": best,
        "last_epoch": len(val_loss),
        "loss_best": loss_best, "loss_last": loss_last, "acc_best": acc_best, "acc_last": acc_last,
        "loss_worse": loss_last > loss_best,
        "accuracy_worse": right_last < right_best,
        "train_words": change("training loss", loss[best - 1], loss[-1], ".1e", loss[-1] == loss[best - 1]),
        "loss_words": change("validation loss", loss_best, loss_last, ".3f", loss_last == loss_best),
        "accuracy_words": change("validation accuracy", acc_best, acc_last, ".1%", right_best == right_last),
    }


def after_best_sentence(after: dict) -> str:
    """One sentence on what worsens after the best epoch: the loss, the accuracy, both or neither."""
    head = f"From epoch {after['best_epoch']} to epoch {after['last_epoch']}, {after['loss_words']}"
    if after["loss_worse"] and not after["accuracy_worse"]:
        return f"{head}, but {after['accuracy_words']}: the loss gets worse, the count of right answers does not."
    if after["loss_worse"] and after["accuracy_worse"]:
        return f"{head}, and {after['accuracy_words']}: both get worse."
    return f"{head}, and {after['accuracy_words']}."
