"""Data for the convolution explorer: every row of the convolution table, its input and the kernel."""

import json

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv_table import CONV_TABLE, EXAMPLE_KERNEL, example_input

# --8<-- [start:lesson]
rows = []
for seed, config in enumerate(CONV_TABLE):  # the same inputs as the page's animations
    rows.append({"name": config.name, "input_size": config.input_size, "kernel_size": config.kernel_size,
                 "padding": config.padding, "stride": config.stride, "dilation": config.dilation,
                 "input": example_input(config, seed).astype(int).tolist()})
# Sizes the table does not cover take their numbers from one larger seeded grid and seeded kernels.
rng = np.random.default_rng(len(CONV_TABLE))
free_input = rng.integers(0, 4, size=(9, 9))
kernels = {k: rng.integers(-1, 3, size=(k, k)) for k in range(1, 6)}
kernels[3] = EXAMPLE_KERNEL.astype(int)
# --8<-- [end:lesson]
data = {"rows": rows, "free_input": free_input.tolist(),
        "kernels": {str(k): v.tolist() for k, v in kernels.items()}, "start": rows[0]["name"]}
publish.value("config", json.dumps(data, separators=(",", ":")))
