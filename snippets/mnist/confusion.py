"""Confusion matrix of the frozen model on the 10,000 test images."""

import matplotlib.pyplot as plt
import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.style import INK  # the project's plot style: fixed SVG ids, same bytes every run
from cnn_glossary.mnist import results

cm = np.array(results.for_page().data["confusion_matrix"])
off = cm.copy()
np.fill_diagonal(off, 0)
fig, ax = plt.subplots(figsize=(5.2, 4.6))
ax.imshow(np.log1p(off), cmap="Oranges")
for t in range(10):
    for p in range(10):
        if cm[t, p]:
            ax.text(p, t, cm[t, p], ha="center", va="center", fontsize=7 if t == p else 8,
                    fontweight="normal" if t == p else "bold", color=INK)
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
fig.tight_layout()
t, p = np.unravel_index(off.argmax(), off.shape)
publish.value("worst_true", int(t))
publish.value("worst_predicted", int(p))
publish.value("worst_count", int(off[t, p]))
publish.figure(
    "confusion", fig,
    alt="A 10 by 10 table of counts, true digit by row and predicted digit by column. The diagonal holds "
    "the correct predictions, roughly a thousand each; off-diagonal cells hold a handful of mistakes.",
    caption="Confusion matrix on the test set. Every non-zero count is printed; mistakes (off the diagonal) "
    "are in bold and shaded by their count.",
)
