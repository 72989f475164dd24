"""Two 3x3 layers versus one 5x5, three versus one 7x7: receptive fields measured, parameters counted."""

import keras

from cnn_glossary import publish
from cnn_glossary.counting import ConvLayer, count_chain, total
from cnn_glossary.receptive_field import gradient_map, linear_positive_clone, measured_span
from cnn_glossary.figures.receptive_field import stacked_fields_figure

INPUT_SIZE, CHANNELS = 15, 64  # a 15x15 single-channel test image; C = 64 channels for the parameter count
STACKS = {"one 5x5": [5], "two 3x3": [3, 3], "one 7x7": [7], "three 3x3": [3, 3, 3]}

# --8<-- [start:lesson]
maps, rows = {}, []
for name, kernels in STACKS.items():
    model = keras.Sequential([keras.Input((INPUT_SIZE, INPUT_SIZE, 1))]
                             + [keras.layers.Conv2D(1, k, padding="same", name=f"l{i}") for i, k in enumerate(kernels)])
    grad = gradient_map(linear_positive_clone(model), f"l{len(kernels) - 1}", (INPUT_SIZE // 2, INPUT_SIZE // 2))
    (r0, r1), (c0, c1) = measured_span(grad)
    maps[name] = grad
    params, macs = total(count_chain([ConvLayer(f"l{i}", k, CHANNELS, bias=False) for i, k in enumerate(kernels)],
                                     56, CHANNELS))
    rows.append((name, f"{r1 - r0 + 1}x{c1 - c0 + 1}", params, macs))
# --8<-- [end:lesson]
    publish.value(name.replace(" ", "_") + "_field", r1 - r0 + 1)
    publish.value(name.replace(" ", "_") + "_parameters", params)
publish.value("channels", CHANNELS)
publish.value("ratio_5", rows[1][2] / rows[0][2], fmt=".0%")
publish.value("ratio_7", rows[3][2] / rows[2][2], fmt=".0%")
publish.table("stacks", rows, headers=["stack", "measured field", f"weights (C = {CHANNELS})",
                                       "multiply-adds on 56x56"], fmts=[None, None, ",", ","])
publish.figure(
    "fields", stacked_fields_figure(maps),
    alt="Four small grids side by side. In each, the input pixels that influence one centre output unit are "
    "filled and outlined: a 5 by 5 square for one 5x5 layer and for two 3x3 layers, a 7 by 7 square for one "
    "7x7 layer and for three 3x3 layers.",
    caption=f"Input pixels with a non-zero gradient for the centre output unit on a {INPUT_SIZE}x{INPUT_SIZE} "
    "input: two stacked 3x3 layers see the same 5x5 square as one 5x5 layer, three see the 7x7 of one 7x7 layer.",
)
