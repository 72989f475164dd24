"""A 1x1 convolution is a dense layer applied to every pixel's channel vector: shown numerically."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.receptive_field import pointwise_figure

# --8<-- [start:lesson]
CHANNELS_IN, CHANNELS_OUT, INPUT_SIZE = 3, 4, 6
rng = np.random.default_rng(0)
x = rng.normal(size=(1, INPUT_SIZE, INPUT_SIZE, CHANNELS_IN)).astype("float32")
w = rng.normal(size=(CHANNELS_IN, CHANNELS_OUT)).astype("float32")
b = rng.normal(size=CHANNELS_OUT).astype("float32")

conv = keras.layers.Conv2D(CHANNELS_OUT, kernel_size=1)
conv.build(x.shape)
conv.set_weights([w.reshape(1, 1, CHANNELS_IN, CHANNELS_OUT), b])  # the kernel array: a (c_in, c_out) matrix
dense = keras.layers.Dense(CHANNELS_OUT)
dense.build((None, CHANNELS_IN))
dense.set_weights([w, b])

y_conv = np.asarray(conv(x))
y_dense = np.asarray(dense(x.reshape(-1, CHANNELS_IN))).reshape(y_conv.shape)  # every pixel as one sample
# --8<-- [end:lesson]
publish.value("max_abs_difference", float(np.abs(y_conv - y_dense).max()), fmt=".2g")
publish.value("conv_parameters", conv.count_params())
publish.value("dense_parameters", dense.count_params())
publish.value("channels_in", CHANNELS_IN)
publish.value("channels_out", CHANNELS_OUT)
publish.figure(
    "pointwise", pointwise_figure(x[0], w, y_conv[0], pixel=(2, 3)),
    alt=f"Left, {CHANNELS_IN} small grey input maps, one per input channel, with the same pixel outlined in each. "
    f"Middle, the weight matrix: {CHANNELS_IN} rows (input channels) by {CHANNELS_OUT} columns (output "
    f"channels). Right, {CHANNELS_OUT} output maps with the same pixel outlined.",
    caption=f"A 1x1 convolution from {CHANNELS_IN} to {CHANNELS_OUT} channels: the outlined pixel's "
    f"{CHANNELS_IN} input values, times the {CHANNELS_IN}x{CHANNELS_OUT} weight matrix, plus a bias, give "
    f"that pixel's {CHANNELS_OUT} output values; the same matrix is used at every pixel.",
)
