"""Check yourself (Activation page): the numbers each question gives, and its answer, computed."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.activations import activations, compose_dense, leaky_relu_defaults, value_and_derivative

act = activations()  # Keras's own functions

# 1. The activation acts on the pre-activation w·x + b (the confusion: "it acts on the inputs")
X1, W1, B1 = np.array([1.0, 2.0, 0.5]), np.array([0.5, -1.0, 2.0]), -0.5
z1 = float(W1 @ X1 + B1)
relu1 = float(value_and_derivative(act["ReLU"], [z1])[0][0])
sigmoid1 = float(value_and_derivative(act["sigmoid"], [z1])[0][0])
publish.value("q1_inputs", X1)
publish.value("q1_weights", W1)
publish.value("q1_bias", B1, fmt="g")
publish.value("q1_z", z1, fmt="g")
publish.value("q1_relu", relu1, fmt="g")
publish.value("q1_sigmoid", sigmoid1, fmt=".4f")
publish.value("q1_why", "z = " + " + ".join(f"{w:g}·{x:g}" for w, x in zip(W1, X1)).replace("+ -", "− ")
              + f" − {-B1:g} = {z1:g}. ReLU clips it to {relu1:g}; the sigmoid gives 1 / (1 + exp({-z1:g})) = "
              f"{sigmoid1:.4f}, small but not 0.")

# 2. A sigmoid's slope, passed back through several layers
Z2, LAYERS2 = 2.0, 4
value2, slope2 = (float(v[0]) for v in value_and_derivative(act["sigmoid"], [Z2]))
publish.value("q2_z", Z2, fmt="g")
publish.value("q2_layers", LAYERS2)
publish.value("q2_slope", slope2, fmt=".4f")
publish.value("q2_product", slope2**LAYERS2, fmt=".2g")
publish.value("q2_why", f"σ({Z2:g}) = {value2:.4f}, so σ' = {value2:.4f} · (1 − {value2:.4f}) = {slope2:.4f}; "
              f"{LAYERS2} such factors multiply to {slope2**LAYERS2:.2g}. ReLU would pass 1.")

# 3. Keras's two Leaky ReLU defaults (the confusion: "Leaky ReLU has one standard slope")
Z3 = -3.0
slopes3 = leaky_relu_defaults()
layer3 = Z3 * slopes3["layer"]  # negative inputs are multiplied by the slope
function3 = Z3 * slopes3["function"]
publish.value("q3_z", Z3, fmt="g")
publish.value("q3_layer", layer3, fmt="g")
publish.value("q3_function", function3, fmt="g")
publish.value("q3_why", f"{Z3:g} times the slope: the layer `keras.layers.LeakyReLU()` defaults to {slopes3['layer']:g}, "
              f"the function `keras.activations.leaky_relu` to {slopes3['function']:g}. Pass `negative_slope` "
              "explicitly.")

# 4. Without an activation, two layers are one
W4A, B4A, W4B, B4B = 2.0, 1.0, -3.0, 0.5  # h = 2x + 1, then y = -3h + 0.5
w4, b4 = compose_dense(np.array([[W4A]]), np.array([B4A]), np.array([[W4B]]), np.array([B4B]))
publish.value("q4_w1", W4A, fmt="g")
publish.value("q4_b1", B4A, fmt="g")
publish.value("q4_w2", W4B, fmt="g")
publish.value("q4_b2", B4B, fmt="g")
publish.value("q4_w", float(w4[0, 0]), fmt="g")
publish.value("q4_b", float(b4[0]), fmt="g")
publish.value("q4_why", f"y = {W4B:g}({W4A:g}x + {B4A:g}) + {B4B:g} = {w4[0, 0]:g}x + ({b4[0]:g}): one layer, "
              "whatever the depth.")

# 5. The same two layers with a ReLU on h
X5 = -1.0
h5 = float(value_and_derivative(act["ReLU"], [W4A * X5 + B4A])[0][0])
publish.value("q5_x", X5, fmt="g")
publish.value("q5_answer", W4B * h5 + B4B, fmt="g")
publish.value("q5_linear", float(w4[0, 0] * X5 + b4[0]), fmt="g")
publish.value("q5_why", f"h = ReLU({W4A * X5 + B4A:g}) = {h5:g}, so y = {W4B * h5 + B4B:g}; the single linear layer "
              f"above gives {w4[0, 0] * X5 + b4[0]:g}. The ReLU has made the stack something no single linear layer "
              "computes.")
