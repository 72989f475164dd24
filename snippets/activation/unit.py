"""The smallest example: two units, each with three inputs, three weights and a bias, then every activation."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.activations import activations

# --8<-- [start:lesson]
x = np.array([0.5, -1.0, 2.0])  # the three inputs
units = {"A": (np.array([0.4, 0.3, -0.2]), 0.1),  # weights, bias
         "B": (np.array([1.0, -0.5, 0.25]), -0.2)}
z = {name: float(w @ x + b) for name, (w, b) in units.items()}  # pre-activations
outputs = {fn_name: [float(np.asarray(fn(np.array([z[u]])))[0]) for u in units]
           for fn_name, fn in activations().items()}  # each activation applied to each z
# --8<-- [end:lesson]


def num(v):  # 0.5, -1, (-0.2): brackets around negatives inside a sum
    s = f"{v:g}".replace("-", "−")
    return f"({s})" if v < 0 else s


for name, (w, b) in units.items():
    products = " + ".join(f"{num(wi)}·{num(xi)}" for wi, xi in zip(w, x))
    publish.value(f"sum_{name}", f"{products} + {num(b)} = {num(z[name]).strip('()')}")
    publish.value(f"z_{name}", z[name], fmt="g")
publish.value("inputs", ", ".join(f"{v:g}".replace("-", "−") for v in x))
publish.table("outputs", [(fn_name, *vals) for fn_name, vals in outputs.items()],
              headers=["activation", f"unit A, z = {z['A']:g}", f"unit B, z = {z['B']:g}"],
              fmts=[None, ".4f", ".4f"], align="lrr")
