"""Our trained model's batch-normalisation parameters: the learned gamma and beta, and the moving statistics."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.batchnorm import parameters_figure
from cnn_glossary.mnist import results

model = results.for_page().load_model()
# --8<-- [start:lesson]
per_layer = {}
for layer in model.layers:
    if type(layer).__name__ == "BatchNormalization":
        gamma, beta, moving_mean, moving_variance = (np.asarray(w) for w in layer.weights)
        per_layer[layer.name] = {"gamma": gamma, "beta": beta, "moving_mean": moving_mean,
                                 "moving_variance": moving_variance}
# --8<-- [end:lesson]

QUANTITIES = ["gamma", "beta", "moving_mean", "moving_variance"]
rows = [(name, len(p["gamma"]), *(f"{p[q].min():.2f} to {p[q].max():.2f}" for q in QUANTITIES))
        for name, p in per_layer.items()]
publish.table("ranges", rows, headers=["layer", "channels", "γ", "β", "moving mean", "moving variance"])
everything = {q: np.concatenate([p[q] for p in per_layer.values()]) for q in QUANTITIES}
publish.value("n_layers", len(per_layer))
publish.value("n_channels", len(everything["gamma"]))
publish.value("negative_beta", float((everything["beta"] < 0).mean()), fmt=".0%")
publish.value("gamma_min", float(everything["gamma"].min()), fmt=".2f")
publish.value("gamma_max", float(everything["gamma"].max()), fmt=".2f")
publish.value("bn_parameters", sum(layer.count_params() for layer in model.layers
                                   if type(layer).__name__ == "BatchNormalization"))
publish.value("bn_trainable", 2 * len(everything["gamma"]))
names = ", ".join(per_layer)
publish.figure(
    "learned", parameters_figure(per_layer, QUANTITIES),
    alt=f"Four strip plots, one each for {', '.join(q.replace('_', ' ') for q in QUANTITIES)}. In each, one "
    f"column of dots per batch-normalisation layer ({names}), one dot per channel; a dashed line marks 1 on the "
    "gamma panel and a thin line marks 0 on every panel.",
    caption=f"The {len(everything['gamma'])} channels of our model's {len(per_layer)} batch-normalisation layers: "
    "learned scale γ and shift β, and the moving mean and variance used at inference. Each dot is one channel.",
)
