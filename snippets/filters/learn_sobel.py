"""Train a single 3x3 Conv2D on (digit, Sobel-x-filtered digit) pairs: it recovers the Sobel kernel."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.conv import grids_figure
from cnn_glossary.kernels import SOBEL_X, learn_kernel, sobel_pairs

N_DIGITS, EPOCHS = 500, 30
DECIMALS = 2  # weights printed in the figure
# --8<-- [start:lesson]
x, y = sobel_pairs(N_DIGITS, convolve=False)  # targets by cross-correlation, as Conv2D computes
learned, bias, loss = learn_kernel(x, y, epochs=EPOCHS)
x2, y2 = sobel_pairs(N_DIGITS, convolve=True)  # targets by true convolution (kernel turned 180 degrees)
learned_conv, bias_conv, _ = learn_kernel(x2, y2, epochs=EPOCHS)
# --8<-- [end:lesson]

publish.value("n_digits", N_DIGITS)
publish.value("epochs", EPOCHS)
publish.value("learned", learned)
publish.value("learned_bias", bias, fmt=".1e")
publish.value("final_loss", loss, fmt=".1e")
publish.value("max_error", np.abs(learned - SOBEL_X).max(), fmt=".3f")
publish.value("learned_from_convolution", learned_conv)
publish.value("max_error_flipped", np.abs(learned_conv - SOBEL_X[::-1, ::-1]).max(), fmt=".3f")
publish.value("max_error_unflipped", np.abs(learned_conv - SOBEL_X).max(), fmt=".2f")
publish.figure(
    "learned_sobel", grids_figure([
        (SOBEL_X, "Sobel x"), (learned, "learned\n(targets: correlate2d)"),
        (learned_conv, "learned\n(targets: convolve2d)"),
    ], size=0.55, decimals=DECIMALS),
    alt="Three 3 by 3 grids: the Sobel x kernel with columns -1 -2 -1, 0 0 0, 1 2 1; the kernel learned from "
    "cross-correlated targets, nearly equal to it; and the kernel learned from convolved targets, turned by 180 degrees.",
    caption="The Sobel kernel, and the kernels a single Conv2D layer learned from each kind of target "
    f"(weights rounded to {DECIMALS} decimals).",
)
