"""A gallery of test digits the frozen model gets wrong."""

import matplotlib.pyplot as plt

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist

wrong = results.for_page().data["misclassified"]
images = load_mnist().x_test
shown = min(24, len(wrong["index"]))
fig, axes = plt.subplots(3, 8, figsize=(8, 3.6))
for k, ax in enumerate(axes.flat):
    ax.axis("off")
    if k < shown:
        ax.imshow(images[wrong["index"][k]], cmap="gray_r")
        ax.set_title(f"true {wrong['true'][k]}\nsaid {wrong['predicted'][k]}", fontsize=8)
fig.tight_layout()
publish.value("shown", shown)
publish.figure(
    "gallery", fig, format="png",
    alt="A grid of handwritten test digits that the model misread, each titled with its true label and "
    "the label the model predicted; some are ambiguous or badly written, others are clear to a person.",
    caption="The first test digits, in test-set order, that the model classifies wrongly, with the true "
    "label and the prediction.",
)
