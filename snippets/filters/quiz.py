"""Check yourself (Filters page): the numbers each question gives, and its answer, computed."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import cross_correlate2d, output_size
from cnn_glossary.kernels import SOBEL_X, conv_parameters, dense_parameters

# 1. Keras's kernel array is a 4-D tensor holding the layer's filters, and its size does not depend on the image
#    (the confusion: "a kernel is a matrix")
IMAGE1, CIN1, FILTERS1, K1 = 64, 16, 32, 3
shape1 = (K1, K1, CIN1, FILTERS1)  # Keras's order: (kernel_size, kernel_size, channels_in, channels_out)
answer1 = conv_parameters(K1, CIN1, FILTERS1)
publish.value("q1_image", IMAGE1)
publish.value("q1_channels_in", CIN1)
publish.value("q1_filters", FILTERS1)
publish.value("q1_kernel", K1)
publish.value("q1_shape", shape1)
publish.value("q1_answer", answer1)
publish.value("q1_why", f"{K1}·{K1}·{CIN1}·{FILTERS1} weights + {FILTERS1} biases; the image's "
              f"{IMAGE1}x{IMAGE1} size does not enter.")

# 2. Parameter sharing: the same output from a dense layer
IMAGE2, FILTERS2, K2 = 12, 4, 3
out2 = output_size(IMAGE2, K2)
conv2 = conv_parameters(K2, 1, FILTERS2)
dense2 = dense_parameters((IMAGE2, IMAGE2, 1), (out2, out2, FILTERS2))
publish.value("q2_image", IMAGE2)
publish.value("q2_filters", FILTERS2)
publish.value("q2_kernel", K2)
publish.value("q2_conv", conv2)
publish.value("q2_dense", dense2)
publish.value("q2_why", f"The output is {out2}x{out2}x{FILTERS2} = {out2 * out2 * FILTERS2:,} numbers. The dense "
              f"layer joins each of the {IMAGE2 * IMAGE2} inputs to each of them, plus a bias each: "
              f"{dense2 / conv2:,.0f} times the convolution's {K2}·{K2}·{FILTERS2} + {FILTERS2}.")

# 3. Sobel x where the brightness falls from left to right
ROW3 = np.array([9, 9, 0])
window3 = np.tile(ROW3, (3, 1))
answer3 = cross_correlate2d(window3, SOBEL_X)[0, 0]
left, right = window3[:, 0] @ np.array([1, 2, 1]), window3[:, 2] @ np.array([1, 2, 1])
publish.value("q3_row", ROW3)
publish.value("q3_answer", answer3, fmt="g")
publish.value("q3_why", f"Right column minus left column, middle row twice: {right} − {left} = {answer3:g}. "
              "Negative: the brightness falls from left to right.")

# 4. The same kernel used for a true convolution (the confusion: "hand-designed kernels drop straight in")
answer4 = cross_correlate2d(window3, SOBEL_X[::-1, ::-1])[0, 0]  # convolution = correlation with the turned kernel
publish.value("q4_answer", answer4, fmt="g")
publish.value("q4_why", f"Convolution turns the kernel by 180 degrees first, which for Sobel x swaps its left and "
              f"right columns: {left} − {right} = {answer4:g}. Copying Sobel x from a convolution text into a Conv2D "
              "flips its sign.")
