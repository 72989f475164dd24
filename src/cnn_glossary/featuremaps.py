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


def shift_image(image: np.ndarray, down: int, right: int) -> np.ndarray:
    """Move an (H, W, ...) array ``down`` rows and ``right`` columns (negative: up/left), filling with zeros;
    nothing wraps around."""
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    if abs(down) >= h or abs(right) >= w:
        raise ValueError(f"shift ({down}, {right}) moves everything out of a {h}x{w} image")

    def spans(d: int, n: int) -> tuple[slice, slice]:  # (source, destination) along one axis
        return (slice(0, n - d), slice(d, n)) if d >= 0 else (slice(-d, n), slice(0, n + d))

    (rs, rd), (cs, cd) = spans(down, h), spans(right, w)
    out[rd, cd] = image[rs, cs]
    return out


def inner_region(shape: tuple[int, ...], down: int, right: int, margin: int) -> tuple[slice, slice]:
    """Positions of a shifted map that are away from every border (and from the zeros the shift let in)
    by at least ``margin`` pixels: there, the shifted input's map must equal the shifted map."""
    h, w = shape[:2]
    rows = slice(max(down, 0) + margin, h + min(down, 0) - margin)
    cols = slice(max(right, 0) + margin, w + min(right, 0) - margin)
    return rows, cols


def first_layer_maps(model, image: np.ndarray) -> np.ndarray:
    """The first conv layer's feature maps (after its batch norm and ReLU) for one (H, W) image: (H', W', C)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    first = conv_layers(model)[0]
    sub = keras.Model(model.input, model.get_layer(shown_layer_name(model, first.name)).output)
    return np.asarray(sub(image[None, :, :, None].astype("float32"), training=False))[0]
