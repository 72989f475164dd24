"""Plain SGD, momentum and Nesterov momentum on a long, narrow bowl: Keras's optimisers, step by step."""

import keras

from cnn_glossary import publish
from cnn_glossary.figures.schedules import trajectories_figure
from cnn_glossary.mnist.train import MOMENTUM
from cnn_glossary.optimisers import (BOWL_LEARNING_RATE, BOWL_START, BOWL_STEPS, CURVATURE_X, CURVATURE_Y, bowl,
                                     loss_parts, shrink_factor, swing_sentence, trajectory)

LR = BOWL_LEARNING_RATE
# --8<-- [start:lesson]
optimisers = {
    "plain SGD": keras.optimizers.SGD(LR),
    f"momentum {MOMENTUM:g}": keras.optimizers.SGD(LR, momentum=MOMENTUM),
    f"Nesterov {MOMENTUM:g}": keras.optimizers.SGD(LR, momentum=MOMENTUM, nesterov=True),
}
paths = {name: trajectory(opt, BOWL_START, BOWL_STEPS) for name, opt in optimisers.items()}
# --8<-- [end:lesson]
final = {name: bowl(path[-1]) for name, path in paths.items()}
ranking = sorted(final, key=final.get)
publish.table("final", [(name, float(p[-1][0]), float(p[-1][1]), final[name]) for name, p in paths.items()],
              headers=["optimiser", "x after the last step", "y after the last step", "loss"],
              fmts=[None, "+.3f", "+.3f", ".2e"])
publish.value("points", [p.tolist() for p in paths.values()])  # for the tests
publish.value("names", list(paths))
point = "({:+.3f}, {:+.3f})".format
publish.table("first_steps", [(name, point(*p[1]), point(*p[2])) for name, p in paths.items()],
              headers=["optimiser", "after step 1", "after step 2"], align="lll")
publish.value("gradient_x", CURVATURE_X * BOWL_START[0], fmt="g")
publish.value("gradient_y", CURVATURE_Y * BOWL_START[1], fmt="g")
publish.value("ranking", ", then ".join(ranking))
publish.value("start_loss", bowl(BOWL_START), fmt=".1f")
for key, name in zip(("sgd", "momentum", "nesterov"), paths):
    publish.value(f"{key}_loss", final[name], fmt=".2g")
heavy, ahead = paths[f"momentum {MOMENTUM:g}"][-1], paths[f"Nesterov {MOMENTUM:g}"][-1]
publish.value("swing_sentence", swing_sentence(heavy, ahead, BOWL_STEPS))  # which swing Nesterov damps, measured
for key, point in (("momentum", heavy), ("nesterov", ahead)):
    along, across = loss_parts(point)
    publish.value(f"{key}_along", along, fmt=".2g")
    publish.value(f"{key}_across", across, fmt=".2g")
publish.table("shrink", [(name, CURVATURE_X * LR, shrink_factor(LR, MOMENTUM, CURVATURE_X, nesterov),
                          CURVATURE_Y * LR, shrink_factor(LR, MOMENTUM, CURVATURE_Y, nesterov))
                         for name, nesterov in ((f"momentum {MOMENTUM:g}", False), (f"Nesterov {MOMENTUM:g}", True))],
              headers=["optimiser", "η·curvature along the floor", "shrink per step along",
                       "η·curvature across the valley", "shrink per step across"],
              fmts=[None, "g", ".3f", "g", ".3f"])
publish.value("lr", LR, fmt="g")
publish.value("momentum", MOMENTUM, fmt="g")
publish.value("steps", BOWL_STEPS)
publish.value("ratio", CURVATURE_Y / CURVATURE_X, fmt="g")
publish.value("start", list(BOWL_START))
publish.figure(
    "paths", trajectories_figure(paths, (CURVATURE_X, CURVATURE_Y)),
    alt=f"Elliptical contour lines of a bowl {CURVATURE_Y / CURVATURE_X:g} times steeper vertically than "
    f"horizontally, with the {BOWL_STEPS}-step paths of {', '.join(paths)} from the same starting point "
    "towards the minimum at the centre.",
    caption=f"{BOWL_STEPS} steps of each Keras optimiser, learning rate {LR:g}, from ({BOWL_START[0]:g}, "
    f"{BOWL_START[1]:g}) on the bowl (x² + {CURVATURE_Y / CURVATURE_X:g} y²) / 2. Lowest loss after the last "
    f"step: {ranking[0]}.")
