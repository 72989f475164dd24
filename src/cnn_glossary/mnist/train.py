# %% [markdown]
# # Training a first CNN on MNIST
#
# This script is the whole recipe behind the score on the MNIST page: it loads the digits,
# holds out a validation set, builds a small convolutional network, trains it with a
# one-cycle learning rate and light augmentation, and evaluates it **once** on the test set.
#
# Run it with `cnn-glossary train` (options: `--seed`, `--epochs`). It writes
# `results/mnist/`, which the site embeds. This script never looks at the test set before
# its one final evaluation, and the reported score is simply the final epoch's: no epoch is
# picked by test accuracy. The current benchmarks that try variants of this recipe
# (`benchmarks/mnist_recipes.py`, `benchmarks/mnist_vs_keras_example.py`) compare them on the
# validation split and read the test set only for the one variant finally chosen. Earlier
# versions of those benchmarks also printed test accuracy for every variant, so the recipe's
# design may have been nudged by it and the score may be slightly optimistic (see the MNIST
# page).

# %% [markdown]
# ## Setup
#
# Seeds and deterministic kernels make a run repeatable on the same machine, with the same
# library versions and the same thread settings. TensorFlow's thread count comes from the
# environment, not from this file, and it can change the order in which sums are added up.
# The MNIST page shows a second seed-1 run of this recipe, trained with one thread, that ended
# slightly apart from the published one; the thread count is one setting that differed, and
# whether it alone explains the gap has not been measured. Every setting of the recipe itself
# is a constant here, and the hash of this file is stored with the result, so the site can
# tell when the result is out of date.

# %%
from __future__ import annotations

import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

SEED = 1
EPOCHS = 15
BATCH_SIZE = 128
VALIDATION_SIZE = 5_000  # held out from the 60,000 training images
SPLIT_SEED = 0  # the validation split is the same for every training seed
PEAK_LEARNING_RATE = 0.1
WARMUP_FRACTION = 0.25
MOMENTUM = 0.9
WEIGHT_DECAY = 0.0
MAX_ROTATION_DEGREES = 7.0
MAX_SHIFT_PIXELS = 2.8  # 10 % of 28


