"""The frozen MNIST result: score, provenance, and the model's layers."""

from cnn_glossary import publish
from cnn_glossary.mnist import results

frozen = results.for_page()
r = frozen.data
publish.value("test_loss", r["test_loss"], fmt=".4f")
publish.value("test_accuracy", r["test_accuracy"], fmt=".2%")
publish.value("test_errors", len(r["misclassified"]["index"]))
publish.value("parameters", r["parameters"])
publish.value("epochs", r["epochs"])
publish.value("seed", r["seed"])
publish.value("wall_minutes", r["wall_seconds"] / 60, fmt=".1f")
publish.value("date", r["date"])
publish.value("cpu", r["cpu"])
publish.value("tensorflow", r["versions"].get("tensorflow-cpu") or r["versions"]["tensorflow"])
publish.value("keras", r["versions"]["keras"])
publish.value("python", r["versions"]["python"])
publish.value("training_hash", r["training_hash"][:12])

# The layer table comes from the saved Keras model itself.
model = frozen.load_model()
rows = [
    (layer.name, type(layer).__name__, str(tuple(layer.output.shape[1:])), layer.count_params())
    for layer in model.layers
]
publish.table("layers", rows, headers=["layer", "type", "output shape", "parameters"])
publish.value("model_parameters", model.count_params())

# Context for the page: the data set's size, the Keras example's size, the reproduction tolerance.
import keras  # noqa: E402

from cnn_glossary.mnist.baselines import keras_example_model  # noqa: E402
from cnn_glossary.mnist.cli import TOLERANCE_PP  # noqa: E402
from cnn_glossary.mnist.data import load_mnist  # noqa: E402
from cnn_glossary.mnist.train import VALIDATION_SIZE  # noqa: E402

mnist = load_mnist()
publish.value("n_train", len(mnist.x_train))
publish.value("n_test", len(mnist.x_test))
publish.value("n_total", len(mnist.x_train) + len(mnist.x_test))
publish.value("n_validation", VALIDATION_SIZE)
publish.value("keras_example_parameters", keras_example_model(keras).count_params())
publish.value("tolerance_pp", TOLERANCE_PP)

# What the source README printed, quoted: Keras's evaluate() returns [loss, accuracy].
SOURCE_PRINTOUT = [0.03734615365753525, 0.9916]
publish.value("source_loss", SOURCE_PRINTOUT[0], fmt=".4f")
publish.value("source_accuracy", SOURCE_PRINTOUT[1], fmt=".2%")
