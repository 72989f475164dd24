"""The trained network's first-layer filters (layer "conv1", 16 filters of 3x3x1) and their responses."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.figures.conv import image_row_figure, scale_words
from cnn_glossary.kernels import (CHANCE_SAMPLES, CHANCE_SEED, apply_kernels, chance_best_cosines,
                                  closest_hand_filter, resemblance_sentence, test_digit)

DECIMALS = 2  # weights printed in the figure

model = results.for_page().load_model()
# --8<-- [start:lesson]
conv1 = model.get_layer("conv1")
kernels = conv1.get_weights()[0]  # (3, 3, channels_in=1, channels_out=16); conv1 has no bias (batch norm follows)
responses = apply_kernels(test_digit(), kernels[:, :, 0, :])  # what conv1 outputs, before batch norm and ReLU
rows = []
for f in range(kernels.shape[-1]):
    name, similarity = closest_hand_filter(kernels[:, :, 0, f])  # best |cosine| over the six hand filters
    rows.append((f, float(kernels[:, :, 0, f].sum()), name, similarity))
chance = chance_best_cosines()  # the same score for random 3x3 kernels: what "resembles" means by luck
rows = [(*row, float((chance < abs(row[3])).mean())) for row in rows]  # share of random kernels it beats
# --8<-- [end:lesson]
publish.value("kernel_shape", list(kernels.shape))
publish.value("n_filters", kernels.shape[-1])
publish.value("kernels", kernels)
publish.value("responses", np.round(responses, 4))
publish.table("closest", rows, headers=["filter", "sum of weights", "most similar hand filter", "cosine",
                                        "random kernels it beats"],
              fmts=[None, ".2f", None, "+.2f", ".0%"])
publish.value("chance_samples", CHANCE_SAMPLES, fmt=",")
publish.value("chance_seed", CHANCE_SEED)
publish.value("chance_median", float(np.median(chance)), fmt=".2f")
publish.value("chance_p90", float(np.quantile(chance, 0.9)), fmt=".2f")
publish.value("above_chance_p90", sum(abs(r[3]) > np.quantile(chance, 0.9) for r in rows))
publish.value("resemblance", resemblance_sentence([r[3] for r in rows], chance, 0.9))
fig = image_row_figure([responses[:, :, f] for f in range(kernels.shape[-1])],
                       [f"filter {f}" for f in range(kernels.shape[-1])],
                       kernels=[kernels[:, :, 0, f] for f in range(kernels.shape[-1])], ncols=8, decimals=DECIMALS)
publish.figure(
    "learned_filters", fig,
    format="png",
    alt=f"{kernels.shape[-1]} grids of 3 by 3 learned weights, each printed to {DECIMALS} decimals above the test "
    "digit as that filter responds to it.",
    caption=f"The {kernels.shape[-1]} learned first-layer kernels of our trained network (weights rounded to "
    f"{DECIMALS} decimals) and their responses to the same test digit, before batch norm and ReLU. Colours: "
    f"{scale_words(fig)}.",
)
