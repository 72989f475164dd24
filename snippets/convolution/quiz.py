"""Check yourself (Convolution page): the numbers each question gives, and its answer, computed."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import cross_correlate2d, effective_kernel_size, output_size

# 1. A stride of 2 and no padding
I1, K1, S1 = 32, 5, 2
answer1 = output_size(I1, K1, padding=0, stride=S1)
publish.value("q1_input", I1)
publish.value("q1_kernel", K1)
publish.value("q1_stride", S1)
publish.value("q1_answer", answer1)
publish.value("q1_why", f"⌊({I1} − {K1}) / {S1}⌋ + 1 = {answer1}.")

# 2. "same" padding with a stride (the confusion: "same keeps the size")
I2, K2, S2 = 15, 3, 2
answer2 = output_size(I2, K2, padding="same", stride=S2)
publish.value("q2_input", I2)
publish.value("q2_kernel", K2)
publish.value("q2_stride", S2)
publish.value("q2_answer", answer2)
publish.value("q2_why", f"“same” gives ⌈{I2} / {S2}⌉ = {answer2}: it keeps the size only with stride 1 (or a one-pixel input).")

# 3. Dilation widens the span, not the number of weights
I3, K3, D3 = 20, 3, 4
span3 = effective_kernel_size(K3, D3)
answer3 = output_size(I3, K3, padding=0, dilation=D3)
publish.value("q3_input", I3)
publish.value("q3_kernel", K3)
publish.value("q3_dilation", D3)
publish.value("q3_answer", answer3)
publish.value("q3_why", f"The kernel spans {K3} + ({K3} − 1)({D3} − 1) = {span3} pixels, so "
              f"{I3} − {span3} + 1 = {answer3}; it still has {K3 * K3} weights.")

# 4. One output of a Conv2D: cross-correlation, no flip (the confusion: "CNNs compute convolutions")
WINDOW = np.array([[2, 5], [1, 3]])
KERNEL = np.array([[1, 0], [0, -1]])
BIAS = 1
answer4 = cross_correlate2d(WINDOW, KERNEL, bias=BIAS)[0, 0]
turned = cross_correlate2d(WINDOW, KERNEL[::-1, ::-1], bias=BIAS)[0, 0]  # what a true convolution gives
publish.value("q4_window_top", WINDOW[0])
publish.value("q4_window_bottom", WINDOW[1])
publish.value("q4_kernel_top", KERNEL[0])
publish.value("q4_kernel_bottom", KERNEL[1])
publish.value("q4_bias", BIAS)
publish.value("q4_answer", answer4, fmt="g")
products = " + ".join(f"{x}·{w}" if w >= 0 else f"{x}·(−{-w})" for x, w in zip(WINDOW.ravel(), KERNEL.ravel()))
publish.value("q4_why", f"No flip: {products} + {BIAS} = {answer4:g}. A true convolution would turn the kernel "
              f"first and give {turned:g}.")
