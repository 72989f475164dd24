"""One small thumbnail per topic for the home page's cards."""

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.figures.cards import thumbnails
from cnn_glossary.kernels import DIGIT_INDEX, SOBEL_X

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
mnist = load_mnist()
digit = mnist.x_test[DIGIT_INDEX]  # the test digit the Filters, Feature Maps and other pages show
label = int(mnist.y_test[DIGIT_INDEX])
# Pages name a test digit by its index in the test set, counted from 0 as Python counts: x_test[1] is "test digit 1".
numbering = f"test digit {DIGIT_INDEX} (counted from 0, so the {ORDINALS[DIGIT_INDEX]} in the test set)"
history = results.for_page().data["history"]
SOBEL_ROWS = ", ".join(" ".join(f"{v:g}" for v in row) for row in SOBEL_X)  # top row first
ALT = {
    "convolution.md": "A 3 by 3 window highlighted on a 5 by 5 grid, with an arrow to one cell of a 3 by 3 output.",
    "filters.md": f"A 3 by 3 grid of numbers: the Sobel x kernel, rows from the top {SOBEL_ROWS}.",
    "feature-maps.md": "A handwritten digit next to the map of one edge filter's response to it.",
    "epochs.md": "Two small curves of loss per epoch, both lower at the end than at the start: training loss "
                 "solid, validation loss dashed.",
    "conv-1x1.md": "Four stacked channel squares with one pixel highlighted, an arrow to two stacked squares.",
    "conv-3x3.md": "A 3 by 3 window inside a dashed 5 by 5 square: two stacked 3x3 layers see a 5x5 patch.",
    "activation.md": "The ReLU curve, solid and bent at zero, and the S-shaped sigmoid curve, dashed.",
    "receptive-field.md": "Nested squares of sizes 1, 3, 5 and 7 on a grid: a receptive field growing by layer.",
    "pooling.md": "A 4 by 4 grid in four outlined 2 by 2 windows, one cell of each highlighted, an arrow to a 2 by 2 "
    "grid of highlighted cells.",
    "batch-norm.md": "A row of unevenly spread dots and, below it, the same dots centred on a dashed zero line.",
    "softmax.md": "Four grey bars of raw scores, each beside a hatched blue bar of its softmax probability.",
    "mnist.md": f"A handwritten {label}: MNIST {numbering}.",
    "augmentation.md": "A handwritten digit next to a slightly turned and shifted copy of it.",
    "learning-rate.md": "A curve that climbs in a straight line, then falls smoothly to zero: a one-cycle schedule.",
}
CAPTION = {"convolution.md": "window → output cell", "filters.md": "a Sobel kernel",
           "feature-maps.md": "a digit and its edge map", "epochs.md": "loss per epoch of our MNIST run",
           "conv-1x1.md": "channels mixed at a pixel", "conv-3x3.md": "two 3x3 layers see 5x5",
           "activation.md": "ReLU and sigmoid", "receptive-field.md": "fields grow layer by layer",
           "pooling.md": "one value kept per window", "batch-norm.md": "centred and rescaled",
           "softmax.md": "scores into probabilities", "mnist.md": f"test digit {DIGIT_INDEX}, a {label}",
           "augmentation.md": "a digit, turned and shifted", "learning-rate.md": "warm up, then cool down"}
for page, fig in thumbnails(digit, history).items():
    name = page.removesuffix(".md").replace("-", "_")
    publish.figure(name, fig, alt=ALT[page], caption=CAPTION[page], width=190)
publish.value("digit_index", DIGIT_INDEX)
publish.value("digit_label", label)
publish.value("digit_ordinal", ORDINALS[DIGIT_INDEX])