def setup(seed: int):
    """Import Keras on TensorFlow, seed every generator and ask for deterministic kernels."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return keras, tf


# %% [markdown]
# ## Data
#
# Pixels are scaled to [0, 1]. A fixed, seeded permutation puts 5,000 training images aside
# for validation; the 10,000 test images are touched only by the final evaluation.


# %%
def split(mnist, validation_size: int = VALIDATION_SIZE):
    """Return (x_train, y_train), (x_val, y_val), (x_test, y_test) as float32 / int32 arrays."""

    def prep(x):
        return (x.astype("float32") / 255.0)[..., None]

    order = np.random.default_rng(SPLIT_SEED).permutation(len(mnist.x_train))
    val, train = order[:validation_size], order[validation_size:]
    x, y = prep(mnist.x_train), mnist.y_train.astype("int32")
    return (x[train], y[train]), (x[val], y[val]), (prep(mnist.x_test), mnist.y_test.astype("int32"))


# %% [markdown]
# ### Augmentation
#
# Each training image is rotated by up to ±7° and shifted by up to ±2.8 pixels, drawn
# afresh for every batch of every epoch. The random numbers come from a *stateless*
# generator keyed by the batch's index, so the sequence is repeatable and the input
# pipeline stays fast with deterministic kernels switched on.


# %%
def augment(tf, images, batch_index, seed: int):
    n = tf.shape(images)[0]
    key = tf.stack([tf.cast(batch_index, tf.int32), tf.constant(seed, tf.int32)])
    r = tf.random.stateless_uniform([3, n], seed=key, minval=-1.0, maxval=1.0)
    angle = r[0] * MAX_ROTATION_DEGREES * math.pi / 180
    shift_x, shift_y = r[1] * MAX_SHIFT_PIXELS, r[2] * MAX_SHIFT_PIXELS
    cos, sin, centre = tf.cos(angle), tf.sin(angle), 13.5
    # One row per image: the transform that maps each output pixel (x, y) back to the point of
    # the input it reads, generally between four pixels, whose values are mixed bilinearly.
    transforms = tf.stack(
        [cos, -sin, centre - cos * centre + sin * centre - shift_x,
         sin, cos, centre - sin * centre - cos * centre - shift_y,
         tf.zeros([n]), tf.zeros([n])],
        axis=1,
    )
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT",
    )


def training_batches(tf, x, y, epochs: int, seed: int, augmented: bool = True):
    """Shuffled (and augmented) batches for all epochs, as one repeatable stream."""
    ds = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(BATCH_SIZE)
        .repeat(epochs)
    )
    if augmented:
        ds = ds.enumerate().map(lambda i, xy: (augment(tf, xy[0], i, seed), xy[1]))
    return ds.prefetch(2)


# %% [markdown]
# ## Model
#
# Cost on a CPU follows the high-resolution layers, so the network pools after a single
# 28x28 convolution, does most of its work on the 14x14 to 10x10 maps (conv2 and conv3),
# and ends with a 1x1
# convolution to ten channels and global average pooling instead of a large dense layer.
# Every convolution except the last is followed by batch normalisation and ReLU. The last
# one, the 1x1 classifier, has neither: it keeps its ten biases and passes ten score maps
# straight to global average pooling and softmax.


# %%
def build_model(keras):
    layers = keras.layers

    def conv_bn_relu(x, channels, kernel_size=3, padding="valid", name=None):
        x = layers.Conv2D(channels, kernel_size, padding=padding, use_bias=False, name=name)(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    inputs = keras.Input((28, 28, 1), name="digit")
    x = conv_bn_relu(inputs, 16, padding="same", name="conv1")  # 28x28x16
    x = layers.MaxPooling2D(name="pool1")(x)  # 14x14
    x = conv_bn_relu(x, 32, name="conv2")  # 12x12x32
    x = conv_bn_relu(x, 32, name="conv3")  # 10x10x32
    x = layers.MaxPooling2D(name="pool2")(x)  # 5x5
    x = conv_bn_relu(x, 16, kernel_size=1, name="conv4_1x1")  # 5x5x16
    x = conv_bn_relu(x, 32, name="conv5")  # 3x3x32
    x = layers.Conv2D(10, 1, name="classifier_1x1")(x)  # 3x3x10
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Softmax(name="softmax")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn")


# %% [markdown]
# ## Train
#
# Stochastic gradient descent with Nesterov momentum and a one-cycle schedule: the
# learning rate climbs linearly for the first quarter of the steps, then follows a cosine
# down to zero. Keras prints a progress bar for every epoch.


# %%
def one_cycle(keras, total_steps: int):
    import tensorflow as tf

    class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            step = tf.cast(step, "float32")
            warm = WARMUP_FRACTION * total_steps
            rising = PEAK_LEARNING_RATE * (0.05 + 0.95 * step / warm)
            progress = tf.minimum((step - warm) / (total_steps - warm), 1.0)
            falling = PEAK_LEARNING_RATE * 0.5 * (1 + tf.cos(math.pi * progress))
            return tf.where(step < warm, rising, falling)

        def get_config(self):
            return {"total_steps": total_steps}

    return OneCycle()


def train(seed: int = SEED, epochs: int = EPOCHS, subset: int | None = None, verbose: int | str = "auto",
          callbacks=()):
    """Train from scratch; return (model, history dict, data splits, wall seconds)."""
    keras, tf = setup(seed)
    from cnn_glossary.mnist.data import load_mnist

    (x_train, y_train), (x_val, y_val), test = split(load_mnist())
    if subset:
        x_train, y_train = x_train[:subset], y_train[:subset]
        x_val, y_val = x_val[: max(subset // 10, 100)], y_val[: max(subset // 10, 100)]
    steps_per_epoch = math.ceil(len(x_train) / BATCH_SIZE)
    model = build_model(keras)
    model.compile(
        optimizer=keras.optimizers.SGD(
            one_cycle(keras, epochs * steps_per_epoch), momentum=MOMENTUM, nesterov=True,
            weight_decay=WEIGHT_DECAY or None,
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        training_batches(tf, x_train, y_train, epochs, seed),
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        validation_data=(x_val, y_val),
        verbose=verbose,
        callbacks=list(callbacks),
        shuffle=False,  # the input pipeline shuffles
    )
    seconds = time.perf_counter() - start
    return model, {k: [float(v) for v in vals] for k, vals in history.history.items()}, test, seconds


# %% [markdown]
# ## Evaluate
#
# One evaluation on the 10,000 test images. `model.evaluate` returns the loss first and the
# accuracy second.


# %%
def evaluate(model, test):
    x_test, y_test = test
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    predicted = model.predict(x_test, batch_size=1000, verbose=0)
    return float(loss), float(accuracy), predicted


# %%
if __name__ == "__main__":
    # A tutorial run: train, evaluate once, print the score. It writes nothing; the published
    # result is written by `cnn-glossary train` (python -m cnn_glossary.mnist train).
    model, history, test, seconds = train()
    loss, accuracy, _ = evaluate(model, test)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.2%} after {EPOCHS} epochs ({seconds:.0f} s)")
