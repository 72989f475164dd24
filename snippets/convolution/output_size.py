"""Output size of a convolution for several settings, and one kernel position drawn."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import ConvConfig, cross_correlate2d
from cnn_glossary.figures.style import conv_step_figure

# --8<-- [start:lesson]
SETTINGS = [
    ConvConfig("mnist_first_layer", input_size=28, kernel_size=3),
    ConvConfig("padding_1", input_size=28, kernel_size=3, padding=1),
    ConvConfig("kernel_5", input_size=28, kernel_size=5),
    ConvConfig("stride_2", input_size=28, kernel_size=3, stride=2),
    ConvConfig("same_stride_2", input_size=28, kernel_size=3, padding="same", stride=2),
    ConvConfig("odd_same_stride_2", input_size=7, kernel_size=3, padding="same", stride=2),
    ConvConfig("dilation_2", input_size=28, kernel_size=3, dilation=2),
    ConvConfig("full", input_size=5, kernel_size=3, padding="full"),
]
# --8<-- [end:lesson]
rows = [(c.input_size, c.kernel_size, str(c.padding), c.stride, c.dilation, c.output_size) for c in SETTINGS]
publish.table("sizes", rows, headers=["input", "kernel", "padding", "stride", "dilation", "output"])
for c in SETTINGS:
    publish.value(c.name, c.output_size)

# One position of a 3x3 kernel sliding with stride 2 over a padded 5x5 input.
demo = ConvConfig("demo", input_size=5, kernel_size=3, padding=1, stride=2)
x = np.arange(1, 26).reshape(5, 5) % 4
kernel = np.array([[0, 1, 0], [1, -1, 1], [0, 1, 0]])
out = cross_correlate2d(x, kernel, padding=1, stride=2)
publish.value("demo_output", out[1, 1])
publish.figure(
    "slide_step",
    conv_step_figure(demo, x, kernel, out, step=4),
    alt="A 5 by 5 input with a ring of zero padding; a 3 by 3 window in its centre is highlighted, "
    "next to the 3 by 3 kernel and a 3 by 3 output whose centre cell holds the window's dot product.",
    caption="A 3x3 kernel at its fifth position (stride 2, padding 1): the highlighted window times the "
    "kernel, summed, gives the highlighted output cell.",
)
