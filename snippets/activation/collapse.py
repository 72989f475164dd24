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
# Keras multiplies row vectors (x @ W), so the composed weights are W1 @ W2 and b1 @ W2 + b2:
# the page's W2 W1 and W2 b1 + b2, which are written for column vectors.
w, b = compose_dense(*d1.get_weights(), *d2.get_weights())
one_dense = x @ w + b  # equals two_dense, up to rounding
# --8<-- [end:lesson]
publish.value("dense_max_diff", np.abs(two_dense - one_dense).max(), fmt=".1e")

# Two 3x3 convolutions 3 -> 4 -> 2 channels without padding ("valid") versus one 5x5 convolution with the
# composed kernel.
c1 = keras.layers.Conv2D(4, 3, padding="valid", bias_initializer=RANDOM)
c2 = keras.layers.Conv2D(2, 3, padding="valid", bias_initializer=RANDOM)
two_conv = np.asarray(c2(c1(x)), dtype="float64")
k, kb = compose_conv(*c1.get_weights(), *c2.get_weights())
one = keras.layers.Conv2D(2, 5, padding="valid")
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

# The same weights with "same" padding: at the border the second layer reads the first layer's zero padding, where
# the composed 5x5 "same" layer reads what the first layer would compute there (its bias and the edge pixels).
# Compare the two inside and on the outer ring of the output.
p1, p2 = keras.layers.Conv2D(4, 3, padding="same"), keras.layers.Conv2D(2, 3, padding="same")
p1.build(x.shape)
p2.build(x.shape[:3] + (4,))
p1.set_weights(c1.get_weights())
p2.set_weights(c2.get_weights())
one_same = keras.layers.Conv2D(2, 5, padding="same")
one_same.build(x.shape)
one_same.set_weights([k.astype("float32"), kb.astype("float32")])
same_diff = np.abs(np.asarray(p2(p1(x)), dtype="float64") - np.asarray(one_same(x)))
publish.value("same_inner_max_diff", same_diff[:, 1:-1, 1:-1].max(), fmt=".1e")
publish.value("same_edge_max_diff", same_diff.max(), fmt=".2f")
