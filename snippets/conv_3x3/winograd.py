"""Winograd's F(2x2, 3x3): a 2x2 output tile of a 3x3 convolution with 16 instead of 36 multiplications."""

import numpy as np
from scipy.signal import correlate2d

from cnn_glossary import publish
from cnn_glossary.counting import direct_multiplications, winograd_2x2_3x3

rng = np.random.default_rng(0)
# --8<-- [start:lesson]
tile, kernel = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
output, winograd = winograd_2x2_3x3(tile, kernel)
direct = direct_multiplications(output_size=2, kernel_size=3)
# --8<-- [end:lesson]
publish.value("winograd_multiplications", winograd)
publish.value("direct_multiplications", direct)
publish.value("ratio", direct / winograd, fmt=".2f")
publish.value("max_abs_difference", float(np.abs(output - correlate2d(tile, kernel, mode="valid")).max()), fmt=".0e")
