"""The smallest worked feature map: a 4x4 input, one 2x2 filter and its bias, then ReLU."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv_table import keras_conv2d
from cnn_glossary.figures.conv import grids_figure

# --8<-- [start:lesson]
x = np.array([[0, 1, 2, 3],
              [0, 2, 3, 1],
              [0, 3, 1, 0],
              [1, 2, 0, 0]], dtype="float32")  # a slanted stroke: brightness 0 (dark) to 3
kernel = np.array([[-1, 1],
                   [-1, 1]], dtype="float32")  # responds where brightness rises from left to right
bias = -1.0
z, _, _ = keras_conv2d(x[:, :, None], kernel[:, :, None, None], np.array([bias], dtype="float32"))
z = z[:, :, 0]  # the sums plus the bias: real numbers of either sign, (3, 3)
feature_map = np.maximum(z, 0)  # ReLU: negatives become 0
# --8<-- [end:lesson]

publish.value("input", x)
publish.value("kernel", kernel)
publish.value("bias", bias, fmt="g")
publish.value("z", z)
publish.value("feature_map", feature_map)
publish.value("n_zero", int((feature_map == 0).sum()))
publish.value("n_cells", feature_map.size)
positive = sorted({float(v) for v in feature_map.ravel() if v > 0})
publish.value("distinct_positive", positive)
publish.value("positive_values", ", ".join(f"{v:g}" for v in positive[:-1]) + f" and {positive[-1]:g}")
publish.value("max_value", float(feature_map.max()), fmt="g")
publish.figure(
    "worked", grids_figure([(x, "input 4x4"), (kernel, "filter 2x2"), (z, f"sum + bias ({bias:g})"),
                            (feature_map, "after ReLU: the map")]),
    alt=f"Four grids of numbers: the 4 by 4 input {x.astype(int).tolist()}, the 2 by 2 filter "
    f"{kernel.astype(int).tolist()}, the 3 by 3 sums plus bias {z.astype(int).tolist()}, and the 3 by 3 feature "
    f"map after ReLU {feature_map.astype(int).tolist()}.",
    caption=f"A 2x2 filter with bias {bias:g} on a 4x4 input: the sums are real numbers of either sign; ReLU sets "
    f"the {int((z < 0).sum())} negative cells to 0"
    + (f" (and {int((z == 0).sum())} sums are 0 already)" if (z == 0).any() else "")
    + " and keeps the rest as they are.",
)
