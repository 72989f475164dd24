"""A conv layer cross-correlates; true convolution is the same thing with the kernel turned 180 degrees."""

import numpy as np
from scipy.signal import convolve2d

from cnn_glossary import publish
from cnn_glossary.figures.conv import grids_figure
from cnn_glossary.conv_table import EXAMPLE_KERNEL, tf_conv2d

# --8<-- [start:lesson]
x = np.random.default_rng(3).integers(0, 4, size=(5, 5)).astype("float32")
kernel = EXAMPLE_KERNEL
flipped = kernel[::-1, ::-1]  # rotate by 180 degrees: flip rows and columns

layer_output = tf_conv2d(x, kernel)  # what Conv2D computes
true_convolution = convolve2d(x, kernel, mode="valid")  # the textbook definition
convolution_of_flipped = convolve2d(x, flipped, mode="valid")
# --8<-- [end:lesson]

publish.value("input", x)
publish.value("flipped", flipped)
publish.value("layer_output", layer_output)
publish.value("true_convolution", true_convolution)
publish.value("max_difference_same_kernel", np.abs(layer_output - true_convolution).max(), fmt="g")
publish.value("max_difference_flipped", np.abs(layer_output - convolution_of_flipped).max(), fmt="g")
publish.figure(
    "flip", grids_figure([
        (x, "input 5x5"), (kernel, "kernel"), (layer_output, "Conv2D output"),
        (flipped, "kernel turned 180°"), (true_convolution, "convolve2d(input, kernel)"),
    ]),
    alt="Five grids of numbers: a 5 by 5 input, the 3 by 3 kernel, the 3 by 3 output of a Conv2D layer, "
    "the kernel turned by 180 degrees, and the different 3 by 3 output of a true convolution.",
    caption="The Conv2D output equals scipy.signal.correlate2d; scipy.signal.convolve2d with the same kernel "
    "gives other numbers, and equals the Conv2D output only when it is given the turned kernel.",
)
