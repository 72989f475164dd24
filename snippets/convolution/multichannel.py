"""Two input channels -> three output channels: one Keras Conv2D layer with hand-set weights."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.conv import multichannel_figure
from cnn_glossary.conv_table import keras_conv2d

rng = np.random.default_rng(7)
x = rng.integers(0, 4, size=(4, 4, 2)).astype("float32")  # (H, W, channels_in)
kernel = rng.integers(-1, 2, size=(3, 3, 2, 3)).astype("float32")  # (kh, kw, channels_in, channels_out)
bias = np.array([1.0, 0.0, -2.0], dtype="float32")
out, keras_kernel_shape, parameters = keras_conv2d(x, kernel, bias)

publish.value("kernel_shape", list(keras_kernel_shape))
publish.value("parameters", parameters)
publish.value("output_shape", list(out.shape))
publish.value("input", x)
publish.value("kernel", kernel)
publish.value("output", out)
# output[0, 0, 0], spelt out: each input channel's window times its kernel slice, summed, plus the bias
per_channel = [float((x[0:3, 0:3, c] * kernel[:, :, c, 0]).sum()) for c in range(2)]
publish.value("cell_channel_0", per_channel[0], fmt="g")
publish.value("cell_channel_1", per_channel[1], fmt="g")
publish.value("cell_bias", bias[0], fmt="g")
publish.value("cell_total", out[0, 0, 0], fmt="g")
publish.figure(
    "multichannel", multichannel_figure(x, kernel, bias, out),
    alt="Three rows, one per output channel. Each row shows the two 4 by 4 input channels' kernel slices "
    "(two 3 by 3 grids of -1, 0 and 1) and the resulting 2 by 2 output channel with its bias.",
    caption="A layer with 2 input channels and 3 output channels. Filter f has one 3x3 slice per input "
    "channel; output channel f is the sum of both slices' cross-correlations plus bias f.",
)
