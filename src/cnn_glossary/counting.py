"""Counting parameters and multiply-adds of convolution layers, by hand (checked against Keras).

A 2-D convolution with a ``kh x kw`` kernel, ``channels_in`` inputs and ``channels_out`` filters has
``kh * kw * channels_in * channels_out`` weights plus ``channels_out`` biases, and computes
``kh * kw * channels_in`` multiply-adds for each of its ``out_h * out_w * channels_out`` outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conv import output_size


@dataclass(frozen=True)
class ConvLayer:
    """One convolution in a counting plan (square input and kernel)."""

    name: str
    kernel_size: int
    channels_out: int
    stride: int = 1
    padding: str | int = "same"
    bias: bool = True


@dataclass(frozen=True)
class Count:
    name: str
    input_size: int
    channels_in: int
    output_size: int
    channels_out: int
    parameters: int
    mult_adds: int


def count_conv(layer: ConvLayer, input_size: int, channels_in: int) -> Count:
    k = layer.kernel_size
    out = output_size(input_size, k, layer.padding, layer.stride)
    weights = k * k * channels_in * layer.channels_out
    params = weights + (layer.channels_out if layer.bias else 0)
    macs = out * out * layer.channels_out * k * k * channels_in
    return Count(layer.name, input_size, channels_in, out, layer.channels_out, params, macs)


def count_chain(layers: list[ConvLayer], input_size: int, channels_in: int) -> list[Count]:
    """Counts for layers applied one after the other."""
    counts = []
    for layer in layers:
        c = count_conv(layer, input_size, channels_in)
        counts.append(c)
        input_size, channels_in = c.output_size, c.channels_out
    return counts


def total(counts: list[Count]) -> tuple[int, int]:
    return sum(c.parameters for c in counts), sum(c.mult_adds for c in counts)


# An Inception block is several chains side by side on the same input, concatenated along channels.
# Inception (3a) of GoogLeNet (Szegedy et al., 2014) on a 28x28x192 input:
INCEPTION_3A = {
    "1x1": [ConvLayer("1x1", 1, 64)],
    "3x3": [ConvLayer("3x3 reduce", 1, 96), ConvLayer("3x3", 3, 128)],
    "5x5": [ConvLayer("5x5 reduce", 1, 16), ConvLayer("5x5", 5, 32)],
    "pool": [ConvLayer("pool proj", 1, 32)],  # after a 3x3 max pooling, stride 1, which has no parameters
}
# The same block without the 1x1 reductions (the "naive" block): the pooling branch passes all its channels on.
INCEPTION_NAIVE = {
    "1x1": [ConvLayer("1x1", 1, 64)],
    "3x3": [ConvLayer("3x3", 3, 128)],
    "5x5": [ConvLayer("5x5", 5, 32)],
    "pool": [],
}


def count_block(branches: dict[str, list[ConvLayer]], input_size: int, channels_in: int) -> dict[str, list[Count]]:
    return {name: count_chain(layers, input_size, channels_in) for name, layers in branches.items()}


def block_output_channels(branches: dict[str, list[ConvLayer]], channels_in: int) -> int:
    """Channels of the concatenated output (a branch with no convolution passes its input through)."""
    return sum(layers[-1].channels_out if layers else channels_in for layers in branches.values())


def keras_chain(keras, layers: list[ConvLayer], input_size: int, channels_in: int):
    """The same chain as a Keras model (for checking the counts)."""
    x = inputs = keras.Input((input_size, input_size, channels_in))
    for layer in layers:
        x = keras.layers.Conv2D(layer.channels_out, layer.kernel_size, strides=layer.stride,
                                padding=layer.padding, use_bias=layer.bias)(x)
    return keras.Model(inputs, x)


def keras_block(keras, branches: dict[str, list[ConvLayer]], input_size: int, channels_in: int, pool=True):
    """An Inception-style block as a Keras model: branches side by side, concatenated."""
    inputs = keras.Input((input_size, input_size, channels_in))
    outs = []
    for name, layers in branches.items():
        x = inputs
        if name == "pool" and pool:
            x = keras.layers.MaxPooling2D(3, strides=1, padding="same")(x)
        for layer in layers:
            x = keras.layers.Conv2D(layer.channels_out, layer.kernel_size, strides=layer.stride,
                                    padding=layer.padding, use_bias=layer.bias)(x)
        outs.append(x)
    return keras.Model(inputs, keras.layers.Concatenate()(outs))
