"""Check yourself (Epochs page): the numbers each question gives, and its answer, computed."""

from cnn_glossary import publish
from cnn_glossary.epochs import stop_epoch, steps_per_epoch

# 1. Steps per epoch, and the last batch
N1, B1 = 50_000, 64
steps1 = steps_per_epoch(N1, B1)
last1 = N1 - (steps1 - 1) * B1
publish.value("q1_n", N1)
publish.value("q1_batch", B1)
publish.value("q1_steps", steps1)
publish.value("q1_last", last1)
publish.value("q1_why", f"⌈{N1:,} / {B1}⌉ = {steps1}: {steps1 - 1} full batches hold {(steps1 - 1) * B1:,} "
              f"images, and the last step gets the {last1} left over.")

# 2. A pipeline that drops the incomplete batch
dropped_steps2 = steps_per_epoch(N1, B1, drop_remainder=True)
publish.value("q2_steps", dropped_steps2)
publish.value("q2_unseen", N1 - dropped_steps2 * B1)
publish.value("q2_why", f"⌊{N1:,} / {B1}⌋ = {dropped_steps2}; the {N1 - dropped_steps2 * B1} images left over "
              "are skipped in that epoch (a different few each epoch, since the order is shuffled).")

# 3. Validation images are not trained on (the confusion: "an epoch is a pass over the whole data set")
N3, HELD_OUT3, B3 = 60_000, 10_000, 100
steps3 = steps_per_epoch(N3 - HELD_OUT3, B3)
publish.value("q3_n", N3)
publish.value("q3_held_out", HELD_OUT3)
publish.value("q3_batch", B3)
publish.value("q3_steps", steps3)
publish.value("q3_why", f"An epoch covers the {N3 - HELD_OUT3:,} training images only: "
              f"⌈{N3 - HELD_OUT3:,} / {B3}⌉ = {steps3}, not {steps_per_epoch(N3, B3)}.")

# 4. EarlyStopping with its defaults (the confusion: "EarlyStopping keeps the best model")
VAL_LOSS4 = [0.50, 0.40, 0.42, 0.38, 0.36]
stop4 = stop_epoch(VAL_LOSS4)  # patience 0, and restore_best_weights=False keeps the last epoch's weights
best4 = min(range(stop4), key=lambda e: VAL_LOSS4[e]) + 1  # the best epoch up to the stop
publish.value("q4_losses", VAL_LOSS4, fmt=None)
publish.value("q4_stop", stop4)
publish.value("q4_kept_loss", VAL_LOSS4[stop4 - 1], fmt="g")
publish.value("q4_best", best4)
publish.value("q4_why", f"With patience 0 the first epoch that fails to beat the best so far, epoch {stop4} "
              f"({VAL_LOSS4[stop4 - 1]:g} > {VAL_LOSS4[best4 - 1]:g}), ends training, and "
              f"`restore_best_weights=False` keeps epoch {stop4}'s weights, not epoch {best4}'s. The lower losses "
              "that would have followed are never reached.")
