"""Check yourself (Feature Maps page): the numbers each question gives, and its answer, computed."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import output_size
from cnn_glossary.kernels import conv_parameters

# 1. One map per filter, not per filter and input channel
IMAGE1, CHANNELS1, FILTERS1, K1 = 10, 3, 8, 3
size1 = output_size(IMAGE1, K1)  # no padding, as the question says
publish.value("q1_image", IMAGE1)
publish.value("q1_channels", CHANNELS1)
publish.value("q1_filters", FILTERS1)
publish.value("q1_kernel", K1)
publish.value("q1_maps", FILTERS1)
publish.value("q1_size", size1)
publish.value("q1_why", f"One map per filter, each {IMAGE1} − {K1} + 1 = {size1} on a side without padding; the "
              f"{CHANNELS1} colour channels are summed inside every map, not given maps of their own.")

# 2. What one map is made from (the confusion: "a feature map comes from one 2-D filter")
weights2 = conv_parameters(K1, CHANNELS1, 1, bias=False)  # one filter: one kernel slice per input channel
publish.value("q2_slices", CHANNELS1)
publish.value("q2_weights", weights2)
publish.value("q2_why", f"One {K1}x{K1} slice per input channel, {CHANNELS1} · {K1 * K1} = {weights2} weights, "
              "all summed into each value, plus one bias.")

# 3. A map holds real numbers, not yes or no
SUMS3 = np.array([-3.0, 0.5, 2.0, -1.0])  # a filter's weighted sums at four positions, before its bias
BIAS3 = 0.5
map3 = np.maximum(SUMS3 + BIAS3, 0)
publish.value("q3_sums", SUMS3)
publish.value("q3_bias", BIAS3, fmt="g")
publish.value("q3_answer", map3)
publish.value("q3_why", f"Add the bias ({', '.join(f'{v:g}' for v in SUMS3 + BIAS3)}), then ReLU clips the "
              "negatives to 0 and keeps every positive value as it is: real numbers, not yes or no.")

# 4. Deeper maps are smaller: our conv2 reads pool1's maps
IN4, K4, FILTERS4 = 14, 3, 32  # our network's conv2: 14x14 inputs from pool1, 3x3 kernels, no padding, 32 filters
size4 = output_size(IN4, K4)
publish.value("q4_input", IN4)
publish.value("q4_kernel", K4)
publish.value("q4_filters", FILTERS4)
publish.value("q4_size", size4)
publish.value("q4_numbers", size4 * size4 * FILTERS4)
publish.value("q4_why", f"{IN4} − {K4} + 1 = {size4}: {size4}·{size4}·{FILTERS4} = "
              f"{size4 * size4 * FILTERS4:,} numbers for one digit. Each cell now depends on a wider patch of "
              "the digit than one of conv1's.")
