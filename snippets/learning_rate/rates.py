"""A learning rate too low, about right and too high, on a tiny least-squares fit with Keras SGD."""

from cnn_glossary import publish
from cnn_glossary.figures.schedules import losses_figure
from cnn_glossary.optimisers import (CLOSE_ENOUGH, REGRESSION_POINTS, REGRESSION_STEPS, best_loss, regression_data,
                                     regression_losses, stable_limit, verdict)

# --8<-- [start:lesson]
x, y = regression_data()  # 20 points near the line y = 2x + 1
limit = stable_limit(x)  # above 2 / (largest curvature), each step overshoots by more than it gains
rates = {"too low": 0.02 * limit, "about right": 0.5 * limit, "too high": 1.1 * limit}
curves = {name: regression_losses(lr, x, y) for name, lr in rates.items()}
# --8<-- [end:lesson]
floor = best_loss(x, y)
words = {name: verdict(losses, floor) for name, losses in curves.items()}
publish.table("rates", [(name, lr, lr / limit, curves[name][0], curves[name][-1], words[name])
                        for name, lr in rates.items()],
              headers=["learning rate", "value", "share of the stable limit", "loss at the start",
                       f"loss after {REGRESSION_STEPS} steps", "the curve"],
              fmts=[None, ".4f", ".0%", ".2f", ".3g", None])
publish.value("curves", list(curves.values()))  # for the tests
publish.value("limit", limit, fmt=".4f")
publish.value("floor", floor, fmt=".4f")
publish.value("close_enough", CLOSE_ENOUGH, fmt=".0%")
publish.value("points", REGRESSION_POINTS)
publish.value("steps", REGRESSION_STEPS)
for key, name in (("low", "too low"), ("right", "about right"), ("high", "too high")):
    publish.value(f"{key}_lr", rates[name], fmt=".4f")
    publish.value(f"{key}_word", words[name])
    publish.value(f"{key}_end", curves[name][-1], fmt=".3g")
publish.value("start_loss", curves["too low"][0], fmt=".2f")
labels = {name: f"{name}: {lr:.3f} ({words[name]})" for name, lr in rates.items()}
publish.figure(
    "losses", losses_figure({labels[n]: c for n, c in curves.items()}, floor, ceiling=10 * curves["too low"][0]),
    alt=f"Loss per step on a log scale for three learning rates over {REGRESSION_STEPS} steps: "
    + "; ".join(f"{name} {words[name]}" for name in rates) + ". A dotted line marks the best possible loss.",
    caption=f"Full-batch gradient descent (Keras SGD) fitting a line to {REGRESSION_POINTS} points. Learning rates "
    f"at 2 %, 50 % and 110 % of the stable limit {limit:.3f}; the loss axis is cut at ten times the starting loss.")
