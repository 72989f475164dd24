"""A whole convolution layer as one matrix product (im2col): windows as rows, kernels as columns."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import im2col
from cnn_glossary.conv_table import keras_conv2d

rng = np.random.default_rng(7)
# --8<-- [start:lesson]
x = rng.integers(0, 4, size=(4, 4, 2)).astype("float32")  # (H, W, channels_in)
kernel = rng.integers(-1, 2, size=(3, 3, 2, 3)).astype("float32")  # Keras's kernel array: 3 filters of 3x3x2
bias = np.array([1.0, 0.0, -2.0], dtype="float32")

patches = im2col(x, kernel_size=3)  # one row per output position: its 3x3x2 window, flattened
weights = kernel.reshape(-1, kernel.shape[-1])  # one column per filter (output channel)
product = patches @ weights + bias  # the whole layer: one matrix product, plus the bias
# --8<-- [end:lesson]
layer_out, _, _ = keras_conv2d(x, kernel, bias)
publish.value("input", x)
publish.value("kernel", kernel)
publish.value("bias", bias)
publish.value("product", product)
publish.value("patches_shape", "x".join(map(str, patches.shape)))
publish.value("weights_shape", "x".join(map(str, weights.shape)))
publish.value("product_shape", "x".join(map(str, product.shape)))
publish.value("output_shape", "x".join(map(str, layer_out.shape)))
publish.value("max_difference", float(np.abs(product - layer_out.reshape(product.shape)).max()), fmt="g")
