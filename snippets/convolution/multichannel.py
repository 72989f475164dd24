"""Two input channels -> three output channels: one Keras Conv2D layer with hand-set weights."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.conv import multichannel_alt, multichannel_figure
from cnn_glossary.conv_table import keras_conv2d

# --8<-- [start:lesson]
rng = np.random.default_rng(7)
x = rng.integers(0, 4, size=(4, 4, 2)).astype("float32")  # (H, W, channels_in)
kernel = rng.integers(-1, 2, size=(3, 3, 2, 3)).astype("float32")  # Keras's kernel array: 3 filters of 3x3x2
bias = np.array([1.0, 0.0, -2.0], dtype="float32")
out, keras_kernel_shape, parameters = keras_conv2d(x, kernel, bias)
# output[0, 0, 0], spelt out: each input channel's window times its kernel slice, summed, plus the bias
per_channel = [float((x[0:3, 0:3, c] * kernel[:, :, c, 0]).sum()) for c in range(2)]
# --8<-- [end:lesson]

publish.value("kernel_shape", list(keras_kernel_shape))
publish.value("parameters", parameters)
publish.value("output_shape", list(out.shape))
publish.value("input", x)
publish.value("kernel", kernel)
publish.value("output", out)
publish.value("cell_channel_0", per_channel[0], fmt="g")
publish.value("cell_channel_1", per_channel[1], fmt="g")
publish.value("cell_bias", bias[0], fmt="g")
publish.value("cell_total", out[0, 0, 0], fmt="g")
publish.figure(
    "multichannel", multichannel_figure(x, kernel, bias, out),
    alt=multichannel_alt(x, kernel, out),
    caption=f"A layer with {x.shape[2]} input channels and {kernel.shape[3]} output channels. Filter f has one "
    f"{kernel.shape[0]}x{kernel.shape[1]} slice per input channel; output channel f is the sum of all "
    f"{x.shape[2]} slices' cross-correlations plus bias f.",
)
