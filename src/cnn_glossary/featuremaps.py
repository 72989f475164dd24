"""Feature maps of the trained MNIST network: every conv layer's output for a digit, and how many are zero."""

from __future__ import annotations

import os

import numpy as np

ZERO_SUBSET = 2000  # test images used for the fraction of zeros (the first ones, in test-set order)


def conv_layers(model) -> list:
    return [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]


def shown_layer_name(model, conv_name: str) -> str:
    """The layer whose output is the conv layer's feature maps: its ReLU if it has one (after batch norm)."""
    names = {layer.name for layer in model.layers}
    return f"{conv_name}_relu" if f"{conv_name}_relu" in names else conv_name


def feature_model(model):
    """A Keras model that returns, for each conv layer, its feature maps (after batch norm and ReLU, if any)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    outputs = [model.get_layer(shown_layer_name(model, layer.name)).output for layer in conv_layers(model)]
    return keras.Model(model.input, outputs)


def geometry(layer) -> dict:
    """The conv layer's arithmetic, read from its Keras configuration."""
    return {
        "input_size": int(layer.input.shape[1]),
        "kernel_size": int(layer.kernel_size[0]),
        "padding": layer.padding,
        "stride": int(layer.strides[0]),
        "dilation": int(layer.dilation_rate[0]),
        "channels_in": int(layer.input.shape[-1]),
        "channels_out": int(layer.filters),
    }


def zero_fractions(model, images: np.ndarray, batch_size: int = 500) -> list[float]:
    """Per conv layer, the fraction of exactly-zero values in its feature maps over ``images`` (N, 28, 28)."""
    fm = feature_model(model)
    zeros = None
    total = None
    for start in range(0, len(images), batch_size):
        batch = images[start: start + batch_size].astype("float32")[..., None] / 255.0
        outs = fm.predict(batch, verbose=0)
        outs = outs if isinstance(outs, list) else [outs]
        z = [int((np.asarray(o) == 0).sum()) for o in outs]
        n = [int(np.asarray(o).size) for o in outs]
        zeros = z if zeros is None else [a + b for a, b in zip(zeros, z)]
        total = n if total is None else [a + b for a, b in zip(total, n)]
    return [a / b for a, b in zip(zeros, total)]
