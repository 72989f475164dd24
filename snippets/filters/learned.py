"""The trained network's first-layer filters (layer "conv1", 16 filters of 3x3x1) and their responses."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.figures.conv import image_row_figure
from cnn_glossary.kernels import apply_kernels, closest_hand_filter, test_digit

model = results.for_page().load_model()
conv1 = model.get_layer("conv1")
kernels = conv1.get_weights()[0]  # (3, 3, channels_in=1, channels_out=16); conv1 has no bias (batch norm follows)
publish.value("kernel_shape", list(kernels.shape))
publish.value("n_filters", kernels.shape[-1])
publish.value("kernels", kernels)

responses = apply_kernels(test_digit(), kernels[:, :, 0, :])  # what conv1 outputs, before batch norm and ReLU
publish.value("responses", np.round(responses, 4))
rows = []
for f in range(kernels.shape[-1]):
    name, similarity = closest_hand_filter(kernels[:, :, 0, f])
    rows.append((f, float(kernels[:, :, 0, f].sum()), name, similarity))
publish.table("closest", rows, headers=["filter", "sum of weights", "most similar hand filter", "cosine"],
              fmts=[None, ".2f", None, "+.2f"])
publish.figure(
    "learned_filters", image_row_figure([responses[:, :, f] for f in range(kernels.shape[-1])],
                                        [f"filter {f}" for f in range(kernels.shape[-1])],
                                        kernels=[kernels[:, :, 0, f] for f in range(kernels.shape[-1])], ncols=8),
    format="png",
    alt="Sixteen 3 by 3 grids of learned weights, each above the test digit as that filter responds to it; "
    "several respond to edges of one orientation, with opposite signs on the two sides of a stroke.",
    caption="The 16 learned first-layer kernels of our trained network (weights rounded to two decimals) and "
    "their responses to the same test digit, before batch norm and ReLU. Purple negative, orange positive.",
)
