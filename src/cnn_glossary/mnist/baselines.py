"""The Keras "Simple MNIST convnet" example, rebuilt as a baseline to compare against.

Its recipe: two 3x3 convolutions (32 and 64 channels, ReLU), each followed by 2x2 max
pooling, then dropout 0.5 and a dense softmax layer; Adam, batch size 128, 15 epochs,
10 % of the training images held out for validation.
"""

from __future__ import annotations

KERAS_EXAMPLE_EPOCHS = 15
KERAS_EXAMPLE_BATCH_SIZE = 128


def keras_example_model(keras):
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="keras_simple_mnist_convnet",
    )
