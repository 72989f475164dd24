"""A 2x2 max pool and a 2x2 average pool of one small input, every window shown; pooling output sizes."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import output_size
from cnn_glossary.figures.pooling import worked_figure
from cnn_glossary.pooling import pool2d

INPUT_SIZE, POOL_SIZE, STRIDE = 4, 2, 2
x = np.random.default_rng(5).integers(0, 10, size=(INPUT_SIZE, INPUT_SIZE)).astype(float)

# --8<-- [start:lesson]
max_pooled = pool2d(x, pool_size=POOL_SIZE, stride=STRIDE, mode="max")  # the largest value of each window
average_pooled = pool2d(x, pool_size=POOL_SIZE, stride=STRIDE, mode="average")  # the mean of each window
# A pooling window moves like a convolution kernel, so its output size obeys the same formula:
sizes = [(i, k, s, p, output_size(i, k, p, s))
         for i, k, s, p in [(28, 2, 2, "valid"), (10, 2, 2, "valid"), (5, 2, 2, "valid"), (5, 2, 2, "same"),
                            (13, 3, 2, "valid")]]
# --8<-- [end:lesson]

windows = []
for r in range(max_pooled.shape[0]):
    for c in range(max_pooled.shape[1]):
        w = x[r * STRIDE:r * STRIDE + POOL_SIZE, c * STRIDE:c * STRIDE + POOL_SIZE]
        windows.append((f"rows {r * STRIDE}-{r * STRIDE + POOL_SIZE - 1}, columns {c * STRIDE}-"
                        f"{c * STRIDE + POOL_SIZE - 1}", ", ".join(f"{v:g}" for v in w.ravel()),
                        max_pooled[r, c], average_pooled[r, c]))
publish.table("windows", windows, headers=["window", "values", "max", "average"], fmts=[None, None, "g", "g"])
publish.table("sizes", sizes, headers=["input size", "pool size", "stride", "padding", "output size"])
publish.value("input_size", INPUT_SIZE)
publish.value("pool_size", POOL_SIZE)
publish.value("stride", STRIDE)
odd = sizes[2]  # (5, 2, 2, "valid", 2): an odd input, no padding
publish.value("odd_input", odd[0])
publish.value("dropped", odd[0] - odd[4] * odd[2])  # rows (and columns) that the windows never reach
publish.figure(
    "worked", worked_figure(x, max_pooled, average_pooled, POOL_SIZE),
    alt=f"Left, a {INPUT_SIZE} by {INPUT_SIZE} grid of numbers split into four {POOL_SIZE} by {POOL_SIZE} windows, "
    "each outlined in its own colour and line style, with a bar under each window's largest number. Middle, the "
    "2 by 2 grid of the windows' maxima. Right, the 2 by 2 grid of their averages.",
    caption=f"A {POOL_SIZE}x{POOL_SIZE} pool with stride {STRIDE} on a {INPUT_SIZE}x{INPUT_SIZE} input: max pooling "
    "keeps each window's largest value (underlined), average pooling its mean.",
)
