"""Check yourself (Receptive Field page): the numbers each question gives, and its answer, computed."""

from cnn_glossary import publish
from cnn_glossary.conv import effective_kernel_size
from cnn_glossary.receptive_field import closed_form_size


def describe(kernels, strides, dilations):
    """'3x3 conv, 2x2 pool (stride 2), ...': how a question names its layers."""
    words = []
    for k, s, d in zip(kernels, strides, dilations):
        kind = "pool" if k == 2 else "conv"  # our questions pool 2x2 and convolve with odd kernels
        extras = [f"stride {s}"] * (s > 1) + [f"dilation {d}"] * (d > 1)
        words.append(f"{k}x{k} {kind}" + (f" ({', '.join(extras)})" if extras else ""))
    return ", ".join(words)


def added(kernels, strides, dilations):
    """'1 + 2 + 4': what each layer adds to the field, (k_eff - 1) times the product of the strides before it."""
    terms, jump = ["1"], 1
    for k, s, d in zip(kernels, strides, dilations):
        terms.append(f"{d * (k - 1) * jump}")
        jump *= s
    return " + ".join(terms)


def ask(n, kernels, strides=None, dilations=None):
    strides, dilations = strides or [1] * len(kernels), dilations or [1] * len(kernels)
    size = closed_form_size(kernels, strides, dilations)
    publish.value(f"q{n}_sum", f"{added(kernels, strides, dilations)} = {size}")
    publish.value(f"q{n}_layers", describe(kernels, strides, dilations))
    publish.value(f"q{n}_kernels", kernels)
    publish.value(f"q{n}_strides", strides)
    publish.value(f"q{n}_dilations", dilations)
    publish.value(f"q{n}_answer", size)
    return size


# 1. A 1x1 layer on top of two 3x3 layers (the confusion: "the field equals the kernel size")
size1 = ask(1, [3, 3, 1])
publish.value("q1_why", f"The 1x1 kernel adds 0, but the units it reads already see "
              f"{closed_form_size([3, 3], [1, 1])} pixels. A unit sees exactly its kernel only if the kernel is "
              f"undilated and every layer before it (if any) is 1x1 with stride 1.")

# 2. A pooling layer in the middle (the confusion: "it grows linearly with depth")
size2 = ask(2, [3, 2, 3, 3], [1, 2, 1, 1])
plain2 = closed_form_size([3, 3, 3], [1, 1, 1])
publish.value("q2_without_pool", plain2)
publish.value("q2_why", f"The pool's stride doubles what each later 3x3 layer adds. The same three convolutions "
              f"without the pool see {plain2}.")

# 3. Dilation widens its own layer only
size3 = ask(3, [3, 3], [1, 1], [2, 1])
span3 = effective_kernel_size(3, 2)
publish.value("q3_why", f"The dilated kernel spans {span3} pixels, so it adds {span3 - 1}; the next layer adds only 2, "
              "because dilation leaves the jump at 1.")

# 4. How deep before a unit sees the whole digit?
WIDTH4 = 28
layers4 = next(n for n in range(1, 100) if closed_form_size([3] * n, [1] * n) >= WIDTH4)
publish.value("q4_width", WIDTH4)
publish.value("q4_answer", layers4)
publish.value("q4_field", closed_form_size([3] * layers4, [1] * layers4))
publish.value("q4_why", f"Each stride-1 3x3 layer adds 2: 1 + 2n ≥ {WIDTH4} first holds at n = {layers4} "
              f"({1 + 2 * layers4} pixels). Pooling or strides get there in far fewer layers.")
