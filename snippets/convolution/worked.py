"""The smallest worked example: a 3x3 input, a 2x2 kernel and a bias, every product written out."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv_table import keras_conv2d
from cnn_glossary.figures.conv import grids_figure

# --8<-- [start:lesson]
x = np.array([[1, 2, 0],
              [3, 1, 2],
              [0, 1, 3]], dtype="float32")  # input, one channel
kernel = np.array([[1, 0],
                   [-1, 2]], dtype="float32")
bias = 1.0

rows = []
for r in range(2):  # a 2x2 kernel fits in 2 x 2 places on a 3x3 input
    for c in range(2):
        window = x[r:r + 2, c:c + 2]
        products = window * kernel  # element by element, then summed: a dot product
        rows.append((r, c, window, products, products.sum() + bias))
# --8<-- [end:lesson]

layer_out, _, _ = keras_conv2d(x[:, :, None], kernel[:, :, None, None], np.array([bias], dtype="float32"))
term = lambda a, b: f"{a:g}·({b:g})" if b < 0 else f"{a:g}·{b:g}"  # noqa: E731
table = [(f"[{r}, {c}]", " + ".join(term(a, b) for a, b in zip(w.ravel(), kernel.ravel())),
          f"{p.sum():g}", f"{bias:+g}", float(layer_out[r, c, 0])) for r, c, w, p, _ in rows]
publish.table("products", table, headers=["output cell", "window × kernel, every product", "sum", "bias",
                                          "output (Keras Conv2D)"], fmts=[None, None, None, None, "g"])
publish.value("input", x)
publish.value("kernel", kernel)
publish.value("bias", bias, fmt="g")
publish.value("loop_output", [[row[4] for row in rows[i:i + 2]] for i in (0, 2)])
publish.value("layer_output", layer_out[:, :, 0])
publish.value("first_sum", float(rows[0][3].sum()), fmt="g")
publish.value("first_output", float(layer_out[0, 0, 0]), fmt="g")
publish.figure(
    "worked", grids_figure([(x, "input 3x3"), (kernel, "kernel 2x2"),
                            (layer_out[:, :, 0], f"output 2x2 (bias {bias:+g})")]),
    alt=f"Three grids of numbers: the 3 by 3 input {x.astype(int).tolist()}, the 2 by 2 kernel "
    f"{kernel.astype(int).tolist()}, and the 2 by 2 output {layer_out[:, :, 0].astype(int).tolist()}.",
    caption=f"The worked example: every output cell is its 2x2 window times the kernel, summed, plus the bias "
    f"{bias:g}.",
)
