"""The smallest epoch: 10 training images in batches of 4, two epochs, each shuffled anew."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.epochs import epoch_batches, steps_per_epoch

# --8<-- [start:lesson]
N, B = 10, 4  # training images (numbered 0 to 9), batch size
rng = np.random.default_rng(0)  # a fresh shuffle every epoch
steps = steps_per_epoch(N, B)  # ceil(10 / 4) = 3
rows = []
for epoch in (1, 2):
    for step, batch in enumerate(epoch_batches(N, B, rng), start=1):
        rows.append((epoch, step, " ".join(map(str, batch)), len(batch)))
dropped = steps_per_epoch(N, B, drop_remainder=True)  # floor(10 / 4) = 2
# --8<-- [end:lesson]

publish.value("n", N)
publish.value("b", B)
publish.value("last_index", N - 1)
publish.value("steps", steps)
publish.value("last", rows[steps - 1][3])
publish.value("full", sum(size == B for epoch, _, _, size in rows if epoch == 1))
publish.value("dropped_steps", dropped)
publish.value("unseen", N - dropped * B)
publish.value("updates", len(rows))
publish.table("batches", rows, headers=["epoch", "step", "images in the batch", "batch size"], align="rrlr")
