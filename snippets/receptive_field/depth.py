"""How the effective receptive field widens with depth: linear 3x3 stacks at initialisation (Luo et al.)."""

import keras

from cnn_glossary import publish
from cnn_glossary.effective_field import power_law_exponent, spread_by_depth
from cnn_glossary.figures.receptive_field import spread_figure

DEPTHS, CHANNELS, SEEDS = [2, 4, 8, 16, 32], 8, 4
# --8<-- [start:lesson]
theoretical = [1 + 2 * depth for depth in DEPTHS]  # every 3x3 layer adds 2 pixels
measured = spread_by_depth(keras, DEPTHS, channels=CHANNELS, seeds=SEEDS)  # std of the mean |gradient| map
exponent = power_law_exponent(DEPTHS, measured)  # width grows like depth ** exponent
# --8<-- [end:lesson]
publish.value("exponent", exponent, fmt=".2f")
publish.value("theoretical_exponent", power_law_exponent(DEPTHS, theoretical), fmt=".2f")
publish.value("closer_to", "the square root of the depth" if abs(exponent - 0.5) < abs(exponent - 1)
              else "the depth itself")
publish.value("growth_first_last", measured[-1] / measured[0], fmt=".1f")
publish.value("theoretical_first_last", theoretical[-1] / theoretical[0], fmt=".1f")
publish.value("depth_range", f"{DEPTHS[0]} to {DEPTHS[-1]}")
for name, v in {"depths": DEPTHS, "channels": CHANNELS, "seeds": SEEDS, "deepest": DEPTHS[-1]}.items():
    publish.value(name, v)
publish.table("depth", list(zip(DEPTHS, theoretical, measured)),
              headers=["3x3 layers", "theoretical field (pixels)", "effective width: std (pixels)"],
              fmts=[None, None, ".2f"])
publish.figure(
    "widths", spread_figure(DEPTHS, theoretical, measured, exponent),
    alt=f"Log-log chart against the number of stacked 3x3 layers ({DEPTHS[0]} to {DEPTHS[-1]}): the theoretical "
    f"field grows with slope {power_law_exponent(DEPTHS, theoretical):.2f}, the measured effective width with "
    f"slope {exponent:.2f}.",
    caption=f"Stacks of linear 3x3 layers ({CHANNELS} channels, Keras's default initialisation, no bias), mean "
    f"|gradient| of the centre unit over {SEEDS} random initialisations: the theoretical field against the "
    "standard deviation of the gradient map, both on log scales.",
)
