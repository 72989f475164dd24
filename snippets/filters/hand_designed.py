"""Six hand-designed 3x3 filters applied to a real MNIST test digit (TensorFlow conv2d, "same" padding)."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.conv import image_row_figure
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS, apply_kernels, test_digit

digit = test_digit()
names = list(HAND_FILTERS)
responses = apply_kernels(digit, np.stack([HAND_FILTERS[n] for n in names], axis=-1))
publish.value("digit_index", DIGIT_INDEX)
publish.value("digit_label", int(load_mnist().y_test[DIGIT_INDEX]))
for i, name in enumerate(names):
    key = name.replace(" ", "_").lower()
    publish.value(f"{key}_min", responses[:, :, i].min(), fmt=".2f")
    publish.value(f"{key}_max", responses[:, :, i].max(), fmt=".2f")
publish.value("responses", np.round(responses, 4))
publish.figure(
    "hand_filters", image_row_figure([responses[:, :, i] for i in range(len(names))],
                                     [f"{n}: {responses[:, :, i].min():.1f} to {responses[:, :, i].max():.1f}"
                                      for i, n in enumerate(names)],
                                     kernels=[HAND_FILTERS[n] for n in names], ncols=3),
    format="png",
    alt="Six small 3 by 3 grids of kernel numbers, each above the handwritten digit filtered by it: the identity "
    "returns the digit, the box blur softens it, sharpen strengthens its edges, Sobel x and Sobel y light up "
    "vertical and horizontal edges with opposite signs on either side, the Laplacian outlines the strokes.",
    caption="Hand-designed kernels (numbers above) and the test digit after cross-correlation with each. Grey "
    "scale for non-negative results; for signed results purple is negative, orange positive, white zero.",
)
