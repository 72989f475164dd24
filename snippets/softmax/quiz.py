"""Check yourself (Softmax page): the numbers each question gives, and its answer, computed."""

import math

import numpy as np

from cnn_glossary import publish
from cnn_glossary.softmax import cross_entropy, log_softmax, softmax, softmax_naive

# 1. A softmax of three scores
SCORES1 = np.array([2.0, 1.0, 0.0])
p1 = softmax(SCORES1)
publish.value("q1_scores", SCORES1)
publish.value("q1_answer", np.round(p1, 3))
publish.value("q1_why", " : ".join(f"exp({z:g})" for z in SCORES1) + " = "
              + " : ".join(f"{math.exp(z):.2f}" for z in SCORES1)
              + f", each divided by their sum {sum(math.exp(z) for z in SCORES1):.2f}.")

# 2. The same scores plus 1000 (the confusion: "a naive softmax is fine")
SHIFT2 = 1000.0
p2 = softmax(SCORES1 + SHIFT2)
naive2 = softmax_naive((SCORES1 + SHIFT2).astype("float32"))
naive_text2 = ", ".join("nan" if np.isnan(v) else f"{v:g}" for v in naive2)
publish.value("q2_scores", SCORES1 + SHIFT2)
publish.value("q2_answer", np.round(p2, 3))
publish.value("q2_naive", naive_text2)
publish.value("q2_why", f"Adding {SHIFT2:g} to every score multiplies top and bottom by the same exp({SHIFT2:g}). "
              "Written naively, exp overflows to infinity and the division gives "
              f"({naive_text2}); the stable form subtracts "
              "the largest score first.")

# 3. Cross-entropy of three examples
TRUE_P3 = np.array([0.9, 0.6, 0.05])  # the probability each example gives its true class
loss3 = cross_entropy(np.log(TRUE_P3)[:, None], np.zeros(len(TRUE_P3), dtype=int))
share3 = -math.log(TRUE_P3.min()) / (-np.log(TRUE_P3).sum())
publish.value("q3_probabilities", TRUE_P3)
publish.value("q3_answer", loss3, fmt=".3f")
publish.value("q3_share", share3, fmt=".0%")
publish.value("q3_why", "The mean of −ln p: (" + " + ".join(f"{-math.log(p):.3f}" for p in TRUE_P3)
              + f") / {len(TRUE_P3)} = {loss3:.3f}. The example that gives its true class only "
              f"{TRUE_P3.min():g} makes up {share3:.0%} of it.")

# 4. What Keras's evaluate prints (the confusion: "the two numbers are two accuracies")
LOSS4, ACCURACY4 = 0.0512, 0.9843
publish.value("q4_loss", LOSS4, fmt="g")
publish.value("q4_accuracy", ACCURACY4, fmt="g")
publish.value("q4_geometric", math.exp(-LOSS4), fmt=".3f")
publish.value("q4_why", f"`evaluate` returns `[loss, accuracy]`. The loss is a mean of −ln p, so exp(−{LOSS4:g}) = "
              f"{math.exp(-LOSS4):.3f} is the geometric mean of the probabilities given to the true classes.")

# 5. Scaling the scores (the confusion: "softmax outputs are the network's certainty")
FACTOR5 = 2.0
p5 = np.exp(log_softmax(FACTOR5 * SCORES1))
publish.value("q5_scores", FACTOR5 * SCORES1)
publish.value("q5_answer", np.round(p5, 3))
publish.value("q5_why", f"The answer is the same class, but its probability rises from {p1.max():.3f} to "
              f"{p5.max():.3f}. Scaling the scores changes how sure softmax looks without changing how often the "
              "network is right.")
