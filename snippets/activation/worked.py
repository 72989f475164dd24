"""Worked numbers: the sigmoid's steepest slope, ten such slopes in a row, the minima of GELU and
Swish, and Keras's two default Leaky ReLU slopes."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.activations import leaky_relu_defaults, minimum, value_and_derivative

# --8<-- [start:lesson]
x = np.linspace(-10, 10, 20_001)
_, slope = value_and_derivative(keras.activations.sigmoid, x)  # the slope by automatic differentiation
steepest = slope.max()  # the largest factor one sigmoid can pass back
ten_slopes = steepest**10  # ten sigmoid layers: the slopes alone multiply to at most this
# --8<-- [end:lesson]
publish.value("sigmoid_max_slope", slope.max(), fmt=".4g")
publish.value("sigmoid_max_at", x[slope.argmax()], fmt=".3g")
publish.value("ten_layers", ten_slopes, fmt=".3g")  # the ten slopes' product, at best
publish.value("ten_layers_inverse", 1 / ten_slopes, fmt=",.0f")

for name, fn in (("gelu", keras.activations.gelu), ("swish", keras.activations.silu)):
    at, lowest = minimum(fn, -3.0, 0.0)
    publish.value(f"{name}_min_at", at, fmt=".4f")
    publish.value(f"{name}_min", lowest, fmt=".4f")

slopes = leaky_relu_defaults()
publish.value("leaky_layer_slope", slopes["layer"], fmt="g")  # keras.layers.LeakyReLU()
publish.value("leaky_function_slope", slopes["function"], fmt="g")  # keras.activations.leaky_relu
