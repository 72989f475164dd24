"""One layer's channels on real digits: the convolution's output, normalised with the stored statistics, then
scaled and shifted by gamma and beta, which decides how much the ReLU after it lets through."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.batchnorm import stages_figure
from cnn_glossary.mnist import results, train
from cnn_glossary.mnist.data import load_mnist

LAYER, N_DIGITS = "conv2", 200
model = results.for_page().load_model()
_, (x_val, _), _ = train.split(load_mnist())  # validation digits: never trained on, and not the test set
bn = model.get_layer(f"{LAYER}_bn")
probe = keras.Model(model.input, [model.get_layer(LAYER).output, bn.output])
conv, out = (np.asarray(a, dtype=np.float64) for a in probe.predict(x_val[:N_DIGITS], verbose=0))
gamma, beta, moving_mean, moving_variance = (np.asarray(w, dtype=np.float64) for w in bn.weights)

# --8<-- [start:lesson]
channels = conv.shape[-1]
raw = conv.reshape(-1, channels)  # every position of every digit, one column per channel
normalised = (raw - moving_mean) / np.sqrt(moving_variance + bn.epsilon)  # the stored statistics (inference)
scaled = gamma * normalised + beta  # what the layer outputs, and the ReLU after it reads
cut = (scaled <= 0).mean(axis=0)  # the share of each channel the ReLU sets to zero
# --8<-- [end:lesson]

keras_difference = float(np.abs(scaled - out.reshape(-1, channels)).max())
spans = {}
for key, values in (("raw", raw), ("normalised", normalised)):
    means, stds = values.mean(axis=0), values.std(axis=0)
    spans[key] = (means.min(), means.max(), stds.min(), stds.max())
    publish.value(f"{key}_mean_low", float(means.min()), fmt=".1f")
    publish.value(f"{key}_mean_high", float(means.max()), fmt=".1f")
    publish.value(f"{key}_std_low", float(stds.min()), fmt=".1f")
    publish.value(f"{key}_std_high", float(stds.max()), fmt=".1f")
publish.value("cut_low", float(cut.min()), fmt=".0%")
publish.value("cut_high", float(cut.max()), fmt=".0%")
publish.value("keras_difference", keras_difference, fmt=".0e")
publish.value("layer", LAYER)
publish.value("channels", channels)
publish.value("n_digits", N_DIGITS)
publish.value("n_values", raw.shape[0], fmt=",")
r, z = spans["raw"], spans["normalised"]
fig = stages_figure([(f"{LAYER}'s output, before batch norm", raw),
                     ("normalised with the stored mean and variance", normalised),
                     ("after γ and β", scaled)],
                    ("share of each channel's values that the ReLU then sets to zero", cut))
publish.figure(
    "stages", fig,
    format="png",
    alt=f"Four panels over the {channels} channels of {LAYER}. Three rows of box plots, one box per channel: the "
    f"raw outputs, centred at different heights (means from {r[0]:.1f} to {r[1]:.1f}) with different spreads "
    f"(standard deviations {r[2]:.1f} to {r[3]:.1f}); after normalisation every box sits around zero with a "
    f"similar height (means {z[0]:.1f} to {z[1]:.1f}, standard deviations {z[2]:.1f} to {z[3]:.1f}); after the "
    f"learned scale and shift. Last, one bar per channel: the share of its values at or below zero, which the "
    f"ReLU sets to zero, from {cut.min():.0%} to {cut.max():.0%}.",
    caption=f"Channel by channel, {LAYER}'s batch norm at inference on {N_DIGITS} validation digits "
    f"({raw.shape[0]:,} values per channel). Boxes: middle half; whiskers: 5th to 95th percentile; dashed: 0 "
    f"(bars: 50 %). Normalising puts every channel on about the same scale; γ and β then give each its own, and "
    f"so decide how much of it the ReLU passes.",
)
