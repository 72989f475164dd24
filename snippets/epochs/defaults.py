"""The defaults of Keras's EarlyStopping callback, read from its signature (not typed)."""

import inspect

import keras

from cnn_glossary import publish

# --8<-- [start:lesson]
defaults = {name: p.default for name, p in inspect.signature(keras.callbacks.EarlyStopping).parameters.items()}
monitor, patience, restore = defaults["monitor"], defaults["patience"], defaults["restore_best_weights"]
# --8<-- [end:lesson]
publish.table("defaults", [(name, repr(value)) for name, value in defaults.items()],
              headers=["argument", "default"], align="ll")
for name in ("monitor", "patience", "min_delta", "restore_best_weights", "start_from_epoch"):
    publish.value(name, repr(defaults[name]))
publish.value("keras_version", keras.__version__)
