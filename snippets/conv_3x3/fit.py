"""Can two linear 3x3 layers reproduce a random 5x5 kernel? Best-fit residual against the middle width."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.counting import fit_two_3x3
from cnn_glossary.figures.receptive_field import residual_curve_figure

WIDTHS = [1, 2, 3, 4, 5, 6]  # channels_mid
CHANNELS = [1, 2, 3]  # channels_in = channels_out of the 5x5 layer being imitated
N_KERNELS, EXACT = 2, 1e-6
RESTARTS, ITERATIONS = 2, 1500  # a local search: keep the best of RESTARTS random starts
rng = np.random.default_rng(0)
targets = {c: [rng.normal(size=(5, 5, c, c)) for _ in range(N_KERNELS)] for c in CHANNELS}
# --8<-- [start:lesson]
curves, rows = {}, []
for c in CHANNELS:
    worst = [max(fit_two_3x3(t, m, restarts=RESTARTS, iterations=ITERATIONS)[0] for t in targets[c]) for m in WIDTHS]
    curves[f"channels_in = channels_out = {c}"] = worst
    first_exact = next((m for m, r in zip(WIDTHS, worst) if r < EXACT), None)
# --8<-- [end:lesson]
    rows.append((c, 25 * c * c, worst[WIDTHS.index(c)], first_exact))
    publish.value(f"equal_width_residual_{c}", worst[WIDTHS.index(c)], fmt=".0%")
    publish.value(f"first_exact_{c}", first_exact)
publish.value("n_kernels", N_KERNELS)
publish.value("restarts", RESTARTS)
publish.table("fit", rows, headers=["channels", "5x5 weights", "residual at channels_mid = channels",
                                    "smallest exact channels_mid"], fmts=[None, ",", ".1%", None])
publish.figure(
    "residual", residual_curve_figure(WIDTHS, curves, equal_width=CHANNELS, floor=EXACT),
    alt="Line chart, log scale, of the relative residual of the best fit against the middle layer's width, one "
    f"line per channel count. The lines start between {min(w[0] for w in curves.values()):.0%} and "
    f"{max(w[0] for w in curves.values()):.0%} at width 1 and drop to the "
    "bottom line, marked exact, at a width that grows with the channel count; rings mark equal widths.",
    caption=f"Worst relative residual over {N_KERNELS} random 5x5 kernels when two linear 3x3 layers, with "
    "channels_mid channels between them, are fitted to a 5x5 layer (alternating least squares, the best of "
    f"{RESTARTS} random starts: a local search, so each residual is an upper bound on the best possible). Points "
    "on the bottom line are exact (residual below the threshold); rings mark equal width.",
)
