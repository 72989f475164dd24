"""Our model's ten probabilities for one correctly read and one misread test digit."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.softmax import probabilities_figure
from cnn_glossary.kernels import DIGIT_INDEX
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.softmax import percent_text

frozen = results.for_page()
model = frozen.load_model()
mnist = load_mnist()
wrong = frozen.data["misclassified"]
MISREAD = wrong["index"][0]  # the first misread test digit, in test-set order
assert DIGIT_INDEX not in wrong["index"], f"test digit {DIGIT_INDEX} is misread; pick another in kernels.py"

# --8<-- [start:lesson]
images = mnist.x_test[[DIGIT_INDEX, MISREAD]].astype("float32")[..., None] / 255.0
probabilities = model.predict(images, verbose=0)  # the last layer is the softmax: each row sums to one
predicted = probabilities.argmax(axis=1)  # the digit the network reads: the most probable class
# --8<-- [end:lesson]

panels, labels = [], mnist.y_test[[DIGIT_INDEX, MISREAD]]
for index, p, true, pred in zip((DIGIT_INDEX, MISREAD), probabilities, labels, predicted):
    kind = "read correctly" if true == pred else "misread"
    panels.append({"index": int(index), "image": mnist.x_test[index], "probabilities": p, "true": int(true),
                   "predicted": int(pred), "title": f"test digit {index}: a {true}, {kind}"})
    tag = "right" if true == pred else "wrong"
    publish.value(f"{tag}_index", index)
    publish.value(f"{tag}_true", int(true))
    publish.value(f"{tag}_predicted", int(pred))
    publish.value(f"{tag}_top", percent_text(float(p.max())))  # never "100.0%" for a value below one
    publish.value(f"{tag}_top_value", float(p.max()))
    publish.value(f"{tag}_true_probability", percent_text(float(p[true])))
    publish.value(f"{tag}_true_probability_value", float(p[true]))
publish.value("recorded_confidence", wrong["confidence"][0], fmt=".1%")
desc = "; ".join(f"test digit {q['index']}, a {q['true']}, gets {percent_text(float(q['probabilities'].max()), 0)} "
                 f"on {q['predicted']}" for q in panels)
publish.figure(
    "bars", probabilities_figure(panels),
    alt=f"Two rows, each a handwritten digit beside ten bars, the probabilities the network gives to the digits "
    f"0 to 9: {desc}. The predicted digit's bar is amber and outlined; the true digit's bar is hatched.",
    caption=f"Our model's softmax output for a correctly read digit (top) and a misread one (bottom). Amber, "
    "outlined: the predicted digit; hatched: the true digit. Bars of at least 0.01 are labelled, with as many "
    "digits as it takes for a value below 1 not to read as 1.",
)
