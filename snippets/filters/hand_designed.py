"""Six hand-designed 3x3 filters applied to a real MNIST test digit (TensorFlow conv2d, "same" padding)."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.conv import SCALE_WORDS, image_row_figure
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS, apply_kernels, test_digit

# --8<-- [start:lesson]
digit = test_digit()  # a 28x28 MNIST test digit, values in [0, 1]
names = list(HAND_FILTERS)  # identity, box blur, sharpen, Sobel x, Sobel y, Laplacian: 3x3 each
responses = apply_kernels(digit, np.stack([HAND_FILTERS[n] for n in names], axis=-1))  # (28, 28, 6)
# --8<-- [end:lesson]
publish.value("digit_index", DIGIT_INDEX)
publish.value("digit_label", int(load_mnist().y_test[DIGIT_INDEX]))
for i, name in enumerate(names):
    key = name.replace(" ", "_").lower()
    publish.value(f"{key}_min", responses[:, :, i].min(), fmt=".2f")
    publish.value(f"{key}_max", responses[:, :, i].max(), fmt=".2f")
publish.value("responses", np.round(responses, 4))
fig = image_row_figure([responses[:, :, i] for i in range(len(names))],
                       [f"{n}: {responses[:, :, i].min():.1f} to {responses[:, :, i].max():.1f}"
                        for i, n in enumerate(names)],
                       kernels=[HAND_FILTERS[n] for n in names], ncols=3, decimals=2)
# which panels use which colour scale, read from the drawn images (never-negative results grey, signed ones diverging)
by_scale = {}
for ax in fig.axes:
    if ax.images and ":" in ax.get_title():
        by_scale.setdefault(ax.images[0].get_cmap().name, []).append(ax.get_title().split(":")[0])
panel_scales = "; ".join(f"{', '.join(panels)}: {SCALE_WORDS[cmap]}" for cmap, panels in by_scale.items())
publish.figure(
    "hand_filters", fig,
    format="png",
    alt="Six small 3 by 3 grids of kernel numbers, each above the handwritten digit filtered by it: the identity "
    "returns the digit, the box blur softens it, sharpen strengthens its edges, Sobel x and Sobel y light up "
    "vertical and horizontal edges with opposite signs on either side, the Laplacian outlines the strokes.",
    caption="Hand-designed kernels (numbers above) and the test digit after cross-correlation with each. "
    f"Colours: {panel_scales}.",
)
