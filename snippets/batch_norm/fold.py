"""Folding batch normalisation into the convolution before it, for inference; and why that convolution has no bias."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.batchnorm import fold
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist

BATCH = 64
model = results.for_page().load_model()
x = load_mnist().x_test[:BATCH].astype("float32")[..., None] / 255.0
pairs = [(layer, model.get_layer(f"{layer.name}_bn")) for layer in model.layers
         if type(layer).__name__ == "Conv2D" and f"{layer.name}_bn" in {m.name for m in model.layers}]
probe = keras.Model(model.input, [t for conv, bn in pairs for t in (conv.input, conv.output, bn.output)])
outs = [np.asarray(a) for a in probe(x, training=False)]

rows = []
for k, (conv, bn) in enumerate(pairs):
    conv_in, conv_out, bn_out = outs[3 * k: 3 * k + 3]
    # --8<-- [start:lesson]
    gamma, beta, mean, variance = (np.asarray(w) for w in bn.weights)
    kernel, bias = fold(np.asarray(conv.kernel), None, gamma, beta, mean, variance, bn.epsilon)
    folded = keras.layers.Conv2D(conv.filters, conv.kernel_size, padding=conv.padding, strides=conv.strides)
    folded.build(conv_in.shape)
    folded.set_weights([kernel, bias])  # one convolution, with a bias, instead of conv + batch norm
    # --8<-- [end:lesson]
    learned = sum(int(np.prod(w.shape)) for w in conv.trainable_weights + bn.trainable_weights)  # kernel, γ, β
    rows.append((f"{conv.name} + {bn.name}", learned, conv.count_params() + bn.count_params(),
                 folded.count_params(), float(np.abs(np.asarray(folded(conv_in)) - bn_out).max())))
publish.table("folded", rows, headers=["layers", "learned parameters before",
                                       "Keras's count before (adds the moving mean and variance)",
                                       "parameters folded", "largest difference"],
              fmts=[None, None, None, None, ".1e"])
publish.value("worst_fold_difference", max(r[4] for r in rows), fmt=".0e")

# A bias before batch norm: batch norm subtracts the mean, and the mean moves with the bias.
conv, bn = pairs[1]
z = outs[4]  # conv2's output for the batch
b = np.random.default_rng(0).normal(scale=1.0, size=z.shape[-1]).astype("float32")
copy = keras.layers.BatchNormalization(epsilon=bn.epsilon)
copy.build(z.shape)
copy.set_weights([np.asarray(w) for w in bn.weights])
publish.value("bias_difference_training",
              float(np.abs(np.asarray(copy(z + b, training=True)) - np.asarray(copy(z, training=True))).max()),
              fmt=".0e")
gamma, beta, mean, variance = (np.asarray(w) for w in bn.weights)
_, without = fold(np.asarray(conv.kernel), None, gamma, beta, mean, variance, bn.epsilon)
_, with_bias = fold(np.asarray(conv.kernel), b, gamma, beta, mean + b, variance, bn.epsilon)  # re-estimated mean
publish.value("bias_difference_folded", float(np.abs(with_bias - without).max()), fmt=".0e")
publish.value("bias_layer", conv.name)
publish.value("batch", BATCH)
