"""Batch normalisation in training mode (batch statistics) and at inference (moving statistics), on our model."""

import keras
import numpy as np
import tensorflow as tf

from cnn_glossary import publish
from cnn_glossary.batchnorm import batch_statistics, normalise
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist

BATCH, CHANNEL, PIXEL, SHOWN = 64, 0, (14, 14), 4  # a batch of test digits; conv1's channel 0 at the centre
model = results.for_page().load_model()
bn = model.get_layer("conv1_bn")
probe = keras.Model(model.input, [model.get_layer("conv1").output, bn.output, model.output])
x = load_mnist().x_test[:BATCH].astype("float32")[..., None] / 255.0
conv1, bn_inference, p_inference = (np.asarray(a) for a in probe(x, training=False))
gamma, beta, moving_mean, moving_variance = (np.asarray(w) for w in bn.weights)

# --8<-- [start:lesson]
# Training: normalise with this batch's own mean and variance (over the batch and every position)
batch_mean, batch_variance = batch_statistics(conv1)
train = normalise(conv1, gamma, beta, batch_mean, batch_variance, bn.epsilon)
# Inference: normalise with the moving averages stored in the layer during training
infer = normalise(conv1, gamma, beta, moving_mean, moving_variance, bn.epsilon)
# --8<-- [end:lesson]

# The same batch through Keras in both modes (training mode last: it also nudges the moving averages)
_, bn_training, p_training = (np.asarray(a) for a in probe(x, training=True))
r, c = PIXEL
rows = [(i, conv1[i, r, c, CHANNEL], train[i, r, c, CHANNEL], infer[i, r, c, CHANNEL]) for i in range(SHOWN)]
publish.table("worked", rows, headers=["test digit", "conv1 output", "training mode", "inference mode"],
              fmts=[None, ".3f", ".3f", ".3f"])
for name, v in {"gamma": gamma, "beta": beta, "batch_mean": batch_mean, "moving_mean": moving_mean,
                "batch_variance": batch_variance, "moving_variance": moving_variance}.items():
    publish.value(name, float(v[CHANNEL]), fmt=".3f")
publish.value("epsilon", bn.epsilon, fmt="g")
publish.value("momentum", bn.momentum, fmt="g")
publish.value("batch", BATCH)
publish.value("shown", SHOWN)
publish.value("channel", CHANNEL)
publish.value("pixel", f"({r}, {c})")
# The batch statistics average one channel over every digit of the batch and every position of its map
publish.value("map_height", conv1.shape[1])
publish.value("map_width", conv1.shape[2])
publish.value("n_statistic_values", conv1.shape[0] * conv1.shape[1] * conv1.shape[2], fmt=",")
publish.value("ours_vs_keras_training", float(np.abs(train - bn_training).max()), fmt=".1g")
# Where that gap comes from: Keras's layer takes the batch statistics from tf.nn.moments in single precision.
keras_mean, keras_variance = (np.asarray(a, dtype=np.float64) for a in tf.nn.moments(conv1, axes=[0, 1, 2]))
with_keras_statistics = normalise(conv1.astype(np.float64), gamma, beta, keras_mean, keras_variance, bn.epsilon)
publish.value("variance_relative_difference", float(np.abs(keras_variance / batch_variance - 1).max()), fmt=".0e")
publish.value("keras_statistics_vs_keras_training", float(np.abs(with_keras_statistics - bn_training).max()),
              fmt=".0e")
publish.value("ours_vs_keras_inference", float(np.abs(infer - bn_inference).max()), fmt=".1g")
publish.value("mode_difference", float(np.abs(bn_training - bn_inference).max()), fmt=".3f")
publish.value("probability_difference", float(np.abs(p_training - p_inference).max()), fmt=".2g")
publish.value("predictions_changed", int((p_training.argmax(1) != p_inference.argmax(1)).sum()))
