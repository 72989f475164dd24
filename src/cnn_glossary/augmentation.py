"""Data augmentation as our MNIST training does it, and a short run that measures its effect.

Nothing here re-implements the transform: :func:`augmented` calls ``train.augment`` itself,
with the same seed and batch index the training stream uses, and :func:`draws` reads back
the rotation angle and shift it drew (the same stateless random numbers). :func:`short_run`
repeats the training recipe (model, optimiser, schedule, input pipeline) on a subset for a
few epochs, with or without augmentation, and evaluates on validation images only.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

# The short run on the Data Augmentation page: small enough for about half a minute on two cores.
SHORT_TRAIN = 1_500  # training images, the first of our usual training split
SHORT_EPOCHS = 6
SHORT_SEED = 1


def _tf():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf

    return tf


def augmented(images: np.ndarray, batch_index: int, seed: int) -> np.ndarray:
    """``train.augment`` applied to ``images`` (N, 28, 28, 1) as batch ``batch_index`` of the stream.

    The draws depend on the batch's size as well as its index: pass the whole batch.
    """
    from cnn_glossary.mnist import train

    tf = _tf()
    out = train.augment(tf, tf.constant(images, tf.float32), tf.constant(batch_index, tf.int64), seed)
    return out.numpy()


def first_batches(n_batches: int, seed: int | None = None):
    """The first batches of our training stream, as fed without and with augmentation.

    Returns (originals, augmented, labels), each a list over batches of arrays of one batch. Both
    streams come from ``train.training_batches`` with the training seed, so the shuffle is the same
    and ``augmented[b]`` is exactly what the network was shown in step ``b`` of the training run.
    """
    from cnn_glossary.mnist import train
    from cnn_glossary.mnist.data import load_mnist

    seed = train.SEED if seed is None else seed
    (x, y), _, _ = train.split(load_mnist())
    out = []
    for aug in (False, True):
        keras, tf = train.setup(seed)  # the training run's global seed, before the stream is built
        stream = train.training_batches(tf, x, y, 1, seed, augmented=aug).take(n_batches)
        out.append([(images.numpy(), labels.numpy()) for images, labels in stream])
    plain, augmented = out
    for (_, a), (_, b) in zip(plain, augmented):
        if not np.array_equal(a, b):
            raise RuntimeError("augmentation.first_batches: the two streams were shuffled differently")
    return [p for p, _ in plain], [a for a, _ in augmented], [lab for _, lab in plain]


def draws(n: int, batch_index: int, seed: int) -> list[dict]:
    """The angle (degrees) and shift (pixels) ``train.augment`` draws for each image of a batch of ``n``.

    The same stateless draw as in ``train.augment``: uniform in [-1, 1), keyed by (batch_index, seed),
    scaled by the training script's limits.
    """
    from cnn_glossary.mnist import train

    tf = _tf()
    key = tf.stack([tf.constant(batch_index, tf.int32), tf.constant(seed, tf.int32)])
    r = tf.random.stateless_uniform([3, n], seed=key, minval=-1.0, maxval=1.0).numpy()
    return [{"angle_degrees": float(r[0, i] * train.MAX_ROTATION_DEGREES),
             "shift_x": float(r[1, i] * train.MAX_SHIFT_PIXELS),
             "shift_y": float(r[2, i] * train.MAX_SHIFT_PIXELS)} for i in range(n)]


def source_point(x: float, y: float, angle_degrees: float, shift_x: float, shift_y: float,
                 centre: float = 13.5) -> tuple[float, float]:
    """The input point (column, row) that output pixel (column x, row y) reads in ``train.augment``.

    The output is the input moved by the shift and turned about the image centre (13.5, 13.5);
    each output pixel reads the input at the inverse of that map, with bilinear interpolation.
    """
    a = math.radians(angle_degrees)
    dx, dy = x - centre, y - centre
    return (centre + math.cos(a) * dx - math.sin(a) * dy - shift_x,
            centre + math.sin(a) * dx + math.cos(a) * dy - shift_y)


def bilinear_weights(x: float, y: float) -> list[tuple[int, int, float]]:
    """(row, column, weight) of the four pixels a bilinear read at (x, y) mixes."""
    x0, y0 = math.floor(x), math.floor(y)
    fx, fy = x - x0, y - y0
    return [(y0, x0, (1 - fx) * (1 - fy)), (y0, x0 + 1, fx * (1 - fy)),
            (y0 + 1, x0, (1 - fx) * fy), (y0 + 1, x0 + 1, fx * fy)]


@dataclass
class ShortRun:
    augmented: bool
    history: dict  # per-epoch training loss and accuracy (on the images as fed, augmented or not)
    val_predictions: list[int]  # the final model's class for every validation image
    val_predictions_lagging: list[int]  # the same, before the batch-norm statistics were re-estimated
    val_accuracy: float
    seconds: float


def recalibrate_batch_norm(keras, model, x) -> None:
    """Set every batch-norm layer's moving mean and variance to their values on ``x`` (un-augmented).

    Batch normalisation keeps moving averages of its statistics with momentum 0.99, so after a
    run of only ~100 steps they still lag far behind the weights (and hold part of their starting
    values). A full run has thousands of steps and does not need this; a short run does.
    """
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0  # the moving statistics become this one batch's statistics
    model(x, training=True)
    for layer, momentum in zip(layers, saved):
        layer.momentum = momentum


def short_data(n_train: int = SHORT_TRAIN):
    """(x_train, y_train), (x_val, y_val): a training subset and the whole validation split. No test data."""
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import split

    (x_train, y_train), validation, _ = split(load_mnist())
    return (x_train[:n_train], y_train[:n_train]), validation


def short_run(augment: bool, data=None, epochs: int = SHORT_EPOCHS, seed: int = SHORT_SEED) -> ShortRun:
    """Our training recipe on a subset for a few epochs, with or without augmentation.

    Same model, optimiser, one-cycle schedule (over this run's own steps) and input pipeline as
    ``train.train``; only the data are smaller and the augmentation can be switched off.
    """
    import time

    from cnn_glossary.mnist import train

    (x, y), (x_val, y_val) = data or short_data()
    keras, tf = train.setup(seed)
    steps = math.ceil(len(x) / train.BATCH_SIZE)
    model = train.build_model(keras)
    model.compile(
        optimizer=keras.optimizers.SGD(train.one_cycle(keras, epochs * steps), momentum=train.MOMENTUM,
                                       nesterov=True, weight_decay=train.WEIGHT_DECAY or None),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    hist = model.fit(train.training_batches(tf, x, y, epochs, seed, augmented=augment), epochs=epochs,
                     steps_per_epoch=steps, verbose=0, shuffle=False)
    lagging = np.argmax(model.predict(x_val, batch_size=1000, verbose=0), axis=1)
    recalibrate_batch_norm(keras, model, x)
    predicted = np.argmax(model.predict(x_val, batch_size=1000, verbose=0), axis=1)
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    return ShortRun(augment, history, [int(p) for p in predicted], [int(p) for p in lagging],
                    float(np.mean(predicted == y_val)), seconds)


def effect_sentence(with_aug: float, without_aug: float, n_val: int) -> str:
    """One sentence comparing final validation accuracies, worded from the numbers."""
    diff = with_aug - without_aug
    wrong_fewer = round(abs(diff) * n_val)
    if wrong_fewer == 0:
        return (f"With and without augmentation the short run ends at the same validation accuracy "
                f"({with_aug:.2%}).")
    better = diff > 0
    return (f"With augmentation the short run ends {'higher' if better else 'lower'} on the validation set: "
            f"{with_aug:.2%} against {without_aug:.2%}, {wrong_fewer} {'fewer' if better else 'more'} "
            f"of the {n_val:,} validation digits misread.")


def mirrored(images: np.ndarray) -> np.ndarray:
    """Left-right mirror images of (N, 28, 28, 1) digits: what a horizontal flip would feed."""
    return images[:, :, ::-1, :]


def half_turn(images: np.ndarray) -> np.ndarray:
    """Digits rotated by 180 degrees."""
    return images[:, ::-1, ::-1, :]


def readings(model, images: np.ndarray) -> np.ndarray:
    """The class the model reads for each image."""
    return np.argmax(model.predict(images, batch_size=1000, verbose=0), axis=1)
