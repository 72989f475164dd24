"""Two stacked 3x3 layers on a 5x5 input: the one output sees all 25 cells, the centre along the most paths."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import cross_correlate2d
from cnn_glossary.counting import ConvLayer, composed_kernel, count_chain, total

C = 4  # channels in, between and out, for the parameter count
# --8<-- [start:lesson]
x = np.arange(25).reshape(5, 5) % 4  # a 5x5 input
first = np.ones((3, 3))  # every weight 1, so the gradient counts paths
hidden = cross_correlate2d(x, first)  # 3x3 (valid padding)
output = cross_correlate2d(hidden, np.ones((3, 3)))  # 1x1: one output unit
paths = composed_kernel(first, np.ones((3, 3)))[:, :, 0, 0]  # ways each input cell reaches it
two_3x3 = total(count_chain([ConvLayer("a", 3, C, bias=False), ConvLayer("b", 3, C, bias=False)], 5, C))[0]
one_5x5 = total(count_chain([ConvLayer("c", 5, C, bias=False)], 5, C))[0]
# --8<-- [end:lesson]
grid = lambda a: [[int(v) for v in row] for row in a]  # noqa: E731
headers = lambda title, n: [f"{title}, col 0"] + [f"col {j}" for j in range(1, n)]  # noqa: E731
publish.table("input", grid(x), headers=headers("input", 5))
publish.table("hidden", grid(hidden), headers=headers("layer 1 output", 3))
publish.table("paths", grid(paths), headers=headers("paths", 5))
publish.value("output", int(output[0, 0]))
publish.value("cells_seen", int((paths > 0).sum()))
publish.value("centre_paths", int(paths[2, 2]))
publish.value("corner_paths", int(paths[0, 0]))
publish.value("paths_total", int(paths.sum()))
publish.value("weighted_sum", int((paths * x).sum()))
publish.value("channels", C)
publish.value("two_3x3_parameters", two_3x3)
publish.value("one_5x5_parameters", one_5x5)
