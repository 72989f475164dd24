"""Data augmentation as our MNIST training does it.

Nothing here re-implements the transform: :func:`augmented` calls ``train.augment`` itself,
with the same seed and batch index the training stream uses, and :func:`draws` reads back
the rotation angle and shift it drew (the same stateless random numbers). What augmentation
buys our network is measured by the frozen ablation runs (:mod:`cnn_glossary.mnist.ablations`).
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

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


def mirrored(images: np.ndarray) -> np.ndarray:
    """Left-right mirror images of (N, 28, 28, 1) digits: what a horizontal flip would feed."""
    return images[:, :, ::-1, :]


def half_turn(images: np.ndarray) -> np.ndarray:
    """Digits rotated by 180 degrees."""
    return images[:, ::-1, ::-1, :]


def readings(model, images: np.ndarray) -> np.ndarray:
    """The class the model reads for each image."""
    return np.argmax(model.predict(images, batch_size=1000, verbose=0), axis=1)
