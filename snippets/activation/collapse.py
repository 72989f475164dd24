"""Without an activation between them, two layers are one linear map: compose their weights and compare."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.activations import compose_conv, compose_dense

keras.utils.set_random_seed(0)
RANDOM = "glorot_uniform"  # random biases too, so that they have to be composed correctly
x = np.random.default_rng(0).normal(size=(64, 12, 12, 3)).astype("float32")

# --8<-- [start:lesson]
# Two dense layers 3 -> 8 -> 5 versus one dense layer with the composed weights.
d1, d2 = keras.layers.Dense(8, bias_initializer=RANDOM), keras.layers.Dense(5, bias_initializer=RANDOM)
two_dense = np.asarray(d2(d1(x)), dtype="float64")
w, b = compose_dense(*d1.get_weights(), *d2.get_weights())  # W = W1 W2, b = b1 W2 + b2
one_dense = x @ w + b  # equals two_dense, up to rounding
# --8<-- [end:lesson]
publish.value("dense_max_diff", np.abs(two_dense - one_dense).max(), fmt=".1e")

# Two 3x3 convolutions 3 -> 4 -> 2 channels versus one 5x5 convolution with the composed kernel.
c1, c2 = keras.layers.Conv2D(4, 3, bias_initializer=RANDOM), keras.layers.Conv2D(2, 3, bias_initializer=RANDOM)
two_conv = np.asarray(c2(c1(x)), dtype="float64")
k, kb = compose_conv(*c1.get_weights(), *c2.get_weights())
one = keras.layers.Conv2D(2, 5)
one.build(x.shape)
one.set_weights([k.astype("float32"), kb.astype("float32")])
publish.value("conv_max_diff", np.abs(two_conv - np.asarray(one(x))).max(), fmt=".1e")
publish.value("conv_kernel", f"{k.shape[0]}x{k.shape[1]}")
publish.value("conv_params_two", c1.count_params() + c2.count_params())
publish.value("conv_params_one", one.count_params())

# With ReLU in between, the composed layer no longer matches.
with_relu = np.asarray(c2(keras.activations.relu(c1(x))))
publish.value("relu_max_diff", np.abs(with_relu - np.asarray(one(x))).max(), fmt=".2f")
publish.value("output_scale", np.abs(with_relu).max(), fmt=".2f")
