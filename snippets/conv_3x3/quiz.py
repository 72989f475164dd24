"""Check yourself (3x3 Convolution page): the numbers each question gives, and its answer, computed."""

from cnn_glossary import publish
from cnn_glossary.counting import ConvLayer, count_chain, total
from cnn_glossary.receptive_field import closed_form_size


def weights(kernel_sizes, channels, size=32):
    """Weights (no biases) of a stack of convolutions with ``channels`` in and out of every layer."""
    return total(count_chain([ConvLayer(f"k{k}", k, channels, bias=False) for k in kernel_sizes], size, channels))[0]


# 1. Two 3x3 layers against one 5x5 layer
C1 = 64
two1, one1 = weights([3, 3], C1), weights([5], C1)
publish.value("q1_channels", C1)
publish.value("q1_two", two1)
publish.value("q1_one", one1)
publish.value("q1_ratio", two1 / one1, fmt=".0%")
publish.value("q1_why", f"2 · 9 · {C1}² against 25 · {C1}²: the same field for {two1 / one1:.0%} of the weights.")

# 2. How many stride-1 3x3 layers reach a given field?
FIELD2 = 11
layers2 = next(n for n in range(1, 100) if closed_form_size([3] * n, [1] * n) >= FIELD2)
publish.value("q2_field", FIELD2)
publish.value("q2_answer", layers2)
publish.value("q2_why", f"Each layer adds 2 to the field: 1 + 2 · {layers2} = "
              f"{closed_form_size([3] * layers2, [1] * layers2)}, and {layers2 - 1} layers would see only "
              f"{closed_form_size([3] * (layers2 - 1), [1] * (layers2 - 1))}.")

# 3. A stride in the first layer (the confusion: "a stack of 3x3 layers grows by 2 per layer")
S3 = 2
field3 = closed_form_size([3, 3], [S3, 1])
publish.value("q3_stride", S3)
publish.value("q3_answer", field3)
publish.value("q3_why", f"The second layer's 3 units lie {S3} pixels apart, so it adds 2 · {S3}: "
              f"3 + {2 * S3} = {field3}, as wide as one {field3}x{field3} kernel would see.")

# 4. Same field, fewer functions: the counting argument with one channel
two4, one4 = weights([3, 3], 1), weights([5], 1)
reachable4 = 18 * 1 * 1 - 1 ** 2  # 18 C C_mid weights, minus the C_mid² ways to mix the middle channels invisibly
publish.value("q4_two", two4)
publish.value("q4_one", one4)
publish.value("q4_reachable", reachable4)
publish.value("q4_why", f"Scaling the first kernel up and the second down by the same factor changes nothing, so "
              f"the {two4} weights reach at most a {reachable4}-dimensional family of the {one4}-dimensional 5x5 "
              "kernels: most 5x5 kernels are out of reach.")
