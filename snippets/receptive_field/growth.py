"""How a unit's receptive field grows layer by layer: our MNIST network and three stacks of 3x3 layers."""

import keras

from cnn_glossary import publish
from cnn_glossary.receptive_field import receptive_fields
from cnn_glossary.figures.receptive_field import growth_figure
from cnn_glossary.mnist.train import build_model

DEPTH = 6  # layers in each 3x3 stack


def stack(strides, dilations):
    layers = [keras.layers.Conv2D(1, 3, strides=s, dilation_rate=d, padding="same")
              for s, d in zip(strides, dilations)]
    return keras.Sequential([keras.Input((512, 512, 1)), *layers])


def sizes(model, kinds=("Input", "Conv2D", "MaxPooling2D")):
    return [f.rows.size for f in receptive_fields(model) if f.kind in kinds and not f.is_global]


series = {
    "3x3, stride 1": sizes(stack([1] * DEPTH, [1] * DEPTH)),
    "3x3, stride 2": sizes(stack([2] * DEPTH, [1] * DEPTH)),
    "3x3, dilation 1, 2, 4, ...": sizes(stack([1] * DEPTH, [2 ** i for i in range(DEPTH)])),
    "our MNIST network": sizes(build_model(keras)),
}
publish.value("stack_depth", DEPTH)
for key, label in (("stride1", "3x3, stride 1"), ("stride2", "3x3, stride 2"),
                   ("dilated", "3x3, dilation 1, 2, 4, ...")):
    publish.value(f"{key}_final", series[label][-1])
    publish.value(f"{key}_sizes", series[label])
publish.value("mnist_final", series["our MNIST network"][-1])
publish.figure(
    "growth", growth_figure(series),
    alt="Line chart of receptive-field size, on a logarithmic axis, against layer number for four networks. "
    "The stride-1 stack creeps up by two pixels per layer; the stride-2 and dilated stacks roughly double "
    "every layer; our MNIST network lies in between.",
    caption=f"Receptive-field size after each layer (log scale) for {DEPTH} stacked 3x3 layers with stride 1, "
    "with stride 2, and with dilations doubling each layer, and for the convolution and pooling layers of our "
    "MNIST network, all computed by the calculator.",
)
