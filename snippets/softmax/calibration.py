"""Is our network's confidence a probability of being right? A reliability diagram and the expected calibration
error on the validation digits (held out from training). The test set chooses nothing here: its published accuracy
appears only to compare with."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.softmax import reliability_figure
from cnn_glossary.mnist import results, train
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.softmax import calibration, calibration_sentence

BINS = 10
model = results.for_page().load_model()
_, (x_val, y_val), _ = train.split(load_mnist())  # the same seeded split as the training run

# --8<-- [start:lesson]
probabilities = model.predict(x_val, batch_size=1000, verbose=0)
confidence = probabilities.max(axis=1)  # how sure the network is of its answer
correct = probabilities.argmax(axis=1) == y_val  # whether that answer is right
rows, ece = calibration(confidence, correct, bins=BINS)  # per bin: count, accuracy, mean confidence
# --8<-- [end:lesson]

accuracy, mean_confidence = float(correct.mean()), float(confidence.mean())
publish.table("bin_table", [(f"{lo:.1f} to {hi:.1f}", n, acc, conf, acc - conf) for lo, hi, n, acc, conf in rows],
              headers=["confidence", "digits", "accuracy", "mean confidence", "accuracy − confidence"],
              fmts=[None, ",", ".1%", ".1%", "+.1%"])
publish.value("rows", [list(r) for r in rows])  # for the tests
publish.value("ece", ece, fmt=".4f")
publish.value("bins", BINS)
publish.value("n_val", len(y_val), fmt=",")
publish.value("accuracy", accuracy, fmt=".2%")
publish.value("mean_confidence", mean_confidence, fmt=".2%")
publish.value("sentence", calibration_sentence(accuracy, mean_confidence, ece, len(y_val), "validation"))
# How noisy is the gap? One standard error of a mean over the digits of (confidence - 1 if right else 0)
gap = mean_confidence - accuracy
gap_se = float(np.std(confidence - correct, ddof=1) / np.sqrt(len(y_val)))
publish.value("gap_se", gap_se, fmt=".4f")
publish.value("mean_gap", abs(gap), fmt=".2%")
publish.value("noise", f"The mean gap of {100 * abs(gap):.2f} percentage points (not the expected calibration error) "
              f"is uncertain by about {100 * gap_se:.2f} percentage points with {len(y_val):,} digits (one standard "
              f"error), so it is {abs(gap) / gap_se:.1f} times its own noise.")
# Validation against test accuracy: two independent samples of digits, each accuracy with its binomial error
test_accuracy, n_test = float(results.for_page().data["test_accuracy"]), len(load_mnist().x_test)
diff_se = float(np.sqrt(accuracy * (1 - accuracy) / len(y_val) + test_accuracy * (1 - test_accuracy) / n_test))
z = (test_accuracy - accuracy) / diff_se
publish.value("test_accuracy", test_accuracy, fmt=".2%")
publish.value("val_vs_test", (
    f"The same network scores {test_accuracy:.2%} on the {n_test:,} test digits and {accuracy:.2%} on the "
    f"{len(y_val):,} validation digits, which were set aside from MNIST's training set. The two are different "
    f"samples of digits, and each accuracy carries sampling noise; the difference, "
    f"{100 * abs(test_accuracy - accuracy):.2f} percentage points, is {abs(z):.1f} standard errors of a difference "
    f"between two such accuracies. " + (
        "That is more than sampling noise alone usually gives (beyond about 2), which suggests, without proving "
        "it, a real difference. " + (
            "This measurement does not tell two explanations apart: the test digits may be a little easier for this "
            "network than the validation digits, or the test score may be slightly optimistic, because earlier "
            "versions of our benchmark scripts printed test accuracy while the recipe was being shaped (see the "
            "MNIST page)." if z > 0 else
            "It suggests that the validation digits are a little easier for this network than the test digits.")
        if abs(z) > 2 else
        "That is within what sampling noise alone gives (below about 2).")))
top = rows[-1]
below = sum(r[2] for r in rows[:-1])
publish.value("top_share", top[2] / len(y_val), fmt=".1%")
publish.value("top_low", top[0], fmt=".1f")
publish.value("below_count", below, fmt=",")
publish.value("below_errors", int(sum(round(r[2] * (1 - r[3])) for r in rows[:-1])), fmt=",")
publish.value("errors", int((~correct).sum()), fmt=",")
publish.figure(
    "reliability", reliability_figure(rows, BINS),
    alt=f"A reliability diagram: for each tenth of the confidence scale, a bar whose height is the accuracy of the "
    f"validation digits whose confidence falls there, a short amber line at their mean confidence, and a dashed "
    f"diagonal for perfect calibration; a log-scale bar chart below counts the digits per bin. {top[2]:,} of the "
    f"{len(y_val):,} digits fall in the top bin, where accuracy is {top[3]:.2%} and mean confidence "
    f"{top[4]:.2%}; the {below:,} others spread over the lower bins.",
    caption=f"Reliability of our network's confidence on the {len(y_val):,} validation digits, in {BINS} equal "
    f"bins; each bar is labelled with its number of digits. Bars below the amber line: over-confident; above: "
    f"under-confident. Expected calibration error {ece:.4f}.",
)
