"""A kernel as large as its input: a Conv2D whose kernel covers the whole input is a Dense layer."""

import keras
import numpy as np

from cnn_glossary import publish

SIZE, CHANNELS_IN, UNITS = 7, 16, 10  # CS231n's example is 7x7x512 -> 4096; the same idea, smaller
rng = np.random.default_rng(0)
x = rng.normal(size=(1, SIZE, SIZE, CHANNELS_IN)).astype("float32")
weights = rng.normal(size=(SIZE * SIZE * CHANNELS_IN, UNITS)).astype("float32") / SIZE
bias = rng.normal(size=UNITS).astype("float32")

# --8<-- [start:lesson]
dense = keras.layers.Dense(UNITS)
dense.build((None, SIZE * SIZE * CHANNELS_IN))
dense.set_weights([weights, bias])  # weights (7*7*16, 10), bias (10,)

conv = keras.layers.Conv2D(UNITS, kernel_size=SIZE)  # kernel as large as the input: one position only
conv.build(x.shape)
conv.set_weights([weights.reshape(SIZE, SIZE, CHANNELS_IN, UNITS), bias])  # the same numbers, reshaped

y_dense = np.asarray(dense(x.reshape(1, -1)))  # flatten, then dense: (1, 10)
y_conv = np.asarray(conv(x))  # convolution: (1, 1, 1, 10)
# --8<-- [end:lesson]

publish.value("size", SIZE)
publish.value("channels_in", CHANNELS_IN)
publish.value("units", UNITS)
publish.value("kernel_shape", list(conv.kernel.shape))
publish.value("conv_output_shape", list(y_conv.shape[1:]))
publish.value("conv_parameters", conv.count_params(), fmt=",")
publish.value("dense_parameters", dense.count_params(), fmt=",")
publish.value("max_abs_difference", float(np.abs(y_conv.reshape(1, -1) - y_dense).max()), fmt=".2g")
publish.value("input", x)
publish.value("weights", weights)
publish.value("bias", bias)
publish.value("y_conv", y_conv)
