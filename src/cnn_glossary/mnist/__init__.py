"""The running example: MNIST data, the training script (a tutorial), the frozen result, and the CLI.

Only this part writes ``results/mnist/``. ``python -m cnn_glossary.mnist`` is the ``cnn-glossary`` command.
"""
