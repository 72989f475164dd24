"""Effective receptive field of one unit, at initialisation (random weights and inputs) and after training."""

import keras

from cnn_glossary import publish
from cnn_glossary.effective_field import compare_words, describe, field_at_initialisation
from cnn_glossary.figures.receptive_field import erf_compare_figure
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.mnist.train import build_model
from cnn_glossary.receptive_field import by_name, effective_field, predicted_span, receptive_fields

LAYER, N_DIGITS, SEEDS, LEVEL, CMAP = "classifier_1x1", 200, 5, 0.8, "magma_r"  # magma_r: dark = largest
model, mnist = results.for_page().load_model(), load_mnist()
images, labels = mnist.x_test[:N_DIGITS].astype("float32") / 255.0, mnist.y_test[:N_DIGITS]
field = by_name(receptive_fields(model))[LAYER]
unit = (field.output_size[0] // 2, field.output_size[1] // 2)
span, core_side = predicted_span(field, unit, images.shape[1:3]), field.rows.size // 2  # field clipped to the image
# --8<-- [start:lesson]
maps = {"at initialisation": field_at_initialisation(  # random weights, random inputs (Luo et al.)
            lambda seed: keras.utils.set_random_seed(seed) or build_model(keras), LAYER, unit, seeds=SEEDS),
        "trained": effective_field(model, images, LAYER, unit, channels=labels)}  # mean |gradient| over digits
# share outside the field, share in the central square, flat top, distance from a Gaussian surface
stats = {name: describe(erf, span, core_side, LEVEL) for name, erf in maps.items()}
# --8<-- [end:lesson]
for (name, s), key in zip(stats.items(), ("init", "trained")):
    for stat, v in s.items():
        publish.value(f"{key}_{stat}", v, fmt=".1%" if stat == "outside_share" else ".0%")
publish.table("stats", [(name, s["core_share"], s["plateau"], s["gauss_residual"], s["outside_share"])
                        for name, s in stats.items()], fmts=[None, ".0%", ".0%", ".0%", ".1%"],
              headers=["map", f"gradient in the central {core_side}x{core_side}", "rows and columns within "
                       f"{1 - LEVEL:.0%} of the peak", "Gaussian-fit residual", "outside the field"])
publish.value("trained_vs_init", compare_words(stats["trained"], stats["at initialisation"]))
publish.value("plateau_words", f"{1 - LEVEL:.0%}")
for name, v in {"n_digits": N_DIGITS, "seeds": SEEDS, "unit": list(unit), "field_side": span[0][1] - span[0][0] + 1,
                "core_side": core_side, "core_area_share": core_side ** 2 / field.rows.size ** 2, "level": LEVEL}.items():
    publish.value(name, v, fmt=".0%" if name in ("core_area_share", "level") else None)
SCALE = "dark = largest" if CMAP.endswith("_r") else "bright = largest"  # magma runs dark to bright
publish.figure(
    "effective", erf_compare_figure(maps, span, images[0], cmap=CMAP), format="png",
    alt=f"Four panels. A test digit with a dashed square for unit {tuple(unit)}'s theoretical field; the mean "
    f"absolute gradient map at initialisation and for the trained network ({SCALE}); both maps along the "
    "field's centre row.",
    caption=f"Effective receptive field of unit {tuple(unit)} of {LAYER}: mean |gradient| over {SEEDS} random "
    f"initialisations with random inputs, and for the trained network over the first {N_DIGITS} test digits (each "
    f"digit's own class channel), each map scaled to its own maximum ({SCALE}). Dashed: the theoretical field.",
)
