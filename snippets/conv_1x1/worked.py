"""One pixel through a 1x1 convolution, every product shown; and which way real 1x1 layers change the channel count."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv_table import keras_conv2d
from cnn_glossary.featuremaps import conv_layers
from cnn_glossary.mnist import results

# --8<-- [start:lesson]
pixel = np.array([2, 1, 3], dtype="float32")  # one pixel's values in 3 input channels
w = np.array([[1, 0],
              [-1, 2],
              [0, 1]], dtype="float32")  # the weights: 3 rows (input channels) x 2 columns (filters)
b = np.array([0, -1], dtype="float32")
out = pixel @ w + b  # 2 output channels for this pixel; the same w and b at every other pixel
# --8<-- [end:lesson]

layer_out, kernel_shape, params = keras_conv2d(pixel[None, None, :], w[None, None], b)
term = lambda a, c: f"{a:g}·({c:g})" if c < 0 else f"{a:g}·{c:g}"  # noqa: E731
rows = [(f"out {j}", " + ".join(term(a, c) for a, c in zip(pixel, w[:, j])), f"{b[j]:+g}",
         float(layer_out[0, 0, j])) for j in range(w.shape[1])]
publish.table("products", rows, headers=["output channel", "pixel × column of w, every product", "bias",
                                         "output (Keras Conv2D)"], fmts=[None, None, None, "g"])
publish.value("pixel", pixel)
publish.value("pixel_text", "(" + ", ".join(f"{v:g}" for v in pixel) + ")")
publish.value("out_text", "(" + ", ".join(f"{v:g}" for v in layer_out[0, 0]) + ")")
publish.value("w", w)
publish.value("b", b)
publish.value("out", out)
publish.value("layer_out", layer_out[0, 0])
publish.value("kernel_shape", list(kernel_shape))
publish.value("parameters", params)


def direction(cin: int, cout: int) -> str:
    return "fewer" if cout < cin else "more" if cout > cin else "same"


# Which way 1x1 layers change the channel count: our network's (read from the trained model), and others'.
model = results.for_page().load_model()
ours = [(f"our {layer.name}", int(layer.input.shape[-1]), layer.filters) for layer in conv_layers(model)
        if layer.kernel_size == (1, 1)]
others = [
    ("Network in Network block as in Dive into Deep Learning, after a 96-channel conv", 96, 96),
    ("Inception 3a, reduction before the 5x5", 192, 16),
    ("ResNet-50 bottleneck, expansion after the 3x3", 64, 256),
]
table = [(name, cin, cout, direction(cin, cout)) for name, cin, cout in ours + others]
publish.table("directions", table, headers=["1x1 layer", "channels in", "channels out", "channels"])
for name, cin, cout, word in table[:len(ours)]:
    key = name.removeprefix("our ")
    publish.value(f"{key}_in", cin)
    publish.value(f"{key}_out", cout)
    publish.value(f"{key}_direction", word)
CHANGE = {"fewer": "lowers the channel count from {} to {}", "more": "raises the channel count from {} to {}",
          "same": "keeps the channel count at {}"}
publish.value("ours_summary", "; ".join(f"`{name.removeprefix('our ')}` " + CHANGE[word].format(cin, cout)
                                       for name, cin, cout, word in table[:len(ours)]))
publish.value("n_ours", len(ours))
publish.value("ours_all_reduce", all(word == "fewer" for *_, word in table[:len(ours)]))
