"""How a unit's receptive field grows layer by layer: our MNIST network and three stacks of 3x3 layers."""

import keras

from cnn_glossary import publish
from cnn_glossary.receptive_field import receptive_fields
from cnn_glossary.figures.receptive_field import growth_figure
from cnn_glossary.mnist.train import build_model

DEPTH, SLIDING = 6, ("Input", "Conv2D", "MaxPooling2D")  # layers in each 3x3 stack; layers that slide a window


def stack(strides, dilations):
    return keras.Sequential([keras.Input((512, 512, 1))] + [keras.layers.Conv2D(1, 3, strides=s, dilation_rate=d,
                            padding="same") for s, d in zip(strides, dilations)])


# --8<-- [start:lesson]
reports = {"3x3, stride 1": receptive_fields(stack([1] * DEPTH, [1] * DEPTH)),
           "3x3, stride 2": receptive_fields(stack([2] * DEPTH, [1] * DEPTH)),
           "3x3, dilation 1, 2, 4, ...": receptive_fields(stack([1] * DEPTH, [2 ** i for i in range(DEPTH)])),
           "our MNIST network": receptive_fields(build_model(keras))}
fields = {name: [f for f in r if f.kind in SLIDING and not f.is_global] for name, r in reports.items()}
series = {name: [f.rows.size for f in fs] for name, fs in fields.items()}
mnist = fields["our MNIST network"]  # what each 3x3 convolution adds, and the jump it sees
convs = [(b.name, b.rows.size - a.rows.size, a.rows.jump) for a, b in zip(mnist, mnist[1:])
         if b.kind == "Conv2D" and b.rows.size > a.rows.size]
# --8<-- [end:lesson]
for key, label in (("stride1", "3x3, stride 1"), ("stride2", "3x3, stride 2"), ("dilated", "3x3, dilation 1, 2, 4, ...")):
    publish.value(f"{key}_final", series[label][-1])
    publish.value(f"{key}_sizes", series[label])
    publish.value(f"{key}_final_jump", fields[label][-1].rows.jump)
publish.value("stack_depth", DEPTH)
publish.value("mnist_final", series["our MNIST network"][-1])
publish.value("mnist_sizes", " → ".join(str(s) for s in series["our MNIST network"]))
publish.value("mnist_conv_added", ", ".join(str(a) for _, a, _ in convs[:-1]) + f" and {convs[-1][1]}")
publish.value("mnist_conv_jumps", ", ".join(str(j) for _, _, j in convs[:-1]) + f" and {convs[-1][2]}")
publish.table("mnist_increments", convs, headers=["3x3 convolution", "pixels added", "jump it sees"])
publish.figure(
    "growth", growth_figure(series),
    alt="Line chart of receptive-field size, on a logarithmic axis, against layer number for four networks. "
    f"The stride-1 stack creeps up by two pixels per layer to {series['3x3, stride 1'][-1]}; the stride-2 and "
    f"dilated stacks both reach {series['3x3, stride 2'][-1]}; our MNIST network ends at {series['our MNIST network'][-1]}.",
    caption=f"Receptive-field size after each layer (log scale) for {DEPTH} stacked 3x3 layers with stride 1, "
    "with stride 2, and with dilations doubling each layer, and for the convolution and pooling layers of our "
    "MNIST network, all computed by the calculator.",
)
