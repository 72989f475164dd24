"""The frozen MNIST result: score, provenance, the model's layers and what its parameters are."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.baselines import keras_example_model
from cnn_glossary.mnist.cli import TOLERANCE_PP
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.mnist.train import VALIDATION_SIZE

frozen = results.for_page()
r = frozen.data
model = frozen.load_model()

# --8<-- [start:lesson]
# evaluate() returns the loss first, then the compiled metrics; with metrics=["accuracy"] that is [loss, accuracy].
test_loss, test_accuracy = r["test_loss"], r["test_accuracy"]

# Not every parameter is learned by gradient descent: batch normalisation's
# moving mean and variance are running averages, kept as non-trainable weights.
def count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)

trainable = count(model.trainable_weights)
non_trainable = count(model.non_trainable_weights)
layers = [(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]), count(layer.trainable_weights),
           layer.count_params()) for layer in model.layers]
# --8<-- [end:lesson]

publish.value("test_loss", test_loss, fmt=".4f")
publish.value("test_accuracy", test_accuracy, fmt=".2%")
publish.value("test_errors", len(r["misclassified"]["index"]))
publish.value("parameters", r["parameters"])
publish.value("model_parameters", model.count_params())
publish.value("trainable", trainable)
publish.value("non_trainable", non_trainable)
for key in ("epochs", "seed", "date", "cpu"):
    publish.value(key, r[key])
publish.value("wall_minutes", r["wall_seconds"] / 60, fmt=".1f")
publish.value("tensorflow", r["versions"].get("tensorflow-cpu") or r["versions"]["tensorflow"])
publish.value("keras", r["versions"]["keras"])
publish.value("python", r["versions"]["python"])
publish.value("training_hash", r["training_hash"][:12])
publish.table("layers", [(n, t, str(s), learned, p) for n, t, s, learned, p in layers],
              headers=["layer", "type", "output shape", "learned parameters",
                       "Keras's count (adds batch norm's moving averages)"])

# Which convolutions are followed by batch normalisation and then ReLU, read from the layer order.
kinds = [t for _, t, *_ in layers]
convs = [k for k, t in enumerate(kinds) if t == "Conv2D"]
followed = [k for k in convs if kinds[k + 1 : k + 3] == ["BatchNormalization", "ReLU"]]
publish.value("n_convs", len(convs))
publish.value("n_conv_bn_relu", len(followed))
publish.value("plain_convs", ", ".join(f"`{layers[k][0]}`" for k in convs if k not in followed))

# Context: the data set's size, the Keras example's size, the reproduction tolerance.
mnist = load_mnist()
publish.value("n_train", len(mnist.x_train))
publish.value("n_test", len(mnist.x_test))
publish.value("n_total", len(mnist.x_train) + len(mnist.x_test))
publish.value("n_validation", VALIDATION_SIZE)
example = keras_example_model(keras)
publish.value("keras_example_parameters", example.count_params())
publish.value("keras_example_trainable", count(example.trainable_weights))
publish.value("tolerance_pp", TOLERANCE_PP)

# What the source README printed, quoted: Keras's evaluate() returns [loss, accuracy].
SOURCE_PRINTOUT = [0.03734615365753525, 0.9916]
publish.value("source_loss", SOURCE_PRINTOUT[0], fmt=".4f")
publish.value("source_accuracy", SOURCE_PRINTOUT[1], fmt=".2%")
