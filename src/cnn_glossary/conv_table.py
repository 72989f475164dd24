"""The one table of convolution settings that the animations and their tests are made from.

Each row is a :class:`~cnn_glossary.conv.ConvConfig` that names itself. A row that carries one of
the animation names of Dumoulin & Visin (2016, "A guide to convolution arithmetic for deep
learning") uses that animation's input and kernel size too;
``tests/test_convolution_page.py`` checks those rows against the guide's sizes. The page's
GIFs are drawn from these rows, and ``tests/test_convolution_page.py`` checks every row's
numbers against a plain NumPy loop and against SciPy.
"""

from __future__ import annotations

import os

import numpy as np

from cnn_glossary.conv import ConvConfig

CONV_TABLE: list[ConvConfig] = [
    ConvConfig("no_padding_no_strides", input_size=4, kernel_size=3),  # the guide: 4x4 -> 2x2
    ConvConfig("same_padding_no_strides", input_size=5, kernel_size=3, padding="same"),
    ConvConfig("full_padding_no_strides", input_size=5, kernel_size=3, padding="full"),  # the guide: 5x5 -> 7x7
    ConvConfig("padding_strides", input_size=5, kernel_size=3, padding=1, stride=2),
    ConvConfig("no_padding_strides_odd", input_size=6, kernel_size=3, stride=2),
    ConvConfig("same_padding_strides_odd", input_size=6, kernel_size=3, padding="same", stride=2),
    ConvConfig("dilation", input_size=7, kernel_size=3, dilation=2),
]

# What each row shows, in words, for the captions.
DESCRIPTIONS = {
    "no_padding_no_strides": "no padding, stride 1: the output shrinks by kernel_size - 1",
    "same_padding_no_strides": '"same" padding, stride 1: one zero on each side keeps the size',
    "full_padding_no_strides": "full padding (kernel_size - 1 zeros each side): every overlap is visited, "
    "the output grows",
    "padding_strides": "padding 1, stride 2: the window jumps two cells at a time",
    "no_padding_strides_odd": "no padding, stride 2: the last window stops one row short of the bottom, so the "
    "last row and column are never read (crossed out)",
    "same_padding_strides_odd": '"same" padding, stride 2: TensorFlow adds the one extra zero at the bottom '
    "and right, so every input cell is read",
    "dilation": "dilation 2: the kernel's nine taps are spread two cells apart and span five cells",
}


def by_name(name: str) -> ConvConfig:
    for config in CONV_TABLE:
        if config.name == name:
            return config
    raise KeyError(f"no row named {name!r} in CONV_TABLE")


def example_input(config: ConvConfig, seed: int = 0) -> np.ndarray:
    """Small integers 0..3, seeded by the row's position, so every frame's arithmetic is checkable by eye."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, size=(config.input_size, config.input_size)).astype("float32")


EXAMPLE_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype="float32")  # not symmetric: a flip shows


def tf_conv2d(x: np.ndarray, kernel: np.ndarray, padding="valid", stride: int = 1, dilation: int = 1) -> np.ndarray:
    """A real TensorFlow ``conv2d`` (what ``keras.layers.Conv2D`` calls), on 2-D or (H, W, C) inputs.

    ``padding`` may be ``"valid"``/``"same"`` (passed to TensorFlow as is), ``"full"`` or an int
    (passed as explicit zero-padding amounts). ``kernel`` is ``(kh, kw)`` or ``(kh, kw, c_in, c_out)``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from cnn_glossary.conv import effective_kernel_size

    squeeze = x.ndim == 2 and kernel.ndim == 2
    x4 = np.asarray(x, dtype="float32")
    x4 = x4[None, :, :, None] if x4.ndim == 2 else x4[None]
    k4 = np.asarray(kernel, dtype="float32")
    if k4.ndim == 2:
        k4 = k4[:, :, None, None]
    if padding in ("valid", "same"):
        tf_padding = padding.upper()
    else:
        p = effective_kernel_size(k4.shape[0], dilation) - 1 if padding == "full" else int(padding)
        tf_padding = [[0, 0], [p, p], [p, p], [0, 0]]
    out = tf.nn.conv2d(x4, k4, strides=stride, padding=tf_padding, dilations=dilation).numpy()[0]
    return out[:, :, 0] if squeeze else out


def row_output(config: ConvConfig, x: np.ndarray, kernel: np.ndarray = EXAMPLE_KERNEL) -> np.ndarray:
    return tf_conv2d(x, kernel, config.padding, config.stride, config.dilation)


def keras_conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int = 1, padding: str = "valid"):
    """Run a ``keras.layers.Conv2D`` with the given weights on one (H, W, channels_in) input.

    Returns ``(output, the layer's kernel shape, the layer's count_params())``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    layer = keras.layers.Conv2D(kernel.shape[3], kernel.shape[0], strides=stride, padding=padding)
    layer.build((1, *x.shape))
    layer.set_weights([kernel, bias])
    out = np.asarray(layer(x[None].astype("float32")))[0]
    return out, tuple(layer.kernel.shape), layer.count_params()
