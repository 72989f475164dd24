"""Cross-entropy by hand over the whole test set, against the test loss Keras reported for our model."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.softmax import cross_entropy, log_softmax

frozen = results.for_page()
model = frozen.load_model()
mnist = load_mnist()
x, labels = mnist.x_test.astype("float32")[..., None] / 255.0, mnist.y_test.astype(int)
logits = keras.Model(model.input, model.get_layer("gap").output).predict(x, batch_size=1000, verbose=0)

# --8<-- [start:lesson]
log_p = log_softmax(logits.astype("float64"))  # log-probabilities straight from the scores, without overflow
loss = cross_entropy(log_p, labels)  # the mean over the test set of -log(probability of the true digit)
accuracy = float((log_p.argmax(axis=1) == labels).mean())
# --8<-- [end:lesson]

keras_loss, keras_accuracy = frozen.data["test_loss"], frozen.data["test_accuracy"]
publish.value("hand_loss", loss, fmt=".6f")
publish.value("keras_loss", keras_loss, fmt=".6f")
publish.value("loss_difference", abs(loss - keras_loss), fmt=".1e")
publish.value("hand_accuracy", accuracy, fmt=".2%")
publish.value("keras_accuracy", keras_accuracy, fmt=".2%")
publish.value("n_test", len(labels), fmt=",")
publish.value("geometric_mean", float(np.exp(-loss)), fmt=".1%")  # exp(-loss): typical probability of the truth
true_logp = log_p[np.arange(len(labels)), labels]
worst = int(true_logp.argmin())
publish.value("worst_index", worst, fmt="d")
publish.value("worst_share", float(-true_logp[worst] / -true_logp.sum()), fmt=".0%")
publish.value("worst_probability", float(np.exp(true_logp[worst])), fmt=".2g")
CONFIDENT = 0.99
publish.value("confident_share", float((np.exp(true_logp) > CONFIDENT).mean()), fmt=".1%")
publish.value("confident_threshold", CONFIDENT, fmt="g")
SOURCE = [0.03734615365753525, 0.9916]  # the printout quoted by the source README: model.evaluate's [loss, accuracy]
publish.value("source_loss", SOURCE[0], fmt=".4f")
publish.value("source_accuracy", SOURCE[1], fmt=".2%")
publish.value("source_geometric_mean", float(np.exp(-SOURCE[0])), fmt=".1%")
