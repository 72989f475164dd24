"""Sigmoid outputs are all positive and ReLU outputs never negative, so a next-layer unit's weight gradients share
one sign (one example); tanh outputs take both signs."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.activations import weight_gradient

rng = np.random.default_rng(3)
z_prev = rng.normal(size=6)  # pre-activations of a previous layer of six units, for one example
w, b, target = rng.normal(size=6), 0.0, 1.0  # one unit of the next layer and what it should output

# --8<-- [start:lesson]
for name, f in (("sigmoid", keras.activations.sigmoid), ("relu", keras.activations.relu),
                ("tanh", keras.activations.tanh)):
    inputs = np.asarray(f(z_prev))  # what the next layer receives
    dz, dw = weight_gradient(inputs, w, b, target)  # dL/dw_i = dL/dz * inputs_i
    signs = np.sign(dw)  # sigmoid: all one sign; ReLU: one sign or 0; tanh: mixed
# --8<-- [end:lesson]
    publish.value(f"{name}_inputs", ", ".join(f"{v:.2f}".replace("-", "−") for v in inputs))
    publish.value(f"{name}_signs", " ".join("+" if s > 0 else "−" if s < 0 else "0" for s in signs))
    publish.value(f"{name}_positive", int((signs > 0).sum()))
    publish.value(f"{name}_negative", int((signs < 0).sum()))
    publish.value(f"{name}_zero", int((signs == 0).sum()))
    publish.value(f"{name}_dz", dz, fmt=".3f")
publish.value("n_weights", len(w))
