"""Seven activation functions and their derivatives (by tf.GradientTape), drawn side by side."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.activation import activation_figure

x = np.linspace(-4, 4, 161)
publish.figure(
    "curves", activation_figure(x),
    alt="Seven small line charts, one per activation function: sigmoid, tanh, ReLU, Leaky ReLU, ELU, GELU and "
    "Swish/SiLU, each plotted for inputs from -4 to 4 as a solid line, with its derivative as a dashed line. "
    "Sigmoid's derivative is a low bump; ReLU's derivative is a step from 0 to 1; GELU and Swish dip slightly "
    "below zero for negative inputs.",
    caption="Each activation f(x) (solid) and its derivative f′(x) (dashed), computed by automatic "
    "differentiation of the Keras functions.",
)
