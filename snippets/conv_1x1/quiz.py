"""Check yourself (1x1 Convolution page): the numbers each question gives, and its answer, computed."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import cross_correlate2d
from cnn_glossary.counting import ConvLayer, count_chain, count_conv, total

# 1. Parameters of a 1x1 layer
CIN1, COUT1 = 64, 16
count1 = count_conv(ConvLayer("1x1", 1, COUT1), input_size=32, channels_in=CIN1)
publish.value("q1_in", CIN1)
publish.value("q1_out", COUT1)
publish.value("q1_answer", count1.parameters)
publish.value("q1_why", f"One weight per pair of input and output channel, {CIN1} · {COUT1}, plus {COUT1} biases; "
              "the map's height and width do not enter.")

# 2. Up, not only down; height and width stay (the confusion: "1x1 convolutions are for reducing channels")
SIZE2, CIN2, COUT2 = 14, 64, 128
count2 = count_conv(ConvLayer("1x1", 1, COUT2), input_size=SIZE2, channels_in=CIN2)
publish.value("q2_size", SIZE2)
publish.value("q2_in", CIN2)
publish.value("q2_out", COUT2)
publish.value("q2_answer", [count2.output_size, count2.output_size, count2.channels_out])
publish.value("q2_why", f"Each pixel's {CIN2} values become {COUT2}: a 1x1 layer can widen as well as narrow, and "
              "with stride 1 it keeps height and width.")

# 3. One pixel, one output channel
PIXEL3, WEIGHTS3, BIAS3 = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 1.0]), 0.5
answer3 = cross_correlate2d(PIXEL3[None, None, :], WEIGHTS3[None, None, :, None], bias=BIAS3)[0, 0, 0]
publish.value("q3_pixel", PIXEL3)
publish.value("q3_weights", WEIGHTS3)
publish.value("q3_bias", BIAS3, fmt="g")
publish.value("q3_answer", answer3, fmt="g")
publish.value("q3_why", "A dot product across the channels, plus the bias: "
              + " + ".join(f"{x:g}·{w:g}" if w >= 0 else f"{x:g}·(−{-w:g})" for x, w in zip(PIXEL3, WEIGHTS3))
              + f" + {BIAS3:g} = {answer3:g}.")

# 4. A 1x1 reduction in front of a 5x5 layer
SIZE4, CIN4, COUT4, MID4 = 16, 64, 32, 8
direct4 = total(count_chain([ConvLayer("5x5", 5, COUT4)], SIZE4, CIN4))[1]
reduction4 = count_chain([ConvLayer("1x1", 1, MID4), ConvLayer("5x5", 5, COUT4)], SIZE4, CIN4)
reduced4 = total(reduction4)[1]
publish.value("q4_size", SIZE4)
publish.value("q4_in", CIN4)
publish.value("q4_out", COUT4)
publish.value("q4_mid", MID4)
publish.value("q4_direct", direct4)
publish.value("q4_reduced", reduced4)
publish.value("q4_ratio", direct4 / reduced4, fmt=".1f")
publish.value("q4_why", f"Directly: {SIZE4}·{SIZE4} positions × {COUT4} outputs × 5·5·{CIN4} inputs each. With the "
              f"reduction the 5x5 layer reads {MID4} channels instead of {CIN4}, and the 1x1 layer adds only "
              f"{SIZE4}·{SIZE4}·{MID4}·{CIN4} = {reduction4[0].mult_adds:,}.")
